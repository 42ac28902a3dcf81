"""The Data quality page's counts and rows (queries/quality_*.sql through clinic.quality), on a tiny
clinic built through the real importer, worked out by hand.

Patients file (site): p1 full paperwork, diagnosis (North) — the decoy; p2 no diagnosis (North);
p3 no doctor's conclusion (Central); p4 imaging none (Central); p5 imaging and blood tests empty
(North, no sessions). p6 appears only in sessions, p7 only in the courses file: no patients-file
row, so both lack a diagnosis and the paperwork.
  patients 7; no diagnosis p2 p6 p7 = 3; no paperwork p3 p4 p5 p6 p7 = 5
  (no conclusion p3 p6 p7 = 3; no imaging p4 p5 p6 p7 = 4; no blood tests p5 p6 p7 = 3)

Courses file: c1 (p1, 8 planned), c7 (p7, no sessions), p4:2026-02-01 (p4's inferred course, 10).

Sessions (therapist, status, pain before/after):
  p1 c1  s01 01-05 Birch attended 6/3 (decoy: both scores) · s02 01-06 Birch cancelled -/- (decoy)
         s03 01-07 Birch attended 5/-  -> missing pain after
  p2 c2  s04 01-10 Cedar attended -/-  -> missing both · s05 02-03 Cedar no_show -/- (decoy)
  p3 --  s06 01-01 Birch 7/5, s07 01-31 Birch 6/4 (30 days: the same course p3:2026-01-01),
         s08 03-03 Birch -/3 -> missing pain before; 31 days after 01-31: new course p3:2026-03-03
  p4 --  s09 02-01 Cedar 4/2, s10 03-03 Cedar 4/4 (30 days: one course, p4:2026-02-01; decoy)
  p6 c6  s11 02-10 Cedar attended 5/5
Attended 9, without both scores 3 (s03, s04, s08).
Courses 7: c1, c7, p4:2026-02-01 have a courses-file row; c2, c6, p3:2026-01-01, p3:2026-03-03 do
not (4). Inferred 3 (p3 twice, p4); after a long gap 1 (p3:2026-03-03, 31 days after p3:2026-01-01).
"""
from __future__ import annotations

import datetime as dt

import pytest

from clinic import db, quality
from clinic.filters import Filters

PATIENTS = """
patient_id,birth_year,sex,diagnosis,referral_date,doctor_conclusion,imaging,blood_tests,site
p1,1970,F,disc_herniation,2025-12-20,true,mri,true,North
p2,1980,M,,2025-12-20,true,ct,true,North
p3,1990,F,other,2025-12-20,false,xray,true,Central
p4,1960,M,spinal_stenosis,2025-12-20,TRUE,none,true,Central
p5,1975,X,other,2025-12-20,true,,,North
"""
COURSES = """
course_id,patient_id,start_date,planned_sessions
c1,p1,2026-01-05,8
c7,p7,2026-02-01,5
p4:2026-02-01,p4,2026-02-01,10
"""
SESSIONS = """
session_id,patient_id,course_id,session_date,therapist,status,pain_before,pain_after
s01,p1,c1,2026-01-05,Birch,attended,6,3
s02,p1,c1,2026-01-06,Birch,cancelled,,
s03,p1,c1,2026-01-07,Birch,attended,5,
s04,p2,c2,2026-01-10,Cedar,attended,,
s05,p2,c2,2026-02-03,Cedar,no_show,,
s06,p3,,2026-01-01,Birch,attended,7,5
s07,p3,,2026-01-31,Birch,attended,6,4
s08,p3,,2026-03-03,Birch,attended,,3
s09,p4,,2026-02-01,Cedar,attended,4,2
s10,p4,,2026-03-03,Cedar,attended,4,4
s11,p6,c6,2026-02-10,Cedar,attended,5,5
"""
EVERYTHING = Filters(as_of=dt.date(2026, 3, 31))
BIRCH = EVERYTHING.with_(therapists=("Birch",))
NORTH = EVERYTHING.with_(sites=("North",))


@pytest.fixture
def clinic(db_from):
    path = db_from(SESSIONS, PATIENTS, COURSES)
    with db.owned(db.connect(path, read_only=True)) as con:
        yield quality.reader(con)


def counts(read, filters=EVERYTHING) -> dict[str, tuple[int, int]]:
    return {key: (c.count, c.of) for key, c in quality.checks(read, filters).items()}


# ---------------------------------------------------------------- the counts

