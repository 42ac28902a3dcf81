"""Protocol-safety flags per course and their counts (clinic/flags.py, queries/flags_*.sql) on the
hand-computed clinic of tests/flags_fixture.py (the arithmetic is written there)."""
from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
import pytest
from flags_fixture import AS_OF, PATIENTS, SESSIONS

from clinic import db, flags
from clinic.filters import Filters
from clinic.settings import Settings


@pytest.fixture
def clinic(db_from):
    return db_from(sessions=SESSIONS, patients=PATIENTS)


def read_with(path, filters):
    con = db.connect(path, read_only=True)
    return con, flags.reader(con, filters)


def flagged(path, **settings) -> dict:
    filters = Filters(as_of=dt.date.fromisoformat(AS_OF), settings=Settings(**settings))
    with db.owned(db.connect(path, read_only=True)) as con:
        return {row["course_id"]: row for row in flags.course_records(con, filters)}


def counts(path, scope=None, **settings) -> dict:
    filters = Filters(as_of=dt.date.fromisoformat(AS_OF), scope=scope, settings=Settings(**settings))
    with db.owned(db.connect(path, read_only=True)) as con:
        found = flags.checks(flags.reader(con, filters), filters)
    return {key: (c.count, c.of) for key, c in found.items()}


def test_a_course_is_judged_at_the_first_scored_session_after_n_and_fails_without_the_mcid(clinic):
    k1 = flagged(clinic)["k1"]
    assert (k1["baseline_pain"], k1["pain_now"], k1["pain_now_session"]) == (8, 7, 4)   # a6 (pain 2) is after as-of
    assert k1["failure_to_progress"] is True                 # 8 - 7 = 1 < 2
    assert k1["ceiling"] is False


def test_a_course_with_only_n_sessions_is_not_judged_yet(clinic):
    k4 = flagged(clinic)["k4"]
    assert k4["failure_to_progress"] is None and k4["pain_now"] is None
    assert k4["baseline_pain"] == 6


def test_points2_and_pct30_give_different_answers_on_the_same_courses(clinic):
    points, percent = flagged(clinic, mcid="points2"), flagged(clinic, mcid="pct30")
    assert (points["k2"]["failure_to_progress"], percent["k2"]["failure_to_progress"]) == (False, True)   # 10 -> 8
    assert (points["k3"]["failure_to_progress"], percent["k3"]["failure_to_progress"]) == (True, False)   # 3 -> 2
    assert points["k8"]["failure_to_progress"] is percent["k8"]["failure_to_progress"] is True           # 4 -> 6


def test_a_baseline_of_two_or_less_gets_a_ceiling_note_and_is_not_judged(clinic):
    k5 = flagged(clinic)["k5"]
    assert k5["ceiling"] is True and k5["failure_to_progress"] is None and k5["baseline_pain"] == 2


def test_a_baseline_scored_only_after_n_sessions_is_not_judged_against_itself(clinic):
    k6 = flagged(clinic)["k6"]
    assert (k6["baseline_pain"], k6["pain_now"], k6["failure_to_progress"]) == (6, None, None)
    assert k6["red_flag_rising"] is None                     # one scored session


def test_judging_after_two_sessions_judges_the_course_with_three(clinic):
    k4 = flagged(clinic, progress_after=2)["k4"]
    assert (k4["pain_now"], k4["pain_now_session"], k4["failure_to_progress"]) == (8, 3, True)   # 6 -> 8


def test_paperwork_counts_only_when_on_file_and_not_dated_after_the_first_session(clinic):
    rows = flagged(clinic)
    paper = {k: (r["missing_paperwork"], r["no_imaging"], r["no_blood_tests"]) for k, r in rows.items()}
    assert paper == {
        "k1": (False, False, False),        # referral 02-20, all on file
        "k2": (False, True, True),          # imaging none, blood tests empty
        "k3": (True, True, True),           # referral 03-05 after the first session 03-01
        "k4": (True, True, True),           # no patients row
        "k5": (True, False, False),         # no conclusion
        "k6": (False, False, False), "k8": (False, False, False),   # no referral date: on file counts
        "k7": (False, False, False),
    }
    assert rows["k3"]["paperwork_late"] is True and rows["k1"]["paperwork_late"] is False


