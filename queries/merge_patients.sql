-- merge_patients: compares the staged rows of a patients file with the stored ones. Creates the temp
-- table `merged`: one row per staged patient_id, as it will be stored, plus `change`
-- ('new', 'updated' or 'unchanged'). Returns nothing.
-- params: $keep (varchar[]: optional columns the file lacks; an updated row keeps its stored
--         value there, a new row gets the default), $batch_id (integer)
-- reads: staged (the file's accepted rows, registered by the importer)
-- uses: merge_rules
create or replace temp table merged as
with incoming as (
    select
        staged.patient_id,
        kept_value($keep, 'birth_year', stored.patient_id is not null,
                   stored.birth_year, staged.birth_year) as birth_year,
        kept_value($keep, 'sex', stored.patient_id is not null, stored.sex, staged.sex) as sex,
        kept_value($keep, 'diagnosis', stored.patient_id is not null,
                   stored.diagnosis, staged.diagnosis) as diagnosis,
        kept_value($keep, 'referral_date', stored.patient_id is not null,
                   stored.referral_date, staged.referral_date) as referral_date,
        kept_value($keep, 'doctor_conclusion', stored.patient_id is not null,
                   stored.doctor_conclusion, staged.doctor_conclusion) as doctor_conclusion,
        kept_value($keep, 'imaging', stored.patient_id is not null,
                   stored.imaging, staged.imaging) as imaging,
        kept_value($keep, 'blood_tests', stored.patient_id is not null,
                   stored.blood_tests, staged.blood_tests) as blood_tests,
        kept_value($keep, 'site', stored.patient_id is not null, stored.site, staged.site) as site
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
