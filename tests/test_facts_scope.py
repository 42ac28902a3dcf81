"""A write's refresh of the per-course facts looks only at the courses of the patients it changed
(clinic/facts.py note_changes, queries/refresh_scope_*.sql), and leaves the facts exactly as a
refresh of every course would: for sessions, patients, courses and scores files, for a session
recorded on the Record session page, and for any sequence of imports.

The fixture (tests/test_course_facts.py's courses, in short):
  a  p1 courses.csv: a1 a2 a3 attended      b  p2 courses.csv: b1 b2 attended, b3 cancelled
  c  p3 inferred: c1 c2 c3                  d  p4 courses.csv, no sessions
  e  p5 courses.csv: e1 e2                  f  p6 inferred: f1 (02-01) and f2 (03-08): two courses
"""
from __future__ import annotations

import datetime as dt

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clinic import db, facts, importer, mapping, recording
from query_support import build_db, import_text
from soak import examples
from test_course_facts import COURSES, PATIENTS, SESSIONS

# Every table the refresh writes, in a stable order.
FACT_TABLES = {
    "course_facts": "select * from course_facts order by course_id",
    "course_pain_periods": "select * from course_pain_periods order by all",
    "course_months": "select * from course_months order by all",
    "course_score_months": "select * from course_score_months order by all",
    "course_numbers": "select * from course_numbers order by course_id",
    "session_numbers": "select session_id, session_number, course_no, inferred_course_id from sessions "
                       "order by session_id",
}


def stored_facts(con) -> dict[str, list[tuple]]:
    return {name: con.execute(sql).fetchall() for name, sql in FACT_TABLES.items()}


def assert_the_facts_are_those_of_a_refresh_of_every_course(path) -> None:
    """Refreshes every course on top of the stored facts, in a transaction rolled back after: a
    course the write's own refresh should have looked at and did not would change here."""
    con = duckdb.connect(str(path))
    try:
        assert db.fetch(con, "course_facts_fresh")[0][0]
        before = stored_facts(con)
        con.begin()
        facts.refresh(con)            # nothing noted: every course is looked at
        after = stored_facts(con)
        con.rollback()
    finally:
        con.close()
    for name in FACT_TABLES:
        assert after[name] == before[name], name


def doctor(path, course_id: str) -> tuple:
    """A decoy: the course's stored therapist altered by hand and its print wiped, so that any
    refresh that looks at the course recomputes it (and puts its real therapist back). Returns what
    was stored, for undoctor()."""
    con = duckdb.connect(str(path))
    kept = con.execute("select therapist, source_print from course_facts where course_id = $c",
                       {"c": course_id}).fetchall()[0]
    con.execute("update course_facts set therapist = 'doctored', source_print = null where course_id = $c",
                {"c": course_id})
    con.close()
    return kept


def undoctor(path, course_id: str, kept: tuple) -> None:
    """Puts back what doctor() altered (the decoy has served), so the facts can be compared whole."""
    con = duckdb.connect(str(path))
    con.execute("update course_facts set therapist = $t, source_print = $p where course_id = $c",
                {"t": kept[0], "p": kept[1], "c": course_id})
    con.close()


def therapists(path) -> dict[str, str]:
    with db.owned(db.connect(path, read_only=True)) as con:
        return dict(con.execute("select course_id, therapist from course_facts").fetchall())


def test_an_import_looks_only_at_the_courses_of_the_patients_it_changed(tmp_path):
    path = build_db(tmp_path, SESSIONS, COURSES, PATIENTS)
    kept = doctor(path, "a")                       # p1: not in the file below
    doctor(path, "e")                              # p5: in it
    import_text(tmp_path, path, "more.csv", """
session_id,patient_id,course_id,session_date,therapist,status,pain_before,pain_after
e3,p5,e,2026-03-12,Cedar,attended,4,1
""")
    found = therapists(path)
    assert found["a"] == "doctored"                # never looked at
    assert found["e"] == "Alder"                   # looked at, and recomputed whole
    undoctor(path, "a", kept)
    assert_the_facts_are_those_of_a_refresh_of_every_course(path)


def test_an_import_into_facts_left_stale_by_a_change_around_the_importer_looks_at_every_course(tmp_path):
    path = build_db(tmp_path, SESSIONS, COURSES, PATIENTS)
    doctor(path, "a")
    con = duckdb.connect(str(path))               # a row written around the importer: the facts go stale
    con.execute("insert into sessions (session_id, patient_id, session_date, therapist, status) "
                "values ('x1', 'p9', date '2026-03-02', 'Birch', 'attended')")
    con.close()
    import_text(tmp_path, path, "more.csv", """
session_id,patient_id,course_id,session_date,therapist,status,pain_before,pain_after
e3,p5,e,2026-03-12,Cedar,attended,4,1
""")
    found = therapists(path)
    assert found["a"] == "Alder"                   # p1 was not in the file, yet its course was recomputed
    assert found["p9:2026-03-02"] == "Birch"      # and the row written around the importer has its course
    assert_the_facts_are_those_of_a_refresh_of_every_course(path)



