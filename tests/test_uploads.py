"""The Import page's logic without Streamlit: uploads in, import summary, rejects and CSV bytes out."""
from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from csv import reader as csv_reader

import duckdb
import pytest

from clinic import db, mapping, uploads
from clinic.uploads import Upload

TODAY = dt.date(2026, 3, 20)


def csv(text: str) -> bytes:
    return (textwrap.dedent(text).strip() + "\n").encode("utf-8")


CLEAN = csv("""
    session_id,patient_id,session_date,therapist,status,pain_before,pain_after
    s1,p1,2026-03-01,Birch,attended,8,4
    s2,p1,2026-03-02,Birch,attended,6,3
""")

# line 1 header; line 2 good; 3 not a real day; 4 pain 11; 5 pain in words; 6 good (cancelled, no scores)
HOSTILE = csv("""
    session_id,patient_id,session_date,therapist,status,pain_before,pain_after
    h1,p9,2026-03-01,Cedar,attended,7,5
    h2,p9,2026-02-30,Cedar,attended,7,5
    h3,p9,2026-03-02,Cedar,attended,11,5
    h4,p9,2026-03-03,Cedar,attended,seven,5
    h5,p9,2026-03-04,Cedar,cancelled,,
""")

WITH_IDENTIFIER = csv("""
    session_id,patient_id,session_date,therapist,E-Mail
    x1,p7,2026-03-01,Birch,someone@example.org
""")


def stored(path, sql: str):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_a_clean_upload_is_imported_under_the_name_it_was_uploaded_with(tmp_path):
    database = tmp_path / "clinic.duckdb"
    [result] = uploads.run_import([Upload("March sessions.csv", CLEAN)], database, today=TODAY)
    assert (result.file, result.kind, result.rows_read, result.new, result.rejected) == (
        "March sessions.csv", "sessions", 2, 2, 0)
    assert stored(database, "select session_id from sessions order by 1") == [("s1",), ("s2",)]
    assert stored(database, "select file_name from import_batches") == [("March sessions.csv",)]


def test_the_first_import_creates_the_database_where_it_is_configured(tmp_path):
    database = tmp_path / "not" / "yet" / "clinic.duckdb"
    uploads.run_import([Upload("sessions.csv", CLEAN)], database, today=TODAY)
    assert database.exists()


def test_importing_the_same_upload_twice_changes_nothing_the_second_time(tmp_path):
    database = tmp_path / "clinic.duckdb"
    uploads.run_import([Upload("sessions.csv", CLEAN)], database, today=TODAY)
    [again] = uploads.run_import([Upload("sessions.csv", CLEAN)], database, today=TODAY)
    assert (again.new, again.updated, again.unchanged, again.rejected) == (0, 0, 2, 0)
    assert uploads.status(again) == "no change"
    assert stored(database, "select count(*) from sessions") == [(2,)]


def test_a_hostile_upload_rejects_each_bad_row_with_its_line_and_keeps_the_good_ones(tmp_path):
    database = tmp_path / "clinic.duckdb"
    [result] = uploads.run_import([Upload("hostile.csv", HOSTILE)], database, today=TODAY)
    # 5 rows read: h1 and h5 load; h2 (30 Feb), h3 (pain 11) and h4 ("seven") are rejected
    assert (result.rows_read, result.new, result.rejected) == (5, 2, 3)
    assert stored(database, "select session_id from sessions order by 1") == [("h1",), ("h5",)]
    rejects = uploads.rejects_frame(result)
    assert list(rejects["line"]) == [3, 4, 5]
    assert list(rejects["column"]) == ["session_date", "pain_before", "pain_before"]
    assert list(rejects["value"]) == ["2026-02-30", "11", "seven"]
    assert "calendar" in rejects["reason"][0] and "digits" in rejects["reason"][2]
    assert uploads.status(result) == "imported with rejects"


