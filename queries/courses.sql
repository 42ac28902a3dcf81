-- courses: the per-course metrics as of $as_of, in the order of `python -m clinic courses --json`.
-- returns: the fields of DESIGN.md's courses JSON, sorted by patient_id, start_date, course_id
-- params: the filter set ($as_of, $start_from, $start_to, $therapists, $sites, $diagnoses,
--   $age_bands, $sexes, $scope, $relief_rule; see filtered_courses.sql)
-- uses: filtered_courses
-- reads: open_courses (see filtered_courses.sql)
select
    course_id,
    patient_id,
    start_date,
    planned_sessions,
    therapist,
    sessions_attended,
    attended_days,
    first_session_pain_before,
    first_session_pain_after,
    first_session_relief,
    sustained_improvement_pct,
    adherence,
    adherent,
    completed,
    dropped_out,
    longest_break_days
from filtered_courses($as_of, $start_from, $start_to, $therapists, $sites, $diagnoses, $age_bands, $sexes, $scope, $relief_rule)
order by patient_id, start_date, course_id;
