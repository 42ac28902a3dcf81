-- refresh_course_facts: brings course_facts (and course_pain_periods, course_months, course_score_months) up to date with
-- every stored row, renumbers the session_number (and sets the course_no) of the rows of the courses that changed, numbers
-- new course ids (course_numbers), and records what the facts were built from
-- (course_facts_state). Returns nothing. Runs inside the writer's transaction, after its rows and its
-- import_batches entry are written, so the facts and the data change together.
-- Only the courses whose source changed are recomputed: each course's source_print is a hash of every
-- stored value its facts are made of (its session rows, its courses.csv row, its patient's row), so a
-- day's import into a network's database recomputes that day's courses, not all of them. And only the
-- courses of the patients the writer noted in the temp table refresh_scope (refresh_scope_sessions.sql
-- and its kin; a null patient = every patient) are looked at: their prints alone are worked out. All
-- are looked at when the facts were built by another version of this refresh. The caller (clinic/facts.py)
-- makes sure refresh_scope exists and chooses the rows the prints are made of: the temp views
-- refresh_session_rows and refresh_course_rows, and the one-row table refresh_whole (whole: true
-- when every course is looked at), by refresh_rows_scoped.sql or refresh_rows_whole.sql.
-- params: none
-- uses: course_summary, session_month_counts

-- facts built by another version of this refresh (another shape) are rebuilt whole, and so are the
-- score counts (course_score_months)
create or replace temp table refresh_version as
select coalesce(max(facts_version), 0) as built from main.course_facts_state;

create or replace temp table refresh_prints as
with session_prints as (
    select
        coalesce(course_id, inferred_course_id) as course_id,
        min(patient_id) as patient_id,
        count(*) as session_rows,
        bit_xor(hash(session_id, patient_id, session_date, session_time, therapist, status, pain_before,
                     pain_after, numbness, acute_inflammation)) as rows_print
    from refresh_session_rows
    group by 1
),

listed as (
    select
        coalesce(c.course_id, s.course_id) as course_id,
        coalesce(c.patient_id, s.patient_id) as patient_id,
        s.session_rows,
        s.rows_print,
        hash(c.patient_id, c.start_date, c.planned_sessions) as course_print
    from refresh_course_rows as c
    full outer join session_prints as s on s.course_id = c.course_id
),

final as (
    select
        l.course_id,
        hash(l.session_rows, l.rows_print, l.course_print,
             hash(p.patient_id, p.birth_year, p.sex, p.diagnosis, p.referral_date, p.doctor_conclusion, p.imaging,
                  p.blood_tests, p.site)) as source_print
    from listed as l
    left join main.patients as p on p.patient_id = l.patient_id
)

select * from final;

update main.course_facts
set source_print = null
where (select built from refresh_version) <> 8;

-- the courses gone since the facts were built (their rows moved to other courses): among the courses
-- of the patients looked at, those with no print now; when every course is looked at, also any
-- course that only the stored sums per period or month still name
create or replace temp table refresh_gone as
select course_id
from main.course_facts
where ((select whole from refresh_whole) or patient_id in (select patient_id from refresh_scope))
  and course_id not in (select course_id from refresh_prints)
union
select course_id
from main.course_pain_periods
where (select whole from refresh_whole) and course_id not in (select course_id from refresh_prints)
union
select course_id
from main.course_months
where (select whole from refresh_whole) and course_id not in (select course_id from refresh_prints);

-- the completed courses' score counts of course_score_months, by the month from which each course
-- is settled, over the stored facts of the courses listed in the table refresh_score_courses
create or replace temp table refresh_score_courses (course_id varchar);

create or replace temp macro refresh_score_counts() as table (
    select month, diagnosis, baseline_band, session_number, pain_before, count(*) as courses
    from (
        select
            date_trunc('month', course_settled_from(last_row_date, start_date))::date as month,
            diagnosis,
            pain_band(first_session_pain_before) as baseline_band,
            unnest(range(1, len(pains_before) + 1))::integer as session_number,
            unnest(pains_before) as pain_before
        from main.course_facts
        where completed and diagnosis is not null and pain_band(first_session_pain_before) is not null
          and course_id in (select course_id from refresh_score_courses)
    )
    where pain_before is not null
    group by all
);

-- every course id not numbered yet gets the next numbers
insert into main.course_numbers
select
    r.course_id,
    (select coalesce(max(course_no), 0) from main.course_numbers) + row_number() over (order by r.course_id)
from refresh_prints as r
where r.course_id not in (select course_id from main.course_numbers);

delete from main.course_facts_todo;

insert into main.course_facts_todo
select r.course_id
from refresh_prints as r
left join main.course_facts as f on f.course_id = r.course_id
where f.source_print is distinct from r.source_print;

-- the score counts lose the courses about to be recomputed or dropped (nothing when they are rebuilt
-- whole: after a refresh of another version)
insert into refresh_score_courses
select course_id
from main.course_facts
where (select built from refresh_version) = 8
  and (course_id in (select course_id from main.course_facts_todo)
       or course_id in (select course_id from refresh_gone));

create or replace temp table refresh_score_changes as
select month, diagnosis, baseline_band, session_number, pain_before, -courses as courses
from refresh_score_counts();

delete from main.course_facts
where course_id in (select course_id from main.course_facts_todo)
   or course_id in (select course_id from refresh_gone);

-- what cuts the facts at an earlier date (see schema.sql), over the rows of the changed courses
create or replace temp table refresh_cut_lists as
with course_rows as (
    select
        coalesce(course_id, inferred_course_id) as course_id,
        therapist, status, session_date, session_time, session_id, numbness, acute_inflammation
    from main.sessions
    where coalesce(course_id, inferred_course_id) in (select course_id from main.course_facts_todo)
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
from course_summary(date '9999-12-31', 'pct30', 'changed', null) as s
join refresh_prints as r on r.course_id = s.course_id
join main.course_numbers as n on n.course_id = s.course_id
left join refresh_cut_lists as l on l.course_id = s.course_id;

drop table refresh_cut_lists;

-- ... and gain them as recomputed (every course when rebuilt whole)
delete from refresh_score_courses;

insert into refresh_score_courses
select course_id
from main.course_facts
where (select built from refresh_version) <> 8
   or course_id in (select course_id from main.course_facts_todo);

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
where course_id in (select course_id from main.course_facts_todo)
   or course_id in (select course_id from refresh_gone);

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
    group by all
) as p
join main.course_numbers as n on n.course_id = p.course_id;

delete from main.course_months
where course_id in (select course_id from main.course_facts_todo)
   or course_id in (select course_id from refresh_gone);

insert into main.course_months by name
select m.*, n.course_no
from session_month_counts(date '9999-12-31', '-infinity', true, true) as m
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
