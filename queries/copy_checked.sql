-- copy_checked: the rows of an XLSX file, judged cell by cell by the importer, as the temp table
-- `checked` that check_<kind> makes of a CSV file. Returns nothing.
-- params: none
-- reads: xlsx_rows (line, the kind's columns as stored, problem_column, problem_value, problem_reason)
create or replace temp table checked as
select * from xlsx_rows;
