-- flags_attention: the Overview's progress lists, among the filtered courses that are current (a
-- visit, or the start with no visit yet, within the last $recent_days days), one row per
-- (course, reason). Reasons (see flags_course_flags.sql):
--   'failure_to_progress'  pain has not fallen by the MCID after progress_after sessions, or is worse
--                          than three in four similar courses' at the latest scored session;
--   'red_flag_rising'      pain before rose over three consecutive scored sessions.
-- returns: reason, course_id, patient_id, therapist, start_date, last_attended_date,
--   days_since_last_visit, sessions_attended, baseline_pain, pain_now, pain_now_session, mcid_not_met,
--   below_expected, expected_q75_pain, latest_session, latest_pain, latest_date, last_rise_date,
--   last_rise_pains, ongoing; sorted by reason, then the latest judging session or rise first, then
--   the latest start. (Only the current courses are flagged, which keeps the Overview quick.)
-- params: the filter set (see filtered_courses.sql), $ceiling_pain (integer), $recent_days (integer)
-- uses: flags_course_flags
-- reads: open_courses, clinic_settings (see filtered_courses.sql), expected_paths (see
--   flags_course_flags.sql)
with courses as (
    select *
    from course_flags($as_of, $start_from, $start_to, $therapists, $sites, $diagnoses, $age_bands, $sexes, $scope,
                      $relief_rule, $ceiling_pain, null, $recent_days, session_flags := false)
),

reasons as (
    select 'failure_to_progress' as reason, *, latest_date as flagged_date
    from courses
    where failure_to_progress

    union all

    select 'red_flag_rising', *, last_rise_date
    from courses
    where red_flag_rising
),

final as (
    select
        reason, course_id, patient_id, therapist, start_date, last_attended_date, days_since_last_visit,
        sessions_attended, baseline_pain, pain_now, pain_now_session, mcid_not_met, below_expected,
        expected_q75_pain, latest_session, latest_pain, latest_date, last_rise_date, last_rise_pains, ongoing,
        flagged_date
    from reasons
)

select * exclude (flagged_date) from final
order by reason, flagged_date desc nulls last, start_date desc, course_id;
