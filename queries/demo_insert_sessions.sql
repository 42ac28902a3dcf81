-- demo_insert_sessions: writes generated demo sessions, oldest first. Returns nothing.
-- course_no 0: a session without a course id (its course is inferred afterwards).
-- reads: demo_sessions (registered by clinic.demo)
-- params: $patient_width, $course_width, $session_width, $statuses, $therapists, $notes
--         (varchar[] vocabularies), $end_date, $batch_id
insert into sessions (session_id, patient_id, session_date, therapist, status, pain_before,
                      pain_after, course_id, inferred_course_id, session_time, muscle_tension,
                      numbness, acute_inflammation, notes, batch_id)
select
    'S' || lpad(cast(session_no as varchar), $session_width, '0'),
    'P' || lpad(cast(patient_no as varchar), $patient_width, '0'),
    cast($end_date as date) + cast(session_day as integer),
    list_extract($therapists, therapist + 1),
    list_extract($statuses, status + 1),
    nullif(pain_before, -1),
    nullif(pain_after, -1),
    case when course_no > 0 then 'C' || lpad(cast(course_no as varchar), $course_width, '0') end,
    null,
    case when minute_of_day >= 0 then make_time(minute_of_day // 60, minute_of_day % 60, 0) end,
    nullif(muscle_tension, -1),
    cast(nullif(numbness, -1) as boolean),
    cast(nullif(acute_inflammation, -1) as boolean),
    case when note >= 0 then list_extract($notes, note + 1) end,
    $batch_id
from demo_sessions
-- in the order a clinic's records accrue: by day (DuckDB keeps each block's date range, so a query for
-- recent days skips the older blocks)
order by session_day, minute_of_day, session_no;
