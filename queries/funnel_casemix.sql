-- funnel_casemix: one row per course that passes the filters, with what the case-mix model reads
-- (the columns of casemix_courses.sql), in no particular order. clinic/casemix.py reads these rows
-- counted by covariate pattern (casemix_patterns.sql); this is the same read a course at a time.
-- params: the filter set (see filtered_courses.sql)
-- uses: casemix_courses
-- reads: open_courses (see filtered_courses.sql)
select *
from casemix_courses($as_of, $start_from, $start_to, $therapists, $sites, $diagnoses, $age_bands, $sexes, $scope,
                     $relief_rule);
