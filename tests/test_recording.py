"""Sessions recorded in the dashboard (clinic/recording.py) go through the importer's own rules.

The fixture: Birch treats p1 (course c1, explicit) and p3 (no course_id: inferred p3:2026-03-02);
Cedar treats p2 (course c2), the decoy patient Birch may not record for. "Today" is 2026-03-31.
"""
from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap

import pytest

from clinic import db, recording
from query_support import build_db

TODAY = dt.date(2026, 3, 31)
SESSIONS = """
session_id,patient_id,course_id,session_date,session_time,therapist,status,pain_before,pain_after
s1,p1,c1,2026-03-01,09:00,Birch,attended,8,5
s2,p2,c2,2026-03-01,10:00,Cedar,attended,6,6
s3,p3,,2026-03-02,11:00,Birch,attended,7,6
s4,p3,,2026-03-03,11:00,Birch,attended,6,5
"""
BIRCH = recording.Recorder("birch", "Birch")
DIRECTOR = recording.Recorder("director", None)


@pytest.fixture
def clinic_db(tmp_path):
    return build_db(tmp_path, SESSIONS)


def a_session(**values) -> dict:
    row = {"patient_id": "p3", "session_date": dt.date(2026, 3, 4), "session_time": "11:00", "therapist": "Birch",
           "status": "attended", "pain_before": 5, "pain_after": 3, "muscle_tension": 4, "numbness": False,
           "acute_inflammation": None, "notes": "left leg <b>better</b>"}
    return {**row, **values}


def stored(path, sql: str, *params) -> list[tuple]:
    with db.owned(db.connect(path, read_only=True)) as con:
        return con.execute(sql, list(params)).fetchall()


def session_rows(path) -> list[tuple]:
    return stored(path, "select * exclude (batch_id, session_number, course_no) from sessions order by session_id")


def test_a_recorded_attended_session_lands_with_exactly_the_given_values(clinic_db):
    outcome = recording.record(clinic_db, a_session(), BIRCH, today=TODAY)
    assert outcome.saved and outcome.change == "new" and outcome.session_id.startswith("R-")
    [row] = stored(clinic_db, "select patient_id, session_date, therapist, status, pain_before, pain_after, course_id, "
                              "session_time, muscle_tension, numbness, acute_inflammation, notes from sessions "
                              "where session_id = ?", outcome.session_id)
    assert row == ("p3", dt.date(2026, 3, 4), "Birch", "attended", 5, 3, None, dt.time(11, 0), 4, False, None,
                   "left leg <b>better</b>")
    [(kind, name, read, new)] = stored(clinic_db, "select file_kind, file_name, rows_read, rows_new from import_batches "
                                                  "where file_kind = 'recorded'")
    assert (kind, name, read, new) == ("recorded", "recorded in the dashboard", 1, 1)


def test_its_course_is_inferred_as_an_import_would_and_the_course_facts_include_it_at_once(clinic_db, cli):
    joined = recording.record(clinic_db, a_session(), BIRCH, today=TODAY)
    # 2026-04-05 is 32 days after 03-04 (31 or more): a new inferred course, as an import would make it
    apart = recording.record(clinic_db, a_session(session_date=dt.date(2026, 4, 5)), BIRCH, today=dt.date(2026, 4, 10))
    courses = dict(stored(clinic_db, "select session_id, inferred_course_id from sessions where patient_id = 'p3'"))
    assert courses[joined.session_id] == "p3:2026-03-02"
    assert courses[apart.session_id] == "p3:2026-04-05"
    code, out = cli("courses", "--db", clinic_db, "--as-of", "2026-03-31", "--json")
    assert code == 0
    course = next(c for c in out if c["course_id"] == "p3:2026-03-02")
    assert course["sessions_attended"] == 3                                  # 03-02, 03-03 and the recorded 03-04
    assert course["sustained_improvement_pct"] == pytest.approx(200 / 7)    # (7 - 5) / 7, was (7 - 6) / 7
    assert not any(c["course_id"] == "p3:2026-04-05" for c in out)          # starts after the as-of date


