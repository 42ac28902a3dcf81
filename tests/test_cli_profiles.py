"""Mapping profiles on the command line: suggest, edit, save, apply, list, export to another clinic.

Two hand-built exports: a Cliniko-shaped CSV (patients' full names, date-times with a +11:00
offset, Yes/No arrival flags, a Cancelled At date-time) and a Nookal-shaped semicolon CSV
(DD/MM/YYYY dates, statuses Completed / Cancelled / DNA). Every expected row is written out by hand.
"""
from __future__ import annotations

import datetime as dt
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from clinic import access
from query_support import every_stored_text
from clinic.db import ROOT

NAMES = ("Jane Quillfeather", "Samwise Oakbarrow", "Mary Thistlewood", "Oscar Brambleby",
         "Quillfeather", "Oakbarrow", "Thistlewood", "Brambleby")

CLINIKO = """\
Appointment ID,Patient,Patient ID,Practitioner,Appointment Type,Starts At,Patient Arrived,Did Not Arrive,Cancelled At,Notes
A-1,Jane Quillfeather,P-17,Dr Lee,Initial,2025-11-03T09:30:00+11:00,Yes,No,,back pain
A-2,Jane Quillfeather,P-17,Dr Lee,Follow-up,2025-11-04T08:30:00+11:00,No,Yes,,
A-3,Samwise Oakbarrow,P-18,T. Ng,Initial,2025-11-04T14:00:00+11:00,No,No,2025-11-02T08:00:00+11:00,
A-4,Samwise Oakbarrow,P-18,T. Ng,Follow-up,2025-11-05T14:00:00+11:00,No,No,,
A-5,Samwise Oakbarrow,P-18,T. Ng,Follow-up,2025-13-05T14:00:00+11:00,Yes,No,,
A-6,Jane Quillfeather,P-17,Dr Lee,Follow-up,2025-11-06T09:30:00+11:00,Yes,No,,,Jane Quillfeather
"""
# A-2 starts at 08:30 local time, 21:30 the day before in UTC: stored as written, 2025-11-04 08:30.
# A-3 has a Cancelled At date-time: cancelled. Decoys rejected: A-4 (no flag marked), A-5 (month 13),
# A-6 (one field too many, a name in it).
CLINIKO_STORED = [
    ("A-1", "P-17", dt.date(2025, 11, 3), "09:30", "Dr Lee", "attended", "back pain"),
    ("A-2", "P-17", dt.date(2025, 11, 4), "08:30", "Dr Lee", "no_show", None),
    ("A-3", "P-18", dt.date(2025, 11, 4), "14:00", "T. Ng", "cancelled", None),
]

NOOKAL = """\
Booking ID;Date;Time;Client;Client ID;Practitioner;Status;Case
N-1;04/03/2025;09:00;Mary Thistlewood;C-1;Ann;Completed;Mary Thistlewood - sciatica
N-2;05/03/2025;09:00;Mary Thistlewood;C-1;Ann;DNA;Mary Thistlewood - sciatica
N-3;25/03/2025;10:30;Oscar Brambleby;C-2;Ben;Cancelled;Oscar Brambleby - disc
N-4;26/03/2025;10:30;Oscar Brambleby;C-2;Ben;Rescheduled;Oscar Brambleby - disc
N-5;31/02/2025;10:30;Oscar Brambleby;C-2;Ben;Completed;Oscar Brambleby - disc
"""
# 04/03/2025 is the 4th of March (day first), not the 3rd of April. Decoys rejected: N-4 (a status
# the profile does not translate), N-5 (31 February).
NOOKAL_STORED = [
    ("N-1", "C-1", dt.date(2025, 3, 4), "09:00", "Ann", "attended", None),
    ("N-2", "C-1", dt.date(2025, 3, 5), "09:00", "Ann", "no_show", None),
    ("N-3", "C-2", dt.date(2025, 3, 25), "10:30", "Ben", "cancelled", None),
]

STORED_SQL = ("select session_id, patient_id, session_date, left(session_time::varchar, 5), therapist, status, "
              "notes from sessions order by session_id")


@pytest.fixture
def export_file(tmp_path):
    def make(text: str, name: str) -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path
    return make


def stored(db: Path, sql: str = STORED_SQL) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def suggested(cli, path: Path, *extra) -> dict:
    code, profile = cli("profiles", "suggest", path, *extra)
    assert code == 0, cli.err
    return profile


def write_profile(tmp_path: Path, profile: dict, name: str) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(profile, indent=2), encoding="utf-8")
    return path


