-- drop_staging: removes the temp tables and views one file's import staged. Returns nothing.
-- params: none
drop view if exists staged;
drop table if exists checked;
drop table if exists raw_rows;
drop table if exists merged;
