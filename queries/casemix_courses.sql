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
-- The first session is found by the course's number (numbered_course_summary.sql): an integer join
-- over a network's millions of sessions, read from the stored rows while the course facts are up to
-- date, else by numbering the course's rows afresh.
-- uses: filtered_courses, course_facts, course_rules
-- reads: open_courses (see filtered_courses.sql)
create or replace temp macro casemix_courses(
    as_of, start_from, start_to, therapists, sites, diagnoses, age_bands, sexes, scope, relief_rule
) as table (
    with counted as (
        select
            course_id,
            course_no,
            therapist,
            site,
            first_session_relief,
            case when sustained_improvement_pct is not null then responder_30 end as responder_30,
            baseline_pain,
            diagnosis,
            age_band,
            sex,
            doctor_conclusion
        from filtered_numbered_courses(as_of, start_from, start_to, therapists, sites, diagnoses, age_bands,
                                       sexes, scope, relief_rule)
    ),

    trusted as (
        select course_facts_fresh() as yes
    ),

    live_numbers as (
        select course_id, course_no
        from counted
        where not (select yes from trusted)
    ),

    -- each branch reads the sessions itself (the stored one only while the facts are trusted: then every
    -- row has its course's number there), and only for its own courses (none in the other branch)
    first_sessions as (
        select course_no, acute_inflammation
        from main.sessions
        where (select yes from trusted)
          and status = 'attended'
          and session_number = 1
          and session_date <= as_of::date
        union all
        select course_no, acute_inflammation
        from (
            select
                l.course_no,
                s.status,
                s.acute_inflammation,
                attended_number(s.status, l.course_id, s.session_date, s.session_time, s.session_id) as session_number
            from main.sessions as s
            join live_numbers as l on l.course_id = coalesce(s.course_id, s.inferred_course_id)
            where s.session_date <= as_of::date
        )
        where status = 'attended'
          and session_number = 1
    ),

    final as (
        select c.* exclude (course_no), f.acute_inflammation as first_acute
        from counted as c
        left join first_sessions as f on f.course_no = c.course_no
    )

    select * from final
);
