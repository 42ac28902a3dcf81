"""The Patients page's course view: the pain over the expected course, the below-expected verdict and
the progress report's download buttons.

Two clinics: the page fixture (conftest.py; c1 is the only disc-herniation course, so it has no similar
course) and the expected-course clinic of tests/test_trajectory.py (as of 2026-03-20, course T of
Birch has six similar completed courses, three of them Cedar's; T's pain 6 before session 4 is above
their 75th percentile there, 4; U's 4 is not).
"""
from __future__ import annotations

import json

import pytest
from page_support import open_page, press_download
from plotly_support import figures
from conftest import dashboard_on

from clinic.access import AccessStore
from clinic.charts.trajectory import BAND_NAME, MEDIAN_NAME
from query_support import build_db
from test_trajectory import COURSES, PATIENTS, SESSIONS

PAGE = "pages/patients.py"


@pytest.fixture(scope="module")
def expected_db(tmp_path_factory):
    return build_db(tmp_path_factory.mktemp("expected_page"), SESSIONS, COURSES, PATIENTS)


@pytest.fixture
def expected_app(expected_db, monkeypatch, signed_in_as):
    return dashboard_on(expected_db, monkeypatch, "2026-03-20")


def pain_chart(app):
    return next(f for f in figures(app) if "against the expected course" in f.layout.title.text)


def texts(elements) -> list[str]:
    return [e.value for e in elements]


def test_a_course_below_its_expected_course_is_drawn_over_the_band_and_warned_about(expected_app):
    expected_app.query_params["patients.course"] = "T"
    open_page(expected_app, PAGE)
    fig = pain_chart(expected_app)
    median = next(t for t in fig.data if t.name == MEDIAN_NAME)
    assert list(median.x) == [1, 2, 3, 4] and list(median.y) == [5, 4.5, 4, 3]
    band = [t for t in fig.data if t.name == BAND_NAME]
    assert list(band[0].y) == [5.75, 5, 4, 4] and list(band[1].y) == [4.25, 4, 3.25, 3]
    assert "Session 4: similar courses' pain before, median 3, middle half 3–4 (5 courses)" in median.hovertext
    assert any(c.startswith("Expected course: 6 similar completed courses (Disc herniation, moderate baseline pain, "
                            "4–6)") for c in texts(expected_app.caption))
    assert any(w.startswith("Below the expected course: pain 6 before session 4, above the 75th percentile")
               for w in texts(expected_app.warning))


def test_a_course_on_track_says_so_without_a_warning(expected_app):
    expected_app.query_params["patients.course"] = "U"
    open_page(expected_app, PAGE)
    assert any(c.startswith("On track: pain 4 before session 4, not above the 75th percentile")
               for c in texts(expected_app.caption))
    assert not [w for w in texts(expected_app.warning) if "expected course" in w]


def test_a_therapist_sees_the_clinic_wide_expected_course_of_an_own_patient_only(expected_app, signed_in_as):
    signed_in_as("birch")
    expected_app.query_params["patients.course"] = "T"
    open_page(expected_app, PAGE)
    assert any(c.startswith("Expected course: 6 similar completed courses") for c in texts(expected_app.caption))
    expected_app.text_input(key="patients.course").input("D").run()      # Cedar's patient
    assert any("Course 'D' is not among the courses" in w for w in texts(expected_app.warning))
    assert not [f for f in figures(expected_app) if "against the expected course" in f.layout.title.text]


def test_too_few_similar_courses_are_said_and_no_band_is_drawn(app):
    app.query_params["patients.course"] = "c1"
    open_page(app, PAGE)
    fig = pain_chart(app)
    assert BAND_NAME not in [t.name for t in fig.data]
    assert ("Expected course: 0 similar completed courses (Disc herniation, severe baseline pain, 7–10): too few "
            "similar courses to draw an expected course (at least 5 are needed).") in texts(app.caption)


def test_the_report_buttons_download_the_courses_report_and_are_audited(app, page_db):
    app.query_params["patients.course"] = "c1"
    open_page(app, PAGE)
    buttons = {b.proto.label: b for b in app.get("download_button")}
    assert {"Report (PDF)", "Report (HTML)"} <= set(buttons)
    store = AccessStore.for_database(page_db)
    before = len(store.audit_entries(action="export"))
    assert press_download(buttons["Report (PDF)"]).startswith(b"%PDF-")
    exports = store.audit_entries(action="export")
    assert len(exports) == before + 1
    assert json.loads(exports[0]["detail"]) == {"file": "progress-report-c1-2026-03-20.pdf", "rows": 1}


def test_opening_a_course_writes_no_report_until_a_report_button_is_pressed(app, monkeypatch):
    from clinic import report

    written = []
    render = report.render
    monkeypatch.setattr(report, "render", lambda made, kind: written.append((made.course_id, kind)) or render(made, kind))
    app.query_params["patients.course"] = "c1"
    open_page(app, PAGE)
    assert written == []
    buttons = {b.proto.label: b for b in app.get("download_button")}
    assert press_download(buttons["Report (HTML)"]).startswith(b"<!DOCTYPE html>")
    assert written == [("c1", "html")]
