-- log_batch: records one imported file in the batch log. Returns nothing.
-- params: $batch_id, $file_name, $file_kind, $sha256, $rows_read, $rows_new, $rows_updated,
--         $rows_unchanged, $rows_rejected, $imported_at (timestamp, local time)
insert into import_batches (
    batch_id, file_name, file_kind, sha256, rows_read, rows_new, rows_updated, rows_unchanged,
    rows_rejected, imported_at
)
values (
    $batch_id, $file_name, $file_kind, $sha256, $rows_read, $rows_new, $rows_updated, $rows_unchanged,
    $rows_rejected, $imported_at
);
