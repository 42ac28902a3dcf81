"""The Import page's mapping step: a practice-software export whose columns are not the contract's.

A Cliniko-shaped appointments file (patients' full names in `Patient`, date-times in `Starts At`,
yes/no arrival flags) is mapped on the page, previewed, imported and saved as a profile; then a
second file with the same columns imports with one click. No patient's name may reach the database
or the browser. AppTest cannot drop files on st.file_uploader, so the uploader is replaced by a
stand-in that returns the files (as tests/test_page_import.py does).
"""
from __future__ import annotations

import textwrap

import duckdb
from streamlit.testing.v1 import AppTest

from clinic.db import ROOT
from page_support import uploading
from query_support import every_stored_text

NAMES = ("Zelda Quimby", "Orville Nakamura", "Quimby", "Nakamura")


class Uploaded:
    """What st.file_uploader returns for one file: a name and its bytes."""

    def __init__(self, name: str, text: str):
        self.name, self._data = name, (textwrap.dedent(text).strip() + "\n").encode("utf-8")

    def getvalue(self) -> bytes:
        return self._data


CLINIKO_HEADER = ("Appointment ID,Patient,Patient ID,Practitioner,Starts At,Patient Arrived,Did Not Arrive,"
                  "Cancelled At,Notes")
# line 2 attended, 3 no-show, 4 cancelled (a Cancelled At date-time marks it), 5 no flag set: rejected,
# 6 month 13: rejected. The names in Patient are the decoys that must never be stored or shown.
CLINIKO = Uploaded("appointments.csv", CLINIKO_HEADER + """
    A-1,Zelda Quimby,P-1,Birch,2025-11-03T09:30:00+11:00,Yes,No,,first visit
    A-2,Zelda Quimby,P-1,Birch,2025-11-04T09:30:00+11:00,No,Yes,,
    A-3,Orville Nakamura,P-2,Cedar,2025-11-04 14:00,No,No,2025-11-02 08:00,
    A-4,Orville Nakamura,P-2,Cedar,2025-11-05 14:00,No,No,,
    A-5,Orville Nakamura,P-2,Cedar,2025-13-05 14:00,Yes,No,,
""")
# the next week's export: same columns, other rows
CLINIKO_NEXT = Uploaded("appointments next week.csv", CLINIKO_HEADER + """
    A-6,Zelda Quimby,P-1,Birch,2025-11-10T09:30:00+11:00,Yes,No,,
    A-7,Orville Nakamura,P-2,Cedar,2025-11-11 16:15,No,Yes,,
""")
WITH_EMAIL = Uploaded("with email.csv", """
    Appointment ID,Patient ID,Email,Practitioner,Date,Status
    B-1,P-3,someone@example.org,Birch,2025-11-03,Arrived
    B-2,P-3,someone@example.org,Birch,2025-11-04,DNA
""")

MAP = ("import.map.", "import.edit.")              # the mapping step's keys; edit: a saved profile changed


