"""The stored per-course facts (clinic/facts.py, queries/course_facts.sql) answer every as-of date exactly
as computing each course from its session rows does (queries/all_courses_live.sql, the definition that
the hand-computed query tests check), and are never trusted once the data changed around them.

The fixture's courses, planned 3 days unless said otherwise (window = start .. start + 2):
  a  p1 courses.csv 03-01: attended 03-01, 03-02, 03-03 (a whole daily course).
  b  p2 courses.csv 03-01, planned 5: attended 03-01, 03-03; a cancelled booking on 03-20 (a row after
     most as-of dates: it must keep b open until 03-20).
  c  p3 inferred (no course_id): attended 03-05, 03-06 and 03-20 (14 days later: the same inferred
     course p3:2026-03-05; planned 10, window 03-05 .. 03-14).
  d  p4 courses.csv 03-10, no sessions at all.
  e  p5 courses.csv 03-09: attended 03-09, 03-11 (the window's last day), scores 8 -> 5 then 6.
  f  p6 inferred: one attended row on 02-01 and another on 03-08 (35 days later: two courses,
     p6:2026-02-01 and p6:2026-03-08).
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clinic import db, facts, metrics
from clinic.filters import RELIEF_RULES, Filters
from query_support import build_db, import_text, run_filtered
from soak import examples

SESSIONS = """
session_id,patient_id,course_id,session_date,session_time,therapist,status,pain_before,pain_after
a1,p1,a,2026-03-01,09:00,Alder,attended,8,5
a2,p1,a,2026-03-02,09:00,Alder,attended,7,5
a3,p1,a,2026-03-03,09:00,Birch,attended,5,3
b1,p2,b,2026-03-01,10:00,Birch,attended,6,6
b2,p2,b,2026-03-03,10:00,Birch,attended,6,2
b3,p2,b,2026-03-20,10:00,Birch,cancelled,,
c1,p3,,2026-03-05,11:00,Cedar,attended,9,6
c2,p3,,2026-03-06,11:00,Cedar,attended,7,7
c3,p3,,2026-03-20,11:00,Cedar,attended,4,2
e1,p5,e,2026-03-09,12:00,Alder,attended,8,5
e2,p5,e,2026-03-11,12:00,Alder,attended,6,
f1,p6,,2026-02-01,13:00,Birch,attended,3,1
f2,p6,,2026-03-08,13:00,Birch,attended,2,2
"""
COURSES = """
course_id,patient_id,start_date,planned_sessions
a,p1,2026-03-01,3
b,p2,2026-03-01,5
d,p4,2026-03-10,3
e,p5,2026-03-09,3
"""
PATIENTS = """
patient_id,birth_year,sex,diagnosis,site
p1,1970,F,disc_herniation,North
p5,1990,M,other,South
"""


@pytest.fixture(scope="module")
def clinic(tmp_path_factory):
    return build_db(tmp_path_factory.mktemp("facts"), SESSIONS, COURSES, PATIENTS)


def rows(con, name: str, as_of: dt.date, rule: str = "pct30", **tables) -> list[tuple]:
    """The courses as of a date, every value as text, in course order (comparable across the two ways)."""
    result = db.arrow(con, name, as_of=as_of, relief_rule=rule, **tables).to_pylist()
    return sorted(tuple((k, repr(v)) for k, v in sorted(r.items())) for r in result)


def by_facts(con, as_of, rule="pct30"):
    filters = Filters(as_of=as_of, relief_rule=rule)
    return rows(con, "all_courses", as_of, rule, open_courses=metrics.open_courses(con, filters),
                clinic_settings=filters.settings.table())


def by_sessions(con, as_of, rule="pct30"):
    return rows(con, "all_courses_live", as_of, rule)


def open_ids(con, as_of) -> list[str]:
    return sorted(r["course_id"] for r in metrics.open_courses(con, Filters(as_of=as_of)).to_pylist())


def test_the_facts_are_built_by_the_import_and_trusted(clinic):
    with db.owned(db.connect(clinic, read_only=True)) as con:
        assert facts.fresh(con)


def test_only_courses_with_rows_after_the_as_of_date_are_computed_from_the_sessions(clinic):
    with db.owned(db.connect(clinic, read_only=True)) as con:
        # as of 03-12: b's cancelled 03-20 row and c's 03-20 visit are later: open. Every other course counted
        # has all its rows by then and is settled, whether its window ended (a, e, p6's February course) or is
        # still running (d, no rows, 03-10 .. 03-12; p6's March course, planned 10, its one row on 03-08).
        assert open_ids(con, dt.date(2026, 3, 12)) == ["b", "p3:2026-03-05"]
        # as of 03-19 only the 03-20 rows are later; as of 03-20 nothing is open
        assert open_ids(con, dt.date(2026, 3, 19)) == ["b", "p3:2026-03-05"]
        assert open_ids(con, dt.date(2026, 3, 20)) == []


def write_around_the_importer(path, session_id: str, course_id: str, day: str, pain_before: int, pain_after: int):
    """An attended session of p1 with Cedar written straight into the table: no batch, no refresh."""
    con = duckdb.connect(str(path))
    con.execute("insert into sessions (session_id, patient_id, course_id, session_date, therapist, status, "
                "pain_before, pain_after) values (?, 'p1', ?, ?::date, 'Cedar', 'attended', ?, ?)",
                [session_id, course_id, day, pain_before, pain_after])
    con.close()


def open_numbers(con, as_of) -> dict[str, int]:
    return {r["course_id"]: r["course_no"] for r in metrics.open_courses(con, Filters(as_of=as_of)).to_pylist()}


def test_open_courses_carry_the_stored_course_number_whatever_it_is(tmp_path):
    # The stored numbers moved by 100 in all three places that hold them (the facts stay trusted): the
    # open courses as of 03-12, b and p3's, carry 102 and 105, and the session rows still meet their courses.
    path = build_db(tmp_path, SESSIONS, COURSES, PATIENTS)
    con = duckdb.connect(str(path))
    con.execute("update course_numbers set course_no = course_no + 100")
    con.execute("update course_facts set course_no = course_no + 100")
    con.execute("update sessions set course_no = course_no + 100")
    con.close()
    with db.owned(db.connect(path, read_only=True)) as con:
        assert facts.fresh(con)
        assert open_numbers(con, dt.date(2026, 3, 12)) == {"b": 102, "p3:2026-03-05": 105}
    filters = Filters(as_of=dt.date(2026, 3, 12))
    numbered = run_filtered(path, "patients_sessions", filters, course_id="b")
    assert numbered.session_id.tolist() == ["b1", "b2"]          # b3 (03-20) is after the as-of date


def test_without_trusted_facts_every_course_is_numbered_in_course_id_order(tmp_path):
    # A course "aa" written straight into the table (no refresh) sorts between a and b: the stored numbers
    # (a 1, b 2, d 3 ...) no longer hold, and the eight courses counted as of 03-12 are numbered afresh.
    path = build_db(tmp_path, SESSIONS, COURSES, PATIENTS)
    write_around_the_importer(path, "aa1", "aa", "2026-03-04", 7, 4)
    with db.owned(db.connect(path, read_only=True)) as con:
        assert not facts.fresh(con)
        assert open_numbers(con, dt.date(2026, 3, 12)) == {
            "a": 1, "aa": 2, "b": 3, "d": 4, "e": 5, "p3:2026-03-05": 6, "p6:2026-02-01": 7, "p6:2026-03-08": 8}
    numbered = run_filtered(path, "patients_sessions", Filters(as_of=dt.date(2026, 3, 12)), course_id="aa")
    assert list(zip(numbered.session_id, numbered.session_number)) == [("aa1", 1)]


@pytest.mark.parametrize("rule", list(RELIEF_RULES))
def test_the_facts_answer_every_as_of_date_as_the_session_rows_do(clinic, rule):
    with db.owned(db.connect(clinic, read_only=True)) as con:
        for day in range(0, 45, 2 if rule != "pct30" else 1):     # 01-31 .. 03-16 (every day for one rule)
            as_of = dt.date(2026, 1, 31) + dt.timedelta(days=day)
            assert by_facts(con, as_of, rule) == by_sessions(con, as_of, rule), as_of
        for as_of in (dt.date(2026, 3, 19), dt.date(2026, 3, 20), dt.date(2026, 3, 21), dt.date(2027, 1, 1)):
            assert by_facts(con, as_of, rule) == by_sessions(con, as_of, rule), as_of


def test_the_stored_session_numbers_count_each_course_s_attended_rows_in_course_order(clinic):
    with db.owned(db.connect(clinic, read_only=True)) as con:
        numbered = dict(con.execute("select session_id, session_number from sessions").fetchall())
    assert [numbered[s] for s in ("a1", "a2", "a3", "b1", "b2", "b3", "c1", "c2", "c3")] == \
        [1, 2, 3, 1, 2, None, 1, 2, 3]                     # the cancelled booking has no number
    assert (numbered["f1"], numbered["f2"]) == (1, 1)       # two inferred courses, one row each


def test_facts_left_behind_by_a_change_around_the_importer_are_not_trusted_until_rebuilt(tmp_path):
    path = build_db(tmp_path, SESSIONS, COURSES, PATIENTS)
    write_around_the_importer(path, "a0", "a", "2026-02-28", 9, 1)      # a new first visit for course a
    with db.owned(db.connect(path, read_only=True)) as con:
        assert not facts.fresh(con)
        as_of = dt.date(2026, 3, 12)
        assert by_facts(con, as_of) == by_sessions(con, as_of)
        a = next(r for r in metrics.all_courses(con, Filters(as_of=as_of)).to_pylist() if r["course_id"] == "a")
        assert (a["therapist"], a["sessions_attended"], a["first_session_pain_before"]) == ("Cedar", 4, 9)
        # the stored session numbers are stale too (a0 has none): the sessions are numbered afresh
        numbered = run_filtered(path, "patients_sessions", Filters(as_of=as_of), course_id="a")
        assert list(zip(numbered.session_id, numbered.session_number)) == [("a0", 1), ("a1", 2), ("a2", 3), ("a3", 4)]
    assert facts.ensure(path) is True
    with db.owned(db.connect(path, read_only=True)) as con:
        assert facts.fresh(con)
        assert open_ids(con, dt.date(2026, 3, 12)) == ["b", "p3:2026-03-05"]   # the same as before the change
        assert by_facts(con, dt.date(2026, 3, 12)) == by_sessions(con, dt.date(2026, 3, 12))
    assert facts.ensure(path) is False                     # nothing to do the second time


def test_facts_built_by_an_older_refresh_are_rebuilt_whole_when_the_database_is_opened(tmp_path):
    path = build_db(tmp_path, SESSIONS, COURSES, PATIENTS)
    con = duckdb.connect(str(path))
    con.execute("delete from course_pain_periods")                   # a shape without the pain sums
    con.execute("alter table course_facts_state drop column facts_version")
    con.close()
    assert facts.ensure(path) is True
    with db.owned(db.connect(path, read_only=True)) as con:
        assert facts.fresh(con)
        assert con.execute("select count(distinct course_id) from course_pain_periods").fetchone() == (6,)


def test_a_database_from_before_the_facts_gets_them_when_it_is_first_opened(tmp_path):
    path = build_db(tmp_path, SESSIONS, COURSES, PATIENTS)
    con = duckdb.connect(str(path))
    con.execute("drop table course_facts")
    con.execute("drop table course_facts_state")
    con.execute("alter table sessions drop column session_number")
    con.execute("alter table sessions drop column course_no")
    con.execute("drop table course_numbers")
    con.close()
    assert facts.ensure(path) is True
    with db.owned(db.connect(path, read_only=True)) as con:
        assert facts.fresh(con)
        assert by_facts(con, dt.date(2026, 3, 12)) == by_sessions(con, dt.date(2026, 3, 12))


def test_the_command_line_builds_the_facts_of_a_database_from_before_them_and_answers_from_them(tmp_path, cli):
    path = build_db(tmp_path, SESSIONS, COURSES, PATIENTS)
    con = duckdb.connect(str(path))
    con.execute("drop table course_facts")
    con.execute("drop table course_facts_state")
    con.close()
    code, out = cli("metrics", "--db", path, "--as-of", "2026-03-20", "--json")
    assert code == 0
    # a, b, d, e, p3's course and p6's two: 7 courses of 6 patients (p1 .. p6)
    assert (out["overall"]["courses"], out["overall"]["patients"]) == (7, 6)
    with db.owned(db.connect(path, read_only=True)) as con:
        assert facts.fresh(con)
    # the second command finds them fresh and reads them: the same answer
    assert cli("metrics", "--db", path, "--as-of", "2026-03-20", "--json") == (0, out)


# --- any data, any date -------------------------------------------------------------------------

DAY0 = dt.date(2026, 1, 1)
session_rows = st.lists(
    st.tuples(
        st.integers(0, 3),                                  # patient
        st.sampled_from([None, "k1", "k2"]),                # course id (None: inferred)
        st.integers(0, 80),                                 # day
        st.sampled_from(["attended", "attended", "cancelled", "no_show"]),
        st.one_of(st.none(), st.integers(0, 10)),
        st.one_of(st.none(), st.integers(0, 10)),
        st.sampled_from(["T1", "T2"]),
    ),
    min_size=1, max_size=14,
)


def generated_db(folder, lines: list[str], owners: dict, listed) -> Path:
    """A database of generated sessions.csv lines and courses.csv rows (`listed`: course id, start day,
    planned sessions, 0 for an empty field; a course is its owner's, else patient p9's)."""
    courses = ["course_id,patient_id,start_date,planned_sessions"]
    for course, day, planned in {c: (c, d, p) for c, d, p in listed}.values():
        courses.append(f"{course},p{owners.get(course, 9)},{DAY0 + dt.timedelta(days=day)},{planned or ''}")
    return build_db(folder, "\n".join(lines), "\n".join(courses) if len(courses) > 1 else None,
                    today=dt.date(2026, 12, 31))


@settings(max_examples=examples(12), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(session_rows, st.lists(st.integers(0, 90), min_size=1, max_size=4),
       st.lists(st.tuples(st.sampled_from(["k1", "k2", "k3"]), st.integers(0, 60), st.integers(1, 12)), max_size=3))
def test_for_any_sessions_and_any_date_the_facts_agree_with_the_session_rows(tmp_path_factory, sessions, days,
                                                                            listed):
    lines = ["session_id,patient_id,course_id,session_date,therapist,status,pain_before,pain_after"]
    owners = {}
    for n, (patient, course, day, status, before, after, therapist) in enumerate(sessions):
        if course is not None:
            patient = owners.setdefault(course, patient)    # a course belongs to one patient
        lines.append(f"s{n},p{patient},{course or ''},{DAY0 + dt.timedelta(days=day)},{therapist},{status},"
                     f"{'' if before is None else before},{'' if after is None else after}")
    path = generated_db(tmp_path_factory.mktemp("any"), lines, owners, listed)
    with db.owned(db.connect(path, read_only=True)) as con:
        for day in days:
            as_of = DAY0 + dt.timedelta(days=day)
            assert by_facts(con, as_of) == by_sessions(con, as_of), as_of


# Pain before and after a session: both given in most rows (so that a first session has a pair for
# the relief rule to judge), either or both missing in the others.
PAIN_PAIRS = st.one_of(st.tuples(st.integers(0, 10), st.integers(0, 10)),
                       st.tuples(st.none() | st.integers(0, 10), st.none() | st.integers(0, 10)))

full_rows = st.lists(
    st.tuples(
        st.integers(0, 2),                                  # patient
        st.sampled_from([None, "k1", "k2"]),                # course id (None: inferred)
        st.integers(0, 40),                                 # day
        st.sampled_from([None, "08:30", "17:00"]),          # time (none sorts first)
        st.sampled_from(["attended", "attended", "cancelled", "no_show"]),
        PAIN_PAIRS,
        st.sampled_from(["T1", "T2", "T3"]),
        st.sampled_from([None, True, False]),               # numbness (any status counts)
        st.sampled_from([None, True, False]),               # acute inflammation
    ).map(lambda row: row[:5] + row[5] + row[6:]),          # (..., status, before, after, therapist, ...)
    min_size=1, max_size=16,
)


def full_rows_db(folder, sessions, listed) -> Path:
    """generated_db of `full_rows` sessions (with times, numbness and acute inflammation)."""
    lines = ["session_id,patient_id,course_id,session_date,session_time,therapist,status,pain_before,pain_after,"
             "numbness,acute_inflammation"]
    owners = {}
    text = {None: "", True: "true", False: "false"}
    for n, (patient, course, day, time, status, before, after, therapist, numb, acute) in enumerate(sessions):
        if course is not None:
            patient = owners.setdefault(course, patient)    # a course belongs to one patient
        lines.append(f"s{n:02},p{patient},{course or ''},{DAY0 + dt.timedelta(days=day)},{time or ''},{therapist},"
                     f"{status},{'' if before is None else before},{'' if after is None else after},"
                     f"{text[numb]},{text[acute]}")
    return generated_db(folder, lines, owners, listed)


# The relief rule is drawn with each as-of date rather than every rule tried at every date: each
# rule meets every kind of clinic across the examples, at half the queries.
RULES = st.sampled_from(["pct30", "points2"])


@st.composite
def rows_and_dates(draw, max_dates: int):
    """`full_rows` sessions and as-of dates, each with a relief rule: any day, or the day before, of
    or after one of the sessions, where courses are cut mid-way (a day drawn from anywhere left
    most dates with no open course, and few open courses with a scored first session)."""
    rows = draw(full_rows)
    near = st.sampled_from(sorted({row[2] for row in rows})).flatmap(lambda d: st.integers(max(d - 1, 0), d + 1))
    return rows, draw(st.lists(st.tuples(st.one_of(st.integers(0, 45), near), RULES), min_size=1,
                               max_size=max_dates))


@settings(max_examples=examples(15), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows_and_dates(5),
       st.lists(st.tuples(st.sampled_from(["k1", "k2"]), st.integers(0, 30), st.integers(1, 6)), max_size=2))
def test_for_any_sessions_and_any_date_the_open_courses_cut_from_the_facts_are_those_of_their_rows(
        tmp_path_factory, rows_dates, listed):
    # Every column of the open courses (the session lists, flags and dates included), cut from the
    # stored facts (open_course_facts.sql) and computed from the session rows (course_summary.sql).
    sessions, days = rows_dates
    path = full_rows_db(tmp_path_factory.mktemp("cut"), sessions, listed)
    with db.owned(db.connect(path, read_only=True)) as con:
        for day, rule in days:
            as_of = DAY0 + dt.timedelta(days=day)
            rows_from = db.records(con, "open_rows_from", as_of=as_of)[0]["rows_from"]
            from_rows = db.arrow(con, "open_courses", as_of=as_of, relief_rule=rule, rows_from=rows_from)
            cut = db.arrow(con, "open_courses_from_facts", as_of=as_of, relief_rule=rule, planned_default=None)
            assert cut.schema.equals(from_rows.schema)
            assert cut.sort_by("course_id").to_pylist() == from_rows.sort_by("course_id").to_pylist(), (as_of, rule)


@settings(max_examples=examples(15), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows_and_dates(4),
       st.lists(st.tuples(st.sampled_from(["k1", "k2", "k3"]), st.integers(0, 30), st.integers(0, 6)), max_size=3),
       st.integers(1, 14).filter(lambda n: n != 10))
def test_with_another_planned_sessions_setting_every_course_from_the_facts_is_that_of_its_rows(
        tmp_path_factory, rows_dates, listed, planned):
    # The stored facts hold 10 planned sessions where courses.csv gives none (a course it does not
    # list, or an empty field: planned 0 here). With another setting those courses are cut from the
    # facts with it (open_course_facts.sql), the others settled or cut as usual; every course and
    # every cohort figure is the one computed from all the session rows with that setting.
    sessions, days = rows_dates
    path = full_rows_db(tmp_path_factory.mktemp("planned"), sessions, listed)
    with db.owned(db.connect(path, read_only=True)) as con:
        assert facts.fresh(con)
        for day, rule in days:
            as_of = DAY0 + dt.timedelta(days=day)
            filters = Filters(as_of=as_of, relief_rule=rule)
            filters = filters.with_(settings=filters.settings.with_(planned_sessions=planned))
            from_rows = db.arrow(con, "open_courses_all", as_of=as_of, relief_rule=rule, planned_default=planned)
            assert metrics.courses(con, filters) == metrics.courses(con, filters, from_rows), (as_of, rule)
            assert repr(metrics.cohort_rows(con, filters, "therapist")) == \
                repr(metrics.cohort_rows(con, filters, "therapist", from_rows)), (as_of, rule)



def test_with_three_planned_sessions_a_settled_course_without_its_own_counts_its_days_not_its_sessions(tmp_path):
    # Course c1 (no planned sessions in courses.csv) as of 03-20, settled: 03-01 at 09:00, 03-02 at
    # 09:00 and 17:00, all attended. With 3 planned sessions: the window 03-01 .. 03-03 has 3 days, 2
    # of them attended (2 of 3: adherence 2/3, not adherent at 80 %); 2 attended days < 3: not
    # completed, though 3 sessions were attended; 18 days since 03-02: dropped out.
    # Decoys: c2, whose 5 planned sessions courses.csv gives, keeps them (window 03-01 .. 03-05: 5
    # days, 1 attended); c3 is open (a row after the date), cut from its rows with the 3 sessions.
    path = build_db(tmp_path, """
        session_id,patient_id,course_id,session_date,session_time,therapist,status,pain_before,pain_after
        a1,p1,c1,2026-03-01,09:00,Birch,attended,6,4
        a2,p1,c1,2026-03-02,09:00,Birch,attended,5,4
        a3,p1,c1,2026-03-02,17:00,Birch,attended,5,3
        b1,p2,c2,2026-03-01,09:00,Birch,attended,7,5
        d1,p3,c3,2026-03-18,09:00,Cedar,attended,4,2
        d2,p3,c3,2026-03-25,09:00,Cedar,attended,4,2
    """, """
        course_id,patient_id,start_date,planned_sessions
        c2,p2,2026-03-01,5
    """)
    filters = Filters(as_of=dt.date(2026, 3, 20))
    filters = filters.with_(settings=filters.settings.with_(planned_sessions=3))
    with db.owned(db.connect(path, read_only=True)) as con:
        found = {c["course_id"]: c for c in metrics.courses(con, filters)}
    c1, c2, c3 = found["c1"], found["c2"], found["c3"]
    assert (c1["planned_sessions"], c1["sessions_attended"], c1["attended_days"]) == (3, 3, 2)
    assert c1["adherence"] == pytest.approx(2 / 3) and c1["adherent"] is False
    assert (c1["completed"], c1["dropped_out"]) == (False, True)
    assert (c2["planned_sessions"], c2["adherence"], c2["completed"]) == (5, pytest.approx(1 / 5), False)
    assert (c3["planned_sessions"], c3["sessions_attended"], c3["completed"], c3["dropped_out"]) == (3, 1, False, False)

def test_open_courses_cut_from_the_facts_are_those_counted_by_hand_and_from_their_rows(tmp_path):
    # Course k (planned 5 from 03-01) as of 03-02, open because of r4 on 03-04. On 03-01 Birch's
    # 17:00 session r1 and Alder's r2 without a time: r2 is first. r3, a no-show, reports numbness.
    #   first session r2: Alder, 6 -> 5 (1/6 < 30 %: no relief), acute; sessions in order r2, r1;
    #   session_therapists Alder, Birch; acute sessions 1 (03-01); numbness on r2 and r3: 2, last 03-02;
    #   the baseline 6 (r2) and the last score r1's 8 fall on one day: no last pain;
    #   window 03-01 .. 03-01 (03-02, in progress, has no visit): 1 of 1 day; 1 day since the last visit.
    # Decoy: r4 (Cedar, 03-04) is after the date and changes none of it.
    # Course m: only Birch's cancelled m1 by 03-02 (Cedar's attended m2 is later): Birch's, no session.
    # Course n: Alder's attended n1 and n2 during acute inflammation: 2 acute sessions, the last 03-02.
    # Course q: nothing attended by 03-02; on 03-01 Cedar's 09:00 no-show and Birch's cancelled q0
    # without a time, which is the first row: Birch's.
    path = build_db(tmp_path, """