def nookal_edited(profile: dict) -> dict:
    """What the operator changes: the Case column (a patient's name and a word) is no course id."""
    edited = json.loads(json.dumps(profile))
    del edited["fields"]["course_id"]
    edited["drop"] = sorted(edited["drop"] + ["case"])
    return edited


def save(cli, tmp_path, db, profile: dict, *extra) -> str:
    code, out = cli("profiles", "import", write_profile(tmp_path, profile, "profile.json"), "--db", db, *extra)
    assert code == 0, cli.err
    return out


# ---------------------------------------------------------------- suggest, save, apply

def test_a_suggested_cliniko_profile_saved_and_applied_stores_exactly_the_hand_computed_sessions(
        tmp_path, cli, export_file):
    export = export_file(CLINIKO, "cliniko.csv")
    db = tmp_path / "c.duckdb"
    profile = suggested(cli, export, "--name", "Cliniko")
    assert profile["drop"] == ["patient"]                       # the name column is dropped already
    assert "patient" not in json.dumps(profile["fields"]).replace("patient_", "")
    assert profile["fields"]["session_date"] == {"column": "starts_at", "part": "date", "format": "iso"}
    assert "saved mapping profile 'Cliniko' version 1 (sessions)" in save(cli, tmp_path, db, profile)

    code, out = cli("import", export, "--profile", "Cliniko", "--db", db)

    assert code == 0, cli.err
    assert (f"{export}: sessions mapped by profile Cliniko v1, 6 rows read: 3 new, 0 updated, 0 unchanged, "
            "3 rejected") in out
    assert stored(db) == CLINIKO_STORED
    assert out.splitlines()[1:3] == ["  warning: dropped, never read: patient",
                                     "  warning: not mapped, so not imported: appointment_type"]
    assert [line.split(":")[0] for line in out.splitlines()[3:6]] == ["  line 5, status", "  line 6, session_date",
                                                                      "  line 7, (row)"]


def test_a_nookal_suggestion_maps_a_case_column_of_names_until_the_operator_marks_it_drop(
        tmp_path, cli, export_file):
    export = export_file(NOOKAL, "nookal.csv")
    db = tmp_path / "c.duckdb"
    profile = suggested(cli, export, "--name", "Nookal")
    assert profile["drop"] == ["client"]
    assert profile["fields"]["course_id"] == {"column": "case"}          # the hazard a person must see
    assert profile["fields"]["session_date"] == {"column": "date", "part": "date", "format": "dmy"}
    assert profile["values"]["status"] == {"Cancelled": "cancelled", "Completed": "attended", "DNA": "no_show"}
    save(cli, tmp_path, db, nookal_edited(profile))

    code, summary = cli("import", export, "--profile", "Nookal", "--db", db, "--json")

    assert code == 0, cli.err
    assert [(s["profile"], s["rows_read"], s["new"], s["rejected"]) for s in summary] == [("Nookal v1", 5, 3, 2)]
    assert stored(db) == NOOKAL_STORED
    # no course id in the file: one inferred course per patient (the rows are less than 31 days apart)
    assert stored(db, "select session_id, course_id, inferred_course_id from sessions order by 1") == [
        ("N-1", None, "C-1:2025-03-04"), ("N-2", None, "C-1:2025-03-04"), ("N-3", None, "C-2:2025-03-25")]


def test_a_file_with_the_header_of_a_saved_profile_is_mapped_by_it_without_naming_it(tmp_path, cli, export_file):
    db = tmp_path / "c.duckdb"
    save(cli, tmp_path, db, suggested(cli, export_file(CLINIKO, "cliniko.csv"), "--name", "Cliniko"))
    later = export_file(CLINIKO.splitlines()[0] + "\n"
                        "A-9,Jane Quillfeather,P-17,Dr Lee,Follow-up,2025-11-10T10:00:00+11:00,Yes,No,,\n",
                        "cliniko-week-2.csv")
    decoy = export_file("session_id,patient_id,session_date,therapist\ns1,p1,2025-11-10,Ann\n", "plain.csv")

    code, summary = cli("import", later, decoy, "--db", db, "--json")

    assert code == 0, cli.err
    assert [(s["profile"], s["new"]) for s in summary] == [("Cliniko v1", 1), (None, 1)]
    assert stored(db, "select session_id, status from sessions order by 1") == [("A-9", "attended"),
                                                                                ("s1", "attended")]


