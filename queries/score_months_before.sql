-- score_months_before: the first day of $as_of's month while the stored course facts are trusted
-- (course_facts.sql): the expected paths (trajectory_quartiles.sql) then take the completed courses'
-- scores of the months before it from course_score_months. Null when the facts are out of date:
-- every course's scores are unnested. (With a planned-sessions setting other than the facts' 10 the
-- caller passes null itself: the stored facts settle nothing then.)
-- returns: one row, one column `counted_before` (date or null)
-- params: $as_of (date)
-- uses: course_facts
select case when course_facts_fresh() then date_trunc('month', $as_of::date)::date end as counted_before;
