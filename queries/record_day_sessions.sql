-- record_day_sessions: the sessions of one day that a user may correct on the Record session page.
-- returns: session_id, session_time, patient_id, therapist, status, pain_before, pain_after,
--          muscle_tension, numbness, acute_inflammation, course (course_id, else the inferred one),
--          notes, recorded (true for sessions entered in the dashboard), corrections (earlier
--          versions kept); ordered by time (none first), then session_id
-- params: $day (date), $scope (varchar or null: a therapist sees the sessions they gave),
--         $as_of (date: a day after it lists nothing, as every page leaves out rows after the as-of date)
with history as (
    select session_id, count(*) as corrections
    from session_history
    group by session_id
),

final as (
    select
        sessions.session_id,
        sessions.session_time,
        sessions.patient_id,
        sessions.therapist,
        sessions.status,
        sessions.pain_before,
        sessions.pain_after,
        sessions.muscle_tension,
        sessions.numbness,
        sessions.acute_inflammation,
        coalesce(sessions.course_id, sessions.inferred_course_id) as course,
        sessions.notes,
        coalesce(import_batches.file_kind = 'recorded', false) as recorded,
        coalesce(history.corrections, 0) as corrections
    from sessions
    left join import_batches on import_batches.batch_id = sessions.batch_id
    left join history on history.session_id = sessions.session_id
    where sessions.session_date = $day
      and sessions.session_date <= $as_of
      and ($scope::varchar is null or sessions.therapist = $scope)
)

select * from final
order by session_time nulls first, session_id
