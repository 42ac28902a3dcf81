"""Who sees what in the dashboard itself (AppTest): signed out, the director, a therapist; and the
audit entries that opening a patient or downloading a file leaves.

The page fixture (tests/conftest.py): as of 2026-03-20, Birch treats c1 (p1) and p3:2026-03-15
(p3); Cedar treats c2 (p2). The signed-in browser is faked only at the cookie: its token is a real
session opened through the real sign-in (the `signed_in_as` fixture).
"""
from __future__ import annotations

import json

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from clinic import access, auth
from clinic.db import ROOT

from page_support import open_page, press_download

DATA_PAGES = ["pages/overview.py", "pages/pain_trends.py", "pages/first_session.py", "pages/adherence.py",
              "pages/patients.py", "pages/cohorts.py"]


def everything_sent(at) -> str:
    """Every element's protobuf as text: what the browser would receive."""
    parts = []

    def walk(node):
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(str(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return "\n".join(parts)


def entries(db_path, action):
    return [e for e in access.AccessStore.for_database(db_path).audit_entries(action=action)]


# --- signed out ---------------------------------------------------------------------------------

@pytest.mark.parametrize("page", DATA_PAGES + ["pages/import_data.py", "pages/data_quality.py", "pages/audit.py",
                                  "pages/users.py"])
def test_signed_out_every_page_shows_only_the_sign_in_and_sends_no_patient_data(page_db, monkeypatch, page):
    monkeypatch.setenv("CLINIC_DB", str(page_db))
    monkeypatch.setattr(auth, "cookie_token", lambda: None)
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.query_params["patients.course"] = "c1"
    at.query_params["therapist"] = "Birch"
    at.run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Sign in"]
    sent = everything_sent(at)
    for marker in ("p1", "c1", "Birch", "North", "first visit"):
        assert marker not in sent.replace("patients.course", "").replace("therapist=Birch", "")
    assert not at.dataframe and not at.metric and not at.get("plotly_chart") and not at.sidebar.multiselect


def test_a_session_that_was_signed_out_elsewhere_shows_the_sign_in_at_the_next_run(app, page_db, signed_in_as):
    open_page(app, "pages/patients.py")
    assert app.title[0].value == "Patients"
    token = auth.cookie_token()
    access.AccessStore.for_database(page_db).sign_out(token)
    app.run()
    assert [t.value for t in app.title] == ["Sign in"]
    assert not app.dataframe


# --- the director -------------------------------------------------------------------------------

def test_the_director_gets_every_page_and_the_audit_log_and_user_list(app):
    app.run()
    app.switch_page("pages/audit.py").run()
    assert not app.exception
    assert any("The audit trail is intact" in s.value for s in app.success)
    actions = set(app.dataframe[0].value.action)
    assert "sign-in" in actions
    app.switch_page("pages/users.py").run()
    users = app.dataframe[0].value
    assert "director" in set(users.name)


def test_the_account_list_downloads_as_shown_without_passwords_and_its_export_is_audited(
        tmp_path, monkeypatch, page_db, signed_in_as):
    import csv
    import datetime as dt
    import io
    import shutil

    from conftest import TEST_PASSWORD, account_for, dashboard_on

    database = tmp_path / "clinic.duckdb"
    shutil.copy(page_db, database)              # a fresh access file beside it: these accounts alone
    app = dashboard_on(database, monkeypatch)
    store = account_for(database, "director")
    store.add_user("birch", "therapist", TEST_PASSWORD, "Birch", actor="test")
    store.add_user("cedar", "therapist", TEST_PASSWORD, "Cedar", actor="test")
    store.set_disabled("cedar", True, actor="test")
    open_page(app, "pages/users.py")
    [button] = [b for b in app.get("download_button") if b.proto.label == "Download the account list (CSV)"]
    content = press_download(button)
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    # the director (signed in by this test: one open sign-in), the two therapists, Cedar disabled
    assert [(r["name"], r["role"], r["therapist"], r["disabled"], r["open_sessions"]) for r in rows] == [
        ("birch", "therapist", "Birch", "False", "0"), ("cedar", "therapist", "Cedar", "True", "0"),
        ("director", "director", "", "False", "1")]
    assert list(rows[0]) == ["name", "role", "therapist", "disabled", "demo", "locked_until", "open_sessions",
                             "last_sign_in", "created_at", "password_changed_at"]
    assert b"argon2" not in content and TEST_PASSWORD.encode() not in content
    [export] = entries(database, "export")
    assert json.loads(export["detail"]) == {"file": f"users-{dt.date.today().isoformat()}.csv", "rows": 3}
    assert export["user_name"] == "director"


def test_opening_a_patient_is_audited_once_per_course_and_session(app, page_db):
    before = len([e for e in entries(page_db, "patient opened") if '"c1"' in e["detail"]])
    app.query_params["patients.course"] = "c1"
    open_page(app, "pages/patients.py")
    app.run()                                                   # a rerun is not a second opening
    opened = [e for e in entries(page_db, "patient opened") if '"c1"' in e["detail"]]
    assert len(opened) == before + 1
    assert opened[0]["user_name"] == "director"
    assert json.loads(opened[0]["detail"]) == {"course_id": "c1", "patient_id": "p1"}


def test_pressing_a_download_button_writes_an_export_entry_with_the_file_and_its_rows(app, page_db):
    app.query_params["patients.course"] = "c1"
    open_page(app, "pages/patients.py")
    before = len(entries(page_db, "export"))
    app.run()                                              # drawing the button again writes nothing
    assert len(entries(page_db, "export")) == before
    [button] = [b for b in app.get("download_button") if b.proto.label == "Download this course's sessions (CSV)"]
    content = press_download(button)
    assert content.count(b"\n") == 1 + 5                   # the header and s01..s05
    exports = entries(page_db, "export")
    assert len(exports) == before + 1
    detail = json.loads(exports[0]["detail"])
    assert detail == {"file": "sessions-c1-2026-03-20.csv", "rows": 5}      # s01..s05
    assert exports[0]["user_name"] == "director"


def test_a_download_pressed_after_the_sign_in_ended_gives_no_file_and_no_export_entry(app, page_db):
    app.query_params["patients.course"] = "c1"
    open_page(app, "pages/patients.py")
    [button] = [b for b in app.get("download_button") if b.proto.label == "Download this course's sessions (CSV)"]
    before = len(entries(page_db, "export"))
    access.AccessStore.for_database(page_db).sign_out(auth.cookie_token())     # signed out in another tab
    with pytest.raises(PermissionError, match="sign in again"):
        press_download(button)
    assert len(entries(page_db, "export")) == before


# --- a therapist --------------------------------------------------------------------------------

def test_a_therapist_is_offered_only_their_own_therapist_and_the_data_pages(app, signed_in_as):
    signed_in_as("birch")
    app.run()
    assert app.sidebar.multiselect(key="therapist").options == ["Birch"]
    assert not app.exception


@pytest.mark.parametrize("page", ["pages/import_data.py", "pages/data_quality.py", "pages/audit.py", "pages/users.py"])
def test_a_therapist_opening_a_directors_page_by_address_is_told_so_and_sees_nothing(app, signed_in_as, page):
    signed_in_as("birch")
    app.switch_page(page).run()         # the page's address, as the first request of the session
    assert not app.exception
    assert [t.value for t in app.title] == ["For the clinic director"]
    assert not app.dataframe and not app.get("file_uploader")


def test_a_therapist_following_a_link_to_another_therapists_patient_sees_no_trace_of_it(app, signed_in_as):
    signed_in_as("birch")
    app.query_params["patients.course"] = "c2"                  # Cedar's patient p2
    app.query_params["therapist"] = "Cedar"                     # and another therapist in the filter
    open_page(app, "pages/patients.py")
    sent = everything_sent(app)
    assert "p2" not in sent and "Cedar" not in sent.replace("'c2'", "")
    assert set(app.dataframe[0].value.patient_id) == {"p1", "p3"}          # Birch's own, both still there
    assert any("not among the courses" in w.value for w in app.warning)


@pytest.mark.parametrize("page", DATA_PAGES)
def test_no_data_page_sends_a_therapist_anything_of_another_therapists_patients(app, signed_in_as, page):
    signed_in_as("birch")
    open_page(app, page)
    sent = everything_sent(app)
    for cedar_only in ("p2", "17:00"):                          # Cedar's patient and its session times
        assert cedar_only not in sent
    assert "Birch" in sent
