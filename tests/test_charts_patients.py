"""The Patients page's figures (clinic/charts/patients.py) on tiny hand-made frames: their data,
titles and axis titles, not pixels."""
from __future__ import annotations

import datetime as dt

import pandas as pd

from clinic.charts import patients as charts
from clinic.charts.adherence import DAY_STATUSES
from clinic.text import flags_in_words


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
    assert list(fig.layout.xaxis.ticktext) == ["1<br>01 Mar", "2<br>03", "3<br>04"]   # the month once
    assert fig.layout.xaxis.tickangle == 0


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


def test_numbness_and_acute_inflammation_get_markers_of_their_own_above_the_scale():
    # attended sessions: 1 (03-01) acute inflammation; 2 (03-03) both; 3 (03-04) neither.
    # The cancelled row (03-02) is not drawn, whatever its flags.
    sessions = sessions_frame().assign(numbness=pd.array([False, True, True, None], dtype="boolean"),
                                       acute_inflammation=pd.array([True, True, True, False], dtype="boolean"))
    fig = charts.pain_trajectory(sessions, "Course c1 of patient p1")
    numbness, acute = fig.data[3], fig.data[4]
    assert numbness.name == "Numbness reported" and acute.name == "Acute inflammation"
    assert list(numbness.x) == [2] and list(numbness.y) == [charts.FLAG_LANE]
    assert list(acute.x) == [1, 2] and list(acute.y) == [charts.ACUTE_LANE] * 2
    assert numbness.marker.symbol != acute.marker.symbol and numbness.marker.color != acute.marker.color
    assert list(numbness.customdata) == ["Tue 03 Mar 2026: numbness reported"]
    assert list(acute.customdata) == ["Sun 01 Mar 2026: acute inflammation", "Tue 03 Mar 2026: acute inflammation"]
    assert fig.layout.yaxis.range[1] > charts.ACUTE_LANE                # both lanes are in view
    lanes = dict(zip(fig.layout.yaxis.tickvals, fig.layout.yaxis.ticktext))
    assert (lanes[charts.FLAG_LANE], lanes[charts.ACUTE_LANE]) == ("numbness", "inflamed")


def test_session_dates_name_the_month_on_the_first_and_where_it_changes():
    dates = [dt.datetime(2026, 3, 30), dt.datetime(2026, 3, 31), dt.datetime(2026, 4, 1), dt.datetime(2026, 4, 2)]
    assert charts.session_ticks([1, 2, 3, 4], dates) == ["1<br>30 Mar", "2<br>31", "3<br>01 Apr", "4<br>02"]


def test_the_session_table_shows_blanks_not_none_and_a_signed_change():
    frame = pd.DataFrame({
        "session_id": ["s1", "s2", "s3"],
        "session_time": ["09:30", None, "17:05"],
        "status": ["attended", "no_show", "attended"],
        "session_number": pd.array([1, None, 2], dtype="Int64"),
        "pain_before": pd.array([8, None, 5], dtype="Int64"),
        "pain_after": pd.array([6, None, 5], dtype="Int64"),
        "pain_change": pd.array([-2, None, 0], dtype="Int64"),           # after - before: 6 - 8, 5 - 5
        "numbness": pd.array([True, None, False], dtype="boolean"),
        "notes": ["<b>x</b>", None, ""],
    })
    shown = charts.sessions_table(frame)
    assert list(shown.session_time) == ["09:30", "", "17:05"]
    assert list(shown.status) == ["Attended", "No-show", "Attended"]          # as the calendar's legend says
    assert list(shown.session_number) == ["1", "", "2"]
    assert list(shown.pain_before) == ["8", "", "5"]
    assert list(shown.pain_change) == ["-2", "", "0"]
    assert charts.sessions_table(frame.assign(pain_change=pd.array([3, 1, -1], dtype="Int64"))).pain_change.tolist() \
        == ["+3", "+1", "-1"]                                            # more pain carries a plus
    assert list(shown.numbness) == ["yes", "", "no"]
    assert list(shown.notes) == ["<b>x</b>", "", ""]                     # the stored text, unrendered
    assert "None" not in shown.to_string() and "<NA>" not in shown.to_string()


