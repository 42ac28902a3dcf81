-- relief_first_change: the distribution of the change in pain at each matching course's first
-- attended session (pain_after - pain_before, whole points from -10 to +10; negative = less pain).
-- returns one row per (pain_change_points, outcome) that occurs, sorted by both:
--   pain_change_points, outcome ('relieved' | 'not_relieved' under the rule in use, or
--   'not_assessable' when pain before was 0), courses.
--   Courses without both first-session scores (or with no attended session) have no change and
--   are not listed: relief_assessability.sql counts them.
-- params: the filter set (see filtered_courses.sql); with $relief_rule, the rule `open_courses` was built with
-- uses: filtered_courses
-- reads: open_courses (see filtered_courses.sql)
with changes as (
    select
        first_session_pain_after - first_session_pain_before as pain_change_points,
        case
            when first_session_relief then 'relieved'
            when not first_session_relief then 'not_relieved'
            else 'not_assessable'
        end as outcome
    from filtered_courses($as_of, $start_from, $start_to, $therapists, $sites, $diagnoses, $age_bands, $sexes, $scope, $relief_rule)
    where first_session_pain_before is not null
      and first_session_pain_after is not null
),

final as (
    select pain_change_points, outcome, count(*) as courses
    from changes
    group by pain_change_points, outcome
)

select * from final
order by pain_change_points, outcome;
