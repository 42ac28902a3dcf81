-- open_courses_cohort: open_courses.sql with only the columns the cohort figures read
-- (cohort_metrics.sql through filtered_courses.sql: the filters, the cohort keys, the counted
-- fields). DuckDB then skips the rest of course_summary (the scored-session facts, the flags), about
-- a quarter of the work. For `metrics --json`, which reads nothing else; every other query gets
-- the whole table.
-- returns: course_id, patient_id, start_date, start_month, therapist, site, diagnosis, age_band, sex,
--   session_therapists, first_session_relief, sustained_improvement_pct, responder_30, responder_50,
--   adherence, window_days, window_attended_days, completed, days_since_last_visit, adherent,
--   dropped_out, ongoing; one row per open course
-- params: $as_of (date), $relief_rule ('pct30' | 'points2' | 'pct50'), $rows_from (date or null; see
--   open_courses.sql)
-- uses: course_summary
select
    course_id, patient_id, start_date, start_month, therapist, site, diagnosis, age_band, sex,
    session_therapists, first_session_relief, sustained_improvement_pct, responder_30, responder_50,
    adherence, window_days, window_attended_days, completed, days_since_last_visit, adherent,
    dropped_out, ongoing
from course_summary($as_of, $relief_rule, 'open', $rows_from);
