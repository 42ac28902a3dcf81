-- numbered_course_summary: defines the table macro numbered_course_summary(as_of, relief_rule,
-- courses, rows_from, planned_default := 10), used through `-- uses: numbered_course_summary`.
-- Returns nothing itself.
-- The macro returns course_summary's rows (same parameters) with one more column, course_no: an
-- integer that tells the courses apart, on which the filtered queries join a network's millions of
-- session rows instead of hashing the course id's text. While the stored course facts are up to date
-- it is the course's stored number (course_numbers, as course_facts and every session row hold it);
-- otherwise the courses are numbered here in course-id order, and the filtered queries give the
-- session rows these numbers by course id (without the facts they number the rows afresh anyway).
-- uses: course_summary, course_facts
create or replace temp macro numbered_course_summary(as_of, relief_rule, courses, rows_from, planned_default := 10) as table (
    with summary as (
        select * from course_summary(as_of, relief_rule, courses, rows_from, planned_default := planned_default)
    ),

    stored as (
        select course_id, course_no
        from main.course_facts
        where course_facts_fresh()
    ),

    final as (
        select
            s.*,
            case when course_facts_fresh() then t.course_no
                 else row_number() over (order by s.course_id) end::integer as course_no
        from summary as s
        left join stored as t on t.course_id = s.course_id
    )

    select * from final
);