# q1's course k1 carries its id (03-01, and 03-05 at 08:00); the courses file lists q1's next course
# k2 from 03-20, still without sessions. On 03-05 q1 also has a cancelled row of k3 at 09:30, the
# last row of that day in course order, and on 03-20 a missed one of k3 at 07:00. q9 (decoy) is another patient whose course k9 has a row on
# every day the tests use: it is never the course a q1 session joins.
ONGOING_SESSIONS = """
session_id,patient_id,course_id,session_date,session_time,therapist,status,pain_before,pain_after
o1,q1,k1,2026-03-01,09:00,Birch,attended,8,5
o2,q1,k1,2026-03-05,08:00,Birch,attended,7,5
o3,q1,k3,2026-03-05,09:30,Birch,cancelled,,
o4,q1,k3,2026-03-20,07:00,Birch,no_show,,
x1,q9,k9,2026-03-04,09:00,Birch,attended,6,4
x2,q9,k9,2026-03-21,09:00,Birch,attended,6,4
x3,q9,k9,2026-04-05,09:00,Birch,attended,6,4
"""
ONGOING_COURSES = """
course_id,patient_id,start_date,planned_sessions
k2,q1,2026-03-20,10
"""


@pytest.fixture
def ongoing_db(tmp_path):
    return build_db(tmp_path, ONGOING_SESSIONS, ONGOING_COURSES, today=dt.date(2026, 4, 30))


def course_of(path, session_id: str) -> tuple:
    [row] = stored(path, "select course_id, inferred_course_id from sessions where session_id = ?", session_id)
    return row


@pytest.mark.parametrize("day, course, why", [
    (dt.date(2026, 3, 4), "k1", "its latest row on or before 03-04 is k1's of 03-01"),
    (dt.date(2026, 3, 5), "k3", "on 03-05 k3's row at 09:30 comes after k1's at 08:00"),
    (dt.date(2026, 3, 19), "k3", "14 days after 03-05, before k2's start"),
    (dt.date(2026, 3, 20), "k2", "the listed course starting that day comes before k3's row of that day"),
    (dt.date(2026, 4, 19), "k2", "30 days after k2's listed start: still within the gap"),
])
def test_a_new_session_without_a_course_id_goes_on_with_the_patients_course_of_that_day(ongoing_db, day, course, why):
    outcome = recording.record(ongoing_db, a_session(patient_id="q1", session_date=day), BIRCH,
                               today=dt.date(2026, 4, 30))
    assert outcome.saved, outcome.reasons()
    assert course_of(ongoing_db, outcome.session_id) == (course, None), why
    assert outcome.course == course
    assert f" in course {course}: attended, pain 5 → 3" in recording.saved_text(outcome)


def test_its_course_counts_the_session_and_no_one_session_course_is_made(ongoing_db, cli):
    recording.record(ongoing_db, a_session(patient_id="q1", session_date=dt.date(2026, 3, 6), session_time="08:00"),
                     BIRCH, today=TODAY)
    code, out = cli("courses", "--db", ongoing_db, "--as-of", "2026-03-10", "--json")
    assert code == 0
    assert sorted(c["course_id"] for c in out if c["patient_id"] == "q1") == ["k1", "k3"]
    # k3 (the day's last row was its cancelled one) now holds the recorded attended session; k1 keeps its two
    courses = {c["course_id"]: c for c in out}
    assert (courses["k3"]["sessions_attended"], courses["k3"]["first_session_pain_before"]) == (1, 5)
    assert courses["k1"]["sessions_attended"] == 2


def test_a_gap_of_more_than_30_days_starts_an_inferred_course_as_an_import_would(ongoing_db):
    # k2 starts 03-20 and has no rows: 04-20 is 31 days after it
    outcome = recording.record(ongoing_db, a_session(patient_id="q1", session_date=dt.date(2026, 4, 20)), BIRCH,
                               today=dt.date(2026, 4, 30))
    assert course_of(ongoing_db, outcome.session_id) == (None, "q1:2026-04-20")
    assert outcome.course == "q1:2026-04-20" and " in course q1:2026-04-20: " in recording.saved_text(outcome)


def test_the_stored_course_gap_setting_decides_how_far_back_a_course_goes_on(ongoing_db):
    from clinic import grouping
    grouping.regroup(ongoing_db, 40, "director")
    outcome = recording.record(ongoing_db, a_session(patient_id="q1", session_date=dt.date(2026, 4, 20)), BIRCH,
                               today=dt.date(2026, 4, 30))
    assert course_of(ongoing_db, outcome.session_id) == ("k2", None)


