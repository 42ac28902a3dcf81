-- merge_counts: how many staged rows are new, updated and unchanged.
-- returns: change, rows (one row per change label present)
-- params: none (reads the temp table `merged` made by merge_<kind>)
select change, count(*) as rows
from merged
group by change;
