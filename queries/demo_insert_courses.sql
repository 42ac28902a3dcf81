-- demo_insert_courses: writes generated demo courses. Returns nothing.
-- reads: demo_courses (registered by clinic.demo)
-- params: $patient_width, $course_width, $end_date, $batch_id
insert into courses (course_id, patient_id, start_date, planned_sessions, batch_id)
select
    'C' || lpad(cast(course_no as varchar), $course_width, '0'),
    'P' || lpad(cast(patient_no as varchar), $patient_width, '0'),
    cast($end_date as date) + cast(start_day as integer),
    planned_sessions,
    $batch_id
from demo_courses;
