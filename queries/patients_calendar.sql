-- patients_calendar: the day-by-day attendance of one filtered course, for a calendar.
-- returns: one row per calendar day from the earlier of the start date and the first session row
--   to the later of the planned last day (start + planned_sessions - 1) and the last session row,
--   in date order: day_date, course_day (1 = start date; 0 or less before it), in_plan (the day lies
--   in the planned daily window), week_start (Monday of its week), weekday (1 = Monday .. 7 = Sunday),
--   attended_sessions, no_show_sessions, cancelled_sessions, day_status:
--   'not_yet' (after $as_of), 'attended' (at least one attended row), 'no_show', 'cancelled'
--   (the day's rows were all no-shows or cancellations; a no-show wins), 'today' (the as-of day
--   without any row: still in progress, not missed), 'no_visit' (a planned day
--   without any row: missed), 'outside_plan' (an unplanned day without any row).
--   No rows when the course does not pass the filters.
-- params: the filter set (see filtered_courses.sql), $course_id (varchar)
-- uses: filtered_sessions
-- reads: open_courses (see filtered_courses.sql)
with course as (
    select course_id, start_date, planned_sessions, start_date + (planned_sessions - 1) as plan_end
    from filtered_courses($as_of, $start_from, $start_to, $therapists, $sites, $diagnoses, $age_bands, $sexes, $scope, $relief_rule)
    where course_id = $course_id
),

visits as (
    select
        session_date,
        count(*) filter (where status = 'attended') as attended_sessions,
        count(*) filter (where status = 'no_show') as no_show_sessions,
        count(*) filter (where status = 'cancelled') as cancelled_sessions
    from filtered_sessions($as_of, $start_from, $start_to, $therapists, $sites, $diagnoses, $age_bands, $sexes, $scope, $relief_rule,
                           course_ids := [$course_id])
    group by session_date
),

span as (
    select
        c.*,
        least(c.start_date, coalesce((select min(session_date) from visits), c.start_date)) as first_day,
        greatest(c.plan_end, coalesce((select max(session_date) from visits), c.plan_end)) as last_day
    from course as c
),

days as (
    select
        s.*,
        unnest(generate_series(s.first_day, s.last_day, interval 1 day))::date as day_date
    from span as s
),

final as (
    select
        d.day_date,
        date_diff('day', d.start_date, d.day_date) + 1 as course_day,
        d.day_date between d.start_date and d.plan_end as in_plan,
        date_trunc('week', d.day_date)::date as week_start,
        isodow(d.day_date) as weekday,
        coalesce(v.attended_sessions, 0) as attended_sessions,
        coalesce(v.no_show_sessions, 0) as no_show_sessions,
        coalesce(v.cancelled_sessions, 0) as cancelled_sessions,
        case
            when d.day_date > $as_of::date then 'not_yet'
            when v.attended_sessions > 0 then 'attended'
            when v.no_show_sessions > 0 then 'no_show'
            when v.cancelled_sessions > 0 then 'cancelled'
            when d.day_date = $as_of::date then 'today'
            when d.day_date between d.start_date and d.plan_end then 'no_visit'
            else 'outside_plan'
        end as day_status
    from days as d
    left join visits as v on v.session_date = d.day_date
)

select * from final
order by day_date;
