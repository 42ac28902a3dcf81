-- pain_by_month: mean pain before attended sessions per calendar month, for all matching courses or
-- one line per cohort value.
-- returns one row per (key, month_start), sorted by key (null last) then month_start:
--   key (the cohort value under $split; null for every row when $split = 'none', and for courses
--     with no value for the chosen field),
--   month_start (date, the first of the month), sessions (scored sessions that month),
--   courses (courses with one: the n behind the mean), mean_pain_before (NRS 0-10: the mean over
--     those courses of each course's mean that month, so a course seen daily does not outweigh one
--     seen twice, as the Overview's weekly pain counts them),
--   key_courses (distinct courses of the key with a scored session in any month; the same on every
--     row of a key, and each course has one key, so the keys' values add up to all courses drawn),
--   ci_low, ci_high (mean ± 1.959963984540054·sd/√n over the course means: one course's repeated
--     visits do not narrow it; null with fewer than two courses),
--   month_complete (false for the month that holds $as_of when $as_of is not its last day),
--   shown (the month has at least 5 courses scored; without a split, when fewer than 5 courses are
--     scored in all, it needs all of them, key_courses).
-- params: the filter set (see filtered_courses.sql), $split ('none' | 'therapist' | 'diagnosis' |
--   'age_band' | 'sex' | 'site' | 'start_month'; the therapist of a split is the course's therapist)
-- uses: pain_periods, filtered_courses
-- uses: cohort_key
-- reads: open_courses (see filtered_courses.sql)
with course_months as (
    select
        cohort_key($split, course_therapist, diagnosis, age_band, sex, site, start_month) as key,
        period_start as month_start,
        sessions,
        pain_sum
    from pain_periods('month', $split <> 'none', $as_of, $start_from, $start_to, $therapists, $sites, $diagnoses,
                      $age_bands, $sexes, $scope, $relief_rule)
),

-- each course's mean that month is the fraction pain_sum / sessions, and a month holds at most a few
-- thousand distinct fractions however many courses it has: the courses with the same one are counted
-- together, and the mean and the spread are summed over the fractions in a fixed order (compensated
-- sums, the spread in a second pass around the mean), so they come out the same to the last digit on
-- every read (a network's course means added in whatever order the threads meet them do not). Each
-- fraction's part of the mean, courses * pain_sum / (sessions * month_courses), is one division of
-- whole numbers: a month whose courses share one fraction has that fraction as its mean, to the last
-- digit, and no spread.
by_month as (
    select
        key,
        month_start,
        sum(courses)::bigint as month_courses,
        sum(sessions * courses)::bigint as sessions,
        list({'sessions': sessions, 'pain_sum': pain_sum, 'courses': courses} order by sessions, pain_sum) as fractions
    from (
        select key, month_start, sessions, pain_sum, count(*) as courses
        from course_months
        group by all
    )
    group by key, month_start
),

with_means as (
    select
        *,
        list_aggregate(list_transform(fractions, lambda f: f.courses * f.pain_sum / (f.sessions * month_courses)),
                       'fsum') as mean_pain_before
    from by_month
),

month_means as (
    select
        key,
        month_start,
        sessions,
        month_courses as courses,
        mean_pain_before,
        -- the sample standard deviation of the course means (n - 1)
        case when month_courses >= 2
             then sqrt(list_aggregate(list_transform(fractions, lambda f:
                                                         f.courses * (f.pain_sum / f.sessions - mean_pain_before) ** 2),
                                      'fsum') / (month_courses - 1))
        end as sd_pain_before
    from with_means
),

-- a course has a scored session in some month exactly when its scored_sessions (course_summary.sql:
-- attended sessions dated <= as_of with a pain_before score) is above 0; counted on the courses, not
-- by finding the distinct courses among a network's millions of course-months
key_courses as (
    select
        cohort_key($split, therapist, diagnosis, age_band, sex, site, start_month) as key,
        count(*) as key_courses
    from filtered_courses($as_of, $start_from, $start_to, $therapists, $sites, $diagnoses, $age_bands, $sexes,
                          $scope, $relief_rule)
    where scored_sessions > 0
    group by all
),

final as (
    select
        m.key,
        m.month_start,
        m.sessions,
        m.courses,
        m.mean_pain_before,
        case when m.courses >= 2
             then m.mean_pain_before - 1.959963984540054 * m.sd_pain_before / sqrt(m.courses) end as ci_low,
        case when m.courses >= 2
             then m.mean_pain_before + 1.959963984540054 * m.sd_pain_before / sqrt(m.courses) end as ci_high,
        k.key_courses,
        last_day(m.month_start) <= $as_of::date as month_complete,
        m.courses >= case when $split = 'none' then least(5, k.key_courses) else 5 end as shown
    from month_means as m
    join key_courses as k on k.key is not distinct from m.key
)

select * from final
order by key nulls last, month_start;
