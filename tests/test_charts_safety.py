"""The Protocol safety page's trend charts (clinic/charts/safety.py): their data, checked on a small
hand-written month table."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from clinic import flags
from clinic.charts import NEUTRAL, safety


def months_table() -> pd.DataFrame:
    # conclusion: Feb 0 of 1 (too few with min_cohort 5), Mar 3 of 8; acute: Mar 2 of 40
    rows = [("conclusion", dt.date(2026, 2, 1), 0, 1), ("conclusion", dt.date(2026, 3, 1), 3, 8),
            ("acute", dt.date(2026, 3, 1), 2, 40)]
    frame = pd.DataFrame(rows, columns=["flag", "month", "flagged", "of_count"])
    lows, highs = zip(*(flags.wilson(k, n) for _f, _m, k, n in rows))
    return frame.assign(share=frame.flagged / frame.of_count, ci_low=lows, ci_high=highs)


def test_each_check_is_a_line_of_monthly_shares_in_percent_with_wilson_error_bars():
    fig = safety.trend(months_table(), ("conclusion", "imaging"), "Paperwork", "% of courses", "Month", 5)
    [line] = fig.data                                  # imaging has no month: no line
    assert line.name == "No doctor's conclusion"
    assert list(line.y) == pytest.approx([0.0, 37.5])  # 0 of 1, 3 of 8
    low, high = flags.wilson(3, 8)
    assert line.error_y.array[1] == pytest.approx(high * 100 - 37.5)
    assert line.error_y.arrayminus[1] == pytest.approx(37.5 - low * 100)


def test_a_month_with_too_few_is_grey_and_says_so():
    fig = safety.trend(months_table(), ("conclusion",), "Paperwork", "% of courses", "Month", 5)
    line = fig.data[0]
    assert line.marker.color[0] == NEUTRAL and line.marker.color[1] != NEUTRAL
    assert "too few to judge" in line.hovertext[0] and "too few to judge" not in line.hovertext[1]
    assert "3 of 8 courses started (37.5 %)" in line.hovertext[1]


def test_the_chart_says_what_stands_behind_it_and_its_units():
    fig = safety.trend(months_table(), ("acute",), "Sessions", "% of attended sessions", "Month of the session", 5)
    assert fig.layout.title.subtitle.text.startswith("40 attended sessions in all.")
    assert fig.layout.yaxis.title.text == "% of attended sessions" and fig.layout.yaxis.ticksuffix == " %"
    assert fig.layout.showlegend is True
