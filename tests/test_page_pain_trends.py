"""The Pain-trends page on the hand-computed page fixture (see conftest.py for the data).

As of 2026-03-20 the fixture has three courses (c4 starts later; p3's 03-21 visit is after as-of):
  c1 (Birch): 8->4, 6->3, 5->3, 4->2, 3->2
  c2 (Cedar): 6->5, (no-show), 6->5
  p3 (Birch): 7->7, 7->6, 6->4
Session 1: before 8, 6, 7 -> mean 7; after 4, 5, 7 -> 16/3.  Session 2: before 6, 6, 7 -> 19/3; after
3, 5, 6 -> 14/3.  Session 3: c1 and p3 only, fewer than the 3 courses that started: the cut comes
after session 2.  March: 10 scored sessions of 3 courses, each course once with its own mean:
c1 (8+6+5+4+3) / 5 = 26/5, c2 (6+6) / 2 = 6, p3 (7+7+6) / 3 = 20/3 -> (26/5 + 6 + 20/3) / 3 = 268/45
(5.96; over the sessions instead, 58 / 10 = 5.8).
"""
from __future__ import annotations

import pytest
import streamlit as st
from page_support import metrics_of, open_page
from plotly_support import figures
from streamlit.testing.v1 import AppTest

from clinic.charts import PALETTE
from clinic.charts import pain as charts
from clinic.db import ROOT

PAGE = "pages/pain_trends.py"


def trace(fig, name):
    return next(t for t in fig.data if t.name == name)


def test_the_page_shows_the_hand_computed_kpis(app):
    open_page(app, PAGE)
    assert metrics_of(app) == {
        "Courses": "3",
        "Median sustained improvement": "14 %",     # median of 62.5, 0 and 100/7
        "Responders (≥ 30 % better)": "33.3 %",     # c1 (62.5 %) of 3, to the interval's one decimal
        "≥ 50 % better": "33.3 %",           # c1 of 3
    }
    # 0, 100/7 and 62.5 sorted: the quartiles at ranks 0.5 and 1.5 are 50/7 = 7.1 and (100/7 + 62.5) / 2 = 38.4
    assert [m.delta for m in app.metric] == ["3 patients", "IQR 7.1–38.4 % · n = 3",
                                             "95 % CI 6.1–79.2 % · n = 3", "95 % CI 6.1–79.2 % · n = 3"]


def test_the_headline_leads_with_the_within_course_change_then_a_paired_comparison(app):
    open_page(app, PAGE)
    text = " ".join(m.value for m in app.markdown)
    # each course against its own start: 62.5 %, 0 % and 100/7 = 14.3 % -> median 14 %; c1 alone >= 30 %:
    # 1 of 3 = 33.3 %, to one decimal as its tile
    assert text.startswith("Within each course, **pain fell by a median of 14 %** from the first to the last "
                           "scored visit (3 courses with pain scored on two different days); **33.3 %** improved")
    # the chart stops after session 2, which all three courses reached: c1 8 -> 6, c2 6 -> 6, p3 7 -> 7,
    # so 21/3 = 7.0 before session 1 and 19/3 = 6.3 before session 2, down 2/3 = 0.7 points
    assert ("The 3 courses that reached session 2 (scored at both) went from **7.0 / 10** before session 1 "
            "to **6.3 / 10** before session 2 (down 0.7 points); in the chart below, later sessions hold only "
            "the courses that got that far.") in text
    assert any("a flat line does not mean that nobody improves" in c.value for c in app.caption)


def test_the_session_chart_shows_pain_going_down_until_the_cut(app):
    open_page(app, PAGE)
    by_session, before_after, by_month = figures(app)
    line = trace(by_session, "Mean pain before session")
    assert list(line.x) == [1, 2]
    assert list(line.y) == pytest.approx([7, 19 / 3])
    assert list(trace(by_session, "Courses behind each point").y) == [3, 3]
    assert "Cut after session 2 of 5 recorded" in by_session.layout.title.subtitle.text
    assert list(trace(before_after, "After the session").y) == pytest.approx([16 / 3, 14 / 3])
    assert list(trace(by_month, "Mean pain before session (bar: 95 % interval)").y) == []   # no full month yet
    march = trace(by_month, charts.PARTIAL)                      # March is still running on 03-20
    assert list(march.y) == pytest.approx([268 / 45]) and march.marker.symbol == "circle-open"
    assert "March 2026 is a partial month, sessions up to 20 Mar" in by_month.layout.title.subtitle.text


