-- filtered_sessions: defines the table macro filtered_sessions(...), used through
-- `-- uses: filtered_sessions`. Returns nothing itself.
-- The macro takes the same filter set as filtered_courses (and, optionally, course_ids := a varchar[]
-- of the only courses wanted: a course view reads its few rows without scanning every session) and
-- returns every session row dated on or before as_of that belongs to a course passing the filters:
--   session_id, patient_id, course_id, session_date, session_time, therapist (of the session),
--   status, pain_before, pain_after, pain_change (after - before), muscle_tension, numbness,
--   acute_inflammation, notes,
--   course_day (1 = the course's start date), session_number (1, 2, 3 ... over the course's
--   attended rows in course order; null on cancelled and no-show rows),
--   and the course's fields: start_date, planned_sessions, course_therapist, diagnosis, age_band,
--   sex, site, start_month, adherent, completed, dropped_out, ongoing, first_session_pain_before
--   (pain before the course's first attended session: session_number 1).
-- Row order ("course order"): date, then session time (none first), then session_id as text.
-- uses: filtered_courses, course_facts, course_rules
create or replace temp macro filtered_sessions(
    as_of, start_from, start_to, therapists, sites, diagnoses, age_bands, sexes, scope, relief_rule,
    course_ids := null
) as table (
    with course_rows as (
        select
            course_id, course_no, start_date, planned_sessions, therapist as course_therapist, diagnosis,
            age_band, sex, site, start_month, adherent, completed, dropped_out, ongoing, first_session_pain_before
        from filtered_numbered_courses(as_of, start_from, start_to, therapists, sites, diagnoses, age_bands, sexes,
                                       scope, relief_rule)
        where course_ids is null or list_contains(course_ids::varchar[], course_id)
    ),

    -- the stored session_number and course_no, while the course facts (kept with them) are up to date
    trusted as (
        select course_facts_fresh() as yes
    ),

    -- Sessions are joined to their courses on an integer, course_no (numbered_course_summary.sql):
    -- while the facts are up to date every session row holds its course's, which spares hashing the
    -- course id's text of every session row; otherwise the rows get their course's by course id.
    live_numbers as (
        select course_id, course_no
        from course_rows
        where not (select yes from trusted)
    ),

    -- each branch reads the table itself (a shared CTE would be materialised whole)
    numbered as (
        select * replace (coalesce(course_id, inferred_course_id) as course_id)
        from main.sessions
        where session_date <= as_of::date
          and (select yes from trusted)
        union all
        select s.* replace (
            coalesce(s.course_id, s.inferred_course_id) as course_id,
            attended_number(s.status, coalesce(s.course_id, s.inferred_course_id), s.session_date, s.session_time,
                            s.session_id) as session_number,
            n.course_no as course_no
        )
        from main.sessions as s
        join live_numbers as n on n.course_id = coalesce(s.course_id, s.inferred_course_id)   -- empty when trusted
        where s.session_date <= as_of::date
    ),

    session_rows as (
        select
            session_id,
            patient_id,
            course_id,
            session_date,
            session_time,
            therapist,
            status,
            pain_before,
            pain_after,
            pain_after - pain_before as pain_change,
            muscle_tension,
            numbness,
            acute_inflammation,
            notes,
            session_number,
            course_no
        from numbered
    ),

    final as (
        select
            s.* exclude (course_no),
            date_diff('day', c.start_date, s.session_date) + 1 as course_day,
            c.start_date,
            c.planned_sessions,
            c.course_therapist,
            c.diagnosis,
            c.age_band,
            c.sex,
            c.site,
            c.start_month,
            c.adherent,
            c.completed,
            c.dropped_out,
            c.ongoing,
            c.first_session_pain_before
        from session_rows as s
        join course_rows as c on c.course_no = s.course_no
    )

    select * from final
);
