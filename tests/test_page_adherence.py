"""The Adherence page on the hand-computed page fixture (see conftest.py for the arithmetic).

As of 2026-03-20: c1 (Birch) completed with adherence 5/5; c2 (Cedar) dropped out after 2 attended
sessions with adherence 2/10; p3:2026-03-15 (Birch) ongoing with adherence 3/6.
"""
from __future__ import annotations

import pytest
import streamlit as st
from conftest import dashboard_on
from page_support import open_page
from plotly_support import specs
from streamlit.proto.Metric_pb2 import Metric
from streamlit.testing.v1 import AppTest

from clinic.db import ROOT

PAGE = "pages/adherence.py"


def tiles(app) -> dict[str, tuple[str, str]]:
    return {m.label: (m.value, m.delta) for m in app.metric}


def figures(app) -> dict[str, dict]:
    """The page's plotly figures by title, as plain JSON values."""
    return {spec["layout"]["title"]["text"]: spec for spec in specs(app)}


CALENDAR = "Day by day: who came on which day of the course?"


def test_the_adherence_kpis_match_the_hand_computed_figures(app):
    open_page(app, PAGE)
    assert tiles(app) == {
        "Mean adherence": ("60 %", "over 3 courses"),      # (1 + 0.2 + 0.6) / 3 = 0.6
        # each 1 of 3, Wilson 6.1 % – 79.2 % (see the test of the helps below)
        "Adherent (≥ 80 %)": ("1", "33.3 % of 3 · 95 % CI 6.1–79.2 %"),    # c1: 5 of 5 days
        "Completed": ("1", "33.3 % of 3 · 95 % CI 6.1–79.2 %"),            # c1
        "Dropped out": ("1", "33.3 % of 3 · 95 % CI 6.1–79.2 %"),          # c2: last visit 17 days before 03-20
        "Ongoing": ("1", "33.3 % of 3 · 95 % CI 6.1–79.2 %"),              # p3
    }
    assert any(c.value.startswith("Completed can exceed adherent") for c in app.caption)


def test_the_page_draws_the_distribution_drop_outs_outcome_and_calendar(app):
    open_page(app, PAGE)
    figs = figures(app)
    bands = figs["How much of the daily course do patients attend?"]["data"][0]
    assert bands["y"] == [0, 0, 1, 0, 0, 0, 1, 0, 0, 1]       # 0.2 -> 20-30, 0.6 -> 60-70, 1.0 -> 90-100
    drops = figs["When do patients drop out?"]["data"][0]
    assert (drops["x"], drops["y"]) == ([0, 1, 2], [0, 0, 1])  # c2 left after 2 attended sessions
    outcome = figs["Does keeping to the daily course go with more relief?"]
    medians = [trace["median"] for trace in outcome["data"] if trace["type"] == "box"]
    assert medians[0] == [62.5]                                # adherent: c1 alone
    assert medians[1][0] == pytest.approx(100 / 7 / 2)                      # c2 0 %, p3 100/7 %: the mean of the two
    text = " ".join(m.value for m in app.markdown)
    assert "100 % of adherent courses (1 of 1) improved by 30 % or more" in text
    assert "0 % of the other courses (0 of 2)" in text


def test_the_calendar_shows_whole_courses_most_recent_first_by_default(app):
    open_page(app, PAGE)
    calendar = figures(app)[CALENDAR]
    heat = calendar["data"][0]
    assert heat["y"] == ["p2 · c2", "p1 · c1"]                 # both start 03-01; p3's plan runs to 03-24
    assert "all 2 courses" in calendar["layout"]["title"]["subtitle"]["text"]
    assert "Rows: all started 01 Mar 2026" in calendar["layout"]["title"]["subtitle"]["text"]   # c1 and c2
    # the tick box hides p3 (ongoing), so the calendar holds fewer courses than the tiles: it says so
    assert any("can be lower than the tiles above" in c.value for c in app.caption)
    attended, no_show, no_visit = 0, 2, 3                      # codes in the order of DAY_STATUSES
    assert heat["z"][0] == [attended, no_show, attended] + [no_visit] * 7
    assert heat["z"][1] == [attended] * 5 + [None] * 5         # c1 planned 5 days


def test_the_calendar_can_include_running_courses_and_pick_a_cohort(app):
    open_page(app, PAGE)
    app.checkbox(key="adherence.whole_plan").uncheck().run()
    calendar = figures(app)[CALENDAR]
    assert calendar["data"][0]["y"] == ["p3:2026-03-15", "p2 · c2", "p1 · c1"]
    today, not_yet = 4, 5                                      # codes in the order of DAY_STATUSES
    assert calendar["data"][0]["z"][0][5] == today             # 03-20, the as-of day, no visit yet
    assert calendar["data"][0]["z"][0][6:] == [not_yet] * 4    # 03-21 .. 03-24
    assert "As-of day, no visit yet (not missed)" in [t["name"] for t in calendar["data"][1:]]
    app.selectbox(key="adherence.split").select("therapist").run()
    app.selectbox(key="adherence.cohort.therapist").select("Cedar").run()
    calendar = figures(app)[CALENDAR]
    assert calendar["data"][0]["y"] == ["p2 · c2"]
    assert calendar["layout"]["title"]["subtitle"]["text"].startswith("Therapist Cedar: all 1 course")