def test_each_count_is_the_hand_count_among_its_own_kind_of_record(clinic):
    assert counts(clinic) == {
        "pain": (3, 9),             # s03 s04 s08 of 9 attended
        "unplanned": (4, 7),        # c2 c6 p3:2026-01-01 p3:2026-03-03 of 7 courses
        "diagnosis": (3, 7),        # p2 p6 p7 of 7 patients
        "paperwork": (5, 7),        # p3 p4 p5 p6 p7
        "gaps": (1, 3),             # p3:2026-03-03 of 3 inferred courses
        "early": (0, 7),            # c1 and p4:2026-02-01 first seen on their listed start; c7 never
    }


def test_the_share_of_attended_sessions_without_pain_scores_is_three_ninths(clinic):
    assert quality.checks(clinic, EVERYTHING)["pain"].share == pytest.approx(3 / 9)


def test_the_paperwork_help_counts_each_missing_piece_separately(clinic):
    text = quality.checks(clinic, EVERYTHING)["paperwork"].help
    assert "conclusion (3 lack it)" in text and "not recorded: 4" in text and "not recorded: 3" in text


def test_missing_pain_is_counted_per_therapist_of_the_session_and_month_cancelled_and_no_shows_left_out(clinic):
    grid = quality.pain_grid(clinic, EVERYTHING)
    cells = {(r.therapist, f"{r.month:%Y-%m}"): (r.attended_sessions, r.missing_pain_sessions, r.missing_before,
                                                  r.missing_after) for r in grid.itertuples()}
    assert cells == {
        ("Birch", "2026-01"): (4, 1, 0, 1),     # s01 s03 s06 s07; s03 lacks pain after (s02 cancelled: not counted)
        ("Birch", "2026-03"): (1, 1, 1, 0),     # s08 lacks pain before
        ("Cedar", "2026-01"): (1, 1, 1, 1),     # s04 lacks both
        ("Cedar", "2026-02"): (2, 0, 0, 0),     # s09 s11 (s05 no-show: not counted)
        ("Cedar", "2026-03"): (1, 0, 0, 0),     # s10
    }
    assert list(grid.missing_share) == pytest.approx([1 / 4, 1, 1, 0, 0])


def test_the_therapist_filter_counts_their_sessions_their_courses_and_the_patients_they_saw(clinic):
    assert counts(clinic, BIRCH) == {
        "pain": (2, 5),             # s03 s08 of s01 s03 s06 s07 s08
        "unplanned": (2, 3),        # p3's two inferred courses; c1 has a row
        "diagnosis": (0, 2),        # p1 p3
        "paperwork": (1, 2),        # p3
        "gaps": (1, 2),
        "early": (0, 3),
    }


def test_the_site_filter_counts_the_records_of_that_sites_patients_only(clinic):
    assert counts(clinic, NORTH) == {
        "pain": (2, 3),             # p1's s01 s03 and p2's s04; s03 s04 lack scores
        "unplanned": (1, 2),        # c2 (c1 has a row)
        "diagnosis": (1, 3),        # p2 of p1 p2 p5 (p6 and p7 have no site)
        "paperwork": (1, 3),        # p5
        "gaps": (0, 0),
        "early": (0, 2),
    }


# ---------------------------------------------------------------- the rows behind them

def test_the_sessions_without_pain_scores_are_listed_newest_first_with_what_is_missing(clinic):
    rows = quality.rows(clinic, "pain", EVERYTHING)
    assert list(rows.session_id) == ["s08", "s04", "s03"]
    assert list(rows.missing) == ["pain before", "both", "pain after"]
    assert list(rows.course_id) == ["p3:2026-03-03", "c2", "c1"]
    assert list(rows.therapist) == ["Birch", "Cedar", "Birch"]
    assert [f"{d:%Y-%m-%d}" for d in rows.session_date] == ["2026-03-03", "2026-01-10", "2026-01-07"]


def test_the_pain_rows_narrow_to_one_therapist_or_one_month_and_stop_at_the_limit(clinic):
    assert list(quality.rows(clinic, "pain", EVERYTHING, therapist="Cedar").session_id) == ["s04"]
    assert list(quality.rows(clinic, "pain", EVERYTHING, month=dt.date(2026, 1, 1)).session_id) == ["s04", "s03"]
    assert list(quality.rows(clinic, "pain", EVERYTHING, limit=2).session_id) == ["s08", "s04"]
    grid = quality.pain_grid(clinic, EVERYTHING)
    assert quality.cell_count(grid, "Birch", dt.date(2026, 1, 1)) == 1
    assert quality.cell_count(grid, None, dt.date(2026, 1, 1)) == 2


def test_the_courses_without_a_planned_length_are_those_without_a_courses_file_row(clinic):
    rows = quality.rows(clinic, "unplanned", EVERYTHING)
    assert list(rows.course_id) == ["p3:2026-03-03", "c6", "c2", "p3:2026-01-01"]
    assert list(rows.therapist) == ["Birch", "Cedar", "Cedar", "Birch"]
    assert list(rows.inferred) == [True, False, False, True]
    assert "p4:2026-02-01" not in set(rows.course_id)     # an inferred course the courses file describes