def test_acute_and_numbness_count_attended_sessions_up_to_the_as_of_date(clinic):
    rows = flagged(clinic)
    assert {k: r["acute_sessions"] for k, r in rows.items() if r["acute_sessions"]} == {"k1": 1, "k7": 1}
    assert {k: r["numbness_sessions"] for k, r in rows.items() if r["numbness_sessions"]} == {
        "k2": 1, "k3": 1, "k4": 1, "k5": 1, "k7": 1}           # d4 (no-show) is not counted


def test_a_referral_counts_from_a_later_note_the_same_note_or_a_later_referral_date_only(clinic):
    referred = {k: r["numbness_referred"] for k, r in flagged(clinic).items()}
    assert referred == {"k1": None, "k2": True, "k3": True, "k4": False, "k5": False, "k6": None, "k8": None,
                        "k7": True}


def test_pain_rising_over_three_scored_sessions_is_a_red_flag(clinic):
    rows = flagged(clinic)
    assert {k: r["red_flag_rising"] for k, r in rows.items()} == {
        "k1": False, "k2": False, "k3": False, "k4": True, "k5": False, "k6": None, "k8": True, "k7": False}
    assert (rows["k4"]["last_rise_pains"], str(rows["k4"]["last_rise_date"])) == ([6, 7, 8], "2026-03-12")
    assert rows["k8"]["last_rise_pains"] == [4, 5, 6]         # the unscored g2 is skipped


def test_the_counts_are_those_worked_out_by_hand(clinic):
    assert counts(clinic) == {"conclusion": (3, 8), "imaging": (3, 8), "blood_tests": (3, 8), "acute": (2, 33),
                              "numbness": (5, 33), "rising": (2, 7), "progress": (3, 5), "ceiling": (1, 8)}
    assert counts(clinic, mcid="pct30")["progress"] == (3, 5)           # k1 k2 k8


def test_a_therapists_scope_leaves_out_another_therapists_courses(clinic):
    # Birch: k7 (Cedar) gone: 7 courses, 29 attended sessions; acute a2; numbness b2 c2 d1 e3 (b2 c2 referred);
    # judged k1 k2 k3 k8
    mine = counts(clinic, scope="Birch")
    assert mine == {"conclusion": (3, 7), "imaging": (3, 7), "blood_tests": (3, 7), "acute": (1, 29),
                    "numbness": (4, 29), "rising": (2, 6), "progress": (3, 4), "ceiling": (1, 7)}


def test_the_drill_downs_list_the_flagged_rows_latest_first_with_the_total(clinic):
    filters = Filters(as_of=dt.date.fromisoformat(AS_OF), scope="Birch")
    with db.owned(db.connect(clinic, read_only=True)) as con:
        read = flags.reader(con, filters)
        numbness = flags.rows(read, "numbness")
        rising = flags.rows(read, "rising", limit=1)
    assert list(numbness.session_id) == ["d1", "e3", "c2", "b2"]     # 03-10, 03-03, 03-02, 03-02 (id desc)
    assert list(numbness.referral_noted) == [False, False, True, True]
    assert "h1" not in set(numbness.session_id)                       # Cedar's
    assert list(rising.course_id) == ["k8"] and int(rising.total.iloc[0]) == 2   # 03-13 before 03-12
    assert rising.rise.iloc[0] == "4 → 5 → 6"


def test_a_month_trend_counts_courses_by_start_month_and_sessions_by_session_month(clinic):
    filters = Filters(as_of=dt.date.fromisoformat(AS_OF))
    with db.owned(db.connect(clinic, read_only=True)) as con:
        months = flags.by_month(flags.reader(con, filters))
    got = {(r.flag, str(r.month)[:7]): (r.flagged, r.of_count) for r in months.itertuples()}
    assert got[("conclusion", "2026-02")] == (0, 1) and got[("conclusion", "2026-03")] == (3, 7)
    assert got[("acute", "2026-02")] == (1, 4) and got[("acute", "2026-03")] == (1, 29)
    assert got[("numbness", "2026-03")] == (4, 29)
    assert got[("progress", "2026-03")] == (3, 4)                      # k1 k3 k8 of k1 k2 k3 k8


