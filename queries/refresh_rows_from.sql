-- refresh_rows_from: between the two halves of the refresh (refresh_course_facts.sql, then
-- refresh_changed_courses.sql), the earliest row of any course to recompute (course_facts_todo, from
-- the first half's refresh_prints), so that the second half reads the session rows from that date
-- on. Null, and every row is read, when the refresh looks at every course (refresh_whole: a rebuild
-- reads them all anyway) or when a course to recompute has no session row among the rows looked at
-- (a courses.csv row alone, whose sessions, if any, are then not assumed to be recent).
-- Returns one row: rows_from (date or null).
-- params: none
with todo as (
    select p.first_row_date
    from refresh_prints as p
    where p.course_id in (select course_id from main.course_facts_todo)
)

select
    case when (select whole from refresh_whole) or exists (select 1 from todo where first_row_date is null)
         then null
         else (select min(first_row_date) from todo)
    end as rows_from;
