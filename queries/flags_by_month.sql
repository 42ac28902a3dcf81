-- flags_by_month: the protocol-safety checks month by month (the Protocol safety page's trends):
-- course checks by the month the course started, session checks by the month of the session.
-- returns: one row per (flag, month) with something to count: flag (as in flags_counts.sql),
--   month (date, the 1st), flagged, of_count (what it is counted among that month: courses, attended
--   sessions, courses with 3 or more scored sessions, courses judged, courses with a baseline);
--   sorted by flag, month
-- params: the filter set (see filtered_courses.sql), $ceiling_pain (integer)
-- uses: flags_course_flags
-- reads: open_courses, clinic_settings (see filtered_courses.sql)
with courses as (
    select *, date_trunc('month', start_date)::date as month
    from course_flags($as_of, $start_from, $start_to, $therapists, $sites, $diagnoses, $age_bands, $sexes, $scope,
                      $relief_rule, $ceiling_pain)
),

sessions as (
    select *, date_trunc('month', session_date)::date as month
    from flag_sessions($as_of, $start_from, $start_to, $therapists, $sites, $diagnoses, $age_bands, $sexes, $scope,
                       $relief_rule)
    where status = 'attended'
),

course_months as (
    select
        month,
        count(*) filter (where missing_paperwork) as conclusion,
        count(*) filter (where no_imaging) as imaging,
        count(*) filter (where no_blood_tests) as blood_tests,
        count(*) as courses,
        count(*) filter (where red_flag_rising) as rising,
        count(red_flag_rising) as rising_of,
        count(*) filter (where failure_to_progress) as progress,
        count(failure_to_progress) as progress_of,
        count(*) filter (where ceiling) as ceiling,
        count(ceiling) as ceiling_of
    from courses
    group by month
),

session_months as (
    select
        month,
        count(*) as attended,
        count(*) filter (where attended_acute) as acute,
        count(*) filter (where attended_numbness) as numbness
    from sessions
    group by month
),

long as (
    select 'conclusion' as flag, month, conclusion as flagged, courses as of_count from course_months
    union all
    select 'imaging', month, imaging, courses from course_months
    union all
    select 'blood_tests', month, blood_tests, courses from course_months
    union all
    select 'acute', month, acute, attended from session_months
    union all
    select 'numbness', month, numbness, attended from session_months
    union all
    select 'rising', month, rising, rising_of from course_months
    union all
    select 'progress', month, progress, progress_of from course_months
    union all
    select 'ceiling', month, ceiling, ceiling_of from course_months
),

final as (
    select *
    from long
    where of_count > 0
)

select * from final
order by flag, month;
