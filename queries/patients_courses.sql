-- patients_courses: the filtered courses with their per-course metrics, for the searchable table:
-- searched, sorted and cut to one page here, so a page never holds more rows than it shows.
-- returns: one row per course of the page, in the chosen order:
--   patient_id, course_id, start_date, status ('ongoing' | 'completed' | 'dropped out'), therapist,
--   diagnosis, site, planned_sessions, sessions_attended, attended_days, adherence, adherent,
--   completed, dropped_out, longest_break_days, first_session_pain_before, first_session_pain_after,
--   first_session_relief, sustained_improvement_pct, last_attended_date
--   (the fields of `courses --json`, plus diagnosis, site, status and the last visit),
--   matched_courses (how many courses match the search, on every row),
--   filtered_courses (how many courses pass the filters before the search, on every row)
-- params: the filter set (see filtered_courses.sql);
--   $search (varchar): kept are courses whose patient_id, course_id or therapist contains it
--   (trimmed, any case, plain text: % and _ are not wildcards); empty or null = every course;
--   $sort: 'recent' (most recently started first), 'patient', 'course', 'therapist' (A to Z),
--   'adherence', 'improvement' (lowest first), 'break' (longest break first), 'last_visit'
--   (longest ago first); unknown values sort as 'recent'. Missing values come last; ties are
--   broken by the most recent start, then course_id;
--   $page_size (integer or null = every matching course), $page_offset (rows to skip).
-- uses: filtered_courses, course_search
-- reads: open_courses (see filtered_courses.sql)
with needle as (
    select lower(trim(coalesce($search, ''))) as text
),

-- both counts in one aggregate over a narrow second read of the filtered courses: a window count
-- over a network's millions of matched courses held every column of each of them, and a count over
-- `matched` below would make DuckDB keep them all in memory too (it materialises a CTE read twice)
counts as (
    select
        count(*) filter (where course_matches(c.patient_id, c.course_id, c.therapist, n.text)) as matched_courses,
        count(*) as filtered_courses
    from filtered_courses($as_of, $start_from, $start_to, $therapists, $sites, $diagnoses, $age_bands, $sexes, $scope,
                          $relief_rule) as c
    cross join needle as n
),

matched as (
    select c.*
    from filtered_courses($as_of, $start_from, $start_to, $therapists, $sites, $diagnoses, $age_bands, $sexes, $scope,
                          $relief_rule) as c
    cross join needle as n
    where course_matches(c.patient_id, c.course_id, c.therapist, n.text)
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
        last_attended_date,
        (select matched_courses from counts) as matched_courses,
        (select filtered_courses from counts) as filtered_courses
    from matched
)

select * from final
order by
    case when $sort = 'patient' then patient_id end nulls last,
    case when $sort = 'course' then course_id end nulls last,
    case when $sort = 'therapist' then therapist end nulls last,
    case when $sort = 'adherence' then adherence end nulls last,
    case when $sort = 'improvement' then sustained_improvement_pct end nulls last,
    case when $sort = 'break' then longest_break_days end desc nulls last,
    case when $sort = 'last_visit' then last_attended_date end nulls last,
    start_date desc,
    course_id
limit $page_size
offset $page_offset;
