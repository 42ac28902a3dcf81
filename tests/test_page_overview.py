"""The Overview page on the hand-computed page fixture (see conftest.py for the arithmetic)."""
from __future__ import annotations

import streamlit as st
from streamlit.testing.v1 import AppTest

from clinic.db import ROOT


def metrics_of(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_the_overview_shows_the_hand_computed_kpis_as_of_the_chosen_date(app):
    app.run()
    assert not app.exception
    assert metrics_of(app) == {
        "Active courses": "1",                   # c1 completed, c2 dropped out, p3 ongoing
        "Patients": "3",
        "First-session relief": "33 %",          # 1 of 3
        "Median pain reduction": "14 %",         # median of 62.5, 0 and 100/7
        "Mean adherence": "57 %",                # (1 + 0.2 + 0.5) / 3
        "Drop-out rate": "33 %",                 # 1 of 3
    }


def test_choosing_a_therapist_in_the_sidebar_changes_the_kpis(app):
    app.run()
    app.sidebar.multiselect(key="therapist").select("Birch").run()
    assert metrics_of(app)["First-session relief"] == "50 %"        # c1 yes, p3 no
    assert metrics_of(app)["Median pain reduction"] == "38 %"       # (62.5 + 100/7) / 2
    assert metrics_of(app)["Mean adherence"] == "75 %"              # (1 + 0.5) / 2
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


def test_the_attention_lists_name_the_courses_that_need_a_call_or_a_check(app):
    app.run()
    labels = [t.label for t in app.tabs]
    assert labels == ["Not seen for 8–30 days mid-course (1)", "No doctor's conclusion (1)",
                      "Treated during acute inflammation (1)", "Numbness reported (1)"]
    tables = [df.value for df in app.dataframe]
    assert list(tables[0]["course_id"]) == ["c2"]           # last visit 03-03, 17 days before 03-20
    assert list(tables[1]["course_id"]) == ["p3:2026-03-15"]
    assert list(tables[2]["course_id"]) == ["p3:2026-03-15"]
    assert list(tables[3]["course_id"]) == ["p3:2026-03-15"]


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
