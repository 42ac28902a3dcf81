-- refresh_course_facts: the first half of bringing course_facts (and course_pain_periods, course_months,
-- course_score_months) up to date with every stored row: finds the courses to recompute (course_facts_todo)
-- and the courses gone (refresh_gone), and numbers new course ids (course_numbers); refresh_changed_courses.sql
-- then recomputes them. Returns nothing. Runs inside the writer's transaction, after its rows and its
-- import_batches entry are written, so the facts and the data change together.
-- Only the courses whose source changed are recomputed: each course's source_print is a hash of every
-- stored value its facts are made of (its session rows, its courses.csv row, its patient's row), so a
-- day's import into a network's database recomputes that day's courses, not all of them. And only the
-- courses of the patients the writer noted in the temp table refresh_scope (refresh_scope_sessions.sql
-- and its kin; a null patient = every patient) are looked at: their prints alone are worked out. All
-- are looked at when the facts were built by another version of this refresh. The caller (clinic/facts.py)
-- makes sure refresh_scope exists and chooses the rows the prints are made of: the temp views
-- refresh_session_rows and refresh_course_rows, and the one-row table refresh_whole (whole: true
-- when every course is looked at), by refresh_rows_scoped.sql or refresh_rows_whole.sql. It leaves
-- the temp tables refresh_version, refresh_prints (course_id, first_row_date: the course's earliest
-- row, source_print), refresh_gone and refresh_score_courses for the second half. When the rows
-- chosen are bounded by a day (refresh_bound), the courses out of reach (refresh_out_of_reach) are
-- neither printed nor gone.
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
        min(session_date) as first_row_date,
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
        s.first_row_date,
        s.rows_print,
        hash(c.patient_id, c.start_date, c.planned_sessions) as course_print
    from refresh_course_rows as c
    full outer join session_prints as s on s.course_id = c.course_id
),

final as (
    select
        l.course_id,
        l.first_row_date,
        hash(l.session_rows, l.rows_print, l.course_print,
             hash(p.patient_id, p.birth_year, p.sex, p.diagnosis, p.referral_date, p.doctor_conclusion, p.imaging,
                  p.blood_tests, p.site)) as source_print
    from listed as l
    left join main.patients as p on p.patient_id = l.patient_id
    -- when the refresh is bounded by a day (refresh_rows_scoped.sql), the courses that can change alone:
    -- a course out of reach had only its rows from that day on read, if any
    where l.course_id not in (select course_id from refresh_out_of_reach)
)

select * from final;

update main.course_facts
set source_print = null
where (select built from refresh_version) <> 8;

-- the courses gone since the facts were built (their rows moved to other courses): among the courses
-- of the patients looked at, those with no print now; when every course is looked at, also any
-- course that only the stored sums per period or month still name
-- (two selects, not one filter with an `or`, so that the patients' courses are found by a semi-join)
create or replace temp table refresh_gone as
select course_id
from main.course_facts
where patient_id in (select patient_id from refresh_scope)
  and course_id not in (select course_id from refresh_out_of_reach)
  and course_id not in (select course_id from refresh_prints)
union
select course_id
from main.course_facts
where (select whole from refresh_whole) and course_id not in (select course_id from refresh_prints)
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

-- every course id not numbered yet gets the next numbers (the numbered ones among the printed found
-- first, by a semi-join on the few printed: a network's numbers are then not hashed for a write's
-- few courses, as `not in` and `not exists` over course_numbers did)
insert into main.course_numbers
with numbered as (
    select course_id from main.course_numbers where course_id in (select course_id from refresh_prints)
)

select
    r.course_id,
    (select coalesce(max(course_no), 0) from main.course_numbers) + row_number() over (order by r.course_id)
from refresh_prints as r
where r.course_id is not null
  and r.course_id not in (select course_id from numbered);

delete from main.course_facts_todo;

insert into main.course_facts_todo
select r.course_id
from refresh_prints as r
left join main.course_facts as f on f.course_id = r.course_id
where f.source_print is distinct from r.source_print;
