"""The Overview page on the hand-computed page fixture (see conftest.py for the arithmetic)."""
from __future__ import annotations

import streamlit as st
from page_support import metrics_of
from streamlit.testing.v1 import AppTest

from clinic.db import ROOT


def test_the_overview_shows_the_hand_computed_kpis_as_of_the_chosen_date(app):
    app.run()
    assert not app.exception
    assert metrics_of(app) == {
        "Courses": "3",
        "Patients": "3",
        "First-session relief": "33 %",          # 1 of 3
        "Median pain reduction": "14 %",         # median of 62.5, 0 and 100/7
        "Mean adherence": "60 %",                # (1 + 0.2 + 0.6) / 3
        "Drop-out rate": "33 %",                 # 1 of 3
    }
    deltas = {m.label: m.delta for m in app.metric}
    assert deltas["Courses"] == "1 active now"   # c1 completed, c2 dropped out, p3 ongoing
    assert deltas["Median pain reduction"] == "1 of 3 improved ≥ 30 %"   # only c1 (62.5 %)


def test_choosing_a_therapist_in_the_sidebar_changes_the_kpis(app):
    app.run()
    app.sidebar.multiselect(key="therapist").select("Birch").run()
    assert metrics_of(app)["First-session relief"] == "50 %"        # c1 yes, p3 no
    assert metrics_of(app)["Median pain reduction"] == "38 %"       # (62.5 + 100/7) / 2
    assert metrics_of(app)["Mean adherence"] == "80 %"              # (1 + 0.6) / 2
    assert metrics_of(app)["Drop-out rate"] == "0 %"


def test_a_link_with_filters_in_its_url_reproduces_the_view(app):
    # The URL carries what the sidebar shows: therapist names and the rule's label.
    app.query_params["therapist"] = "Birch"
    app.query_params["relief"] = "≥ 2 points"
    app.query_params["diagnosis"] = "Other"
    app.run()
    assert app.sidebar.multiselect(key="therapist").value == ["Birch"]
    assert app.sidebar.radio(key="relief").value == "points2"
    assert app.sidebar.multiselect(key="diagnosis").value == ["other"]
    # Birch and diagnosis "other": only p3's course, 7 -> 7: not relieved under the 2-point rule
    assert metrics_of(app)["Patients"] == "1"
    assert metrics_of(app)["First-session relief"] == "0 %"


def test_filters_survive_a_page_switch(app):
    app.run()
    app.sidebar.multiselect(key="therapist").select("Cedar").run()
    app.switch_page("pages/cohorts.py").run()
    app.switch_page("pages/overview.py").run()
    assert not app.exception
    assert app.sidebar.multiselect(key="therapist").value == ["Cedar"]
    assert metrics_of(app)["Patients"] == "1"


def test_the_attention_lists_name_the_current_courses_that_need_a_call_or_a_check(app):
    app.run()
    labels = [t.label for t in app.tabs]
    assert labels == ["Not seen for 8 or more days (1)", "No doctor's conclusion (1)",
                      "Treated during acute inflammation (1)", "Numbness reported (1)"]
    tables = [df.value for df in app.dataframe]
    assert list(tables[0]["course_id"]) == ["c2"]           # last visit 03-03, 17 days before 03-20
    assert list(tables[1]["course_id"]) == ["p3:2026-03-15"]
    assert list(tables[2]["course_id"]) == ["p3:2026-03-15"]
    assert list(tables[3]["course_id"]) == ["p3:2026-03-15"]
    assert list(tables[0]["link"]) == ["./patients?patients.course=c2"]


def test_the_attention_lists_leave_out_courses_not_seen_for_more_than_30_days(app):
    # As of 2026-04-05: c2's last visit (03-03) is 33 days back, so it is no longer current;
    # c1 (completed 03-05, 31 days back) neither; p3 was last seen 03-21 (15 days back) and c4,
    # started 03-25, on 03-25 (11 days back): the shorter absence comes first.
    app.query_params["as_of"] = "2026-04-05"
    app.run()
    labels = [t.label for t in app.tabs]
    assert labels == ["Not seen for 8 or more days (2)", "No doctor's conclusion (1)",
                      "Treated during acute inflammation (1)", "Numbness reported (1)"]
    assert list(app.dataframe[0].value["course_id"]) == ["c4", "p3:2026-03-15"]


def test_the_claim_verdict_is_undecided_with_three_courses(app):
    app.run()
    text = " ".join(m.value for m in app.markdown)
    assert "Undecided" in text           # Wilson interval for 1 of 3 straddles 50 %


def test_an_empty_database_says_so_in_words(empty_db, monkeypatch):
    monkeypatch.setenv("CLINIC_DB", str(empty_db))
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60).run()
    assert not at.exception
    assert any("No courses match" in i.value for i in at.info)


def test_a_missing_database_named_by_clinic_db_is_explained_and_only_import_is_offered(tmp_path, monkeypatch):
    monkeypatch.setenv("CLINIC_DB", str(tmp_path / "nowhere.duckdb"))
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60).run()
    assert not at.exception
    assert any("There is no database at" in e.value for e in at.error)
    assert not (tmp_path / "nowhere.duckdb").exists()


def test_the_weekly_pain_counts_each_course_once_a_week(page_db):
    import datetime as dt

    from clinic import db, metrics
    from clinic.filters import Filters

    f = Filters(as_of=dt.date(2026, 3, 20))
    con = db.connect(page_db, read_only=True)
    try:
        weeks = db.run(con, "overview_weekly_pain", all_courses=metrics.all_courses(con, f), **f.params())
    finally:
        con.close()
    # Week of Mon 02-23: c1 03-01 (8) and c2 03-01 (6) -> courses 2, mean (8 + 6) / 2 = 7
    # Week of Mon 03-02: c1 6, 5, 4, 3 (mean 4.5) and c2 6 (the no-show has no score) -> (4.5 + 6) / 2
    # Week of Mon 03-16: p3 7, 6 (03-16, 03-18; 03-15 is a Sunday of the week before) -> 6.5
    # Week of Mon 03-09: p3 03-15 (7); the 03-21 session is after the as-of date
    assert [str(w.date()) for w in weeks.week_start] == ["2026-02-23", "2026-03-02", "2026-03-09", "2026-03-16"]
    assert list(weeks.courses) == [2, 2, 1, 1]
    assert list(weeks.sessions) == [2, 5, 1, 2]
    assert list(weeks.mean_pain) == [7.0, (4.5 + 6) / 2, 7.0, 6.5]


def test_a_database_busy_with_an_import_gives_a_plain_message_not_a_traceback(app, monkeypatch):
    from clinic import db, store

    def busy(path):
        raise db.DatabaseLocked("the database is in use by another process")

    monkeypatch.setattr(store, "reading", busy)
    app.run()
    assert not app.exception
    assert any("busy with an import" in w.value for w in app.warning)
