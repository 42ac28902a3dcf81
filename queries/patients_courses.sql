-- patients_courses: the filtered courses with their per-course metrics, for the searchable table.
-- returns: one row per course, most recently started first (then course_id):
--   patient_id, course_id, start_date, status ('ongoing' | 'completed' | 'dropped out'), therapist,
--   diagnosis, site, planned_sessions, sessions_attended, attended_days, adherence, adherent,
--   completed, dropped_out, longest_break_days, first_session_pain_before, first_session_pain_after,
--   first_session_relief, sustained_improvement_pct, last_attended_date
--   (the fields of `courses --json`, plus diagnosis, site, status and the last visit)
-- params: the filter set (see filtered_courses.sql);
--   $search (varchar): kept are courses whose patient_id, course_id or therapist contains it
--   (trimmed, any case, plain text: % and _ are not wildcards); empty or null = every course.
-- uses: filtered_courses
-- reads: all_courses
with courses as (
    select *
    from filtered_courses($as_of, $start_from, $start_to, $therapists, $sites, $diagnoses, $age_bands, $sexes, $scope)
),

needle as (
    select lower(trim(coalesce($search, ''))) as text
),

matched as (
    select c.*
    from courses as c
    cross join needle as n
    where n.text = ''
       or contains(lower(c.patient_id), n.text)
       or contains(lower(c.course_id), n.text)
       or contains(lower(coalesce(c.therapist, '')), n.text)
),

final as (
    select
        patient_id,
        course_id,
        start_date,
        case
            when completed then 'completed'
            when dropped_out then 'dropped out'
            else 'ongoing'
        end as status,
        therapist,
        diagnosis,
        site,
        planned_sessions,
        sessions_attended,
        attended_days,
        adherence,
        adherent,
        completed,
        dropped_out,
        longest_break_days,
        first_session_pain_before,
        first_session_pain_after,
        first_session_relief,
        sustained_improvement_pct,
        last_attended_date
    from matched
)

select * from final
order by start_date desc, course_id;
