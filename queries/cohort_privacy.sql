-- cohort_privacy: how many patients each cohort cell covers, and how many of them a viewing
-- therapist cannot see (from courses they do not treat), for small-cell suppression.
-- returns: key, patients (distinct patients of the cell's courses), other_patients (distinct
--   patients of the cell's courses that $viewer does not treat: neither the course's therapist nor
--   the giver of one of its attended sessions); one row per key (sorted, null last), the same keys
--   as cohort_metrics.sql for the same filters and $group.
-- params: the filter set (see filtered_courses.sql), $group (as in cohort_metrics.sql),
--   $viewer (varchar: the therapist whose own courses are known to the person looking)
-- uses: privacy_rows
-- reads: open_courses (see filtered_courses.sql)
with grouped as (
    select *
    from privacy_rows($group, $viewer, $as_of, $start_from, $start_to, $therapists, $sites, $diagnoses, $age_bands,
                      $sexes, $scope, $relief_rule)
),

final as (
    select
        key,
        count(distinct patient_id) as patients,
        count(distinct patient_id) filter (where other) as other_patients
    from grouped
    group by key
)

select * from final
order by key nulls last;
