"""Backup and restore, as a drill: back up, change things, restore, and nothing is lost."""
from __future__ import annotations

import hashlib
import json
import sqlite3
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from clinic import backup, db
from clinic.access import AccessStore, access_path

PASSWORD = "a long enough password"
PATIENTS = """
patient_id,birth_year,sex,diagnosis,referral_date,doctor_conclusion,imaging,blood_tests,site
p1,1970,F,disc_herniation,2026-02-20,true,mri,true,North
p2,1990,M,other,,false,none,,Central
"""
COURSES = """
course_id,patient_id,start_date,planned_sessions
c1,p1,2026-03-01,5
"""
SESSIONS = """
session_id,patient_id,course_id,session_date,therapist,status,pain_before,pain_after,notes
s1,p1,c1,2026-03-01,Birch,attended,8,4,first visit
s2,p1,c1,2026-03-02,Birch,attended,6,3,
s3,p2,,2026-03-01,Cedar,no_show,,,
"""
LATER_SESSIONS = """
session_id,patient_id,course_id,session_date,therapist,status,pain_before,pain_after,notes
s2,p1,c1,2026-03-02,Birch,attended,7,3,corrected score
s4,p1,c1,2026-03-03,Birch,attended,5,2,
s5,p3,,2026-03-04,Cedar,attended,9,8,
"""


def every_table(db_path: Path) -> dict[str, list[tuple]]:
    """Every table of the database with all of its rows, in a fixed order."""
    con = db.connect(db_path, read_only=True)
    try:
        names = [r[0] for r in con.execute("select table_name from duckdb_tables() order by table_name").fetchall()]
        return {name: con.table(name).order("all").fetchall() for name in names}
    finally:
        con.close()


def users(db_path: Path) -> list[tuple]:
    return [(u.name, u.role, u.therapist, u.disabled) for u in AccessStore.for_database(db_path).users()]


def actions(access_file: Path) -> list[str]:
    return [e["action"] for e in reversed(AccessStore(access_file).audit_entries())]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def kept_beside(db_path: Path) -> list[Path]:
    return sorted(db_path.parent.glob("*.before-restore-*"))


@pytest.fixture
def clinic_db(db_from):
    """A tiny clinic with one director account (p2's no-show is a decoy: a row without pain scores)."""
    path = db_from(sessions=SESSIONS, patients=PATIENTS, courses=COURSES)
    AccessStore.for_database(path).add_user("director", "director", PASSWORD, actor="test")
    return path


def test_a_restore_brings_back_exactly_the_backed_up_records_and_keeps_what_it_replaced(
        tmp_path, clinic_db, cli, csv_file):
    backed_up, backed_up_users = every_table(clinic_db), users(clinic_db)
    logged = actions(access_path(clinic_db))
    zip_path = tmp_path / "nightly.zip"

    code, summary = cli("backup", "--db", clinic_db, "--to", zip_path)
    assert code == 0, cli.err
    assert (summary["patients"], summary["courses"], summary["sessions"]) == (2, 1, 3)
    assert summary["sha256"] == sha256(zip_path)
    assert mode(zip_path) == 0o600
    assert not list(tmp_path.glob(".*partial*"))

    # After the backup the clinic carries on: a correction, two new sessions, a new account.
    code, _ = cli("import", csv_file(LATER_SESSIONS, name="later.csv"), "--db", clinic_db)
    assert code == 0, cli.err
    AccessStore.for_database(clinic_db).add_user("birch", "therapist", PASSWORD, "Birch", actor="test")
    changed, changed_users = every_table(clinic_db), users(clinic_db)
    assert len(changed["sessions"]) == 5 and changed != backed_up
    assert [u[0] for u in changed_users] == ["birch", "director"]

    code, restored = cli("restore", zip_path, "--db", clinic_db)
    assert code == 0, cli.err
    assert every_table(clinic_db) == backed_up
    assert users(clinic_db) == backed_up_users

    # Nothing was lost: what the restore replaced is kept beside the database, readable only by its owner.
    kept = kept_beside(clinic_db)
    assert [str(k) for k in kept] == sorted(restored["kept"])
    kept_db = next(k for k in kept if k.name.startswith(clinic_db.name + ".before-restore-"))
    kept_access = next(k for k in kept if k.name.startswith(access_path(clinic_db).name + ".before-restore-"))
    assert every_table(kept_db) == changed
    assert users(kept_db) == [] and [u.name for u in AccessStore(kept_access).users()] == ["birch", "director"]
    assert mode(kept_db) == 0o600 and mode(kept_access) == 0o600 and mode(clinic_db) == 0o600

    code, out = cli("audit", "verify", "--db", clinic_db)
    assert code == 0, cli.err
    assert actions(access_path(clinic_db)) == logged + ["restore"]   # the backup's own entry came after it
    entry = AccessStore.for_database(clinic_db).audit_entries(action="restore")[0]
    assert json.loads(entry["detail"]) == {"from": str(zip_path), "kept": restored["kept"]}
    assert actions(kept_access)[:len(logged) + 1] == logged + ["backup"]
    assert actions(kept_access)[-1] == "user added"

    # The restored database takes the next import as usual.
    code, _ = cli("import", csv_file(LATER_SESSIONS, name="later.csv"), "--db", clinic_db)
    assert code == 0, cli.err
    assert len(every_table(clinic_db)["sessions"]) == 5


