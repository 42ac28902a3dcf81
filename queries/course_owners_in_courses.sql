-- course_owners_in_courses: the patient each of the given courses belongs to in the courses table.
-- returns: course_id, patient_id
-- params: $course_ids (varchar[])
select course_id, patient_id
from courses
where course_id in (select unnest($course_ids::varchar[]));
