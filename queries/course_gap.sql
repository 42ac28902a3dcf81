-- course_gap: the gap after which a patient's rows without a course_id start a new course.
-- returns: one row: course_gap_days (integer; 30 when none is stored), changed_at, changed_by (null
--   when never changed)
-- params: none
select
    coalesce(max(course_gap_days), 30) as course_gap_days,
    max(changed_at) as changed_at,
    max(changed_by) as changed_by
from course_grouping;