def test_the_rejects_download_is_the_command_line_report_of_that_file(tmp_path):
    [result] = uploads.run_import([Upload("hostile.csv", HOSTILE)], tmp_path / "clinic.duckdb", today=TODAY)
    rows = list(csv_reader(io.StringIO(uploads.rejects_csv(result).decode("utf-8"))))
    assert rows[0] == ["file", "line", "column", "value", "reason"]
    assert rows[1] == ["hostile.csv", "3", "session_date", "2026-02-30", "session_date is not a real calendar date"]
    assert rows[2][:4] == ["hostile.csv", "4", "pain_before", "11"]
    assert len(rows) == 1 + 3
    assert uploads.rejects_file_name(result) == f"hostile.batch{result.batch_id}.rejects.csv"


def test_a_file_with_an_identifier_column_is_refused_whole_and_writes_nothing(tmp_path):
    database = tmp_path / "clinic.duckdb"
    refused, clean = uploads.run_import([Upload("export.csv", WITH_IDENTIFIER), Upload("ok.csv", CLEAN)],
                                        database, today=TODAY)
    assert refused.file == "export.csv" and "e_mail" in refused.refused and "identifiers" in refused.refused
    assert clean.new == 2                                     # the other upload still loads
    assert stored(database, "select count(*) from sessions where session_id = 'x1'") == [(0,)]
    assert list(uploads.summary_frame([refused, clean])["file"]) == ["ok.csv"]
    assert uploads.refused_frame([refused, clean]).to_dict("records") == [
        {"file": "export.csv", "refused": refused.refused}]
    assert refused.refused.startswith("refused: column(s) e_mail hold direct identifiers")
    assert uploads.totals([refused, clean]) == {"files": 2, "imported": 1, "refused": 1, "rows_read": 2,
                                                "new": 2, "updated": 0, "unchanged": 0, "rejected": 0}


def test_the_summary_has_one_row_per_upload_in_upload_order_with_every_count(tmp_path):
    database = tmp_path / "clinic.duckdb"
    patients = csv("""
        patient_id,birth_year,sex,mood
        p1,1970,F,fine
    """)
    results = uploads.run_import([Upload("s.csv", CLEAN), Upload("p.csv", patients)], database, today=TODAY)
    summary = uploads.summary_frame(results)
    assert list(summary.columns) == list(uploads.SUMMARY_LABELS)
    assert list(summary["file"]) == ["s.csv", "p.csv"]      # patients were applied first, shown as uploaded
    assert list(summary["kind"]) == ["sessions", "patients"]
    assert summary.loc[1, "warnings"] == "ignored unknown column(s): mood"
    assert [int(summary.loc[0, c]) for c in ("rows_read", "new", "updated", "unchanged", "rejected")] == [2, 2, 0, 0, 0]


def test_an_xlsx_upload_is_read_like_a_csv(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["session_id", "patient_id", "session_date", "therapist", "pain_before", "pain_after"])
    sheet.append(["x1", "p1", dt.date(2026, 3, 1), "Birch", 8, 4])
    data = io.BytesIO()
    book.save(data)
    [result] = uploads.run_import([Upload("sheet.xlsx", data.getvalue())], tmp_path / "c.duckdb", today=TODAY)
    assert (result.kind, result.new, result.rejected) == ("sessions", 1, 0)


def test_uploads_wait_in_a_private_folder_beside_the_database_that_is_emptied_afterwards(tmp_path, monkeypatch):
    made = []
    real = tempfile.mkdtemp

    def spy(**kwargs):
        folder = real(**kwargs)
        made.append(folder)
        return folder
    monkeypatch.setattr(uploads.tempfile, "mkdtemp", spy)
    database = tmp_path / "db" / "clinic.duckdb"
    results = uploads.run_import([Upload("../../escape.csv", CLEAN), Upload("escape.csv", csv("""
        session_id,patient_id,session_date,therapist
        s9,p2,2026-03-03,Cedar
    """))], database, today=TODAY)
    assert [r.new for r in results] == [2, 1]                 # same name twice: neither overwrote the other
    assert [r.file for r in results] == ["../../escape.csv", "escape.csv"]
    assert len(made) == 1 and os.path.dirname(made[0]) == str(tmp_path / "db" / "uploads")
    assert not os.path.exists(made[0])
    assert list((tmp_path / "db" / "uploads").iterdir()) == []
    assert oct((tmp_path / "db" / "uploads").stat().st_mode & 0o777) == oct(0o700)
    assert not (tmp_path.parent / "escape.csv").exists() and not (tmp_path / "escape.csv").exists()
    assert stored(database, "select file_name from import_batches order by batch_id") == [
        ("escape.csv",), ("escape.csv",)]


