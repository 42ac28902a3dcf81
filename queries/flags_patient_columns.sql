-- flags_patient_columns: the three protocol flags the Patients page shows beside each course (see
-- flags_course_flags.sql for their definitions), without the acute and numbness counts, which would
-- read every session row of the courses.
-- returns: one row per filtered course: course_id, failure_to_progress, ceiling, red_flag_rising
-- params: the filter set (see filtered_courses.sql; its clinic_settings table gives mcid and
--   progress_after), $ceiling_pain (integer), $course_ids (varchar[], or null = every filtered course)
-- uses: flags_course_flags
-- reads: open_courses, clinic_settings (see filtered_courses.sql), expected_paths (see
--   flags_course_flags.sql)
select course_id, failure_to_progress, ceiling, red_flag_rising
from course_flags($as_of, $start_from, $start_to, $therapists, $sites, $diagnoses, $age_bands, $sexes, $scope,
                  $relief_rule, $ceiling_pain, $course_ids, null, session_flags := false);