def test_a_backup_taken_while_the_dashboard_reads_is_complete_and_still_keeps_writers_out(tmp_path, clinic_db, cli):
    reader = db.connect(clinic_db, read_only=True)     # as a dashboard page holds one
    try:
        code, summary = cli("backup", "--db", clinic_db, "--to", tmp_path / "b.zip")
        assert code == 0, cli.err
        assert reader.execute("select count(*) from sessions").fetchone() == (3,)
        # The reader's lock survived the copy: another process still cannot open the file to write.
        writer = subprocess.run([sys.executable, "-c", "import duckdb, sys; duckdb.connect(sys.argv[1])",
                                 str(clinic_db)], capture_output=True, text=True)
        assert writer.returncode != 0 and "lock" in writer.stderr.lower()
    finally:
        reader.close()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code, _ = cli("restore", tmp_path / "b.zip", "--db", elsewhere / "clinic.duckdb")
    assert code == 0, cli.err
    assert every_table(elsewhere / "clinic.duckdb") == every_table(clinic_db)
    assert kept_beside(elsewhere / "clinic.duckdb") == []     # there was nothing to keep


def test_a_restore_replaces_a_damaged_database_and_keeps_the_damaged_file(tmp_path, clinic_db, cli):
    zip_path = tmp_path / "b.zip"
    assert cli("backup", "--db", clinic_db, "--to", zip_path)[0] == 0
    backed_up = every_table(clinic_db)
    clinic_db.write_bytes(b"\0" * 4096 + b"overwritten by accident")
    damaged = clinic_db.read_bytes()

    code, restored = cli("restore", zip_path, "--db", clinic_db)
    assert code == 0, cli.err
    assert every_table(clinic_db) == backed_up
    kept_db = next(Path(k) for k in restored["kept"] if Path(k).name.startswith(clinic_db.name + "."))
    assert kept_db.read_bytes() == damaged


def test_rows_a_crashed_writer_left_in_the_write_ahead_log_are_backed_up_and_restored(tmp_path, clinic_db, cli):
    writer = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time\ncon = duckdb.connect(sys.argv[1])\n"
                               "con.execute(\"insert into patients (patient_id) values ('p9')\")\n"
                               "print('written', flush=True)\ntime.sleep(120)", str(clinic_db)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "written"
    finally:
        writer.kill()                                   # no clean shutdown: p9 is only in the log
        writer.wait()
        writer.stdout.close()
    assert Path(f"{clinic_db}.wal").exists()

    zip_path = tmp_path / "b.zip"
    code, summary = cli("backup", "--db", clinic_db, "--to", zip_path)
    assert code == 0, cli.err
    assert summary["patients"] == 3
    assert backup.WAL_MEMBER in zipfile.ZipFile(zip_path).namelist()

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code, _ = cli("restore", zip_path, "--db", elsewhere / "clinic.duckdb")
    assert code == 0, cli.err
    assert ("p9",) in [row[:1] for row in every_table(elsewhere / "clinic.duckdb")["patients"]]


def test_a_dashboard_holding_the_access_file_open_sees_the_restored_accounts(tmp_path, clinic_db, cli):
    zip_path = tmp_path / "b.zip"
    logged = actions(access_path(clinic_db))
    assert cli("backup", "--db", clinic_db, "--to", zip_path)[0] == 0
    AccessStore.for_database(clinic_db).add_user("birch", "therapist", PASSWORD, "Birch", actor="test")
    dashboard = sqlite3.connect(access_path(clinic_db), isolation_level=None)   # open across the restore
    try:
        assert dashboard.execute("select name from users order by name").fetchall() == [("birch",), ("director",)]
        code, _ = cli("restore", zip_path, "--db", clinic_db)
        assert code == 0, cli.err
        assert dashboard.execute("select name from users order by name").fetchall() == [("director",)]
        assert dashboard.execute("pragma integrity_check").fetchone() == ("ok",)
    finally:
        dashboard.close()
    AccessStore.for_database(clinic_db).add_user("cedar", "therapist", PASSWORD, "Cedar", actor="test")
    assert cli("audit", "verify", "--db", clinic_db)[0] == 0
    assert actions(access_path(clinic_db)) == logged + ["restore", "user added"]


