-- open_course_facts: defines the table macro open_course_facts(as_of, relief_rule, planned_default :=
-- null), used through `-- uses: open_course_facts`. Returns nothing itself.
-- The macro returns the courses open as of as_of (counted, with a row after it: course_facts.sql)
-- with the columns of numbered_course_summary, cut from their stored facts instead of computed from
-- their session rows. A course's attended sessions dated on or before as_of are the first k of its
-- lists in course order (the order sorts by date first), so its first one, and hence its therapist
-- when it has one, is the stored first one; its other rows, its numbness and acute sessions and its
-- therapists count up to as_of by their stored dates. Every other fact as of as_of follows from
-- these, as course_summary.sql defines it, column by column. Only for facts that are up to date (the
-- caller's choice: clinic/metrics.py open_courses); the facts' lists are null for a course without
-- such rows, read here as empty.
-- The facts hold the default planned sessions (10) where courses.csv gives none. With planned_default
-- (an integer, the planned-sessions setting when it is not 10), those courses take it instead, and
-- since their window and completion then differ from the stored ones, every such course counted as
-- of as_of is returned too, open or settled (settled_courses.sql leaves out what this returns). A
-- settled one (every row on or before as_of) keeps its stored facts but for what the planned
-- sessions change: the daily window (its attended days counted again from its stored dates), the
-- adherence, the completion and the drop-out, worked out as settled_courses.sql works them out.
-- uses: course_rules, course_facts
create or replace temp macro open_course_facts(as_of, relief_rule, planned_default := null) as table (
    -- with another planned-sessions default: the courses whose planned sessions courses.csv gives
    with given_planned as (
        select course_id, planned_sessions
        from main.courses
        where planned_default::integer is not null
          and planned_sessions is not null
    ),

    open_facts as (
        select
            f.* replace (coalesce(g.planned_sessions, planned_default::integer, f.planned_sessions) as planned_sessions),
            len(list_filter(coalesce(f.session_dates, []::date[]), lambda d: d <= as_of::date)) as k
        from main.course_facts as f
        left join given_planned as g on g.course_id = f.course_id
        where f.start_date <= as_of::date
          and not course_settled(as_of, f.last_row_date, f.start_date)
          and f.last_row_date > as_of::date     -- the same (an open course has a later row), as a range
    ),

    -- with another planned-sessions default, the settled courses whose planned sessions courses.csv
    -- does not give, their window cut at as_of as settled_courses.sql cuts it
    replanned_window as (
        select
            f.* exclude (source_print, first_row_therapist, other_row_dates, numbness_dates, acute_dates,
                         therapists_since)
                replace (planned_default::integer as planned_sessions),
            cut_window_end(f.start_date, planned_default::integer, as_of, f.last_attended_date = as_of::date)
                as window_end,
            date_diff('day', coalesce(f.last_attended_date, f.start_date), as_of::date) as days_since
        from main.course_facts as f
        where planned_default::integer is not null
          and f.start_date <= as_of::date
          and course_settled(as_of, f.last_row_date, f.start_date)
          and f.course_id not in (select course_id from given_planned)
    ),

    -- the distinct days among the attended sessions' dates in the window: the stored dates are in
    -- date order, so a day counts at its first session, where it differs from the one before (a
    -- third of the time of list_distinct at 2,000,000 patients)
    replanned_counted as (
        select
            *,
            date_diff('day', start_date, window_end) + 1 as cut_window_days,
            len(list_filter(coalesce(session_dates, []::date[]),
                            lambda d, i: d between start_date and window_end
                                         and (i = 1 or d <> session_dates[i - 1]))) as cut_window_attended
        from replanned_window
    ),

    replanned as (
        select * exclude (window_end, days_since, cut_window_days, cut_window_attended) replace (
            first_session_relief(first_session_pain_before, first_session_pain_after, relief_rule)
                as first_session_relief,
            cut_window_days::bigint as window_days,
            cut_window_attended::bigint as window_attended_days,
            window_adherence(cut_window_attended, cut_window_days) as adherence,
            window_adherent(cut_window_attended, cut_window_days) as adherent,
            attended_days >= planned_sessions as completed,
            course_dropped_out(attended_days >= planned_sessions, days_since) as dropped_out,
            course_ongoing(attended_days >= planned_sessions, days_since) as ongoing,
            days_since::bigint as days_since_last_visit
        )
        from replanned_counted
    ),

    -- the attended sessions up to as_of (null without one, as course_summary has them), and the
    -- other rows, the rows with numbness and the acute sessions up to as_of
    cut as (
        select
            *,
            case when k > 0 then session_dates[1:k] end as dates_cut,
            case when k > 0 then pains_before[1:k] end as before_cut,
            case when k > 0 then pains_after[1:k] end as after_cut,
            list_filter(coalesce(other_row_dates, []::date[]), lambda d: d <= as_of::date) as others_cut,
            list_filter(coalesce(numbness_dates, []::date[]), lambda d: d <= as_of::date) as numbness_cut,
            list_filter(coalesce(acute_dates, []::date[]), lambda d: d <= as_of::date) as acute_cut
        from open_facts
    ),

    -- the session numbers of the scored sessions, and the distinct attended days in date order
    scored as (
        select
            *,
            list_filter(range(1, k + 1), lambda i: before_cut[i] is not null) as scored_numbers,
            list_sort(list_distinct(coalesce(dates_cut, []::date[]))) as days_cut
        from cut
    ),

    facts as (
        select
            *,
            list_transform(scored_numbers, lambda i: before_cut[i]) as scored_pains,
            list_transform(scored_numbers, lambda i: dates_cut[i]) as scored_dates,
            dates_cut[k] as last_attended_cut,
            -- the daily window cut at as_of (course_rules.sql)
            cut_window_end(start_date, planned_sessions, as_of, dates_cut[k] = as_of::date) as window_end
        from scored
    ),

    -- where pain rose over three scored sessions in a row
    rises as (
        select
            *,
            rise_starts(scored_pains) as rise_starts,
            before_cut[scored_numbers[1]] as baseline_cut,
            case when scored_dates[-1] > scored_dates[1] then before_cut[scored_numbers[-1]] end as last_pain_cut,
            date_diff('day', start_date, window_end) + 1 as window_days_cut,
            len(list_filter(days_cut, lambda d: d between start_date and window_end)) as window_attended_cut,
            date_diff('day', coalesce(dates_cut[k], start_date), as_of::date) as days_since_cut
        from facts
    ),

    final as (
        select
            course_id,
            patient_id,
            start_date,
            planned_sessions,
            case when k > 0 then therapist when len(others_cut) > 0 then first_row_therapist end as therapist,
            k::bigint as sessions_attended,
            len(days_cut)::bigint as attended_days,
            dates_cut[1] as first_session_date,
            before_cut[1] as first_session_pain_before,
            after_cut[1] as first_session_pain_after,
            first_session_relief(before_cut[1], after_cut[1], relief_rule) as first_session_relief,
            baseline_cut as baseline_pain,
            last_pain_cut as last_pain,
            sustained_pct(baseline_cut, last_pain_cut) as sustained_improvement_pct,
            improved_30(baseline_cut, last_pain_cut) as responder_30,
            improved_50(baseline_cut, last_pain_cut) as responder_50,
            window_days_cut::bigint as window_days,
            window_attended_cut::bigint as window_attended_days,
            window_adherence(window_attended_cut, window_days_cut) as adherence,
            window_adherent(window_attended_cut, window_days_cut) as adherent,
            len(days_cut) >= planned_sessions as completed,
            course_dropped_out(len(days_cut) >= planned_sessions, days_since_cut) as dropped_out,
            course_ongoing(len(days_cut) >= planned_sessions, days_since_cut) as ongoing,
            last_attended_cut as last_attended_date,
            days_since_cut::bigint as days_since_last_visit,
            coalesce(list_max(list_transform(range(1, len(days_cut)),
                                             lambda i: date_diff('day', days_cut[i], days_cut[i + 1]) - 1)),
                     0)::bigint as longest_break_days,
            birth_year,
            age_years,
            age_band,
            sex,
            diagnosis,
            site,
            doctor_conclusion,
            imaging,
            blood_tests,
            referral_date,
            start_month,
            coalesce(list_sort(list_transform(list_filter(therapists_since, lambda t: t.since <= as_of::date),
                                              lambda t: t.therapist)), []::varchar[]) as session_therapists,
            len(acute_cut)::bigint as acute_sessions,
            acute_cut[-1] as last_acute_date,
            len(numbness_cut)::bigint as numbness_sessions,
            numbness_cut[-1] as last_numbness_date,
            least(dates_cut[1], others_cut[1]) as first_row_date,
            greatest(dates_cut[k], others_cut[-1]) as last_row_date,
            len(scored_numbers)::bigint as scored_sessions,
            scored_numbers[1]::integer as baseline_session,
            scored_numbers[-1]::integer as latest_session,
            scored_pains[-1] as latest_pain,
            scored_dates[-1] as latest_date,
            red_flag_rising(scored_pains, rise_starts) as red_flag_rising,
            last_rise_date(scored_dates, rise_starts) as last_rise_date,
            last_rise_pains(scored_pains, rise_starts) as last_rise_pains,
            before_cut as pains_before,
            after_cut as pains_after,
            dates_cut as session_dates,
            case when k > 0 then first_session_acute end as first_session_acute,
            course_no
        from rises
    )

    select * from final
    union all by name
    select * from replanned
);