def test_a_typed_course_id_and_a_correction_keep_the_course_they_name(ongoing_db):
    typed = recording.record(ongoing_db, a_session(patient_id="q1", session_date=dt.date(2026, 3, 6), course_id="k1"),
                             BIRCH, today=TODAY)
    assert course_of(ongoing_db, typed.session_id) == ("k1", None)
    # a correction that empties the course id leaves the session to inference, as the form says
    fixed = recording.record(ongoing_db, {**typed.row, "course_id": None}, BIRCH, today=TODAY, correcting=True)
    assert fixed.saved and course_of(ongoing_db, typed.session_id) == (None, "q1:2026-03-06")


def test_a_patient_with_inferred_courses_gets_the_session_inferred_into_the_course_going_on(clinic_db):
    # p3's rows carry no course id: the session is left to inference, which joins it to p3:2026-03-02
    outcome = recording.record(clinic_db, a_session(), BIRCH, today=TODAY)
    assert course_of(clinic_db, outcome.session_id) == (None, "p3:2026-03-02")
    assert outcome.course == "p3:2026-03-02"


def test_an_explicit_course_id_is_kept_and_another_patients_course_is_refused_with_the_importers_reason(clinic_db):
    kept = recording.record(clinic_db, a_session(patient_id="p1", course_id="c1"), BIRCH, today=TODAY)
    assert kept.saved and kept.row["course_id"] == "c1"
    before = session_rows(clinic_db)
    refused = recording.record(clinic_db, a_session(course_id="c1"), BIRCH, today=TODAY)
    assert not refused.saved
    assert refused.reasons() == ["course c1 belongs to patient p1 in stored sessions, not to p3"]
    assert session_rows(clinic_db) == before


@pytest.mark.parametrize("values, column, reason", [
    ({"pain_before": 11}, "pain_before", "pain_before must be a whole number from 0 to 10"),
    ({"session_date": dt.date(2026, 4, 1)}, "session_date",
     "an attended session cannot be dated after today (2026-03-31)"),
    ({"session_time": "25:00"}, "session_time", "session_time must be a time of day written HH:MM (24-hour clock)"),
    ({"status": "maybe"}, "status", "status must be one of attended, cancelled, no_show"),
])
def test_a_bad_value_is_refused_with_the_importers_reason_and_nothing_is_written(clinic_db, values, column, reason):
    before = session_rows(clinic_db)
    batches = stored(clinic_db, "select count(*) from import_batches")
    outcome = recording.record(clinic_db, a_session(**values), BIRCH, today=TODAY)
    assert not outcome.saved
    assert [(p.column, p.reason) for p in outcome.problems] == [(column, reason)]
    assert session_rows(clinic_db) == before
    assert stored(clinic_db, "select count(*) from import_batches") == batches


def test_a_cancelled_session_may_be_booked_ahead(clinic_db):
    outcome = recording.record(clinic_db, a_session(status="cancelled", session_date=dt.date(2026, 4, 2),
                                                    pain_before=None, pain_after=None), BIRCH, today=TODAY)
    assert outcome.saved


def test_a_therapist_cannot_record_for_another_therapist(clinic_db):
    before = session_rows(clinic_db)
    outcome = recording.record(clinic_db, a_session(therapist="Cedar"), BIRCH, today=TODAY)
    assert outcome.reasons() == ["a therapist records sessions as themselves (Birch)"]
    assert session_rows(clinic_db) == before


def test_a_therapist_cannot_record_for_a_patient_outside_their_scope(clinic_db):
    before = session_rows(clinic_db)
    outcome = recording.record(clinic_db, a_session(patient_id="p2"), BIRCH, today=TODAY)    # Cedar's patient
    assert outcome.problems[0].column == "patient_id"
    assert "not among yours" in outcome.reasons()[0]
    assert session_rows(clinic_db) == before


def test_a_therapists_patients_are_those_of_the_courses_they_treat(clinic_db):
    with db.owned(db.connect(clinic_db, read_only=True)) as con:
        assert [p["patient_id"] for p in recording.patients(con, "Birch")] == ["p1", "p3"]
        assert [p["patient_id"] for p in recording.patients(con, None)] == ["p1", "p2", "p3"]


