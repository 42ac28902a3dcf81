-- open_courses_from_facts: open_courses.sql's rows and columns, cut from the stored course facts
-- (queries/open_course_facts.sql) instead of computed from the open courses' session rows: for
-- facts that are up to date and built with the default planned sessions (clinic/metrics.py
-- open_courses chooses).
-- returns: the columns of course_summary and course_no, one row per open course
-- params: $as_of (date), $relief_rule ('pct30' | 'points2' | 'pct50')
-- uses: open_course_facts
select * from open_course_facts($as_of, $relief_rule);
