-- retire_import_batches: the first step of rebuilding an outdated import_batches (see
-- import_batches_outdated.sql): renames it import_batches_before, so that schema.sql makes the table
-- anew and migrate_import_batches.sql moves the rows across. Returns nothing.
alter table import_batches rename to import_batches_before;
