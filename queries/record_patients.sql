-- record_patients: the patients a user may record sessions for, for the Record session page.
-- returns: patient_id, last_session_date (their latest session row of any status, any therapist,
--          up to $as_of), sessions (those session rows): the $most seen most recently (ties by
--          patient_id), sorted by patient_id; a network's 200,000 patients are never listed whole
-- params: $scope (varchar or null: a therapist's own name; null = the director, every patient),
--         $as_of (date: only session rows dated on or before it count, as on every page; a session
--         booked or given later does not make its course the therapist's yet),
--         $patient_id (varchar or null: only this patient, to check that one is in scope),
--         $most (integer: at most this many rows)
-- A therapist's patients are those of the courses they treat, as on every other page: a course
-- (course_id, else the inferred one) is treated by the therapist of its first attended session, or
-- of its first row when none was attended, and by everyone who gave one of its attended sessions.
-- A course is one patient's: an import or a recorded session that gives it another is refused.
-- (No window over the rows: a course's first row is found with arg_min, and the director's list is a
-- plain count per patient, so a network's millions of rows are read once, in little memory. The
-- director's list usually comes from the last 31 days' rows alone: see `recent` below, and a
-- therapist's from the stored course facts: see `from_facts`.)
-- uses: course_facts
with
-- the director's list (no scope, no one patient asked for): the patients with a session row in the
-- 31 days up to $as_of. When there are $most of them or more, the $most seen most recently are among
-- them (anyone else was last seen earlier), and only those days' blocks of the table are read.
recent as (
    select patient_id, max(session_date) as last_session_date
    from main.sessions
    where session_date <= $as_of::date
      and session_date >= $as_of::date - 30          -- a plain date range: DuckDB reads only its blocks
      and $scope::varchar is null
      and $patient_id::varchar is null
    group by patient_id
),

recent_enough as (
    select count(*) >= $most as yes
    from recent
),

chosen_recent as (
    select *
    from recent
    where (select yes from recent_enough)
    order by last_session_date desc, patient_id
    limit $most
),

-- their session rows of any date up to $as_of, counted
recent_counts as (
    select c.patient_id, c.last_session_date, count(*) as sessions
    from chosen_recent as c
    join main.sessions as s on s.patient_id = c.patient_id
    where s.session_date <= $as_of::date
    group by c.patient_id, c.last_session_date
),

-- a therapist's list while the stored course facts are up to date (they are rebuilt with every
-- write): the courses she treats come from the facts, and then only her patients' rows are read
from_facts as (
    select $scope::varchar is not null and $patient_id::varchar is null and course_facts_fresh() as yes
),

-- the courses all of whose rows are dated on or before $as_of: their facts hold as of it. The
-- facts' therapist is the first attended session's (else the first row's), and every therapist of
-- an attended session is in session_therapists: the rule of `treated` below
facts_mine as (
    select patient_id
    from main.course_facts
    where (select yes from from_facts)
      and last_row_date <= $as_of::date
      and (therapist = $scope or list_contains(session_therapists, $scope))
),

-- the courses with rows on both sides of $as_of (few): worked out from their rows up to it, as below
straddling as (
    select course_no
    from main.course_facts
    where (select yes from from_facts)
      and first_row_date <= $as_of::date
      and last_row_date > $as_of::date
),

straddling_mine as (
    select any_value(patient_id) as patient_id
    from main.sessions
    where session_date <= $as_of::date
      and course_no in (select course_no from straddling)
    group by course_no
    having bool_or(status = 'attended' and therapist = $scope)
        or (count(*) filter (where status = 'attended') = 0
            and arg_min(therapist, (session_date, session_time is not null, session_time, session_id)) = $scope)
),

facts_patients as (
    select patient_id from facts_mine
    union
    select patient_id from straddling_mine
),

facts_counts as (
    select patient_id, max(session_date) as last_session_date, count(*) as sessions
    from main.sessions
    where session_date <= $as_of::date
      and patient_id in (select patient_id from facts_patients)
    group by patient_id
),

-- otherwise (a therapist's list while the facts are out of date, one patient's check, or fewer
-- recent patients) every row is read, by each of the three steps below for itself: kept in between, a network's rows took 300 MB
course_rows as not materialized (
    select
        coalesce(course_id, inferred_course_id) as course_id,
        patient_id,
        therapist,
        status,
        session_date,
        session_time,
        session_id
    from main.sessions
    where session_date <= $as_of
      and ($patient_id::varchar is null or patient_id = $patient_id)
      and not (select yes from recent_enough)
      and not (select yes from from_facts)
),

treated as (
    select course_id
    from course_rows
    where $scope::varchar is not null
    group by course_id
    having bool_or(status = 'attended' and therapist = $scope)
        or (count(*) filter (where status = 'attended') = 0
            -- the first row in course order: date, then time (none first), then session_id
            and arg_min(therapist, (session_date, session_time is not null, session_time, session_id)) = $scope)
),

patients_in_scope as (
    select distinct patient_id
    from course_rows
    where course_id in (select course_id from treated)
),

final as (
    select patient_id, max(session_date) as last_session_date, count(*) as sessions
    from course_rows
    where $scope::varchar is null or patient_id in (select patient_id from patients_in_scope)
    group by patient_id
)

select *
from (
    select * from recent_counts
    union all
    select * from (select * from final order by last_session_date desc nulls last, patient_id limit $most)
    union all
    select * from (select * from facts_counts order by last_session_date desc, patient_id limit $most)
)
order by patient_id
