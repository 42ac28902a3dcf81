-- flags_by_month: the course checks of the Protocol safety page, month by month and in all (its tiles
-- and trends; see flags_course_flags.sql for the definitions; flags_session_months.sql counts the
-- session checks, in a query of its own so that DuckDB never holds both at once). Course checks go
-- by the month the course started. Checks (flag):
--   'conclusion'   courses without a doctor's conclusion before the first session, of all courses;
--   'imaging'      courses without imaging before the first session, of all courses;
--   'blood_tests'  courses without blood tests before the first session, of all courses;
--   'rising'       courses whose pain before rose over three scored sessions, of courses with 3 or more;
--   'progress'     courses failing to progress, of the courses judged;
--   'ceiling'      courses whose baseline pain is at most $ceiling_pain, of the courses with a baseline.
-- returns: one row per (flag, month) with something to count among, and one per flag for all months
--   (month null, always there): flag, month (date, the 1st; null = all months), flagged, of_count
--   (what it is counted among), courses_flagged (= flagged), referred (null: see
--   flags_session_months.sql); sorted by flag, month (all months last)
-- params: the filter set (see filtered_courses.sql), $ceiling_pain (integer)
-- uses: flags_course_flags
-- reads: open_courses, clinic_settings (see filtered_courses.sql), expected_paths (see
--   flags_course_flags.sql)
with courses as (
    select *, date_trunc('month', start_date)::date as month
    from course_flags($as_of, $start_from, $start_to, $therapists, $sites, $diagnoses, $age_bands, $sexes, $scope,
                      $relief_rule, $ceiling_pain, null, null, session_flags := false)
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

long as (
    select 'conclusion' as flag, month, conclusion as flagged, courses as of_count, conclusion as courses_flagged,
           null::bigint as referred
    from course_months
    union all
    select 'imaging', month, imaging, courses, imaging, null from course_months
    union all
    select 'blood_tests', month, blood_tests, courses, blood_tests, null from course_months
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
