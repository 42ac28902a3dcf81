-- staged_rows: the accepted rows of the file being imported, as they will be stored: the temp view
-- `staged` over `checked` that merge_<kind> reads. Returns nothing.
-- params: none
create or replace temp view staged as
select * exclude (line, problem_column, problem_value, problem_reason)
from checked
where problem_reason is null;
