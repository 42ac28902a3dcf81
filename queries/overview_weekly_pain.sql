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
    select period_start as week_start, sessions, pain_sum
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

-- each course's mean that week is the fraction pain_sum / sessions, and a week holds at most a few
-- thousand distinct fractions however many courses it has: the courses with the same one are counted
-- together, and the mean and the spread are summed over the fractions in a fixed order (compensated
-- sums, the spread in a second pass around the mean), so they come out the same to the last digit on
-- every read (a network's course means added in whatever order the threads meet them do not). Each
-- fraction's part of the mean, courses * pain_sum / (sessions * week_courses), is one division of
-- whole numbers: a week whose courses share one fraction has that fraction as its mean, to the last
-- digit, and no spread.
by_week as (
    select
        week_start,
        sum(courses)::bigint as week_courses,
        sum(sessions * courses)::bigint as sessions,
        list({'sessions': sessions, 'pain_sum': pain_sum, 'courses': courses} order by sessions, pain_sum) as fractions
    from (
        select week_start, sessions, pain_sum, count(*) as courses
        from course_weeks
        group by all
    )
    group by week_start
),

week_means as (
    select
        *,
        list_aggregate(list_transform(fractions, lambda f: f.courses * f.pain_sum / (f.sessions * week_courses)),
                       'fsum') as mean_pain
    from by_week
),

week_spreads as (
    select
        *,
        -- the sample standard deviation of the course means (n - 1)
        case when week_courses >= 2
             then sqrt(list_aggregate(list_transform(fractions,
                                                     lambda f: f.courses * (f.pain_sum / f.sessions - mean_pain) ** 2),
                                      'fsum') / (week_courses - 1))
        end as sd_pain
    from week_means
),

weeks as (
    select
        week_start,
        sessions,
        week_courses as courses,
        mean_pain,
        case when week_courses >= 2
             then mean_pain - 1.959963984540054 * sd_pain / sqrt(week_courses) end as ci_low,
        case when week_courses >= 2
             then mean_pain + 1.959963984540054 * sd_pain / sqrt(week_courses) end as ci_high,
        least(date_diff('day', week_start, $as_of::date) + 1, 7) as days_counted
    from week_spreads
),

final as (
    select weeks.*, scored.scored_courses
    from weeks
    cross join scored
)

select * from final
order by week_start;
