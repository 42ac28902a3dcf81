-- record_patient_known: whether a patient id is already on record anywhere (a session, a course or
-- a patients row), for the Record session page's rule on new patients.
-- returns: one row, one column `known` (boolean)
-- params: $patient_id (varchar)
select
    exists (select 1 from sessions where patient_id = $patient_id)
    or exists (select 1 from courses where patient_id = $patient_id)
    or exists (select 1 from patients where patient_id = $patient_id) as known
