-- pain_by_month: mean pain before attended sessions per calendar month, for all matching courses or
-- one line per cohort value.
-- returns one row per (key, month_start), sorted by key (null last) then month_start:
--   key (the cohort value under $split; null for every row when $split = 'none', and for courses
--     with no value for the chosen field),
--   month_start (date, the first of the month), sessions (scored sessions: the n behind the mean),
--   courses (distinct courses among them), mean_pain_before (NRS 0-10),
--   key_courses (distinct courses of the key with a scored session in any month; the same on every
--     row of a key, and each course has one key, so the keys' values add up to all courses drawn),
--   ci_low, ci_high (mean ± 1.959963984540054·sd/√n over the sessions; null where n < 2),
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
        pain_sum,
        pain_sumsq
    from pain_periods('month', $split <> 'none', $as_of, $start_from, $start_to, $therapists, $sites, $diagnoses,
                      $age_bands, $sexes, $scope, $relief_rule)
),

-- a course has one row a month, so the courses of a month are its rows; the mean and the sample
-- standard deviation over the month's sessions come from the sums (in exact integers until the end)
by_month as (
    select
        key,
        month_start,
        sum(sessions)::bigint as sessions,
        count(*) as courses,
        sum(pain_sum) / sum(sessions) as mean_pain_before,
        case when sum(sessions) >= 2 then
            sqrt(greatest(0, sum(sessions) * sum(pain_sumsq)::hugeint - sum(pain_sum)::hugeint * sum(pain_sum))
                 / (sum(sessions) * (sum(sessions) - 1)))
        end as sd_pain_before
    from course_months
    group by key, month_start
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
        case when m.sessions >= 2
             then m.mean_pain_before - 1.959963984540054 * m.sd_pain_before / sqrt(m.sessions) end as ci_low,
        case when m.sessions >= 2
             then m.mean_pain_before + 1.959963984540054 * m.sd_pain_before / sqrt(m.sessions) end as ci_high,
        k.key_courses,
        last_day(m.month_start) <= $as_of::date as month_complete,
        m.courses >= case when $split = 'none' then least(5, k.key_courses) else 5 end as shown
    from by_month as m
    join key_courses as k on k.key is not distinct from m.key
)

select * from final
order by key nulls last, month_start;
