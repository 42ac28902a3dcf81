-- course_facts: defines the macros that read the stored per-course facts (table course_facts, built
-- by refresh_course_facts.sql), used through `-- uses: course_facts`. Returns nothing itself.
--
-- The facts are course_summary over every stored row (as of the far future). As of a date D, a
-- course is SETTLED when it started before D, none of its rows is dated after D, and its daily
-- window [start, start + planned - 1] ended before D: then the rows dated <= D are all its rows, the
-- adherence window is whole (the as-of-day rule cannot apply), and every fact holds as of D except
-- what counts days up to D (days_since_last_visit, dropped_out, ongoing) and the relief rule, which
-- settled_courses.sql computes. Every other course counted as of D is OPEN and is computed from its
-- session rows (course_summary for the 'open' courses).
--
--   course_facts_fresh(): true when the facts were built from the data as it is now (the newest
--     import batch and the three tables' row counts match course_facts_state) by this version of
--     the refresh (facts_version 4); otherwise nothing trusts them and every course is computed
--     from its session rows.
--   open_course_ids(as_of): table (course_id, first_row_date) of the courses counted as of as_of that
--     are open, with the date of each one's earliest session row (null without rows).
--   course_settled(as_of, start_date, planned_sessions, last_row_date): the rule above.
-- settled_courses.sql reads the settled courses.
-- Base tables are named with their schema (main.) so that a caller's CTE of the same name (say
-- `courses`) cannot stand in for them.
create or replace temp macro course_facts_fresh() as (
    select coalesce(bool_and(
        st.facts_version = 4
        and st.batch_id is not distinct from (select max(batch_id) from main.import_batches)
        and st.patients_rows = (select count(*) from main.patients)
        and st.courses_rows = (select count(*) from main.courses)
        and st.sessions_rows = (select count(*) from main.sessions)
    ), false)
    from main.course_facts_state as st
);

create or replace temp macro course_settled(as_of, start_date, planned_sessions, last_row_date) as
    start_date + (planned_sessions - 1) < as_of::date
    and coalesce(last_row_date, start_date) <= as_of::date;

create or replace temp macro open_course_ids(as_of) as table (
    select course_id, first_row_date
    from main.course_facts
    where start_date <= as_of::date
      and not course_settled(as_of, start_date, planned_sessions, last_row_date)
);
