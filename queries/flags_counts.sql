-- flags_counts: the protocol-safety counts of the filtered courses (the Protocol safety page's tiles),
-- one row per flag (see flags_course_flags.sql and flags_sessions.sql for the definitions):
--   'conclusion'   courses without a doctor's conclusion before the first session, of all courses;
--   'imaging'      courses without imaging before the first session, of all courses;
--   'blood_tests'  courses without blood tests before the first session, of all courses;
--   'acute'        attended sessions recorded during acute inflammation, of attended sessions;
--   'numbness'     attended sessions with numbness reported, of attended sessions;
--   'rising'       courses whose pain before rose over three scored sessions, of courses with 3 or more;
--   'progress'     courses failing to progress, of the courses judged;
--   'ceiling'      courses whose baseline pain is at most $ceiling_pain, of the courses with a baseline.
-- returns: flag, flagged, of_count, courses_flagged (courses with at least one such session, for the
--   session checks; = flagged for the others), referred (numbness: sessions with a referral noted;
--   null for the others)
-- params: the filter set (see filtered_courses.sql), $ceiling_pain (integer)
-- uses: flags_course_flags
-- reads: open_courses, clinic_settings (see filtered_courses.sql)
with courses as (
    select *
    from course_flags($as_of, $start_from, $start_to, $therapists, $sites, $diagnoses, $age_bands, $sexes, $scope,
                      $relief_rule, $ceiling_pain)
),

sessions as (
    select *
    from flag_sessions($as_of, $start_from, $start_to, $therapists, $sites, $diagnoses, $age_bands, $sexes, $scope,
                       $relief_rule)
    where status = 'attended'
),

course_counts as (
    select
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
),

session_counts as (
    select
        count(*) as attended,
        count(*) filter (where attended_acute) as acute,
        count(distinct course_id) filter (where attended_acute) as acute_courses,
        count(*) filter (where attended_numbness) as numbness,
        count(distinct course_id) filter (where attended_numbness) as numbness_courses,
        count(*) filter (where attended_numbness and referral_noted) as numbness_referred
    from sessions
),

final as (
    select 'conclusion' as flag, conclusion as flagged, courses as of_count, conclusion as courses_flagged,
           null::bigint as referred from course_counts
    union all
    select 'imaging', imaging, courses, imaging, null from course_counts
    union all
    select 'blood_tests', blood_tests, courses, blood_tests, null from course_counts
    union all
    select 'acute', acute, attended, acute_courses, null from session_counts
    union all
    select 'numbness', numbness, attended, numbness_courses, numbness_referred from session_counts
    union all
    select 'rising', rising, rising_of, rising, null from course_counts
    union all
    select 'progress', progress, progress_of, progress, null from course_counts
    union all
    select 'ceiling', ceiling, ceiling_of, ceiling, null from course_counts
)

select * from final;
