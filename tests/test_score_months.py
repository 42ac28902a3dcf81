"""The completed courses' stored score counts (course_score_months, kept by queries/refresh_course_facts.sql)
and the expected paths that read them (queries/trajectory_quartiles.sql).

The fixture's courses, all planned 2 days (a course is completed with two attended days):
  j1  p1 disc_herniation, 01-10 (8) and 01-11 (6): completed, settled from 01-11: January.
  f1  p2 disc_herniation, 02-20 (7) and 02-21 (5): completed, February.
  x1  p3 disc_herniation, 02-27 (9) and 02-28 (4), and a cancelled booking on 03-04: completed in
      February, but its last row is in March, so it is settled from 03-04: March (and open as of
      any day from 02-28 to 03-03).
  m1  p4 disc_herniation, 03-02 (8) and 03-03 (3): completed, March.
Decoys, completed or not, never counted:
  d1  p5, no diagnosis: 02-01 (8), 02-02 (2), completed.
  u1  p6 disc_herniation: 02-03 (8) only, not completed.
  n1  p6 disc_herniation: 02-10 (no score) and 02-11 (5): completed, but no baseline band.
"""
from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from clinic import dataset, db, facts, metrics
from clinic.filters import Filters
from query_support import build_db, import_text

SESSIONS = """
session_id,patient_id,course_id,session_date,therapist,status,pain_before,pain_after
j1a,p1,j1,2026-01-10,Alder,attended,8,7
j1b,p1,j1,2026-01-11,Alder,attended,6,5
f1a,p2,f1,2026-02-20,Alder,attended,7,6
f1b,p2,f1,2026-02-21,Alder,attended,5,4
x1a,p3,x1,2026-02-27,Birch,attended,9,8
x1b,p3,x1,2026-02-28,Birch,attended,4,3
x1c,p3,x1,2026-03-04,Birch,cancelled,,
m1a,p4,m1,2026-03-02,Birch,attended,8,7
m1b,p4,m1,2026-03-03,Birch,attended,3,2
d1a,p5,d1,2026-02-01,Alder,attended,8,7
d1b,p5,d1,2026-02-02,Alder,attended,2,1
u1a,p6,u1,2026-02-03,Alder,attended,8,7
n1a,p6,n1,2026-02-10,Alder,attended,,
n1b,p6,n1,2026-02-11,Alder,attended,5,4
"""
COURSES = """
course_id,patient_id,start_date,planned_sessions
j1,p1,2026-01-10,2
f1,p2,2026-02-20,2
x1,p3,2026-02-27,2
m1,p4,2026-03-02,2
d1,p5,2026-02-01,2
u1,p6,2026-02-03,2
n1,p6,2026-02-10,2
"""
PATIENTS = """
patient_id,birth_year,sex,diagnosis,site
p1,1970,F,disc_herniation,North
p2,1971,M,disc_herniation,North
p3,1972,F,disc_herniation,North
p4,1973,M,disc_herniation,North
p5,1974,F,,North
p6,1975,M,disc_herniation,North
"""
DISC = ("disc_herniation", "severe")
HAND_COUNTED = {
    ("2026-01-01", *DISC, 1, 8): 1, ("2026-01-01", *DISC, 2, 6): 1,          # j1
    ("2026-02-01", *DISC, 1, 7): 1, ("2026-02-01", *DISC, 2, 5): 1,          # f1
    ("2026-03-01", *DISC, 1, 9): 1, ("2026-03-01", *DISC, 2, 4): 1,          # x1, by its March row
    ("2026-03-01", *DISC, 1, 8): 1, ("2026-03-01", *DISC, 2, 3): 1,          # m1
}


def stored_counts(path) -> dict[tuple, int]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        rows = con.execute("select month, diagnosis, baseline_band, session_number, pain_before, courses "
                           "from course_score_months").fetchall()
    finally:
        con.close()
    return {(f"{m:%Y-%m-%d}", d, b, k, p): n for m, d, b, k, p, n in rows}


def distrust(path) -> None:
    """Marks the facts as built by an unknown version: every course is then computed from its rows."""
    con = duckdb.connect(str(path))
    con.execute("update course_facts_state set facts_version = 0")
    con.close()


def paths_on(con, as_of: dt.date, table=None, planned: int = 10) -> list[tuple]:
    """The expected paths as of `as_of` (fewest courses 1), in a stable order."""
    filters = Filters(as_of=as_of)
    filters = filters.with_(settings=filters.settings.with_(min_cohort=1, planned_sessions=planned))
    rows = [(r["diagnosis"], r["baseline_band"], r["session_number"], r["left_out"], r["similar_courses"],
             r["courses_at_session"], r["expected_q75_pain"]) for r in metrics.expected_paths(con, filters, table).to_pylist()]
    return sorted(rows, key=lambda row: [(value is not None, value) for value in row[:4]])


