"""The Overview's figures, tiles and list layouts (clinic/charts/overview.py) on tiny hand-made data."""
from __future__ import annotations

import datetime as dt

import pandas as pd

from clinic.charts import overview as charts


def weeks(days_counted_last: int) -> pd.DataFrame:
    """Three weeks from Monday 2026-03-02; the last has `days_counted_last` days so far."""
    return pd.DataFrame({
        "week_start": [dt.datetime(2026, 3, 2), dt.datetime(2026, 3, 9), dt.datetime(2026, 3, 16)],
        "sessions": [10, 8, 3],
        "courses": [4, 4, 3],
        "mean_pain": [6.0, 5.5, 5.0],
        "ci_low": [5.0, 4.5, 3.0],
        "ci_high": [7.0, 6.5, 7.0],
        "days_counted": [7, 7, days_counted_last],
    })


def days(values) -> list[dt.date]:
    """A trace's x values (datetimes of any kind) as dates."""
    return [pd.Timestamp(v).date() for v in values]


def trace(fig, name_start: str):
    found = [t for t in fig.data if (t.name or "").startswith(name_start)]
    assert len(found) <= 1
    return found[0] if found else None


# --- the weekly pain chart --------------------------------------------------------------------

def test_a_week_in_progress_is_an_open_circle_joined_by_a_dotted_segment_and_named_in_the_legend():
    fig = charts.weekly_pain(weeks(3), courses=5)
    full = trace(fig, "Mean pain before sessions")
    assert days(full.x) == [dt.date(2026, 3, 2), dt.date(2026, 3, 9)]   # full weeks only
    assert list(full.y) == [6.0, 5.5]
    partial = trace(fig, "This week so far")
    assert partial.name == "This week so far (3 of 7 days, partial)"
    assert partial.marker.symbol == "circle-open"
    assert days(partial.x) == [dt.date(2026, 3, 16)] and list(partial.y) == [5.0]
    dotted = [t for t in fig.data if t.line.dash == "dot"]
    assert len(dotted) == 1                       # from the last full week (5.5) to the one in progress (5.0)
    assert days(dotted[0].x) == [dt.date(2026, 3, 9), dt.date(2026, 3, 16)]
    assert list(dotted[0].y) == [5.5, 5.0]
    assert "3 of 7 days" in fig.layout.title.subtitle.text
    assert "21 scored sessions of 5 courses" in fig.layout.title.subtitle.text       # 10 + 8 + 3


def test_when_the_as_of_date_is_a_sunday_the_last_week_is_drawn_like_the_others():
    fig = charts.weekly_pain(weeks(7), courses=5)
    assert trace(fig, "This week so far") is None
    assert not [t for t in fig.data if t.line.dash == "dot"]
    assert list(trace(fig, "Mean pain before sessions").y) == [6.0, 5.5, 5.0]
    assert "partial" not in fig.layout.title.subtitle.text


def test_a_week_whose_sunday_is_the_as_of_date_and_today_is_still_in_progress():
    # as of Sunday 22 March, seen that Sunday: all 7 days counted, but the day's visits may still come
    fig = charts.weekly_pain(weeks(7), courses=5, as_of=dt.date(2026, 3, 22), today=dt.date(2026, 3, 22))
    assert list(trace(fig, "Mean pain before sessions").y) == [6.0, 5.5]      # the weeks of 2 and 9 March
    partial = trace(fig, "This week so far")
    assert partial.name == "This week so far (today is its last day, partial)"
    assert days(partial.x) == [dt.date(2026, 3, 16)] and list(partial.y) == [5.0]
    assert "in progress: today is its last day<br>" in partial.hovertemplate
    assert "the week in progress (today is its last day)" in fig.layout.title.subtitle.text


def test_a_week_whose_sunday_is_a_past_as_of_date_is_drawn_like_the_others():
    fig = charts.weekly_pain(weeks(7), courses=5, as_of=dt.date(2026, 3, 22), today=dt.date(2026, 3, 23))
    assert trace(fig, "This week so far") is None
    assert list(trace(fig, "Mean pain before sessions").y) == [6.0, 5.5, 5.0]
    assert "partial" not in fig.layout.title.subtitle.text


def test_a_week_in_progress_alone_is_still_marked_partial():
    fig = charts.weekly_pain(weeks(2).iloc[[2]], courses=3)
    assert list(trace(fig, "Mean pain before sessions").y) == []
    assert trace(fig, "This week so far").name == "This week so far (2 of 7 days, partial)"
    assert not [t for t in fig.data if t.line.dash == "dot"]      # nothing to join it to


# --- the tiles --------------------------------------------------------------------------------

def block(courses=20, patients=16, relieved=9, assessable=12, rate=0.75, median=37.4, improvable=10, responders=6,
          mean_adherence=0.8125, adherent=14, completed=8, dropped_out=5) -> dict:
    return {
        "courses": courses, "patients": patients,
        "first_session_relief": {"assessable": assessable, "relieved": relieved, "rate": rate,
                                 "ci_low": 0.4677, "ci_high": 0.9111},
        "sustained_improvement": {"assessable": improvable, "median_pct": median, "responders_30": responders,
                                  "responders_50": 3},
        "adherence": {"mean": mean_adherence, "adherent": adherent, "completed": completed, "dropped_out": dropped_out},
    }


