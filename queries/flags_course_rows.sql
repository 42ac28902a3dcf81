-- flags_course_rows: the courses behind one course check of the Protocol safety page (its drill-down).
-- returns: course_id, patient_id, therapist, start_date, first_session_date, sessions_attended,
--   last_attended_date, doctor_conclusion, imaging, blood_tests, referral_date, paperwork_late,
--   baseline_pain, pain_now, pain_now_session, pain_now_date, mcid_not_met, below_expected,
--   expected_q75_pain, latest_session, latest_pain, latest_date, last_rise_date, last_rise_pains,
--   total (how many courses the check holds, on every row); at most $limit rows (null = all), the most
--   recent first: the latest start ('conclusion', 'imaging', 'blood_tests', 'ceiling'), the latest
--   judging session ('progress'), the latest rise ('rising'); then course_id
-- params: the filter set (see filtered_courses.sql), $ceiling_pain (integer),
--   $flag ('conclusion' | 'imaging' | 'blood_tests' | 'rising' | 'progress' | 'ceiling'), $limit
-- uses: flags_course_flags
-- reads: open_courses, clinic_settings (see filtered_courses.sql), expected_paths (see
--   flags_course_flags.sql)
with courses as (
    select *
    from course_flags($as_of, $start_from, $start_to, $therapists, $sites, $diagnoses, $age_bands, $sexes, $scope,
                      $relief_rule, $ceiling_pain, null, null, session_flags := false)
),

chosen as (
    select *
    from courses
    where case $flag
        when 'conclusion' then missing_paperwork
        when 'imaging' then no_imaging
        when 'blood_tests' then no_blood_tests
        when 'rising' then red_flag_rising
        when 'progress' then failure_to_progress
        when 'ceiling' then ceiling
        else false
    end
),

final as (
    select
        course_id, patient_id, therapist, start_date, first_session_date, sessions_attended, last_attended_date,
        doctor_conclusion, imaging, blood_tests, referral_date, paperwork_late, baseline_pain, pain_now,
        pain_now_session, pain_now_date, mcid_not_met, below_expected, expected_q75_pain, latest_session,
        latest_pain, latest_date, last_rise_date, last_rise_pains,
        count(*) over () as total
    from chosen
)

select * from final
order by
    case when $flag = 'progress' then latest_date end desc nulls last,
    case when $flag = 'rising' then last_rise_date end desc nulls last,
    start_date desc,
    course_id
limit $limit;
