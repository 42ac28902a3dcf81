-- refresh_scope_sessions: notes, before a writer applies its merged session rows (the table `merged`
-- of merge_sessions.sql or merge_scores.sql), the patients whose courses those rows can change, in
-- the temp table refresh_scope that refresh_course_facts.sql reads: each changed row's patient, new
-- and as stored, and the patients of the courses.csv rows of its course ids, new and stored. A null
-- patient stands for every patient: noted when the facts were not up to date before this write
-- (course_facts_fresh), since courses this write does not touch may then need recomputing too.
-- Courses are inferred per patient, so the inferred courses a write changes are its patients' too.
-- It also notes, in the temp table refresh_scope_days, the day before which no course of theirs can
-- change: the earliest of the changed rows' new dates and of the first rows of the courses they
-- name, new and as stored (a stored row is never dated before its course's first row), less the
-- course gap. A course whose rows all come before that day gains and loses no row (a row joins an
-- inferred course only within the gap of its rows), so the refresh reads only the rows from that
-- day and from the first rows of the later courses on (refresh_rows_scoped.sql). Null (no such day)
-- when nothing changed.
-- Returns nothing.
-- params: none
-- uses: course_facts
-- the changed rows, as written (with their dates) and as stored: each one's patient, its course id
-- (course_id: courses.csv rows are looked up by it) and its course (the inferred one too, when stored)
create or replace temp table refresh_touched as
with changed as (
    select session_id, patient_id, course_id, session_date
    from merged
    where change <> 'unchanged'
)

select patient_id, course_id, course_id as course, session_date
from changed
union all
select stored.patient_id, stored.course_id, coalesce(stored.course_id, stored.inferred_course_id), null::date
from main.sessions as stored
join changed on changed.session_id = stored.session_id;

create temp table if not exists refresh_scope (patient_id varchar);

insert into refresh_scope
select patient_id from refresh_touched
union
select listed.patient_id from main.courses as listed where listed.course_id in (select course_id from refresh_touched)
union
select null::varchar where not course_facts_fresh();

create temp table if not exists refresh_scope_days (day date);

insert into refresh_scope_days
select least((select min(session_date) from refresh_touched),
             (select min(first_row_date)
              from main.course_facts
              where course_id in (select course from refresh_touched where course is not null)))
       - (select coalesce(max(course_gap_days), 30) from main.course_grouping)::integer;

drop table refresh_touched;
