"""The Import page: its explanation, the no-database case, and an import driven through the page.

AppTest cannot drop files on st.file_uploader, so the import tests hand the page uploaded files by
replacing st.file_uploader with a stand-in that returns them (the rest of the page runs for real).
"""
from __future__ import annotations

import textwrap

import pytest
import streamlit
import streamlit as st
from page_support import metrics_of, uploading
from streamlit.testing.v1 import AppTest

from clinic import uploads
from clinic.db import ROOT


class Uploaded:
    """What st.file_uploader returns for one file: a name and its bytes."""

    def __init__(self, name: str, text: str):
        self.name, self._data = name, (textwrap.dedent(text).strip() + "\n").encode("utf-8")

    def getvalue(self) -> bytes:
        return self._data


# p5's new course c5 on Birch: 03-18 8->5 and 03-19 7->5; as of 03-20 it is ongoing (last visit 1 day ago).
NEW_COURSE = Uploaded("new course.csv", """
    session_id,patient_id,course_id,session_date,therapist,status,pain_before,pain_after
    s20,p5,c5,2026-03-18,Birch,attended,8,5
    s21,p5,c5,2026-03-19,Birch,attended,7,5
""")
# line 2 good; 3 not a real day; 4 pain 11; 5 pain in words
HOSTILE = Uploaded("hostile.csv", """
    session_id,patient_id,course_id,session_date,therapist,status,pain_before,pain_after
    s30,p6,c6,2026-03-10,Cedar,attended,6,3
    s31,p6,c6,2026-02-30,Cedar,attended,6,3
    s32,p6,c6,2026-03-11,Cedar,attended,11,3
    s33,p6,c6,2026-03-12,Cedar,attended,seven,3
""")
WITH_NAMES = Uploaded("with names.csv", """
    patient_id,full_name,birth_year
    p7,Jane Doe,1980
""")


def texts(at) -> str:
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption] + [i.value for i in at.info]
                     + [e.value for e in at.error] + [s.value for s in at.success] + [w.value for w in at.warning])


def active_courses(at) -> str:
    """The Overview's "N active now" under its Courses tile."""
    return next(m.delta for m in at.metric if m.label == "Courses")


def dashboard():
    return AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)


def test_the_page_explains_the_import_contract(app):
    app.switch_page("pages/import_data.py")
    at = app.run()
    assert not at.exception
    words = texts(at)
    assert "Importing the same file twice changes nothing" in words
    assert "names, phone numbers, e-mail addresses or other direct identifiers are refused whole" in words
    assert "`README.md`, sections *Importing data*" in words and "*Metrics*" in words
    assert "Reject, never guess" in words                   # the README section, in the expander
    assert "email, first_name" in words                     # the refused column names, from the importer
    contract = at.dataframe[0].value.set_index("kind")
    assert contract.loc["sessions", "required"] == "session_id, patient_id, session_date, therapist"
    assert at.button(key="import.run").disabled              # nothing uploaded yet
    assert ("Each file may be up to 200 MB, with at most 2,000,000 rows and 200 columns; a field (a note) may "
            "hold up to 5,000 characters.") in words


def test_without_a_database_the_import_page_is_the_only_page_and_it_works(tmp_path, monkeypatch):
    missing = tmp_path / "nowhere" / "clinic.duckdb"
    monkeypatch.setenv("CLINIC_DB", str(missing))
    st.cache_data.clear()
    at = dashboard().run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Import session records"]
    assert any("the first import creates it" in i.value for i in at.info)
    assert not missing.exists()


def test_the_first_import_creates_the_database_and_the_other_pages_appear(tmp_path, monkeypatch):
    missing = tmp_path / "nowhere" / "clinic.duckdb"
    monkeypatch.setenv("CLINIC_DB", str(missing))
    st.cache_data.clear()
    uploading(monkeypatch, NEW_COURSE)
    at = dashboard().run()
    at.button(key="import.run").click().run()
    assert not at.exception
    assert missing.exists()
    assert [s.value for s in at.success] == [
        "1 file imported: 2 rows read, 2 new, 0 updated, 0 unchanged, 0 rejected."]
    at.switch_page("pages/overview.py").run()
    assert not at.exception
    assert metrics_of(at)["Patients"] == "1"


