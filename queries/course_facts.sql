-- course_facts: defines the macros that read the stored per-course facts (table course_facts, built
-- by refresh_course_facts.sql), used through `-- uses: course_facts`. Returns nothing itself.
--
-- The facts are course_summary over every stored row (as of the far future). As of a date D, a
-- course is SETTLED when it started on or before D and none of its rows is dated after D: then the
-- rows dated <= D are all its rows and every fact holds as of D except what depends on D itself,
-- which settled_courses.sql computes from the facts: the daily window cut at D (window_days,
-- adherence, adherent; the attended days in it are the stored window_attended_days, since no
-- attended day is later than D and an as-of day left out of the window has no visit), the days up
-- to D (days_since_last_visit, dropped_out, ongoing) and the relief rule. Every other course counted
-- as of D (one with a row after D) is OPEN: it is cut at D from the lists its facts keep
-- (open_course_facts.sql), or, while the facts are out of date, computed from its session rows
-- (course_summary for the 'open' courses). As of the latest day of the data nothing is open.
--
--   course_facts_fresh(): true when the facts were built from the data as it is now (the newest
--     import batch and the three tables' row counts match course_facts_state) by this version of
--     the refresh (facts_version 8); otherwise nothing trusts them and every course is computed
--     from its session rows.
--   open_course_ids(as_of): table (course_id, first_row_date) of the courses counted as of as_of that
--     are open, with the date of each one's earliest session row (null without rows).
--   course_settled(as_of, last_row_date, start_date): the rule above (for a course counted as of
--     as_of, start_date <= as_of).
--   course_settled_from(last_row_date, start_date): the first day as of which the course is both
--     counted and settled (the later of its start date and its last row's date): as of D it is both
--     exactly when this is <= D. The completed courses' scores are counted by its month
--     (course_score_months, see refresh_course_facts.sql), for the expected paths.
--   course_treated_by(scope, as_of, therapist, session_therapists, therapists_since,
--     first_row_therapist, session_dates, last_row_date): the course's facts of those names say the
--     therapist `scope` treats it as of as_of (for a course with a row on or before as_of): gave its
--     first attended session, or its first row when none was attended, or any attended session.
--     A settled course is as its facts say; an open one is cut at as_of (who had given an attended
--     session by then, else its first row's therapist). The Record session page's scope.
-- settled_courses.sql reads the settled courses.
-- Base tables are named with their schema (main.) so that a caller's CTE of the same name (say
-- `courses`) cannot stand in for them.
create or replace temp macro course_facts_fresh() as (
    select coalesce(bool_and(
        st.facts_version = 8
        and st.batch_id is not distinct from (select max(batch_id) from main.import_batches)
        and st.patients_rows = (select count(*) from main.patients)
        and st.courses_rows = (select count(*) from main.courses)
        and st.sessions_rows = (select count(*) from main.sessions)
    ), false)
    from main.course_facts_state as st
);

create or replace temp macro course_settled(as_of, last_row_date, start_date) as
    coalesce(last_row_date, start_date) <= as_of::date;

create or replace temp macro course_settled_from(last_row_date, start_date) as
    greatest(start_date, coalesce(last_row_date, start_date));

create or replace temp macro open_course_ids(as_of) as table (
    select course_id, first_row_date
    from main.course_facts
    where start_date <= as_of::date
      and not course_settled(as_of, last_row_date, start_date)
);

create or replace temp macro course_treated_by(scope, as_of, f_therapist, f_session_therapists, f_therapists_since,
                                               f_first_row_therapist, f_session_dates, f_last_row_date) as
    case when f_last_row_date <= as_of::date
         then f_therapist = scope or list_contains(f_session_therapists, scope)
         else len(list_filter(f_therapists_since, lambda t: t.therapist = scope and t.since <= as_of::date)) > 0
              or (f_first_row_therapist = scope and coalesce(f_session_dates[1] > as_of::date, true))
    end;
