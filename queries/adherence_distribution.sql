-- adherence_distribution: how many filtered courses fall in each 10 % band of adherence.
-- returns: one row per band, always all ten, in order: bin_low_pct (0, 10, ... 90), bin_high_pct
--   (10, 20, ... 100), courses, share (of the filtered courses whose adherence is known, 0-1; null
--   with none), adherent
--   (the whole band lies at or above the adherence threshold of clinic_settings, 80 % by default). A band holds low <= adherence < high; 100 % falls
--   in the 90-100 band. Bands are found on integers: floor(10 * attended window days / window days).
--   A course with an empty window (it starts on the as-of day, no visit yet) has no adherence and
--   is in no band.
-- params: the filter set (see filtered_courses.sql)
-- uses: filtered_courses
-- reads: open_courses (see filtered_courses.sql)
with courses as (
    select window_attended_days, window_days
    from filtered_courses($as_of, $start_from, $start_to, $therapists, $sites, $diagnoses, $age_bands, $sexes, $scope, $relief_rule)
    where window_days > 0
),

binned as (
    select least(9, (10 * window_attended_days) // window_days) as bin
    from courses
),

bins as (
    select range as bin
    from range(0, 10)
),

counts as (
    select bin, count(*) as courses
    from binned
    group by bin
),

total as (
    select count(*) as courses
    from courses
),

final as (
    select
        b.bin * 10 as bin_low_pct,
        b.bin * 10 + 10 as bin_high_pct,
        coalesce(c.courses, 0) as courses,
        coalesce(c.courses, 0) / nullif(t.courses, 0) as share,
        b.bin * 10 >= s.adherence_pct as adherent
    from bins as b
    left join counts as c on c.bin = b.bin
    cross join total as t
    cross join clinic_settings as s
)

select * from final
order by bin_low_pct;
