-- adherence_dropout_after: when patients drop out, counted by the attended sessions before it.
-- returns: one row per count of attended sessions from 0 up to the largest among dropped-out
--   courses (gaps filled with 0), sorted: sessions_attended, courses (dropped-out courses that had
--   that many attended sessions), share (of all dropped-out courses, 0-1). No rows when no course
--   dropped out.
-- params: the filter set (see filtered_courses.sql)
-- uses: filtered_courses
-- reads: open_courses (see filtered_courses.sql)
with dropped as (
    select sessions_attended
    from filtered_courses($as_of, $start_from, $start_to, $therapists, $sites, $diagnoses, $age_bands, $sexes, $scope, $relief_rule)
    where dropped_out
),

steps as (
    select unnest(range(0, max(sessions_attended) + 1)) as sessions_attended
    from dropped
),

counts as (
    select sessions_attended, count(*) as courses
    from dropped
    group by sessions_attended
),

total as (
    select count(*) as courses
    from dropped
),

final as (
    select
        s.sessions_attended,
        coalesce(c.courses, 0) as courses,
        coalesce(c.courses, 0) / t.courses as share
    from steps as s
    left join counts as c on c.sessions_attended = s.sessions_attended
    cross join total as t
)

select * from final
order by sessions_attended;
