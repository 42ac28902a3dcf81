-- all_courses_live: every course counted as of $as_of, computed from the session rows alone, without
-- the stored course facts: the definition that the facts-based all_courses must always equal.
-- returns: the columns of course_summary but its session lists and first_session_acute (as all_courses), one row per course
-- params: $as_of (date), $relief_rule ('pct30' | 'points2' | 'pct50')
-- uses: course_summary
select * exclude (pains_before, pains_after, session_dates, first_session_acute) from course_summary($as_of, $relief_rule, 'all', null);
