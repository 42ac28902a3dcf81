-- apply_courses: writes the new and updated rows of the temp table `merged` into courses.
-- Returns nothing. params: none (run after merge_courses, in the same transaction)
insert or replace into courses (course_id, patient_id, start_date, planned_sessions, batch_id)
select course_id, patient_id, start_date, planned_sessions, batch_id
from merged
where change <> 'unchanged';
