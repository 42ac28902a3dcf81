-- courses_planned_outdated: whether courses.planned_sessions is still NOT NULL with a default of 10,
-- as databases before the planned-sessions setting have it (an empty planned_sessions was stored as
-- 10, so the setting could not reach it), so that migrate_courses_planned.sql must run.
-- returns: one row, one column `outdated` (boolean)
select count(*) > 0 as outdated
from duckdb_columns()
where database_name = current_database()
  and schema_name = 'main'
  and table_name = 'courses'
  and column_name = 'planned_sessions'
  and (not is_nullable or column_default is not null)
