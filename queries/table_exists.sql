-- table_exists: whether the database has a table of this name in its main schema (a database from
-- before that table was added has not, and a read-only connection cannot add it).
-- returns: one row, one column `found` (boolean)
-- params: $table_name
select count(*) > 0 as found
from duckdb_tables()
where database_name = current_database()
  and schema_name = 'main'
  and table_name = $table_name