session_id,patient_id,course_id,session_date,session_time,therapist,status,pain_before,pain_after,numbness,acute_inflammation
r1,p1,k,2026-03-01,17:00,Birch,attended,8,4,false,false
r2,p1,k,2026-03-01,,Alder,attended,6,5,true,true
r3,p1,k,2026-03-02,09:00,Cedar,no_show,,,true,
r4,p1,k,2026-03-04,09:00,Cedar,attended,5,3,true,true
m1,p2,m,2026-03-01,09:00,Birch,cancelled,,,,
m2,p2,m,2026-03-05,09:00,Cedar,attended,5,3,,
n1,p3,n,2026-03-01,10:00,Alder,attended,7,6,,true
n2,p3,n,2026-03-02,10:00,Alder,attended,6,5,,true
n3,p3,n,2026-03-06,10:00,Alder,attended,5,4,,false
q1,p4,q,2026-03-01,09:00,Cedar,no_show,,,,
q0,p4,q,2026-03-01,,Birch,cancelled,,,,
q2,p4,q,2026-03-05,09:00,Cedar,attended,4,3,,
""", courses="course_id,patient_id,start_date,planned_sessions\nk,p1,2026-03-01,5")
    expected = {
        "therapist": "Alder", "sessions_attended": 2, "attended_days": 1, "first_session_date": dt.date(2026, 3, 1),
        "first_session_pain_before": 6, "first_session_pain_after": 5, "first_session_relief": False,
        "baseline_pain": 6, "last_pain": None, "sustained_improvement_pct": None, "window_days": 1,
        "window_attended_days": 1, "adherence": 1.0, "adherent": True, "completed": False, "dropped_out": False,
        "ongoing": True, "last_attended_date": dt.date(2026, 3, 1), "days_since_last_visit": 1,
        "longest_break_days": 0, "session_therapists": ["Alder", "Birch"], "acute_sessions": 1,
        "last_acute_date": dt.date(2026, 3, 1), "numbness_sessions": 2, "last_numbness_date": dt.date(2026, 3, 2),
        "first_row_date": dt.date(2026, 3, 1), "last_row_date": dt.date(2026, 3, 2), "scored_sessions": 2,
        "baseline_session": 1, "latest_session": 2, "latest_pain": 8, "red_flag_rising": None,
        "pains_before": [6, 8], "pains_after": [5, 4], "session_dates": [dt.date(2026, 3, 1)] * 2,
        "first_session_acute": True,
    }
    as_of = dt.date(2026, 3, 2)
    with db.owned(db.connect(path, read_only=True)) as con:
        rows_from = db.records(con, "open_rows_from", as_of=as_of)[0]["rows_from"]
        from_rows = {r["course_id"]: r for r in db.arrow(con, "open_courses", as_of=as_of, relief_rule="pct30",
                                                           rows_from=rows_from).to_pylist()}
        cut = {r["course_id"]: r for r in db.arrow(con, "open_courses_from_facts", as_of=as_of,
                                                     relief_rule="pct30", planned_default=None).to_pylist()}
    m = {"therapist": "Birch", "sessions_attended": 0, "session_therapists": [], "first_row_date": dt.date(2026, 3, 1),
         "last_row_date": dt.date(2026, 3, 1), "pains_before": None, "first_session_acute": None}
    n = {"therapist": "Alder", "acute_sessions": 2, "last_acute_date": dt.date(2026, 3, 2), "first_session_acute": True}
    for found in (from_rows, cut):
        assert sorted(found) == ["k", "m", "n", "q"]
        assert (found["q"]["therapist"], found["q"]["sessions_attended"]) == ("Birch", 0)
        assert {c: found["k"][c] for c in expected} == expected
        assert {c: found["m"][c] for c in m} == m
        assert {c: found["n"][c] for c in n} == n
    assert cut == from_rows


# --- a later import recomputes only what it changed ---------------------------------------------

def test_a_later_import_recomputes_the_courses_it_touched_and_leaves_the_others_alone(tmp_path):
    path = build_db(tmp_path, SESSIONS, COURSES, PATIENTS)
    con = duckdb.connect(str(path))
    # a decoy: course a's stored therapist altered by hand; an import that does not touch a must keep it
    con.execute("update course_facts set therapist = 'untouched' where course_id = 'a'")
    con.close()
    import_text(tmp_path, path, "more.csv", """
