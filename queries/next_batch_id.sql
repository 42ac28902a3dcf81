-- next_batch_id: a fresh id for an import batch.
-- returns: batch_id. params: none
select nextval('import_batch_seq')::integer as batch_id;
