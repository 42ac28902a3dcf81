-- funnel_units: the counts behind a funnel plot, one row per unit (therapist or site) of the courses
-- that pass the filters.
-- returns: key (the course's therapist or its patient's site; null when unknown), courses (counted
--   courses), patients (distinct patients), relief_assessable (courses whose first-session relief
--   can be judged), relieved (of them, relieved under $relief_rule), improvement_assessable (courses
--   with a sustained improvement), responders_30 (of them, improved by 30 % or more);
--   sorted by key, null last.
-- params: the filter set (see filtered_courses.sql), $by ('therapist' | 'site')
-- uses: filtered_courses
-- uses: cohort_key
-- reads: open_courses (see filtered_courses.sql)
with grouped as (
    select
        cohort_key($by, therapist, diagnosis, age_band, sex, site, start_month) as key,
        patient_id,
        first_session_relief,
        sustained_improvement_pct,
        responder_30
    from filtered_courses($as_of, $start_from, $start_to, $therapists, $sites, $diagnoses, $age_bands, $sexes, $scope, $relief_rule)
),

final as (
    select
        key,
        count(*) as courses,
        count(distinct patient_id) as patients,
        count(first_session_relief) as relief_assessable,
        count(*) filter (where first_session_relief) as relieved,
        count(sustained_improvement_pct) as improvement_assessable,
        count(*) filter (where sustained_improvement_pct is not null and responder_30) as responders_30
    from grouped
    group by key
)

select * from final
order by key nulls last;
