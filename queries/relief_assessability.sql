-- relief_assessability: how many matching courses can be judged for first-session relief under the
-- rule in use, and why the others cannot. One row, counts only (0 when nothing matches).
-- returns: courses, assessable, relieved, not_relieved, not_assessable,
--   no_attended_session (no attended session yet, so no first session),
--   missing_score (the first attended session lacks pain before or pain after),
--   zero_pain_before (both scores present, pain before was 0: nothing to relieve).
--   not_assessable = no_attended_session + missing_score + zero_pain_before; each course is counted
--   under the first of these reasons that applies, in that order.
-- params: the filter set (see filtered_courses.sql); with $relief_rule, the rule `open_courses` was built with
-- uses: filtered_courses
-- reads: open_courses (see filtered_courses.sql)
with courses as (
    select
        first_session_date,
        first_session_pain_before,
        first_session_pain_after,
        first_session_relief
    from filtered_courses($as_of, $start_from, $start_to, $therapists, $sites, $diagnoses, $age_bands, $sexes, $scope, $relief_rule)
),

final as (
    select
        count(*) as courses,
        count(first_session_relief) as assessable,
        count(*) filter (where first_session_relief) as relieved,
        count(*) filter (where not first_session_relief) as not_relieved,
        count(*) filter (where first_session_relief is null) as not_assessable,
        count(*) filter (where first_session_date is null) as no_attended_session,
        count(*) filter (
            where first_session_date is not null
              and (first_session_pain_before is null or first_session_pain_after is null)
        ) as missing_score,
        count(*) filter (
            where first_session_pain_before = 0 and first_session_pain_after is not null
        ) as zero_pain_before
    from courses
)

select * from final;
