-- cohort_metrics: the cohort block of DESIGN.md for every value of one cohort field, as of $as_of.
-- returns: key, courses, patients, relief_assessable, relieved, relief_rate, ci_low, ci_high,
--   improvement_assessable, median_improvement_pct, responders_30, responders_50,
--   mean_adherence, adherent, completed, dropped_out,
--   mean_improvement_pct (mean sustained improvement over the assessable courses, compensated sum),
--   responder_30_rate (responders_30 / improvement_assessable) with its Wilson 95 % interval
--   responder_ci_low, responder_ci_high (null, like the rate, when no course is assessable);
--   improvement_q1_pct, improvement_q3_pct (the quartiles of sustained improvement, linear
--   interpolation: quantile_cont), rated_courses (courses with an adherence), the Wilson 95 %
--   intervals of the adherent share (adherent / rated_courses: adherent_ci_low, adherent_ci_high)
--   and of the drop-out rate (dropped_out / courses: dropout_ci_low, dropout_ci_high);
--   one row per key (sorted, null last). The columns from mean_improvement_pct on were added after
--   the others, which the command line's JSON reads; it does not read these.
--   With $group = 'overall' every course has the key null, so the one row is the whole cohort.
-- params: the filter set (see filtered_courses.sql), $group ('overall' | 'therapist' | 'diagnosis' |
--   'start_month' | 'age_band' | 'sex' | 'site'; any other value groups nothing under null) and
--   $quartiles (boolean): false leaves improvement_q1_pct and improvement_q3_pct null, for the
--   command line's JSON, which does not read them (their selection is a sixth of the query's time)
-- uses: filtered_courses
-- uses: cohort_key, wilson
-- reads: open_courses (see filtered_courses.sql)
-- Wilson 95 % interval: z = 1.959963984540054, no continuity correction, clamped to [0, 1] (wilson.sql).
-- The median is the middle value, or the mean of the two middle values when their number is even.
with grouped as (
    select
        *,
        cohort_key($group, therapist, diagnosis, age_band, sex, site, start_month) as key
    from filtered_courses($as_of, $start_from, $start_to, $therapists, $sites, $diagnoses, $age_bands, $sexes, $scope, $relief_rule)
),

counts as (
    select
        key,
        count(*) as courses,
        count(distinct patient_id) as patients,
        count(first_session_relief) as relief_assessable,
        count(*) filter (where first_session_relief) as relieved,
        count(sustained_improvement_pct) as improvement_assessable,
        count(*) filter (where responder_30) as responders_30,
        count(*) filter (where responder_50) as responders_50,
        fsum(adherence) / nullif(count(adherence), 0) as mean_adherence,  -- compensated sum; null adherence left out
        count(*) filter (where adherent) as adherent,
        count(adherence) as rated_courses,
        count(*) filter (where completed) as completed,
        count(*) filter (where dropped_out) as dropped_out,
        fsum(sustained_improvement_pct) / nullif(count(sustained_improvement_pct), 0) as mean_improvement_pct
    from grouped
    group by key
),

-- The median: the lower middle value (quantile_disc at 0.5) and the upper middle (the lower middle
-- of the values negated), added and halved as avg() of the two would; with an odd count both are
-- the middle value. (+ 0.0 writes a median of -0.0 as 0.0, as avg() did.) A selection, not a sort.
medians as (
    select
        key,
        (quantile_disc(sustained_improvement_pct, 0.5) - quantile_disc(-sustained_improvement_pct, 0.5)) / 2 + 0.0
            as median_improvement_pct
    from grouped
    where sustained_improvement_pct is not null
    group by key
),

quartiles as (
    select
        key,
        quantile_cont(sustained_improvement_pct, 0.25) as improvement_q1_pct,
        quantile_cont(sustained_improvement_pct, 0.75) as improvement_q3_pct
    from grouped
    where sustained_improvement_pct is not null and $quartiles
    group by key
),

final as (
    select
        c.key,
        c.courses,
        c.patients,
        c.relief_assessable,
        c.relieved,
        c.relieved / nullif(c.relief_assessable, 0) as relief_rate,
        wilson_low(c.relieved, c.relief_assessable) as ci_low,
        wilson_high(c.relieved, c.relief_assessable) as ci_high,
        c.improvement_assessable,
        m.median_improvement_pct,
        c.responders_30,
        c.responders_50,
        c.mean_adherence,
        c.adherent,
        c.completed,
        c.dropped_out,
        c.mean_improvement_pct,
        c.responders_30 / nullif(c.improvement_assessable, 0) as responder_30_rate,
        wilson_low(c.responders_30, c.improvement_assessable) as responder_ci_low,
        wilson_high(c.responders_30, c.improvement_assessable) as responder_ci_high,
        q.improvement_q1_pct,
        q.improvement_q3_pct,
        c.rated_courses,
        wilson_low(c.adherent, c.rated_courses) as adherent_ci_low,
        wilson_high(c.adherent, c.rated_courses) as adherent_ci_high,
        wilson_low(c.dropped_out, c.courses) as dropout_ci_low,
        wilson_high(c.dropped_out, c.courses) as dropout_ci_high
    from counts as c
    left join medians as m on m.key is not distinct from c.key
    left join quartiles as q on q.key is not distinct from c.key
)

select * from final
order by key nulls last;
