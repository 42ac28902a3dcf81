-- course_facts_fresh: whether the stored course facts were built from the data as it is now.
-- returns: one row, one column `fresh` (boolean)
-- params: none
-- uses: course_facts
select course_facts_fresh() as fresh;
