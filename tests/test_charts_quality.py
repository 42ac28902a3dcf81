"""The Data quality heatmap (clinic/charts/quality.py) draws the grid it is given: share as colour,
count as text, a blank where a therapist gave no attended session that month, names escaped."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from clinic.charts.quality import missing_pain_heatmap

GRID = pd.DataFrame({
    "therapist": ["Birch", "Birch", "<b>Cedar</b>"],
    "month": [dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 2, 1)],
    "attended_sessions": [4, 1, 2],
    "missing_pain_sessions": [1, 0, 2],
    "missing_before": [0, 0, 1],
    "missing_after": [1, 0, 2],
})


def test_each_cell_is_the_share_of_that_months_attended_sessions_with_the_count_written_in_it():
    [heatmap] = missing_pain_heatmap(GRID).data
    assert list(heatmap.x) == ["Jan 2026", "Feb 2026"]
    assert list(heatmap.y) == ["&lt;b&gt;Cedar&lt;/b&gt;", "Birch"]      # sorted as text, escaped
    assert heatmap.z[0][0] is None and heatmap.z[0][1] == pytest.approx(100)   # Cedar: no January sessions
    assert list(heatmap.z[1]) == pytest.approx([25, 0])
    # Birch's February (0 of 1 missing) says 0; Cedar's January (no session) is blank
    assert [list(row) for row in heatmap.text] == [["", "2"], ["1", "0"]]
    assert "1 of 4 attended sessions without both pain scores (25.0 %)" in heatmap.customdata[1][0]


def test_the_title_states_the_total_and_the_axes_their_units():
    fig = missing_pain_heatmap(GRID)
    assert "3 of 7 attended sessions (42.9 %)" in fig.layout.title.subtitle.text
    assert fig.layout.title.subtitle.text.endswith("<br>blank = no attended session that month")
    assert fig.layout.xaxis.title.text == "Month of the session"
    assert fig.data[0].colorbar.title.text.startswith("% of attended")
