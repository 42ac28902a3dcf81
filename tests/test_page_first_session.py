"""The First-session-relief page on the hand-computed page fixture (see conftest.py for the data).

As of 2026-03-20 the first attended sessions are c1 (Birch) 8->4, c2 (Cedar) 6->5, p3 (Birch) 7->7.
  >= 30 %: c1 10*4 = 40 >= 24 yes; c2 10*1 = 10 < 18 no; p3 0 no  -> 1 of 3 (33 %)
  >= 2 points: c1 yes, c2 no, p3 no                            -> 1 of 3
Wilson 95 % for 1 of 3 (z^2 = 3.841459): denominator 1 + z^2/3 = 2.280486;
  centre (1/3 + z^2/6) / 2.280486 = 0.973577 / 2.280486 = 0.426915;
  half-width z * sqrt((1/3)(2/3)/3 + z^2/36) / 2.280486 = 1.959964 * 0.425183 / 2.280486 = 0.365423
  -> 6.1 % – 79.2 %: it straddles 50 %, so the claim is undecided.
By therapist: Birch c1 yes, p3 no -> 1 of 2 (50.0 %); Cedar c2 no -> 0 of 1 (0.0 %).
First-session change (after - before): c1 -4 (relieved), c2 -1 and p3 0 (not relieved).
"""
from __future__ import annotations

import pytest
import streamlit as st
from page_support import metrics_of, open_page
from plotly_support import figures
from streamlit.testing.v1 import AppTest

from clinic.db import ROOT

PAGE = "pages/first_session.py"


def text_of(at) -> str:
    return " ".join([m.value for m in at.markdown] + [c.value for c in at.caption])


def test_the_page_states_the_rule_and_shows_the_hand_computed_rate_and_interval(app):
    open_page(app, PAGE)
    assert "pain fell by at least 30 % after the first session" in text_of(app)
    assert metrics_of(app) == {
        "First-session relief": "33.3 %",       # 1 of 3
        "95 % interval": "6.1–79.2 %",          # Wilson, worked out above
        "Assessable courses": "3",
        "Not assessable": "0",
    }
    assert "**Undecided:**" in text_of(app)
    assert ("with relief meaning *pain fell by at least 30 % after the first session*? **Undecided:**"
            in text_of(app))                                 # the rule stands next to the verdict
    assert "All 3 matching courses can be judged" in text_of(app)


def test_the_rate_by_therapist_comes_with_its_table_and_download(app):
    open_page(app, PAGE)
    table = app.dataframe[0].value
    assert list(table.cohort) == ["Birch", "Cedar"]
    assert list(table.relief_assessable) == [2, 1]
    assert list(table.relieved) == [1, 0]
    assert list(table.relief_rate_pct) == pytest.approx([50.0, 0.0])
    by_cohort = figures(app)[1]
    assert by_cohort.layout.title.text == "First-session relief by therapist"
    assert sorted(y for t in by_cohort.data for y in t.y) == ["Birch", "Cedar"]
    assert any(b.label == "Download this table (CSV)" for b in app.get("download_button"))


def test_the_cohort_can_be_changed_on_the_page(app):
    open_page(app, PAGE)
    app.selectbox(key="relief.by").set_value("diagnosis").run()
    table = app.dataframe[0].value
    assert list(table.cohort) == ["Disc herniation", "Other", "Piriformis syndrome"]   # c1, p3, c2
    assert list(table.relieved) == [1, 0, 0]


def test_the_histogram_shows_each_first_session_change_coloured_by_outcome(app):
    open_page(app, PAGE)
    histogram = figures(app)[2]
    by_name = {t.name: t for t in histogram.data}
    assert list(by_name["Relieved"].x) == [-4] and list(by_name["Relieved"].y) == [1]      # c1
    assert list(by_name["Not relieved"].x) == [-1, 0]                                      # c2, p3
    assert "3 courses with both first-session scores" in histogram.layout.title.subtitle.text


def test_choosing_a_therapist_or_another_rule_in_the_sidebar_changes_the_page(app):
    open_page(app, PAGE)
    app.sidebar.multiselect(key="therapist").select("Birch").run()
    assert metrics_of(app)["First-session relief"] == "50.0 %"     # c1 yes, p3 no
    assert metrics_of(app)["Assessable courses"] == "2"
    app.sidebar.radio(key="relief").set_value("points2").run()
    assert "pain fell by at least 2 points after the first session" in text_of(app)
    assert metrics_of(app)["First-session relief"] == "50.0 %"     # c1 8 -> 4 yes; p3 7 -> 7 no


def test_an_empty_database_says_so_in_words(empty_db, monkeypatch):
    monkeypatch.setenv("CLINIC_DB", str(empty_db))
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60).run()
    at.switch_page(PAGE).run()
    assert not at.exception
    assert any("No courses match" in i.value for i in at.info)
    assert not at.get("plotly_chart")
