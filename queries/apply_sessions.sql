-- apply_sessions: writes the new and updated rows of the temp table `merged` into sessions.
-- Returns nothing. params: none (run after merge_sessions, in the same transaction)
insert or replace into sessions (session_id, patient_id, session_date, therapist, status, pain_before, pain_after, course_id, session_time, muscle_tension, numbness, acute_inflammation, notes, batch_id)
select session_id, patient_id, session_date, therapist, status, pain_before, pain_after, course_id, session_time, muscle_tension, numbness, acute_inflammation, notes, batch_id
from merged
where change <> 'unchanged';
