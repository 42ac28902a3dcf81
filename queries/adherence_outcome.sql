-- adherence_outcome: pain outcome of adherent and non-adherent courses, side by side.
-- returns: two rows, adherent (true first, then false), each with: courses (all filtered courses of
--   the group), assessable (those with a sustained improvement figure), and over the assessable ones:
--   p05_pct, q1_pct, median_pct, q3_pct, p95_pct of sustained_improvement_pct (the 5th, 25th, 50th,
--   75th and 95th percentiles, interpolated between neighbouring values: with n values in order, the
--   p-th percentile sits at position 1 + (n - 1) * p; so the median is the mean of the two middle
--   values when their number is even),
--   responders_30 (improved by 30 % or more) and responder_share (responders_30 / assessable);
--   figures over no assessable course are null.
-- params: the filter set (see filtered_courses.sql)
-- uses: filtered_courses
-- reads: open_courses (see filtered_courses.sql)
with courses as (
    select adherent, sustained_improvement_pct, responder_30
    from filtered_courses($as_of, $start_from, $start_to, $therapists, $sites, $diagnoses, $age_bands, $sexes, $scope, $relief_rule)
),

groups as (
    select unnest([true, false]) as adherent
),

stats as (
    select
        adherent,
        count(*) as courses,
        count(sustained_improvement_pct) as assessable,
        quantile_cont(sustained_improvement_pct, 0.05) as p05_pct,
        quantile_cont(sustained_improvement_pct, 0.25) as q1_pct,
        quantile_cont(sustained_improvement_pct, 0.5) as median_pct,
        quantile_cont(sustained_improvement_pct, 0.75) as q3_pct,
        quantile_cont(sustained_improvement_pct, 0.95) as p95_pct,
        count(*) filter (where responder_30) as responders_30
    from courses
    group by adherent
),

final as (
    select
        g.adherent,
        coalesce(s.courses, 0) as courses,
        coalesce(s.assessable, 0) as assessable,
        s.p05_pct,
        s.q1_pct,
        s.median_pct,
        s.q3_pct,
        s.p95_pct,
        coalesce(s.responders_30, 0) as responders_30,
        s.responders_30 / nullif(s.assessable, 0) as responder_share
    from groups as g
    left join stats as s on s.adherent = g.adherent
)

select * from final
order by adherent desc;
