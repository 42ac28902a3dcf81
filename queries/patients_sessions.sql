-- patients_sessions: every session row of one filtered course up to $as_of, in course order (date,
-- then session time with none first, then session_id as text). No rows when the course does not
-- pass the filters (for example another therapist's patient under a therapist's scope).
-- returns: session_id, session_date, session_time (text 'HH:MM', 24-hour; null when not recorded),
--   status, pain_before, pain_after,
--   pain_change (after - before), notes (free text: show escaped; a note stored before imports
--   bounded fields to 5,000 characters is cut there and marked with …), numbness, acute_inflammation,
--   muscle_tension, course_day (1 = the course's start date), session_number (1, 2, ... over
--   attended rows; null on cancelled and no-show rows), therapist
-- params: the filter set (see filtered_courses.sql), $course_id (varchar)
-- uses: filtered_sessions
-- reads: open_courses (see filtered_courses.sql)
with course_rows as (
    select *
    from filtered_sessions($as_of, $start_from, $start_to, $therapists, $sites, $diagnoses, $age_bands, $sexes, $scope, $relief_rule,
                           course_ids := [$course_id])
),

final as (
    select
        session_id,
        session_date,
        strftime(session_date + session_time, '%H:%M') as session_time,
        status,
        pain_before,
        pain_after,
        pain_change,
        case when length(notes) > 5000 then left(notes, 5000) || '…' else notes end as notes,
        numbness,
        acute_inflammation,
        muscle_tension,
        course_day,
        session_number,
        therapist
    from course_rows
)

select * from final
order by session_date, session_time nulls first, session_id;