def test_only_the_patients_seen_most_recently_are_listed_and_another_is_still_recorded_by_id(clinic_db):
    with db.owned(db.connect(clinic_db, read_only=True)) as con:
        assert [p["patient_id"] for p in recording.patients(con, "Birch", most=1)] == ["p3"]   # seen 3 March
        assert [p["patient_id"] for p in recording.patients(con, None, most=2)] == ["p1", "p3"]  # p1 before p2
    outcome = recording.record(clinic_db, a_session(patient_id="p1"), BIRCH, today=TODAY, new_patient=True)
    assert outcome.saved                       # p1 is Birch's, though not in a list of one


RECENT_SESSIONS = """
session_id,patient_id,course_id,session_date,therapist,status
a1,pa,ca,2026-01-10,Birch,attended
a2,pa,ca,2026-03-20,Birch,attended
b1,pb,cb,2026-03-25,Birch,attended
c1,pc,cc,2026-03-01,Birch,attended
d1,pd,cd,2026-02-24,Birch,attended
d2,pd,cd,2026-02-25,Birch,attended
d3,pd,cd,2026-02-26,Birch,cancelled
d4,pd,cd,2026-02-27,Birch,attended
d5,pd,cd,2026-02-28,Birch,no_show
e1,pe,ce,2026-03-10,Birch,attended
e2,pe,ce,2026-04-02,Birch,attended
"""


@pytest.mark.parametrize("facts", ["up to date", "out of date"])
def test_the_directors_list_is_the_same_whether_the_last_31_days_hold_enough_patients_or_not(tmp_path, facts):
    # As of 03-31 the 31 days 03-01 .. 03-31 hold pa (last 03-20), pb (03-25), pc (03-01) and pe (03-10;
    # its 04-02 row is after the date and not counted); pd was last seen 02-28, with five rows.
    # most=3: four recent patients are enough: pb, pa, pe (the latest three), listed by id; pa's count
    #   includes its January row. most=5: too few recent ones, so every row is read and pd is listed.
    path = build_db(tmp_path, RECENT_SESSIONS, today=dt.date(2026, 4, 30))
    as_of = dt.date(2026, 3, 31)
    con = db.connect(path)
    try:
        if facts == "out of date":              # then every count is read from the session rows
            con.execute("update course_facts_state set sessions_rows = sessions_rows + 1")
        assert db.records(con, "course_facts_fresh") == [{"fresh": facts == "up to date"}]
        three = recording.patients(con, None, as_of=as_of, most=3)
        five = recording.patients(con, None, as_of=as_of, most=5)
    finally:
        con.close()
    assert [(p["patient_id"], f"{p['last_session_date']:%m-%d}", p["sessions"]) for p in three] == [
        ("pa", "03-20", 2), ("pb", "03-25", 1), ("pe", "03-10", 1)]
    assert [(p["patient_id"], f"{p['last_session_date']:%m-%d}", p["sessions"]) for p in five] == [
        ("pa", "03-20", 2), ("pb", "03-25", 1), ("pc", "03-01", 1), ("pd", "02-28", 5), ("pe", "03-10", 1)]