def test_a_profile_exported_from_one_clinic_and_imported_into_another_gives_the_same_profile_and_rows(
        tmp_path, cli, export_file):
    export = export_file(NOOKAL, "nookal.csv")
    first, second = tmp_path / "first.duckdb", tmp_path / "second.duckdb"
    save(cli, tmp_path, first, nookal_edited(suggested(cli, export, "--name", "Nookal")))
    carried = tmp_path / "carried.json"
    code, out = cli("profiles", "export", "Nookal", "--db", first, "--out", carried)
    assert code == 0 and f"exported mapping profile 'Nookal' version 1 to {carried}" in out

    code, out = cli("profiles", "import", carried, "--db", second)

    assert code == 0, cli.err
    assert "saved mapping profile 'Nookal' version 1" in out
    assert cli("profiles", "show", "Nookal", "--db", second)[1] == cli("profiles", "show", "Nookal", "--db", first)[1]
    assert cli("profiles", "export", "Nookal", "--db", second)[1] == json.loads(carried.read_text())
    cli("import", export, "--db", first)
    cli("import", export, "--db", second)                       # picked by its header in both
    assert stored(first) == stored(second) == NOOKAL_STORED


def test_each_import_of_a_profile_saves_the_next_version_and_the_newest_is_applied(tmp_path, cli, export_file):
    export = export_file(CLINIKO, "cliniko.csv")
    db = tmp_path / "c.duckdb"
    profile = suggested(cli, export, "--name", "Cliniko")
    assert "version 1" in save(cli, tmp_path, db, profile)
    profile["fields"]["notes"] = {"constant": "imported"}
    assert "version 2" in save(cli, tmp_path, db, profile)

    code, listed = cli("profiles", "list", "--db", db, "--json")

    assert code == 0
    assert [(p["name"], p["version"], p["versions"], p["kind"], p["made_by"]) for p in listed] == [
        ("Cliniko", 2, 2, "sessions", access.cli_actor())]
    assert cli("profiles", "show", "Cliniko", "--version", "1", "--db", db)[1]["fields"]["notes"] == {"column": "notes"}
    code, summary = cli("import", export, "--db", db, "--json")
    assert summary[0]["profile"] == "Cliniko v2"
    assert stored(db, "select distinct notes from sessions") == [("imported",)]


def test_saving_a_profile_is_in_the_audit_log_with_its_name_version_kind_and_file(tmp_path, cli, export_file):
    db = tmp_path / "c.duckdb"
    save(cli, tmp_path, db, suggested(cli, export_file(CLINIKO, "cliniko.csv")), "--name", "Cliniko")

    [entry] = access.AccessStore.for_database(db).audit_entries(action="mapping profile saved")

    assert entry["user_name"] == access.cli_actor()
    assert json.loads(entry["detail"]) == {"name": "Cliniko", "version": 1, "kind": "sessions",
                                           "file": str(tmp_path / "profile.json")}


def test_profiles_list_prints_a_plain_table_of_the_newest_versions(tmp_path, cli, export_file):
    db = tmp_path / "c.duckdb"
    save(cli, tmp_path, db, suggested(cli, export_file(CLINIKO, "cliniko.csv")), "--name", "Cliniko")
    save(cli, tmp_path, db, nookal_edited(suggested(cli, export_file(NOOKAL, "nookal.csv"))), "--name", "Nookal")
    save(cli, tmp_path, db, nookal_edited(suggested(cli, export_file(NOOKAL, "nookal.csv"))), "--name", "Nookal")

    code, out = cli("profiles", "list", "--db", db)

    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["name", "version", "versions", "kind", "saved", "by", "saved", "at"]
    assert [line.split()[:5] for line in lines[1:]] == [["Cliniko", "1", "1", "sessions", access.cli_actor()],
                                                        ["Nookal", "2", "2", "sessions", access.cli_actor()]]


# ---------------------------------------------------------------- names stay out

def test_no_patient_name_from_the_files_reaches_the_database_the_rejects_reports_or_the_output(
        tmp_path, cli, export_file):
    db = tmp_path / "c.duckdb"
    cliniko, nookal = export_file(CLINIKO, "cliniko.csv"), export_file(NOOKAL, "nookal.csv")
    said = []

    def run(*args):
        code, out = cli(*args)
        said.append(out if isinstance(out, str) else json.dumps(out))
        said.append(cli.err)
        return code, out

    run("import", cliniko, nookal, "--db", db)                          # refused: names, no profile yet
    for export, name in ((cliniko, "Cliniko"), (nookal, "Nookal")):
        code, profile = run("profiles", "suggest", export, "--name", name)
        if name == "Nookal":
            profile = nookal_edited(profile)
        run("profiles", "import", write_profile(tmp_path, profile, f"{name}.json"), "--db", db)
    run("import", cliniko, "--profile", "Cliniko", "--db", db)
    run("import", cliniko, nookal, "--db", db, "--json")
    run("profiles", "list", "--db", db)
    run("profiles", "show", "Nookal", "--db", db)

    assert stored(db, "select count(*) from sessions") == [(6,)]          # the names were really there to leak
    texts = "\n".join(said)
    con = duckdb.connect(str(db), read_only=True)
    try:
        columns = con.execute("select table_name, column_name from duckdb_columns() "
                              "where data_type = 'VARCHAR' and schema_name = 'main' and not internal").fetchall()
    finally:
        con.close()
    texts += "\n".join(every_stored_text(db))
    assert len(columns) > 20
    reports = sorted((tmp_path / "rejects").iterdir())
    assert len(reports) == 3                                            # cliniko twice, nookal once
    texts += "\n".join(r.read_text(encoding="utf-8") for r in reports)
    with sqlite3.connect(access.access_path(db)) as audit:
        texts += "\n".join(str(row) for row in audit.execute("select * from audit_log"))
    for name in NAMES:
        assert name not in texts


