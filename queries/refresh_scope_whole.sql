-- refresh_scope_whole: makes the next refresh (refresh_course_facts.sql) look at every course, for a
-- writer that does not note which patients it changed (the demo, a new course gap, a first build):
-- a null patient in the temp table refresh_scope stands for every patient. Returns nothing.
-- params: none
create temp table if not exists refresh_scope (patient_id varchar);

insert into refresh_scope values (null);