def test_a_month_that_ended_on_a_past_as_of_date_is_drawn_as_a_whole_month(app):
    # As of 2026-03-31, a day long over: March is whole. Its scored sessions now include p3's 03-21 (4)
    # and c4's 03-25 (9): course means c1 26/5, c2 6, p3 (7+7+6+4) / 4 = 6, c4 9 -> (26/5 + 21) / 4 =
    # 131/20 = 6.55 (over the 12 sessions it would be 71/12 = 5.92); 4 courses, fewer than 5, so all.
    app.query_params["as_of"] = "2026-03-31"
    open_page(app, PAGE)
    by_month = figures(app)[-1]
    assert list(trace(by_month, charts.MONTH_LINE).y) == pytest.approx([131 / 20])
    assert not [t for t in by_month.data if t.name == charts.PARTIAL]
    assert "partial" not in by_month.layout.title.subtitle.text


def test_choosing_a_therapist_in_the_sidebar_changes_the_page(app):
    open_page(app, PAGE)
    app.sidebar.multiselect(key="therapist").select("Birch").run()
    assert metrics_of(app) == {
        "Courses": "2",                             # c1 and p3
        "Median sustained improvement": "38 %",     # (62.5 + 100/7) / 2
        "Responders (≥ 30 % better)": "50.0 %",       # c1 of 2
        "≥ 50 % better": "50.0 %",
    }
    # both reach session 3, the chart's last: c1 8 -> 5, p3 7 -> 6: (8 + 7) / 2 = 7.5 to (5 + 6) / 2 = 5.5
    text = " ".join(m.value for m in app.markdown)
    assert "The 2 courses that reached session 3 (scored at both) went from **7.5 / 10**" in text
    assert "to **5.5 / 10** before session 3 (down 2.0 points)" in text
    line = trace(figures(app)[0], "Mean pain before session")
    assert list(line.y) == pytest.approx([7.5, 6.5, 5.5])   # (8+7)/2, (6+7)/2, (5+6)/2: both courses to session 3


def test_a_split_with_too_few_courses_per_cohort_says_so_instead_of_drawing(app):
    open_page(app, PAGE)
    app.selectbox(key="pain.split").set_value("therapist").run()
    assert not app.exception
    infos = " ".join(i.value for i in app.info)
    assert "No therapist has the 5 scored courses a line needs" in infos      # Birch 2, Cedar 1
    assert "No therapist has a month with the 5 scored courses" in infos
    assert len(app.get("plotly_chart")) == 1                                  # the before/after chart stays


def test_an_empty_database_says_so_in_words(empty_db, monkeypatch):
    monkeypatch.setenv("CLINIC_DB", str(empty_db))
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60).run()
    at.switch_page(PAGE).run()
    assert not at.exception
    assert any("No courses match" in i.value for i in at.info)
    assert not at.get("plotly_chart")


@pytest.fixture
def two_therapist_app(tmp_path, monkeypatch):
    """Five courses of Alder (pain 8 then 6) and five of Birch (pain 6 then 5), each scored on
    2026-03-02 and 03-03: enough (5 scored courses) for a line per therapist."""
    import datetime as dt

    from clinic import importer

    rows = ["session_id,patient_id,course_id,session_date,therapist,status,pain_before,pain_after"]
    for n in range(10):
        therapist, (first, second) = ("Alder", (8, 6)) if n < 5 else ("Birch", (6, 5))
        rows += [f"s{n}a,p{n},c{n},2026-03-02,{therapist},attended,{first},{first - 1}",
                 f"s{n}b,p{n},c{n},2026-03-03,{therapist},attended,{second},{second - 1}"]
    sessions = tmp_path / "sessions.csv"
    sessions.write_text("\n".join(rows) + "\n", encoding="utf-8")
    [result] = importer.import_files([sessions], tmp_path / "clinic.duckdb", today=dt.date(2026, 3, 31))
    assert result.rejected == 0 and not result.refused
    monkeypatch.setenv("CLINIC_DB", str(tmp_path / "clinic.duckdb"))
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.query_params["as_of"] = "2026-03-20"
    return at


