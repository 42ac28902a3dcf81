-- schema_objects: the columns of the database's tables and its sequences, to tell whether schema.sql
-- has anything to add (it only makes what is missing: tables, columns added to them, a sequence).
-- returns: kind ('column' or 'sequence'), name (the table or the sequence), part (the column; '' for
-- a sequence)
select 'column' as kind, table_name as name, column_name as part
from duckdb_columns()
where database_name = current_database()
  and schema_name = 'main'
union all
select 'sequence' as kind, sequence_name as name, '' as part
from duckdb_sequences()
where database_name = current_database()
  and schema_name = 'main'
