-- record_patients: the patients a user may record sessions for, for the Record session page.
-- returns: patient_id, last_session_date (their latest session row of any status, any therapist,
--          up to $as_of), sessions (those session rows): the $most seen most recently (ties by
--          patient_id), sorted by patient_id; a network's 200,000 patients are never listed whole
-- params: $scope (varchar or null: a therapist's own name; null = the director, every patient),
--         $as_of (date: only session rows dated on or before it count, as on every page; a session
--         booked or given later does not make its course the therapist's yet),
--         $patient_id (varchar or null: only this patient, to check that one is in scope),
--         $most (integer: at most this many rows)
-- A therapist's patients are those of the courses they treat, as on every other page: a course
-- (course_id, else the inferred one) is treated by the therapist of its first attended session, or
-- of its first row when none was attended, and by everyone who gave one of its attended sessions.
with course_rows as (
    select
        coalesce(course_id, inferred_course_id) as course_id,
        patient_id,
        therapist,
        status,
        row_number() over (
            partition by coalesce(course_id, inferred_course_id)
            order by session_date, session_time nulls first, session_id
        ) as row_no
    from sessions
    where session_date <= $as_of
      and ($patient_id::varchar is null or patient_id = $patient_id)
),

treated as (
    select course_id
    from course_rows
    group by course_id
    having bool_or(status = 'attended' and therapist = $scope)
        or (count(*) filter (where status = 'attended') = 0
            and max(case when row_no = 1 then therapist end) = $scope)
),

patients_in_scope as (
    select distinct patient_id
    from course_rows
    where $scope::varchar is null or course_id in (select course_id from treated)
),

final as (
    select
        patients_in_scope.patient_id,
        max(sessions.session_date) as last_session_date,
        count(sessions.session_id) as sessions
    from patients_in_scope
    left join sessions on sessions.patient_id = patients_in_scope.patient_id and sessions.session_date <= $as_of
    group by patients_in_scope.patient_id
)

select *
from (select * from final order by last_session_date desc nulls last, patient_id limit $most)
order by patient_id