def test_a_refresh_of_every_course_drops_sums_left_for_a_course_that_no_longer_exists(tmp_path):
    path = build_db(tmp_path, SESSIONS, COURSES, PATIENTS)
    con = duckdb.connect(str(path))               # sums of a course 'gone' that nothing else names
    con.execute("insert into course_pain_periods select * replace ('gone' as course_id) from course_pain_periods "
                "limit 1")
    con.execute("insert into course_months select * replace ('gone' as course_id) from course_months limit 1")
    con.execute("insert into sessions (session_id, patient_id, session_date, therapist, status) "
                "values ('x1', 'p9', date '2026-03-02', 'Birch', 'attended')")     # the facts go stale
    con.close()
    import_text(tmp_path, path, "more.csv", """
session_id,patient_id,course_id,session_date,therapist,status,pain_before,pain_after
e3,p5,e,2026-03-12,Cedar,attended,4,1
""")
    with db.owned(db.connect(path, read_only=True)) as con:
        left = [con.execute("select count(*) from course_pain_periods where course_id = 'gone'").fetchall()[0][0],
                con.execute("select count(*) from course_months where course_id = 'gone'").fetchall()[0][0]]
    assert left == [0, 0]


def test_rows_moved_to_another_patient_and_course_leave_no_course_behind(tmp_path):
    path = build_db(tmp_path, SESSIONS, COURSES, PATIENTS)
    import_text(tmp_path, path, "moved.csv", """
session_id,patient_id,course_id,session_date,therapist,status,pain_before,pain_after
f2,p3,,2026-03-08,Birch,attended,2,2
a3,p1,,2026-03-03,Birch,attended,5,3
""")      # f2 leaves p6 (whose second course is gone) for p3's inferred course; a3 leaves course a
    with db.owned(db.connect(path, read_only=True)) as con:
        ids = {row[0] for row in con.execute("select course_id from course_facts").fetchall()}
        attended = dict(con.execute("select course_id, sessions_attended from course_facts").fetchall())
    assert "p6:2026-03-08" not in ids
    assert attended["p3:2026-03-05"] == 4 and attended["a"] == 2 and attended["p1:2026-03-03"] == 1
    assert_the_facts_are_those_of_a_refresh_of_every_course(path)


def test_a_patients_file_recomputes_the_courses_of_the_patients_it_changed(tmp_path):
    path = build_db(tmp_path, SESSIONS, COURSES, PATIENTS)
    kept = doctor(path, "e")                       # p5: unchanged in the file below
    import_text(tmp_path, path, "patients.csv", """
patient_id,birth_year,sex,diagnosis,site
p1,1950,F,spinal_stenosis,West
p5,1990,M,other,South
p3,1980,X,other,East
""")
    with db.owned(db.connect(path, read_only=True)) as con:
        sites = dict(con.execute("select course_id, site from course_facts").fetchall())
    assert sites["a"] == "West" and sites["p3:2026-03-05"] == "East"
    assert therapists(path)["e"] == "doctored"    # p5's row is the same: nothing to look at
    undoctor(path, "e", kept)
    assert_the_facts_are_those_of_a_refresh_of_every_course(path)


def test_a_courses_file_recomputes_the_course_it_changed_and_the_facts_agree(tmp_path):
    path = build_db(tmp_path, SESSIONS, COURSES, PATIENTS)
    import_text(tmp_path, path, "courses.csv", """
course_id,patient_id,start_date,planned_sessions
b,p2,2026-02-28,2
g,p7,2026-03-15,4
""")
    with db.owned(db.connect(path, read_only=True)) as con:
        planned = dict(con.execute("select course_id, planned_sessions from course_facts").fetchall())
        starts = dict(con.execute("select course_id, start_date from course_facts").fetchall())
    assert planned["b"] == 2 and starts["b"] == dt.date(2026, 2, 28) and planned["g"] == 4
    assert_the_facts_are_those_of_a_refresh_of_every_course(path)


