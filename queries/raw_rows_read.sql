-- raw_rows_read: how many records the CSV reader returned next to how many the pre-scan found, so
-- the importer can tell that every row has its own line.
-- returns: records (rows of raw_rows), read (rows the reader returned), scanned (rows of record_info)
-- params: none (reads the temp table raw_rows made by stage_csv)
select count(*) as records, count(read_ok) as read, count(line) as scanned
from raw_rows;
