-- log_rejects: keeps a file's rejected rows in the database. Returns nothing.
-- params: $batch_id, $file_name
-- reads: new_rejects (line, column_name, value, reason; registered by the importer)
insert into rejects (batch_id, file_name, line, column_name, value, reason)
select $batch_id, $file_name, line, column_name, value, reason
from new_rejects;