def test_the_listed_courses_carry_their_patients_site_and_the_site_filter_keeps_that_sites_alone(clinic):
    rows = quality.rows(clinic, "unplanned", EVERYTHING)
    # p3 Central (twice); p6 has no patients-file row, so no site; p2 North
    assert dict(zip(rows.course_id, rows.site.astype(object).where(rows.site.notna(), None))) == {
        "p3:2026-03-03": "Central", "c6": None, "c2": "North", "p3:2026-01-01": "Central"}
    assert list(quality.rows(clinic, "unplanned", NORTH).course_id) == ["c2"]
    assert list(quality.rows(clinic, "gaps", EVERYTHING).site) == ["Central"]
    assert quality.rows(clinic, "gaps", NORTH).empty                    # p3 is Central's


def test_a_course_listed_with_an_empty_planned_length_still_has_none(db_from):
    # c6 gets a courses-file row with planned_sessions empty: still without a planned length (the
    # setting is assumed), now marked as listed; c1's written 8 keeps it off the list
    path = db_from(SESSIONS, PATIENTS, COURSES.rstrip() + "\nc6,p6,2026-02-10,\n")
    with db.owned(db.connect(path, read_only=True)) as con:
        read = quality.reader(con)
        assert counts(read)["unplanned"] == (4, 7)
        rows = quality.rows(read, "unplanned", EVERYTHING)
    assert dict(zip(rows.course_id, rows.in_courses_file)) == {
        "p3:2026-03-03": False, "c6": True, "c2": False, "p3:2026-01-01": False}


def test_a_gap_of_31_days_starts_a_new_inferred_course_and_30_days_does_not(clinic):
    rows = quality.rows(clinic, "gaps", EVERYTHING)
    assert rows[["patient_id", "gap_days", "previous_course_id", "course_id", "therapist"]].to_dict("records") == [
        {"patient_id": "p3", "gap_days": 31, "previous_course_id": "p3:2026-01-01", "course_id": "p3:2026-03-03",
         "therapist": "Birch"}]
    assert f"{rows.previous_last_date.iloc[0]:%Y-%m-%d}" == "2026-01-31"
    assert f"{rows.first_row_date.iloc[0]:%Y-%m-%d}" == "2026-03-03"


def test_patients_without_a_diagnosis_include_those_without_a_patients_file_row(clinic):
    rows = quality.rows(clinic, "diagnosis", EVERYTHING)
    assert list(rows.patient_id) == ["p6", "p2", "p7"]          # last seen 02-10, 02-03, never
    assert list(rows.lacking) == ["no patients-file row", "diagnosis", "no patients-file row"]
    assert list(rows.seen_by.fillna("")) == ["Cedar", "Cedar", ""]
    assert list(rows.session_rows) == [1, 2, 0]                 # p2's no-show counts as a row
    assert [str(d)[:10] for d in rows.first_session_date] == ["2026-02-10", "2026-01-10", "NaT"]


def test_patients_without_paperwork_say_which_piece_is_missing_and_the_full_file_is_not_listed(clinic):
    rows = quality.rows(clinic, "paperwork", EVERYTHING)
    assert list(rows.patient_id) == ["p3", "p4", "p6", "p5", "p7"]
    assert dict(zip(rows.patient_id, rows.lacking)) == {
        "p3": "doctor's conclusion", "p4": "imaging", "p6": "no patients-file row",
        "p5": "imaging, blood tests", "p7": "no patients-file row"}
    assert "p1" not in set(rows.patient_id) and "p2" not in set(rows.patient_id)


def test_the_courses_and_patients_read_the_same_from_the_sessions_when_the_stored_facts_are_out_of_date(db_from):
    path = db_from(SESSIONS, PATIENTS, COURSES)
    con = db.connect(path, read_only=True)
    kinds = ("unplanned", "gaps", "diagnosis", "paperwork")
    fresh = {(k, f): quality.rows(quality.reader(con), k, f) for k in kinds for f in (EVERYTHING, BIRCH, NORTH)}
    fresh_counts = {f: counts(quality.reader(con), f) for f in (EVERYTHING, BIRCH, NORTH)}
    con.close()
    con = db.connect(path)
    con.execute("delete from course_facts_state")          # as a write around the importer leaves them
    con.close()
    con = db.connect(path, read_only=True)
    read = quality.reader(con)
    assert not db.run(con, "course_facts_fresh").fresh.iloc[0]
    assert counts(read)["unplanned"] == (4, 7) and counts(read)["gaps"] == (1, 3)
    assert counts(read)["diagnosis"] == (3, 7)
    for (key, filters), rows in fresh.items():
        stale = quality.rows(read, key, filters)
        assert stale.astype(str).to_dict("records") == rows.astype(str).to_dict("records"), (key, filters)
    assert {f: counts(read, f) for f in fresh_counts} == fresh_counts
    con.close()