session_id,patient_id,course_id,session_date,therapist,status,pain_before,pain_after
e3,p5,e,2026-03-12,Cedar,attended,4,1
c2,p3,,2026-03-06,Cedar,no_show,,
""")
    with db.owned(db.connect(path, read_only=True)) as con:
        stored = dict(con.execute("select course_id, therapist from course_facts").fetchall())
        assert stored["a"] == "untouched"                                  # not recomputed
        e, = con.execute("select sessions_attended, first_row_date, last_row_date from course_facts "
                         "where course_id = 'e'").fetchall()
        assert e == (3, dt.date(2026, 3, 9), dt.date(2026, 3, 12))        # e3 added
        numbers = dict(con.execute("select session_id, session_number from sessions "
                                   "where session_id in ('c1', 'c2', 'c3', 'e3')").fetchall())
        assert numbers == {"c1": 1, "c2": None, "c3": 2, "e3": 3}          # c2 is a no-show now


def test_after_moves_between_courses_and_patient_changes_the_facts_still_agree_with_the_sessions(tmp_path):
    path = build_db(tmp_path, SESSIONS, COURSES, PATIENTS)
    import_text(tmp_path, path, "moved.csv", """
session_id,patient_id,course_id,session_date,therapist,status,pain_before,pain_after
a3,p1,,2026-03-03,Birch,attended,5,3
f2,p6,,2026-02-10,Birch,attended,2,2
""")      # a3 leaves course a for an inferred course; f2 moves close to f1: p6 has one course now
    import_text(tmp_path, path, "patients.csv", """