def test_wilson_interval_matches_the_formula():
    # 3 of 8, z = 1.959963984540054: centre (0.375 + z²/16) / (1 + z²/8),
    # half-width z·sqrt(0.375·0.625/8 + z²/256) / (1 + z²/8)
    z = 1.959963984540054
    centre = (0.375 + z * z / 16) / (1 + z * z / 8)
    half = z * (0.375 * 0.625 / 8 + z * z / 256) ** 0.5 / (1 + z * z / 8)
    assert flags.wilson(3, 8) == pytest.approx((centre - half, centre + half))
    assert flags.wilson(0, 0) == (None, None)


@pytest.mark.parametrize("by_id_most", [5_000, 1])
def test_a_list_of_courses_gets_its_flags_in_its_own_order_asked_by_id_or_from_every_course(clinic, monkeypatch,
                                                                                          by_id_most):
    monkeypatch.setattr(flags, "BY_ID_MOST", by_id_most)     # 1: the two courses are read from all the flags
    filters = Filters(as_of=dt.date.fromisoformat(AS_OF))
    with db.owned(db.connect(clinic, read_only=True)) as con:
        listed = flags.with_flags(flags.reader(con, filters), pd.DataFrame({"course_id": ["k5", "k1"]}))
    assert list(listed.course_id) == ["k5", "k1"]
    assert [bool(v) for v in listed.ceiling] == [True, False]                     # baseline 2; baseline 8
    assert pd.isna(listed.failure_to_progress.iloc[0]) and bool(listed.failure_to_progress.iloc[1])


# --- numbness referred later: a month stored with the course facts, counted as of each date ------

LATE_PATIENTS = """
patient_id,birth_year,sex,diagnosis,referral_date
q1,1970,F,other,
q2,1971,M,other,2026-02-10
q3,1972,F,other,
"""
LATE_SESSIONS = """
session_id,patient_id,course_id,session_date,therapist,status,numbness,notes
r1,q1,n1,2026-01-30,Birch,attended,true,
r2,q1,n1,2026-02-03,Birch,attended,false,referred to a neurologist
r3,q2,n2,2026-01-29,Birch,attended,true,
r5,q3,n3,2026-01-27,Birch,attended,false,saw the doctor
r4,q3,n3,2026-01-28,Birch,attended,true,
r6,q3,n3,2026-01-29,Birch,no_show,true,
"""


def clinic_of(tmp_path, sessions: str, patients: str, stored: bool):
    """A database of these rows; unless `stored`, its course facts are not trusted, so every month is
    counted from the session rows."""
    from query_support import build_db

    path = build_db(tmp_path, sessions, None, patients)
    if not stored:
        con = duckdb.connect(str(path))
        con.execute("delete from course_facts_state")           # nothing stored is trusted
        con.close()
    return path


@pytest.mark.parametrize("stored", [True, False], ids=["stored months", "from the session rows"])
def test_a_january_numbness_session_counts_as_referred_from_the_day_its_note_or_referral_comes(tmp_path, stored):
    # January's numbness sessions: r1 (note on r2, 02-03), r3 (q2's referral date 02-10, after it) and
    # r4 (the doctor note r5 is the day before: never referred); the no-show r6 is not counted.
    # January has four attended sessions (r1 r3 r5 r4), February one (r2).
    path = clinic_of(tmp_path, LATE_SESSIONS, LATE_PATIENTS, stored)
    expected = {"2026-02-01": (3, 4, 0), "2026-02-05": (3, 4, 1), "2026-02-12": (3, 4, 2), "2026-03-01": (3, 4, 2)}
    for as_of, january in expected.items():
        filters = Filters(as_of=dt.date.fromisoformat(as_of))
        with db.owned(db.connect(path, read_only=True)) as con:
            months = flags.months(flags.reader(con, filters))
        by_month = months.loc[months.month.notna()]
        got = {(r.flag, str(r.month)[:7]): (r.flagged, r.of_count, r.referred) for r in by_month.itertuples()}
        assert got[("numbness", "2026-01")] == january, as_of
        assert got[("acute", "2026-01")][:2] == (0, 4), as_of
        if as_of != "2026-02-01":
            assert got[("numbness", "2026-02")][:2] == (0, 1), as_of


# --- courses with a flagged session: a course flagged in two months counts once -----------------

