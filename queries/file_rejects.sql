-- file_rejects: the refused rows of the file being imported, in line order.
-- returns: line, column_name, value, reason
-- params: none (reads the temp table `checked`)
select line, problem_column as column_name, problem_value as value, problem_reason as reason
from checked
where problem_reason is not null
order by line;