patient_id,birth_year,sex,diagnosis,site
p1,1950,F,spinal_stenosis,West
p6,2001,X,other,East
""")
    with db.owned(db.connect(path, read_only=True)) as con:
        assert facts.fresh(con)
        ids = {r["course_id"] for r in metrics.all_courses(con, Filters(as_of=dt.date(2026, 3, 31))).to_pylist()}
        assert {"p1:2026-03-03", "p6:2026-02-01"} <= ids and "p6:2026-03-08" not in ids
        for as_of in (dt.date(2026, 2, 5), dt.date(2026, 3, 2), dt.date(2026, 3, 12), dt.date(2026, 3, 31)):
            for rule in RELIEF_RULES:
                assert by_facts(con, as_of, rule) == by_sessions(con, as_of, rule), (as_of, rule)


# --- weekly and monthly pain from stored sums ---------------------------------------------------

def weekly_and_monthly(path, as_of: dt.date) -> list:
    filters = Filters(as_of=as_of)
    with db.owned(db.connect(path, read_only=True)) as con:
        weekly = run_filtered(con, "overview_weekly_pain", filters)
        monthly = run_filtered(con, "pain_by_month", filters, split="none")
        by_site = run_filtered(con, "pain_by_month", filters, split="site")
    return [frame.to_dict("records") for frame in (weekly, monthly, by_site)]


def test_weekly_and_monthly_pain_from_the_stored_sums_equal_those_from_the_session_rows(tmp_path):
    stored = build_db(tmp_path / "stored", SESSIONS, COURSES, PATIENTS)
    recomputed = build_db(tmp_path / "recomputed", SESSIONS, COURSES, PATIENTS)
    con = duckdb.connect(str(recomputed))
    con.execute("delete from course_facts_state")          # nothing stored is trusted: all from the rows
    con.close()
    for as_of in (dt.date(2026, 2, 2), dt.date(2026, 3, 4), dt.date(2026, 3, 8), dt.date(2026, 3, 9),
                  dt.date(2026, 3, 12), dt.date(2026, 3, 31), dt.date(2026, 4, 1)):
        got, expected = weekly_and_monthly(stored, as_of), weekly_and_monthly(recomputed, as_of)
        assert [len(t) for t in got] == [len(t) for t in expected] and len(got[0]) > 0, as_of
        for got_rows, expected_rows in zip(got, expected):
            for g, e in zip(got_rows, expected_rows):
                assert g.keys() == e.keys()
                for key in g:
                    if isinstance(e[key], float):
                        assert g[key] == pytest.approx(e[key], rel=1e-12, nan_ok=True), (as_of, key)
                    else:
                        assert g[key] == e[key], (as_of, key)


# Course h (p1, inferred) is seen on 03-03 and 03-04 (pain before 3 and 5); course g (p2) is planned
# in courses.csv to start on 04-10, but p2 came once before it, on 03-02 (pain 9), which belongs to g
# (DESIGN: rows before a courses.csv start still belong to the course). As of 04-02, g has not started,
# so it counts nowhere: the week of 03-02 and March hold h alone. As of 04-10 it counts with its
# 03-02 visit, and its 04-10 visit (pain 9) opens the running week.
LATE_START_SESSIONS = """
session_id,patient_id,course_id,session_date,session_time,therapist,status,pain_before,pain_after
h1,p1,,2026-03-03,09:00,Alder,attended,3,2
h2,p1,,2026-03-04,09:00,Alder,attended,5,4
g1,p2,g,2026-03-02,10:00,Birch,attended,9,8
g2,p2,g,2026-04-10,10:00,Birch,attended,9,8
"""
LATE_START_COURSES = """
course_id,patient_id,start_date,planned_sessions
g,p2,2026-04-10,10
"""


@pytest.mark.parametrize("read", ["stored sums", "stored sums met with a therapist filter", "session rows"])
def test_a_course_that_starts_after_the_as_of_date_keeps_its_earlier_visit_out_of_the_pain_by_period(
        tmp_path, read):
    path = build_db(tmp_path, LATE_START_SESSIONS, LATE_START_COURSES, today=dt.date(2026, 4, 30))
    if read == "session rows":
        con = duckdb.connect(str(path))
        con.execute("delete from course_facts_state")          # the facts not trusted: every sum from the rows
        con.close()
    therapists = ("Alder", "Birch") if read == "stored sums met with a therapist filter" else ()

    def pain(as_of, therapists=therapists):
        filters = Filters(as_of=as_of, therapists=therapists)
        weekly = run_filtered(path, "overview_weekly_pain", filters)
        monthly = run_filtered(path, "pain_by_month", filters, split="none")
        return ([(str(w.week_start)[:10], w.sessions, w.courses, w.mean_pain) for w in weekly.itertuples()],
                [(str(m.month_start)[:10], m.sessions, m.courses, m.mean_pain_before, m.key_courses)
                 for m in monthly.itertuples()])

    weekly, monthly = pain(dt.date(2026, 4, 2))
    assert weekly == [("2026-03-02", 2, 1, 4.0)]                 # h alone: (3 + 5) / 2; with g, 2 courses, 6.5
    assert monthly == [("2026-03-01", 2, 1, 4.0, 1)]             # with g, 2 courses: (4 + 9) / 2 = 6.5
    weekly, monthly = pain(dt.date(2026, 4, 10))
    assert weekly == [("2026-03-02", 3, 2, 6.5), ("2026-04-06", 1, 1, 9.0)]   # h's mean 4 and g's 9; then g
    assert monthly == [("2026-03-01", 3, 2, 6.5, 2), ("2026-04-01", 1, 1, 9.0, 2)]   # each course once
    weekly, monthly = pain(dt.date(2026, 4, 10), therapists=("Birch",))   # h is Alder's: left out
    assert weekly == [("2026-03-02", 1, 1, 9.0), ("2026-04-06", 1, 1, 9.0)]
    assert monthly == [("2026-03-01", 1, 1, 9.0, 1), ("2026-04-01", 1, 1, 9.0, 1)]


def test_the_march_pain_at_site_north_is_summed_by_hand(clinic):
    # Site North is p1's: course a, pain 8, 7, 5 before its three March sessions (p2, p3 and p6 have no
    # site; p5's course e is South). As of 03-31 every March session counts: mean 20/3, and one course
    # gives no interval, however many of its sessions were scored.
    monthly = run_filtered(clinic, "pain_by_month", Filters(as_of=dt.date(2026, 3, 31)), split="site")
    north = monthly.loc[monthly.key == "North"].iloc[0]
    assert (north.sessions, north.courses, north.mean_pain_before) == (3, 1, pytest.approx(20 / 3))
    assert pd.isna(north.ci_low) and pd.isna(north.ci_high)


def test_the_clinics_march_pain_counts_each_course_once_summed_by_hand(clinic):
    # As of 03-31, March's scored sessions by course: a 8, 7, 5 (mean 20/3); b 6, 6 (6; b3 cancelled);
    # p3's inferred course 9, 7, 4 (20/3); e 8, 6 (7); p6's March course 2 (its February visit is
    # not March's). Each course once: (20/3 + 6 + 20/3 + 7 + 2) / 5 = 17/3 (over the 11 sessions it
    # would be 68/11); the course means' deviations 1, 1/3, 1, 4/3, -11/3 give a sample variance
    # (52/3) / 4 = 13/3, so the interval is 17/3 -+ z * sqrt(13/3) / sqrt(5).
    monthly = run_filtered(clinic, "pain_by_month", Filters(as_of=dt.date(2026, 3, 31)), split="none")
    march = monthly.loc[pd.to_datetime(monthly.month_start) == pd.Timestamp("2026-03-01")].iloc[0]
    assert (march.sessions, march.courses, march.mean_pain_before) == (11, 5, pytest.approx(17 / 3, rel=1e-12))
    z = 1.959963984540054
    assert march.ci_low == pytest.approx(17 / 3 - z * (13 / 3) ** 0.5 / 5 ** 0.5, rel=1e-12)
    assert march.ci_high == pytest.approx(17 / 3 + z * (13 / 3) ** 0.5 / 5 ** 0.5, rel=1e-12)


# --- course numbers ----------------------------------------------------------------------------

def course_numbers(path) -> dict[str, int]:
    with db.owned(db.connect(path, read_only=True)) as con:
        return dict(con.execute("select course_id, course_no from course_numbers").fetchall())


def test_every_course_id_is_numbered_once_and_keeps_its_number_across_imports(tmp_path):
    path = build_db(tmp_path, SESSIONS, COURSES, PATIENTS)
    first = course_numbers(path)
    # a, b, d, e from courses.csv; p3's and p6's inferred courses (f's two visits are 35 days apart)
    assert sorted(first) == ["a", "b", "d", "e", "p3:2026-03-05", "p6:2026-02-01", "p6:2026-03-08"]
    assert sorted(first.values()) == list(range(1, 8))
    import_text(tmp_path, path, "moved.csv", """
