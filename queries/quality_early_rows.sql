-- quality_early_rows: the courses with an attended session dated before their courses-file start
-- date, whose therapist and patient pass the filters, the latest listed start first. Such rows still
-- belong to the course and count everywhere but its adherence window, which begins on the listed
-- date; a course whose last visit lies 8 or more days before it reads dropped out from its start
-- (DESIGN.md).
-- returns: course_id, patient_id, therapist (of the course), site, listed_start, first_attended_date,
--   days_before_start (listed_start - first_attended_date), last_attended_date, all_before_start
--   (every attended row is dated before listed_start), sessions_attended;
--   sorted by listed_start descending, course_id; at most $limit rows
-- params: $therapists (varchar[]), $sites (varchar[]) (see quality_rules.sql), $limit (integer or null = all)
-- uses: quality_rules
with early as (
    select *
    from quality_courses($therapists, $sites)
    where first_attended_date < listed_start
),

final as (
    -- the site (patients file) of the rows listed
    select
        c.course_id,
        c.patient_id,
        c.therapist,
        p.site,
        c.listed_start,
        c.first_attended_date,
        date_diff('day', c.first_attended_date, c.listed_start) as days_before_start,
        c.last_attended_date,
        c.last_attended_date < c.listed_start as all_before_start,
        c.sessions_attended
    from early as c
    left join main.patients as p on p.patient_id = c.patient_id
)

select * from final
order by listed_start desc, course_id
limit $limit;
