-- settled_courses: defines the table macro settled_courses(as_of, relief_rule), used through
-- `-- uses: settled_courses`. Returns nothing itself.
-- The macro returns the courses that the stored course facts settle as of as_of (see course_facts.sql),
-- with the columns of course_summary: the stored facts, and what depends on the date and the rule
-- computed for them: the daily window cut at as_of as course_summary.sql cuts it (window_days,
-- adherence, adherent), the days up to as_of (days_since_last_visit, dropped_out, ongoing) and the
-- first-session relief, and the course's stored number, course_no (see numbered_course_summary.sql).
-- It leaves out the courses in the caller's table `open_courses` (queries/open_courses.sql, computed
-- for the same date): whether the facts are trusted is decided once, when open_courses is computed
-- (it holds every course when they are not), so the two parts never disagree. With a planned-sessions
-- default other than the facts' 10, open_courses also holds every course whose planned sessions
-- courses.csv does not give (open_course_facts.sql; every course while the facts are out of date,
-- open_courses_all.sql): the stored facts settle only courses whose planned sessions are given.
-- uses: course_rules, course_facts
create or replace temp macro settled_courses(as_of, relief_rule) as table (
    with settled as (
        select
            *,
            date_diff('day', coalesce(last_attended_date, start_date), as_of::date) as days_since,
            -- course_summary.sql's window end: no row is later than as_of, so the as-of day has an
            -- attended visit exactly when it is the last attended day
            cut_window_end(start_date, planned_sessions, as_of, last_attended_date = as_of::date) as window_end
        from main.course_facts
        where start_date <= as_of::date
          and course_settled(as_of, last_row_date, start_date)
          and course_id not in (select course_id from open_courses)
    ),

    windowed as (
        select *, date_diff('day', start_date, window_end) + 1 as cut_window_days
        from settled
    ),

    final as (
        -- (the lists that cut the facts at an earlier date are for the open courses alone)
        select * exclude (days_since, window_end, cut_window_days, source_print, first_row_therapist,
                          other_row_dates, numbness_dates, acute_dates, therapists_since) replace (
            first_session_relief(first_session_pain_before, first_session_pain_after, relief_rule)
                as first_session_relief,
            cut_window_days as window_days,
            window_adherence(window_attended_days, cut_window_days) as adherence,
            window_adherent(window_attended_days, cut_window_days) as adherent,
            course_dropped_out(completed, days_since) as dropped_out,
            course_ongoing(completed, days_since) as ongoing,
            days_since as days_since_last_visit
        )
        from windowed
    )

    select * from final
);
