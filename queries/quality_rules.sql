-- quality_rules: defines the table macros of the Data quality page (queries/quality_*.sql), used
-- through `-- uses: quality_rules`. Returns nothing itself. Every macro reads all stored rows (no
-- as-of date: the page checks the records as they are) and takes the page's two filters:
--   therapists (varchar[]): empty = all; otherwise the row's therapist must be one of them
--     (a session's own therapist; a course's therapist; a patient seen by one of them);
--   sites (varchar[]): empty = all; otherwise the patient's site (patients file) must be one of them,
--     so a patient without a patients-file row never matches a chosen site.
--
-- quality_attended(therapists, sites): the attended session rows that pass the filters, with
--   course_id (as imported, else inferred), missing_pain (pain_before or pain_after empty);
--   quality_attended_rows(therapists) is the same without the site filter.
-- quality_course_list(): every course, unfiltered: those in the courses file and those named (or
--   inferred) on session rows: course_id, patient_id, in_courses_file, planned_sessions (null without
--   a courses-file row or when empty there: the planned-sessions setting is assumed), start_date, first_row_date, last_row_date (null without
--   session rows), sessions_attended, therapist (of the first attended session, else of the first row; the row
--   order of DESIGN.md), inferred (every row of it has no course_id), and for an inferred course the
--   patient's previous inferred course: previous_course_id, previous_last_date, gap_days (days from
--   the previous course's last row to this course's first row; null for the patient's first one);
--   listed_start (the courses file's start date, null without one), first_attended_date and
--   last_attended_date (of its attended rows; null without one).
-- quality_courses(therapists, sites): quality_course_list() that pass the filters (the course's
--   therapist, the patient's site).
-- quality_patients(therapists, sites): every patient (patients file, sessions, courses file) that
--   passes the filters: patient_id, in_patients_file, diagnosis, doctor_conclusion, imaging,
--   blood_tests, site, no_diagnosis, no_conclusion (not true), no_imaging (none or empty),
--   no_blood_tests (not true), no_paperwork (any of the three), first_session_date, last_session_date
--   (of their session rows, any status; null without one). A patient without a patients-file row lacks
--   both a diagnosis and the paperwork.
-- The courses come from the stored per-course facts while they match the data (course_facts_fresh()),
-- else from the session rows: the same course, therapist and dates either way.
-- uses: course_rules, course_facts
create or replace temp macro quality_attended_rows(therapists) as table (
    select
        s.session_id,
        s.patient_id,
        coalesce(s.course_id, s.inferred_course_id) as course_id,
        s.session_date,
        s.session_time,
        s.therapist,
        s.pain_before,
        s.pain_after,
        s.pain_before is null or s.pain_after is null as missing_pain
    from main.sessions as s
    where s.status = 'attended'
      and (len(therapists::varchar[]) = 0 or list_contains(therapists::varchar[], s.therapist))
);

-- Without a site filter the patient ids are not read at all (a network's 25 million of them took
-- half of the monthly counts' time just to test them against an empty list): the site branch is
-- empty unless sites are chosen, and the other one empty when they are.
create or replace temp macro quality_attended(therapists, sites) as table (
    select *
    from quality_attended_rows(therapists)
    where len(sites::varchar[]) = 0
    union all
    select *
    from quality_attended_rows(therapists)
    where len(sites::varchar[]) > 0
      and patient_id in (select patient_id from main.patients where list_contains(sites::varchar[], site))
);

create or replace temp macro quality_course_list() as table (
    -- the stored per-course facts (course_summary over every row) while they match the data; else
    -- every course is aggregated from its session rows here (each branch reads its table itself)
    with trusted as (
        select course_facts_fresh() as yes
    ),

    inferred_ids as (
        select distinct inferred_course_id as course_id
        from main.sessions
        where inferred_course_id is not null
    ),

    from_facts as (
        select
            f.course_id,
            f.patient_id,
            f.first_row_date,
            f.last_row_date,
            f.sessions_attended,
            f.therapist,
            f.course_id in (select course_id from inferred_ids) as inferred,
            f.first_session_date as first_attended_date,
            f.last_attended_date
        from main.course_facts as f
        where f.first_row_date is not null      -- a course with session rows
          and (select yes from trusted)
    ),

    session_rows as (
        select
            coalesce(course_id, inferred_course_id) as course_id,
            patient_id,
            session_date,
            therapist,
            status,
            course_id is null as without_course_id,
            -- a row's place in its course: by date, then time (a row without a time first), then id
            course_order_key(session_date, session_time, session_id) as row_order
        from main.sessions
        where not (select yes from trusted)
    ),

    from_sessions as (
        select
            course_id,
            min(patient_id) as patient_id,
            min(session_date) as first_row_date,
            max(session_date) as last_row_date,
            count(*) filter (where status = 'attended') as sessions_attended,
            coalesce(arg_min_null(therapist, row_order) filter (where status = 'attended'),
                     arg_min_null(therapist, row_order)) as therapist,
            bool_or(without_course_id) as inferred,
            min(session_date) filter (where status = 'attended') as first_attended_date,
            max(session_date) filter (where status = 'attended') as last_attended_date
        from session_rows
        group by course_id
    ),

    session_courses as (
        select * from from_facts
        union all
        select * from from_sessions
    ),

    course_list as (
        select
            coalesce(c.course_id, s.course_id) as course_id,
            coalesce(c.patient_id, s.patient_id) as patient_id,
            c.course_id is not null as in_courses_file,
            c.planned_sessions,
            coalesce(c.start_date, s.first_row_date) as start_date,
            s.first_row_date,
            s.last_row_date,
            coalesce(s.sessions_attended, 0) as sessions_attended,
            s.therapist,
            coalesce(s.inferred, false) as inferred,
            c.start_date as listed_start,
            s.first_attended_date,
            s.last_attended_date
        from main.courses as c
        full outer join session_courses as s on s.course_id = c.course_id
    ),

    -- the patient's previous inferred course (inferred courses never overlap: each ends before the
    -- next one's first row). The window runs over the inferred courses alone: a network's courses
    -- mostly come from its courses file.
    with_previous as (
        select *, null::varchar as previous_course_id, null::date as previous_last_date
        from course_list
        where not inferred
        union all
        select
            *,
            lag(course_id) over patient_courses as previous_course_id,
            lag(last_row_date) over patient_courses as previous_last_date
        from course_list
        where inferred
        window patient_courses as (partition by patient_id order by first_row_date, course_id)
    ),

    final as (
        select
            *,
            date_diff('day', previous_last_date, first_row_date) as gap_days
        from with_previous
    )

    select * from final
);

-- the site filter is a semi-join (patient_id is the patients table's key), so counting every course
-- of a network does not join its patients; the lists add the site to the rows they show
create or replace temp macro quality_courses(therapists, sites) as table (
    select c.*
    from quality_course_list() as c
    where (len(therapists::varchar[]) = 0 or list_contains(therapists::varchar[], c.therapist))
      and (len(sites::varchar[]) = 0
           or c.patient_id in (select patient_id from main.patients where list_contains(sites::varchar[], site)))
);

create or replace temp macro quality_patients(therapists, sites) as table (
    with trusted as (
        select course_facts_fresh() as yes
    ),

    -- every patient named on a session row or in the courses file, with their first and last session
    -- rows (any status). While the stored facts match the data, from them: every course is there
    -- (from the courses file or the session rows, with its first and last rows), and a course's rows
    -- are all its patient's (the importer rejects a session naming another patient's course), so a
    -- network's 2 million courses are read rather than its 25 million session rows. Else from the
    -- rows themselves (each branch reads its table itself).
    record_patients as (
        select patient_id, min(first_row_date) as first_session_date, max(last_row_date) as last_session_date
        from main.course_facts
        where (select yes from trusted)
        group by patient_id
        union all
        select patient_id, min(session_date), max(session_date)
        from (
            select patient_id, session_date from main.sessions
            union all
            select patient_id, null from main.courses
        )
        where not (select yes from trusted)
        group by patient_id
    ),

    final as (
        select
            coalesce(p.patient_id, r.patient_id) as patient_id,
            p.patient_id is not null as in_patients_file,
            p.diagnosis,
            p.doctor_conclusion,
            p.imaging,
            p.blood_tests,
            p.site,
            p.diagnosis is null as no_diagnosis,
            p.doctor_conclusion is not true as no_conclusion,
            coalesce(p.imaging, 'none') = 'none' as no_imaging,
            p.blood_tests is not true as no_blood_tests,
            p.doctor_conclusion is not true or coalesce(p.imaging, 'none') = 'none' or p.blood_tests is not true
                as no_paperwork,
            r.first_session_date,
            r.last_session_date
        from main.patients as p
        full outer join record_patients as r on r.patient_id = p.patient_id
    )

    select *
    from final
    where (len(therapists::varchar[]) = 0
           or patient_id in (
               select patient_id from main.sessions where list_contains(therapists::varchar[], therapist)
           ))
      and (len(sites::varchar[]) = 0 or list_contains(sites::varchar[], site))
);
