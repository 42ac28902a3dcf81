-- merge_patients: compares the staged rows of a patients file with the stored ones. Creates the temp
-- table `merged`: one row per staged patient_id, as it will be stored, plus `change`
-- ('new', 'updated' or 'unchanged'). Returns nothing.
-- params: $keep (varchar[]: optional columns the file lacks; an updated row keeps its stored
--         value there, a new row gets the default), $batch_id (integer)
-- reads: staged (the file's accepted rows, registered by the importer)
create or replace temp table merged as
with incoming as (
    select
        staged.patient_id,
        case when stored.patient_id is not null and list_contains($keep::varchar[], 'birth_year') then stored.birth_year
             else staged.birth_year end as birth_year,
        case when stored.patient_id is not null and list_contains($keep::varchar[], 'sex') then stored.sex
             else staged.sex end as sex,
        case when stored.patient_id is not null and list_contains($keep::varchar[], 'diagnosis') then stored.diagnosis
             else staged.diagnosis end as diagnosis,
        case when stored.patient_id is not null and list_contains($keep::varchar[], 'referral_date') then stored.referral_date
             else staged.referral_date end as referral_date,
        case when stored.patient_id is not null and list_contains($keep::varchar[], 'doctor_conclusion') then stored.doctor_conclusion
             else staged.doctor_conclusion end as doctor_conclusion,
        case when stored.patient_id is not null and list_contains($keep::varchar[], 'imaging') then stored.imaging
             else staged.imaging end as imaging,
        case when stored.patient_id is not null and list_contains($keep::varchar[], 'blood_tests') then stored.blood_tests
             else staged.blood_tests end as blood_tests,
        case when stored.patient_id is not null and list_contains($keep::varchar[], 'site') then stored.site
             else staged.site end as site
    from staged
    left join patients as stored on stored.patient_id = staged.patient_id
),

final as (
    select
        incoming.*,
        $batch_id::integer as batch_id,
        case
            when stored.patient_id is null then 'new'
            when incoming.birth_year is not distinct from stored.birth_year
                 and incoming.sex is not distinct from stored.sex
                 and incoming.diagnosis is not distinct from stored.diagnosis
                 and incoming.referral_date is not distinct from stored.referral_date
                 and incoming.doctor_conclusion is not distinct from stored.doctor_conclusion
                 and incoming.imaging is not distinct from stored.imaging
                 and incoming.blood_tests is not distinct from stored.blood_tests
                 and incoming.site is not distinct from stored.site then 'unchanged'
            else 'updated'
        end as change
    from incoming
    left join patients as stored on stored.patient_id = incoming.patient_id
)

select * from final;
