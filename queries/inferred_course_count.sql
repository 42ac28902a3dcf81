-- inferred_course_count: how many courses are inferred from sessions without a course id.
-- returns: inferred_courses. params: none
select count(distinct inferred_course_id) as inferred_courses
from sessions;
