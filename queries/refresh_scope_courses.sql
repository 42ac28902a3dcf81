-- refresh_scope_courses: notes, before a writer applies its merged courses.csv rows (the table
-- `merged` of merge_courses.sql), the patients whose courses they change, in the temp table
-- refresh_scope that refresh_course_facts.sql reads: each changed row's patient, new and as stored,
-- and the patients of the session rows of its course; a null patient (every patient) when the facts
-- were not up to date before this write (see refresh_scope_sessions.sql).
-- Returns nothing.
-- params: none
-- uses: course_facts
create temp table if not exists refresh_scope (patient_id varchar);

insert into refresh_scope
with changed as (
    select course_id, patient_id
    from merged
    where change <> 'unchanged'
)

select patient_id from changed
union
select stored.patient_id from main.courses as stored where stored.course_id in (select course_id from changed)
union
select stored_row.patient_id from main.sessions as stored_row where stored_row.course_id in (select course_id from changed)
union
select null::varchar where not course_facts_fresh();

-- no day bounds what this write changes (see refresh_scope_sessions.sql)
create temp table if not exists refresh_scope_days (day date);

insert into refresh_scope_days values (null);
