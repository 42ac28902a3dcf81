-- quality_unplanned_rows: the courses without a planned length (no courses-file row, or an empty
-- planned_sessions in it: the planned-sessions setting is assumed) that pass the filters, most
-- recently started first.
-- returns: course_id, patient_id, therapist (of the course), site, first_row_date, last_row_date,
--   sessions_attended, inferred (no session row names the course: its id was inferred),
--   in_courses_file (listed in a courses file with an empty planned_sessions);
--   sorted by first_row_date descending, course_id; at most $limit rows
-- params: $therapists (varchar[]), $sites (varchar[]) (see quality_rules.sql), $limit (integer or null = all)
-- uses: quality_rules
with unplanned as (
    select *
    from quality_courses($therapists, $sites)
    where planned_sessions is null
),

final as (
    -- the site (patients file) of the rows listed
    select
        c.course_id,
        c.patient_id,
        c.therapist,
        p.site,
        c.first_row_date,
        c.last_row_date,
        c.sessions_attended,
        c.inferred,
        c.in_courses_file
    from unplanned as c
    left join main.patients as p on p.patient_id = c.patient_id
)

select * from final
order by first_row_date desc, course_id
limit $limit;
