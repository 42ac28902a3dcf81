"""`python -m clinic flags --json` on the hand-computed clinic of tests/flags_fixture.py."""
from __future__ import annotations

from flags_fixture import (AS_OF, CEILING_COURSES, CEILING_PATIENTS, CEILING_SESSIONS, EXPECTED_COURSES,
                           EXPECTED_PATIENTS, EXPECTED_SESSIONS, PATIENTS, SESSIONS)

from clinic import flags

FIELDS = ["course_id", "patient_id", "therapist", "start_date", "failure_to_progress", "mcid_not_met",
          "below_expected", "expected_q75_pain", "latest_session", "latest_pain", "ceiling", "baseline_pain",
          "pain_now", "pain_now_session", "pain_now_date", "missing_paperwork", "no_imaging", "no_blood_tests",
          "paperwork_late", "acute_sessions", "numbness_sessions", "numbness_referred", "red_flag_rising",
          "last_rise_date", "last_rise_pains"]


def test_flags_prints_every_course_sorted_by_patient_start_and_course_with_every_field(db_from, cli):
    path = db_from(sessions=SESSIONS, patients=PATIENTS)
    code, rows = cli("flags", "--db", path, "--as-of", AS_OF, "--json")
    assert code == 0
    # p6 has k6 (03-01) before k8 (03-10)
    assert [r["course_id"] for r in rows] == ["k1", "k2", "k3", "k4", "k5", "k6", "k8", "k7"]
    assert all(list(r) == FIELDS for r in rows) and list(flags.JSON_FIELDS) == FIELDS
    k1 = rows[0]
    assert k1 == {"course_id": "k1", "patient_id": "p1", "therapist": "Birch", "start_date": "2026-03-01",
                  "failure_to_progress": True, "mcid_not_met": True,
                  # no similar completed course at all (fewer than 5): not judged against them
                  "below_expected": None, "expected_q75_pain": None, "latest_session": 4, "latest_pain": 7,
                  "ceiling": False, "baseline_pain": 8, "pain_now": 7,
                  "pain_now_session": 4, "pain_now_date": "2026-03-04", "missing_paperwork": False,
                  "no_imaging": False, "no_blood_tests": False, "paperwork_late": False, "acute_sessions": 1,
                  "numbness_sessions": 0, "numbness_referred": None, "red_flag_rising": False,
                  "last_rise_date": None, "last_rise_pains": None}
    k4 = rows[3]
    assert (k4["failure_to_progress"], k4["pain_now"], k4["red_flag_rising"], k4["last_rise_pains"]) == \
        (None, None, True, [6, 7, 8])


def test_flags_honours_the_mcid_and_progress_after_flags(db_from, cli):
    path = db_from(sessions=SESSIONS, patients=PATIENTS)
    _code, rows = cli("flags", "--db", path, "--as-of", AS_OF, "--json", "--mcid", "pct30")
    failing = sorted(r["course_id"] for r in rows if r["failure_to_progress"])
    assert failing == ["k1", "k2", "k8"]                    # k3's 3 -> 2 is 33 %: progress under pct30
    _code, rows = cli("flags", "--db", path, "--as-of", AS_OF, "--json", "--progress-after", "2")
    k4 = next(r for r in rows if r["course_id"] == "k4")
    assert (k4["pain_now_session"], k4["failure_to_progress"]) == (3, True)   # 6 -> 8 at session 3


def test_flags_as_of_an_earlier_date_sees_only_the_sessions_up_to_it(db_from, cli):
    path = db_from(sessions=SESSIONS, patients=PATIENTS)
    _code, rows = cli("flags", "--db", path, "--as-of", "2026-03-03", "--json")
    # k4 and k8 start later; k1 has sessions 1-3 only: not judged yet; k7 (February) is judged: 9 -> 6
    by_id = {r["course_id"]: r for r in rows}
    assert sorted(by_id) == ["k1", "k2", "k3", "k5", "k6", "k7"]
    assert by_id["k1"]["failure_to_progress"] is None
    assert by_id["k7"]["failure_to_progress"] is False


def test_a_setting_out_of_range_is_a_one_line_error_before_the_database_is_opened(tmp_path, cli):
    code, out = cli("flags", "--db", tmp_path / "none.duckdb", "--as-of", AS_OF, "--json", "--progress-after", "0")
    assert code == 1 and out == ""
    assert cli.err.startswith("error: progress_after must be between 1 and 30") and cli.err.count("\n") == 1


def test_flags_say_which_courses_are_below_their_expected_course(db_from, cli):
    path = db_from(sessions=EXPECTED_SESSIONS, patients=EXPECTED_PATIENTS, courses=EXPECTED_COURSES)

    def below(*flags):
        code, rows = cli("flags", "--db", path, "--as-of", "2026-03-10", "--json", *flags)
        assert code == 0, cli.err
        return {r["course_id"]: r["below_expected"] for r in rows}

    assert below("--min-cohort", "1") == {"s1": False, "s2": False, "t1": True}
    assert below() == {"s1": None, "s2": None, "t1": None}


def test_a_course_below_its_expected_course_is_failing_to_progress_though_it_met_the_mcid(db_from, cli):
    path = db_from(sessions=EXPECTED_SESSIONS, patients=EXPECTED_PATIENTS, courses=EXPECTED_COURSES)

    def progress(*flags):
        code, rows = cli("flags", "--db", path, "--as-of", "2026-03-10", "--json", *flags)
        assert code == 0, cli.err
        return {r["course_id"]: (r["mcid_not_met"], r["below_expected"], r["failure_to_progress"]) for r in rows}

    # t1: 8 -> 6 before session 4 is the 2-point MCID met, but above the 75th percentile (3) of s1, s2
    assert progress("--min-cohort", "1") == {"s1": (False, False, False), "s2": (False, False, False),
                                             "t1": (False, True, True)}
    # with five similar courses needed, t1 is not judged against them, and its MCID was met
    assert progress() == {"s1": (False, None, False), "s2": (False, None, False), "t1": (False, None, False)}


def test_a_course_at_the_ceiling_is_still_judged_against_its_expected_course(db_from, cli):
    path = db_from(sessions=CEILING_SESSIONS, patients=CEILING_PATIENTS, courses=CEILING_COURSES)
    code, rows = cli("flags", "--db", path, "--as-of", "2026-03-10", "--json", "--min-cohort", "1")
    assert code == 0, cli.err
    c1 = next(r for r in rows if r["course_id"] == "c1")
    assert (c1["ceiling"], c1["mcid_not_met"], c1["expected_q75_pain"], c1["below_expected"],
            c1["failure_to_progress"]) == (True, None, 1, True, True)
