"""The Data quality page (AppTest): the director sees the counts and opens the rows behind one; a
therapist is told the page is the director's and gets none of it.

Two clinics: the page fixture of tests/conftest.py (every attended session scored; p3's course is
inferred and has no courses-file row; p2 has imaging none and p3 no doctor's conclusion), and the
clinic of tests/test_queries_quality.py (3 of 9 attended sessions without both scores, worked out
there by hand).
"""
from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from clinic.db import ROOT
from page_support import check_tile_rows, metrics_of, open_page, press_download
from conftest import dashboard_on
from query_support import build_db
from test_page_access import everything_sent
from test_queries_quality import COURSES, PATIENTS, SESSIONS

PAGE = "pages/data_quality.py"


def shown_texts(at) -> str:
    return "\n".join(e.value for kind in ("success", "info", "caption", "markdown") for e in getattr(at, kind))


def test_the_director_sees_each_count_with_what_it_is_counted_among(app):
    open_page(app, PAGE)
    assert app.title[0].value == "Data quality"
    assert metrics_of(app) == {"Sessions without pain scores": "0", "Courses without a planned length": "1",
                               "Patients without a diagnosis": "0", "Patients without paperwork": "2",
                               "New courses after a long gap": "0", "Visits before the listed start": "0"}
    captions = [c.value for c in app.caption]
    assert "25.0 % of 4 courses" in captions and "50.0 % of 4 patients" in captions
    assert "none of 1 inferred courses" in captions
    assert "Every attended session has both pain scores." in shown_texts(app)
    assert "Only the sidebar's **therapist** and **site** filters apply here" in shown_texts(app)


def test_the_counts_stand_in_a_wrapping_row_of_tiles_wide_enough_for_a_networks_numbers(app):
    # columns of a fixed number cut a count to "36,7…" beside the open sidebar at 1,024 px
    open_page(app, PAGE)
    assert check_tile_rows(app, "quality.tiles") == [["Sessions without pain scores", "Courses without a planned "
                                                      "length", "Patients without a diagnosis",
                                                      "Patients without paperwork", "New courses after a long gap",
                                                      "Visits before the listed start"]]


def test_listing_the_patients_without_paperwork_shows_them_and_offers_all_of_them_as_csv(app):
    open_page(app, PAGE)
    assert not app.dataframe
    app.button(key="quality.show.paperwork").click().run()
    assert not app.exception
    rows = app.dataframe[0].value
    assert list(rows.patient_id) == ["p3", "p2"]                 # last seen 03-21 (p3), 03-03 (p2)
    assert list(rows.lacking) == ["doctor's conclusion, blood tests", "imaging"]
    assert "All 2 patients, most recently seen first." in shown_texts(app)
    [download] = app.get("download_button")
    assert download.proto.label == "Download all 2 patients (CSV)"


def test_a_link_with_the_list_in_its_address_opens_that_list(app):
    app.query_params["quality.open"] = "unplanned"
    open_page(app, PAGE)
    assert list(app.dataframe[0].value.course_id) == ["p3:2026-03-15"]      # inferred, no courses-file row


def test_opening_a_list_puts_it_in_the_pages_address(app):
    open_page(app, PAGE)
    app.button(key="quality.show.unplanned").click().run()
    assert app.query_params.get("quality.open") == "unplanned"


def test_a_count_of_nothing_cannot_be_opened(app):
    open_page(app, PAGE)
    assert app.button(key="quality.show.gaps").disabled
    assert app.button(key="quality.show.unplanned").disabled is False


def test_the_sessions_without_pain_scores_open_with_the_heatmap_and_narrow_to_one_therapist(
        tmp_path, monkeypatch, signed_in_as):
    at = dashboard_on(build_db(tmp_path / "quality", SESSIONS, COURSES, PATIENTS), monkeypatch, None)
    open_page(at, PAGE)
    assert metrics_of(at)["Sessions without pain scores"] == "3"
    assert "33.3 % of 9 attended sessions" in [c.value for c in at.caption]
    [chart] = at.get("plotly_chart")
    assert "by therapist and month" in chart.proto.spec
    grid = at.dataframe[0].value                                 # the table beside the heatmap
    assert list(zip(grid.therapist, grid.month, grid.missing_pain_sessions, grid.attended_sessions)) == [
        ("Birch", "2026-01", 1, 4), ("Birch", "2026-03", 1, 1), ("Cedar", "2026-01", 1, 1),
        ("Cedar", "2026-02", 0, 2), ("Cedar", "2026-03", 0, 1)]
    # its share in per cent, one decimal, as the caption above: 1 of 4, 1 of 1, 1 of 1, 0 of 2, 0 of 1
    assert list(grid.missing_share) == pytest.approx([25.0, 100.0, 100.0, 0.0, 0.0])
    assert json.loads(at.dataframe[0].proto.columns)["missing_share"]["type_config"]["format"] == "%.1f %%"
    [grid_file] = [b for b in at.get("download_button") if b.proto.label == "Download this table (CSV)"]
    lines = press_download(grid_file).decode().splitlines()
    assert lines[0] == ("therapist,month,attended_sessions,missing_pain_sessions,missing_share,missing_before,"
                        "missing_after,month_complete")
    assert {line.rsplit(",", 1)[1] for line in lines[1:]} == {"True"}      # 2026's first quarter is over
    assert [tuple(line.split(",")[:5]) for line in lines[1:]] == [
        ("Birch", "2026-01", "4", "1", "0.25"), ("Birch", "2026-03", "1", "1", "1.0"),
        ("Cedar", "2026-01", "1", "1", "1.0"), ("Cedar", "2026-02", "2", "0", "0.0"),
        ("Cedar", "2026-03", "1", "0", "0.0")]
    at.button(key="quality.show.pain").click().run()
    assert list(at.dataframe[-1].value.session_id) == ["s08", "s04", "s03"]
    at.selectbox(key="quality.pain_therapist").select("Cedar").run()
    assert not at.exception
    assert list(at.dataframe[-1].value.session_id) == ["s04"]
    [download] = [b for b in at.get("download_button") if b.proto.label != "Download this table (CSV)"]
    assert download.proto.label == "Download this session (CSV)"