session_id,patient_id,course_id,session_date,therapist,status,pain_before,pain_after
a3,p1,,2026-03-03,Birch,attended,5,3
g1,p7,g,2026-03-15,Alder,attended,7,4
""")      # a3 leaves course a for a new inferred course; g is a new course
    second = course_numbers(path)
    assert {k: second[k] for k in first} == first                      # nobody's number changed
    assert sorted(set(second) - set(first)) == ["g", "p1:2026-03-03"]
    assert sorted(second[k] for k in ("g", "p1:2026-03-03")) == [8, 9]
    with db.owned(db.connect(path, read_only=True)) as con:
        rows = con.execute("select session_id, coalesce(course_id, inferred_course_id), course_no "
                           "from sessions").fetchall()
    assert all(no == second[course] for _, course, no in rows), rows    # every row carries its course's number
    assert {s: no for s, _, no in rows if s in ("a1", "a3", "g1")} == {
        "a1": second["a"], "a3": second["p1:2026-03-03"], "g1": second["g"]}


def in_order(frame):
    return frame.sort_values(list(frame.columns), ignore_index=True)


def test_the_sessions_reach_their_courses_through_the_numbers_as_through_the_ids(tmp_path):
    # The same database twice: with its facts up to date (sessions joined to courses on course_no) and
    # with them marked stale (joined on the course id's text). Every session-level answer agrees.
    path = build_db(tmp_path, SESSIONS, COURSES, PATIENTS)
    import_text(tmp_path, path, "moved.csv", """
