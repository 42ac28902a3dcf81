"""`python -m clinic flags --json` on the hand-computed clinic of tests/flags_fixture.py."""
from __future__ import annotations

from flags_fixture import AS_OF, PATIENTS, SESSIONS

from clinic import flags

FIELDS = ["course_id", "patient_id", "therapist", "start_date", "failure_to_progress", "ceiling", "baseline_pain",
          "pain_now", "pain_now_session", "pain_now_date", "missing_paperwork", "no_imaging", "no_blood_tests",
          "paperwork_late", "acute_sessions", "numbness_sessions", "numbness_referred", "red_flag_rising",
          "last_rise_date", "last_rise_pains", "below_expected"]


def test_flags_prints_every_course_sorted_by_patient_start_and_course_with_every_field(db_from, cli):
    path = db_from(sessions=SESSIONS, patients=PATIENTS)
    code, rows = cli("flags", "--db", path, "--as-of", AS_OF, "--json")
    assert code == 0
    # p6 has k6 (03-01) before k8 (03-10)
    assert [r["course_id"] for r in rows] == ["k1", "k2", "k3", "k4", "k5", "k6", "k8", "k7"]
    assert all(list(r) == FIELDS for r in rows) and list(flags.JSON_FIELDS) == FIELDS
    k1 = rows[0]
    assert k1 == {"course_id": "k1", "patient_id": "p1", "therapist": "Birch", "start_date": "2026-03-01",
                  "failure_to_progress": True, "ceiling": False, "baseline_pain": 8, "pain_now": 7,
                  "pain_now_session": 4, "pain_now_date": "2026-03-04", "missing_paperwork": False,
                  "no_imaging": False, "no_blood_tests": False, "paperwork_late": False, "acute_sessions": 1,
                  "numbness_sessions": 0, "numbness_referred": None, "red_flag_rising": False,
                  "last_rise_date": None, "last_rise_pains": None,
                  "below_expected": None}   # no similar completed course at all (fewer than 5): not judged
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


# Below the expected course: s1 and s2 are completed (4 of 4 planned), disc herniation, baseline 8
# (the severe band), pain before session 4: 3 and 3 -> 75th percentile 3. t1 (same diagnosis and
# band, not completed) has pain 6 before its session 4, after progress_after = 3 sessions: 6 > 3,
# below expected. s1 against s2 alone (itself left out): 3 is not above 3. With the default fewest
# courses to judge (5) nobody has enough similar courses: not judged.
EXPECTED_PATIENTS = """
patient_id,birth_year,sex,diagnosis
a1,1970,F,disc_herniation
a2,1971,M,disc_herniation
a3,1972,F,disc_herniation
"""
EXPECTED_COURSES = """
course_id,patient_id,start_date,planned_sessions
s1,a1,2026-03-01,4
s2,a2,2026-03-01,4
t1,a3,2026-03-01,10
"""
EXPECTED_SESSIONS = """
session_id,patient_id,course_id,session_date,therapist,status,pain_before,pain_after
x1,a1,s1,2026-03-01,Birch,attended,8,6
x2,a1,s1,2026-03-02,Birch,attended,6,5
x3,a1,s1,2026-03-03,Birch,attended,4,3
x4,a1,s1,2026-03-04,Birch,attended,3,2
y1,a2,s2,2026-03-01,Birch,attended,8,6
y2,a2,s2,2026-03-02,Birch,attended,5,5
y3,a2,s2,2026-03-03,Birch,attended,4,3
y4,a2,s2,2026-03-04,Birch,attended,3,2
z1,a3,t1,2026-03-01,Birch,attended,8,7
z2,a3,t1,2026-03-02,Birch,attended,8,7
z3,a3,t1,2026-03-03,Birch,attended,7,7
z4,a3,t1,2026-03-04,Birch,attended,6,6
"""


def test_flags_say_which_courses_are_below_their_expected_course(db_from, cli):
    path = db_from(sessions=EXPECTED_SESSIONS, patients=EXPECTED_PATIENTS, courses=EXPECTED_COURSES)

    def below(*flags):
        code, rows = cli("flags", "--db", path, "--as-of", "2026-03-10", "--json", *flags)
        assert code == 0, cli.err
        return {r["course_id"]: r["below_expected"] for r in rows}

    assert below("--min-cohort", "1") == {"s1": False, "s2": False, "t1": True}
    assert below() == {"s1": None, "s2": None, "t1": None}
