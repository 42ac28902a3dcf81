-- relief_lasting_courses: per matching course with first-session relief, the pain around its first two
-- attended sessions, to see whether the relief lasts until the next visit (clinic/relief_lasting.py).
-- returns one row per matching course whose first-session relief (the rule in use) is true, sorted by
-- course_id (only what the figures read: a network has hundreds of thousands of courses):
--   first_session_relief (true on every row),
--   pain_before_1 (b1), pain_after_1 (a1): the first attended session's scores,
--   pain_before_2 (b2): pain before the second attended session (null when there is none or it has
--     no score), second_session_date (null when there is no second attended session yet).
-- params: the filter set (see filtered_courses.sql)
-- uses: filtered_courses, filtered_sessions
-- reads: open_courses (see filtered_courses.sql)
with courses as (
    select course_id, first_session_relief, first_session_pain_before, first_session_pain_after
    from filtered_courses($as_of, $start_from, $start_to, $therapists, $sites, $diagnoses, $age_bands, $sexes, $scope, $relief_rule)
    where first_session_relief
),

second_sessions as (
    select course_id, session_date, pain_before
    from filtered_sessions($as_of, $start_from, $start_to, $therapists, $sites, $diagnoses, $age_bands, $sexes, $scope, $relief_rule)
    where status = 'attended'
      and session_number = 2
)

select
    c.first_session_relief,
    c.first_session_pain_before as pain_before_1,
    c.first_session_pain_after as pain_after_1,
    s.pain_before as pain_before_2,
    s.session_date as second_session_date
from courses as c
left join second_sessions as s on s.course_id = c.course_id
order by c.course_id;
