-- course_rules: defines the scalar macros of the per-course rules that more than one query applies,
-- used through `-- uses: course_rules`. Returns nothing itself.
--   first_session_relief(before, after, relief_rule): relief after the first session under the rule
--     ('pct30' = drop >= 30 %, 'points2' = >= 2 points, 'pct50' = >= 50 %), integers compared
--     exactly; null (not assessable) when either score is missing or before is 0.
--   dropped_out_after(days_since_last_visit): more than 7 days without a visit (8 or more).
--   attended_number(status, course_id, session_date, session_time, session_id): a window expression,
--     1, 2, 3 ... over the attended rows of a course in course order (date, time with none first,
--     session_id), null on cancelled and no-show rows (the stored sessions.session_number).
--   course_order_key(session_date, session_time, session_id): a row's place in course order (date,
--     then time with none first, then session_id) as one value that sorts and compares in that order.
--   cut_window_end(start_date, planned_sessions, as_of, visited_on_as_of): the last day of a course's
--     daily window [start, start + planned - 1] cut at as_of; the as-of day is still in progress, so
--     when it is the window's last day and has no attended visit (visited_on_as_of not true) it
--     leaves the window (a course that starts on as_of with no visit yet has an empty window).
--   pain_band(pain): the baseline band of a course by its first session's pain before: 'mild' 0-3,
--     'moderate' 4-6, 'severe' 7-10; null for a missing score.
--   rise_starts(pains): over a course's scored sessions' pain before, in course order, the positions
--     k where the scores of k, k + 1 and k + 2 go strictly up (rising pain);
--   red_flag_rising(pains, rises), last_rise_date(dates, rises), last_rise_pains(pains, rises): with
--     rises = rise_starts(pains) and dates the scored sessions' dates: whether pain rose so (null
--     with fewer than three scores), and the date of the third session of the latest such rise and
--     its three scores (null without one).
create or replace temp macro first_session_relief(before, after, relief_rule) as
    case
        when before is null or after is null or before = 0 then null
        when relief_rule = 'points2' then before - after >= 2
        when relief_rule = 'pct50' then 2 * (before - after) >= before
        else 10 * (before - after) >= 3 * before
    end;

create or replace temp macro dropped_out_after(days_since_last_visit) as days_since_last_visit >= 8;

create or replace temp macro cut_window_end(start_date, planned_sessions, as_of, visited_on_as_of) as
    case
        when start_date + (planned_sessions - 1) >= as_of::date and visited_on_as_of is not true
        then as_of::date - 1
        else least(start_date + (planned_sessions - 1), as_of::date)
    end;

create or replace temp macro attended_number(status, course_id, session_date, session_time, session_id) as
    case when status = 'attended' then
        row_number() over (
            partition by course_id, status = 'attended'
            order by session_date, session_time nulls first, session_id
        )
    end;

create or replace temp macro course_order_key(session_date, session_time, session_id) as
    (session_date, session_time is not null, coalesce(session_time, '00:00'::time), session_id);

create or replace temp macro pain_band(pain) as
    case
        when pain between 0 and 3 then 'mild'
        when pain between 4 and 6 then 'moderate'
        when pain between 7 and 10 then 'severe'
    end;

create or replace temp macro rise_starts(pains) as
    list_filter(range(1, len(pains) - 1),
                lambda pos: pains[pos] < pains[pos + 1] and pains[pos + 1] < pains[pos + 2]);

create or replace temp macro red_flag_rising(pains, rises) as
    case when len(pains) >= 3 then len(rises) > 0 end;

create or replace temp macro last_rise_date(dates, rises) as dates[list_max(rises) + 2];

create or replace temp macro last_rise_pains(pains, rises) as
    case when len(rises) > 0 then pains[list_max(rises):list_max(rises) + 2] end;
