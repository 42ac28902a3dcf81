-- privacy_rows: defines the table macro privacy_rows(...), used through `-- uses: privacy_rows` by the
-- small-cell suppression queries. Returns nothing itself.
-- The macro returns one row per filtered course: patient_id, key (the course's value of the cohort
-- field `grp`, see cohort_key.sql), other (the viewing therapist `viewer` does not treat the course:
-- neither its therapist nor the giver of one of its attended sessions).
-- macro params: grp, viewer, then the filter set of filtered_courses.sql
-- uses: filtered_courses
-- uses: cohort_key
create or replace temp macro privacy_rows(
    grp, viewer, as_of, start_from, start_to, therapists, sites, diagnoses, age_bands, sexes, scope, relief_rule
) as table (
    select
        patient_id,
        cohort_key(grp, therapist, diagnosis, age_band, sex, site, start_month) as key,
        not (therapist is not distinct from viewer or list_contains(session_therapists, viewer)) as other
    from filtered_courses(as_of, start_from, start_to, therapists, sites, diagnoses, age_bands, sexes, scope, relief_rule)
);
