-- quality_gap_rows: the inferred courses that started after a long gap (31 days or more, the
-- "Courses inferred" rule) from the same patient's previous inferred course, whose therapist and
-- patient pass the filters; newest first.
-- returns: patient_id, gap_days (previous course's last row to this course's first row),
--   previous_course_id, previous_last_date, course_id (the new course), first_row_date (its first
--   row), therapist (of the new course), site, sessions_attended (of the new course), in_courses_file
--   (a courses-file row describes the new course); sorted by first_row_date descending, patient_id;
--   at most $limit rows
-- params: $therapists (varchar[]), $sites (varchar[]) (see quality_rules.sql), $limit (integer or null = all)
-- uses: quality_rules
with new_courses as (
    select *
    from quality_courses($therapists, $sites)
    where previous_course_id is not null
),

final as (
    -- the site (patients file) of the rows listed
    select
        c.patient_id,
        c.gap_days,
        c.previous_course_id,
        c.previous_last_date,
        c.course_id,
        c.first_row_date,
        c.therapist,
        p.site,
        c.sessions_attended,
        c.in_courses_file
    from new_courses as c
    left join main.patients as p on p.patient_id = c.patient_id
)

select * from final
order by first_row_date desc, patient_id
limit $limit;