def paths(path, as_of: dt.date, table=None, planned: int = 10) -> list[tuple]:
    with db.owned(db.connect(path, read_only=True)) as con:
        return paths_on(con, as_of, table, planned)


@pytest.fixture(scope="module")
def clinic(tmp_path_factory):
    return build_db(tmp_path_factory.mktemp("score_months"), SESSIONS, COURSES, PATIENTS)


@pytest.fixture(scope="module")
def untrusted(tmp_path_factory):
    path = build_db(tmp_path_factory.mktemp("score_months_untrusted"), SESSIONS, COURSES, PATIENTS)
    distrust(path)
    return path


def test_each_completed_course_s_scores_are_counted_in_the_month_it_is_settled_from(clinic):
    assert stored_counts(clinic) == HAND_COUNTED


def whole_group(rows) -> list[tuple]:
    return [(k, similar, scored, q75) for _d, _b, k, left_out, similar, scored, q75 in rows if left_out is None]


def test_the_expected_path_in_march_adds_the_stored_earlier_months_to_the_courses_settled_since(clinic):
    # as of 03-03: j1 (January) and f1 (February) from the stored months; x1, open (its cancelled
    # booking is on 03-04), and m1, settled on 03-03, from their score lists.
    #   session 1: 7, 8, 8, 9 -> rank (4 - 1) x 0.75 = 2.25 -> 8 + 0.25 x 1 = 8.25
    #   session 2: 3, 4, 5, 6 -> rank 2.25               -> 5 + 0.25 x 1 = 5.25
    assert whole_group(paths(clinic, dt.date(2026, 3, 3))) == [(1, 4, 4, 8.25), (2, 4, 4, 5.25)]
    # as of 02-28: j1 stored; f1 and the open x1 live; m1 has not started.
    #   session 1: 7, 8, 9 -> rank 1.5 -> 8.5; session 2: 4, 5, 6 -> 5.5
    assert whole_group(paths(clinic, dt.date(2026, 2, 28))) == [(1, 3, 3, 8.5), (2, 3, 3, 5.5)]


# the days each course starts, completes and settles, and either side of every month's start
DAYS_TO_CHECK = [dt.date(2026, 1, 9) + dt.timedelta(days=n) for n in (0, 1, 2, 3, 22, 23, 24, 41, 42, 43, 49, 50,
                                                                      51, 52, 53, 54, 55, 81)]


@pytest.mark.parametrize("planned", [10, 12], ids=["stored months", "another planned default: none stored"])
def test_every_day_the_stored_months_give_the_paths_that_every_course_s_scores_give(clinic, untrusted, planned):
    with db.owned(db.connect(clinic, read_only=True)) as stored, \
            db.owned(db.connect(untrusted, read_only=True)) as unstored:
        for as_of in DAYS_TO_CHECK:
            assert paths_on(stored, as_of, planned=planned) == paths_on(unstored, as_of, planned=planned), as_of


def test_open_courses_worked_out_before_the_facts_were_trusted_are_not_counted_twice(clinic, untrusted):
    # while the facts are not trusted, the open courses hold every course; expected paths then read
    # with trusted facts must not count j1 and f1 both from the stored months and from that table
    as_of = dt.date(2026, 3, 3)
    with db.owned(db.connect(untrusted, read_only=True)) as con:
        every_course = metrics.open_courses(con, Filters(as_of=as_of))
    assert len(every_course) == 7
    assert paths(clinic, as_of, table=every_course) == paths(clinic, as_of)


def rebuilt_whole(path) -> dict[tuple, int]:
    """The score counts as a refresh from another version builds them: from every course's facts."""
    con = duckdb.connect(str(path))
    con.execute("update course_facts_state set facts_version = 6")
    con.close()
    assert facts.ensure(path) is True
    return stored_counts(path)


