-- apply_sessions: writes the new and updated rows of the temp table `merged` into sessions.
-- Returns nothing. params: none (run after merge_sessions, in the same transaction)
-- Updated rows replace the stored ones; new rows are plainly inserted (a key check and no
-- replace: twice as fast for a large first import).
insert or replace into sessions (session_id, patient_id, session_date, therapist, status, pain_before, pain_after, course_id, session_time, muscle_tension, numbness, acute_inflammation, notes, batch_id)
select session_id, patient_id, session_date, therapist, status, pain_before, pain_after, course_id, session_time, muscle_tension, numbness, acute_inflammation, notes, batch_id
from merged
where change = 'updated';

insert into sessions (session_id, patient_id, session_date, therapist, status, pain_before, pain_after, course_id, session_time, muscle_tension, numbness, acute_inflammation, notes, batch_id)
select session_id, patient_id, session_date, therapist, status, pain_before, pain_after, course_id, session_time, muscle_tension, numbness, acute_inflammation, notes, batch_id
from merged
where change = 'new';
