-- all_courses: every course counted as of $as_of with its metrics (the course_summary macro).
-- returns: the columns of course_summary, one row per course
-- params: $as_of (date), $relief_rule ('pct30' | 'points2' | 'pct50')
-- uses: course_summary
-- The result is computed once per (data version, as-of date, relief rule) and handed to the
-- filtered queries as the table `all_courses`.
select * from course_summary($as_of, $relief_rule);
