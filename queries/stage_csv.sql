-- stage_csv: reads a CSV file that passed the import's limits with DuckDB's CSV reader, every field
-- as text (nothing is guessed), into the temp table `raw_rows`. Returns nothing.
-- params: $path, $delimiter (',' or ';'), $columns (a map of one name per header field, in order,
--         to 'VARCHAR': the kind's columns by name, every other field named '_<position>'),
--         $max_line_size (bytes of the longest record)
-- reads: record_info (line, fields, data, plain: one row per record the reader returns, in file order;
--        from clinic.csv_scan, which numbers physical lines as the contract does)
-- A record with too few fields is padded with nulls and one with too many is cut to the header's
-- width (record_info has its true count); the reader is serial, so rows come in file order and
-- the positional join gives each its line.
create or replace temp table raw_rows as
select columns(lambda c: not starts_with(c, '_'))
from (
    select *, true as read_ok
    from read_csv(
        $path, header = false, auto_detect = false, all_varchar = true, columns = $columns,
        delim = $delimiter, quote = '"', escape = '"', null_padding = true, strict_mode = false,
        parallel = false, max_line_size = $max_line_size, encoding = 'utf-8'
    )
) positional join record_info;
