-- flags_courses: the protocol-safety flags of the filtered courses (see flags_course_flags.sql for
-- every column and its definition), as the `flags` command and the Patients page show them.
-- returns: one row per course: course_id, patient_id, therapist, start_date, failure_to_progress,
--   mcid_not_met, below_expected, expected_q75_pain, latest_session, latest_pain, ceiling, baseline_pain, pain_now, pain_now_session, pain_now_date, missing_paperwork, no_imaging,
--   no_blood_tests, paperwork_late, acute_sessions, numbness_sessions, numbness_referred,
--   red_flag_rising, last_rise_date, last_rise_pains; sorted by patient_id, start_date, course_id
-- params: the filter set (see filtered_courses.sql; its clinic_settings table gives mcid and
--   progress_after), $ceiling_pain (integer), $course_ids (varchar[], or null = every filtered course)
-- uses: flags_course_flags
-- reads: open_courses, clinic_settings (see filtered_courses.sql), expected_paths (see
--   flags_course_flags.sql)
with flagged as (
    select *
    from course_flags($as_of, $start_from, $start_to, $therapists, $sites, $diagnoses, $age_bands, $sexes, $scope,
                      $relief_rule, $ceiling_pain, $course_ids, null)
),

final as (
    select
        course_id, patient_id, therapist, start_date, failure_to_progress, mcid_not_met, below_expected,
        expected_q75_pain, latest_session, latest_pain, ceiling, baseline_pain, pain_now,
        pain_now_session, pain_now_date, missing_paperwork, no_imaging, no_blood_tests, paperwork_late,
        acute_sessions, numbness_sessions, numbness_referred, red_flag_rising, last_rise_date, last_rise_pains
    from flagged
)

select * from final
order by patient_id, start_date, course_id;
