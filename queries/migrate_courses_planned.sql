-- migrate_courses_planned: lets courses.planned_sessions be empty (null = not given, so the
-- planned-sessions setting applies), as schema.sql has it now. Every row and value is kept: a 10
-- stored from an empty field before cannot be told from a written 10 and stays 10. Returns nothing.
-- Runs in one transaction, when courses_planned_outdated.sql says so.
alter table courses alter column planned_sessions drop not null;

alter table courses alter column planned_sessions drop default;
