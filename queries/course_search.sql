-- course_search: defines course_matches(patient_id, course_id, therapist, needle), used through
-- `-- uses: course_search`. Returns nothing itself.
-- course_matches is true when `needle` (already trimmed and lower-cased) is empty, or when the
-- course's patient_id, course_id or therapist contains it, in any case, as plain text (% and _ are
-- not wildcards).
create or replace temp macro course_matches(patient_id, course_id, therapist, needle) as
    needle = ''
    or contains(lower(patient_id), needle)
    or contains(lower(course_id), needle)
    or contains(lower(coalesce(therapist, '')), needle);