def test_a_scores_file_recomputes_the_courses_of_the_sessions_it_scored(tmp_path):
    path = build_db(tmp_path, SESSIONS, COURSES, PATIENTS)
    kept = doctor(path, "a")
    scores = tmp_path / "scores.csv"
    scores.write_text("session_id,pain_before,pain_after\ne2,6,2\n", encoding="utf-8")
    profile = mapping.suggest(importer.read_table(scores, records=True)[0])
    assert profile.kind == "scores"
    [result] = importer.import_files([scores], path, today=dt.date(2026, 3, 31), profile=profile)
    assert (result.updated, result.rejected) == (1, 0)
    with db.owned(db.connect(path, read_only=True)) as con:
        improvement = con.execute("select sustained_improvement_pct from course_facts "
                                  "where course_id = 'e'").fetchall()[0][0]
    assert improvement == 25.0                     # pain before 8 -> 6: (8 - 6) / 8
    assert therapists(path)["a"] == "doctored"
    undoctor(path, "a", kept)
    assert_the_facts_are_those_of_a_refresh_of_every_course(path)


def test_a_recorded_session_looks_only_at_its_patient_s_courses(tmp_path):
    path = build_db(tmp_path, SESSIONS, COURSES, PATIENTS)
    kept = doctor(path, "a")
    outcome = recording.record(path, {"patient_id": "p5", "course_id": "e", "session_date": dt.date(2026, 3, 12),
                                      "therapist": "Cedar", "status": "attended", "pain_before": 4,
                                      "pain_after": 1}, recording.Recorder("director", None),
                               today=dt.date(2026, 3, 31))
    assert outcome.saved, outcome.reasons()
    with db.owned(db.connect(path, read_only=True)) as con:
        e = con.execute("select sessions_attended, last_row_date from course_facts where course_id = 'e'").fetchall()
    assert e == [(3, dt.date(2026, 3, 12))]
    assert therapists(path)["a"] == "doctored"
    undoctor(path, "a", kept)
    assert_the_facts_are_those_of_a_refresh_of_every_course(path)


# --- any sequence of imports --------------------------------------------------------------------

DAY0 = dt.date(2026, 1, 1)
session_files = st.lists(
    st.lists(
        st.tuples(
            st.integers(0, 9),                                  # session id: a small pool, so rows are updated
            st.integers(0, 3),                                  # patient
            st.sampled_from([None, None, "k1", "k2", "k3"]),    # course id (None: inferred)
            st.integers(0, 80),                                 # day
            st.sampled_from(["attended", "attended", "cancelled", "no_show"]),
            st.one_of(st.none(), st.integers(0, 10)),
            st.sampled_from(["T1", "T2"]),
        ),
        min_size=1, max_size=8, unique_by=lambda row: row[0],
    ),
    min_size=1, max_size=3,
)


