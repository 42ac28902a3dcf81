-- refresh_changed_courses: the second half of the refresh (refresh_course_facts.sql is the first):
-- recomputes the facts of the courses in course_facts_todo (course_facts and its cut lists, the score
-- counts of course_score_months, the sums of course_pain_periods and course_months), drops those of
-- the courses in refresh_gone, renumbers the session_number (and sets the course_no) of the changed
-- courses' rows, records what the facts were built from (course_facts_state) and drops the first
-- half's temp tables. Returns nothing. Run statement by statement (clinic.db.execute_each), so that
-- $rows_from is a value in every statement that reads session rows: DuckDB then reads only the
-- blocks of sessions from that date on (the rows are stored roughly in date order), instead of
-- looking for the changed courses' rows among every session.
-- params: $rows_from (date or null: the earliest row of any course in course_facts_todo, from
--   refresh_rows_from.sql; null reads every session)
-- uses: course_summary, session_month_counts

-- the score counts lose the courses about to be recomputed or dropped (nothing when they are rebuilt
-- whole: after a refresh of another version)
insert into refresh_score_courses
select course_id
from main.course_facts
where (select built from refresh_version) = 8
  and course_id in (select course_id from main.course_facts_todo
                    union all
                    select course_id from refresh_gone);

create or replace temp table refresh_score_changes as
select month, diagnosis, baseline_band, session_number, pain_before, -courses as courses
from refresh_score_counts();

delete from main.course_facts
where course_id in (select course_id from main.course_facts_todo
                    union all
                    select course_id from refresh_gone);

-- what cuts the facts at an earlier date (see schema.sql), over the rows of the changed courses
create or replace temp table refresh_cut_lists as
with course_rows as (
    select
        coalesce(course_id, inferred_course_id) as course_id,
        therapist, status, session_date, session_time, session_id, numbness, acute_inflammation
    from main.sessions
    where coalesce(course_id, inferred_course_id) in (select course_id from main.course_facts_todo)
      and session_date >= coalesce($rows_from::date, '-infinity'::date)
),

since as (
    select course_id, list({'therapist': therapist, 'since': since} order by therapist) as therapists_since
    from (
        select course_id, therapist, min(session_date) as since
        from course_rows
        where status = 'attended'
        group by all
    )
    group by course_id
),

lists as (
    select
        course_id,
        -- the first row in course order: date, then time (none first), then session_id
        arg_min_null(therapist, (session_date, session_time is not null, coalesce(session_time, '00:00'::time),
                                 session_id)) as first_row_therapist,
        list(session_date order by session_date) filter (where status <> 'attended') as other_row_dates,
        list(session_date order by session_date) filter (where numbness) as numbness_dates,
        list(session_date order by session_date) filter (where status = 'attended' and acute_inflammation)
            as acute_dates
    from course_rows
    group by course_id
)

select l.*, s.therapists_since
from lists as l
left join since as s on s.course_id = l.course_id;

insert into main.course_facts by name
select s.*, l.* exclude (course_id), r.source_print, n.course_no
from course_summary(date '9999-12-31', 'pct30', 'changed', $rows_from::date) as s
join refresh_prints as r on r.course_id = s.course_id
join main.course_numbers as n on n.course_id = s.course_id
left join refresh_cut_lists as l on l.course_id = s.course_id;

drop table refresh_cut_lists;

-- ... and gain them as recomputed (every course when rebuilt whole)
delete from refresh_score_courses;

insert into refresh_score_courses
select course_id
from main.course_facts
where (select built from refresh_version) <> 8;

insert into refresh_score_courses
select course_id
from main.course_facts
where (select built from refresh_version) = 8
  and course_id in (select course_id from main.course_facts_todo);

insert into refresh_score_changes
select * from refresh_score_counts();

create or replace temp table refresh_score_months as
select month, diagnosis, baseline_band, session_number, pain_before, sum(courses)::bigint as courses
from (
    select * from main.course_score_months
    where (select built from refresh_version) = 8
    union all
    select * from refresh_score_changes
)
group by all
having sum(courses) <> 0;

delete from main.course_score_months;

insert into main.course_score_months
select * from refresh_score_months;

drop table refresh_score_months;
drop table refresh_score_changes;
drop macro table refresh_score_counts;
drop table refresh_score_courses;

delete from main.course_pain_periods
where course_id in (select course_id from main.course_facts_todo
                    union all
                    select course_id from refresh_gone);

insert into main.course_pain_periods by name
select
    p.*,
    n.course_no
from (
    select
        coalesce(course_id, inferred_course_id) as course_id,
        period.name as period,
        date_trunc(period.name, session_date)::date as period_start,
        count(*) as sessions,
        sum(pain_before) as pain_sum,
        sum(pain_before * pain_before) as pain_sumsq
    from main.sessions
    cross join (values ('week'), ('month')) as period(name)
    where status = 'attended'
      and pain_before is not null
      and coalesce(course_id, inferred_course_id) in (select course_id from main.course_facts_todo)
      and session_date >= coalesce($rows_from::date, '-infinity'::date)
    group by all
) as p
join main.course_numbers as n on n.course_id = p.course_id;

delete from main.course_months
where course_id in (select course_id from main.course_facts_todo
                    union all
                    select course_id from refresh_gone);

insert into main.course_months by name
select m.*, n.course_no
from session_month_counts(date '9999-12-31', coalesce($rows_from::date, '-infinity'::date), true, true) as m
join main.course_numbers as n on n.course_id = m.course_id;

update main.sessions
set session_number = numbered.session_number, course_no = numbered.course_no
from (
    select
        s.session_id,
        attended_number(s.status, coalesce(s.course_id, s.inferred_course_id), s.session_date, s.session_time,
                        s.session_id) as session_number,
        n.course_no
    from main.sessions as s
    join main.course_numbers as n on n.course_id = coalesce(s.course_id, s.inferred_course_id)
    where coalesce(s.course_id, s.inferred_course_id) in (select course_id from main.course_facts_todo)
      and s.session_date >= coalesce($rows_from::date, '-infinity'::date)
) as numbered
where sessions.session_id = numbered.session_id
  and (sessions.session_number is distinct from numbered.session_number
       or sessions.course_no is distinct from numbered.course_no);

delete from main.course_facts_todo;

drop table refresh_prints;
drop table refresh_version;
drop table refresh_whole;
drop table refresh_gone;
drop table refresh_scope;
drop table if exists refresh_scope_days;
drop table refresh_bound;
drop table refresh_out_of_reach;
drop view refresh_session_rows;
drop view refresh_course_rows;

delete from main.course_facts_state;

insert into main.course_facts_state (batch_id, patients_rows, courses_rows, sessions_rows, facts_version)
select
    (select max(batch_id) from main.import_batches),
    (select count(*) from main.patients),
    (select count(*) from main.courses),
    (select count(*) from main.sessions),
    8;
