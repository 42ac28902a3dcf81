-- demo_insert_patients: writes generated demo patients, turning numeric codes into stored text.
-- Returns nothing. reads: demo_patients (a frame of codes registered by clinic.demo)
-- params: $patient_width, $sexes, $diagnoses, $imaging, $sites (varchar[] vocabularies),
--         $end_date (date; day offsets count from it), $batch_id
insert into patients (patient_id, birth_year, sex, diagnosis, referral_date, doctor_conclusion,
                      imaging, blood_tests, site, batch_id)
select
    'P' || lpad(cast(patient_no as varchar), $patient_width, '0'),
    birth_year,
    list_extract($sexes, sex + 1),
    list_extract($diagnoses, diagnosis + 1),
    case when referral_day is not null then cast($end_date as date) + cast(referral_day as integer) end,
    cast(nullif(doctor_conclusion, -1) as boolean),
    list_extract($imaging, imaging + 1),
    cast(nullif(blood_tests, -1) as boolean),
    list_extract($sites, site + 1),
    $batch_id
from demo_patients;
