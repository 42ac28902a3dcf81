-- overview_call_list: the patients to call today, among the filtered courses: not completed, not
-- dropped out (more than the drop-out gap without a visit, 7 days by default), and the last attended visit
-- (or the start, with no visit yet) $min_days or more days before the as-of date; so with
-- $min_days = 2: a course whose last visit was 2 to 7 days ago by default (no visit yesterday, and a call may
-- keep the course going). A course last seen yesterday (1 day) is not listed: today's visit may
-- still come. One row per course, most days since the last visit first.
-- returns: course_id, patient_id, therapist, start_date, last_attended_date (null with no visit),
--   days_since_last_visit (as-of date minus the last attended date, or minus the start date with no
--   visit; 2 = no visit yesterday), sessions_attended (attended rows), attended_days (distinct dates),
--   planned_sessions, sessions_left (planned_sessions - attended_days, never below 0: the course is
--   daily, one session a day); sorted by days_since_last_visit descending, then patient_id, course_id
-- params: the filter set (see filtered_courses.sql), $min_days (integer, 2 on the Overview)
-- uses: filtered_courses
-- reads: open_courses (see filtered_courses.sql)
with courses as (
    select *
    from filtered_courses($as_of, $start_from, $start_to, $therapists, $sites, $diagnoses, $age_bands, $sexes, $scope, $relief_rule)
),

to_call as (
    select *
    from courses
    where not completed
      and not dropped_out
      and days_since_last_visit >= $min_days
),

final as (
    select
        course_id,
        patient_id,
        therapist,
        start_date,
        last_attended_date,
        days_since_last_visit,
        sessions_attended,
        attended_days,
        planned_sessions,
        greatest(planned_sessions - attended_days, 0) as sessions_left
    from to_call
)

select * from final
order by days_since_last_visit desc, patient_id, course_id;
