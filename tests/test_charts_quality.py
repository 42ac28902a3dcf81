"""The Data quality heatmap (clinic/charts/quality.py) draws the grid it is given: share as colour,
count as text, a blank where a therapist gave no attended session that month, names escaped, and
the month still running (today's) named as such."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from clinic.charts.quality import missing_pain_heatmap
from clinic.quality import grid_table

GRID = pd.DataFrame({
    "therapist": ["Birch", "Birch", "<b>Cedar</b>"],
    "month": [dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 2, 1)],
    "attended_sessions": [4, 1, 2],
    "missing_pain_sessions": [1, 0, 2],
    "missing_before": [0, 0, 1],
    "missing_after": [1, 0, 2],
})
AFTER = dt.date(2026, 3, 20)        # a day after the grid's months: none of them is still running


def test_each_cell_is_the_share_of_that_months_attended_sessions_with_the_count_written_in_it():
    [heatmap] = missing_pain_heatmap(GRID, AFTER).data
    assert list(heatmap.x) == ["Jan 2026", "Feb 2026"]
    assert list(heatmap.y) == ["&lt;b&gt;Cedar&lt;/b&gt;", "Birch"]      # sorted as text, escaped
    assert heatmap.z[0][0] is None and heatmap.z[0][1] == pytest.approx(100)   # Cedar: no January sessions
    assert list(heatmap.z[1]) == pytest.approx([25, 0])
    # Birch's February (0 of 1 missing) says 0; Cedar's January (no session) is blank
    assert [list(row) for row in heatmap.text] == [["", "2"], ["1", "0"]]
    assert "1 of 4 attended sessions without both pain scores (25.0 %)" in heatmap.customdata[1][0]


def test_the_title_states_the_total_and_the_axes_their_units():
    fig = missing_pain_heatmap(GRID, AFTER)
    assert "3 of 7 attended sessions (42.9 %)" in fig.layout.title.subtitle.text
    assert fig.layout.title.subtitle.text.endswith("<br>blank = no attended session that month")
    assert fig.layout.xaxis.title.text == "Month of the session"
    assert fig.data[0].colorbar.title.text.startswith("% of attended")


def test_todays_month_is_starred_as_still_running_and_its_hover_says_until_when():
    # On 14 Feb, February is still running: its column reads "Feb 2026*", the subtitle says what the
    # star means, and both its cells' hover text give the day; January (the decoy) is a whole month.
    fig = missing_pain_heatmap(GRID, dt.date(2026, 2, 14))
    [heatmap] = fig.data
    assert list(heatmap.x) == ["Jan 2026", "Feb 2026*"]
    assert heatmap.customdata[1][1].startswith(
        "Therapist Birch, February 2026 (so far, up to 14 Feb: the month is still running)<br>")
    assert heatmap.customdata[0][1].startswith("Therapist &lt;b&gt;Cedar&lt;/b&gt;, February 2026 (so far")
    assert heatmap.customdata[1][0].startswith("Therapist Birch, January 2026<br>")
    assert fig.layout.title.subtitle.text.endswith("; * = this month, still running")


def test_on_the_last_day_of_a_month_that_month_is_still_running_and_the_next_day_it_is_whole():
    # the day's visits may still come (as the adherence window treats the as-of day)
    assert list(missing_pain_heatmap(GRID, dt.date(2026, 2, 28)).data[0].x)[-1] == "Feb 2026*"
    fig = missing_pain_heatmap(GRID, dt.date(2026, 3, 1))
    assert list(fig.data[0].x) == ["Jan 2026", "Feb 2026"]
    assert "*" not in fig.layout.title.subtitle.text


def test_the_table_marks_todays_month_as_not_complete():
    # rows in the grid's order: Birch Jan, Birch Feb, Cedar Feb; on 14 Feb only February runs
    table = grid_table(GRID.assign(missing_share=[0.25, 0.0, 1.0]), dt.date(2026, 2, 14))
    assert list(zip(table.therapist, table.month, table.month_complete)) == [
        ("Birch", "2026-01", True), ("Birch", "2026-02", False), ("<b>Cedar</b>", "2026-02", False)]
    assert list(table.columns)[-1] == "month_complete"
    assert list(grid_table(GRID.assign(missing_share=[0.25, 0.0, 1.0]), AFTER).month_complete) == [True] * 3
