"""The Record session page on a fresh copy of the page fixture (conftest.py): each test writes, so
each builds its own database. Birch treats p1 (c1) and p3 (inferred course); Cedar treats p2 and
p4, the decoys that must never appear on Birch's page."""
from __future__ import annotations

import datetime as dt
import json

import pytest
import streamlit as st
from conftest import PAGE_AS_OF, PAGE_COURSES, PAGE_PATIENTS, PAGE_SESSIONS
from page_support import open_page
from query_support import build_db
from streamlit.testing.v1 import AppTest

from clinic import db
from clinic.db import ROOT

PAGE = "pages/record_session.py"
DAY = dt.date(2026, 3, 19)          # within p3's inferred course, before the as-of date


@pytest.fixture
def app(tmp_path, monkeypatch, signed_in_as):
    path = build_db(tmp_path / "clinic", PAGE_SESSIONS, PAGE_COURSES, PAGE_PATIENTS)
    monkeypatch.setenv("CLINIC_DB", str(path))
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.query_params["as_of"] = PAGE_AS_OF
    at.db_path = path
    return at


def field(at, name: str) -> str:
    """The key of a field that is cleared after each save (a new widget each time: see the page)."""
    return f"record.{name}.{at.session_state['record.generation']}"


def save_button(at):
    return next(b for b in at.button if b.label in ("Save session", "Save correction"))


def fill(at, patient: str, before: int, after: int, day: dt.date = DAY, time: str = "") -> None:
    at.selectbox(key="record.patient").set_value(patient)
    at.date_input(key="record.date").set_value(day)
    at.text_input(key=field(at, "time")).input(time)
    at.number_input(key=field(at, "pain_before")).set_value(before)
    at.number_input(key=field(at, "pain_after")).set_value(after)


def shown_texts(at) -> list[str]:
    return [t.value for t in at.text]


def everything_rendered(at) -> str:
    """Every text, label, option and table cell the page drew, as one string."""
    parts = [str(e.value) for e in (*at.text, *at.markdown, *at.caption, *at.info, *at.warning, *at.error)]
    for box in at.selectbox:
        parts += [box.label, *map(str, box.options)]
    for frame in at.dataframe:
        parts.append(frame.value.to_csv())
    return "\n".join(parts)


def refusals(at):
    """The table of reasons a refused session was not saved."""
    assert any("Nothing was saved" in e.value for e in at.error)
    return next(df.value for df in at.dataframe if "reason" in df.value.columns)


def stored_sessions(path, patient_id: str) -> list[tuple]:
    con = db.connect(path, read_only=True)
    try:
        return con.execute("select session_date, therapist, status, pain_before, pain_after from sessions "
                           "where patient_id = ? order by session_date, session_id", [patient_id]).fetchall()
    finally:
        con.close()


def test_the_form_records_a_session_and_says_what_was_saved(app, signed_in_as):
    signed_in_as("birch")
    open_page(app, PAGE)
    fill(app, "p3", 7, 4, time="10:00")
    save_button(app).click().run()
    assert not app.exception, [e.value for e in app.exception]
    saved = [t for t in shown_texts(app) if t.startswith("✓ Saved session R-")]
    # p3's rows carry no course id: the session is inferred into the course going on since 03-15
    assert len(saved) == 1, shown_texts(app)
    assert saved[0].endswith("for p3 on 2026-03-19 in course p3:2026-03-15: attended, pain 7 → 4"), saved
    assert (DAY, "Birch", "attended", 7, 4) in stored_sessions(app.db_path, "p3")


def test_a_session_saved_with_no_course_id_goes_on_with_the_patients_course_of_its_own_id(app, signed_in_as):
    signed_in_as("birch")
    open_page(app, PAGE)
    fill(app, "p1", 3, 2, day=dt.date(2026, 3, 6))      # p1's course c1 ran 03-01 .. 03-05
    save_button(app).click().run()
    assert not app.exception, [e.value for e in app.exception]
    saved = [t for t in shown_texts(app) if t.startswith("✓ Saved session R-")]
    assert len(saved) == 1 and saved[0].endswith("for p1 on 2026-03-06 in course c1: attended, pain 3 → 2"), saved
    con = db.connect(app.db_path, read_only=True)
    try:
        courses = con.execute("select course_id, inferred_course_id from sessions where patient_id = 'p1' "
                              "and session_date = ?", [dt.date(2026, 3, 6)]).fetchall()
    finally:
        con.close()
    assert courses == [("c1", None)]


