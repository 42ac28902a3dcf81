-- merge_rules: defines the macro the merge_*.sql files share, used through `-- uses: merge_rules`.
-- Returns nothing.
--   kept_value(keep, column_name, known, stored_value, file_value): the value a merged row takes in
--     one column: the stored one when the row is already stored (known) and the file lacks the
--     column (it is in keep, the importer's list of missing optional columns), else the file's.
create or replace temp macro kept_value(keep, column_name, known, stored_value, file_value) as
    case when known and list_contains(keep::varchar[], column_name) then stored_value else file_value end;
