-- pain_by_session: mean pain by session number in the course (1 = a course's first attended
-- session, 2 = its second, ...), for all matching courses or one line per cohort value.
-- returns one row per (key, session_number), sorted by key (null last) then session_number:
--   key (the cohort value under $split; null for every row when $split = 'none', and for courses
--     with no value for the chosen field),
--   session_number,
--   courses_attended (courses of the key with a k-th attended session),
--   courses (those with a pain-before score there: the n behind the mean),
--   mean_pain_before, sd_pain_before (NRS 0-10),
--   ci_low, ci_high (mean ± 1.959963984540054·sd/√n; null where n < 2),
--   paired_sessions (k-th sessions with both scores), mean_before_paired, mean_after_paired,
--     mean_change_paired (after - before, points; all three over the paired sessions only),
--   starting_courses (courses_attended at session 1: the courses of the key that started),
--   min_courses (the fewest scored courses a shown point needs: 5; without a split, when fewer than 5
--     courses are scored at session 1, that many (at least 1)),
--   shown (true up to the first session number where fewer than min_courses, or fewer than 5 % of
--     the starting courses (20 · courses < starting_courses), have a score; false from there on),
--   last_session_shown (the last session number with shown = true; null when none is).
-- params: the filter set (see filtered_courses.sql), $split ('none' | 'therapist' | 'diagnosis' |
--   'age_band' | 'sex' | 'site' | 'start_month'; the therapist of a split is the course's therapist)
-- The k-th attended session's scores are element k of each filtered course's pains_before and
-- pains_after (course_summary.sql, stored with the course facts): a network's 24 million attended
-- rows are unnested from the courses' lists instead of being read and joined to their courses.
-- uses: filtered_courses
-- uses: cohort_key
-- reads: open_courses (see filtered_courses.sql)
with courses as (
    select
        cohort_key($split, therapist, diagnosis, age_band, sex, site, start_month) as key,
        pains_before,
        pains_after
    from filtered_numbered_courses($as_of, $start_from, $start_to, $therapists, $sites, $diagnoses, $age_bands,
                                   $sexes, $scope, $relief_rule)
    where len(pains_before) > 0
),

attended as (
    select
        key,
        unnest(range(1, len(pains_before) + 1))::integer as session_number,
        unnest(pains_before) as pain_before,
        unnest(pains_after) as pain_after
    from courses
),

cells as (
    -- every attended session falls in one cell of (key, number, score before, score after): the
    -- aggregates below are exact sums over a few thousand cells, not over millions of rows
    select key, session_number, pain_before, pain_after, count(*) as n
    from attended
    group by all
),

by_session as (
    select
        key,
        session_number,
        sum(n)::bigint as courses_attended,     -- a course has one attended row of each number
        coalesce(sum(n) filter (where pain_before is not null), 0)::bigint as courses,
        sum(n * pain_before) / sum(n) filter (where pain_before is not null) as mean_pain_before,
        -- the sample deviation from exact integer sums: sqrt((n·Σx² − (Σx)²) / (n·(n − 1)))
        case when sum(n) filter (where pain_before is not null) >= 2 then
            sqrt((sum(n) filter (where pain_before is not null) * sum(n * pain_before * pain_before)
                  - sum(n * pain_before) * sum(n * pain_before))::double
                 / (sum(n) filter (where pain_before is not null)
                    * (sum(n) filter (where pain_before is not null) - 1))::double)
        end as sd_pain_before,
        coalesce(sum(n) filter (where pain_before is not null and pain_after is not null), 0)::bigint
            as paired_sessions,
        sum(n * pain_before) filter (where pain_after is not null)
            / sum(n) filter (where pain_before is not null and pain_after is not null) as mean_before_paired,
        sum(n * pain_after) filter (where pain_before is not null)
            / sum(n) filter (where pain_before is not null and pain_after is not null) as mean_after_paired,
        sum(n * (pain_after - pain_before))
            / sum(n) filter (where pain_before is not null and pain_after is not null) as mean_change_paired
    from cells
    group by key, session_number
),

starts as (
    select
        key,
        courses_attended as starting_courses,
        case when $split = 'none' then greatest(1, least(5, courses)) else 5 end as min_courses
    from by_session
    where session_number = 1
),

checked as (
    select
        b.*,
        s.starting_courses,
        s.min_courses,
        s.starting_courses is null
            or b.courses < s.min_courses
            or 20 * b.courses < s.starting_courses as too_few
    from by_session as b
    left join starts as s on s.key is not distinct from b.key
),

cuts as (
    select key, min(session_number) filter (where too_few) as first_cut
    from checked
    group by key
),

final as (
    select
        c.key,
        c.session_number,
        c.courses_attended,
        c.courses,
        c.mean_pain_before,
        c.sd_pain_before,
        case when c.courses >= 2
             then c.mean_pain_before - 1.959963984540054 * c.sd_pain_before / sqrt(c.courses) end as ci_low,
        case when c.courses >= 2
             then c.mean_pain_before + 1.959963984540054 * c.sd_pain_before / sqrt(c.courses) end as ci_high,
        c.paired_sessions,
        c.mean_before_paired,
        c.mean_after_paired,
        c.mean_change_paired,
        c.starting_courses,
        c.min_courses,
        u.first_cut is null or c.session_number < u.first_cut as shown,
        case
            when u.first_cut is null then max(c.session_number) over (partition by c.key)
            when u.first_cut > 1 then u.first_cut - 1
        end as last_session_shown
    from checked as c
    join cuts as u on u.key is not distinct from c.key
)

select * from final
order by key nulls last, session_number;
