-- overview_weekly_pain: mean pain before attended sessions, week by week (weeks start on Monday).
-- returns: week_start (date), sessions, courses, mean_pain, ci_low, ci_high (normal 95 % interval
--   of the mean, mean ± 1.96·sd/√n; null with fewer than two scores)
-- params: the filter set (see filtered_courses.sql)
-- uses: filtered_sessions
-- reads: all_courses
with scored as (
    select date_trunc('week', session_date)::date as week_start, course_id, pain_before
    from filtered_sessions($as_of, $start_from, $start_to, $therapists, $sites, $diagnoses, $age_bands, $sexes, $scope)
    where status = 'attended'
      and pain_before is not null
),

final as (
    select
        week_start,
        count(*) as sessions,
        count(distinct course_id) as courses,
        avg(pain_before) as mean_pain,
        avg(pain_before) - 1.959963984540054 * stddev_samp(pain_before) / sqrt(count(*)) as ci_low,
        avg(pain_before) + 1.959963984540054 * stddev_samp(pain_before) / sqrt(count(*)) as ci_high
    from scored
    group by week_start
)

select * from final
order by week_start;
