-- filtered_courses: defines the table macros filtered_courses(...) and filtered_numbered_courses(...),
-- used through `-- uses: filtered_courses`. Returns nothing itself.
-- filtered_numbered_courses returns filtered_courses' rows with five more columns: course_no (see
-- numbered_course_summary.sql), on which the filtered queries that read session rows join them, and
-- pains_before, pains_after, session_dates (course_summary.sql: each attended session's scores and
-- date in course order) and first_session_acute, which the queries by session number read instead of
-- the session rows. course_no is null on the rows of an
-- open_courses table that does not have it (open_courses_cohort.sql, for the cohort figures alone,
-- which read no session row).
-- filtered_courses returns the courses counted as of as_of (course_summary's columns, the relief rule
-- applied) that pass every filter. They come from two places: the courses the stored facts settle
-- as of as_of (settled_courses, read from the database), and `open_courses`, the table of the other
-- courses computed from their session rows for this as-of date and relief rule (queries/open_courses.sql,
-- registered by the caller; every course while the facts are out of date).
--   as_of (date): a course counts when it started on or before it;
--   start_from, start_to (date or null): the course start date range, null = open;
--   therapists, sites, diagnoses, age_bands, sexes (varchar[]): empty = all; otherwise the course's
--   value must be one of them (an unknown value never matches a chosen one);
--   scope (varchar or null): only the courses this therapist treats: they are the course's therapist
--   or gave at least one of its attended sessions (dated <= as_of), as a therapist's account sees them;
--   relief_rule ('pct30' | 'points2' | 'pct50'): the first-session relief rule, the one open_courses
--   was computed with.
-- The clinical settings come from the caller's one-row table `clinic_settings` (clinic/settings.py,
-- registered with every filter set): `adherent` is 100 x attended window days >= adherence_pct x
-- window days, and a course not completed is `dropped_out` after more than dropout_gap_days days
-- without a visit (else `ongoing`); both replace what the facts and open_courses hold for the defaults.
-- A filter added here must also be named in pain_periods.sql's `unmatched`, which reads the stored
-- pain sums without their courses when no filter is set.
-- uses: settled_courses
create or replace temp macro filtered_numbered_courses(
    as_of, start_from, start_to, therapists, sites, diagnoses, age_bands, sexes, scope, relief_rule
) as table (
    with counted as (
        select * from settled_courses(as_of, relief_rule)
        union all by name
        select * from open_courses
    )

    select c.* replace (
        case when c.window_days > 0
             then 100 * c.window_attended_days >= s.adherence_pct * c.window_days end as adherent,
        not c.completed and c.days_since_last_visit > s.dropout_gap_days as dropped_out,
        not c.completed and c.days_since_last_visit <= s.dropout_gap_days as ongoing
    )
    from counted as c
    cross join (select adherence_pct, dropout_gap_days from clinic_settings) as s
    where start_date <= as_of::date
      and (start_from is null or start_date >= start_from::date)
      and (start_to is null or start_date <= start_to::date)
      and (len(therapists::varchar[]) = 0 or list_contains(therapists::varchar[], therapist))
      and (len(sites::varchar[]) = 0 or list_contains(sites::varchar[], site))
      and (len(diagnoses::varchar[]) = 0 or list_contains(diagnoses::varchar[], diagnosis))
      and (len(age_bands::varchar[]) = 0 or list_contains(age_bands::varchar[], age_band))
      and (len(sexes::varchar[]) = 0 or list_contains(sexes::varchar[], sex))
      and (scope is null or therapist = scope or list_contains(session_therapists, scope))
);

create or replace temp macro filtered_courses(
    as_of, start_from, start_to, therapists, sites, diagnoses, age_bands, sexes, scope, relief_rule
) as table (
    select * exclude (course_no, pains_before, pains_after, session_dates, first_session_acute)
    from filtered_numbered_courses(as_of, start_from, start_to, therapists, sites, diagnoses, age_bands, sexes,
                                   scope, relief_rule)
);
