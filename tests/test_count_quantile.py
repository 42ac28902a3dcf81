"""count_quantile (queries/count_quantile.sql): a percentile read from how many times each score occurs,
which must be the very number DuckDB's quantile_cont gives over the scores themselves."""
from __future__ import annotations

import math

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clinic import db
from soak import examples

COUNTED = """
    with ranked as (
        select score, sum(times) over (order by score) as up_to, sum(times) over () as n
        from counts
    )
    select count_quantile(score, up_to, n, $q) from ranked group by n
"""


@pytest.fixture(scope="module")
def con():
    con = duckdb.connect()
    con.execute(db.sql_text("count_quantile"))
    yield con
    con.close()


def quantile_from_counts(con, counts: dict[int, int], q: float) -> float:
    con.execute("create or replace temp table counts (score integer, times bigint)")
    con.executemany("insert into counts values (?, ?)", list(counts.items()))
    return con.execute(COUNTED, {"q": q}).fetchone()[0]


@pytest.mark.parametrize("q, expected", [
    (0.25, 2.0),     # rank 0.75 of 2 2 5 7: between 2 and 2
    (0.5, 3.5),      # rank 1.5: half way from 2 to 5
    (0.75, 5.5),     # rank 2.25: a quarter of the way from 5 to 7
    (0.0, 2.0),
    (1.0, 7.0),
])
def test_the_quartiles_of_two_twos_a_five_and_a_seven_come_from_their_counts(con, q, expected):
    # score 3 occurs 0 times (a course left out of its own group): a decoy that must not be a rank
    assert quantile_from_counts(con, {2: 2, 3: 0, 5: 1, 7: 1}, q) == expected


def test_one_score_is_every_quantile_of_itself(con):
    assert [quantile_from_counts(con, {6: 1}, q) for q in (0.25, 0.5, 0.75)] == [6.0, 6.0, 6.0]


COUNTS = st.dictionaries(st.integers(0, 10), st.integers(0, 40), min_size=1).filter(lambda c: sum(c.values()))


def duckdbs_quantile_cont(con, counts: dict[int, int], q: float) -> float:
    scores = [score for score, times in counts.items() for _ in range(times)]
    return con.execute("select quantile_cont(s, $q) from unnest($scores::integer[]) as t(s)",
                       {"q": q, "scores": scores}).fetchone()[0]


@settings(max_examples=examples(60), deadline=None)
@given(counts=COUNTS, q=st.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0]))
def test_any_counts_give_exactly_duckdbs_quantile_cont_at_the_quartiles_and_the_median(con, counts, q):
    # the quantiles the dashboard reads from counts (trajectory_*.sql): the very same double
    assert quantile_from_counts(con, counts, q) == duckdbs_quantile_cont(con, counts, q)


@settings(max_examples=examples(60), deadline=None)
@given(counts=COUNTS, q=st.sampled_from([0.05, 0.1, 0.2, 0.3, 0.33, 0.9, 0.95, 0.99]))
def test_at_any_other_quantile_the_counts_miss_duckdbs_quantile_cont_by_at_most_its_last_binary_digit(
        con, counts, q):
    # DuckDB joins the two scores with one rounding (a fused multiply-add), SQL with two
    expected = duckdbs_quantile_cont(con, counts, q)
    assert abs(quantile_from_counts(con, counts, q) - expected) <= math.ulp(expected)


def test_the_scores_one_two_two_at_the_tenth_percentile_are_the_example_of_that_last_digit(con):
    # rank (3 - 1) x 0.1 = 0.2: a fifth of the way from 1 to 2
    assert quantile_from_counts(con, {1: 1, 2: 2}, 0.1) == 1.2
    assert duckdbs_quantile_cont(con, {1: 1, 2: 2}, 0.1) == 1.2000000000000002
