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


def test_the_month_still_running_is_an_open_marker_reached_by_a_dotted_segment_and_said_so():
    # as of 20 Mar, March is still running: its 3 of 8 is drawn apart from February's full month
    fig = safety.trend(months_table(), ("conclusion",), "Paperwork", "% of courses", "Month", 5,
                       as_of=dt.date(2026, 3, 20))
    full, segment, running, legend = fig.data
    assert list(full.y) == pytest.approx([0.0])                          # February alone on the full line
    assert segment.line.dash == "dot" and list(segment.y) == pytest.approx([0.0, 37.5])
    assert running.name == safety.PARTIAL and list(running.y) == pytest.approx([37.5])
    assert running.marker.symbol == "circle-open"
    assert "(so far, up to 20 Mar: the month is still running)" in running.hovertext[0]
    assert "March 2026 is a partial month, up to 20 Mar" in fig.layout.title.subtitle.text


def test_a_month_that_ended_on_a_past_as_of_date_is_a_month_like_the_others():
    fig = safety.trend(months_table(), ("conclusion", "acute"), "Paperwork", "% of courses", "Month", 5,
                       as_of=dt.date(2026, 3, 31), today=dt.date(2026, 4, 2))
    assert [trace.name for trace in fig.data] == ["No doctor's conclusion", "During acute inflammation"]
    assert list(fig.data[0].y) == pytest.approx([0.0, 37.5])
    assert "partial" not in fig.layout.title.subtitle.text


@pytest.mark.parametrize("today", [dt.date(2026, 3, 31), None])       # None: the as-of day taken for today
def test_a_month_whose_last_day_is_the_as_of_date_and_today_is_still_running(today):
    # 31 March, seen on 31 March: its sessions and starts of the day may still come
    fig = safety.trend(months_table(), ("conclusion",), "Paperwork", "% of courses", "Month", 5,
                       as_of=dt.date(2026, 3, 31), today=today)
    full, segment, running, _legend = fig.data
    assert list(full.y) == pytest.approx([0.0]) and list(running.y) == pytest.approx([37.5])
    assert running.name == safety.PARTIAL and segment.line.dash == "dot"
    assert "March 2026 is a partial month, up to 31 Mar" in fig.layout.title.subtitle.text


def test_with_several_lines_the_partial_month_is_named_in_the_legend_once():
    fig = safety.trend(months_table(), ("conclusion", "acute"), "Paperwork", "% of courses", "Month", 5,
                       as_of=dt.date(2026, 3, 20))
    partial = [trace for trace in fig.data if trace.name == safety.PARTIAL]
    # a marker per line, off the legend, and one grey entry last that names the look
    assert [trace.showlegend for trace in partial] == [False, False, None] and fig.data[-1] is partial[-1]
    assert partial[-1].marker.color == NEUTRAL and partial[-1].line.dash == "dot"
    acute = next(trace for trace in fig.data if trace.name == "During acute inflammation")
    assert len(acute.y) == 0                            # its only month is the running one


@pytest.mark.parametrize("keys, young", [(("progress", "rising"), True), (("conclusion",), False)])
def test_failure_to_progress_says_the_running_months_courses_are_too_young_to_compare(keys, young):
    # Courses that started this month are judged at their latest scored session, days in: their
    # share is no trend. Paperwork (missing or not at the start) has no such caveat.
    months = months_table().assign(flag=lambda f: f.flag.replace({"conclusion": keys[0]}))
    fig = safety.trend(months, keys, "Failure to progress", "% of the courses", "Month the course started", 5,
                       as_of=dt.date(2026, 3, 20))
    subtitle = fig.layout.title.subtitle.text
    assert "March 2026 is a partial month, up to 20 Mar" in subtitle
    assert ("judged on their first sessions only" in subtitle) is young
    # a third subtitle line: twice 15 px more top margin (Plotly sets the title mid-margin), as tall a plot
    assert (fig.layout.margin.t, fig.layout.height) == ((110, 450) if young else (80, 420))
