-- trajectory_below: for each listed course that passes the filters, whether it is below its expected
-- course: its pain before its latest scored session k, once k > $progress_after, is above the 75th
-- percentile of pain before session k among its similar courses (worse than three in four of them).
-- Similar courses and quartiles are those of trajectory_expected.sql (completed courses of the whole
-- clinic as of $as_of, same diagnosis and baseline band, the course itself left out; quantile_cont's
-- linear interpolation), worked out for many courses at once by trajectory_quartiles.sql.
-- (The same verdict feeds failure_to_progress in flags_course_flags.sql.)
-- returns one row per listed course that passes the filters (any order):
--   course_id, latest_session (its latest attended session with a pain-before score; null when none),
--   latest_pain (that score), similar_courses, courses_at_session (similar courses scored at
--   latest_session), expected_q75_pain (their 75th percentile; null when fewer than $min_cohort
--   similar courses, or fewer than $min_cohort scored at latest_session),
--   below_expected (latest_pain > expected_q75_pain; null = not judged: latest_session is null or
--     <= $progress_after, no diagnosis or baseline, or expected_q75_pain is null)
-- params: the filter set (see filtered_courses.sql), $course_ids (varchar[]), $progress_after (integer)
-- uses: trajectory_sessions
-- reads: open_courses (see filtered_courses.sql), expected_paths (queries/expected_paths.sql, registered
--   by the caller with $min_cohort = the fewest courses to judge)
with wanted as (
    select distinct unnest($course_ids::varchar[]) as course_id
),

listed as (
    select course_id, diagnosis, completed
    from filtered_courses($as_of, $start_from, $start_to, $therapists, $sites, $diagnoses, $age_bands, $sexes, $scope, $relief_rule)
    where course_id in (select course_id from wanted)
),

latest as (
    select
        course_id,
        max(baseline_band) as baseline_band,
        arg_max(session_number, session_number) filter (where pain_before is not null) as latest_session,
        arg_max(pain_before, session_number) filter (where pain_before is not null) as latest_pain
    from trajectory_sessions($as_of, $relief_rule, course_ids := $course_ids::varchar[])
    group by course_id
),

targets as (
    select l.course_id, l.diagnosis, l.completed, t.baseline_band, t.latest_session, t.latest_pain
    from listed as l
    left join latest as t on t.course_id = l.course_id
),

paths as (
    select *
    from expected_paths
),

-- the group's size when nothing is scored at the course's k (every course of a group is scored at 1)
group_sizes as (
    select diagnosis, baseline_band, similar_courses as courses
    from paths
    where session_number = 1 and left_out is null
),

measured as (
    select
        t.course_id,
        t.latest_session,
        t.latest_pain,
        coalesce(p.similar_courses,
                 g.courses - case when t.completed and g.courses is not null then 1 else 0 end,
                 0) as similar_courses,
        coalesce(p.courses_at_session, 0) as courses_at_session,
        p.expected_q75_pain
    from targets as t
    left join paths as p
      on p.diagnosis = t.diagnosis
     and p.baseline_band = t.baseline_band
     and p.session_number = t.latest_session
     and p.left_out is not distinct from (case when t.completed then t.latest_pain end)
    left join group_sizes as g on g.diagnosis = t.diagnosis and g.baseline_band = t.baseline_band
),

final as (
    select
        *,
        case
            when latest_session > $progress_after and expected_q75_pain is not null
            then latest_pain > expected_q75_pain
        end as below_expected
    from measured
)

select * from final;
