"""Read-only connections read the clinic's database and nothing else: no files, no extensions."""
from __future__ import annotations

import duckdb
import pandas as pd
import pyarrow as pa
import pytest

from clinic import db

SESSIONS = """
session_id,patient_id,course_id,session_date,therapist,status,pain_before,pain_after
s1,p1,c1,2026-03-01,Birch,attended,8,4
s2,p1,c1,2026-03-02,Birch,attended,6,3
s3,p2,c2,2026-03-01,Cedar,attended,5,5
"""


@pytest.fixture
def reader(db_from):
    con = db.connect(db_from(SESSIONS), read_only=True)
    yield con
    con.close()


@pytest.fixture
def other_database(tmp_path):
    path = tmp_path / "other.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create table secrets as select 'a secret' as value")
    con.close()
    return path


# What each statement would do on an ordinary connection, and how the sandbox refuses it.
REFUSED = {
    "read_csv of a file": ("select * from read_csv('/etc/passwd')", duckdb.PermissionException),
    "read_text of a file": ("select * from read_text('/etc/passwd')", duckdb.PermissionException),
    "a file named as a table": ("select * from '/etc/passwd'", duckdb.CatalogException),
    "attach of another database": ("attach '{other}' as other", duckdb.PermissionException),
    "install of an extension": ("install httpfs", duckdb.PermissionException),
    "load of an extension": ("load httpfs", duckdb.PermissionException),
    "copy to a file": ("copy sessions to '{tmp}/out.csv'", duckdb.PermissionException),
    "export of the database": ("export database '{tmp}/exported'", duckdb.PermissionException),
    "switching file access back on": ("set enable_external_access = true", duckdb.InvalidInputException),
    "unlocking the settings": ("set lock_configuration = false", duckdb.InvalidInputException),
}


@pytest.mark.parametrize("what", list(REFUSED))
def test_a_read_only_connection_refuses_to_reach_outside_the_database(reader, tmp_path, other_database, what):
    template, refusal = REFUSED[what]
    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(refusal):
        reader.execute(template.format(tmp=tmp_path, other=other_database)).fetchall()
    assert sorted(p.name for p in tmp_path.iterdir()) == before   # no out.csv, no exported/
    with pytest.raises(duckdb.CatalogException):
        reader.execute("select * from other.secrets").fetchall()
    with pytest.raises(duckdb.PermissionException):              # file access is still off afterwards
        reader.execute("select * from read_csv('/etc/passwd')").fetchall()
    assert reader.execute("select count(*) from sessions").fetchone() == (3,)


def test_registered_frames_and_arrow_tables_still_join_the_database(reader):
    cur = reader.cursor()
    try:
        cur.register("wanted", pd.DataFrame({"session_id": ["s1", "s3"]}))
        cur.register("weights", pa.table({"patient_id": ["p1", "p2"], "weight": [10, 100]}))
        rows = cur.execute("select s.session_id, s.pain_before * w.weight from sessions as s "
                           "join wanted using (session_id) join weights as w using (patient_id) "
                           "order by 1").fetchall()
    finally:
        cur.close()
    assert rows == [("s1", 8 * 10), ("s3", 5 * 100)]


def test_the_metrics_command_still_runs_on_the_read_only_connection(db_from, cli):
    path = db_from(SESSIONS)
    code, report = cli("metrics", "--db", path, "--as-of", "2026-03-02", "--json")
    assert code == 0, cli.err
    overall = report["overall"]
    assert (overall["courses"], overall["patients"]) == (2, 2)
    # c1: (8 - 4) / 8 = 50 % >= 30 %, relieved; c2: (5 - 5) / 5 = 0 %, not relieved
    assert (overall["first_session_relief"]["assessable"], overall["first_session_relief"]["relieved"]) == (2, 1)
    # c1 attended both days of 03-01..03-02; c2 attended 03-01 of 03-01..03-02 (03-02 is the as-of
    # day without a visit, so it leaves the window): 1 / 1
    assert overall["adherence"]["mean"] == (2 / 2 + 1 / 1) / 2
