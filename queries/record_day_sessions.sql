-- record_day_sessions: the sessions of one day that a user may correct on the Record session page.
-- returns: session_id, session_time, patient_id, therapist, status, pain_before, pain_after,
--          muscle_tension, numbness, acute_inflammation, course (course_id, else the inferred one),
--          notes, recorded (true for sessions entered in the dashboard), corrections (earlier
--          versions kept), matched_sessions (how many of the day's sessions match the search) and
--          day_sessions (how many the user may see that day), both on every row; ordered by time (none
--          first), then session_id, and cut to one page here: a network's day holds tens of thousands
--          of sessions, and a page never holds more rows than it shows
-- params: $day (date), $scope (varchar or null: a therapist sees the sessions they gave),
--         $as_of (date: a day after it lists nothing, as every page leaves out rows after the as-of date),
--         $search (varchar: kept are sessions whose patient id or session id contains it, any case;
--         empty or null: all), $page_size (integer or null = every matching session), $page_offset
--         (rows to skip)
with history as (
    select session_id, count(*) as corrections
    from session_history
    group by session_id
),

day as (
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
        sessions.batch_id
    from sessions
    where sessions.session_date = $day
      and sessions.session_date <= $as_of
      and ($scope::varchar is null or sessions.therapist = $scope)
),

needle as (
    select lower(trim(coalesce($search, ''))) as text
),

matched as (
    select d.*
    from day as d
    cross join needle as n
    where n.text = ''
       or contains(lower(d.patient_id), n.text)
       or contains(lower(d.session_id), n.text)
),

counts as (
    select
        (select count(*) from matched) as matched_sessions,
        (select count(*) from day) as day_sessions
),

shown as (
    select *
    from matched
    order by session_time nulls first, session_id
    limit $page_size
    offset greatest(coalesce($page_offset, 0), 0)
),

final as (
    select
        s.session_id,
        s.session_time,
        s.patient_id,
        s.therapist,
        s.status,
        s.pain_before,
        s.pain_after,
        s.muscle_tension,
        s.numbness,
        s.acute_inflammation,
        s.course,
        s.notes,
        coalesce(import_batches.file_kind = 'recorded', false) as recorded,
        coalesce(history.corrections, 0) as corrections,
        c.matched_sessions,
        c.day_sessions
    from shown as s
    cross join counts as c
    left join import_batches on import_batches.batch_id = s.batch_id
    left join history on history.session_id = s.session_id
)

select * from final
order by session_time nulls first, session_id;
