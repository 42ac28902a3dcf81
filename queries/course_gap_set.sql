-- course_gap_set: stores the gap after which rows without a course_id start a new course. Returns nothing.
-- params: $course_gap_days (integer 7-365), $changed_at (timestamp), $changed_by (varchar or null)
insert or replace into course_grouping (id, course_gap_days, changed_at, changed_by)
values (1, $course_gap_days, $changed_at, $changed_by);