def test_choosing_a_therapist_in_the_sidebar_changes_the_kpis(app):
    open_page(app, PAGE)
    app.sidebar.multiselect(key="therapist").select("Birch").run()
    assert tiles(app)["Mean adherence"] == ("80 %", "over 2 courses")                      # (1 + 0.6) / 2
    # 0 of 2: Wilson 0 – 1.96² / (2 + 1.96²) = 65.8 %; 1 of 2: centre 1/2, half width
    # 1.96 · √(1/8 + 1.96²/16) / (1 + 1.96²/2) = 0.4055: 9.5 % – 90.5 %
    assert tiles(app)["Dropped out"] == ("0", "0.0 % of 2 · 95 % CI 0.0–65.8 %")
    assert tiles(app)["Ongoing"] == ("1", "50.0 % of 2 · 95 % CI 9.5–90.5 %")
    assert any("No course among these has dropped out" in i.value for i in app.info)


def test_an_empty_database_says_so_in_words(empty_db, monkeypatch):
    monkeypatch.setenv("CLINIC_DB", str(empty_db))
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    open_page(at, PAGE)
    assert any("No courses match" in i.value for i in at.info)
    assert not at.get("plotly_chart")


def test_no_tile_shows_an_arrow_for_a_share_that_is_not_a_change(app):
    # "33 % of courses" under a count is a share, not a rise: no arrow, no green or red
    open_page(app, PAGE)
    shares = [m.proto for m in app.metric if m.proto.delta]
    assert len(shares) == 5
    assert {m.direction for m in shares} == {Metric.MetricDirection.NONE}
    assert {m.color for m in shares} == {Metric.MetricColor.GRAY}


def test_the_shares_tiles_give_their_wilson_intervals(app):
    open_page(app, PAGE)
    helps = {m.label: m.proto.help for m in app.metric}
    # adherent 1 of 3 rated, completed 1 of 3, dropped out 1 of 3: Wilson 6.1 % – 79.2 % each
    for label in ("Adherent (≥ 80 %)", "Completed", "Dropped out", "Ongoing"):
        assert helps[label].endswith(" 95 % Wilson interval 6.1 % – 79.2 %."), label


def test_a_course_starting_on_the_as_of_day_without_a_visit_is_left_out_of_adherence_and_the_page_says_why(
        db_from, monkeypatch, signed_in_as):
    # as of 03-10: k1 (03-01..03-05, visited 03-01 and 03-02: adherence 2/5) and k2, starting 03-10
    # with no visit yet (an empty window: no adherence); k3 starts 03-11, after the as-of date (decoy)
    path = db_from(sessions="session_id,patient_id,course_id,session_date,therapist,status,pain_before,pain_after\n"
                            "s1,q1,k1,2026-03-01,Birch,attended,6,4\ns2,q1,k1,2026-03-02,Birch,attended,5,4\n",
                   courses="course_id,patient_id,start_date,planned_sessions\nk1,q1,2026-03-01,5\n"
                           "k2,q2,2026-03-10,10\nk3,q3,2026-03-11,10\n")
    signed_in_as("director")
    app = dashboard_on(path, monkeypatch, as_of="2026-03-10")
    open_page(app, PAGE)
    assert tiles(app)["Mean adherence"] == ("40 %", "over 1 course")
    assert tiles(app)["Ongoing"][1].startswith("50.0 % of 2 ")                         # k2 of k1 and k2
    assert any("Mean adherence and adherent are over 1 course, the other three over all 2: 1 course started "
               "on the as-of day with no visit yet" in c.value for c in app.caption)


def test_the_charts_numbers_download_as_csv_files_named_after_the_as_of_date(app, page_db):
    import json

    from page_support import press_download

    from clinic import access

    open_page(app, PAGE)
    buttons = {b.proto.label: b for b in app.get("download_button")}
    assert list(buttons) == ["Download the adherence bands (CSV)", "Download the drop-out timing (CSV)",
                             "Download the outcome by adherence (CSV)"]
    bands = press_download(buttons["Download the adherence bands (CSV)"]).decode().splitlines()
    assert bands[0].startswith("bin_low_pct,bin_high_pct,courses,share")
    # 0.2 -> 20-30, 0.6 -> 60-70, 1.0 -> 90-100: one course of three in each
    assert [line.split(",")[:3] for line in bands[1:]] == [
        [str(10 * k), str(10 * k + 10), "1" if k in (2, 6, 9) else "0"] for k in range(10)]
    drops = press_download(buttons["Download the drop-out timing (CSV)"]).decode().splitlines()
    assert [line.split(",")[:2] for line in drops] == [["sessions_attended", "courses"], ["0", "0"], ["1", "0"],
                                                        ["2", "1"]]        # c2 left after 2 attended sessions
    outcome = press_download(buttons["Download the outcome by adherence (CSV)"]).decode().splitlines()
    assert len(outcome) == 1 + 2                                          # adherent, then the others
    entry = access.AccessStore.for_database(page_db).audit_entries(action="export")[0]     # the latest
    assert json.loads(entry["detail"]) == {"file": "adherence-outcome-as-of-2026-03-20.csv", "rows": 2}
