-- refresh_looks_at_every_course: whether the next refresh (refresh_course_facts.sql) must look at
-- every course: a null patient (every patient) is noted in refresh_scope, or the stored facts were
-- built by another version of the refresh (another shape: rebuilt whole). Returns one row: whole.
-- params: none
select
    coalesce(max(facts_version), 0) <> 8 or exists (select 1 from refresh_scope where patient_id is null) as whole
from main.course_facts_state;
