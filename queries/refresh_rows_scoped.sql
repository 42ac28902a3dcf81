-- refresh_rows_scoped: the rows the next refresh (refresh_course_facts.sql) works out course prints
-- from: the temp views refresh_session_rows and refresh_course_rows, the sessions and courses.csv
-- rows of the patients noted in refresh_scope (refresh_scope_sessions.sql and its kin). Chosen by
-- clinic/facts.py when no null patient (every patient) was noted and the facts are of this version;
-- refresh_rows_whole.sql otherwise. (A view per case, rather than one filter with an `or`, lets DuckDB
-- read the noted patients' rows as a semi-join.) And the one-row table refresh_whole holding false.
-- When every write of the transaction noted a day before which none of its patients' courses can
-- change (refresh_scope_days, see refresh_scope_sessions.sql), the noted patients' courses whose
-- rows all come before that day are left out (refresh_out_of_reach: their stored facts hold), and
-- the session rows are read from the earliest first row of their other courses, or that day when
-- earlier (refresh_bound.rows_from): sessions are stored in date order, so DuckDB skips the blocks
-- before it. Otherwise refresh_bound.bounded is false, no course is out of reach, and every row of
-- the noted patients is read.
-- Returns nothing.
-- params: none
create or replace temp table refresh_whole as
select false as whole;

create temp table if not exists refresh_scope_days (day date);

create or replace temp table refresh_bound as
select
    exists (select 1 from refresh_scope_days) and not exists (select 1 from refresh_scope_days where day is null)
        as bounded,
    (select min(day) from refresh_scope_days) as rows_after,
    null::date as rows_from;

create or replace temp table refresh_reach as
select
    course_id,
    first_row_date,
    last_row_date is null or last_row_date >= (select rows_after from refresh_bound) as within
from main.course_facts
where (select bounded from refresh_bound)
  and patient_id in (select patient_id from refresh_scope);

create or replace temp table refresh_out_of_reach as
select course_id from refresh_reach where not within;

update refresh_bound
set rows_from = least(rows_after, (select min(first_row_date) from refresh_reach where within))
where bounded;

drop table refresh_reach;

create or replace temp view refresh_session_rows as
select *
from main.sessions
where patient_id in (select patient_id from refresh_scope)
  and session_date >= coalesce((select rows_from from refresh_bound), date '0001-01-01');

create or replace temp view refresh_course_rows as
select * from main.courses where patient_id in (select patient_id from refresh_scope);
