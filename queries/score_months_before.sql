-- score_months_before: the month before which the expected paths take the completed courses' scores
-- from the stored counts (score_counted_before, trajectory_quartiles.sql): the first day of $as_of's
-- month, or null while the facts are out of date or with a planned-sessions setting other than 10.
-- Read first, so that expected_paths.sql is given it as a value.
-- returns: one row, one column `counted_before` (date or null)
-- params: $as_of (date)
-- uses: trajectory_quartiles
-- reads: open_courses, clinic_settings (see filtered_courses.sql)
select score_counted_before($as_of) as counted_before;