def test_a_saved_upload_gets_a_short_safe_name_that_keeps_its_suffix():
    assert uploads.safe_name("..\\a/b/.hidden.csv") == "hidden.csv"
    assert uploads.safe_name("") == "upload"
    assert uploads.safe_name("/etc/passwd.csv") == "passwd.csv"
    assert uploads.safe_name("a\x00b.csv") == "ab.csv"
    assert uploads.safe_name('what?"*.csv') == "what___.csv"
    long = uploads.safe_name("é" * 200 + ".csv")              # 400 bytes of name: cut to 120 bytes with .csv
    assert long == "é" * 58 + ".csv" and len(long.encode("utf-8")) == 120
    assert uploads.shown_name("a\x00b.csv") == "a?b.csv"
    assert uploads.shown_name("x" * 300 + ".csv") == "x" * 119 + "…"


def test_progress_goes_from_zero_to_one_and_names_the_file(tmp_path):
    seen = []
    uploads.run_import([Upload("a.csv", CLEAN), Upload("b.csv", HOSTILE)], tmp_path / "clinic.duckdb",
                       progress=lambda fraction, message: seen.append((fraction, message)), today=TODAY)
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and all(0 <= f <= 1 for f in fractions)
    assert any(m.startswith("a.csv: ") for _, m in seen) and any(m.startswith("b.csv: ") for _, m in seen)


def test_a_database_held_by_another_process_gives_database_locked_and_the_folder_is_still_removed(
        tmp_path, monkeypatch):
    database = tmp_path / "clinic.duckdb"
    db.connect(database).close()
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import duckdb, sys, time
        con = duckdb.connect({str(database)!r})
        print("holding", flush=True)
        time.sleep(30)
    """)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        made = []
        real = tempfile.mkdtemp
        monkeypatch.setattr(uploads.tempfile, "mkdtemp", lambda **kw: made.append(real(**kw)) or made[-1])
        with pytest.raises(uploads.DatabaseLocked):
            uploads.run_import([Upload("sessions.csv", CLEAN)], database, today=TODAY,
                               wait_seconds=0.3)                 # the page waits 10 s
        assert made and not any(os.path.exists(m) for m in made)
    finally:
        holder.kill()
        holder.wait()


def test_a_reader_in_this_process_makes_the_import_wait_for_it(tmp_path):
    database = tmp_path / "clinic.duckdb"
    db.connect(database).close()
    reader = db.connect(database, read_only=True)           # another dashboard session mid-query
    threading.Timer(0.4, reader.close).start()
    started = time.monotonic()
    [result] = uploads.run_import([Upload("sessions.csv", CLEAN)], database, today=TODAY, wait_seconds=5)
    assert result.new == 2 and time.monotonic() - started >= 0.3


def test_a_reader_that_stays_gives_database_locked_after_the_wait(tmp_path):
    database = tmp_path / "clinic.duckdb"
    db.connect(database).close()
    reader = db.connect(database, read_only=True)
    try:
        with pytest.raises(uploads.DatabaseLocked):
            uploads.run_import([Upload("sessions.csv", CLEAN)], database, today=TODAY, wait_seconds=0.3)
    finally:
        reader.close()


def test_no_uploads_import_nothing_and_create_nothing(tmp_path):
    assert uploads.run_import([], tmp_path / "clinic.duckdb") == []
    assert not (tmp_path / "clinic.duckdb").exists()


def test_the_contract_comes_from_the_importer_and_the_readme():
    contract = uploads.contract_frame().set_index("kind")
    assert contract.loc["sessions", "required"] == "session_id, patient_id, session_date, therapist"
    assert contract.loc["courses", "required"] == "course_id, patient_id, start_date"
    assert contract.loc["patients", "required"] == "patient_id"
    assert "pain_before" in contract.loc["sessions", "optional"]
    assert {"name", "phone", "email", "e_mail"} <= set(uploads.identifier_columns())
    section = uploads.readme_section("Importing data")
    assert "Reject, never guess" in section and "Importing the same file twice changes nothing" in section
    assert "## Metrics" not in section
    assert uploads.readme_section("No such section") == ""
    assert set(uploads.example_files()) == {"sessions.csv", "patients.csv", "courses.csv", "sessions_with_errors.csv"}


def test_a_file_name_in_a_progress_message_is_escaped_for_markdown():
    assert uploads.escape_markdown("[x](y) *b*.csv: row 1") == r"\[x\]\(y\) \*b\*\.csv\: row 1"


# ---------------------------------------------------------------- before the import: inspecting a chosen file

APPOINTMENTS = csv("""
    Appointment ID,Patient,Patient ID,Practitioner,Starts At,Patient Arrived,Did Not Arrive
    a1,Zelda Quimby,p1,Birch,2026-03-02 09:30,Yes,No
