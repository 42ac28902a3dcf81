-- trajectory_expected: the expected course of one filtered course: for each session number k, pain
-- before session k among its similar courses (the COMPLETED courses of the whole clinic as of $as_of
-- with the same diagnosis and baseline band, the course itself left out; see trajectory_course.sql).
-- returns one row per k = 1 .. the most planned sessions of any similar course, by k (no rows when
--   the course does not pass the filters, or has no similar course):
--   session_number, courses (similar courses with a pain-before score at k: the n behind the point),
--   q25_pain, median_pain, q75_pain (25th, 50th, 75th percentiles of those scores, DuckDB's
--     quantile_cont: linear interpolation between the two nearest ranks, (n - 1) * p; null when
--     the point is not shown), shown (courses >= $min_cohort: a point of fewer is suppressed, its
--     quartiles never leave the database)
-- params: the filter set (see filtered_courses.sql), $course_id (varchar), $min_cohort (integer)
-- uses: trajectory_sessions
-- reads: open_courses (see filtered_courses.sql)
with target as (
    select course_id, diagnosis
    from filtered_courses($as_of, $start_from, $start_to, $therapists, $sites, $diagnoses, $age_bands, $sexes, $scope, $relief_rule)
    where course_id = $course_id
),

own_band as (
    select max(baseline_band) as baseline_band
    from trajectory_sessions($as_of, $relief_rule, course_ids := [$course_id])
),

similar_rows as materialized (
    select r.course_id, r.session_number, r.pain_before, r.planned_sessions
    from trajectory_sessions($as_of, $relief_rule) as r, target as t, own_band as o
    where r.completed
      and r.course_id <> t.course_id
      and r.diagnosis = t.diagnosis
      and r.baseline_band = o.baseline_band
),

numbers as (
    select unnest(range(1, (select max(planned_sessions) from similar_rows) + 1)) as session_number
),

by_session as (
    select
        session_number,
        count(pain_before) as courses,     -- a course has one attended row of each number
        quantile_cont(pain_before, 0.25) as q25_pain,
        quantile_cont(pain_before, 0.5) as median_pain,
        quantile_cont(pain_before, 0.75) as q75_pain
    from similar_rows
    group by session_number
),

final as (
    select
        n.session_number,
        coalesce(b.courses, 0) as courses,
        case when b.courses >= $min_cohort then b.q25_pain end as q25_pain,
        case when b.courses >= $min_cohort then b.median_pain end as median_pain,
        case when b.courses >= $min_cohort then b.q75_pain end as q75_pain,
        coalesce(b.courses >= $min_cohort, false) as shown
    from numbers as n
    left join by_session as b on b.session_number = n.session_number
)

select * from final
order by session_number;
