"""The per-course rules that several queries share (queries/course_rules.sql), at their boundaries,
against DESIGN.md's definitions worked out by hand: adherence 0.8 is adherent and 0.79... is not, an
improvement of exactly 30 % or 50 % counts, 7 days without a visit is not a drop-out and 8 is, and an
empty window or an unassessable improvement is null, never 0 or false."""
from __future__ import annotations

import duckdb
import pytest

from clinic import db


@pytest.fixture(scope="module")
def con():
    con = duckdb.connect()
    con.execute(db.sql_text("course_rules"))
    yield con
    con.close()


@pytest.mark.parametrize(("attended", "days", "adherence", "adherent"), [
    (4, 5, 0.8, True),              # exactly 0.8: 5 x 4 = 20 >= 4 x 5 = 20
    (32, 40, 0.8, True),
    (31, 39, 31 / 39, False),       # 0.7949: 155 < 156
    (3, 4, 0.75, False),
    (10, 10, 1.0, True),
    (0, 3, 0.0, False),             # a window without a visit is 0, not null
    (0, 0, None, None),             # an empty window (starts on the as-of day, no visit yet)
])
def test_adherence_is_the_share_of_window_days_attended_and_adherent_from_four_in_five(
        con, attended, days, adherence, adherent):
    got = con.execute("select window_adherence($a, $d), window_adherent($a, $d)",
                      {"a": attended, "d": days}).fetchone()
    assert got == (pytest.approx(adherence) if adherence is not None else None, adherent)


@pytest.mark.parametrize(("completed", "days_since", "dropped_out", "ongoing"), [
    (False, 7, False, True),        # 7 days without a visit: still ongoing
    (False, 8, True, False),        # more than 7 days (8 or more): dropped out
    (False, 0, False, True),
    (True, 8, False, False),        # a completed course is neither, however long ago
    (True, 0, False, False),
])
def test_a_course_not_completed_drops_out_after_more_than_seven_days_and_a_completed_one_is_neither(
        con, completed, days_since, dropped_out, ongoing):
    got = con.execute("select course_dropped_out($c, $d), course_ongoing($c, $d)",
                      {"c": completed, "d": days_since}).fetchone()
    assert got == (dropped_out, ongoing)


@pytest.mark.parametrize(("baseline", "last", "pct", "at_30", "at_50"), [
    (10, 7, 30.0, True, False),     # exactly 30 %: 10 x 3 = 30 >= 3 x 10
    (10, 5, 50.0, True, True),      # exactly 50 %
    (7, 5, 200 / 7, False, False),  # 28.6 %: 10 x 2 = 20 < 21
    (3, 2, 100 / 3, True, False),   # 33.3 %: 2 x 1 = 2 < 3
    (2, 1, 50.0, True, True),
    (4, 6, -50.0, False, False),    # worse: negative
    (1, 1, 0.0, False, False),      # a baseline of 1 is assessable
    (0, 0, None, None, None),       # a baseline under 1 is not
    (6, None, None, None, None),    # no later score
])
def test_sustained_improvement_is_the_drop_from_baseline_and_responders_are_compared_exactly(
        con, baseline, last, pct, at_30, at_50):
    got = con.execute("select sustained_pct($b, $l), improved_30($b, $l), improved_50($b, $l)",
                      {"b": baseline, "l": last}).fetchone()
    assert got == (pytest.approx(pct) if pct is not None else None, at_30, at_50)
