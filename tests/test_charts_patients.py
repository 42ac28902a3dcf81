"""The Patients page's figures (clinic/charts/patients.py) on tiny hand-made frames: their data,
titles and axis titles, not pixels."""
from __future__ import annotations

import datetime as dt

import pandas as pd

from clinic.charts import patients as charts
from clinic.charts.adherence import DAY_STATUSES


def sessions_frame():
    """Three attended sessions (the second without a pain-after score) and a cancelled one."""
    return pd.DataFrame({
        "session_date": [dt.datetime(2026, 3, d) for d in (1, 2, 3, 4)],
        "session_number": pd.array([1, None, 2, 3], dtype="Int64"),
        "status": ["attended", "cancelled", "attended", "attended"],
        "pain_before": pd.array([8, None, 6, 4], dtype="Int64"),
        "pain_after": pd.array([4, None, None, 2], dtype="Int64"),
    })


def test_the_pain_trajectory_draws_a_bar_for_each_fully_scored_session_and_every_score():
    fig = charts.pain_trajectory(sessions_frame(), "Course c1 of patient p1")
    bars, before, after = fig.data
    assert list(bars.x) == [1, 1, None, 3, 3, None]                  # session 2 lacks its after score
    assert list(bars.y) == [8, 4, None, 4, 2, None]
    assert list(before.x) == [1, 2, 3] and list(before.y) == [8, 6, 4]
    assert list(after.x) == [1, 2, 3]
    assert after.y[0] == 4 and pd.isna(after.y[1]) and after.y[2] == 2
    assert before.name == "Pain before the session" and after.name == "Pain after the session"
    assert list(fig.layout.xaxis.ticktext) == ["1<br>01 Mar", "2<br>03 Mar", "3<br>04 Mar"]


def test_the_pain_trajectory_has_titles_and_says_what_is_missing():
    fig = charts.pain_trajectory(sessions_frame(), "Course c1 of patient p1")
    assert fig.layout.title.text == "Pain before and after each session"
    assert fig.layout.title.subtitle.text.startswith(
        "Course c1 of patient p1: 3 attended sessions, 1 without both scores")
    assert fig.layout.yaxis.title.text == "Pain (NRS 0–10)"
    assert fig.layout.xaxis.title.text == "Attended session (number and date)"


def test_the_attendance_calendar_places_each_day_under_its_weekday_in_its_week():
    days = pd.DataFrame({
        "day_date": [dt.datetime(2026, 3, d) for d in (8, 9, 10, 11)],     # Sunday .. Wednesday
        "course_day": [1, 2, 3, 4],
        "in_plan": [True, True, True, True],
        "week_start": [dt.datetime(2026, 3, 2)] + [dt.datetime(2026, 3, 9)] * 3,
        "weekday": [7, 1, 2, 3],
        "attended_sessions": [2, 0, 0, 0],
        "day_status": ["attended", "no_show", "no_visit", "not_yet"],
    })
    fig = charts.attendance_calendar(days, "Course k2 of patient p2")
    heat = fig.data[0]
    assert list(heat.x) == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    assert list(heat.y) == ["02 Mar 2026", "09 Mar 2026"]
    present = [s for s in DAY_STATUSES if s in {"attended", "no_show", "no_visit", "not_yet"}]
    code = {s: i for i, s in enumerate(present)}
    assert list(heat.z[0]) == [None] * 6 + [code["attended"]]
    assert list(heat.z[1]) == [code["no_show"], code["no_visit"], code["not_yet"], None, None, None, None]
    assert heat.text[0][6] == "8 ×2" and heat.text[1][0] == "9"
    assert "Sun 08 Mar 2026, day 1 of the course" in heat.customdata[0][6]
    assert [t.name for t in fig.data[1:]] == [DAY_STATUSES[s][0] for s in present]
    assert "4 planned days" in fig.layout.title.subtitle.text


def test_sessions_with_numbness_or_acute_inflammation_are_marked_above_the_scale():
    sessions = sessions_frame().assign(numbness=pd.array([False, None, True, None], dtype="boolean"),
                                       acute_inflammation=pd.array([True, None, True, False], dtype="boolean"))
    fig = charts.pain_trajectory(sessions, "Course c1 of patient p1")
    flags = fig.data[3]
    assert list(flags.x) == [1, 2] and list(flags.y) == [charts.FLAG_LANE] * 2
    assert list(flags.customdata) == ["Sun 01 Mar 2026: acute inflammation",
                                      "Tue 03 Mar 2026: numbness reported and acute inflammation"]


def test_a_course_without_flags_has_no_flag_markers():
    sessions = sessions_frame().assign(numbness=False, acute_inflammation=pd.array([False, None, None, False],
                                                                                   dtype="boolean"))
    assert len(charts.pain_trajectory(sessions, "c1").data) == 3


def test_ids_in_chart_text_are_escaped():
    fig = charts.pain_trajectory(sessions_frame(), "Course <a href='x'>c1</a> of patient p1")
    assert "&lt;a href=&#x27;x&#x27;&gt;" in fig.layout.title.subtitle.text
