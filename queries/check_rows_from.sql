-- check_rows_from: before check_stored_sessions, the earliest date of a stored session row of any
-- course the staged rows can name (their course ids, and the stored course of each session they
-- update), so that its look for those courses' stored rows reads the sessions from that date on
-- (they are stored in date order: DuckDB skips the blocks before it). Taken from the course facts
-- while they are up to date (each course's first row's date); null, and every row is read, while
-- they are not. A date after every row when no such course has stored rows.
-- Returns one row: rows_from (date or null).
-- uses: course_facts
-- reads: checked (from check_sessions, or the XLSX rows the importer checked)
-- params: none
with named as (
    select course_id
    from checked
    where course_id is not null
    union
    select coalesce(stored.course_id, stored.inferred_course_id)
    from checked
    join main.sessions as stored on stored.session_id = checked.session_id
)

select
    case when course_facts_fresh()
         then coalesce((select min(first_row_date)
                        from main.course_facts
                        where course_id in (select course_id from named)), date '9999-12-31')
    end as rows_from
