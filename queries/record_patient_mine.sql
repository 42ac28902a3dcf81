-- record_patient_mine: whether a therapist treats a patient as of a date, from the stored course
-- facts: the one-patient check of the Record session page's rule (record_patients.sql), which a
-- session recorded by a therapist passes before it is written. Read only while the facts are up to
-- date (clinic.recording.in_scope checks); otherwise record_patients reads the patient's rows.
-- returns: one row, one column `mine` (boolean)
-- params: $scope (varchar: the therapist), $as_of (date), $patient_id (varchar)
-- uses: course_facts
select coalesce(bool_or(course_treated_by($scope, $as_of, therapist, session_therapists, therapists_since,
                                          first_row_therapist, session_dates, last_row_date)), false) as mine
from main.course_facts
where patient_id = $patient_id
  and first_row_date <= $as_of::date
