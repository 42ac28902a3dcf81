-- count_quantile: defines the aggregate macro count_quantile(score, up_to, n, q), used through
-- `-- uses: count_quantile`. Returns nothing itself.
-- Over the rows of one group, each a distinct score with up_to, how many of the group's n values are
-- at or below it (a running count in rising score order; a score counted 0 times may be among them),
-- it is the q-th quantile of the n values as DuckDB's quantile_cont takes it from the values
-- themselves: the values at the 0-based ranks floor and ceil of (n - 1) x q, joined by a straight
-- line. So a percentile of millions of pain scores is read from their counts of each score 0-10.
-- n (at least 1: a group without values is left out by the caller) and q are constant in the group
-- (n a grouped column). A double.
-- For whole-number scores and q a multiple of 1/4 (the quartiles and the median, the only ones the
-- dashboard asks for) every step is exact, so it is the very double quantile_cont gives. For other
-- q it can differ from quantile_cont in the last binary digit (the scores 1 2 2, q = 0.1: 1.2 here,
-- 1.2000000000000002 there): DuckDB joins the two scores as lo x (1 - d) + hi x d with a fused
-- multiply-add, one rounding where SQL's arithmetic makes two.
create or replace temp macro count_quantile(score, up_to, n, q) as
    min(score) filter (where up_to > floor(((n - 1) * q)::double))
    + (((n - 1) * q)::double - floor(((n - 1) * q)::double))
      * (min(score) filter (where up_to > ceil(((n - 1) * q)::double))
         - min(score) filter (where up_to > floor(((n - 1) * q)::double)));
