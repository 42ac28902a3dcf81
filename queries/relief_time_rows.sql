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
-- The relief session after session 1 is found in the course's lists (course_summary.sql: pains_after
-- and session_dates, element k is attended session k's, stored with the course facts or computed with
-- the open courses, cut at as_of either way), so no session row is read; only the courses that can
-- still find it there are searched (b0 above 0, no relief at session 1: relief there is
-- first_session_relief itself).
-- uses: filtered_courses, course_rules, cohort_key
-- reads: open_courses (see filtered_courses.sql)
create or replace temp macro relief_time_rows(
    as_of, start_from, start_to, therapists, sites, diagnoses, age_bands, sexes, scope, relief_rule, split
) as table (
    with courses as (
        select
            cohort_key(split, therapist, diagnosis, age_band, sex, site, start_month) as key,
            start_date,
            first_session_date,
            last_attended_date,
            sessions_attended,
            first_session_relief,
            -- the first attended session after the first whose pain after meets the rule against b0
            case when first_session_relief is not true and first_session_pain_before > 0 then
                list_filter(range(2, len(pains_after) + 1),
                            lambda k: first_session_relief(first_session_pain_before, pains_after[k], relief_rule))[1]
            end as later_relief_session,
            session_dates
        from filtered_numbered_courses(as_of, start_from, start_to, therapists, sites, diagnoses, age_bands,
                                       sexes, scope, relief_rule)
    )

    select
        key,
        case
            when sessions_attended = 0 then 'no_attended_session'
            when first_session_relief is null then 'not_assessable'
            else 'counted'
        end as curve_status,
        sessions_attended,
        case when first_session_relief then 1 else later_relief_session end as relief_session,
        date_diff('day', least(start_date, first_session_date),
                  case when first_session_relief then first_session_date
                       else session_dates[later_relief_session] end) as relief_days,
        date_diff('day', least(start_date, first_session_date), last_attended_date) as followed_days
    from courses
);
