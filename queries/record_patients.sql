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
-- While the stored course facts are up to date (every write rebuilds them), everything is read from
-- them and no session row is read but the director's last 31 days (`recent` below): the facts hold
-- each course's rows' dates (attended and other) and when each therapist first gave it an attended
-- session, so the courses with rows after $as_of are cut at it from their lists. Otherwise every
-- row is read, with no window over them: a course's first row is found with arg_min, and a count
-- per patient, so a network's millions of rows are read once, in little memory.
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

from_facts as (
    select course_facts_fresh() as yes
),

-- each course with a row on or before $as_of, of the patients that may be listed: the one asked
-- for, the director's recent ones, or all. A course whose rows all come by $as_of (settled) is as
-- its facts say; one with rows after it is cut at it: its rows up to it from its lists of dates,
-- and whom it is treated by as course_treated_by says (course_facts.sql)
fact_courses as (
    select
        patient_id,
        case when settled then last_row_date
             else greatest(list_max(list_filter(attended, lambda d: d <= $as_of::date)),
                           list_max(list_filter(others, lambda d: d <= $as_of::date)))
        end as last_session_date,
        case when settled then len(attended) + len(others)
             else len(list_filter(attended, lambda d: d <= $as_of::date))
                  + len(list_filter(others, lambda d: d <= $as_of::date))
        end as sessions,
        course_treated_by($scope, $as_of, therapist, session_therapists, therapists_since, first_row_therapist,
                          session_dates, last_row_date) as treated
    from (
        select
            *,
            last_row_date <= $as_of::date as settled,
            coalesce(session_dates, []::date[]) as attended,
            coalesce(other_row_dates, []::date[]) as others
        from main.course_facts
        where (select yes from from_facts)
          and first_row_date <= $as_of::date
          and ($patient_id::varchar is null or patient_id = $patient_id)
          and (not (select yes from recent_enough) or patient_id in (select patient_id from chosen_recent))
    )
),

fact_patients as (
    select patient_id, max(last_session_date) as last_session_date, sum(sessions)::bigint as sessions
    from fact_courses
    group by patient_id
    having $scope::varchar is null or bool_or(treated)
),

-- the director's recent patients with their session rows of any date up to $as_of, counted: from
-- the facts, or from every row while the facts are out of date
recent_counts as (
    select c.patient_id, c.last_session_date, f.sessions
    from chosen_recent as c
    join fact_patients as f on f.patient_id = c.patient_id
    where (select yes from from_facts)
    union all
    select c.patient_id, c.last_session_date, count(*) as sessions
    from chosen_recent as c
    join main.sessions as s on s.patient_id = c.patient_id
    where s.session_date <= $as_of::date
      and not (select yes from from_facts)
    group by c.patient_id, c.last_session_date
),

-- while the facts are out of date (and the director's recent patients are not enough): every row is
-- read, by each of the three steps below for itself: kept in between, a network's rows took 300 MB
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
    select *
    from (
        select *
        from fact_patients
        where not (select yes from recent_enough)
        order by last_session_date desc, patient_id
        limit $most
    )
)
order by patient_id