def test_a_file_with_names_and_another_header_stays_refused_with_a_message_about_mapping(
        tmp_path, cli, export_file):
    db = tmp_path / "c.duckdb"
    save(cli, tmp_path, db, suggested(cli, export_file(CLINIKO, "cliniko.csv"), "--name", "Cliniko"))
    nookal = export_file(NOOKAL, "nookal.csv")

    code, summary = cli("import", nookal, "--db", db, "--json")

    assert code == 1
    assert summary[0]["profile"] is None and summary[0]["new"] == 0
    assert "client" in summary[0]["refused"] and "Map the file's columns" in summary[0]["refused"]
    assert stored(db, "select count(*) from sessions") == [(0,)]


def test_an_unknown_profile_refuses_every_file_and_writes_nothing(tmp_path, cli, export_file):
    db = tmp_path / "c.duckdb"
    cli("import", export_file("session_id,patient_id,session_date,therapist\ns1,p1,2025-11-10,Ann\n", "plain.csv"),
        "--db", db)
    before = stored(db, "select count(*), max(batch_id) from sessions")
    files = [export_file(CLINIKO, "cliniko.csv"), export_file(NOOKAL, "nookal.csv")]

    code, out = cli("import", *files, "--profile", "Clinko", "--db", db)

    assert code == 1 and "Traceback" not in cli.err
    assert out.splitlines() == [f"{f}: REFUSED, nothing imported: no mapping profile named 'Clinko'" for f in files]
    assert stored(db, "select count(*), max(batch_id) from sessions") == before
    assert stored(db, "select count(*) from import_batches") == [(1,)]
    assert not (tmp_path / "rejects").exists()                  # the plain file had no rejects


def test_an_unknown_profile_with_no_database_refuses_the_files_and_creates_no_database(tmp_path, cli, export_file):
    db = tmp_path / "new.duckdb"

    code, summary = cli("import", export_file(CLINIKO, "cliniko.csv"), "--profile", "Cliniko", "--db", db, "--json")

    assert code == 1
    assert summary[0]["refused"].startswith("no mapping profile named 'Cliniko'")
    assert not db.exists()


def test_a_profile_made_for_another_header_refuses_the_file_saying_what_does_not_fit(tmp_path, cli, export_file):
    db = tmp_path / "c.duckdb"
    save(cli, tmp_path, db, suggested(cli, export_file(CLINIKO, "cliniko.csv"), "--name", "Cliniko"))

    code, out = cli("import", export_file(NOOKAL, "nookal.csv"), "--profile", "Cliniko", "--db", db)

    assert code == 1
    assert "REFUSED (profile Cliniko v1), nothing imported: the mapping profile does not fit this file" in out
    assert "the file has no column(s) appointment_id" in out
    assert stored(db, "select count(*) from sessions") == [(0,)]


# ---------------------------------------------------------------- what the operator is told

def test_suggest_says_on_stderr_what_is_still_to_decide_and_keeps_stdout_json(tmp_path, cli, export_file):
    without_ids = "\n".join(line.split(";", 1)[1] for line in NOOKAL.splitlines())   # no Booking ID column

    code, profile = cli("profiles", "suggest", export_file(without_ids, "nookal.csv"))

    assert code == 0
    assert profile["name"] == "nookal" and "session_id" not in profile["fields"]
    assert "to decide: a sessions file needs a source for session_id" in cli.err


def test_suggest_previews_the_rows_and_names_the_columns_nothing_reads(tmp_path, cli, export_file):
    cli("profiles", "suggest", export_file(CLINIKO, "cliniko.csv"))

    assert "preview: of the first 6 rows, 3 would be stored and 3 rejected" in cli.err
    assert "not imported (no field reads them): appointment_type" in cli.err


