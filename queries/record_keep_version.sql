-- record_keep_version: keeps the stored version of a session in session_history before a
-- correction replaces it. Returns nothing.
-- params: $session_id (varchar), $changed_by (varchar: the account correcting it),
--         $changed_at (timestamp, local time)
-- The version kept is numbered after those already kept (1 for the session as first stored).
insert into session_history (
    session_id, version, patient_id, session_date, therapist, status, pain_before, pain_after,
    course_id, session_time, muscle_tension, numbness, acute_inflammation, notes, batch_id,
    changed_by, changed_at
)
select
    sessions.session_id,
    coalesce((select max(version) from session_history where session_history.session_id = sessions.session_id), 0) + 1,
    patient_id, session_date, therapist, status, pain_before, pain_after, course_id, session_time,
    muscle_tension, numbness, acute_inflammation, notes, batch_id,
    $changed_by, $changed_at
from sessions
where sessions.session_id = $session_id
