-- log_rejects: keeps a file's rejected rows in the database. Returns nothing.
-- params: $batch_id, $file_name
-- reads: checked (the file's rows, problem_* set on the refused ones; made by check_<kind>)
insert into rejects (batch_id, file_name, line, column_name, value, reason)
select $batch_id, $file_name, line, problem_column, problem_value, problem_reason
from checked
where problem_reason is not null
order by line;
