"""The Fair comparison page (AppTest): the director's funnel plot and observed-against-expected on the
page fixture; the measure and unit in the page's address; a therapist's view of the whole clinic,
which names no other therapist and hides what the privacy rule hides.

The page fixture (tests/conftest.py), as of 2026-03-20: Birch c1 relieved (8->4) and p3's course not
(7->7), Cedar c2 not (6->5): relief 1 of 3, mean 1/3; Birch 1 of 2, Cedar 0 of 1, both fewer than the
5 courses needed to judge. Only 3 courses: too few for the case-mix model (30).
"""
from __future__ import annotations

import pytest
from conftest import dashboard_on

from page_support import open_page
from plotly_support import specs
from query_support import build_db
from test_funnel import SESSIONS as FUNNEL_SESSIONS
from test_page_access import everything_sent
from test_text_is_inert import hostile_db  # noqa: F401  (a fixture: the clinic with hostile names)

PAGE = "pages/fair_comparison.py"


def texts(at) -> str:
    return "\n".join(e.value for kind in ("markdown", "caption", "info", "warning") for e in getattr(at, kind))


def test_the_director_sees_the_funnel_with_every_therapist_named_and_the_limits(app):
    open_page(app, PAGE)
    assert app.title[0].value == "Fair comparison"
    funnel_spec = specs(app)[0]
    points = funnel_spec["data"][-1]
    assert points["text"] == ["Birch", "Cedar"] and points["x"] == [2, 1]
    assert points["y"] == [50.0, 0.0]
    mean = [t for t in funnel_spec["data"] if t["name"].startswith("clinic mean")][0]
    assert mean["y"][0] == pytest.approx(100 / 3)
    table = app.dataframe[0].value
    assert list(table["label"]) == ["Birch", "Cedar"]
    assert list(table["standing"]) == ["too few to judge", "too few to judge"]
    assert "Clinic mean 33.3 % over 3 assessable courses" in texts(app)


def test_with_three_courses_the_page_says_why_there_is_no_case_mix_model(app):
    open_page(app, PAGE)
    [warning] = app.warning
    assert warning.value.startswith("Too few courses to fit the case-mix model: 3 can be judged")
    assert len(specs(app)) == 1                                  # the funnel only, no forest plot


def test_the_measure_and_the_unit_come_from_the_pages_address(app):
    app.query_params["fair.by"] = "Sites"                # the address holds the choice as it is shown
    open_page(app, PAGE)
    points = specs(app)[0]["data"][-1]
    # North: c1 (relieved) and p3's course; Central: c2 -> North 1 of 2, Central 0 of 1
    assert sorted(zip(points["text"], points["y"])) == [("Central", 0.0), ("North", 50.0)]
    app.selectbox(key="fair.measure").set_value("responder").run()
    assert not app.exception
    # responders: c1 (8 -> 3: 62.5 %) yes, c2 (6 -> 6: 0 %) no, p3 (7 -> 6: 14.3 %) no -> North 1 of 2
    points = specs(app)[0]["data"][-1]
    assert sorted(zip(points["text"], points["y"])) == [("Central", 0.0), ("North", 50.0)]
    assert "Responders" in specs(app)[0]["layout"]["title"]["text"]


def test_the_downloads_state_the_settings(app):
    open_page(app, PAGE)
    [download] = app.get("download_button")
    assert download.proto.label == "Download the funnel table (CSV)"


def test_a_therapist_of_a_clinic_too_small_to_share_sees_neither_the_clinic_nor_another_name(app, signed_in_as):
    # 3 patients in all: fewer than 11, so the clinic total (and every cell) is hidden from a therapist
    signed_in_as("birch")
    open_page(app, PAGE)
    assert not app.exception
    assert "too few patients to show to a therapist's account" in texts(app)
    assert not app.get("plotly_chart") and not app.dataframe
    sent = everything_sent(app)
    assert "Cedar" not in sent


def test_a_therapist_sees_their_own_point_named_and_the_other_therapist_unnamed(tmp_path, monkeypatch, signed_in_as):
    # tests/test_funnel.py's clinic: A 4 assessable (3 relieved) of 6 patients, B 2 (0 relieved) of 2;
    # with cells of 2 patients allowed neither is hidden (see test_funnel)
    path = build_db(tmp_path / "fair", FUNNEL_SESSIONS)
    monkeypatch.setenv("CLINIC_MIN_CELL_PATIENTS", "2")
    at = dashboard_on(path, monkeypatch, "2026-03-20")
    signed_in_as("a")                                              # therapist "A"
    open_page(at, PAGE)
    assert not at.exception
    points = specs(at)[0]["data"][-1]
    assert points["text"] == ["A", ""] and points["x"] == [4, 2]
    assert list(at.dataframe[0].value["label"]) == ["A", "another therapist"]
    assert "Signed in as therapist A" in texts(at)
    sent = everything_sent(at)
    assert "\"B\"" not in sent and "'B'" not in sent
    for table in at.dataframe:
        assert "B" not in set(table.value.iloc[:, 0].astype(str))


def test_a_hostile_therapist_or_site_name_reads_as_text_in_the_funnel_and_the_tables(hostile_db, monkeypatch,
                                                                                      signed_in_as):
    from test_text_is_inert import THERAPIST, assert_inert

    at = dashboard_on(hostile_db, monkeypatch, "2026-03-20")
    open_page(at, PAGE)
    from clinic.text import for_plotly

    assert for_plotly(THERAPIST) in specs(at)[0]["data"][-1]["text"]
    assert_inert(at)
    at.selectbox(key="fair.by").set_value("site").run()
    assert not at.exception
    assert_inert(at)


def test_before_the_first_course_the_page_says_there_is_nothing_to_compare(app):
    app.query_params["as_of"] = "2026-02-01"                     # every course of the fixture starts in March
    open_page(app, PAGE)
    assert any(i.value.startswith("No courses match these filters") for i in app.info)
    assert not app.get("plotly_chart") and not app.dataframe