def test_a_profile_that_leaves_the_name_column_undecided_is_not_saved(tmp_path, cli, export_file):
    db = tmp_path / "c.duckdb"
    profile = suggested(cli, export_file(CLINIKO, "cliniko.csv"), "--name", "Cliniko")
    profile["drop"] = []

    code, out = cli("profiles", "import", write_profile(tmp_path, profile, "p.json"), "--db", db)

    assert code == 1 and out == ""
    assert cli.err.count("\n") == 1
    assert "column(s) patient may hold patients' names" in cli.err and "mark each one drop" in cli.err
    assert not db.exists()


@pytest.mark.parametrize("content, message", [
    ("{not json", "not a mapping profile: the file is not JSON"),
    ('{"kind": "sessions"}', 'not a mapping profile (expected "format"'),
    ('{"format": "clinic-mapping-profile/1", "kind": "visits", "fields": {}}', "kind must be one of"),
])
def test_a_malformed_profile_file_is_one_line_error_and_saves_nothing(tmp_path, cli, content, message):
    db = tmp_path / "c.duckdb"
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")

    code, out = cli("profiles", "import", path, "--name", "X", "--db", db)

    assert code == 1 and out == ""
    assert cli.err.startswith(f"error: {path}: ") and message in cli.err and cli.err.count("\n") == 1


def test_a_profile_without_a_name_needs_one_given(tmp_path, cli, export_file):
    profile = suggested(cli, export_file(CLINIKO, "cliniko.csv"))
    profile["name"] = None

    code, _ = cli("profiles", "import", write_profile(tmp_path, profile, "p.json"), "--db", tmp_path / "c.duckdb")

    assert code == 1 and "give --name" in cli.err


@pytest.mark.parametrize("args, message", [
    (("profiles", "list"), "error: no database at"),
    (("profiles", "show", "Cliniko"), "error: no database at"),
    (("profiles", "export", "Cliniko"), "error: no database at"),
])
def test_profiles_on_a_missing_database_is_a_one_line_error(tmp_path, cli, args, message):
    code, out = cli(*args, "--db", tmp_path / "none.duckdb")

    assert code == 1 and out == ""
    assert cli.err.startswith(message) and cli.err.count("\n") == 1
    assert not (tmp_path / "none.duckdb").exists()


def test_showing_a_profile_or_version_not_saved_is_a_one_line_error(tmp_path, cli, export_file):
    db = tmp_path / "c.duckdb"
    save(cli, tmp_path, db, suggested(cli, export_file(CLINIKO, "cliniko.csv"), "--name", "Cliniko"))

    assert cli("profiles", "show", "Nookal", "--db", db)[0] == 1
    assert cli.err == "error: no mapping profile named 'Nookal'\n"
    assert cli("profiles", "export", "Cliniko", "--version", "2", "--db", db)[0] == 1
    assert cli.err == "error: no mapping profile named 'Cliniko' with version 2\n"


def test_profiles_on_an_old_database_without_the_profiles_table_says_there_are_none(tmp_path, cli):
    db = tmp_path / "old.duckdb"
    con = duckdb.connect(str(db))
    con.execute("create table sessions (session_id varchar primary key)")
    con.close()

    assert cli("profiles", "list", "--db", db, "--json") == (0, [])
    code, out = cli("profiles", "list", "--db", db)
    assert code == 0 and out.startswith("no mapping profiles saved in")
    assert cli("profiles", "show", "Cliniko", "--db", db)[0] == 1
    assert cli.err == "error: no mapping profile named 'Cliniko'\n"
    assert stored(db, "select count(*) from duckdb_tables() where table_name = 'mapping_profiles'") == [(0,)]


def test_python_dash_m_clinic_profiles_gives_a_usage_error_with_exit_2_and_no_traceback(tmp_path):
    done = subprocess.run([sys.executable, "-m", "clinic", "profiles", "show", "X", "--version", "two",
                           "--db", str(tmp_path / "x.duckdb")], cwd=ROOT, capture_output=True, text=True)

    assert done.returncode == 2
    assert "is not a version" in done.stderr and "Traceback" not in done.stderr


def test_suggest_on_a_file_it_cannot_read_names_the_file_in_one_line(tmp_path, cli):
    path = tmp_path / "export.csv"
    path.write_bytes(b"\xff\xfeA,B\n")

    code, out = cli("profiles", "suggest", path)

    assert code == 1 and out == ""
    assert cli.err.startswith(f"error: {path}: ") and "UTF-8" in cli.err and cli.err.count("\n") == 1