def test_the_tiles_carry_one_name_per_metric_with_a_fact_under_each_figure():
    tiles = charts.tiles(block(), "≥ 30 % drop", "pain fell by at least 30 % after the first session")
    assert [(t.label, t.value, t.note) for t in tiles] == [
        ("Courses", "20", "7 active now"),                                  # 20 - 8 completed - 5 dropped out
        ("Patients", "16", "1.25 courses each"),                            # 20 / 16
        ("First-session relief", "75 %", "rule: ≥ 30 % drop"),
        ("Median sustained improvement", "37 %", "Responders (≥ 30 % better): 60 %"),   # 37.4; 6 of 10
        ("Mean adherence", "81 %", "14 courses at 80 % or more"),          # 0.8125
        ("Drop-out rate", "25 %", "5 of 20 courses"),                       # 5 / 20
    ]
    assert "9 of 12 assessable courses" in tiles[2].help
    assert "46.8 % – 91.1 %" in tiles[2].help
    assert "over 10 courses" in tiles[3].help and "6 of those 10 courses improved by 30 % or more" in tiles[3].help


def test_tiles_of_nothing_show_dashes_not_zeros():
    tiles = charts.tiles(block(courses=0, patients=0, relieved=0, assessable=0, rate=None, median=None, improvable=0,
                               responders=0, mean_adherence=None, adherent=0, completed=0, dropped_out=0),
                         "≥ 30 % drop", "rule")
    values = {t.label: (t.value, t.note) for t in tiles}
    assert values["Courses"] == ("0", "0 active now")
    assert values["Patients"] == ("0", None)
    assert values["First-session relief"][0] == values["Mean adherence"][0] == values["Drop-out rate"][0] == "—"
    assert values["Median sustained improvement"] == ("—", "Responders (≥ 30 % better): —")


def test_the_benchmark_shows_the_clinics_figure_under_each_tile():
    clinic = block(courses=40, patients=30, rate=2 / 3, median=20.0, mean_adherence=0.6, dropped_out=10)
    assert charts.benchmarks(clinic) == {
        "Courses": "clinic: 40", "Patients": "clinic: 30", "First-session relief": "clinic: 67 %",
        "Median sustained improvement": "clinic: 20 %", "Mean adherence": "clinic: 60 %",
        "Drop-out rate": "clinic: 25 %",                                    # 10 / 40
    }


def test_a_suppressed_clinic_benchmark_says_hidden_and_gives_no_figure():
    shown = charts.benchmarks(None, "hidden")
    assert set(shown) == set(charts.TILE_LABELS)
    assert set(shown.values()) == {"clinic: hidden"}


def test_no_benchmark_without_a_clinic_to_compare_with():
    assert charts.benchmarks(None) == {}


# --- the lists --------------------------------------------------------------------------------

def test_the_lists_show_the_patient_and_the_link_first_then_what_decides_then_the_therapist():
    rows = pd.DataFrame(columns=["course_id", "patient_id", "therapist", "start_date", "last_attended_date",
                                 "days_since_last_visit", "sessions_attended", "attended_days", "planned_sessions",
                                 "sessions_left", "link"])
    assert list(charts.ordered(rows, charts.CALL_COLUMNS).columns) == [
        "patient_id", "link", "days_since_last_visit", "therapist", "last_attended_date", "sessions_attended",
        "sessions_left", "planned_sessions", "start_date", "course_id"]     # attended_days is left out
    for reason, decides in (("not_seen", "days_since_last_visit"), ("no_conclusion", "start_date"),
                            ("acute_inflammation", "last_flagged_date"), ("numbness", "last_flagged_date")):
        assert charts.ATTENTION_COLUMNS[reason][:4] == ("patient_id", "link", decides, "therapist")


def test_the_tiles_help_gives_the_spread_of_improvement_and_the_intervals_of_the_shares():
    row = {"improvement_q1_pct": 12.5, "improvement_q3_pct": 62.5, "rated_courses": 19,
           "adherent_ci_low": 0.5, "adherent_ci_high": 0.875, "dropout_ci_low": 0.1119, "dropout_ci_high": 0.4687}
    tiles = charts.tiles(block(), "≥ 30 % drop", "pain fell by at least 30 % after the first session", row=row)
    assert "Interquartile range 12.5 % – 62.5 %" in tiles[3].help
    assert "Adherent: 14 of 19 rated courses. 95 % Wilson interval 50.0 % – 87.5 %." in tiles[4].help
    assert "95 % Wilson interval 11.2 % – 46.9 %." in tiles[5].help
    assert "Interquartile" not in charts.tiles(block(), "≥ 30 % drop", "x")[3].help     # no row: no spread claimed


def test_the_relief_chart_writes_its_shares_with_a_space_before_the_percent_sign_as_the_page_does():
    # 2 of 3 relieved: 66.7 %, interval 20.8 % - 93.9 % (as given)
    fig = charts.relief_claim({"rate": 2 / 3, "ci_low": 0.208, "ci_high": 0.939, "relieved": 2, "assessable": 3},
                              "pain fell by at least 30 % after the first session")
    assert fig.data[0].hovertemplate == ("First-session relief 66.7 %<br>95 % interval 20.8 % – 93.9 %<br>"
                                         "2 of 3 assessable courses<extra></extra>")
    assert list(fig.layout.xaxis.tickvals) == [0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert list(fig.layout.xaxis.ticktext) == ["0 %", "20 %", "40 %", "60 %", "80 %", "100 %"]
