-- open_courses_from_facts_cohort: open_courses_cohort.sql's rows and columns, cut from the stored
-- course facts (queries/open_course_facts.sql), for `metrics --json`; see open_courses_from_facts.sql.
-- returns: the columns of open_courses_cohort.sql, one row per course (see open_courses_from_facts.sql)
-- params: $as_of (date), $relief_rule ('pct30' | 'points2' | 'pct50'), $planned_default (integer or
--   null: the planned-sessions setting when it is not the facts' 10, see open_course_facts.sql)
-- uses: open_course_facts
select
    course_id, patient_id, start_date, start_month, therapist, site, diagnosis, age_band, sex,
    session_therapists, first_session_relief, sustained_improvement_pct, responder_30, responder_50,
    adherence, window_days, window_attended_days, completed, days_since_last_visit, adherent,
    dropped_out, ongoing
from open_course_facts($as_of, $relief_rule, planned_default := $planned_default);
