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
-- uses: filtered_sessions
-- uses: cohort_key
-- reads: open_courses (see filtered_courses.sql)
with scored as (
    select
        cohort_key($split, course_therapist, diagnosis, age_band, sex, site, start_month) as key,
        date_trunc('month', session_date)::date as month_start,
        course_id,
        pain_before
    from filtered_sessions($as_of, $start_from, $start_to, $therapists, $sites, $diagnoses, $age_bands, $sexes, $scope, $relief_rule)
    where status = 'attended'
      and pain_before is not null
),

-- one row per (key, month, course) first: a course counts once per month without a distinct count
course_months as (
    select key, month_start, course_id, count(*) as sessions
    from scored
    group by key, month_start, course_id
),

by_month as (
    select
        s.key,
        s.month_start,
        count(*) as sessions,
        avg(s.pain_before) as mean_pain_before,
        stddev_samp(s.pain_before) as sd_pain_before
    from scored as s
    group by s.key, s.month_start
),

month_courses as (
    select key, month_start, count(*) as courses
    from course_months
    group by key, month_start
),

key_courses as (
    select key, count(distinct course_id) as key_courses
    from course_months
    group by key
),

final as (
    select
        m.key,
        m.month_start,
        m.sessions,
        mc.courses,
        m.mean_pain_before,
        case when m.sessions >= 2
             then m.mean_pain_before - 1.959963984540054 * m.sd_pain_before / sqrt(m.sessions) end as ci_low,
        case when m.sessions >= 2
             then m.mean_pain_before + 1.959963984540054 * m.sd_pain_before / sqrt(m.sessions) end as ci_high,
        k.key_courses,
        last_day(m.month_start) <= $as_of::date as month_complete,
        mc.courses >= case when $split = 'none' then least(5, k.key_courses) else 5 end as shown
    from by_month as m
    join month_courses as mc on mc.key is not distinct from m.key and mc.month_start = m.month_start
    join key_courses as k on k.key is not distinct from m.key
)

select * from final
order by key nulls last, month_start;
