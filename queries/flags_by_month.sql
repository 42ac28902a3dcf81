-- flags_by_month: the protocol-safety checks of the filtered courses, month by month and in all (the
-- Protocol safety page's tiles and trends; see flags_course_flags.sql and flags_sessions.sql for the
-- definitions). Course checks go by the month the course started, session checks by the month of
-- the session. Checks (flag):
--   'conclusion'   courses without a doctor's conclusion before the first session, of all courses;
--   'imaging'      courses without imaging before the first session, of all courses;
--   'blood_tests'  courses without blood tests before the first session, of all courses;
--   'acute'        attended sessions recorded during acute inflammation, of attended sessions;
--   'numbness'     attended sessions with numbness reported, of attended sessions;
--   'rising'       courses whose pain before rose over three scored sessions, of courses with 3 or more;
--   'progress'     courses failing to progress, of the courses judged;
--   'ceiling'      courses whose baseline pain is at most $ceiling_pain, of the courses with a baseline.
-- returns: one row per (flag, month) with something to count among, and one per flag for all months
--   (month null, always there): flag, month (date, the 1st; null = all months), flagged, of_count
--   (what it is counted among), courses_flagged (courses with at least one such session for the
--   session checks; = flagged for the others), referred (numbness: sessions with a referral noted;
--   null for the others); sorted by flag, month (all months last)
-- params: the filter set (see filtered_courses.sql), $ceiling_pain (integer)
-- uses: flags_course_flags
-- reads: open_courses, clinic_settings (see filtered_courses.sql), expected_paths (see
--   flags_course_flags.sql)
with courses as (
    select *, date_trunc('month', start_date)::date as month
    from course_flags($as_of, $start_from, $start_to, $therapists, $sites, $diagnoses, $age_bands, $sexes, $scope,
                      $relief_rule, $ceiling_pain, null, null)
),

attended as (
    select date_trunc('month', session_date)::date as month
    from filtered_sessions($as_of, $start_from, $start_to, $therapists, $sites, $diagnoses, $age_bands, $sexes, $scope,
                           $relief_rule)
    where status = 'attended'
),

flagged as (
    select *, date_trunc('month', session_date)::date as month
    from flag_sessions($as_of, $start_from, $start_to, $therapists, $sites, $diagnoses, $age_bands, $sexes, $scope,
                       $relief_rule, null, null)
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
    group by grouping sets ((month), ())
),

attended_months as (
    select month, count(*) as sessions
    from attended
    group by grouping sets ((month), ())
),

flagged_months as (
    select
        month,
        count(*) filter (where attended_acute) as acute,
        count(distinct course_id) filter (where attended_acute) as acute_courses,
        count(*) filter (where attended_numbness) as numbness,
        count(distinct course_id) filter (where attended_numbness) as numbness_courses,
        count(*) filter (where attended_numbness and referral_noted) as numbness_referred
    from flagged
    group by grouping sets ((month), ())
),

session_months as (
    select
        a.month,
        a.sessions as attended,
        coalesce(f.acute, 0) as acute,
        coalesce(f.acute_courses, 0) as acute_courses,
        coalesce(f.numbness, 0) as numbness,
        coalesce(f.numbness_courses, 0) as numbness_courses,
        coalesce(f.numbness_referred, 0) as numbness_referred
    from attended_months as a
    left join flagged_months as f on f.month is not distinct from a.month
),

long as (
    select 'conclusion' as flag, month, conclusion as flagged, courses as of_count, conclusion as courses_flagged,
           null::bigint as referred
    from course_months
    union all
    select 'imaging', month, imaging, courses, imaging, null from course_months
    union all
    select 'blood_tests', month, blood_tests, courses, blood_tests, null from course_months
    union all
    select 'acute', month, acute, attended, acute_courses, null from session_months
    union all
    select 'numbness', month, numbness, attended, numbness_courses, numbness_referred from session_months
    union all
    select 'rising', month, rising, rising_of, rising, null from course_months
    union all
    select 'progress', month, progress, progress_of, progress, null from course_months
    union all
    select 'ceiling', month, ceiling, ceiling_of, ceiling, null from course_months
),

final as (
    select *
    from long
    where of_count > 0 or month is null
)

select * from final
order by flag, month nulls last;
