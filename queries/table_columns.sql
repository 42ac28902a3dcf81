-- table_columns: the columns of one table of the schema, in order, with their types: the shape each
-- view of a Parquet dataset must have (clinic/dataset.py).
-- returns: column_name, data_type
-- params: $table_name
select column_name, data_type
from duckdb_columns()
where database_name = current_database()
  and schema_name = 'main'
  and table_name = $table_name
order by column_index