def import_page(monkeypatch, *files) -> AppTest:
    uploading(monkeypatch, *files)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.switch_page("pages/import_data.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def widget(at, kind: str, ends_with: str):
    """The one widget of a kind whose key ends with `ends_with` (the keys hold the file's digest)."""
    found = [w for w in at.get(kind) if (w.key or "").startswith(MAP) and w.key.endswith(ends_with)]
    assert len(found) == 1, [w.key for w in at.get(kind)]
    return found[0]


def table_with(at, *columns: str):
    """The one table shown whose columns include these (AppTest gives a table no key)."""
    found = [d.value for d in at.dataframe if set(columns) <= set(d.value.columns)]
    assert len(found) == 1, [list(d.value.columns) for d in at.dataframe]
    return found[0]


def stored(path, sql: str, *params):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def _nodes(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _nodes(child)


def everything_rendered(at) -> str:
    """All the page sent to the browser: every element's message (labels, options, values, text,
    markdown) and the values of every table."""
    parts = [str(n.proto) for n in _nodes(at._tree) if getattr(n, "proto", None) is not None]
    parts += [d.value.to_csv() for d in at.dataframe]
    return "\n".join(parts)


def test_a_file_in_another_software_s_columns_opens_the_mapping_step_with_suggested_sources(own_db, monkeypatch):
    at = import_page(monkeypatch, CLINIKO)
    sources = {w.key.rsplit(".", 1)[-1]: w.value for w in at.selectbox if ".sessions.field." in (w.key or "")}
    assert sources == {
        "session_id": "col:appointment_id", "patient_id": "col:patient_id", "session_date": "date:starts_at",
        "therapist": "col:practitioner", "status": "flags", "session_time": "time:starts_at",
        "notes": "col:notes", "pain_before": "none", "pain_after": "none", "course_id": "none",
        "muscle_tension": "none", "numbness": "none", "acute_inflammation": "none"}
    flags = {w.key.rsplit(".", 1)[-1]: w.value for w in at.selectbox if ".sessions.flag." in (w.key or "")}
    assert flags == {"attended": "col:patient_arrived", "no_show": "col:did_not_arrive",
                     "cancelled": "col:cancelled_at"}
    assert widget(at, "radio", ".date_format").value == "iso"
    assert widget(at, "checkbox", ".drop.1").value is True          # Patient: may hold names, dropped
    assert any("needs a mapping of its columns" in m.value for m in at.markdown)
    assert not at.error                                             # the suggestion imports as it is
    # Import alone would refuse the file: the mapping's own button is the one drawn as the first choice
    assert at.button(key="import.run").proto.type == "secondary"
    assert widget(at, "button", ".import").proto.type == "primary"


def test_the_preview_shows_the_rows_as_stored_with_date_and_time_split_and_the_rejects(own_db, monkeypatch):
    at = import_page(monkeypatch, CLINIKO)
    preview = table_with(at, "line", "session_id", "session_time")
    assert preview.columns.tolist() == ["line", "session_id", "patient_id", "session_date", "therapist", "status",
                                        "session_time", "notes"]
    assert preview.values.tolist() == [
        [2, "A-1", "P-1", "2025-11-03", "Birch", "attended", "09:30", "first visit"],
        [3, "A-2", "P-1", "2025-11-04", "Birch", "no_show", "09:30", ""],
        [4, "A-3", "P-2", "2025-11-04", "Cedar", "cancelled", "14:00", ""],
    ]
    rejects = table_with(at, "line", "column", "value", "reason")
    assert rejects[["line", "column"]].values.tolist() == [[5, "status"], [6, "session_date"]]
    assert rejects["value"].tolist() == ["no flag marked", "2025-13-05 14:00"]
    rendered = everything_rendered(at)
    assert "first visit" in rendered and "patient_arrived" in rendered     # the scan sees tables and widgets
    assert not any(name in rendered for name in NAMES)
    assert stored(own_db, "select count(*) from sessions where session_id like 'A-%'") == [(0,)]   # nothing written


def test_importing_with_the_mapping_stores_the_sessions_and_no_name_anywhere(own_db, monkeypatch):
    at = import_page(monkeypatch, CLINIKO)
    widget(at, "button", ".import").click().run()
    assert not at.exception, [e.value for e in at.exception]
    summary = table_with(at, "rows_read", "profile").set_index("file")
    assert summary.loc["appointments.csv", ["rows_read", "new", "rejected"]].tolist() == [5, 3, 2]
    assert summary.loc["appointments.csv", "profile"] == "(unsaved)"
    assert stored(own_db, "select session_id, patient_id, session_date::varchar, session_time::varchar, therapist, "
                          "status, notes from sessions where session_id like 'A-%' order by session_id") == [
        ("A-1", "P-1", "2025-11-03", "09:30:00", "Birch", "attended", "first visit"),
        ("A-2", "P-1", "2025-11-04", "09:30:00", "Birch", "no_show", None),
        ("A-3", "P-2", "2025-11-04", "14:00:00", "Cedar", "cancelled", None),
    ]
    assert stored(own_db, "select count(*) from sessions") == [(13 + 3,)]      # the fixture's 13 untouched
    texts = every_stored_text(own_db)
    assert "first visit" in texts                                    # the scan does see the stored text
    assert not [t for t in texts if any(name in t for name in NAMES)]
    assert not any(name in everything_rendered(at) for name in NAMES)


def test_a_saved_profile_maps_a_second_file_with_the_same_columns_in_one_click(own_db, monkeypatch):
    at = import_page(monkeypatch, CLINIKO)
    widget(at, "text_input", ".profile_name").input("Cliniko appointments")
    widget(at, "button", ".save").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert stored(own_db, "select name, version, kind, made_by from mapping_profiles") == [
        ("Cliniko appointments", 1, "sessions", "director")]
    assert not [t for t in every_stored_text(own_db) if any(name in t for name in NAMES)]

    uploading(monkeypatch, CLINIKO_NEXT)
    at.run()
    assert any("will be mapped with profile Cliniko appointments v1" in m.value.replace("\\", "")
               for m in at.markdown)
    assert not [w for w in at.button if (w.key or "").startswith(MAP)]          # no mapping step
    assert at.button(key="import.run").proto.type == "primary"
    at.button(key="import.run").click().run()
    summary = table_with(at, "rows_read", "profile").set_index("file")
    assert summary.loc["appointments next week.csv", ["rows_read", "new", "rejected", "profile"]].tolist() == [
        2, 2, 0, "Cliniko appointments v1"]
    assert stored(own_db, "select session_id, session_date::varchar, session_time::varchar, status from sessions "
                          "where session_id in ('A-6', 'A-7') order by session_id") == [
        ("A-6", "2025-11-10", "09:30:00", "attended"), ("A-7", "2025-11-11", "16:15:00", "no_show")]
    assert not [t for t in every_stored_text(own_db) if any(name in t for name in NAMES)]


def test_a_saved_profile_can_be_changed_and_saved_again_as_its_next_version(own_db, monkeypatch):
    at = import_page(monkeypatch, CLINIKO)
    widget(at, "text_input", ".profile_name").input("Cliniko appointments")
    widget(at, "button", ".save").click().run()
    at.toggle(key="import.edit").set_value(True).run()
    assert not at.exception, [e.value for e in at.exception]
    assert widget(at, "selectbox", ".field.notes").value == "col:notes"           # from the saved profile
    assert widget(at, "text_input", ".profile_name").value == "Cliniko appointments"
    widget(at, "selectbox", ".field.notes").select("none").run()
    assert "notes" not in table_with(at, "line", "session_id", "session_time").columns
    widget(at, "button", ".save").click().run()
    assert stored(own_db, "select name, version from mapping_profiles order by version") == [
        ("Cliniko appointments", 1), ("Cliniko appointments", 2)]
    assert any("will be mapped with profile Cliniko appointments v2" in m.value.replace("\\", "")
               for m in at.markdown)


def test_a_direct_identifier_blocks_the_import_until_it_is_marked_drop(own_db, monkeypatch):
    at = import_page(monkeypatch, WITH_EMAIL)
    drop = widget(at, "checkbox", ".drop.2")
    assert drop.value is True                                        # suggested: dropped
    drop.uncheck().run()
    assert any("column(s) email may hold patients' names or contact details: mark each one drop" in e.value.replace("\\", "") for e in at.error)
    assert widget(at, "button", ".import").disabled and widget(at, "button", ".save").disabled
    assert not [d for d in at.dataframe if "session_id" in d.value.columns]      # no preview of such rows
    widget(at, "checkbox", ".drop.2").check().run()
    assert not at.error
    # status words of the file are translated: Arrived -> attended, DNA -> no_show
    translations = {w.key.rsplit(".", 1)[-1]: w.value for w in at.selectbox if ".value.status." in (w.key or "")}
    assert sorted(translations.values()) == ["attended", "no_show"]
    widget(at, "button", ".import").click().run()
    assert stored(own_db, "select session_id, status from sessions where session_id like 'B-%' order by 1") == [
        ("B-1", "attended"), ("B-2", "no_show")]
    assert "someone@example.org" not in every_stored_text(own_db)
    assert "someone@example.org" not in everything_rendered(at)


# the pain-score sheet kept beside the appointments: by appointment id, with the patient's name again
SCORES = Uploaded("pain scores.csv", """
    Appointment ID,Patient,Pain Before,Pain After
    A-1,Zelda Quimby,7,4
    A-2,Zelda Quimby,6,3
    A-9,Orville Nakamura,5,2
""")


def test_the_appointments_then_their_pain_score_sheet_go_in_through_the_page_without_editing_either(
        own_db, monkeypatch):
    at = import_page(monkeypatch, CLINIKO)
    widget(at, "button", ".import").click().run()
    at = import_page(monkeypatch, SCORES)
    assert widget(at, "selectbox", ".kind").value == "scores"              # told from its columns
    widget(at, "button", ".import").click().run()
    assert not at.exception, [e.value for e in at.exception]
    summary = table_with(at, "rows_read", "profile").set_index("file")
    assert summary.loc["pain scores.csv", ["rows_read", "updated", "rejected"]].tolist() == [3, 1, 2]
    assert stored(own_db, "select session_id, pain_before, pain_after from sessions where session_id like 'A-%' "
                          "order by session_id") == [("A-1", 7, 4), ("A-2", None, None), ("A-3", None, None)]
    reasons = " ".join(table_with(at, "column", "value", "reason").reason)
    assert "session A-2 is no_show: pain is scored at an attended session" in reasons
    assert "session_id A-9 matches no stored session" in reasons
    assert not [t for t in every_stored_text(own_db) if any(name in t for name in NAMES)]
    assert not any(name in everything_rendered(at) for name in NAMES)
