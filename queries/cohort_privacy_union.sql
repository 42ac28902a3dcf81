-- cohort_privacy_union: how many patients several cohort cells cover together (a patient in two of
-- them counts once), and how many of those a viewing therapist cannot see: what subtracting the
-- shown cells from a shown total would reveal.
-- returns: one row: patients, other_patients (see cohort_privacy.sql)
-- params: the filter set (see filtered_courses.sql), $group (as in cohort_metrics.sql),
--   $viewer (varchar), $keys (varchar[]: the cells' keys), $include_unknown (boolean: also the
--   cell of courses whose key is null)
-- uses: privacy_rows
-- reads: open_courses (see filtered_courses.sql)
with grouped as (
    select *
    from privacy_rows($group, $viewer, $as_of, $start_from, $start_to, $therapists, $sites, $diagnoses, $age_bands,
                      $sexes, $scope, $relief_rule)
),

chosen as (
    select *
    from grouped
    where list_contains($keys::varchar[], key) or ($include_unknown and key is null)
),

final as (
    select
        count(distinct patient_id) as patients,
        count(distinct patient_id) filter (where other) as other_patients
    from chosen
)

select * from final;
