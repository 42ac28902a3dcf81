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
-- uses: trajectory_sessions, trajectory_quartiles, count_quantile
-- reads: open_courses, clinic_settings (see filtered_courses.sql)
-- The scores come from the group's counts (similar_score_counts), less the course's own score at each
-- session number when it is itself completed; the percentiles are taken from the counts as
-- quantile_cont takes them from the scores (count_quantile.sql).
with target as (
    select course_id, diagnosis, completed
    from filtered_courses($as_of, $start_from, $start_to, $therapists, $sites, $diagnoses, $age_bands, $sexes, $scope, $relief_rule)
    where course_id = $course_id
),

own_rows as (
    select session_number, pain_before, baseline_band
    from trajectory_sessions($as_of, $relief_rule, course_ids := [$course_id])
),

own_band as (
    select max(baseline_band) as baseline_band
    from own_rows
),

-- the numbers drawn: 1 .. the most planned sessions of a similar course
most_planned as (
    select max(c.planned_sessions) as planned
    from filtered_courses($as_of, null, null, []::varchar[], []::varchar[], []::varchar[], []::varchar[],
                          []::varchar[], null, $relief_rule) as c, target as t, own_band as o
    where c.completed
      and c.course_id <> t.course_id
      and c.diagnosis = t.diagnosis
      and pain_band(c.first_session_pain_before) = o.baseline_band
),

numbers as (
    select unnest(range(1, (select planned from most_planned) + 1)) as session_number
),

-- the group's score counts, less the course's own scores when it is one of the group's courses
counts as (
    select
        c.session_number,
        c.pain_before,
        c.courses - case when t.completed and c.pain_before = s.pain_before then 1 else 0 end as courses
    from similar_score_counts($as_of, $relief_rule, score_counted_before($as_of)) as c
    join target as t on c.diagnosis = t.diagnosis
    join own_band as o on c.baseline_band = o.baseline_band
    left join own_rows as s on s.session_number = c.session_number
),

ranked as (
    select
        session_number,
        pain_before,
        sum(courses) over (partition by session_number order by pain_before) as courses_up_to,
        (sum(courses) over (partition by session_number))::bigint as scored
    from counts
    where courses > 0
),

by_session as (
    select
        session_number,
        scored as courses,
        count_quantile(pain_before, courses_up_to, scored, 0.25) as q25_pain,
        count_quantile(pain_before, courses_up_to, scored, 0.5) as median_pain,
        count_quantile(pain_before, courses_up_to, scored, 0.75) as q75_pain
    from ranked
    group by session_number, scored
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
