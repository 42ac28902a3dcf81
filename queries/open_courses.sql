-- open_courses: the courses counted as of $as_of that the stored course facts do not settle (every
-- course while the facts are out of date), computed from their session rows.
-- returns: the columns of course_summary and course_no (numbered_course_summary.sql), one row per
--   open course
-- params: $as_of (date), $relief_rule ('pct30' | 'points2' | 'pct50'), $rows_from (date or null: the
--   earliest row date of any open course, from open_rows_from.sql on the same connection)
-- uses: numbered_course_summary
-- The result is computed once per (data version, as-of date, relief rule) and handed to the
-- filtered queries as the table `open_courses` (see filtered_courses.sql).
select * from numbered_course_summary($as_of, $relief_rule, 'open', $rows_from);
