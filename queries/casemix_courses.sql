-- casemix_courses (macro): one row per course that passes the filters, with what the case-mix model of
-- clinic/casemix.py reads: the outcomes and the patient's case mix at the start of the course.
-- returns: course_id, therapist (the course's), site,
--   first_session_relief (under relief_rule; null when not assessable),
--   responder_30 (sustained improvement of 30 % or more; null when the improvement is not assessable),
--   baseline_pain (pain_before of the first attended session that has one: for a course whose
--   first-session relief can be judged, the first session's),
--   diagnosis, age_band, sex (null when unknown), doctor_conclusion (true, false or null),
--   first_acute (acute_inflammation recorded at the course's first attended session: true, false or
--   null when not recorded or no session attended yet);
--   in no particular order (sorting a network's millions of courses by id took a third of the
--   query, and nothing reads the order).
-- args: the filter set (see filtered_courses.sql)
-- The first session's acute flag is the course's first_session_acute (course_summary.sql: stored with
-- the course facts, or computed with the open courses), so no session row is read.
-- uses: filtered_courses
-- reads: open_courses (see filtered_courses.sql)
create or replace temp macro casemix_courses(
    as_of, start_from, start_to, therapists, sites, diagnoses, age_bands, sexes, scope, relief_rule
) as table (
    select
        course_id,
        therapist,
        site,
        first_session_relief,
        case when sustained_improvement_pct is not null then responder_30 end as responder_30,
        baseline_pain,
        diagnosis,
        age_band,
        sex,
        doctor_conclusion,
        first_session_acute as first_acute
    from filtered_numbered_courses(as_of, start_from, start_to, therapists, sites, diagnoses, age_bands,
                                   sexes, scope, relief_rule)
);
