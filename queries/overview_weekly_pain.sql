-- overview_weekly_pain: pain before attended sessions, week by week (weeks start on Monday).
-- Each course counts once a week (the mean of its scored sessions that week), so a course seen
-- daily does not outweigh one seen twice, and the interval is not narrowed by repeated visits.
-- returns: week_start (date), sessions (scored sessions), courses (courses with one), mean_pain
--   (mean over courses of each course's weekly mean, NRS 0-10), ci_low, ci_high (mean ± 1.96·sd/√n
--   over those course means; null with fewer than two courses), days_counted (days of the week up to
--   and including the as-of date: 7 for a past week, 1 to 6 for the week in progress, whose figures
--   are partial), scored_courses (the filtered courses with a scored session in any week: a course
--   counts in every week it was scored, so the weeks' courses do not add up to it; the same on every row)
-- params: the filter set (see filtered_courses.sql)
-- uses: pain_periods, filtered_courses
-- reads: open_courses (see filtered_courses.sql)
with course_weeks as (
    select period_start as week_start, sessions, pain_sum / sessions as course_mean
    from pain_periods('week', false, $as_of, $start_from, $start_to, $therapists, $sites, $diagnoses, $age_bands,
                      $sexes, $scope, $relief_rule)
),

-- a course has a scored session in some week exactly when its scored_sessions (attended sessions
-- dated <= as_of with a pain_before score) is above 0: counted on the courses, as pain_by_month does
scored as (
    select count(*) as scored_courses
    from filtered_courses($as_of, $start_from, $start_to, $therapists, $sites, $diagnoses, $age_bands, $sexes,
                          $scope, $relief_rule)
    where scored_sessions > 0
),

weeks as (
    select
        week_start,
        sum(sessions)::bigint as sessions,
        count(*) as courses,
        avg(course_mean) as mean_pain,
        avg(course_mean) - 1.959963984540054 * stddev_samp(course_mean) / sqrt(count(*)) as ci_low,
        avg(course_mean) + 1.959963984540054 * stddev_samp(course_mean) / sqrt(count(*)) as ci_high,
        least(date_diff('day', week_start, $as_of::date) + 1, 7) as days_counted
    from course_weeks
    group by week_start
),

final as (
    select weeks.*, scored.scored_courses
    from weeks
    cross join scored
)

select * from final
order by week_start;
