-- apply_courses: writes the new and updated rows of the temp table `merged` into courses.
-- Returns nothing. params: none (run after merge_courses, in the same transaction)
-- Updated rows replace the stored ones; new rows are plainly inserted (a key check and no
-- replace: twice as fast for a large first import).
insert or replace into courses (course_id, patient_id, start_date, planned_sessions, batch_id)
select course_id, patient_id, start_date, planned_sessions, batch_id
from merged
where change = 'updated';

insert into courses (course_id, patient_id, start_date, planned_sessions, batch_id)
select course_id, patient_id, start_date, planned_sessions, batch_id
from merged
where change = 'new';