STRADDLING_SESSIONS = """
session_id,patient_id,course_id,session_date,therapist,status
a1,pa,ca,2026-03-01,Birch,cancelled
a2,pa,ca,2026-03-05,Cedar,attended
b1,pb,cb,2026-03-01,Cedar,attended
b2,pb,cb,2026-03-08,Birch,attended
c0,pc,cc0,2026-01-10,Cedar,attended
c1,pc,cc,2026-03-02,Birch,attended
c2,pc,cc,2026-03-12,Cedar,no_show
e1,pe,ce,2026-03-01,Birch,no_show
e2,pe,ce,2026-03-02,Cedar,cancelled
f1,pf,cf,2026-03-01,Cedar,cancelled
f2,pf,cf,2026-03-02,Birch,cancelled
d1,pd,cd,2026-03-02,Cedar,attended
g1,pg,cg,2026-03-01,Birch,cancelled
g2,pg,cg,2026-03-02,Cedar,attended
g3,pg,cg,2026-03-12,Cedar,no_show
"""
# Birch's patients, by hand, as (patient, last row up to the date, rows up to the date):
# - ca: as of 03-03 its only row is Birch's cancelled one, so the course is hers (pa); by 03-10 Cedar
#   gave its first attended session and Birch none: not hers.
# - cb: Cedar's alone as of 03-03; Birch gave an attended session on 03-08: hers as of 03-10 (pb).
# - cc: Birch gave its attended session; its 03-12 row is later than both dates. pc's January course
#   (cc0, Cedar's) is not hers but its row counts in pc's rows: 2.
# - ce: nothing attended, and its first row is Birch's: hers (pe, two rows). cf: nothing attended and
#   its first row is Cedar's: not hers, though Birch has a row of it (decoy).
# - cd: Cedar's alone (decoy). cg (decoy): its first row is Birch's, but Cedar gave an attended session
#   on 03-02, so it is Cedar's at both dates, though its 03-12 row is after them.
BIRCH_AS_OF_0303 = [("pa", "03-01", 1), ("pc", "03-02", 2), ("pe", "03-02", 2)]
BIRCH_AS_OF_0310 = [("pb", "03-08", 2), ("pc", "03-02", 2), ("pe", "03-02", 2)]


def birchs_lists(path) -> dict:
    """Birch's whole list as of 03-03 and 03-10, and, for every patient, whether the one-patient check
    lets her record for them."""
    with db.owned(db.connect(path, read_only=True)) as con:
        found = {}
        for day in (3, 10):
            as_of = dt.date(2026, 3, day)
            listed = [(p["patient_id"], f"{p['last_session_date']:%m-%d}", p["sessions"])
                      for p in recording.patients(con, "Birch", as_of=as_of, most=100)]
            patients = ("pa", "pb", "pc", "pd", "pe", "pf", "pg")
            checked = sorted(pid for pid in patients
                             if db.records(con, "record_patients", scope="Birch", as_of=as_of, patient_id=pid, most=1))
            # the check a recorded session passes (from the facts while they are up to date) agrees
            assert sorted(pid for pid in patients if recording.in_scope(con, "Birch", as_of, pid)) == checked
            found[day] = (listed, checked)
        return found


def assert_birchs_lists_are_the_hand_counted_ones(path) -> None:
    found = birchs_lists(path)
    assert found[3] == (BIRCH_AS_OF_0303, [p for p, _, _ in BIRCH_AS_OF_0303])
    assert found[10] == (BIRCH_AS_OF_0310, [p for p, _, _ in BIRCH_AS_OF_0310])


def test_a_therapists_list_follows_the_as_of_date_through_courses_that_change_hands(tmp_path):
    path = build_db(tmp_path, STRADDLING_SESSIONS, today=dt.date(2026, 4, 30))
    assert_birchs_lists_are_the_hand_counted_ones(path)


def test_a_therapists_list_is_the_same_from_the_stored_course_facts_and_from_the_session_rows(tmp_path):
    path = build_db(tmp_path, STRADDLING_SESSIONS, today=dt.date(2026, 4, 30))
    con = db.connect(path)
    try:
        con.execute("update course_facts_state set sessions_rows = sessions_rows + 1")   # the facts now look stale
        assert db.records(con, "course_facts_fresh") == [{"fresh": False}]
    finally:
        con.close()
    assert_birchs_lists_are_the_hand_counted_ones(path)


def test_a_therapists_list_is_read_from_the_course_facts_while_they_are_up_to_date(tmp_path):
    # Facts doctored to say Birch gave cd's session (Cedar did): a list that reads them lists pd. It
    # shows which path answered; the test above shows both answer alike on honest facts.
    path = build_db(tmp_path, STRADDLING_SESSIONS, today=dt.date(2026, 4, 30))
    con = db.connect(path)
    try:
        con.execute("update course_facts set session_therapists = ['Birch'] where course_id = 'cd'")
    finally:
        con.close()
    with db.owned(db.connect(path, read_only=True)) as con:
        listed = [p["patient_id"] for p in recording.patients(con, "Birch", as_of=dt.date(2026, 3, 10), most=100)]
        checked = db.records(con, "record_patients", scope="Birch", as_of=dt.date(2026, 3, 10), patient_id="pd",
                             most=1)
        mine = recording.in_scope(con, "Birch", dt.date(2026, 3, 10), "pd")
    assert listed == ["pb", "pc", "pd", "pe"]
    assert [p["patient_id"] for p in checked] == ["pd"] and mine      # the one-patient checks read them too


