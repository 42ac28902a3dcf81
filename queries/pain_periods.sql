-- pain_periods: defines the table macro pain_periods(grain, with_fields, <the filter set>), used
-- through `-- uses: pain_periods`. Returns nothing itself.
-- The macro returns, for each filtered course (see filtered_courses.sql) and each calendar period of
-- the grain ('week', starting on Monday, or 'month') up to as_of, its scored attended sessions dated <= as_of:
--   course_id, course_therapist, diagnosis, age_band, sex, site, start_month (the course's fields),
--   period_start (date), sessions, pain_sum, pain_sumsq (the sum and the sum of squares of pain_before).
-- with_fields (boolean): whether the caller reads the course's fields. Without them and without a
-- filter, the stored sums are not met with their courses at all: every course that started by as_of
-- counts, so only the stored courses that start after it are left out (at 2,000,000 patients
-- this skips meeting millions of stored weekly sums with millions of courses, 0.4 s of 0.5 s); the
-- fields are then null on the stored periods' rows.
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
    grain, with_fields, as_of, start_from, start_to, therapists, sites, diagnoses, age_bands, sexes, scope,
    relief_rule
) as table (
    with courses as (
        select course_id, course_no, last_row_date, therapist as course_therapist, diagnosis, age_band, sex, site,
               start_month
        from filtered_numbered_courses(as_of, start_from, start_to, therapists, sites, diagnoses, age_bands, sexes,
                                       scope, relief_rule)
    ),

    -- whether the stored sums can be read without their courses: no field asked for, no filter
    unmatched as (
        select not with_fields
               and start_from is null and start_to is null and scope is null
               and len(therapists::varchar[]) = 0 and len(sites::varchar[]) = 0
               and len(diagnoses::varchar[]) = 0 and len(age_bands::varchar[]) = 0
               and len(sexes::varchar[]) = 0 as yes
    ),

    -- the stored sums of the periods before the running one (every row in them dated before as_of)
    -- meet their course on its number (an integer: a network has millions of them) ...
    stored_matched as (
        select c.* exclude (course_no, last_row_date), p.period_start, p.sessions, p.pain_sum, p.pain_sumsq
        from main.course_pain_periods as p
        join courses as c on c.course_no = p.course_no
        where p.period = grain
          and p.period_start < date_trunc(grain, as_of::date)::date
          and course_facts_fresh()
          and not (select yes from unmatched)
    ),

    -- ... or, with nothing to match, leave out the courses that start after as_of (the fresh
    -- facts hold every course, and every one that started by then counts)
    stored_unmatched as (
        select p.period_start, p.sessions, p.pain_sum, p.pain_sumsq
        from main.course_pain_periods as p
        where p.period = grain
          and p.period_start < date_trunc(grain, as_of::date)::date
          and course_facts_fresh()
          and (select yes from unmatched)
          and p.course_no not in (select course_no from main.course_facts
                                  where start_date > as_of::date and (select yes from unmatched))
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
        select * from stored_matched
        union all by name
        select * from stored_unmatched
        union all by name
        select c.* exclude (course_no, last_row_date), p.period_start, p.sessions, p.pain_sum, p.pain_sumsq
        from live as p
        join live_courses as c on c.course_id = p.course_id
    )

    select * from final
);