TWO_MONTH_PATIENTS = """
patient_id,birth_year,sex,diagnosis
q1,1970,F,other
q2,1971,M,other
q3,1972,F,other
"""
TWO_MONTH_SESSIONS = """
session_id,patient_id,course_id,session_date,therapist,status,numbness,acute_inflammation
s1,q1,n1,2026-01-05,Birch,attended,true,true
s2,q1,n1,2026-01-06,Birch,attended,true,false
s3,q1,n1,2026-02-03,Birch,attended,true,true
t1,q2,n2,2026-01-07,Birch,attended,false,false
t2,q2,n2,2026-02-04,Birch,cancelled,true,true
u1,q3,n3,2026-02-05,Birch,attended,false,true
u2,q3,n3,2026-02-20,Birch,attended,true,false
"""


def session_flag_months(path, as_of: dt.date) -> dict:
    """{(flag, "YYYY-MM" or "all"): (flagged sessions, attended sessions, flagged courses)} of the
    acute-inflammation and numbness month counts as of `as_of`."""
    with db.owned(db.connect(path, read_only=True)) as con:
        months = flags.months(flags.reader(con, Filters(as_of=as_of)))
    return {(r.flag, "all" if pd.isna(r.month) else str(r.month)[:7]): (r.flagged, r.of_count, r.courses_flagged)
            for r in months.loc[months.flag.isin(["acute", "numbness"])].itertuples()}


@pytest.mark.parametrize("stored", [True, False], ids=["stored months", "from the session rows"])
def test_a_course_flagged_in_two_months_is_one_flagged_course_in_all_months(tmp_path, stored):
    # As of 02-10 (January stored with the facts, February still running):
    #   acute: s1 (Jan), s3 and u1 (Feb) = 3 sessions; courses n1 (both months) and n3 = 2, not 3.
    #   numbness: s1 s2 (Jan), s3 (Feb) = 3 sessions; course n1 alone = 1, not 2 or 3.
    #   Decoys: t2 is cancelled (acute and numbness), u2 is after the as-of date.
    #   Attended: n1 3, n2 1 (t1), n3 1 (u1) = 5; January 3, February 2.
    path = clinic_of(tmp_path, TWO_MONTH_SESSIONS, TWO_MONTH_PATIENTS, stored)
    assert session_flag_months(path, dt.date(2026, 2, 10)) == {
        ("acute", "2026-01"): (1, 3, 1), ("acute", "2026-02"): (2, 2, 2), ("acute", "all"): (3, 5, 2),
        ("numbness", "2026-01"): (2, 3, 1), ("numbness", "2026-02"): (1, 2, 1), ("numbness", "all"): (3, 5, 1),
    }


# --- the running month: a session on its first day --------------------------------------------

FIRST_DAY_SESSIONS = """
session_id,patient_id,course_id,session_date,therapist,status,numbness,acute_inflammation
v1,q1,m1,2026-01-20,Birch,attended,false,false
v2,q1,m1,2026-02-01,Birch,attended,true,true
w1,q2,m2,2026-01-31,Birch,attended,false,true
x1,q3,m3,2026-02-12,Birch,attended,true,true
"""


@pytest.mark.parametrize("stored", [True, False], ids=["stored months", "from the session rows"])
def test_a_session_on_the_first_day_of_the_running_month_is_counted_in_it(tmp_path, stored):
    # As of 02-10: m1's last row is 02-01, the first day of the running month, and is acute with
    # numbness; m2's acute session is the day before (January). Decoy: x1 is after the as-of date.
    #   acute: January w1 of v1 w1 (1 of 2); February v2 of v2 (1 of 1); all 2 of 3 in 2 courses.
    #   numbness: February v2 alone (1 of 1); all 1 of 3 in 1 course.
    path = clinic_of(tmp_path, FIRST_DAY_SESSIONS, TWO_MONTH_PATIENTS, stored)
    assert session_flag_months(path, dt.date(2026, 2, 10)) == {
        ("acute", "2026-01"): (1, 2, 1), ("acute", "2026-02"): (1, 1, 1), ("acute", "all"): (2, 3, 2),
        ("numbness", "2026-01"): (0, 2, 0), ("numbness", "2026-02"): (1, 1, 1), ("numbness", "all"): (1, 3, 1),
    }
