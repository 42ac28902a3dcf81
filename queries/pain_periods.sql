-- pain_periods: defines the table macro pain_periods(grain, <the filter set>), used through
-- `-- uses: pain_periods`. Returns nothing itself.
-- The macro returns, for each filtered course (see filtered_courses.sql) and each calendar period of
-- the grain ('week', starting on Monday, or 'month') up to as_of, its scored attended sessions dated <= as_of:
--   course_id, course_therapist, diagnosis, age_band, sex, site, start_month (the course's fields),
--   period_start (date), sessions, pain_sum, pain_sumsq (the sum and the sum of squares of pain_before).
-- Periods that ended before the as-of date's own period come from course_pain_periods while the
-- course facts are up to date (every row in them is dated before as_of); the as-of date's period,
-- still running, and every period while the facts are out of date, come from the session rows. So a
-- chart over 25 million sessions reads a few million stored sums and the current week's rows.
-- Also defines pain_sums(grain, as_of, low, wanted): the same sums from the session rows dated low ..
-- as_of, when `wanted` (an expression that is true or false for the whole query).
-- Stored sums are matched to their course by course number (course_facts.sql's course_no), the
-- session rows' sums by course id.
-- uses: filtered_courses, course_facts
create or replace temp macro pain_sums(grain, as_of, low, wanted) as table (
    select
        coalesce(course_id, inferred_course_id) as course_id,
        date_trunc(grain, session_date)::date as period_start,
        count(*) as sessions,
        sum(pain_before) as pain_sum,
        sum(pain_before * pain_before) as pain_sumsq
    from main.sessions
    where status = 'attended'
      and pain_before is not null
      and session_date <= as_of::date
      and session_date >= low::date      -- a plain date range: DuckDB reads only its blocks
      and wanted
    group by all
);

create or replace temp macro pain_periods(
    grain, as_of, start_from, start_to, therapists, sites, diagnoses, age_bands, sexes, scope, relief_rule
) as table (
    with courses as (
        select course_id, course_no, last_row_date, therapist as course_therapist, diagnosis, age_band, sex, site,
               start_month
        from filtered_numbered_courses(as_of, start_from, start_to, therapists, sites, diagnoses, age_bands, sexes,
                                       scope, relief_rule)
    ),

    -- the stored sums meet their course on its number (an integer: a network has millions of them)
    stored as (
        select course_no, period_start, sessions, pain_sum, pain_sumsq
        from main.course_pain_periods
        where period = grain
          and period_start < date_trunc(grain, as_of::date)::date
          and course_facts_fresh()
    ),

    -- the sums from the session rows meet their course on its id
    live as (
        -- the running period
        select * from pain_sums(grain, as_of, date_trunc(grain, as_of::date), course_facts_fresh())
        union all
        -- every period, while the facts are out of date
        select * from pain_sums(grain, as_of, '-infinity'::date, not course_facts_fresh())
    ),

    -- a course with a session row in a period has its last row on or after the period's start: the
    -- running period's rows meet the few courses seen since it began, not every course
    live_courses as (
        select *
        from courses
        where last_row_date >= case when course_facts_fresh() then date_trunc(grain, as_of::date)::date
                                    else '-infinity'::date end
    ),

    final as (
        select c.* exclude (course_no, last_row_date), p.period_start, p.sessions, p.pain_sum, p.pain_sumsq
        from stored as p
        join courses as c on c.course_no = p.course_no
        union all
        select c.* exclude (course_no, last_row_date), p.period_start, p.sessions, p.pain_sum, p.pain_sumsq
        from live as p
        join live_courses as c on c.course_id = p.course_id
    )

    select * from final
);