def test_the_calendar_is_tall_enough_for_its_axis_title_with_few_weeks():
    days = pd.DataFrame({
        "day_date": [dt.datetime(2026, 3, 9)], "course_day": [1], "in_plan": [True],
        "week_start": [dt.datetime(2026, 3, 9)], "weekday": [1], "attended_sessions": [1], "day_status": ["attended"],
    })
    fig = charts.attendance_calendar(days, "Course k1 of patient p1")
    # one week: the plot area is the least, 180 px, not 44 px, under margins of 120 + 60 px
    assert fig.layout.height == 180 + 180
    assert fig.layout.margin.t + fig.layout.margin.b == 180
    assert fig.layout.yaxis.title.text == "Week starting Monday"
    assert fig.layout.xaxis.tickangle == 0                               # weekday names never turn upright


def test_a_course_without_flags_has_no_flag_markers():
    sessions = sessions_frame().assign(numbness=False, acute_inflammation=pd.array([False, None, None, False],
                                                                                   dtype="boolean"))
    assert len(charts.pain_trajectory(sessions, "c1").data) == 3


def test_ids_in_chart_text_are_escaped():
    fig = charts.pain_trajectory(sessions_frame(), "Course <a href='x'>c1</a> of patient p1")
    assert "&lt;a href='x'&gt;" in fig.layout.title.subtitle.text


def test_the_flags_in_words_name_only_what_was_recorded_true():
    assert flags_in_words(True, True) == "numbness, acute"
    assert flags_in_words(True, None) == "numbness" and flags_in_words(pd.NA, True) == "acute"
    # false and unknown say nothing, and neither does a value that is not a boolean
    assert flags_in_words(False, pd.NA) == "" and flags_in_words(None, None) == ""
    assert flags_in_words("true", 1) == ""


def test_a_session_table_lacking_a_flag_column_or_any_row_still_has_its_flags_column():
    no_flags = pd.DataFrame({"session_id": ["s1", "s2"], "notes": ["a", None],
                             "numbness": [None, 1.0]})       # a float column as a reader might give it
    assert list(charts.sessions_table(no_flags)["flags"]) == ["", "numbness"]
    empty = charts.sessions_table(no_flags.iloc[0:0])
    assert "flags" in empty.columns and len(empty) == 0


def test_the_session_table_names_the_flags_at_a_glance_before_the_notes_which_come_last():
    frame = pd.DataFrame({
        "session_id": ["s1", "s2", "s3", "s4"],
        "session_date": [dt.datetime(2026, 3, d) for d in (1, 2, 3, 4)],
        "status": ["attended"] * 4,
        "notes": ["flare-up", "numb toes", "", None],
        "numbness": pd.array([False, True, True, None], dtype="boolean"),
        "acute_inflammation": pd.array([True, False, True, None], dtype="boolean"),
        "therapist": ["Birch"] * 4,
    })
    shown = charts.sessions_table(frame)
    assert list(shown["flags"]) == ["acute", "numbness", "numbness, acute", ""]      # acute inflammation: "acute"
    columns = list(shown.columns)
    assert columns[0] == "session_date" and columns[-1] == "notes"
    assert columns.index("flags") < columns.index("numbness") < columns.index("acute_inflammation") \
        < columns.index("notes")
    assert columns.index("flags") == columns.index("status") + 1                # right after what happened


def test_the_course_table_leads_with_the_course_and_the_metrics_that_decide():
    courses = pd.DataFrame(columns=["patient_id", "course_id", "start_date", "status", "therapist", "diagnosis",
                                    "site", "planned_sessions", "sessions_attended", "attended_days", "adherence",
                                    "adherent", "completed", "dropped_out", "longest_break_days",
                                    "first_session_pain_before", "first_session_pain_after", "first_session_relief",
                                    "sustained_improvement_pct", "last_attended_date"])
    columns = list(charts.course_table(courses).columns)
    assert columns[:8] == ["course_id", "patient_id", "start_date", "status", "therapist", "first_session_relief",
                           "sustained_improvement_pct", "adherence"]
    assert sorted(columns) == sorted(courses.columns)                            # none lost, none added
