-- overview_attention: what needs the clinic's attention now, among the filtered courses that are
-- current (a visit, or the start with no visit yet, within the last $recent_days days), one row per
-- (course, reason). Reasons:
--   'not_seen'             dropped out (not completed, and the last visit, or the start with no
--                          visit, more than the drop-out gap of clinic_settings ago, 8 days by
--                          default) up to $recent_days days ago: a call may still bring the patient back;
--   'no_conclusion'        started without a doctor's conclusion on file (false or unknown);
--   'acute_inflammation'   an attended session was recorded during acute inflammation;
--   'numbness'             numbness was reported at a session (a red flag to check and refer).
-- returns: reason, course_id, patient_id, therapist, start_date, last_attended_date,
--   days_since_last_visit, sessions_attended, planned_sessions, flagged_sessions, last_flagged_date,
--   ongoing, all_time (how many filtered courses have this reason, current or not),
--   current_courses (how many current courses have it: the whole list's length); sorted by reason,
--   then the most urgent first (the shortest absence; the latest flag; the latest start), each
--   reason's list cut to its first $list_rows rows (a network's lists hold tens of thousands)
-- params: the filter set (see filtered_courses.sql), $recent_days (integer), $list_rows (integer, or
--   null for every row)
-- uses: filtered_courses
-- reads: open_courses (see filtered_courses.sql)
with courses as (
    select
        course_id, patient_id, therapist, start_date, last_attended_date, days_since_last_visit,
        sessions_attended, planned_sessions, ongoing, dropped_out, doctor_conclusion,
        acute_sessions, last_acute_date, numbness_sessions, last_numbness_date
    from filtered_courses($as_of, $start_from, $start_to, $therapists, $sites, $diagnoses, $age_bands, $sexes, $scope, $relief_rule)
),

-- how many filtered courses have each reason, current or not (counted here, on the courses, rather
-- than over a network's million or so (course, reason) rows)
totals as (
    select
        count(*) filter (where dropped_out) as not_seen,
        count(*) filter (where doctor_conclusion is distinct from true) as no_conclusion,
        count(*) filter (where acute_sessions > 0) as acute_inflammation,
        count(*) filter (where numbness_sessions > 0) as numbness
    from courses
),

current as (
    select *
    from courses
    where days_since_last_visit <= $recent_days
),

reasons as (
    select 'not_seen' as reason, c.*, null::bigint as flagged_sessions, null::date as last_flagged_date
    from current as c
    where c.dropped_out

    union all

    select 'no_conclusion', c.*, null, null
    from current as c
    where c.doctor_conclusion is distinct from true

    union all

    select 'acute_inflammation', c.*, c.acute_sessions, c.last_acute_date
    from current as c
    where c.acute_sessions > 0

    union all

    select 'numbness', c.*, c.numbness_sessions, c.last_numbness_date
    from current as c
    where c.numbness_sessions > 0
),

ranked as (
    select
        *,
        row_number() over (
            partition by reason
            order by
                case when reason = 'not_seen' then days_since_last_visit end,
                last_flagged_date desc nulls last,
                start_date desc,
                course_id
        ) as list_rank,
        count(*) over (partition by reason) as current_courses
    from reasons
),

final as (
    select
        r.reason, r.course_id, r.patient_id, r.therapist, r.start_date, r.last_attended_date,
        r.days_since_last_visit, r.sessions_attended, r.planned_sessions, r.flagged_sessions,
        r.last_flagged_date, r.ongoing,
        case r.reason
            when 'not_seen' then t.not_seen
            when 'no_conclusion' then t.no_conclusion
            when 'acute_inflammation' then t.acute_inflammation
            else t.numbness
        end as all_time,
        r.current_courses
    from ranked as r
    cross join totals as t
    where $list_rows::integer is null or r.list_rank <= $list_rows::integer
)

select * from final
order by
    reason,
    case when reason = 'not_seen' then days_since_last_visit end,
    last_flagged_date desc nulls last,
    start_date desc,
    course_id;
