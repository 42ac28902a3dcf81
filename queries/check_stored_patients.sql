-- check_stored_patients: a patients file needs no check against the stored data. Creates the temp
-- table `judged`, a copy of `checked`, so every kind of file is staged alike. Returns nothing.
-- params: none
-- reads: checked
create or replace temp table judged as
select * from checked;
