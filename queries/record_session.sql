-- record_session: one stored session as the Record session page edits it, and how many earlier
-- versions it has in session_history.
-- returns: session_id, patient_id, session_date, therapist, status, pain_before, pain_after,
--          course_id, session_time, muscle_tension, numbness, acute_inflammation, notes,
--          earlier_versions, course (its course: course_id, else the inferred one); no row when
--          there is no such session
-- params: $session_id (varchar)
select
    session_id, patient_id, session_date, therapist, status, pain_before, pain_after, course_id,
    session_time, muscle_tension, numbness, acute_inflammation, notes,
    (select count(*) from session_history where session_history.session_id = sessions.session_id)
        as earlier_versions,
    coalesce(course_id, inferred_course_id) as course
from sessions
where session_id = $session_id
