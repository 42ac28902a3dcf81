-- apply_patients: writes the new and updated rows of the temp table `merged` into patients.
-- Returns nothing. params: none (run after merge_patients, in the same transaction)
-- Updated rows replace the stored ones; new rows are plainly inserted (a key check and no
-- replace: twice as fast for a large first import).
insert or replace into patients (patient_id, birth_year, sex, diagnosis, referral_date, doctor_conclusion, imaging, blood_tests, site, batch_id)
select patient_id, birth_year, sex, diagnosis, referral_date, doctor_conclusion, imaging, blood_tests, site, batch_id
from merged
where change = 'updated';

insert into patients (patient_id, birth_year, sex, diagnosis, referral_date, doctor_conclusion, imaging, blood_tests, site, batch_id)
select patient_id, birth_year, sex, diagnosis, referral_date, doctor_conclusion, imaging, blood_tests, site, batch_id
from merged
where change = 'new';
