-- trajectory_sessions: defines the table macro trajectory_sessions(as_of, relief_rule), used through
-- `-- uses: trajectory_sessions`, which also brings pain_band (course_rules.sql). Returns nothing itself.
-- The macro returns every attended session row (dated <= as_of) of every course counted as of as_of,
-- over the WHOLE clinic (no filter, no therapist scope: the expected course is a clinic-wide
-- aggregate; the queries that use it show only counts and quartiles of groups of at least
-- $min_cohort courses), with what the expected course groups by:
--   course_id, session_number (1, 2, 3 ... over the course's attended rows in course order),
--   pain_before (null = not recorded), diagnosis, planned_sessions, completed (as of as_of),
--   baseline_pain (pain_before at the course's first attended session, session_number 1; null when
--   not recorded there), baseline_band ('mild' 0-3, 'moderate' 4-6, 'severe' 7-10; null with no
--   baseline).
-- macro params: as_of (date), relief_rule (the one the registered `open_courses` was computed with),
--   course_ids (varchar[], optional: only these courses' rows).
-- uses: filtered_sessions, course_rules
-- reads: open_courses (see filtered_courses.sql)
create or replace temp macro trajectory_sessions(as_of, relief_rule, course_ids := null) as table (
    -- the baseline is the course's own first_session_pain_before (its session 1), so the rows are read
    -- once: joining them to their own first rows made DuckDB keep every attended row in memory
    select
        course_id,
        session_number,
        pain_before,
        diagnosis,
        planned_sessions,
        completed,
        first_session_pain_before as baseline_pain,
        pain_band(first_session_pain_before) as baseline_band
    from filtered_sessions(as_of, null, null, []::varchar[], []::varchar[], []::varchar[], []::varchar[],
                           []::varchar[], null, relief_rule, course_ids := course_ids)
    where status = 'attended'
);
