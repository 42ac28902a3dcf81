"""`python -m clinic time-to-relief` and `relief-lasting` (clinic/cli_relief.py).

As of 2026-04-10, rule pct30 (relief at k: 10 × (b0 − after k) ≥ 3 × b0):
  m1 Birch 04-01 8->4                 relief at session 1 (40 >= 24), day 0
  m2 Birch 04-01 6->5, 04-03 6->3     session 1: 10 < 18; session 2: 30 >= 18: relief at 2, day 2
  m3 Cedar 04-01 5->5, 04-02 5->5     no relief: censored at 2 sessions, day 1
  m4 Cedar 04-01 0->0                 not assessable (pain 0 before the first session)
  m5 Cedar 04-12 9->2                 a decoy: starts after the as-of date
Sessions: k=1: n 3, d 1, c 0, S = 2/3; k=2: n 2, d 1, c 1, S = 1/3. Median 2 (S(1) = 2/3 >= 1/2).
Days:     t=0: n 3, d 1, c 0, S = 2/3; t=1: n 2, d 0, c 1; t=2: n 1, d 1, c 0, S = 0. Median 2.
By therapist: Birch k=1: n 2, d 1; k=2: n 1, d 1 (S 1/2, then 0). Cedar: k=2: n 1, d 0, c 1.
"""
from __future__ import annotations

import pytest

SESSIONS = """
session_id,patient_id,course_id,session_date,therapist,status,pain_before,pain_after
s1,p1,m1,2026-04-01,Birch,attended,8,4
s2,p2,m2,2026-04-01,Birch,attended,6,5
s3,p2,m2,2026-04-03,Birch,attended,6,3
s4,p3,m3,2026-04-01,Cedar,attended,5,5
s5,p3,m3,2026-04-02,Cedar,attended,5,5
s6,p4,m4,2026-04-01,Cedar,attended,0,0
s7,p5,m5,2026-04-12,Cedar,attended,9,2
"""
BLOCK_KEYS = {"key", "courses", "relieved", "not_assessable", "no_attended_session", "too_few", "median_sessions",
              "median_ci_low", "median_ci_high", "steps"}
STEP_KEYS = {"sessions", "at_risk", "events", "censored", "survival", "ci_low", "ci_high"}


def test_time_to_relief_prints_the_steps_and_the_median_as_stable_json(cli, db_from):
    db = db_from(SESSIONS)
    code, out = cli("time-to-relief", "--db", db, "--as-of", "2026-04-10", "--json")
    assert code == 0, cli.err
    assert (out["as_of"], out["by"], out["unit"], out["relief_rule"], out["groups"]) == (
        "2026-04-10", None, "sessions", "pct30", [])
    whole = out["overall"]
    assert set(whole) == BLOCK_KEYS
    assert all(set(step) == STEP_KEYS for step in whole["steps"])
    assert [(s["sessions"], s["at_risk"], s["events"], s["censored"]) for s in whole["steps"]] == [
        (1, 3, 1, 0), (2, 2, 1, 1)]
    assert [s["survival"] for s in whole["steps"]] == pytest.approx([2 / 3, 1 / 3])
    assert (whole["courses"], whole["relieved"], whole["not_assessable"], whole["median_sessions"]) == (3, 2, 1, 2)


def test_time_to_relief_in_days_and_by_therapist(cli, db_from):
    db = db_from(SESSIONS)
    code, out = cli("time-to-relief", "--db", db, "--as-of", "2026-04-10", "--days", "--by", "therapist", "--json")
    assert code == 0, cli.err
    assert [(s["days"], s["at_risk"], s["events"], s["censored"]) for s in out["overall"]["steps"]] == [
        (0, 3, 1, 0), (1, 2, 0, 1), (2, 1, 1, 0)]
    assert out["overall"]["median_days"] == 2 and "median_sessions" not in out["overall"]
    assert out["overall"]["steps"][-1]["survival"] == 0
    assert out["overall"]["steps"][-1]["ci_low"] is None          # no interval at S = 0, null (never NaN)
    assert [g["key"] for g in out["groups"]] == ["Birch", "Cedar"]
    birch, cedar = out["groups"]
    assert [(s["days"], s["at_risk"], s["events"]) for s in birch["steps"]] == [(0, 2, 1), (2, 1, 1)]
    assert (cedar["courses"], cedar["not_assessable"], cedar["median_days"], cedar["median_ci_low"]) == (1, 1, None,
                                                                                                         None)
    assert birch["too_few"] and cedar["too_few"]                   # fewer than 5 courses each


def test_the_settings_flags_apply_and_a_wrong_value_is_a_one_line_error(cli, db_from):
    db = db_from(SESSIONS)
    code, out = cli("time-to-relief", "--db", db, "--as-of", "2026-04-10", "--min-cohort", "2", "--by", "therapist",
                    "--json")
    assert code == 0 and [g["too_few"] for g in out["groups"]] == [False, True]
    code, _ = cli("time-to-relief", "--db", db, "--as-of", "2026-04-10", "--min-cohort", "0", "--json")
    assert code == 1 and "min_cohort" in cli.err
    with pytest.raises(SystemExit):
        cli("time-to-relief", "--db", db, "--by", "patient_id", "--json")


def test_relief_lasting_prints_both_views_as_json(cli, db_from):
    db = db_from(SESSIONS)
    code, out = cli("relief-lasting", "--db", db, "--as-of", "2026-04-10", "--json")
    assert code == 0, cli.err
    drop = out["drop_kept"]
    # only m1 had first-session relief, and it has no second session yet
    assert (drop["relieved_courses"], drop["courses"], drop["no_second_session"]) == (1, 0, 1)
    assert drop["share_kept"] == {"median": None, "q1": None, "q3": None}
    assert drop["pain_before_2"] == {"n": 0, "mean": None, "ci_low": None, "ci_high": None}
    assert [g["adherent"] for g in out["sustained_by_adherence"]] == [True, False]
    # planned 10 by default: every window is 04-01..04-09, at most 2 of 9 days: none adherent
    assert [g["courses"] for g in out["sustained_by_adherence"]] == [0, 4]
    assert out["settings"]["adherence_pct"] == 80


def test_a_missing_database_is_a_plain_error(cli, tmp_path):
    code, _ = cli("time-to-relief", "--db", tmp_path / "none.duckdb", "--json")
    assert code == 1 and "no database" in cli.err
