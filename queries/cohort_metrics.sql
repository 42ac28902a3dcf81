-- cohort_metrics: the cohort block of DESIGN.md for every value of one cohort field, as of $as_of.
-- returns: key, courses, patients, relief_assessable, relieved, relief_rate, ci_low, ci_high,
--   improvement_assessable, median_improvement_pct, responders_30, responders_50,
--   mean_adherence, adherent, completed, dropped_out,
--   mean_improvement_pct (mean sustained improvement over the assessable courses, compensated sum),
--   responder_30_rate (responders_30 / improvement_assessable) with its Wilson 95 % interval
--   responder_ci_low, responder_ci_high (null, like the rate, when no course is assessable);
--   one row per key (sorted, null last). The last four columns were added after the others, which
--   the command line's JSON reads; it does not read these.
--   With $group = 'overall' every course has the key null, so the one row is the whole cohort.
-- params: the filter set (see filtered_courses.sql) and $group ('overall' | 'therapist' | 'diagnosis' |
--   'start_month' | 'age_band' | 'sex' | 'site'; any other value groups nothing under null)
-- uses: filtered_courses
-- uses: cohort_key
-- reads: open_courses (see filtered_courses.sql)
-- Wilson 95 % interval: z = 1.959963984540054, no continuity correction, clamped to [0, 1].
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
        count(*) filter (where completed) as completed,
        count(*) filter (where dropped_out) as dropped_out,
        fsum(sustained_improvement_pct) / nullif(count(sustained_improvement_pct), 0) as mean_improvement_pct
    from grouped
    group by key
),

ranked as (
    select
        key,
        sustained_improvement_pct,
        row_number() over (partition by key order by sustained_improvement_pct) as position,
        count(*) over (partition by key) as n
    from grouped
    where sustained_improvement_pct is not null
),

medians as (
    select key, avg(sustained_improvement_pct) as median_improvement_pct
    from ranked
    where position in ((n + 1) // 2, (n + 2) // 2)
    group by key
),

wilson as (
    select
        key,
        relieved::double / relief_assessable as p,
        relief_assessable::double as n,
        1.959963984540054 as z
    from counts
    where relief_assessable > 0
),

intervals as (
    select
        key,
        p,
        (p + z * z / (2 * n)) / (1 + z * z / n) as centre,
        z * sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n) as half_width
    from wilson
),

responder_wilson as (
    select
        key,
        responders_30::double / improvement_assessable as p,
        improvement_assessable::double as n,
        1.959963984540054 as z
    from counts
    where improvement_assessable > 0
),

responder_intervals as (
    select
        key,
        p,
        (p + z * z / (2 * n)) / (1 + z * z / n) as centre,
        z * sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n) as half_width
    from responder_wilson
),

final as (
    select
        c.key,
        c.courses,
        c.patients,
        c.relief_assessable,
        c.relieved,
        i.p as relief_rate,
        -- greatest/least skip nulls, so only clamp an interval that exists
        case when i.p is not null then greatest(0.0, i.centre - i.half_width) end as ci_low,
        case when i.p is not null then least(1.0, i.centre + i.half_width) end as ci_high,
        c.improvement_assessable,
        m.median_improvement_pct,
        c.responders_30,
        c.responders_50,
        c.mean_adherence,
        c.adherent,
        c.completed,
        c.dropped_out,
        c.mean_improvement_pct,
        r.p as responder_30_rate,
        case when r.p is not null then greatest(0.0, r.centre - r.half_width) end as responder_ci_low,
        case when r.p is not null then least(1.0, r.centre + r.half_width) end as responder_ci_high
    from counts as c
    left join intervals as i on i.key is not distinct from c.key
    left join medians as m on m.key is not distinct from c.key
    left join responder_intervals as r on r.key is not distinct from c.key
)

select * from final
order by key nulls last;
