-- export_table: every row of one of the clinic's tables, for the Parquet export (clinic/dataset.py).
-- returns: the columns of the table
-- params: $table_name (one of the exported table names, from an allow-list in Python)
select * from query_table($table_name)
