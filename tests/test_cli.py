"""The command line: exit codes, one-line errors and the import summary's JSON."""
from __future__ import annotations

import subprocess
import sys

from clinic.db import ROOT

HEADER = "session_id,patient_id,session_date,therapist,status,pain_before,pain_after"


def test_import_exits_1_when_a_file_is_refused_and_still_imports_the_good_file(tmp_path, cli, csv_file):
    good = csv_file(f"{HEADER}\ns1,p1,2026-03-01,t1,attended,8,4\ns2,p1,2026-03-02,t1,attended,11,4")
    named = csv_file(f"{HEADER},surname\ns3,p1,2026-03-01,t1,attended,8,4,X", name="named.csv")
    code, summary = cli("import", good, named, "--db", tmp_path / "c.duckdb", "--json")
    assert code == 1
    assert [(s["file"], s["rows_read"], s["new"], s["rejected"]) for s in summary] == [
        (str(good), 2, 1, 1), (str(named), 0, 0, 0)]
    assert "surname" in summary[1]["refused"]
    assert summary[0]["rejects_file"].endswith(".rejects.csv")


def test_import_exits_0_when_rows_are_rejected_but_no_file_is_refused(tmp_path, cli, csv_file):
    path = csv_file(f"{HEADER}\ns1,p1,2026-03-01,t1,attended,seven,4")
    code, out = cli("import", path, "--db", tmp_path / "c.duckdb")
    assert code == 0
    assert "1 rows read: 0 new, 0 updated, 0 unchanged, 1 rejected" in out
    assert "line 2, pain_before" in out


def test_courses_on_a_missing_database_is_a_one_line_error(tmp_path, cli):
    code, out = cli("courses", "--db", tmp_path / "none.duckdb", "--as-of", "2026-03-01", "--json")
    err = cli.err
    assert code == 1 and out == ""
    assert err.startswith("error: no database at") and err.count("\n") == 1


def test_demo_refuses_a_database_that_already_holds_records(tmp_path, cli, csv_file):
    db = tmp_path / "c.duckdb"
    cli("import", csv_file(f"{HEADER}\ns1,p1,2026-03-01,t1,attended,8,4"), "--db", db)
    code, _ = cli("demo", "--db", db, "--patients", "5")
    assert code == 1
    assert "empty database" in cli.err
    code, courses = cli("courses", "--db", db, "--as-of", "2026-03-01", "--json")
    assert [c["course_id"] for c in courses] == ["p1:2026-03-01"]


def test_python_dash_m_clinic_runs_as_a_module_and_rejects_a_bad_as_of_date(tmp_path):
    done = subprocess.run([sys.executable, "-m", "clinic", "courses", "--db", str(tmp_path / "x.duckdb"),
                           "--as-of", "2026-02-30", "--json"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 2
    assert "is not a date written YYYY-MM-DD" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_csv_given_as_the_database_is_refused_instead_of_silently_losing_the_import(tmp_path, cli, csv_file):
    path = csv_file(f"{HEADER}\ns1,p1,2026-03-01,t1,attended,8,4")
    code, out = cli("import", path, "--db", tmp_path / "target.csv")
    assert code == 1 and out == ""
    assert cli.err.startswith("error:") and "not a database" in cli.err
    assert not (tmp_path / "target.csv").exists()


def test_the_parser_is_built_once_and_one_command_line_leaves_nothing_to_the_next():
    from clinic.cli import _parser

    assert _parser() is _parser()
    chosen = _parser().parse_args(["metrics", "--by", "site", "--as-of", "2026-03-20", "--mcid", "pct30",
                                   "--course-gap-days", "45", "--relief-rule", "pct50"])
    assert (chosen.by, str(chosen.as_of), chosen.mcid, chosen.course_gap_days, chosen.relief_rule) == \
        ("site", "2026-03-20", "pct30", 45, "pct50")
    plain = _parser().parse_args(["metrics"])
    assert (plain.by, plain.as_of, plain.mcid, plain.course_gap_days, plain.relief_rule) == \
        (None, None, "points2", None, "pct30")
