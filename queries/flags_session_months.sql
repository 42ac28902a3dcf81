-- flags_session_months: the session checks of the Protocol safety page, month by month and in all
-- (see flags_by_month.sql, which counts the course checks; the page reads both, one after the other,
-- so that DuckDB never holds the session-level and the course-level work at once). Checks (flag):
--   'acute'        attended sessions recorded during acute inflammation, of attended sessions;
--   'numbness'     attended sessions with numbness reported, of attended sessions.
-- returns: the columns of flags_by_month.sql: flag, month (date, the 1st; null = all months), flagged,
--   of_count (attended sessions), courses_flagged (courses with at least one such session), referred
--   (numbness: sessions with a referral noted; null for 'acute'); sorted by flag, month (all months last)
-- params: the filter set (see filtered_courses.sql)
-- Months that ended before the as-of date's own month come from course_months while the course facts
-- are up to date (every row in them is dated before as_of; a referral note counts when dated on or
-- before it); the as-of date's month, still running, and every month while the facts are out of date,
-- come from the session rows. So a network's 25 million sessions are not read for the trend.
-- The stored months meet their course on its number (course_facts.sql's course_no), the months
-- counted from the session rows on its id.
-- uses: filtered_courses, session_month_counts
-- reads: open_courses, clinic_settings (see filtered_courses.sql)
with courses as (
    select course_id, course_no, referral_date, last_row_date
    from filtered_numbered_courses($as_of, $start_from, $start_to, $therapists, $sites, $diagnoses, $age_bands,
                                   $sexes, $scope, $relief_rule)
),

-- the stored months meet their course on its number (an integer: a network has millions of them)
stored as (
    select c.course_id, m.month, m.attended, m.acute, m.numbness_sessions, c.referral_date
    from main.course_months as m
    join courses as c on c.course_no = m.course_no
    where m.month < date_trunc('month', $as_of::date)::date
      and course_facts_fresh()
),

-- the months counted from the session rows meet their course on its id
live as (
    select m.*, c.referral_date
    from (
        -- the running month from the session rows
        select * from session_month_counts($as_of, date_trunc('month', $as_of::date), course_facts_fresh(), false)
        union all
        -- every month from the session rows, while the facts are out of date
        select * from session_month_counts($as_of, '-infinity'::date, not course_facts_fresh(), false)
    ) as m
    -- a course with a row in the running month has its last row on or after the 1st: those rows meet
    -- the few courses seen since then, not every course (every course while the facts are out of date)
    join courses as c
      on c.course_id = m.course_id
     and c.last_row_date >= case when course_facts_fresh() then date_trunc('month', $as_of::date)::date
                                 else '-infinity'::date end
),

counts as (
    select * from stored
    union all
    select * from live
),

-- a numbness session is referred when a note at or after it is dated on or before as_of, or the
-- patient's referral_date falls after the session's date (and on or before as_of)
per_course as (
    select
        m.month,
        m.course_id,
        m.attended,
        m.acute,
        len(m.numbness_sessions) as numbness,
        len(list_filter(m.numbness_sessions, lambda s:
            coalesce(s.note_date <= $as_of::date, false)
            or coalesce(m.referral_date > s.day and m.referral_date <= $as_of::date, false))) as numbness_referred
    from counts as m
),

-- one row per course and month (a course's month comes from one of the three parts only)
month_totals as (
    select
        month,
        sum(attended) as attended,
        sum(acute) as acute,
        count(*) filter (where acute > 0) as acute_courses,
        sum(numbness) as numbness,
        count(*) filter (where numbness > 0) as numbness_courses,
        sum(numbness_referred) as numbness_referred
    from per_course
    group by month
),

-- the courses with any flagged session: only the course-months with one are grouped
acute_flagged as (
    select distinct course_id from per_course where acute > 0
),

numbness_flagged as (
    select distinct course_id from per_course where numbness > 0
),

session_months as (
    select * from month_totals
    union all
    select
        null::date,
        coalesce((select sum(attended) from month_totals), 0),
        coalesce((select sum(acute) from month_totals), 0),
        (select count(*) from acute_flagged),
        coalesce((select sum(numbness) from month_totals), 0),
        (select count(*) from numbness_flagged),
        coalesce((select sum(numbness_referred) from month_totals), 0)
),

long as (
    select 'acute' as flag, month, acute::bigint as flagged, attended::bigint as of_count,
           acute_courses as courses_flagged, null::bigint as referred
    from session_months
    union all
    select 'numbness', month, numbness::bigint, attended::bigint, numbness_courses, numbness_referred::bigint
    from session_months
),

final as (
    select *
    from long
    where of_count > 0 or month is null
)

select * from final
order by flag, month nulls last;
