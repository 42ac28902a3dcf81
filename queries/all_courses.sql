-- all_courses: every course counted as of $as_of with its metrics, as course_summary defines them.
-- returns: the columns of course_summary, one row per course
-- params: $as_of (date), $relief_rule ('pct30' | 'points2' | 'pct50'), and the table `open_courses`
--   (queries/open_courses.sql for the same as-of date and rule)
-- uses: filtered_courses
-- The courses settled by the stored facts are read from them; the open ones come from open_courses.
select *
from filtered_courses($as_of, null, null, [], [], [], [], [], null, $relief_rule);
