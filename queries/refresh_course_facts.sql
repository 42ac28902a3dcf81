-- refresh_course_facts: rebuilds course_facts from every stored row, renumbers the sessions'
-- session_number where it changed, and records what the facts were built from (course_facts_state).
-- Returns nothing. Runs inside the writer's transaction, after its rows and its import_batches entry
-- are written, so the facts and the data change together.
-- params: none
-- uses: course_summary
update main.sessions
set session_number = numbered.session_number
from (
    select
        session_id,
        case when status = 'attended' then
            row_number() over (
                partition by coalesce(course_id, inferred_course_id), status = 'attended'
                order by session_date, session_time nulls first, session_id
            )
        end as session_number
    from main.sessions
) as numbered
where sessions.session_id = numbered.session_id
  and sessions.session_number is distinct from numbered.session_number;

delete from course_facts;

insert into course_facts by name
select * from course_summary(date '9999-12-31', 'pct30', false);

delete from course_facts_state;

insert into course_facts_state (batch_id, patients_rows, courses_rows, sessions_rows)
select
    (select max(batch_id) from import_batches),
    (select count(*) from patients),
    (select count(*) from courses),
    (select count(*) from sessions);
