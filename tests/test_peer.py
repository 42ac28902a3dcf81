"""The benchmark's pandas peer (clinic/peer.py) computes the same numbers as the dashboard.

`python -m clinic bench` times the SQL next to this pandas implementation, which is only a fair
comparison if both answer the same question. So the peer's per-course output and cohort metrics are
compared with the plain-Python reference (tests/reference_metrics.py) and with
`python -m clinic courses/metrics --json`, field by field (test_reference_agreement's comparison:
types exact, floats to 1e-9 relative, since a mean summed in another order differs in its last bits):

- a hand-written clinic with decoys for every rule the definitions spell out;
- demo databases (`python -m clinic demo`, 300 patients);
- the messy imported files of test_reference_agreement (inferred courses, courses.csv start dates
  before and after the first session, sessionless courses, cancelled rows opening a course...),

each at several as-of dates, under every relief rule and for every grouping.
"""
from __future__ import annotations

import datetime as dt

import pytest

from clinic import peer
from query_support import build_db
from reference_metrics import GROUPINGS, RELIEF_RULES, Reference
from test_reference_agreement import MessyClinic, assert_agree, differences

# A tiny clinic, every line a rule (dates in March 2026):
# c1  p1: courses.csv start 03-02 after a first attended row on 03-01 (counts, but not in the
#     window), planned 4; two sessions on 03-03, the timed one after the untimed one; a zero-pain
#     first session would be c5's
# c2  p2: planned 10 by default; cancelled row opens the course (its therapist is not the first
#     attended one's); a missing pain_after on the first attended row: relief not assessable
# p3  inferred courses (no course_id): 03-01..03-04, then a gap of exactly 31 days -> a new course
#     on 04-04 (after every as-of date but the last); 30 days would have kept one course
# c4  p4: listed in courses.csv with no session at all: adherence 0 until as-of, no therapist
# c5  p5: first attended pain_before 0 (not assessable); breaks of 2 and 3 days
# c6  p6: a course starting on the as-of date 03-10 with no visit yet: empty window, adherence null
# p7  no patients.csv row (group keys null); c7 a single visit on 03-09
SESSIONS = """
session_id,patient_id,course_id,session_date,session_time,therapist,status,pain_before,pain_after
a1,p1,c1,2026-03-01,09:00,Birch,attended,8,5
a2,p1,c1,2026-03-02,09:00,Birch,attended,7,4
a3b,p1,c1,2026-03-03,18:00,Alder,attended,6,3
a3a,p1,c1,2026-03-03,,Birch,attended,6,4
a4,p1,c1,2026-03-05,09:00,Birch,no_show,,
b1,p2,c2,2026-03-01,10:00,Cedar,cancelled,9,9
b2,p2,c2,2026-03-02,10:00,Birch,attended,8,
b3,p2,c2,2026-03-03,10:00,Birch,attended,,5
b4,p2,c2,2026-03-10,10:00,Birch,attended,4,2
i1,p3,,2026-03-01,,Elm,attended,6,3
i2,p3,,2026-03-02,,Elm,attended,5,3
i3,p3,,2026-03-04,,Elm,attended,4,3
i4,p3,,2026-04-04,,Elm,attended,7,3
e1,p5,c5,2026-03-01,08:00,Alder,attended,0,0
e2,p5,c5,2026-03-04,08:00,Alder,attended,3,1
e3,p5,c5,2026-03-08,08:00,Alder,attended,2,1
e4,p5,c5,2026-03-09,08:00,Alder,attended,2,
g1,p7,c7,2026-03-09,12:00,Birch,attended,5,2
"""
COURSES = """
course_id,patient_id,start_date,planned_sessions
c1,p1,2026-03-02,4
c4,p4,2026-03-05,6
c6,p6,2026-03-10,
"""
PATIENTS = """
patient_id,birth_year,sex,diagnosis,referral_date,doctor_conclusion,imaging,blood_tests,site
p1,1970,F,disc_herniation,,true,mri,true,North
p2,1996,M,piriformis_syndrome,,true,none,true,Central
p3,1981,f,other,,,xray,,North
p4,,X,spinal_stenosis,,true,ct,true,
p5,1960,M,disc_herniation,,false,mri,false,Riverside
p6,2010,F,other,,,none,,Central
"""
HAND_AS_OF = ("2026-02-28", "2026-03-01", "2026-03-04", "2026-03-05", "2026-03-09", "2026-03-10", "2026-04-04")


def peer_courses(tables, as_of: str, rule: str) -> list[dict]:
    return peer.records(peer.courses(tables, dt.date.fromisoformat(as_of), rule))


def peer_metrics(tables, as_of: str, by, rule: str) -> dict:
    return peer.cohort_report(tables, dt.date.fromisoformat(as_of), by, rule)


def against_reference(path, as_of_dates) -> list[str]:
    """Every disagreement of the peer with the reference: courses under every rule, cohort metrics
    overall and for every grouping (the rule rotating, as in test_reference_agreement)."""
    ref, tables = Reference.load(path), peer.load(path)
    problems = []
    for i, as_of in enumerate(as_of_dates):
        day = dt.date.fromisoformat(as_of)
        for rule in RELIEF_RULES:
            problems += differences(peer_courses(tables, as_of, rule), ref.courses(day, rule),
                                    f"courses {as_of} {rule}")
        for j, by in enumerate((None, *GROUPINGS)):
            rule = RELIEF_RULES[(i + j) % len(RELIEF_RULES)]
            problems += differences(peer_metrics(tables, as_of, by, rule), ref.metrics(day, by, rule),
                                    f"metrics {as_of} {rule} by {by}")
    return problems