def test_the_directors_counts_come_from_the_course_facts_while_they_are_up_to_date(tmp_path):
    # Facts doctored to give pb's course three more attended dates: the director's recent list counts them
    path = build_db(tmp_path, RECENT_SESSIONS, today=dt.date(2026, 4, 30))
    con = db.connect(path)
    try:
        con.execute("update course_facts set session_dates = session_dates || [date '2026-03-26', "
                    "date '2026-03-27', date '2026-03-28'] where course_id = 'cb'")
        three = recording.patients(con, None, as_of=dt.date(2026, 3, 31), most=3)
    finally:
        con.close()
    assert [(p["patient_id"], p["sessions"]) for p in three] == [("pa", 2), ("pb", 4), ("pe", 1)]


def test_a_therapist_may_start_a_new_patient_whose_id_is_not_a_name(clinic_db):
    named = recording.record(clinic_db, a_session(patient_id="Anna"), BIRCH, today=TODAY, new_patient=True)
    assert not named.saved and "Never a name" in named.reasons()[0]
    new = recording.record(clinic_db, a_session(patient_id="P-1042"), BIRCH, today=TODAY, new_patient=True)
    assert new.saved and new.row["patient_id"] == "P-1042"
    # a "new" id that is someone else's patient is still out of scope
    taken = recording.record(clinic_db, a_session(patient_id="p2"), BIRCH, today=TODAY, new_patient=True)
    assert not taken.saved and "not among yours" in taken.reasons()[0]


def test_the_director_records_for_any_therapist_and_patient(clinic_db):
    outcome = recording.record(clinic_db, a_session(patient_id="p2", therapist="Cedar"), DIRECTOR, today=TODAY)
    assert outcome.saved and outcome.row["therapist"] == "Cedar"


def test_a_correction_keeps_the_earlier_version_in_session_history(clinic_db):
    first = recording.record(clinic_db, a_session(), BIRCH, today=TODAY)
    fixed = recording.record(clinic_db, {**first.row, "pain_after": 2, "notes": None}, BIRCH, today=TODAY,
                             correcting=True)
    again = recording.record(clinic_db, {**fixed.row, "muscle_tension": 6}, DIRECTOR, today=TODAY, correcting=True)
    assert (fixed.change, again.change) == ("updated", "updated")
    history = stored(clinic_db, "select version, pain_after, muscle_tension, notes, changed_by from session_history "
                                "where session_id = ? order by version", first.session_id)
    assert history == [(1, 3, 4, "left leg <b>better</b>", "birch"), (2, 2, 4, None, "director")]
    [now] = stored(clinic_db, "select pain_after, muscle_tension from sessions where session_id = ?", first.session_id)
    assert now == (2, 6)


def test_a_correction_that_changes_nothing_writes_nothing(clinic_db):
    first = recording.record(clinic_db, a_session(), BIRCH, today=TODAY)
    same = recording.record(clinic_db, first.row, BIRCH, today=TODAY, correcting=True)
    assert not same.saved and same.change == "unchanged"
    assert stored(clinic_db, "select count(*) from session_history") == [(0,)]


def test_a_therapist_cannot_correct_another_therapists_session(clinic_db):
    [(s2,)] = [r for r in stored(clinic_db, "select session_id from sessions where session_id = 's2'")]
    outcome = recording.record(clinic_db, {**a_session(patient_id="p2", therapist="Birch"), "session_id": s2},
                               BIRCH, today=TODAY, correcting=True)
    assert not outcome.saved and "given by another therapist" in outcome.reasons()[0]
    assert stored(clinic_db, "select therapist, pain_before from sessions where session_id = 's2'") == [("Cedar", 6)]


def test_a_recorded_session_never_replaces_a_stored_one(clinic_db):
    outcome = recording.record(clinic_db, {**a_session(), "session_id": "s3"}, BIRCH, today=TODAY)
    assert not outcome.saved and "already stored" in outcome.reasons()[0]


