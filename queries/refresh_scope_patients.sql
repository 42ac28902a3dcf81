-- refresh_scope_patients: notes, before a writer applies its merged patients.csv rows (the table
-- `merged` of merge_patients.sql), the patients whose courses they change (every changed row's), in
-- the temp table refresh_scope that refresh_course_facts.sql reads; a null patient (every patient)
-- when the facts were not up to date before this write (see refresh_scope_sessions.sql).
-- Returns nothing.
-- params: none
-- uses: course_facts
create temp table if not exists refresh_scope (patient_id varchar);

insert into refresh_scope
select patient_id from merged where change <> 'unchanged'
union
select null::varchar where not course_facts_fresh();

-- no day bounds what this write changes (see refresh_scope_sessions.sql)
create temp table if not exists refresh_scope_days (day date);

insert into refresh_scope_days values (null);