def test_a_therapists_patient_list_holds_only_their_patients(app, signed_in_as):
    signed_in_as("birch")
    open_page(app, PAGE)
    assert app.selectbox(key="record.patient").options[:2] != []
    options = [o.split()[0] for o in app.selectbox(key="record.patient").options]
    assert options == ["p1", "p3"]
    rendered = everything_rendered(app)
    assert "p2" not in rendered and "p4" not in rendered and "Cedar" not in rendered


def test_after_saving_the_date_is_kept_the_next_patient_chosen_and_the_scores_cleared(app, signed_in_as):
    signed_in_as("birch")
    open_page(app, PAGE)
    fill(app, "p1", 3, 2, day=dt.date(2026, 3, 6))
    save_button(app).click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert app.date_input(key="record.date").value == dt.date(2026, 3, 6)
    assert app.selectbox(key="record.patient").value == "p3"
    assert app.number_input(key=field(app, "pain_before")).value is None
    assert app.number_input(key=field(app, "pain_after")).value is None
    assert app.text_input(key=field(app, "time")).value == ""


def test_no_patient_is_chosen_on_arrival_and_a_session_saved_without_one_is_refused(app, signed_in_as):
    signed_in_as("birch")
    open_page(app, PAGE)
    assert app.selectbox(key="record.patient").value is None        # not p1, the first of the list
    app.date_input(key="record.date").set_value(DAY)
    app.number_input(key=field(app, "pain_before")).set_value(6)
    save_button(app).click().run()
    problems = refusals(app)
    assert list(problems.column) == ["patient_id"], problems
    con = db.connect(app.db_path, read_only=True)
    try:
        assert con.execute("select count(*) from sessions where session_id like 'R-%'").fetchone() == (0,)
    finally:
        con.close()


def test_a_refused_session_shows_the_importers_reason_and_writes_nothing(app, signed_in_as):
    signed_in_as("birch")
    open_page(app, PAGE)
    fill(app, "p3", 7, 4, day=dt.date.today() + dt.timedelta(days=2))
    save_button(app).click().run()
    problems = refusals(app)
    assert "an attended session cannot be dated after today" in problems.reason.iloc[0]
    assert len(stored_sessions(app.db_path, "p3")) == 4


def test_a_new_patient_id_that_looks_like_a_name_is_refused(app, signed_in_as):
    signed_in_as("birch")
    open_page(app, PAGE)
    fill(app, "p3", 5, 3)
    app.text_input(key=field(app, "new_patient")).input("Anna Smith")
    save_button(app).click().run()
    problems = refusals(app)
    assert "Never a name" in problems.reason.iloc[0]
    assert stored_sessions(app.db_path, "Anna Smith") == []


def test_the_patients_page_shows_the_new_session_right_after(app, signed_in_as):
    signed_in_as("birch")
    open_page(app, PAGE)
    fill(app, "p3", 6, 2)
    save_button(app).click().run()
    app.switch_page("pages/patients.py").run()
    app.text_input(key="patients.course").input("p3:2026-03-15").run()
    assert not app.exception, [e.value for e in app.exception]
    sessions = next(df.value for df in app.dataframe if "session_id" in df.value.columns)
    recorded = sessions[sessions.session_id.str.startswith("R-")]
    assert len(recorded) == 1 and str(recorded.session_date.iloc[0])[:10] == "2026-03-19"


def test_a_correction_keeps_the_earlier_version_and_is_audited(app, signed_in_as):
    from clinic.access import AccessStore

    signed_in_as("birch")
    open_page(app, PAGE)
    fill(app, "p3", 6, 2)
    save_button(app).click().run()
    session_id = next(t for t in shown_texts(app) if t.startswith("✓ Saved")).split()[3]
    app.selectbox(key="record.to_correct").set_value(session_id).run()
    app.button(key="record.correct").click().run()
    assert app.number_input(key=field(app, "pain_after")).value == 2
    app.number_input(key=field(app, "pain_after")).set_value(3)
    save_button(app).click().run()
    assert any(t.startswith(f"✓ Corrected session {session_id}") and t.endswith("pain 6 → 3") for t in shown_texts(app))
    con = db.connect(app.db_path, read_only=True)
    try:
        history = con.execute("select version, pain_after, changed_by from session_history where session_id = ?",
                              [session_id]).fetchall()
    finally:
        con.close()
    assert history == [(1, 2, "birch")]
    entries = AccessStore.for_database(app.db_path).audit_entries(user_name="birch")
    actions = [(e["action"], json.loads(e["detail"])) for e in entries if e["action"].startswith("session ")]
    assert sorted(a for a, _ in actions) == ["session corrected", "session recorded"]
    assert all(d == {"session_id": session_id, "patient_id": "p3", "session_date": "2026-03-19"} for _, d in actions)
    assert all("notes" not in str(d) for _, d in actions)


