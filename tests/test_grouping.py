"""The course gap: stored with the database, changed by re-grouping every row without a course id."""
from __future__ import annotations

import pytest

# p1's rows without a course id: 03-01, 03-20 (19 days later), 04-25 (36 days later).
#   gap 30 (default): p1:2026-03-01 (03-01, 03-20) and p1:2026-04-25
#   gap 14: three courses; gap 40: one course p1:2026-03-01
# c9 (decoy): p1's row with an explicit course id in between, which never joins or splits anything.
SESSIONS = """
session_id,patient_id,course_id,session_date,therapist,status,pain_before,pain_after
s1,p1,,2026-03-01,t1,attended,8,4
s2,p1,,2026-03-20,t1,attended,6,4
s3,p1,,2026-04-25,t1,attended,7,5
x1,p1,c9,2026-03-10,t2,attended,5,5
"""


def course_ids(cli, db, *flags):
    code, rows = cli("courses", "--db", db, "--as-of", "2026-05-31", "--json", *flags)
    assert code == 0, cli.err
    return sorted(r["course_id"] for r in rows)


def test_the_default_gap_is_30_days(cli, db_from):
    db = db_from(SESSIONS)
    assert cli("course-gap", "--db", db) == (0, {"course_gap_days": 30})
    assert course_ids(cli, db) == ["c9", "p1:2026-03-01", "p1:2026-04-25"]


@pytest.mark.parametrize("days, expected", [
    (14, ["c9", "p1:2026-03-01", "p1:2026-03-20", "p1:2026-04-25"]),
    (40, ["c9", "p1:2026-03-01"]),
])
def test_a_new_gap_regroups_the_rows_without_a_course_id_and_is_kept(cli, db_from, days, expected):
    db = db_from(SESSIONS)
    code, result = cli("course-gap", "--db", db, "--set", days)
    assert code == 0, cli.err
    assert (result["before_days"], result["after_days"]) == (30, days)
    assert result["inferred_after"] == len(expected) - 1
    assert course_ids(cli, db) == expected
    assert cli("course-gap", "--db", db)[1] == {"course_gap_days": days}


def test_a_later_import_groups_with_the_stored_gap(cli, db_from, csv_file):
    db = db_from(SESSIONS)
    cli("course-gap", "--db", db, "--set", "40")
    later = csv_file("session_id,patient_id,session_date,therapist\ns4,p1,2026-05-30,t1", name="later.csv")
    assert cli("import", later, "--db", db)[0] == 0
    assert course_ids(cli, db) == ["c9", "p1:2026-03-01"]          # 05-30 is 35 days after 04-25: <= 40


def test_the_facts_after_a_regrouping_agree_with_the_rows(cli, db_from):
    db = db_from(SESSIONS)
    cli("course-gap", "--db", db, "--set", "14")
    code, metrics = cli("metrics", "--db", db, "--as-of", "2026-05-31", "--json")
    # four courses of one patient; first sessions: 8->4, 6->4 (33 %), 7->5 (28.6 %), 5->5: relieved 2 of 4
    assert metrics["overall"]["courses"] == 4
    assert (metrics["overall"]["first_session_relief"]["relieved"],
            metrics["overall"]["first_session_relief"]["assessable"]) == (2, 4)


def test_a_reading_command_refuses_a_gap_that_is_not_the_databases(cli, db_from):
    db = db_from(SESSIONS)
    code, out = cli("courses", "--db", db, "--as-of", "2026-05-31", "--json", "--course-gap-days", "14")
    assert code == 1 and out == ""
    assert "after more than 30 days" in cli.err and "course-gap --set 14" in cli.err
    assert course_ids(cli, db, "--course-gap-days", "30") == ["c9", "p1:2026-03-01", "p1:2026-04-25"]


@pytest.mark.parametrize("days", ["6", "366"])
def test_a_gap_out_of_range_is_refused_and_nothing_changes(cli, db_from, days):
    db = db_from(SESSIONS)
    code, out = cli("course-gap", "--db", db, "--set", days)
    assert code == 1 and "between 7 and 365" in cli.err
    assert cli("course-gap", "--db", db)[1] == {"course_gap_days": 30}


def test_a_regrouping_is_written_to_the_audit_log(cli, db_from):
    from clinic import access

    db = db_from(SESSIONS)
    cli("course-gap", "--db", db, "--set", "14")
    entries = access.AccessStore.for_database(db).audit_entries()
    assert [e["action"] for e in entries].count("course gap changed") == 1