def test_split_by_therapist_one_line_can_be_highlighted_against_the_rest_in_grey(two_therapist_app):
    at = open_page(two_therapist_app, PAGE)
    at.selectbox(key="pain.split").set_value("therapist").run()
    highlight = at.selectbox(key="pain.highlight.therapist")
    assert highlight.options == ["None: every line in its own colour", "Alder", "Birch"]
    by_session = figures(at)[0]
    assert [t.name for t in by_session.data if t.yaxis == "y"] == ["Alder", "Birch"]
    highlight.set_value("Birch").run()
    by_session, _before_after, by_month = figures(at)
    lines = [t for t in by_session.data if t.yaxis == "y"]
    assert [(t.name, t.line.color) for t in lines] == [("Other therapists", charts.OTHERS), ("Birch", PALETTE[0])]
    assert list(lines[1].y) == pytest.approx([6, 5])                           # Birch: 6 then 5 in every course
    months = [t for t in by_month.data if t.mode == "lines+markers" and t.x != (None,)]
    assert [t.line.color for t in months] == [charts.OTHERS, PALETTE[0]]


def test_the_month_by_month_numbers_download_with_the_running_month_marked(app, page_db):
    import json

    from page_support import press_download

    from clinic import access

    open_page(app, PAGE)
    buttons = {b.proto.label: b for b in app.get("download_button")}
    lines = press_download(buttons["Download pain month by month (CSV)"]).decode().splitlines()
    # no split: no cohort column. March: 10 scored sessions of 3 courses, 268/45 (the module's docstring),
    # still running on 03-20
    assert lines[0] == "month_start,sessions,courses,mean_pain_before,ci_low,ci_high,key_courses,month_complete,shown"
    assert len(lines) == 2
    month, sessions, courses, mean, _low, _high, key_courses, complete, shown = lines[1].split(",")
    assert (month, sessions, courses, float(mean), key_courses, complete, shown) == \
        ("2026-03-01", "10", "3", pytest.approx(268 / 45), "3", "False", "True")
    entry = access.AccessStore.for_database(page_db).audit_entries(action="export")[0]
    assert json.loads(entry["detail"]) == {"file": "pain-by-month-as-of-2026-03-20.csv", "rows": 1}


def test_split_by_therapist_the_files_name_the_therapist_column(app):
    from page_support import press_download

    open_page(app, PAGE)
    app.selectbox(key="pain.split").set_value("therapist").run()
    buttons = {b.proto.label: b for b in app.get("download_button")}
    months = press_download(buttons["Download pain month by month (CSV)"]).decode().splitlines()
    assert months[0].startswith("therapist,month_start,sessions,courses,mean_pain_before,")
    # Birch: c1 (8+6+5+4+3) / 5 = 26/5 and p3 (7+7+6) / 3 = 20/3, 8 sessions of 2 courses: (26/5 + 20/3)
    # / 2 = 89/15 (over the sessions 46 / 8 = 5.75); Cedar: c2 6+6 over 2 of 1; neither has the 5 scored
    # courses a line's month needs
    rows = [line.split(",") for line in months[1:]]
    assert [(r[0], r[2], r[3], float(r[4]), r[-1]) for r in rows] == [
        ("Birch", "8", "2", pytest.approx(89 / 15), "False"), ("Cedar", "2", "1", pytest.approx(6.0), "False")]
    sessions = press_download(buttons["Download pain by session number (CSV)"]).decode().splitlines()
    assert sessions[0].startswith("therapist,session_number,")
    assert {line.split(",")[0] for line in sessions[1:]} == {"Birch", "Cedar"}
