-- migrate_import_batches: moves the rows of an import_batches table created before scores files and
-- recorded sessions (renamed import_batches_before by clinic/db.py, which then made import_batches
-- anew from schema.sql, whose file_kind check allows 'scores' and 'recorded') into the new table,
-- every row kept. Returns nothing. Runs in one transaction, when import_batches_outdated.sql says so.
insert into import_batches
select batch_id, file_name, file_kind, sha256, rows_read, rows_new, rows_updated, rows_unchanged,
       rows_rejected, imported_at
from import_batches_before;

drop table import_batches_before;
