-- refresh_rows_scoped: the rows the next refresh (refresh_course_facts.sql) works out course prints
-- from: the temp views refresh_session_rows and refresh_course_rows, the sessions and courses.csv
-- rows of the patients noted in refresh_scope (refresh_scope_sessions.sql and its kin). Chosen by
-- clinic/facts.py when no null patient (every patient) was noted and the facts are of this version;
-- refresh_rows_whole.sql otherwise. (A view per case, rather than one filter with an `or`, lets DuckDB
-- read the noted patients' rows as a semi-join.) And the one-row table refresh_whole holding false.
-- Returns nothing.
-- params: none
create or replace temp table refresh_whole as
select false as whole;

create or replace temp view refresh_session_rows as
select * from main.sessions where patient_id in (select patient_id from refresh_scope);

create or replace temp view refresh_course_rows as
select * from main.courses where patient_id in (select patient_id from refresh_scope);