def test_this_months_column_is_starred_in_the_heatmap_and_not_complete_in_its_table(
        tmp_path, monkeypatch, signed_in_as):
    # The page checks the records as they are now: today's month is still running. Birch has a
    # session without pain after on the 1st of this month and one in the month before (the decoy,
    # a whole month); both months show in the heatmap and the table, only this one as running.
    import datetime as dt

    today = dt.date.today()
    first = today.replace(day=1)
    before = (first - dt.timedelta(days=1)).replace(day=1)
    sessions = f"""
        session_id,patient_id,session_date,therapist,status,pain_before,pain_after
        s1,p1,{before},Birch,attended,6,
        s2,p1,{first},Birch,attended,5,
        """
    at = dashboard_on(build_db(tmp_path / "running", sessions, today=today), monkeypatch, None)
    open_page(at, PAGE)
    assert not at.exception
    [chart] = at.get("plotly_chart")
    spec = json.loads(chart.proto.spec)
    assert spec["data"][0]["x"] == [f"{before:%b %Y}", f"{first:%b %Y}*"]
    table = at.dataframe[0].value
    assert list(zip(table.month, table.month_complete)) == [(f"{before:%Y-%m}", True), (f"{first:%Y-%m}", False)]
    at.button(key="quality.show.pain").click().run()           # the list of those sessions, by month
    assert at.selectbox(key="quality.pain_month").options == ["All months", f"{first:%B %Y} (so far)",
                                                               f"{before:%B %Y}"]

def test_a_therapist_gets_the_directors_message_and_nothing_of_the_data(app, signed_in_as):
    signed_in_as("birch")
    open_page(app, PAGE)
    assert [t.value for t in app.title] == ["For the clinic director"]
    assert not app.metric and not app.dataframe and not app.get("plotly_chart") and not app.get("download_button")
    sent = everything_sent(app)
    for marker in ("p2", "p3", "paperwork", "without pain scores", "planned length"):
        assert marker not in sent


def test_the_director_regroups_the_courses_with_a_new_gap_and_every_page_follows(own_db, signed_in_as):
    # p3's rows without a course id: 03-15, 03-16, 03-18, 03-21. With a gap of 7 days they stay one
    # course; the page's words, and the sidebar's settings on the data pages (which draw them), say the
    # stored gap.
    from clinic import grouping, store

    app = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    app.query_params["as_of"] = "2026-03-20"
    open_page(app, "pages/data_quality.py")
    assert any("more than 30 days" in e.label for e in app.expander)
    app.number_input(key="quality.gap_days").set_value(7)
    app.button(key="FormSubmitter:quality.gap_form-Re-group the courses").click().run()
    assert not app.exception
    assert any("after more than 7 days (was 30)" in s.value for s in app.success)
    with store.reading(own_db) as con:
        assert grouping.stored_gap(con) == 7
    assert any("more than 7 days" in e.label for e in app.expander)
    open_page(app, "pages/cohorts.py")
    assert any("after a gap of more than 7 days" in c.value for c in app.sidebar.caption)


def test_a_link_opens_the_courses_with_visits_before_their_listed_start_with_their_csv(
        tmp_path, monkeypatch, signed_in_as):
    # the query tests' clinic: e1 first seen 2 days before its listed start, e2 every visit 19 days before
    from test_queries_quality import EARLY_COURSES, EARLY_PATIENTS, EARLY_SESSIONS

    at = dashboard_on(build_db(tmp_path / "early", EARLY_SESSIONS, EARLY_COURSES, EARLY_PATIENTS), monkeypatch, None)
    at.query_params["quality.open"] = "early"
    open_page(at, PAGE)
    assert metrics_of(at)["Visits before the listed start"] == "2"
    assert "33.3 % of 6 courses" in [c.value for c in at.caption]
    rows = at.dataframe[-1].value
    assert list(rows.course_id) == ["e2", "e1"] and list(rows.days_before_start) == [19, 2]
    assert list(rows.all_before_start) == [True, False]
    assert "All 2 courses, the latest listed start first." in shown_texts(at)
    [download] = [b for b in at.get("download_button") if b.proto.label == "Download all 2 courses (CSV)"]
    lines = press_download(download).decode().splitlines()
    assert [line.split(",")[0] for line in lines[1:]] == ["e2", "e1"]
