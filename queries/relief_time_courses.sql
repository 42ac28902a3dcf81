-- relief_time_courses: one row per matching course with what the time-to-relief curve reads (the
-- columns of relief_time_rows.sql), in no particular order. clinic/relief_time.py reads these rows
-- counted by time (relief_time_counts.sql); this is the same read a course at a time.
-- params: the filter set (see filtered_courses.sql), $group ('none' | 'therapist' | 'diagnosis' |
--   'age_band' | 'sex' | 'site' | 'start_month')
-- uses: relief_time_rows
-- reads: open_courses (see filtered_courses.sql)
select *
from relief_time_rows($as_of, $start_from, $start_to, $therapists, $sites, $diagnoses, $age_bands, $sexes, $scope,
                      $relief_rule, $group);
