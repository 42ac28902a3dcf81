"""The Adherence page's figures (clinic/charts/adherence.py) on tiny hand-made frames: their data,
titles and axis titles, not pixels."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from clinic.charts import adherence as charts
from clinic.charts import GOOD, NEUTRAL


def bands(counts):
    total = sum(counts)
    return pd.DataFrame({
        "bin_low_pct": range(0, 100, 10), "bin_high_pct": range(10, 101, 10), "courses": counts,
        "share": [c / total for c in counts], "adherent": [False] * 8 + [True] * 2,
    })


def test_the_distribution_draws_one_bar_per_band_and_colours_the_adherent_ones():
    fig = charts.distribution(bands([1, 1, 0, 0, 0, 0, 0, 0, 2, 1]))
    bar = fig.data[0]
    assert list(bar.x) == [5, 15, 25, 35, 45, 55, 65, 75, 85, 95]
    assert list(bar.y) == [1, 1, 0, 0, 0, 0, 0, 0, 2, 1]
    assert list(bar.marker.color) == [NEUTRAL] * 8 + [GOOD] * 2
    assert fig.layout.shapes[0].x0 == 80                              # the threshold line
    assert "5 courses" in fig.layout.title.subtitle.text
    assert "(%)" in fig.layout.xaxis.title.text and fig.layout.yaxis.title.text == "Courses"
    # adherence_distribution.sql: a band holds low <= adherence < high, and 100 % falls in 90-100
    assert "the last, 90–100 %, includes exactly 100 %" in fig.layout.title.subtitle.text
    assert "lower edge" not in fig.layout.title.subtitle.text
    assert [c[0] for c in bar.customdata][::9] == ["0 % to under 10 %", "90 % to 100 % (100 % included)"]


def calendar_frame():
    """Two courses: c2 (rank 1, from 03-10) planned 3 days, c1 (rank 2, from 03-08) planned 2 days, out of 5
    in the cohort."""
    rows = [
        (1, "c2", "p2", 3, 1, "attended", 2), (1, "c2", "p2", 3, 2, "no_show", 0), (1, "c2", "p2", 3, 3, "not_yet", 0),
        (2, "c1", "p1", 2, 1, "cancelled", 0), (2, "c1", "p1", 2, 2, "no_visit", 0),
    ]
    frame = pd.DataFrame(rows, columns=["course_rank", "course_id", "patient_id", "planned_sessions", "course_day",
                                        "day_status", "attended_sessions"])
    frame["start_date"] = [dt.datetime(2026, 3, 10) if c == "c2" else dt.datetime(2026, 3, 8) for c in frame.course_id]
    frame["day_date"] = [start + dt.timedelta(days=d - 1) for start, d in zip(frame.start_date, frame.course_day)]
    frame["therapist"] = "t1"
    frame["adherence"] = 0.5
    frame["course_status"] = "ongoing"
    frame["cohort_courses"] = 5
    return frame


def test_the_calendar_has_a_row_per_course_most_recent_on_top_and_a_cell_per_planned_day():
    fig = charts.calendar(calendar_frame(), "Therapist t1", limit=2)
    heat = fig.data[0]
    assert list(heat.y) == ["p2 · c2", "p1 · c1"]
    assert list(heat.x) == [1, 2, 3]
    codes = {status: i for i, status in enumerate(s for s in charts.DAY_STATUSES if s != "outside_plan")}
    assert [list(row) for row in heat.z] == [
        [codes["attended"], codes["no_show"], codes["not_yet"]],
        [codes["cancelled"], codes["no_visit"], None],                # c1 has no third planned day
    ]
    assert heat.text[0][0] == "2" and heat.text[0][1] == ""           # two sessions that day
    assert "Tue 10 Mar 2026" in heat.customdata[0][0] and "Attended (2 sessions)" in heat.customdata[0][0]
    assert "p1 · c1, started Sun 08 Mar 2026<br>Day 2 of 2: Mon 09 Mar 2026" in heat.customdata[1][1]
    assert fig.layout.yaxis.autorange == "reversed"


def test_the_calendar_says_how_its_rows_are_ordered_with_the_first_and_last_start_dates():
    fig = charts.calendar(calendar_frame(), "Therapist t1", limit=2)
    assert ("Rows by start date, latest on top: from 10 Mar 2026 down to 08 Mar 2026"
            in fig.layout.title.subtitle.text)


def calendar_of(courses: int) -> pd.DataFrame:
    """A calendar of `courses` one-day courses, started a day apart."""
    rows = [(rank, f"c{rank}", f"p{rank}", 1, 1, "attended", 1) for rank in range(1, courses + 1)]
    frame = pd.DataFrame(rows, columns=["course_rank", "course_id", "patient_id", "planned_sessions", "course_day",
                                        "day_status", "attended_sessions"])
    frame["start_date"] = [dt.datetime(2026, 3, 20) - dt.timedelta(days=rank) for rank in frame.course_rank]
    frame["day_date"] = frame.start_date
    frame["therapist"], frame["adherence"], frame["course_status"] = "t1", 1.0, "completed"
    frame["cohort_courses"] = courses
    return frame


@pytest.mark.parametrize("courses, y_title, plot_px", [
    (1, "Course", 72), (2, "Course", 72), (7, "Course", 160),             # 3 rows' height at least
    (8, "Course (latest start on top)", 182), (40, "Course (latest start on top)", 886)])
def test_the_calendar_names_the_row_order_on_its_axis_only_where_the_plot_is_tall_enough(courses, y_title, plot_px):
    # The long title is about 160 px: beside a shorter plot it reached up into the subtitle, which
    # says the order itself.
    fig = charts.calendar(calendar_of(courses), "All matching courses", limit=40)
    assert len(fig.data[0].y) == courses
    assert fig.layout.yaxis.title.text == y_title
    assert fig.layout.height - fig.layout.margin.t - fig.layout.margin.b == plot_px
    # one course has no order to tell: the subtitle gives its start date
    assert ("latest on top" if courses > 1 else "Rows: all started 19 Mar 2026") in fig.layout.title.subtitle.text


def test_the_calendar_says_which_courses_it_shows_out_of_the_cohort():
    fig = charts.calendar(calendar_frame(), "Therapist t1", limit=2)
    assert "Therapist t1: the 2 most recently started of 5 courses (limit 2)" in fig.layout.title.subtitle.text
    assert fig.layout.xaxis.title.text == "Day of the course (1 = start date)"
    legend = [t.name for t in fig.data[1:]]
    assert legend == ["Attended", "Cancelled", "No-show", "No visit", "Not yet (after the as-of date)"]


def test_a_course_without_a_therapist_says_so_in_its_hover():
    frame = calendar_frame()
    frame.loc[frame.course_id == "c1", "therapist"] = None
    fig = charts.calendar(frame, "All matching courses", limit=40)
    assert "Therapist Not recorded" in fig.data[0].customdata[1][0]
    assert "Therapist t1" in fig.data[0].customdata[0][0]


def test_each_calendar_row_tells_its_own_courses_therapist_adherence_and_status_whatever_the_row_order():
    # the rows come last course first; each course's facts differ, so a cell that read another
    # row's course would say so
    frame = calendar_frame().iloc[::-1].reset_index(drop=True)
    frame.loc[frame.course_id == "c1", ["therapist", "adherence", "course_status"]] = ["t9", 1.0, "completed"]
    frame.loc[frame.course_id == "c2", ["therapist", "adherence", "course_status"]] = [None, 0.25, "dropped out"]
    heat = charts.calendar(frame, "All matching courses", limit=40).data[0]
    assert list(heat.y) == ["p2 · c2", "p1 · c1"]
    top, bottom = heat.customdata
    assert all("Therapist Not recorded; adherence 25 %; dropped out" in cell for cell in top)
    assert all("Therapist t9; adherence 100 %; completed" in cell for cell in bottom[:2]) and bottom[2] == ""
    assert "p2 · c2, started Tue 10 Mar 2026<br>Day 3 of 3: Thu 12 Mar 2026" in top[2]


def test_the_calendar_escapes_ids_that_look_like_markup():
    frame = calendar_frame()
    frame.loc[:, "course_id"] = frame.course_id.map({"c2": "<b>x</b>", "c1": "c1"})
    fig = charts.calendar(frame, "All <i>courses</i>", limit=40)
    assert fig.data[0].y[0] == "p2 · &lt;b&gt;x&lt;/b&gt;"
    assert "All &lt;i&gt;courses&lt;/i&gt;" in fig.layout.title.subtitle.text


def test_the_drop_out_chart_counts_courses_by_sessions_attended_before_leaving():
    steps = pd.DataFrame({"sessions_attended": [0, 1, 2], "courses": [1, 0, 3], "share": [0.25, 0, 0.75]})
    fig = charts.dropout_after(steps)
    assert list(fig.data[0].x) == [0, 1, 2] and list(fig.data[0].y) == [1, 0, 3]
    assert "4 courses dropped out" in fig.layout.title.subtitle.text
    assert fig.layout.xaxis.title.text.startswith("Sessions attended before dropping out")
    assert fig.layout.yaxis.title.text == "Dropped-out courses"


def test_the_outcome_chart_draws_a_box_per_group_with_its_median_and_counts():
    groups = pd.DataFrame({
        "adherent": [True, False], "courses": [3, 2], "assessable": [3, 2],
        "p05_pct": [-17.5, 0.7], "q1_pct": [12.5, 3.5], "median_pct": [50.0, 7.1], "q3_pct": [62.5, 10.7],
        "p95_pct": [72.5, 13.6], "responders_30": [2, 0], "responder_share": [2 / 3, 0.0],
    })
    fig = charts.outcome_by_adherence(groups)
    boxes = [t for t in fig.data if t.type == "box"]
    assert [list(b.median) for b in boxes] == [[50.0], [7.1]]
    assert [list(b.q1) for b in boxes] == [[12.5], [3.5]] and [list(b.upperfence) for b in boxes] == [[72.5], [13.6]]
    assert "median 50 %" in boxes[0].x[0] and "3 of 3 courses assessable" in boxes[0].x[0]
    assert "median 7 %" in boxes[1].x[0] and "2 of 2 courses assessable" in boxes[1].x[0]
    assert "5 courses with pain scores on two visit days" in fig.layout.title.subtitle.text
    assert fig.layout.yaxis.title.text == "Sustained improvement (%)"


def test_a_group_with_nothing_to_compare_gets_words_instead_of_a_box():
    groups = pd.DataFrame({
        "adherent": [True, False], "courses": [1, 2], "assessable": [1, 0],
        "p05_pct": [62.5, None], "q1_pct": [62.5, None], "median_pct": [62.5, None], "q3_pct": [62.5, None],
        "p95_pct": [62.5, None], "responders_30": [1, 0], "responder_share": [1.0, None],
    })
    fig = charts.outcome_by_adherence(groups)
    assert len([t for t in fig.data if t.type == "box"]) == 1
    assert any("nothing to compare" in a.text for a in fig.layout.annotations)
    assert any("no course with two scored visit days" in c for c in fig.layout.xaxis.categoryarray)


def test_every_share_in_the_adherence_hovers_has_a_space_before_its_percent_sign_as_on_the_page():
    # 7 courses: 1, 2 and 4 of them in three bands (14.3, 28.6 and 57.1 %, written whole)
    fig = charts.distribution(bands([1, 0, 0, 0, 0, 0, 0, 2, 0, 4]))
    assert [c[1] for c in fig.data[0].customdata] == ["14 %"] + ["0 %"] * 6 + ["29 %", "0 %", "57 %"]
    assert "(%{customdata[1]} of all)" in fig.data[0].hovertemplate
    steps = pd.DataFrame({"sessions_attended": [0, 2, 3], "courses": [1, 2, 4], "share": [1 / 7, 2 / 7, 4 / 7]})
    drop = charts.dropout_after(steps)
    assert list(drop.data[0].customdata) == ["14 %", "29 %", "57 %"]
    assert "(%{customdata} of drop-outs)" in drop.data[0].hovertemplate
    heat = charts.calendar(calendar_frame(), "Therapist t1", limit=2).data[0]      # adherence 0.5
    assert "; adherence 50 %; ongoing" in heat.customdata[0][0]
    groups = pd.DataFrame({      # 2 of 3 adherent courses improved by 30 % or more: 66.7 %, written whole
        "adherent": [True, False], "courses": [3, 2], "assessable": [3, 2],
        "p05_pct": [-17.5, 0.7], "q1_pct": [12.5, 3.5], "median_pct": [50.0, 7.1], "q3_pct": [62.5, 10.7],
        "p95_pct": [72.5, 13.6], "responders_30": [2, 0], "responder_share": [2 / 3, 0.0],
    })
    dots = [t for t in charts.outcome_by_adherence(groups).data if t.type == "scatter"]
    assert [d.hovertemplate.split("<br>")[-1] for d in dots] == [
        "2 of 3 improved by 30 % or more (67 %)<extra></extra>", "0 of 2 improved by 30 % or more (0 %)<extra></extra>"]
