-- course_count: how many courses the stored rows make (course ids named on rows or inferred, and
-- courses.csv's), for saying what a re-grouping changed.
-- returns: one row: courses (integer), inferred_courses (integer: those inferred from rows without a course_id)
-- params: none
with ids as (
    select coalesce(course_id, inferred_course_id) as course_id, course_id is null as inferred
    from sessions
    union
    select course_id, false
    from courses
),

final as (
    select count(distinct course_id) as courses, count(distinct course_id) filter (where inferred) as inferred_courses
    from ids
)

select * from final;
