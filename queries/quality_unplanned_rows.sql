-- quality_unplanned_rows: the courses without a courses-file row (no planned length: 10 sessions are
-- assumed) that pass the filters, most recently started first.
-- returns: course_id, patient_id, therapist (of the course), site, first_row_date, last_row_date,
--   sessions_attended, inferred (no session row names the course: its id was inferred);
--   sorted by first_row_date descending, course_id; at most $limit rows
-- params: $therapists (varchar[]), $sites (varchar[]) (see quality_rules.sql), $limit (integer or null = all)
-- uses: quality_rules
with unplanned as (
    select *
    from quality_courses($therapists, $sites)
    where not in_courses_file
),

final as (
    select
        course_id,
        patient_id,
        therapist,
        site,
        first_row_date,
        last_row_date,
        sessions_attended,
        inferred
    from unplanned
)

select * from final
order by first_row_date desc, course_id
limit $limit;
