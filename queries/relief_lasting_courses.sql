-- relief_lasting_courses: per matching course with first-session relief, the pain around its first two
-- attended sessions, to see whether the relief lasts until the next visit (clinic/relief_lasting.py).
-- returns one row per matching course whose first-session relief (the rule in use) is true, sorted by
-- course_id (only what the figures read: a network has hundreds of thousands of courses):
--   first_session_relief (true on every row),
--   pain_before_1 (b1), pain_after_1 (a1): the first attended session's scores,
--   pain_before_2 (b2): pain before the second attended session (null when there is none or it has
--     no score), second_session_date (null when there is no second attended session yet).
-- params: the filter set (see filtered_courses.sql)
-- The second session is found by the course's number (numbered_course_summary.sql) on the stored rows
-- while the course facts are up to date (an integer join over a network's millions of sessions), else
-- by numbering the course's rows afresh.
-- uses: filtered_courses, course_facts, course_rules
-- reads: open_courses (see filtered_courses.sql)
with courses as (
    select course_id, course_no, first_session_relief, first_session_pain_before, first_session_pain_after
    from filtered_numbered_courses($as_of, $start_from, $start_to, $therapists, $sites, $diagnoses, $age_bands,
                                   $sexes, $scope, $relief_rule)
    where first_session_relief
),

trusted as (
    select course_facts_fresh() as yes
),

-- each branch reads the sessions itself, and only for its own courses (none in the other branch)
stored_courses as (
    select *
    from courses
    where (select yes from trusted)
),

live_courses as (
    select *
    from courses
    where not (select yes from trusted)
),

stored_second as (
    select course_no, session_date, pain_before
    from main.sessions
    where status = 'attended'
      and session_number = 2
      and session_date <= $as_of::date
),

live_second as (
    select course_id, session_date, pain_before
    from (
        select
            c.course_id,
            s.status,
            s.session_date,
            s.pain_before,
            attended_number(s.status, c.course_id, s.session_date, s.session_time, s.session_id) as session_number
        from main.sessions as s
        join live_courses as c on c.course_id = coalesce(s.course_id, s.inferred_course_id)
        where s.session_date <= $as_of::date
    )
    where status = 'attended'
      and session_number = 2
),

final as (
    select c.course_id, c.first_session_relief, c.first_session_pain_before, c.first_session_pain_after,
           s.pain_before, s.session_date
    from stored_courses as c
    left join stored_second as s on s.course_no = c.course_no
    union all
    select c.course_id, c.first_session_relief, c.first_session_pain_before, c.first_session_pain_after,
           s.pain_before, s.session_date
    from live_courses as c
    left join live_second as s on s.course_id = c.course_id
)

select
    first_session_relief,
    first_session_pain_before as pain_before_1,
    first_session_pain_after as pain_after_1,
    pain_before as pain_before_2,
    session_date as second_session_date
from final
order by course_id;
