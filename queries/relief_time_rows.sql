-- relief_time_rows (macro): per matching course, what the time-to-relief curve needs (clinic/relief_time.py).
-- Relief at attended session k: pain after session k meets the relief rule in use against b0, the
-- pain before the course's first attended session (first_session_relief(b0, pain after k, rule):
-- integers compared exactly). An attended session without a pain-after score cannot show relief;
-- the course goes on to its next session.
-- returns one row per matching course, in no particular order (the curves are made of counts per
-- time; sorting a network's millions of courses took a third of the query), with only what the curve
-- reads (no ids or dates are sent back):
--   key (the course's value of the cohort field split; null for every course when split = 'none'),
--   curve_status ('counted'; 'no_attended_session'; 'not_assessable' when first-session relief
--     cannot be judged: b0 or the first pain after missing, or b0 = 0),
--   sessions_attended (as of as_of),
--   relief_session (the first attended session number with relief; null when none so far),
--   relief_days (the relief session's date - day_zero, days; day_zero = the course start date, or the
--     first attended date when that came earlier), followed_days (last attended date - day_zero, days).
-- args: the filter set (see filtered_courses.sql), split ('none' | 'therapist' | 'diagnosis' |
--   'age_band' | 'sex' | 'site' | 'start_month')
-- The relief session comes from the sessions only for the courses that can still find it after
-- session 1 (b0 above 0, no relief at session 1: relief there is first_session_relief itself), each
-- read by its course number (numbered_course_summary.sql) on the stored rows while the course facts
-- are up to date (an integer join over a network's millions of sessions, where the course id's text
-- took seconds), else numbered afresh.
-- uses: filtered_courses, course_facts, course_rules, cohort_key
-- reads: open_courses (see filtered_courses.sql)
create or replace temp macro relief_time_rows(
    as_of, start_from, start_to, therapists, sites, diagnoses, age_bands, sexes, scope, relief_rule, split
) as table (
    with courses as (
        select
            course_id,
            course_no,
            cohort_key(split, therapist, diagnosis, age_band, sex, site, start_month) as key,
            start_date,
            first_session_date,
            last_attended_date,
            sessions_attended,
            first_session_pain_before,
            first_session_relief
        from filtered_numbered_courses(as_of, start_from, start_to, therapists, sites, diagnoses, age_bands,
                                       sexes, scope, relief_rule)
    ),

    -- the courses whose relief, if any, came after the first session (relief at the first session is
    -- the course's first_session_relief: b0 against the first pain after)
    later as (
        select course_id, course_no, first_session_pain_before
        from courses
        where first_session_relief is not true
          and first_session_pain_before > 0
    ),

    trusted as (
        select course_facts_fresh() as yes
    ),

    -- each branch reads the sessions itself, and only for its own courses (none in the other branch)
    stored_later as (
        select *
        from later
        where (select yes from trusted)
    ),

    live_later as (
        select *
        from later
        where not (select yes from trusted)
    ),

    -- their relieving attended sessions after the first
    later_sessions as (
        select l.course_no, s.session_number, s.session_date
        from main.sessions as s
        join stored_later as l on l.course_no = s.course_no
        where s.status = 'attended'
          and s.session_number > 1
          and s.session_date <= as_of::date
          and first_session_relief(l.first_session_pain_before, s.pain_after, relief_rule)
        union all
        select course_no, session_number, session_date
        from (
            select
                l.course_no,
                l.first_session_pain_before,
                s.status,
                s.session_date,
                s.pain_after,
                attended_number(s.status, l.course_id, s.session_date, s.session_time, s.session_id) as session_number
            from main.sessions as s
            join live_later as l on l.course_id = coalesce(s.course_id, s.inferred_course_id)
            where s.session_date <= as_of::date
        )
        where status = 'attended'
          and session_number > 1
          and first_session_relief(first_session_pain_before, pain_after, relief_rule)
    ),

    -- only the courses with relief after the first session (the others get nulls below)
    later_reliefs as (
        select
            course_no,
            min(session_number) as relief_session,
            arg_min(session_date, session_number) as relief_date
        from later_sessions
        group by course_no
    )

    select
        c.key,
        case
            when c.sessions_attended = 0 then 'no_attended_session'
            when c.first_session_relief is null then 'not_assessable'
            else 'counted'
        end as curve_status,
        c.sessions_attended,
        case when c.first_session_relief then 1 else r.relief_session end as relief_session,
        date_diff('day', least(c.start_date, c.first_session_date),
                  case when c.first_session_relief then c.first_session_date else r.relief_date end) as relief_days,
        date_diff('day', least(c.start_date, c.first_session_date), c.last_attended_date) as followed_days
    from courses as c
    left join later_reliefs as r on r.course_no = c.course_no
);
