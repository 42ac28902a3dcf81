-- record_history: the earlier versions of one session kept by corrections, newest first.
-- returns: version, changed_at, changed_by, and the session's columns as they were
-- params: $session_id (varchar)
select
    version, changed_at, changed_by, patient_id, session_date, session_time, therapist, status,
    pain_before, pain_after, muscle_tension, numbness, acute_inflammation, course_id, notes
from session_history
where session_id = $session_id
order by version desc