def test_the_director_picks_the_therapist(app):
    open_page(app, PAGE)
    assert app.selectbox(key="record.therapist").options == ["Birch", "Cedar"]
    fill(app, "p2", 5, 4)
    app.selectbox(key="record.therapist").set_value("Cedar")
    save_button(app).click().run()
    assert (DAY, "Cedar", "attended", 5, 4) in stored_sessions(app.db_path, "p2")


def test_a_day_with_more_sessions_than_a_page_is_paged_and_searched_on_the_server(app, monkeypatch):
    # 03-01 holds s01 (09:00, p1) and s06 (17:00, p2); with one row a page the browser gets one at a time
    from clinic import ui

    monkeypatch.setattr(ui, "LIST_SHOWN_ROWS", 1)
    open_page(app, PAGE)
    app.date_input(key="record.day").set_value(dt.date(2026, 3, 1)).run()

    def day_ids():
        return [list(df.value.session_id) for df in app.dataframe if "session_id" in df.value.columns]

    assert day_ids() == [["s01"]]
    assert app.selectbox(key="record.to_correct").options == ["s01"]
    assert any("1–1 of 2" in c.value for c in app.caption)
    app.number_input(key="record.day_page").set_value(2).run()
    assert day_ids() == [["s06"]] and app.selectbox(key="record.to_correct").options == ["s06"]
    # a search starts again from its first page, and says how many the day holds
    app.text_input(key="record.day_search").input("S01").run()
    assert day_ids() == [["s01"]]
    assert any("matching “S01”: 1–1 of 1 (2 that day)" in c.value for c in app.caption)
    app.text_input(key="record.day_search").input("nobody").run()
    assert day_ids() == [] and any("No session of this day" in c.value for c in app.caption)


@pytest.mark.parametrize("who, shown", [("director", True), ("birch", False)])
def test_a_therapists_day_table_leaves_out_the_therapist_column_every_row_of_which_is_theirs(app, signed_in_as,
                                                                                          who, shown):
    signed_in_as(who)
    open_page(app, PAGE)
    app.date_input(key="record.day").set_value(dt.date(2026, 3, 1)).run()
    [table] = [df for df in app.dataframe if "session_id" in df.value.columns]
    config = json.loads(table.proto.columns)
    assert (config.get("therapist", {}).get("hidden") is not True) is shown, config.get("therapist")
    assert config["flags"]["label"] == "Flags" and config["pain_before"]["label"] == "Before"


def test_before_any_course_the_page_says_the_list_follows_the_as_of_date_not_that_there_are_no_patients(app):
    # The fixture's first session is in March 2026; as of 1 Feb nobody had a course yet.
    app.query_params["as_of"] = "2026-02-01"
    open_page(app, PAGE)
    assert [i.value for i in app.info if "No patient" in i.value] == [
        "No patient had a course by 01 Feb 2026, the sidebar's as-of date. Press Today beside the as-of date to "
        "list today's patients, or type a new patient's pseudonymous id (such as P-1042) in **Other or new "
        "patient id** below: never a name."]
    assert not [i.value for i in app.info if "no patients on record yet" in i.value]
    assert any(c.value.startswith("The patient list follows the sidebar's as-of date, 01 Feb 2026") for c in app.caption)


def test_as_of_a_past_day_the_page_says_whose_patients_it_lists(app):
    open_page(app, PAGE)                              # as of PAGE_AS_OF, before today: p1..p4 listed
    assert app.selectbox(key="record.patient").options
    assert any(c.value.startswith("The patient list follows the sidebar's as-of date, 20 Mar 2026") for c in app.caption)
    assert not [i.value for i in app.info if "No patient" in i.value or "no patients" in i.value]