def test_an_import_shows_each_file_and_the_overview_counts_it_at_once(own_db, monkeypatch):
    at = dashboard()
    at.query_params["as_of"] = "2026-03-20"
    at.run()
    assert metrics_of(at)["Patients"] == "3" and active_courses(at) == "1 active now"

    uploading(monkeypatch, NEW_COURSE, HOSTILE, WITH_NAMES)
    at.switch_page("pages/import_data.py").run()
    at.button(key="import.run").click().run()
    assert not at.exception
    summary = at.dataframe[1].value.set_index("file")
    assert list(summary.index) == ["new course.csv", "hostile.csv"]
    assert summary.loc["new course.csv", ["rows_read", "new", "updated", "unchanged", "rejected"]].tolist() == [2, 2, 0, 0, 0]
    assert summary.loc["hostile.csv", ["rows_read", "new", "rejected"]].tolist() == [4, 1, 3]
    assert any("1 of 3 files refused whole" in e.value for e in at.error)
    assert at.text[0].value.startswith("with names.csv — refused: column(s) full_name hold direct identifiers")
    # 2 + 4 rows read; 2 + 1 new; 3 rejected
    assert [w.value for w in at.warning] == [
        "2 of 3 files imported: 6 rows read, 3 new, 0 updated, 0 unchanged, 3 rejected."]
    rejects = at.dataframe[2].value
    assert rejects["line"].tolist() == [3, 4, 5] and rejects["value"].tolist() == ["2026-02-30", "11", "seven"]
    assert at.text[1].value == "hostile.csv: 3 rejected rows"
    assert len(at.get("download_button")) == 4 + 1         # 4 example files, rejects of hostile.csv

    at.switch_page("pages/overview.py").run()
    # now p5's c5 (ongoing) and p6's c6 (one visit on 03-10, 10 days before: dropped out) count too
    assert metrics_of(at)["Patients"] == "5"
    assert active_courses(at) == "2 active now"             # p3 and c5


def test_importing_the_same_file_again_reports_no_change(own_db, monkeypatch):
    uploading(monkeypatch, NEW_COURSE)
    at = dashboard()
    at.switch_page("pages/import_data.py")
    at.run()
    at.button(key="import.run").click().run()
    at.button(key="import.run").click().run()
    summary = at.dataframe[1].value
    assert summary[["new", "updated", "unchanged", "rejected"]].iloc[0].tolist() == [0, 0, 2, 0]
    assert summary["status"].tolist() == ["no change"]


def test_a_busy_database_gives_a_clear_message_not_a_traceback(own_db, monkeypatch):
    def busy(*args, **kwargs):
        raise uploads.DatabaseLocked("the database is in use by another process")
    monkeypatch.setattr(uploads, "run_import", busy)
    uploading(monkeypatch, NEW_COURSE)
    at = dashboard()
    at.switch_page("pages/import_data.py")
    at.run()
    at.button(key="import.run").click().run()
    assert not at.exception
    assert any("in use by another process" in e.value and "Nothing was imported" in e.value for e in at.error)


@pytest.mark.parametrize("first_visit", ["the import page", "the overview"])
def test_a_signed_in_therapist_is_not_offered_the_import(own_db, signed_in_as, first_visit):
    signed_in_as("birch")
    at = dashboard()
    if first_visit == "the overview":
        at.run()
    at.switch_page("pages/import_data.py")
    at.run()
    assert not at.exception
    assert [t.value for t in at.title] == ["For the clinic director"]
    assert any("Only the clinic director can open this page" in i.value for i in at.info)
    assert not at.get("file_uploader") and "import.run" not in [b.key for b in at.button]


def test_the_server_shows_no_traceback_in_the_browser_and_takes_uploads_up_to_200_mb():
    import tomllib

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["showErrorDetails"] == "none"
    assert config["server"]["maxUploadSize"] == 200 == uploads.MAX_UPLOAD_MB