""")


def test_a_contract_file_is_ready_and_a_foreign_one_needs_a_mapping(tmp_path):
    database = tmp_path / "clinic.duckdb"
    ready = uploads.inspect(Upload("clean.csv", CLEAN), database)
    foreign = uploads.inspect(Upload("appointments.csv", APPOINTMENTS), database)
    assert (ready.refused, ready.needs_mapping, ready.profile) == (None, False, None)
    assert foreign.needs_mapping and "patient may hold patients' names" in foreign.refused
    assert foreign.header[:3] == ("appointment_id", "patient", "patient_id")
    assert not database.exists()                          # looking writes nothing to the database
    assert not (tmp_path / "uploads").exists()            # and the file is read from memory, never written


def test_a_file_that_cannot_be_read_says_why_and_offers_no_mapping(tmp_path):
    inspection = uploads.inspect(Upload("latin.csv", b"a,b\n\xe9\xff,1\n"), tmp_path / "clinic.duckdb")
    assert inspection.unreadable and not inspection.needs_mapping
    assert inspection.verdict().startswith("cannot be imported: the file is not UTF-8 text")


def test_a_saved_profile_is_found_for_a_file_with_its_header_and_imports_it(tmp_path):
    database = tmp_path / "clinic.duckdb"
    upload = Upload("appointments.csv", APPOINTMENTS)
    seen = {}
    profile = mapping.suggest(uploads.read_for_mapping(upload, database))
    assert uploads.inspect(upload, database, seen).needs_mapping
    assert uploads.save_profile(database, "Cliniko", profile, "director") == 1
    inspection = uploads.inspect(upload, database, seen)     # the header from `seen`, the profile looked up again
    assert inspection.profile == ("Cliniko", 1) and not inspection.needs_mapping
    assert inspection.verdict() == "will be mapped with profile Cliniko v1"
    [result] = uploads.run_import([upload], database, today=TODAY)
    assert (result.profile, result.new) == ("Cliniko v1", 1)
    assert uploads.summary_frame([result])["profile"].tolist() == ["Cliniko v1"]
    assert stored(database, "select count(*) from sessions where notes is null and therapist = 'Birch'") == [(1,)]


def test_an_unsaved_profile_maps_only_the_uploads_it_is_given(tmp_path):
    database = tmp_path / "clinic.duckdb"
    upload = Upload("appointments.csv", APPOINTMENTS)
    profile = mapping.suggest(uploads.read_for_mapping(upload, database))
    [result] = uploads.run_import([upload], database, today=TODAY, profile=profile)
    assert (result.profile, result.new, result.rejected) == ("(unsaved)", 1, 0)
    assert stored(database, "select session_id, session_time::varchar, status from sessions") == [
        ("a1", "09:30:00", "attended")]
