-- relief_time_courses: per matching course, what the time-to-relief curve needs (clinic/relief_time.py).
-- Relief at attended session k: pain after session k meets the relief rule in use against b0, the
-- pain before the course's first attended session (first_session_relief(b0, pain after k, rule):
-- integers compared exactly). An attended session without a pain-after score cannot show relief;
-- the course goes on to its next session.
-- returns one row per matching course, sorted by key (null last), course_id:
--   course_id, patient_id, key (the course's value of the cohort field $group; null for every
--     course when $group = 'none'),
--   start_date, first_session_date, last_attended_date, sessions_attended (as of $as_of),
--   first_session_pain_before (b0), first_session_pain_after, first_session_relief,
--   curve_status ('counted'; 'no_attended_session'; 'not_assessable' when first-session relief
--     cannot be judged: b0 or the first pain after missing, or b0 = 0),
--   relief_session (the first attended session number with relief; null when none so far),
--   relief_date (its date),
--   day_zero (the course start date, or the first attended date when that came earlier),
--   relief_days (relief_date - day_zero, days), followed_days (last_attended_date - day_zero, days),
--   sessions_without_after (attended sessions with no pain-after score).
-- params: the filter set (see filtered_courses.sql), $group ('none' | 'therapist' | 'diagnosis' |
--   'age_band' | 'sex' | 'site' | 'start_month')
-- uses: filtered_courses, filtered_sessions, course_rules, cohort_key
-- reads: open_courses (see filtered_courses.sql)
with courses as (
    select
        course_id,
        patient_id,
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

reliefs as (
    select
        course_id,
        min(session_number) filter (
            where first_session_relief(first_session_pain_before, pain_after, $relief_rule)
        ) as relief_session,
        arg_min(session_date, session_number) filter (
            where first_session_relief(first_session_pain_before, pain_after, $relief_rule)
        ) as relief_date,
        count(*) filter (where pain_after is null) as sessions_without_after
    from attended
    group by course_id
),

final as (
    select
        c.course_id,
        c.patient_id,
        c.key,
        c.start_date,
        c.first_session_date,
        c.last_attended_date,
        c.sessions_attended,
        c.first_session_pain_before,
        c.first_session_pain_after,
        c.first_session_relief,
        case
            when c.sessions_attended = 0 then 'no_attended_session'
            when c.first_session_relief is null then 'not_assessable'
            else 'counted'
        end as curve_status,
        r.relief_session,
        r.relief_date,
        least(c.start_date, c.first_session_date) as day_zero,
        date_diff('day', least(c.start_date, c.first_session_date), r.relief_date) as relief_days,
        date_diff('day', least(c.start_date, c.first_session_date), c.last_attended_date) as followed_days,
        coalesce(r.sessions_without_after, 0) as sessions_without_after
    from courses as c
    left join reliefs as r on r.course_id = c.course_id
)

select * from final
order by key nulls last, course_id;