def test_the_csv_file_name_carries_the_day_and_the_filters_that_apply_here(clinic):
    name = quality.file_name("pain", BIRCH.with_(diagnoses=("other",)), dt.date(2026, 4, 1))
    assert name == "data-quality-sessions-without-pain-scores-2026-04-01-therapist-birch.csv"


# ---------------------------------------------------------------- visits before the listed start

# e1 starts 03-10 in the courses file, first visit 03-08 (two days before), then 03-10 and 03-11;
# e2 starts 03-20, its two visits 03-01 and 03-02 (19 days before; every visit before the start);
# decoys: e3 first visited on its start (03-05); e4's cancelled row on 03-04 is no visit, its first
# visit is on its start 03-05; e5 has no courses-file row (its start is its first row); e6 is listed
# with no session.
EARLY_COURSES = """
course_id,patient_id,start_date,planned_sessions
e1,q1,2026-03-10,5
e2,q2,2026-03-20,5
e3,q3,2026-03-05,5
e4,q4,2026-03-05,5
e6,q6,2026-03-01,5
"""
EARLY_SESSIONS = """
session_id,patient_id,course_id,session_date,therapist,status,pain_before,pain_after
a1,q1,e1,2026-03-08,Birch,attended,6,4
a2,q1,e1,2026-03-10,Birch,attended,5,3
a3,q1,e1,2026-03-11,Birch,attended,4,3
b1,q2,e2,2026-03-01,Cedar,attended,7,5
b2,q2,e2,2026-03-02,Cedar,attended,6,5
c1,q3,e3,2026-03-05,Birch,attended,5,4
d1,q4,e4,2026-03-04,Birch,cancelled,,
d2,q4,e4,2026-03-05,Birch,attended,5,4
f1,q5,e5,2026-03-03,Cedar,attended,5,4
"""
EARLY_PATIENTS = """
patient_id,birth_year,sex,diagnosis,referral_date,doctor_conclusion,imaging,blood_tests,site
q1,1970,F,other,2026-02-20,true,mri,true,North
q2,1980,M,other,2026-02-20,true,mri,true,Central
"""


def test_courses_with_a_visit_before_their_listed_start_are_counted_and_listed_latest_start_first(db_from):
    path = db_from(EARLY_SESSIONS, EARLY_PATIENTS, EARLY_COURSES)
    with db.owned(db.connect(path, read_only=True)) as con:
        read = quality.reader(con)
        assert counts(read)["early"] == (2, 6)                                  # e1 e2 of e1-e6
        assert counts(read, BIRCH)["early"] == (1, 3)                           # e1 of e1 e3 e4
        rows = quality.rows(read, "early", EVERYTHING)
        assert list(quality.rows(read, "early", NORTH).course_id) == ["e1"]
    assert rows[["course_id", "patient_id", "therapist", "site", "days_before_start", "all_before_start",
                 "sessions_attended"]].to_dict("records") == [
        {"course_id": "e2", "patient_id": "q2", "therapist": "Cedar", "site": "Central", "days_before_start": 19,
         "all_before_start": True, "sessions_attended": 2},
        {"course_id": "e1", "patient_id": "q1", "therapist": "Birch", "site": "North", "days_before_start": 2,
         "all_before_start": False, "sessions_attended": 3}]
    assert [f"{d:%m-%d}" for d in rows.listed_start] == ["03-20", "03-10"]
    assert [f"{d:%m-%d}" for d in rows.first_attended_date] == ["03-01", "03-08"]
    assert [f"{d:%m-%d}" for d in rows.last_attended_date] == ["03-02", "03-11"]


def test_the_visits_before_the_start_read_the_same_from_the_sessions_when_the_facts_are_out_of_date(db_from):
    path = db_from(EARLY_SESSIONS, EARLY_PATIENTS, EARLY_COURSES)
    with db.owned(db.connect(path, read_only=True)) as con:
        fresh = quality.rows(quality.reader(con), "early", EVERYTHING)
    with db.owned(db.connect(path)) as con:
        con.execute("delete from course_facts_state")          # as a write around the importer leaves them
    with db.owned(db.connect(path, read_only=True)) as con:
        assert not db.run(con, "course_facts_fresh").fresh.iloc[0]
        read = quality.reader(con)
        assert counts(read)["early"] == (2, 6)
        stale = quality.rows(read, "early", EVERYTHING)
    assert list(stale.course_id) == ["e2", "e1"]
    assert stale.astype(str).to_dict("records") == fresh.astype(str).to_dict("records")
