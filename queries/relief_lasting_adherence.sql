-- relief_lasting_adherence: sustained improvement of adherent against non-adherent matching courses,
-- adherence judged with the threshold in use ($adherence_pct: adherent when
-- 100 * attended days in the window >= $adherence_pct * days in the window, compared exactly).
-- Courses with an empty adherence window (null adherence) are in neither group.
-- returns two rows, adherent true then false (counts 0 and the rest null when a group is empty):
--   adherent, courses, assessable (courses with a sustained improvement), responders (sustained
--   improvement >= 30 %, DESIGN's responder_30), responder_rate (responders / assessable) with its
--   Wilson 95 % interval ci_low, ci_high (z = 1.959963984540054, no continuity correction, clamped
--   to [0, 1]), median_pct, q1_pct, q3_pct (the sustained improvement's median and quartiles,
--   linear between the two nearest values: the median of an even count is the mean of the middle two).
-- params: the filter set (see filtered_courses.sql), $adherence_pct (integer, 50-100)
-- uses: filtered_courses, wilson
-- reads: open_courses (see filtered_courses.sql)
with judged as (
    select
        100 * window_attended_days >= $adherence_pct * window_days as adherent,
        sustained_improvement_pct,
        responder_30
    from filtered_courses($as_of, $start_from, $start_to, $therapists, $sites, $diagnoses, $age_bands, $sexes, $scope, $relief_rule)
    where window_days > 0
),

groups as (
    select * from (values (true), (false)) as g(adherent)
),

counts as (
    select
        g.adherent,
        count(j.adherent) as courses,
        count(j.sustained_improvement_pct) as assessable,
        count(*) filter (where j.responder_30) as responders,
        quantile_cont(j.sustained_improvement_pct, 0.5) as median_pct,
        quantile_cont(j.sustained_improvement_pct, 0.25) as q1_pct,
        quantile_cont(j.sustained_improvement_pct, 0.75) as q3_pct
    from groups as g
    left join judged as j on j.adherent = g.adherent
    group by g.adherent
),

final as (
    select
        c.adherent,
        c.courses,
        c.assessable,
        c.responders,
        c.responders / nullif(c.assessable, 0) as responder_rate,
        wilson_low(c.responders, c.assessable) as ci_low,
        wilson_high(c.responders, c.assessable) as ci_high,
        c.median_pct,
        c.q1_pct,
        c.q3_pct
    from counts as c
)

select * from final
order by adherent desc;