session_id,patient_id,course_id,session_date,therapist,status,pain_before,pain_after,acute_inflammation
a3,p1,,2026-03-03,Birch,attended,5,3,true
""")
    stale = tmp_path / "stale.duckdb"
    stale.write_bytes(path.read_bytes())
    con = duckdb.connect(str(stale))
    con.execute("update course_facts_state set facts_version = 0")
    con.close()
    with db.owned(db.connect(stale, read_only=True)) as con:
        assert not facts.fresh(con)
    with db.owned(db.connect(path, read_only=True)) as fresh_db, \
            db.owned(db.connect(stale, read_only=True)) as stale_db:
        for as_of in (dt.date(2026, 3, 2), dt.date(2026, 3, 12), dt.date(2026, 3, 31)):
            filters = Filters(as_of=as_of)
            for split in ("none", "therapist", "site"):
                fresh = run_filtered(fresh_db, "pain_by_session", filters, split=split)
                assert not fresh.empty
                # means and deviations summed in another order may differ in the last binary digit
                assert_frame_equal(fresh, run_filtered(stale_db, "pain_by_session", filters, split=split),
                                   check_exact=False, rtol=1e-12, atol=0, obj=f"pain by session {as_of} {split}")
            for number in (2, 3):
                fresh = run_filtered(fresh_db, "pain_reached_session", filters, session_number=number)
                old = run_filtered(stale_db, "pain_reached_session", filters, session_number=number)
                assert_frame_equal(fresh, old, obj=f"pain reached session {number} {as_of}")
            for course in ("a", "p1:2026-03-03", "p3:2026-03-05"):
                fresh = run_filtered(fresh_db, "patients_sessions", filters, course_id=course)
                assert_frame_equal(fresh, run_filtered(stale_db, "patients_sessions", filters, course_id=course),
                                   obj=f"sessions of {course} {as_of}")
            for group in ("none", "therapist"):       # b is relieved at its second session, the others at the first
                fresh, old = (run_filtered(p, "relief_time_courses", filters, group=group).pipe(in_order)
                              for p in (fresh_db, stale_db))             # its rows come in any order
                assert_frame_equal(fresh, old, obj=f"time to relief {as_of} {group}")
            # the first session (a3's inflammation for its new course), the second (a2, b2, c2, e2)
            fresh, old = (run_filtered(p, "funnel_casemix", filters).sort_values("course_id", ignore_index=True)
                          for p in (fresh_db, stale_db))                 # its rows come in any order
            assert_frame_equal(fresh, old, obj=f"funnel_casemix {as_of}")
            fresh, old = (run_filtered(p, "relief_lasting_courses", filters).pipe(in_order)
                          for p in (fresh_db, stale_db))                 # its rows come in any order
            assert_frame_equal(fresh, old, obj=f"relief_lasting_courses {as_of}")
    moved = run_filtered(path, "patients_sessions", Filters(as_of=dt.date(2026, 3, 31)), course_id="p1:2026-03-03")
    assert list(zip(moved.session_id, moved.session_number)) == [("a3", 1)]      # a3 counted in its new course


# --- the scored sessions' facts (what the protocol-safety checks read) --------------------------

SCORED_SESSIONS = """
session_id,patient_id,course_id,session_date,session_time,therapist,status,pain_before,pain_after
g1,p7,g,2026-03-01,,Alder,attended,5,4
g2,p7,g,2026-03-02,,Alder,attended,,
g3,p7,g,2026-03-03,,Alder,cancelled,,
g4,p7,g,2026-03-04,,Alder,attended,6,5
g5,p7,g,2026-03-05,,Alder,attended,7,6
g6,p7,g,2026-03-06,,Alder,attended,4,3
g7,p7,g,2026-03-07,,Alder,attended,5,4
g8,p7,g,2026-03-08,,Alder,attended,8,6
g9,p7,g,2026-03-09,,Alder,attended,,
h1,p8,h,2026-03-01,10:00,Birch,attended,3,2
h2,p8,h,2026-03-01,09:00,Birch,attended,6,5
h3,p8,h,2026-03-02,,Birch,attended,7,6
k1,p9,k,2026-03-01,,Cedar,attended,5,5
k2,p9,k,2026-03-02,,Cedar,attended,5,4
k3,p9,k,2026-03-03,,Cedar,attended,6,5
m1,p10,m,2026-03-01,,Cedar,attended,4,4
m2,p10,m,2026-03-02,,Cedar,no_show,9,
m3,p10,m,2026-03-03,,Cedar,attended,,
"""
SCORED_COURSES = """
course_id,patient_id,start_date,planned_sessions
g,p7,2026-03-01,9
h,p8,2026-03-01,3
k,p9,2026-03-01,3
m,p10,2026-03-01,3
"""
SCORED_FIELDS = ("scored_sessions", "baseline_session", "latest_session", "latest_pain", "latest_date",
                 "red_flag_rising", "last_rise_date", "last_rise_pains")


def scored_facts(con, as_of: dt.date) -> dict[str, tuple]:
    table = metrics.all_courses(con, Filters(as_of=as_of))
    return {r["course_id"]: tuple(r[f] for f in SCORED_FIELDS) for r in table.to_pylist()}


def test_the_scored_sessions_rises_and_latest_score_are_counted_by_hand_from_facts_and_from_sessions(tmp_path):
    # g: session numbers g1 1, g2 2 (unscored), g4 3, g5 4, g6 5, g7 6, g8 7, g9 8 (unscored); the
    #    cancelled g3 has no number. Scores 5, 6, 7, 4, 5, 8: rises at 5 < 6 < 7 (up to 03-05) and
    #    4 < 5 < 8 (up to 03-08, the latest).
    # h: two visits on 03-01, 09:00 (6) before 10:00 (3), then 7: 6, 3, 7 never rises (by id it would).
    # k: 5, 5, 6 is not a strict rise. m: one score; the no-show's 9 is no score of an attended session.
    path = build_db(tmp_path, SCORED_SESSIONS, SCORED_COURSES)
    d = dt.date
    with db.owned(db.connect(path, read_only=True)) as con:
        assert open_ids(con, d(2026, 3, 31)) == []                      # all four read from the stored facts
        assert scored_facts(con, d(2026, 3, 31)) == {
            "g": (6, 1, 7, 8, d(2026, 3, 8), True, d(2026, 3, 8), [4, 5, 8]),
            "h": (3, 1, 3, 7, d(2026, 3, 2), False, None, None),
            "k": (3, 1, 3, 6, d(2026, 3, 3), False, None, None),
            "m": (1, 1, 1, 4, d(2026, 3, 1), None, None, None),
        }
        assert "g" in open_ids(con, d(2026, 3, 6))                      # computed from its rows up to 03-06
        assert scored_facts(con, d(2026, 3, 6))["g"] == (4, 1, 5, 4, d(2026, 3, 6), True, d(2026, 3, 5), [5, 6, 7])
        assert scored_facts(con, d(2026, 3, 1))["h"] == (2, 1, 2, 3, d(2026, 3, 1), None, None, None)


def test_the_score_lists_hold_each_attended_session_s_scores_in_course_order(tmp_path):
    # g: the attended g1, g2 (no scores), g4 ... g9 (none); the cancelled g3 has no place in them.
    # h: h2 (09:00) before h1 (10:00) on 03-01, then h3. m: the no-show m2's 9 is not an attended score.
    path = build_db(tmp_path, SCORED_SESSIONS, SCORED_COURSES)
    with db.owned(db.connect(path, read_only=True)) as con:
        stored = {course: (before, after) for course, before, after in con.execute(
            "select course_id, pains_before, pains_after from course_facts order by course_id").fetchall()}
        assert stored == {
            "g": ([5, None, 6, 7, 4, 5, 8, None], [4, None, 5, 6, 3, 4, 6, None]),
            "h": ([6, 3, 7], [5, 2, 6]),
            "k": ([5, 5, 6], [5, 4, 5]),
            "m": ([4, None], [4, None]),
        }
        dates = dict(con.execute("select course_id, session_dates from course_facts").fetchall())
        assert {course: [f"{d:%m-%d}" for d in days] for course, days in dates.items()} == {
            "g": ["03-01", "03-02", "03-04", "03-05", "03-06", "03-07", "03-08", "03-09"],
            "h": ["03-01", "03-01", "03-02"],
            "k": ["03-01", "03-02", "03-03"],
            "m": ["03-01", "03-03"],
        }
        # as of 03-06 course g is open: its lists are made from its rows up to that day
        [g] = [r for r in metrics.open_courses(con, Filters(as_of=dt.date(2026, 3, 6))).to_pylist() if r["course_id"] == "g"]
        assert (g["pains_before"], g["pains_after"]) == ([5, None, 6, 7, 4], [4, None, 5, 6, 3])
        assert [f"{d:%m-%d}" for d in g["session_dates"]] == ["03-01", "03-02", "03-04", "03-05", "03-06"]



ACUTE_SESSIONS = """
session_id,patient_id,course_id,session_date,session_time,therapist,status,acute_inflammation
a0,p1,a,2026-03-01,08:00,Alder,cancelled,true
a1,p1,a,2026-03-01,09:00,Alder,attended,false
a2,p1,a,2026-03-02,,Alder,attended,true
b1,p2,b,2026-03-01,,Alder,attended,true
b2,p2,b,2026-03-05,,Alder,attended,false
c1,p3,c,2026-03-01,,Alder,attended,
c2,p3,c,2026-03-02,,Alder,attended,true
d1,p4,d,2026-03-01,,Alder,no_show,true
"""


def test_the_first_session_acute_flag_is_the_first_attended_sessions_from_facts_and_from_sessions(tmp_path):
    # a: the cancelled a0 (acute) comes first but is no session; a1 is not acute: false (a2 later is).
    # b: acute at b1: true. c: c1 records nothing: null (c2's flag is later). d: only a no-show: null.
    path = build_db(tmp_path, ACUTE_SESSIONS)
    with db.owned(db.connect(path, read_only=True)) as con:
        stored = dict(con.execute("select course_id, first_session_acute from course_facts").fetchall())
        assert stored == {"a": False, "b": True, "c": None, "d": None}
        # as of 03-02 course b is open (b2 is later): computed from its rows, the same first session
        opened = {r["course_id"]: r["first_session_acute"]
                  for r in metrics.open_courses(con, Filters(as_of=dt.date(2026, 3, 2))).to_pylist()}
        assert opened == {"b": True}

PATH_SESSIONS = """
session_id,patient_id,course_id,session_date,therapist,status,pain_before,pain_after
q1a,p11,q1,2026-03-01,Alder,attended,8,6
q1b,p11,q1,2026-03-02,Alder,attended,6,5
q1c,p11,q1,2026-03-03,Alder,attended,5,4
q2a,p12,q2,2026-03-01,Alder,attended,7,6
q2b,p12,q2,2026-03-02,Alder,attended,,
q2c,p12,q2,2026-03-03,Alder,attended,3,2
q3a,p13,q3,2026-03-01,Birch,attended,9,8
q3b,p13,q3,2026-03-02,Birch,cancelled,,
q3c,p13,q3,2026-03-03,Birch,attended,4,3
q3d,p13,q3,2026-03-04,Birch,attended,2,2
q4a,p14,q4,2026-03-01,Birch,attended,8,8
q4b,p14,q4,2026-03-02,Birch,attended,7,7
"""
PATH_COURSES = """
course_id,patient_id,start_date,planned_sessions
q1,p11,2026-03-01,3
q2,p12,2026-03-01,3
q3,p13,2026-03-01,3
q4,p14,2026-03-01,3
"""
PATH_PATIENTS = """
patient_id,birth_year,sex,diagnosis,site
p11,1970,F,disc_herniation,North
p12,1971,M,disc_herniation,North
p13,1972,F,disc_herniation,South
p14,1973,M,disc_herniation,South
"""


@pytest.mark.parametrize("trusted", [True, False], ids=["stored lists", "lists from the rows"])
def test_the_expected_path_is_the_75th_percentile_of_the_completed_courses_scores(tmp_path, trusted):
    # q1, q2, q3 completed (three attended days each), all disc_herniation, baseline 8, 7, 9: severe.
    # Their scores by session number (q3's cancelled booking has no number; q2's second is unscored):
    #   1: 7, 8, 9 -> rank (3 - 1) x 0.75 = 1.5 -> 8 + 0.5 x 1 = 8.5
    #   2: 4, 6    -> rank 0.75               -> 4 + 0.75 x 2 = 5.5
    #   3: 2, 3, 5 -> rank 1.5                -> 3 + 0.5 x 2 = 4.0
    # Decoy: q4 (8, 7) is not completed; counted, session 1 would give 8.25 and session 2 6.5.
    path = build_db(tmp_path, PATH_SESSIONS, PATH_COURSES, PATH_PATIENTS)
    if not trusted:
        con = duckdb.connect(str(path))
        con.execute("update course_facts_state set facts_version = 0")
        con.close()
    filters = Filters(as_of=dt.date(2026, 3, 31))
    with db.owned(db.connect(path, read_only=True)) as con:
        assert facts.fresh(con) is trusted
        paths = metrics.expected_paths(con, filters.with_(settings=filters.settings.with_(min_cohort=1))).to_pylist()
    whole_group = sorted((r["session_number"], r["similar_courses"], r["courses_at_session"], r["expected_q75_pain"])
                         for r in paths if r["left_out"] is None)
    assert whole_group == [(1, 3, 3, 8.5), (2, 3, 2, 5.5), (3, 3, 3, 4.0)]
    assert {(r["diagnosis"], r["baseline_band"]) for r in paths} == {("disc_herniation", "severe")}


# The open courses' table, whole or with the cohort columns alone (metrics --json): its query and schema.
# the open courses' query from their session rows, the one cutting them from the facts, their schema
OPEN_TABLES = {False: ("open_courses", "open_courses_from_facts", "OPEN_SCHEMA"),
               True: ("open_courses_cohort", "open_courses_from_facts_cohort", "OPEN_COHORT_SCHEMA")}
WHOLE_OR_COHORT = pytest.mark.parametrize("cohort_only", [False, True], ids=["every column", "cohort columns"])


@WHOLE_OR_COHORT
def test_the_open_tables_columns_and_types_are_those_of_their_queries_with_courses_open_or_none(clinic, cohort_only):
    # as of 03-12 two courses are open (b, p3's); as of 03-20 none: the 03-20 rows are the last of all
    query, from_facts, schema = OPEN_TABLES[cohort_only]
    with db.owned(db.connect(clinic, read_only=True)) as con:
        for as_of, open_count in ((dt.date(2026, 3, 12), 2), (dt.date(2026, 3, 20), 0)):
            rows_from = db.records(con, "open_rows_from", as_of=as_of)[0]["rows_from"]
            table = db.arrow(con, query, as_of=as_of, relief_rule="pct30", rows_from=rows_from)
            cut = db.arrow(con, from_facts, as_of=as_of, relief_rule="pct30", planned_default=None)
            assert table.num_rows == cut.num_rows == open_count
            assert table.schema.equals(getattr(metrics, schema)), (as_of, table.schema)
            assert cut.schema.equals(getattr(metrics, schema)), (as_of, cut.schema)


@WHOLE_OR_COHORT
def test_with_no_course_open_the_open_table_is_empty_without_its_query_and_every_figure_is_the_same(
        clinic, monkeypatch, cohort_only):
    # As of 03-20 every course has all its rows, so none is open. Every cohort figure (and, with every
    # column, every course) read beside the empty table is the one read beside the query's own
    # (empty) result, for every grouping and relief rule.
    # Decoy: as of 03-19 two courses are open (b's cancelled and c's attended 03-20 rows are later),
    # so the query does run.
    query, from_facts, schema = OPEN_TABLES[cohort_only]
    ran = []
    arrow = db.arrow
    monkeypatch.setattr(db, "arrow", lambda con, name, **params: ran.append(name) or arrow(con, name, **params))
    with db.owned(db.connect(clinic, read_only=True)) as con:
        for rule in RELIEF_RULES:
            filters = Filters(as_of=dt.date(2026, 3, 20), relief_rule=rule)
            empty = metrics.open_courses(con, filters, cohort_only=cohort_only)
            assert not {query, from_facts} & set(ran)
            assert empty.num_rows == 0 and empty.schema.equals(getattr(metrics, schema))
            queried = arrow(con, query, as_of=filters.as_of, relief_rule=rule, rows_from=metrics.NONE_OPEN)
            for group in (None, *metrics.GROUPS):
                assert repr(metrics.cohort_rows(con, filters, group, empty)) == \
                    repr(metrics.cohort_rows(con, filters, group, queried)), (rule, group)
            if not cohort_only:
                assert repr(metrics.courses(con, filters, empty)) == repr(metrics.courses(con, filters, queried))
                assert metrics.all_courses(con, filters, empty).equals(metrics.all_courses(con, filters, queried))
        # a, b, d, e, p3's course, p6's February and March courses (35 days apart): seven
        assert metrics.cohort_report(con, Filters(as_of=dt.date(2026, 3, 20)))["overall"]["courses"] == 7
        assert [c["course_id"] for c in metrics.courses(con, Filters(as_of=dt.date(2026, 3, 20)))] == \
            ["a", "b", "p3:2026-03-05", "d", "e", "p6:2026-02-01", "p6:2026-03-08"]
        assert not {query, from_facts} & set(ran)
        assert metrics.open_courses(con, Filters(as_of=dt.date(2026, 3, 19)), cohort_only=cohort_only).num_rows == 2
        assert from_facts in ran        # the facts are up to date: the open courses are cut from them


def test_the_cohort_figures_from_the_open_courses_cohort_columns_are_those_of_the_whole_table(clinic):
    # metrics --json computes the open courses with only the columns the cohort figures read; a
    # column left out would be null for the open courses and change a figure. As of 03-03 course a
    # is open and in Birch's scope through her session a3 that day; as of 03-12 four courses are
    # open (b, d, p3's, p6's March course) beside three settled ones.
    with db.owned(db.connect(clinic, read_only=True)) as con:
        views = [(as_of, "pct30", chosen, (None, *metrics.GROUPS))
                 for as_of in (dt.date(2026, 3, 3), dt.date(2026, 3, 12))
                 for chosen in ({}, {"scope": "Birch"},
                                {"therapists": ("Alder", "Cedar"), "sexes": ("M",), "start_from": dt.date(2026, 3, 5)},
                                {"sites": ("North",), "diagnoses": ("other",)})]
        views += [(dt.date(2026, 3, 12), rule, {}, (None, "therapist"))             # the relief rule's own column
                  for rule in RELIEF_RULES if rule != "pct30"]
        for as_of, rule, chosen, groups in views:
            filters = Filters(as_of=as_of, relief_rule=rule, **chosen)
            whole, cohort = metrics.open_courses(con, filters), metrics.open_courses(con, filters, cohort_only=True)
            assert cohort.num_rows == whole.num_rows > 0 and cohort.num_columns < whole.num_columns
            for group in groups:
                assert repr(metrics.cohort_rows(con, filters, group, cohort)) == \
                    repr(metrics.cohort_rows(con, filters, group, whole)), (as_of, rule, chosen, group)
