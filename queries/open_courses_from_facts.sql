-- open_courses_from_facts: open_courses.sql's rows and columns, cut from the stored course facts
-- (queries/open_course_facts.sql) instead of computed from the open courses' session rows: for
-- facts that are up to date (clinic/metrics.py open_courses chooses). With $planned_default, also
-- every course counted whose planned sessions courses.csv does not give.
-- returns: the columns of course_summary and course_no, one row per course
-- params: $as_of (date), $relief_rule ('pct30' | 'points2' | 'pct50'), $planned_default (integer or
--   null: the planned-sessions setting when it is not the facts' 10, see open_course_facts.sql)
-- uses: open_course_facts
select * from open_course_facts($as_of, $relief_rule, planned_default := $planned_default);
