-- record_ongoing_course: the course a session recorded with no course id joins: the patient's course
-- going on that day, so that a patient whose courses carry ids (from the practice software, or
-- typed) does not get a one-session inferred course for each session entered in the dashboard.
-- That course is the one of the patient's latest session row (any status) or listed course start
-- (courses.csv) dated on or before the session's day, when it is no more than the course gap (30
-- days unless course_grouping says otherwise) before it: a longer gap starts a new course, as
-- inferring does. On the same day, a course listed as starting that day comes first, then the last
-- row in course order (date, time with none first, session_id).
-- returns: at most one row: course_id (varchar; null when that course's rows have no course id of
--          their own: the session is then inferred into it by the same gap). No row: no course is
--          going on, and the session starts an inferred course of its own.
-- params: $patient_id (varchar), $session_date (date)
-- Only the blocks of session rows dated in the gap before the day are read: sessions are stored in
-- date order.
with
gap as (
    select coalesce(max(course_gap_days), 30) as days
    from course_grouping
),

candidates as (
    select
        course_id,
        session_date as day,
        false as listed_start,
        session_time,
        session_id
    from sessions
    where patient_id = $patient_id
      and session_date <= $session_date::date
      and session_date >= $session_date::date - (select days from gap)
    union all
    select
        course_id,
        start_date as day,
        true as listed_start,
        null as session_time,
        null as session_id
    from courses
    where patient_id = $patient_id
      and start_date <= $session_date::date
      and start_date >= $session_date::date - (select days from gap)
)

select course_id
from candidates
order by day desc, listed_start desc, session_time desc nulls last, session_id desc
limit 1
