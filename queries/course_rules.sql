-- course_rules: defines the scalar macros of the per-course rules that more than one query applies,
-- used through `-- uses: course_rules`. Returns nothing itself.
--   first_session_relief(before, after, relief_rule): relief after the first session under the rule
--     ('pct30' = drop >= 30 %, 'points2' = >= 2 points, 'pct50' = >= 50 %), integers compared
--     exactly; null (not assessable) when either score is missing or before is 0.
--   dropped_out_after(days_since_last_visit): more than 7 days without a visit (8 or more).
--   course_dropped_out(completed, days_since_last_visit), course_ongoing(completed,
--     days_since_last_visit): a course not completed has dropped out after more than 7 days without
--     a visit, else it is ongoing; a completed course is neither.
--   window_adherence(attended_days, window_days): the distinct attended days in the daily window over
--     its days (0-1); null for an empty window. window_adherent(attended_days, window_days): adherence
--     >= 0.8, compared exactly (5 x attended days >= 4 x window days); null for an empty window.
--   sustained_pct(baseline, last): (baseline - last) / baseline x 100, the sustained improvement
--     (negative = worse); null without a last score or with a baseline under 1.
--     improved_30(baseline, last), improved_50(baseline, last): it is 30 % or more, 50 % or more,
--     integers compared exactly; null where sustained_pct is.
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

create or replace temp macro course_dropped_out(completed, days_since_last_visit) as
    not completed and dropped_out_after(days_since_last_visit);

create or replace temp macro course_ongoing(completed, days_since_last_visit) as
    not completed and not dropped_out_after(days_since_last_visit);

create or replace temp macro window_adherence(attended_days, window_days) as
    case when window_days > 0 then attended_days / window_days end;

create or replace temp macro window_adherent(attended_days, window_days) as
    case when window_days > 0 then 5 * attended_days >= 4 * window_days end;

create or replace temp macro sustained_pct(baseline, last) as
    case when last is not null and baseline >= 1 then (baseline - last)::double / baseline * 100 end;

create or replace temp macro improved_30(baseline, last) as
    case when last is not null and baseline >= 1 then 10 * (baseline - last) >= 3 * baseline end;

create or replace temp macro improved_50(baseline, last) as
    case when last is not null and baseline >= 1 then 2 * (baseline - last) >= baseline end;

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
