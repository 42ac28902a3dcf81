-- patients_course: one course of the filtered set, for the patient detail view: its metrics, the
-- patient's paperwork and the course's flags. No row when the course does not pass the filters
-- (for example another therapist's patient under a therapist's scope).
-- returns: course_id, patient_id, start_date, planned_sessions, therapist, diagnosis, site, age_band,
--   sex, status ('ongoing' | 'completed' | 'dropped out'), sessions_attended, attended_days,
--   first_session_date, first_session_pain_before, first_session_pain_after, first_session_relief,
--   baseline_pain, last_pain, sustained_improvement_pct, window_days, window_attended_days, adherence,
--   adherent, completed, dropped_out, last_attended_date, days_since_last_visit, longest_break_days,
--   doctor_conclusion, imaging, blood_tests, referral_date (null = not on file),
--   sessions_booked (rows of any status), cancelled_sessions, no_show_sessions,
--   numbness_sessions (rows with numbness reported), acute_sessions (attended rows during acute
--   inflammation), missing_score_sessions (attended rows lacking pain before or after)
-- params: the filter set (see filtered_courses.sql), $course_id (varchar)
-- uses: filtered_sessions
-- reads: open_courses (see filtered_courses.sql)
with course as (
    select *
    from filtered_courses($as_of, $start_from, $start_to, $therapists, $sites, $diagnoses, $age_bands, $sexes, $scope, $relief_rule)
    where course_id = $course_id
),

flags as (
    select
        course_id,
        count(*) as sessions_booked,
        count(*) filter (where status = 'cancelled') as cancelled_sessions,
        count(*) filter (where status = 'no_show') as no_show_sessions,
        count(*) filter (where numbness) as numbness_sessions,
        count(*) filter (where status = 'attended' and acute_inflammation) as acute_sessions,
        count(*) filter (where status = 'attended' and (pain_before is null or pain_after is null))
            as missing_score_sessions
    from filtered_sessions($as_of, $start_from, $start_to, $therapists, $sites, $diagnoses, $age_bands, $sexes, $scope, $relief_rule,
                           course_ids := [$course_id])
    group by course_id
),

final as (
    select
        c.course_id,
        c.patient_id,
        c.start_date,
        c.planned_sessions,
        c.therapist,
        c.diagnosis,
        c.site,
        c.age_band,
        c.sex,
        case
            when c.completed then 'completed'
            when c.dropped_out then 'dropped out'
            else 'ongoing'
        end as status,
        c.sessions_attended,
        c.attended_days,
        c.first_session_date,
        c.first_session_pain_before,
        c.first_session_pain_after,
        c.first_session_relief,
        c.baseline_pain,
        c.last_pain,
        c.sustained_improvement_pct,
        c.window_days,
        c.window_attended_days,
        c.adherence,
        c.adherent,
        c.completed,
        c.dropped_out,
        c.last_attended_date,
        c.days_since_last_visit,
        c.longest_break_days,
        c.doctor_conclusion,
        c.imaging,
        c.blood_tests,
        c.referral_date,
        coalesce(f.sessions_booked, 0) as sessions_booked,
        coalesce(f.cancelled_sessions, 0) as cancelled_sessions,
        coalesce(f.no_show_sessions, 0) as no_show_sessions,
        coalesce(f.numbness_sessions, 0) as numbness_sessions,
        coalesce(f.acute_sessions, 0) as acute_sessions,
        coalesce(f.missing_score_sessions, 0) as missing_score_sessions
    from course as c
    left join flags as f on f.course_id = c.course_id
)

select * from final;
