-- relief_time_courses: per matching course, what the time-to-relief curve needs (clinic/relief_time.py).
-- Relief at attended session k: pain after session k meets the relief rule in use against b0, the
-- pain before the course's first attended session (first_session_relief(b0, pain after k, rule):
-- integers compared exactly). An attended session without a pain-after score cannot show relief;
-- the course goes on to its next session.
-- returns one row per matching course, sorted by key (null last), course_id, with only what the curve
-- reads (a network has hundreds of thousands of courses; no ids or dates are sent back):
--   key (the course's value of the cohort field $group; null for every course when $group = 'none'),
--   curve_status ('counted'; 'no_attended_session'; 'not_assessable' when first-session relief
--     cannot be judged: b0 or the first pain after missing, or b0 = 0),
--   sessions_attended (as of $as_of),
--   relief_session (the first attended session number with relief; null when none so far),
--   relief_days (the relief session's date - day_zero, days; day_zero = the course start date, or the
--     first attended date when that came earlier), followed_days (last attended date - day_zero, days).
-- params: the filter set (see filtered_courses.sql), $group ('none' | 'therapist' | 'diagnosis' |
--   'age_band' | 'sex' | 'site' | 'start_month')
-- uses: filtered_courses, filtered_sessions, course_rules, cohort_key
-- reads: open_courses (see filtered_courses.sql)
with courses as (
    select
        course_id,
        cohort_key($group, therapist, diagnosis, age_band, sex, site, start_month) as key,
        start_date,
        first_session_date,
        last_attended_date,
        sessions_attended,
        first_session_pain_before,
        first_session_pain_after,
        first_session_relief
    from filtered_courses($as_of, $start_from, $start_to, $therapists, $sites, $diagnoses, $age_bands, $sexes, $scope, $relief_rule)
),

attended as (
    select s.course_id, s.session_number, s.session_date, s.pain_after, c.first_session_pain_before
    from filtered_sessions($as_of, $start_from, $start_to, $therapists, $sites, $diagnoses, $age_bands, $sexes, $scope, $relief_rule) as s
    join courses as c on c.course_id = s.course_id
    where s.status = 'attended'
),

-- only the courses with relief so far, from their relieving sessions alone (the others get nulls below)
reliefs as (
    select
        course_id,
        min(session_number) as relief_session,
        arg_min(session_date, session_number) as relief_date
    from attended
    where first_session_relief(first_session_pain_before, pain_after, $relief_rule)
    group by course_id
)

select
    c.key,
    case
        when c.sessions_attended = 0 then 'no_attended_session'
        when c.first_session_relief is null then 'not_assessable'
        else 'counted'
    end as curve_status,
    c.sessions_attended,
    r.relief_session,
    date_diff('day', least(c.start_date, c.first_session_date), r.relief_date) as relief_days,
    date_diff('day', least(c.start_date, c.first_session_date), c.last_attended_date) as followed_days
from courses as c
left join reliefs as r on r.course_id = c.course_id
order by c.key nulls last, c.course_id;
