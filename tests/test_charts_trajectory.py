"""The course-over-expected-course figure (clinic/charts/trajectory.py) on hand-made frames: its data,
hover text and titles, not pixels."""
from __future__ import annotations

import datetime as dt

import pandas as pd

from clinic.charts import trajectory as charts
from clinic.trajectory import Expected


def sessions_frame():
    """Three attended sessions, pain before 7, 6, 6 and after 4, 5, 3."""
    return pd.DataFrame({
        "session_date": [dt.datetime(2026, 3, d) for d in (1, 2, 3)],
        "session_number": pd.array([1, 2, 3], dtype="Int64"),
        "status": ["attended"] * 3,
        "pain_before": pd.array([7, 6, 6], dtype="Int64"),
        "pain_after": pd.array([4, 5, 3], dtype="Int64"),
    })


def expected(shown=(True, True, False, True, True), similar=8, min_cohort=5):
    """Five session numbers; the third has only 4 scored courses (suppressed, quartiles null)."""
    points = pd.DataFrame({
        "session_number": [1, 2, 3, 4, 5],
        "courses": [8, 8, 4, 6, 5],
        "q25_pain": [6.0, 5.0, None, 3.5, 3.0],
        "median_pain": [7.0, 6.0, None, 4.0, 3.5],
        "q75_pain": [8.0, 6.75, None, 5.0, 4.0],
        "shown": list(shown),
    })
    return Expected(course_id="c1", diagnosis="disc_herniation", baseline_pain=7, baseline_band="severe",
                    similar_courses=similar, min_cohort=min_cohort, points=points)


def test_the_band_and_median_are_drawn_behind_the_course_and_broken_at_a_suppressed_point():
    fig = charts.over_expected(sessions_frame(), expected(), "Course c1 of patient p1")
    names = [t.name for t in fig.data]
    # two runs of shown points (1-2 and 4-5): upper edge, lower edge (filled), median for each
    assert names[:6] == [charts.BAND_NAME, charts.BAND_NAME, charts.MEDIAN_NAME] * 2
    upper, lower, median = fig.data[0], fig.data[1], fig.data[2]
    assert list(upper.x) == [1, 2] and list(upper.y) == [8.0, 6.75]
    assert list(lower.y) == [6.0, 5.0] and lower.fill == "tonexty"
    assert list(median.y) == [7.0, 6.0]
    assert list(fig.data[5].x) == [4, 5] and list(fig.data[5].y) == [4.0, 3.5]
    assert [t.showlegend for t in fig.data[:6]] == [False, True, True, False, False, False]   # one legend entry each
    before = next(t for t in fig.data if t.name == "Pain before the session")
    assert list(before.y) == [7, 6, 6]                      # the course's own scores are still there, on top


def test_the_hover_text_gives_the_median_the_band_and_the_n_at_each_session():
    fig = charts.over_expected(sessions_frame(), expected(), "Course c1 of patient p1")
    median = fig.data[2]
    assert list(median.hovertext) == [
        "Session 1: similar courses' pain before, median 7, middle half 6–8 (8 courses)",
        "Session 2: similar courses' pain before, median 6, middle half 5–6.75 (8 courses)",
    ]


def test_the_axis_reaches_the_expected_sessions_still_ahead():
    fig = charts.over_expected(sessions_frame(), expected(), "Course c1 of patient p1")
    assert list(fig.layout.xaxis.range) == [0.5, 5.5]
    assert list(fig.layout.xaxis.tickvals) == [1, 2, 3, 4, 5]
    assert list(fig.layout.xaxis.ticktext)[3:] == ["4", "5"]


def test_the_title_says_how_many_similar_courses_are_behind_it():
    fig = charts.over_expected(sessions_frame(), expected(), "Course <b>c1</b> of patient p1")
    assert fig.layout.title.text == "Pain before and after each session, against the expected course"
    subtitle = fig.layout.title.subtitle.text
    assert "Expected course: 8 similar completed courses (Disc herniation, severe baseline pain, 7–10)" in subtitle
    assert "&lt;b&gt;c1&lt;/b&gt;" in subtitle and "<b>" not in subtitle          # an id from data is text
    assert fig.layout.yaxis.title.text == "Pain (NRS 0–10)"


def test_too_few_similar_courses_draw_only_the_course():
    fig = charts.over_expected(sessions_frame(), expected(similar=4), "Course c1 of patient p1")
    assert charts.BAND_NAME not in [t.name for t in fig.data]
    assert "too few similar courses to draw an expected course" in fig.layout.title.subtitle.text
    assert list(fig.layout.xaxis.range) == [0.5, 3.5]


def test_no_expected_course_at_all_still_draws_the_course():
    fig = charts.over_expected(sessions_frame(), None, "Course c1 of patient p1")
    assert [t.name for t in fig.data if t.name] == ["Pain before the session", "Pain after the session"]
    assert "No expected course." in fig.layout.title.subtitle.text
