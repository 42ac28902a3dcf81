-- refresh_scope_noted: whether this connection's transaction has noted the patients its write
-- changes (the temp table refresh_scope, see refresh_scope_sessions.sql). Returns one row: noted.
-- params: none
select count(*) > 0 as noted
from duckdb_tables()
where temporary and table_name = 'refresh_scope';