@settings(max_examples=examples(12), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(session_files, st.lists(st.tuples(st.integers(0, 3), st.sampled_from(["North", "South"])), max_size=3),
       st.lists(st.tuples(st.sampled_from(["k1", "k2", "k3"]), st.integers(0, 40), st.integers(1, 12)), max_size=2))
def test_after_any_imports_the_facts_are_those_of_a_refresh_of_every_course(tmp_path_factory, files, sites, listed):
    folder = tmp_path_factory.mktemp("scope")
    path = folder / "clinic.duckdb"
    owners: dict[str, int] = {}
    for n, rows in enumerate(files):
        lines = ["session_id,patient_id,course_id,session_date,therapist,status,pain_before"]
        for sid, patient, course, day, status, before, therapist in rows:
            if course is not None:
                patient = owners.setdefault(course, patient)        # a course belongs to one patient
            lines.append(f"s{sid},p{patient},{course or ''},{DAY0 + dt.timedelta(days=day)},{therapist},{status},"
                         f"{'' if before is None or status != 'attended' else before}")
        file = folder / f"sessions{n}.csv"
        file.write_text("\n".join(lines) + "\n", encoding="utf-8")
        results = importer.import_files([file], path, today=dt.date(2026, 12, 31))
        if all(r.rejected == 0 and not r.refused for r in results):
            assert_the_facts_are_those_of_a_refresh_of_every_course(path)
        if n == 0 and sites:
            text = "patient_id,site\n" + "".join(f"p{p},{site}\n" for p, site in dict(sites).items())
            import_text(folder, path, "patients.csv", text)
            assert_the_facts_are_those_of_a_refresh_of_every_course(path)
        if n == 0 and listed:
            text = "course_id,patient_id,start_date,planned_sessions\n" + "".join(
                f"{c},p{owners.setdefault(c, 3)},{DAY0 + dt.timedelta(days=d)},{p}\n" for c, d, p in dict(
                    (c, (c, d, p)) for c, d, p in listed).values())
            file = folder / "courses.csv"
            file.write_text(text, encoding="utf-8")
            [result] = importer.import_files([file], path, today=dt.date(2026, 12, 31))
            if result.rejected == 0 and not result.refused:
                assert_the_facts_are_those_of_a_refresh_of_every_course(path)


# --- how far back in time a write reaches ------------------------------------------------------------
# A sessions write looks only at its patients' courses with a row within the course gap (30 days) of
# its earliest row (its rows' dates new and stored, and the first rows of the courses they name), and
# reads their rows from the earliest of those courses' first rows (refresh_rows_scoped.sql).
# p1 has an inferred course N (01-11, 01-21), an explicit k1 (01-16 and 04-11: it spans N) and an
# explicit k2 that ended on 01-31; p2's course is the decoy of a patient no write names.
REACH_SESSIONS = """
session_id,patient_id,course_id,session_date,therapist,status,pain_before,pain_after
n1,p1,,2026-01-11,Birch,attended,7,5
n2,p1,,2026-01-21,Birch,attended,6,4
k1a,p1,k1,2026-01-16,Cedar,attended,8,6
k1b,p1,k1,2026-04-11,Cedar,attended,5,3
k2a,p1,k2,2026-01-13,Alder,attended,6,5
k2b,p1,k2,2026-01-31,Alder,attended,5,4
q1,p2,,2026-01-11,Alder,attended,5,5
"""
N = "p1:2026-01-11"
LATE = dt.date(2026, 12, 31)


def import_more(folder, path, text: str) -> None:
    file = folder / "more.csv"
    file.write_text("session_id,patient_id,course_id,session_date,therapist,status,pain_before,pain_after\n"
                    + text.strip() + "\n", encoding="utf-8")
    [result] = importer.import_files([file], path, today=LATE)
    assert result.rejected == 0 and not result.refused, result.as_dict()


def attended(path) -> dict[str, int]:
    with db.owned(db.connect(path, read_only=True)) as con:
        return dict(con.execute("select course_id, sessions_attended from course_facts").fetchall())


def test_a_course_that_ended_more_than_the_gap_before_a_writes_rows_is_not_looked_at(tmp_path):
    path = build_db(tmp_path, REACH_SESSIONS, today=LATE)
    kept = doctor(path, N)             # ended 01-21: out of reach of a row of 04-12, though k1 spans it
    doctor(path, "k1")                 # its last row, 04-11, is within reach: looked at, and recomputed
    import_more(tmp_path, path, "n3,p1,,2026-04-12,Birch,attended,4,2")
    found = therapists(path)
    assert found[N] == "doctored" and found["k1"] == "Cedar"
    assert found["p1:2026-04-12"] == "Birch"                    # 82 days after 01-21: a course of its own
    undoctor(path, N, kept)
    assert_the_facts_are_those_of_a_refresh_of_every_course(path)


def test_a_row_within_the_gap_of_an_inferred_course_joins_it_and_the_course_is_recomputed(tmp_path):
    path = build_db(tmp_path, REACH_SESSIONS, today=LATE)
    import_more(tmp_path, path, "n4,p1,,2026-02-15,Birch,attended,4,2")       # 25 days after 01-21
    assert attended(path)[N] == 3
    assert_the_facts_are_those_of_a_refresh_of_every_course(path)


def test_a_row_given_to_an_explicit_course_that_ended_long_before_is_counted_in_it(tmp_path):
    path = build_db(tmp_path, REACH_SESSIONS, today=LATE)
    import_more(tmp_path, path, "k2c,p1,k2,2026-05-31,Alder,attended,3,2")    # k2 ended 01-31
    assert attended(path)["k2"] == 3
    assert_the_facts_are_those_of_a_refresh_of_every_course(path)


def test_a_row_moved_months_later_leaves_the_course_it_was_in(tmp_path):
    path = build_db(tmp_path, REACH_SESSIONS, today=LATE)
    import_more(tmp_path, path, "n2,p1,,2026-05-31,Birch,attended,6,4")       # was 01-21, in N
    found = attended(path)
    assert (found[N], found["p1:2026-05-31"]) == (1, 1)
    assert_the_facts_are_those_of_a_refresh_of_every_course(path)


# --- the runner that binds a value in every statement of a script ---------------------------------

def test_a_script_run_statement_by_statement_names_the_parameter_it_lacks_or_does_not_take():
    con = duckdb.connect()
    try:
        with pytest.raises(TypeError, match=r"needs parameters: \$rows_from"):
            db.execute_each(con, "refresh_changed_courses")
        with pytest.raises(TypeError, match=r"takes no parameter \$as_of"):
            db.execute_each(con, "refresh_changed_courses", rows_from=None, as_of=dt.date(2026, 3, 1))
    finally:
        con.close()
