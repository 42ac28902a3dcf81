-- quality_course_counts: how many courses pass the filters, how many of them have no planned length
-- (no courses-file row, or an empty planned_sessions in it: the planned-sessions setting is
-- assumed), how many are inferred, and how many inferred
-- courses started after a long gap (31 days or more) from an earlier inferred course of the patient,
-- and how many have an attended session dated before their courses-file start date.
-- returns: one row: courses, unplanned_courses, inferred_courses, new_after_gap, attended_before_start
-- params: $therapists (varchar[]), $sites (varchar[]) (see quality_rules.sql; the course's therapist)
-- uses: quality_rules
with courses as (
    select *
    from quality_courses($therapists, $sites)
),

final as (
    select
        count(*) as courses,
        count(*) filter (where planned_sessions is null) as unplanned_courses,
        count(*) filter (where inferred) as inferred_courses,
        count(*) filter (where previous_course_id is not null) as new_after_gap,
        count(*) filter (where first_attended_date < listed_start) as attended_before_start
    from courses
)

select * from final;
