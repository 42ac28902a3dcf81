-- migrate_import_batches: rebuilds import_batches with the file_kind check of schema.sql (which now
-- allows 'scores' and 'recorded'), keeping every row. Returns nothing. Run in one transaction by clinic/db.py when
-- import_batches_outdated.sql says so.
alter table import_batches rename to import_batches_before_scores;

create table import_batches (
    batch_id        integer primary key,
    file_name       varchar not null,
    file_kind       varchar not null check (file_kind in ('sessions', 'patients', 'courses', 'scores', 'recorded')),
    sha256          varchar not null,
    rows_read       integer not null,
    rows_new        integer not null,
    rows_updated    integer not null,
    rows_unchanged  integer not null,
    rows_rejected   integer not null,
    imported_at     timestamp not null,
    check (rows_new + rows_updated + rows_unchanged + rows_rejected = rows_read)
);

insert into import_batches
select batch_id, file_name, file_kind, sha256, rows_read, rows_new, rows_updated, rows_unchanged,
       rows_rejected, imported_at
from import_batches_before_scores;

drop table import_batches_before_scores;
