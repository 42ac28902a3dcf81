-- prune_rejects: keeps the rejected rows of the most recent files that had rejects, drops older ones.
-- Returns nothing. params: $keep_batches (how many files' rejects to keep; the newest batch is kept)
delete from rejects
where batch_id not in (
    select batch_id
    from (select distinct batch_id from rejects)
    order by batch_id desc
    limit $keep_batches
);