def test_a_backup_of_a_missing_database_is_a_one_line_error_and_writes_nothing(tmp_path, cli):
    code, out = cli("backup", "--db", tmp_path / "none.duckdb", "--to", tmp_path / "b.zip")
    assert code == 1 and out == ""
    assert cli.err.startswith("error: no database at") and cli.err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_a_backup_never_overwrites_an_existing_file(tmp_path, clinic_db, cli):
    earlier = tmp_path / "b.zip"
    earlier.write_bytes(b"an earlier backup")
    code, _ = cli("backup", "--db", clinic_db, "--to", earlier)
    assert code == 1 and "already exists" in cli.err
    assert earlier.read_bytes() == b"an earlier backup"


def rewrite_zip(source: Path, target: Path, change) -> None:
    """Copies a zip member by member; change(name, data) returns the new data (None drops the member)."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = change(info.filename, zin.read(info))
            if data is not None:
                zout.writestr(info.filename, data)


def one_byte_changed(name, data):
    if name != backup.DB_MEMBER:
        return data
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1:]


def damaged_bytes(source: Path, target: Path) -> None:
    raw = bytearray(source.read_bytes())
    raw[len(raw) // 3] ^= 0xFF
    target.write_bytes(bytes(raw))


@pytest.mark.parametrize("damage, message", [
    (lambda s, t: rewrite_zip(s, t, one_byte_changed), "does not match the SHA-256"),
    (damaged_bytes, "cannot be restored"),
    (lambda s, t: rewrite_zip(s, t, lambda n, d: None if n == "manifest.json" else d), "not a clinic backup"),
    (lambda s, t: t.write_text("session_id,patient_id\ns1,p1\n"), "not a readable zip file"),
], ids=["one byte changed in the database", "bytes damaged in the zip", "no manifest", "not a zip"])
def test_a_damaged_or_foreign_backup_is_refused_and_changes_nothing(tmp_path, clinic_db, cli, csv_file,
                                                                    damage, message):
    good = tmp_path / "good.zip"
    assert cli("backup", "--db", clinic_db, "--to", good)[0] == 0
    cli("import", csv_file(LATER_SESSIONS, name="later.csv"), "--db", clinic_db)
    bad = tmp_path / "bad.zip"
    damage(good, bad)
    folder_before = sorted(p.name for p in tmp_path.iterdir())
    files_before = {p: sha256(p) for p in (clinic_db, access_path(clinic_db))}

    code, out = cli("restore", bad, "--db", clinic_db)
    assert code == 1 and out == ""
    assert message in cli.err and "nothing was changed" in cli.err and cli.err.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == folder_before
    assert {p: sha256(p) for p in files_before} == files_before


def test_restore_refuses_while_another_process_holds_the_database_for_writing(tmp_path, clinic_db, cli):
    zip_path = tmp_path / "b.zip"
    assert cli("backup", "--db", clinic_db, "--to", zip_path)[0] == 0
    files_before = {p: sha256(p) for p in (clinic_db, access_path(clinic_db))}
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time\ncon = duckdb.connect(sys.argv[1])\n"
                               "print('holding', flush=True)\ntime.sleep(120)", str(clinic_db)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        code, out = cli("restore", zip_path, "--db", clinic_db)
        assert code == 1 and out == ""
        assert "in use by another process" in cli.err and cli.err.count("\n") == 1
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()
    assert {p: sha256(p) for p in files_before} == files_before
    assert kept_beside(clinic_db) == []
    assert not [p for p in tmp_path.iterdir() if ".restoring-" in p.name]


def test_restore_reads_only_its_own_member_names_and_never_a_path_from_the_zip(tmp_path, clinic_db, cli):
    folder = tmp_path / "a" / "b"
    folder.mkdir(parents=True)
    good = folder / "good.zip"
    assert cli("backup", "--db", clinic_db, "--to", good)[0] == 0
    sneaky = folder / "sneaky.zip"
    rewrite_zip(good, sneaky, lambda n, d: d)
    with zipfile.ZipFile(sneaky, "a") as z:
        z.writestr("../../escaped.txt", "written outside the folder")
        z.writestr(str(tmp_path / "absolute.txt"), "written at an absolute path")

    code, _ = cli("restore", sneaky, "--db", folder / "clinic.duckdb")
    assert code == 0, cli.err
    assert not (tmp_path / "escaped.txt").exists() and not (tmp_path / "absolute.txt").exists()
    assert every_table(folder / "clinic.duckdb") == every_table(clinic_db)