def against_cli(cli, path, as_of: str, rule: str) -> list[str]:
    tables = peer.load(path)
    code, got = cli("courses", "--db", path, "--as-of", as_of, "--relief-rule", rule, "--json")
    assert code == 0, got
    problems = differences(peer_courses(tables, as_of, rule), got, f"courses {as_of} {rule}")
    for by in (None, *GROUPINGS):
        flags = ("--by", by) if by else ()
        code, got = cli("metrics", "--db", path, "--as-of", as_of, "--relief-rule", rule, *flags, "--json")
        assert code == 0, got
        problems += differences(peer_metrics(tables, as_of, by, rule), got, f"metrics {as_of} {rule} by {by}")
    return problems


@pytest.fixture(scope="module")
def hand_db(tmp_path_factory):
    return build_db(tmp_path_factory.mktemp("peer_hand"), SESSIONS, COURSES, PATIENTS, today=dt.date(2026, 4, 30))


def test_the_hand_written_clinic_agrees_with_the_reference_at_every_as_of_date(hand_db):
    assert_agree(against_reference(hand_db, HAND_AS_OF))


@pytest.mark.parametrize("rule", RELIEF_RULES)
def test_the_hand_written_clinic_agrees_with_the_command_line(cli, hand_db, rule):
    assert_agree(against_cli(cli, hand_db, "2026-03-10", rule))


def test_the_peer_gets_the_hand_worked_values_of_the_awkward_courses(hand_db):
    by_id = {c["course_id"]: c for c in peer_courses(peer.load(hand_db), "2026-03-10", "pct30")}
    # c1: listed start 03-02, planned 4 -> window 03-02..03-05: attended 03-02, 03-03 -> 2/4
    assert by_id["c1"]["start_date"] == "2026-03-02" and by_id["c1"]["adherence"] == 0.5
    assert by_id["c1"]["sessions_attended"] == 4 and by_id["c1"]["attended_days"] == 3
    assert by_id["c1"]["first_session_relief"] is True                      # 03-01: (8 - 5) / 8 = 37.5 %
    # c2: the cancelled row opens it (start 03-01) but the therapist is the first attended one's;
    # the as-of day 03-10 has a visit, so it stays in the window 03-01..03-10: 3 days of 10
    assert (by_id["c2"]["therapist"], by_id["c2"]["first_session_relief"]) == ("Birch", None)
    assert by_id["c2"]["adherence"] == 0.3 and by_id["c2"]["longest_break_days"] == 6
    # inferred: 03-01..03-04 one course; 04-04 (31 days after) not started by 03-10
    assert by_id["p3:2026-03-01"]["attended_days"] == 3 and "p3:2026-04-04" not in by_id
    # c4: no sessions; planned 6 -> window 03-05..03-10, whose last day is the as-of day without a
    # visit, so it leaves: 0 of 5 days
    assert (by_id["c4"]["therapist"], by_id["c4"]["adherence"], by_id["c4"]["adherent"]) == (None, 0.0, False)
    # c5: pain_before 0 first: not assessable; breaks 03-01 -> 03-04 (2 days) and 03-04 -> 03-08 (3)
    assert by_id["c5"]["first_session_relief"] is None and by_id["c5"]["longest_break_days"] == 3
    # c6: starts on the as-of date without a visit: an empty window
    assert (by_id["c6"]["adherence"], by_id["c6"]["adherent"], by_id["c6"]["dropped_out"]) == (None, None, False)


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    from clinic.cli import main

    def build(seed: int):
        path = tmp_path_factory.mktemp(f"peer_demo{seed}") / "clinic.duckdb"
        assert main(["demo", "--db", str(path), "--patients", "300", "--seed", str(seed),
                     "--end-date", "2026-06-30"]) == 0
        return path
    return build


@pytest.mark.parametrize("seed", (1, 7))
def test_demo_databases_agree_with_the_reference(demo_db, seed):
    assert_agree(against_reference(demo_db(seed), ("2026-06-30", "2026-06-20", "2026-03-15", "2025-01-01")))


def test_a_demo_database_agrees_with_the_command_line(cli, demo_db):
    assert_agree(against_cli(cli, demo_db(1), "2026-05-31", "points2"))


@pytest.mark.parametrize("seed", (1, 2, 3))
def test_messy_imported_files_agree_with_the_reference(cli, tmp_path, seed):
    clinic = MessyClinic(seed)
    first_files, second_file = clinic.write(tmp_path)
    path = tmp_path / "clinic.duckdb"
    for files in (first_files, [second_file]):
        code, out = cli("import", *files, "--db", path, "--json")
        assert code == 0, out
    assert_agree(against_reference(path, ("2026-01-01", "2026-02-15", "2026-03-10", "2026-04-30", "2026-05-31")))


def test_an_empty_database_has_no_courses_and_null_rates(empty_db):
    tables = peer.load(empty_db)
    assert peer_courses(tables, "2026-03-10", "pct30") == []
    report = peer_metrics(tables, "2026-03-10", "therapist", "pct30")
    assert report["overall"]["courses"] == 0 and report["groups"] == []
    assert report["overall"]["first_session_relief"]["rate"] is None
    assert report["overall"]["adherence"]["mean"] is None


def test_the_peer_is_vectorised_it_has_no_python_loop_over_rows():
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(peer))
    computing = {"_course_list", "_summary", "_relief", "_age_band", "group_keys", "cohort_frame", "compute"}
    loops = [f"{node.name}: line {inner.lineno}" for node in ast.walk(tree)
             if isinstance(node, ast.FunctionDef) and node.name in computing
             for inner in ast.walk(node)
             if isinstance(inner, (ast.For, ast.While, ast.ListComp, ast.DictComp, ast.GeneratorExp))
             or (isinstance(inner, ast.Attribute) and inner.attr in ("apply", "iterrows", "itertuples"))]
    assert loops == []
