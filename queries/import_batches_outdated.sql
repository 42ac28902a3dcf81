-- import_batches_outdated: whether import_batches was created before scores files were imported and
-- sessions recorded in the dashboard were logged (its file_kind check does not allow 'scores' and
-- 'recorded'), so that migrate_import_batches.sql must rebuild it.
-- returns: one row, one column `outdated` (boolean)
select count(*) > 0 as outdated
from duckdb_constraints()
where database_name = current_database()
  and schema_name = 'main'
  and table_name = 'import_batches'
  and constraint_type = 'CHECK'
  and constraint_text like '%file_kind%'
  and (constraint_text not like '%scores%' or constraint_text not like '%recorded%')
