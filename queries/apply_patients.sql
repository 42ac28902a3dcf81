-- apply_patients: writes the new and updated rows of the temp table `merged` into patients.
-- Returns nothing. params: none (run after merge_patients, in the same transaction)
insert or replace into patients (patient_id, birth_year, sex, diagnosis, referral_date, doctor_conclusion, imaging, blood_tests, site, batch_id)
select patient_id, birth_year, sex, diagnosis, referral_date, doctor_conclusion, imaging, blood_tests, site, batch_id
from merged
where change <> 'unchanged';
