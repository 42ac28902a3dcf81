-- open_courses_all: every course counted as of $as_of computed from its session rows, with the
-- planned sessions of a course that courses.csv does not list set to $planned_default: the
-- `open_courses` table of every filtered query when that setting differs from the stored facts' 10
-- (settled_courses then settles nothing).
-- returns: the columns of course_summary and course_no (numbered_course_summary.sql), one row per course
-- params: $as_of (date), $relief_rule ('pct30' | 'points2' | 'pct50'), $planned_default (integer 1-60)
-- uses: numbered_course_summary
select * from numbered_course_summary($as_of, $relief_rule, 'all', null, planned_default := $planned_default);
