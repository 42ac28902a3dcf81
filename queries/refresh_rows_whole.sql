-- refresh_rows_whole: the rows the next refresh (refresh_course_facts.sql) works out course prints
-- from, when it looks at every course: the temp views refresh_session_rows and refresh_course_rows
-- over every stored session and courses.csv row, and refresh_whole holding true (see
-- refresh_rows_scoped.sql), with refresh_bound.bounded false and no course out of reach. Returns
-- nothing.
-- params: none
create or replace temp table refresh_whole as
select true as whole;

create or replace temp table refresh_bound as
select false as bounded, null::date as rows_after, null::date as rows_from;

create or replace temp table refresh_out_of_reach (course_id varchar);

create or replace temp view refresh_session_rows as
select * from main.sessions;

create or replace temp view refresh_course_rows as
select * from main.courses;