def test_a_later_import_moves_the_counts_of_the_courses_it_changed_and_only_those(tmp_path):
    path = build_db(tmp_path, SESSIONS, COURSES, PATIENTS)
    import_text(tmp_path, path, "sessions.csv", """
session_id,patient_id,course_id,session_date,therapist,status,pain_before,pain_after
f1b,p2,f1,2026-02-21,Alder,no_show,,
m1c,p4,m1,2026-03-04,Birch,attended,2,1
""")      # f1 is no longer completed; m1 gets a third session
    import_text(tmp_path, path, "patients.csv", """
patient_id,birth_year,sex,diagnosis,site
p1,1970,F,spinal_stenosis,North
""")      # j1 moves to another group
    expected = {
        ("2026-01-01", "spinal_stenosis", "severe", 1, 8): 1, ("2026-01-01", "spinal_stenosis", "severe", 2, 6): 1,
        ("2026-03-01", *DISC, 1, 9): 1, ("2026-03-01", *DISC, 2, 4): 1,
        ("2026-03-01", *DISC, 1, 8): 1, ("2026-03-01", *DISC, 2, 3): 1, ("2026-03-01", *DISC, 3, 2): 1,
    }
    assert stored_counts(path) == expected
    assert rebuilt_whole(path) == expected


@pytest.mark.parametrize("version", [6, 7])
def test_a_database_of_older_facts_gets_every_course_recomputed_with_its_score_counts(tmp_path, version):
    # Version 6 had no score counts, version 7 no lists to cut a course at an earlier date
    # (open_course_facts.sql): every course's facts are rebuilt, and the counts with them.
    path = build_db(tmp_path, SESSIONS, COURSES, PATIENTS)
    con = duckdb.connect(str(path))
    con.execute("update course_facts_state set facts_version = ?", [version])
    con.execute("delete from course_score_months")
    con.execute("update course_facts set therapist = 'stale', therapists_since = null where course_id = 'j1'")
    con.close()
    assert facts.ensure(path) is True
    with db.owned(db.connect(path, read_only=True)) as con:
        assert facts.fresh(con)
        assert con.execute("select therapist, therapists_since from course_facts where course_id = 'j1'"
                           ).fetchone() == ("Alder", [{"therapist": "Alder", "since": dt.date(2026, 1, 10)}])
    assert stored_counts(path) == HAND_COUNTED


def test_a_parquet_dataset_carries_the_score_counts_and_gives_the_same_paths(clinic, tmp_path):
    folder = tmp_path / "dataset"
    dataset.export(clinic, folder)
    for as_of in (dt.date(2026, 2, 28), dt.date(2026, 3, 3), dt.date(2026, 3, 31)):
        assert paths(folder, as_of) == paths(clinic, as_of), as_of
    with db.owned(db.connect(folder, read_only=True)) as con:
        assert facts.fresh(con)
        assert con.execute("select sum(courses) from course_score_months").fetchone() == (8,)


# --- one course's expected course (Patients, the progress report) -------------------------------

def expected_courses(con, as_of: dt.date, course_ids) -> dict:
    """course id -> (similar courses, points, verdict) of its expected course (fewest courses 1)."""
    from clinic import trajectory

    filters = Filters(as_of=as_of)
    filters = filters.with_(settings=filters.settings.with_(min_cohort=1))
    run = metrics.reader(con, filters)
    found = {}
    for course_id in course_ids:
        expected = trajectory.expected_course(run, filters, course_id)
        found[course_id] = None if expected is None else \
            (expected.similar_courses, expected.points.to_dict("records"), expected.verdict)
    return found


def test_a_march_course_is_drawn_against_the_stored_earlier_months_and_left_out_of_its_own_group(clinic):
    # m1 as of 03-03: its similar courses are j1 and f1 (stored months) and x1 (open), m1 itself left out.
    #   session 1: 7, 8, 9 -> quartiles at ranks 0.5, 1, 1.5: 7.5, 8, 8.5
    #   session 2: 4, 5, 6 -> 4.5, 5, 5.5
    with db.owned(db.connect(clinic, read_only=True)) as con:
        similar, points, _verdict = expected_courses(con, dt.date(2026, 3, 3), ["m1"])["m1"]
    assert similar == 3
    assert [(p["session_number"], p["courses"], p["q25_pain"], p["median_pain"], p["q75_pain"]) for p in points] == \
        [(1, 3, 7.5, 8.0, 8.5), (2, 3, 4.5, 5.0, 5.5)]


def test_every_course_s_expected_course_is_the_same_from_the_stored_months_as_from_every_course(clinic, untrusted):
    courses = ("j1", "f1", "x1", "m1", "d1", "u1", "n1")
    with db.owned(db.connect(clinic, read_only=True)) as stored, \
            db.owned(db.connect(untrusted, read_only=True)) as unstored:
        for as_of in (dt.date(2026, 2, 28), dt.date(2026, 3, 3)):
            assert expected_courses(stored, as_of, courses) == expected_courses(unstored, as_of, courses), as_of
