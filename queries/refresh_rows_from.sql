-- refresh_rows_from: between the two halves of the refresh (refresh_course_facts.sql, then
-- refresh_changed_courses.sql), the earliest row of any course to recompute (course_facts_todo, from
-- the first half's refresh_prints), so that the second half reads the session rows from that date
-- on. Null when the refresh looks at every course (refresh_whole): a rebuild reads every row anyway.
-- Returns one row: rows_from (date or null).
-- params: none
select
    case when (select whole from refresh_whole) then null
         else (select min(p.first_row_date)
               from refresh_prints as p
               where p.course_id in (select course_id from main.course_facts_todo))
    end as rows_from;
