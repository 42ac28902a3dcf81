-- pain_reached_session: a paired before-and-later comparison that attrition cannot bias. Only the
-- courses that reached attended session $session_number and have a pain-before score both at their
-- first attended session and at that one count; each such course gives both means.
-- returns one row: session_number ($session_number), courses (the paired courses: the n behind
--   both means), mean_pain_first (mean pain before session 1), mean_pain_at_session (mean pain
--   before session $session_number), mean_change_points (at session - first, over the same courses;
--   negative = less pain). The means are null when no course qualifies (courses = 0).
-- params: the filter set (see filtered_courses.sql), $session_number (integer, 2 or more: the
--   k-th attended session of a course, as in pain_by_session.sql)
-- uses: filtered_courses
-- reads: open_courses (see filtered_courses.sql)
-- The k-th attended session's pain before is element k of the course's pains_before (course_summary.sql:
-- stored with the course facts, or computed with the open courses, cut at as_of either way; null past
-- the list's end), and its pain before session 1 is a course field (first_session_pain_before): no
-- session row is read.
with paired as (
    select
        first_session_pain_before as pain_first,
        pains_before[$session_number] as pain_at_session
    from filtered_numbered_courses($as_of, $start_from, $start_to, $therapists, $sites, $diagnoses, $age_bands,
                                   $sexes, $scope, $relief_rule)
    where pains_before[$session_number] is not null
      and first_session_pain_before is not null
),

final as (
    select
        $session_number::integer as session_number,
        count(*) as courses,
        avg(pain_first) as mean_pain_first,
        avg(pain_at_session) as mean_pain_at_session,
        avg(pain_at_session - pain_first) as mean_change_points
    from paired
)

select * from final
