-- quality_patient_counts: how many patients pass the filters, and how many of them lack a diagnosis,
-- the paperwork (any of: a doctor's conclusion, imaging, blood tests), and each piece of it. A patient
-- without a patients-file row (seen only in sessions or the courses file) lacks all of them.
-- returns: one row: patients, without_patients_row, no_diagnosis, no_paperwork, no_conclusion,
--   no_imaging, no_blood_tests
-- params: $therapists (varchar[]; a patient seen by one of them), $sites (varchar[]) (see quality_rules.sql)
-- uses: quality_rules
with patients as (
    select *
    from quality_patients($therapists, $sites)
),

final as (
    select
        count(*) as patients,
        count(*) filter (where not in_patients_file) as without_patients_row,
        count(*) filter (where no_diagnosis) as no_diagnosis,
        count(*) filter (where no_paperwork) as no_paperwork,
        count(*) filter (where no_conclusion) as no_conclusion,
        count(*) filter (where no_imaging) as no_imaging,
        count(*) filter (where no_blood_tests) as no_blood_tests
    from patients
)

select * from final;