def test_session_ids_are_generated_unique_and_in_the_order_they_were_made(monkeypatch):
    # 5,000 ids made within one millisecond (the clock stands still): with only the random tail to
    # tell them apart (34^4 values), some would repeat almost surely
    monkeypatch.setattr(recording.time, "time", lambda: 1_790_000_000.0)
    ids = [recording.new_session_id() for _ in range(5000)]
    assert len(set(ids)) == 5000
    assert all(i.startswith("R-") and len(i) <= 16 for i in ids)
    stamps = [i.split("-")[1] for i in ids]
    assert stamps == sorted(stamps)


def test_a_database_held_by_an_import_gives_the_clear_message_and_saves_nothing(clinic_db):
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import duckdb, sys
        con = duckdb.connect({str(clinic_db)!r})
        print("ready", flush=True)
        sys.stdin.readline()
    """)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(recording.RecordingBusy) as busy:
            recording.record(clinic_db, a_session(), BIRCH, today=TODAY, wait_seconds=0.3)
    finally:
        holder.communicate("\n", timeout=30)
    assert str(busy.value) == "An import is running; nothing was saved; try again in a moment."
    assert isinstance(busy.value, db.DatabaseLocked)
    assert len(session_rows(clinic_db)) == 4


def test_a_session_given_after_the_as_of_date_does_not_yet_make_the_patient_the_therapists(tmp_path):
    path = build_db(tmp_path, SESSIONS + "s5,p2,c2,2026-03-25,10:00,Birch,attended,5,4\n"
                                         "s6,p2,c2,2026-03-02,10:00,Birch,cancelled,,\n")
    with db.owned(db.connect(path, read_only=True)) as con:
        assert [p["patient_id"] for p in recording.patients(con, "Birch", dt.date(2026, 3, 20))] == ["p1", "p3"]
        assert [p["patient_id"] for p in recording.patients(con, "Birch", dt.date(2026, 3, 25))] == ["p1", "p2", "p3"]


# --- the sessions of one day: searched and cut to a page on the server ------------------------

DAY_SESSIONS = """
session_id,patient_id,course_id,session_date,session_time,therapist,status
k1,P-10,c10,2026-03-05,08:00,Birch,attended
k2,P-11,c11,2026-03-05,09:00,Birch,no_show
k3,P-12,c12,2026-03-05,,Cedar,attended
k4,P-13,c13,2026-03-05,10:00,Birch,cancelled
x1,P-10,c10,2026-03-04,08:00,Birch,attended
x2,P-10,c10,2026-03-06,08:00,Birch,attended
"""


def test_a_days_sessions_are_searched_and_paged_on_the_server(tmp_path):
    # 03-05 in time order (no time first): k3, k1, k2, k4. Decoys: x1 and x2 are P-10's other days.
    # Birch's view leaves out Cedar's k3; the search "p-1" matches every id of the day, "K2" only k2 (any case).
    path = build_db(tmp_path, DAY_SESSIONS)
    day, as_of = dt.date(2026, 3, 5), dt.date(2026, 3, 31)
    with db.owned(db.connect(path, read_only=True)) as con:
        def ids_and_counts(scope=None, **page):
            found = recording.day_sessions(con, day, scope, as_of, **page)
            counts = {(int(m), int(d)) for m, d in zip(found.matched_sessions, found.day_sessions)}
            return list(found.session_id), counts

        assert ids_and_counts() == (["k3", "k1", "k2", "k4"], {(4, 4)})
        assert ids_and_counts(page_size=2) == (["k3", "k1"], {(4, 4)})
        assert ids_and_counts(page_size=2, page_offset=2) == (["k2", "k4"], {(4, 4)})
        assert ids_and_counts(search=" K2 ") == (["k2"], {(1, 4)})
        assert ids_and_counts(search="p-1", page_size=3, page_offset=3) == (["k4"], {(4, 4)})
        assert ids_and_counts(scope="Birch", page_size=2) == (["k1", "k2"], {(3, 3)})
        assert ids_and_counts(search="nobody") == ([], set())
        # as of the day before, the day lists nothing
        assert recording.day_sessions(con, day, None, dt.date(2026, 3, 4)).empty
