-- tables_present: how many of the named tables the database has in its main schema (a database
-- written by an older version lacks the newer ones until a read-write connection adds them).
-- returns: one row, one column `found`
-- params: $tables (varchar[])
select count(*) as found
from duckdb_tables()
where database_name = current_database()
  and schema_name = 'main'
  and list_contains($tables::varchar[], table_name)
