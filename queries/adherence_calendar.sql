-- adherence_calendar: a day-by-day calendar of the most recent courses of one cohort.
-- returns: one row per (shown course, day of its course 1 .. planned_sessions), sorted by
--   course_rank (1 = most recently started), then course_day:
--   course_rank, course_id, patient_id, therapist, start_date, planned_sessions, adherence,
--   course_status ('ongoing' | 'completed' | 'dropped out'), cohort_courses (courses in the chosen
--   cohort before the limit), course_day, day_date, attended_sessions (attended rows that day),
--   day_status: 'not_yet' (after $as_of), 'attended' (at least one attended row), 'no_show',
--   'cancelled' (the day's rows were all no-shows or cancellations; a no-show wins), 'today' (the
--   as-of day without any row: still in progress, not missed), 'no_visit'.
-- params: the filter set (see filtered_courses.sql);
--   $split ('all' | 'therapist' | 'diagnosis' | 'site' | 'age_band' | 'sex' | 'start_month'):
--     the cohort field; $cohort_value (varchar or null): its value (null = unknown);
--     with $split = 'all' every filtered course is in the cohort;
--   $status ('all' | 'ongoing' | 'completed' | 'dropped_out'): only courses of that status;
--   $whole_plan_only (boolean): only courses whose planned days have all passed by $as_of, so each
--     row shows the whole course: their adherence window is the whole plan (window_days =
--     planned_sessions). The as-of day is still in progress: a course whose last planned day it is
--     counts only once it has a visit that day (as the adherence window says: DESIGN.md);
--   $limit (integer): how many of the most recently started courses to show.
-- uses: filtered_sessions
-- uses: cohort_key
-- reads: open_courses (see filtered_courses.sql)
with courses as (
    select
        *,
        cohort_key($split, therapist, diagnosis, age_band, sex, site, start_month) as cohort_key,
        case
            when completed then 'completed'
            when dropped_out then 'dropped out'
            else 'ongoing'
        end as course_status
    from filtered_courses($as_of, $start_from, $start_to, $therapists, $sites, $diagnoses, $age_bands, $sexes, $scope, $relief_rule)
),

cohort as (
    select *
    from courses
    where ($split = 'all' or cohort_key is not distinct from $cohort_value)
      and (
          $status = 'all'
          or ($status = 'ongoing' and ongoing)
          or ($status = 'completed' and completed)
          or ($status = 'dropped_out' and dropped_out)
      )
      and (not $whole_plan_only or window_days = planned_sessions)
),

-- the most recently started courses, ranked, found without sorting the whole cohort (a network's
-- millions of courses), and the cohort's size counted apart
cohort_size as (
    select count(*) as cohort_courses
    from cohort
),

latest as (
    select *
    from cohort
    order by start_date desc, course_id desc
    limit greatest($limit, 0)
),

shown as (
    select
        l.*,
        row_number() over (order by l.start_date desc, l.course_id desc) as course_rank,
        n.cohort_courses
    from latest as l
    cross join cohort_size as n
),

days as (
    select
        *,
        unnest(range(1, planned_sessions + 1)) as course_day
    from shown
),

visits as (
    select
        course_id,
        session_date,
        count(*) filter (where status = 'attended') as attended_sessions,
        count(*) filter (where status = 'no_show') as no_shows,
        count(*) filter (where status = 'cancelled') as cancellations
    from filtered_sessions($as_of, $start_from, $start_to, $therapists, $sites, $diagnoses, $age_bands, $sexes, $scope, $relief_rule,
                           course_ids := (select list(course_id) from shown))
    group by course_id, session_date
),

final as (
    select
        d.course_rank,
        d.course_id,
        d.patient_id,
        d.therapist,
        d.start_date,
        d.planned_sessions,
        d.adherence,
        d.course_status,
        d.cohort_courses,
        d.course_day,
        d.start_date + (d.course_day - 1)::integer as day_date,
        coalesce(v.attended_sessions, 0) as attended_sessions,
        case
            when d.start_date + (d.course_day - 1)::integer > $as_of::date then 'not_yet'
            when v.attended_sessions > 0 then 'attended'
            when v.no_shows > 0 then 'no_show'
            when v.cancellations > 0 then 'cancelled'
            when d.start_date + (d.course_day - 1)::integer = $as_of::date then 'today'
            else 'no_visit'
        end as day_status
    from days as d
    left join visits as v
        on v.course_id = d.course_id
       and v.session_date = d.start_date + (d.course_day - 1)::integer
)

select * from final
order by course_rank, course_day;
