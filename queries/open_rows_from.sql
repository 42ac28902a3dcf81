-- open_rows_from: the date of the earliest session row of any course open as of $as_of (see
-- course_facts.sql): every row open_courses.sql needs is dated on or after it. 'infinity' when no
-- course is open (an open course always has a row after as_of): no row is read. Null when the facts
-- are out of date (then every row is needed).
-- returns: one row, one column `rows_from` (date or null)
-- params: $as_of (date)
-- uses: course_facts
select case when course_facts_fresh()
            then coalesce((select min(first_row_date) from open_course_ids($as_of)), 'infinity'::date) end
    as rows_from;
