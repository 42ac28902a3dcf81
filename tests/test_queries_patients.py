"""The Patients page's queries (queries/patients_*.sql) on a tiny clinic with decoys.

Every expected value is worked out by hand from the fixture below and DESIGN.md's definitions.

As of 2026-03-10:
k1  p1 Alder  courses.csv start 03-03, planned 3 (window 03-03..03-05):
    03-02 attended 7->6 (before the start date: counts, but not in the adherence window),
    03-03 attended 7->5 during acute inflammation, 03-04 cancelled, 03-05 attended 6->(none) with
    numbness, 03-07 attended 5->4 (after the planned last day). 4 attended days >= 3: completed.
    Window days 03-03 and 03-05 attended of 3: adherence 2/3. Longest break: 03-05 -> 03-07 = 1 day.
    Sustained: first scored 7 (03-02), last scored 5 (03-07): (7 - 5) / 7.
    Patient p1 is on file: referral 2026-02-20, conclusion true, imaging mri, blood tests false.
k2  p2 Birch  no courses.csv row: start 03-08 (first row), planned 10: 03-08 attended 5->3,
    03-09 no-show. Ongoing (2 days since the last visit). p2 is not in patients.csv.
k9  p9 Cedar  decoy: starts 03-12, after the as-of date.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from clinic import db
from clinic.filters import Filters
from query_support import build_db, run_filtered

AS_OF = "2026-03-10"

PATIENTS = """
patient_id,birth_year,sex,diagnosis,referral_date,doctor_conclusion,imaging,blood_tests,site
p1,1970,F,disc_herniation,2026-02-20,true,mri,false,North
p9,1980,M,other,,,,,South
"""
COURSES = """
course_id,patient_id,start_date,planned_sessions
k1,p1,2026-03-03,3
"""
SESSIONS = """
session_id,patient_id,course_id,session_date,session_time,therapist,status,pain_before,pain_after,numbness,acute_inflammation,notes
s1,p1,k1,2026-03-02,09:00,Alder,attended,7,6,false,false,
s2,p1,k1,2026-03-03,09:00,Alder,attended,7,5,false,true,flare-up
s3,p1,k1,2026-03-04,09:00,Alder,cancelled,,,,,
s4,p1,k1,2026-03-05,09:00,Alder,attended,6,,true,false,<script>alert(1)</script>
s5,p1,k1,2026-03-07,09:00,Alder,attended,5,4,false,false,
s6,p2,k2,2026-03-08,10:00,Birch,attended,5,3,false,false,
s7,p2,k2,2026-03-09,10:00,Birch,no_show,,,,,
s8,p9,k9,2026-03-12,10:00,Cedar,attended,8,4,false,false,after the as-of date
"""


@pytest.fixture(scope="module")
def clinic(tmp_path_factory):
    """The fixture's database, built once for this module through the real importer (like db_from)."""
    return build_db(tmp_path_factory.mktemp("patients"), SESSIONS, COURSES, PATIENTS)


def run(path, name, as_of=AS_OF, therapists=(), scope=None, **extra):
    filters = Filters(as_of=dt.date.fromisoformat(as_of), therapists=tuple(therapists), scope=scope)
    return run_filtered(path, name, filters, **extra)


# --- patients_courses -------------------------------------------------------------------------

def listed(path, search="", sort="recent", page_size=None, page_offset=0, **filters):
    """One page of the course table (every matching course when page_size is None)."""
    return run(path, "patients_courses", search=search, sort=sort, page_size=page_size, page_offset=page_offset,
               **filters)


def test_the_table_lists_each_counted_course_most_recent_first_with_its_status(clinic):
    table = listed(clinic)
    assert list(table.course_id) == ["k2", "k1"]                     # k9 starts after the as-of date
    k2, k1 = table.itertuples()
    assert (k1.patient_id, k1.therapist, k1.diagnosis, k1.site, k1.status) == ("p1", "Alder", "disc_herniation",
                                                                               "North", "completed")
    assert (k1.sessions_attended, k1.attended_days, k1.longest_break_days) == (4, 4, 1)
    assert k1.adherence == pytest.approx(2 / 3)
    assert k1.sustained_improvement_pct == pytest.approx(100 * (7 - 5) / 7)
    assert (k1.first_session_pain_before, k1.first_session_pain_after) == (7, 6)     # 03-02 comes first
    assert k2.status == "ongoing" and pd.isna(k2.diagnosis)          # p2 is not in patients.csv


def test_the_search_matches_patient_course_or_therapist_in_any_case_after_trimming(clinic):
    def found(text):
        return list(listed(clinic, text).course_id)

    assert found("  ALDER ") == ["k1"]           # therapist
    assert found("p2") == ["k2"]                 # patient id
    assert found("K") == ["k2", "k1"]            # both course ids
    assert found("nobody") == []


def test_search_text_is_plain_text_not_a_pattern(clinic):
    assert list(listed(clinic, "%").course_id) == []
    assert list(listed(clinic, "_").course_id) == []


def test_the_table_follows_the_therapist_scope(clinic):
    assert list(listed(clinic, scope="Birch").course_id) == ["k2"]


def test_every_row_carries_the_number_of_matching_courses_and_of_courses_before_the_search(clinic):
    table = listed(clinic, "alder")
    assert list(table.course_id) == ["k1"]
    assert (table.matched_courses.iloc[0], table.filtered_courses.iloc[0]) == (1, 2)     # k9: after the as-of date


@pytest.mark.parametrize("sort, order", [
    ("recent", ["k2", "k1"]),           # 03-08, 03-03
    ("patient", ["k1", "k2"]),          # p1, p2
    ("course", ["k1", "k2"]),
    ("therapist", ["k1", "k2"]),        # Alder, Birch
    ("adherence", ["k2", "k1"]),        # k2: 1 of 2 days (03-10 has no visit yet: out of the window); k1: 2 of 3
    ("improvement", ["k1", "k2"]),      # k1 28.6 %; k2 has one scored day: none, so last
    ("break", ["k1", "k2"]),            # 1 day, 0 days
    ("last_visit", ["k1", "k2"]),       # 03-07, 03-08
    ("made-up", ["k2", "k1"]),          # an unknown order is the most recent first
])
def test_the_whole_list_is_sorted_on_the_server_before_it_is_cut_into_pages(clinic, sort, order):
    assert list(listed(clinic, sort=sort).course_id) == order
    assert list(listed(clinic, sort=sort, page_size=1, page_offset=1).course_id) == order[1:]


def test_a_page_holds_only_its_rows_but_counts_every_match(clinic):
    first, second = listed(clinic, page_size=1), listed(clinic, page_size=1, page_offset=1)
    assert (list(first.course_id), list(second.course_id)) == (["k2"], ["k1"])
    assert set(first.matched_courses) | set(second.matched_courses) == {2}
    assert listed(clinic, page_size=1, page_offset=2).empty            # past the end


# --- patients_course --------------------------------------------------------------------------

def test_one_course_has_its_metrics_paperwork_and_flags(clinic):
    course = run(clinic, "patients_course", course_id="k1").iloc[0]
    assert course.status == "completed"
    assert (course.window_attended_days, course.window_days) == (2, 3)
    assert (course.baseline_pain, course.last_pain) == (7, 5)
    assert course.doctor_conclusion and course.imaging == "mri" and not course.blood_tests
    assert course.referral_date == dt.datetime(2026, 2, 20)
    assert course.sessions_booked == 5
    assert (course.cancelled_sessions, course.no_show_sessions) == (1, 0)
    assert course.numbness_sessions == 1          # 03-05
    assert course.acute_sessions == 1             # 03-03, attended
    assert course.missing_score_sessions == 1     # 03-05 has no pain after


def test_a_patient_not_on_file_has_no_paperwork(clinic):
    course = run(clinic, "patients_course", course_id="k2").iloc[0]
    assert course.isna()[["doctor_conclusion", "imaging", "blood_tests", "referral_date", "diagnosis"]].all()
    assert (course.no_show_sessions, course.missing_score_sessions) == (1, 0)


def test_another_therapists_patient_is_never_returned_in_the_detail_queries(clinic):
    for name in ("patients_course", "patients_sessions", "patients_calendar"):
        assert run(clinic, name, course_id="k1", scope="Birch").empty, name
        assert run(clinic, name, course_id="k1", therapists=["Birch"]).empty, name
        assert run(clinic, name, course_id="k9").empty, name           # starts after the as-of date


# --- patients_sessions ------------------------------------------------------------------------

def test_the_sessions_come_in_course_order_with_notes_as_stored(clinic):
    rows = run(clinic, "patients_sessions", course_id="k1")
    assert list(rows.session_id) == ["s1", "s2", "s3", "s4", "s5"]
    assert list(rows.course_day) == [0, 1, 2, 3, 5]                  # 03-02 is the day before the start
    assert [None if pd.isna(n) else int(n) for n in rows.session_number] == [1, 2, None, 3, 4]   # s3 cancelled
    assert rows.notes.iloc[3] == "<script>alert(1)</script>"
    assert list(rows.pain_change.iloc[[0, 1, 4]]) == [-1, -2, -1]
    assert set(rows.session_time) == {"09:00"}                        # HH:MM, no seconds


def test_session_times_read_hh_mm_and_order_the_day_with_a_missing_time_first(db_from):
    db = db_from("""
    session_id,patient_id,course_id,session_date,session_time,therapist,status,pain_before,pain_after
    t1,p1,k1,2026-03-02,17:45,Alder,attended,6,5
    t2,p1,k1,2026-03-02,7:05,Alder,attended,7,6
    t3,p1,k1,2026-03-02,,Alder,cancelled,,
    t4,p1,k1,2026-03-03,09:30,Alder,attended,5,4
    t5,p2,k2,2026-03-02,08:00,Birch,attended,4,4
    """)                                                             # k2 is another patient's: a decoy
    rows = run(db, "patients_sessions", course_id="k1")
    assert list(rows.session_id) == ["t3", "t2", "t1", "t4"]         # no time first, then 07:05 before 17:45
    assert [None if pd.isna(t) else t for t in rows.session_time] == [None, "07:05", "17:45", "09:30"]


# --- patients_calendar ------------------------------------------------------------------------

def test_the_calendar_runs_from_the_earliest_row_to_the_latest_day_with_each_days_status(clinic):
    days = run(clinic, "patients_calendar", course_id="k1")
    assert [d.day for d in days.day_date] == [2, 3, 4, 5, 6, 7]
    assert list(days.day_status) == ["attended", "attended", "cancelled", "attended", "outside_plan", "attended"]
    assert list(days.course_day) == [0, 1, 2, 3, 4, 5]
    assert list(days.in_plan) == [False, True, True, True, False, False]
    assert list(days.weekday) == [1, 2, 3, 4, 5, 6]                 # 2026-03-02 is a Monday
    assert set(days.week_start) == {dt.datetime(2026, 3, 2)}


def test_days_after_the_as_of_date_are_not_yet_the_as_of_day_is_today_and_missed_days_are_no_visit(clinic):
    days = run(clinic, "patients_calendar", course_id="k2")
    assert len(days) == 10                                         # 03-08 .. 03-17, planned 10
    # 03-10, the as-of day, has no row yet: it is still in progress, not missed
    assert list(days.day_status[:3]) == ["attended", "no_show", "today"]
    assert list(days.day_status[3:]) == ["not_yet"] * 7            # 03-11 .. 03-17
    assert days.in_plan.all()
    a_day_later = run(clinic, "patients_calendar", course_id="k2", as_of="2026-03-11")
    assert list(a_day_later.day_status[:5]) == ["attended", "no_show", "no_visit", "today", "not_yet"]


def test_a_huge_note_stored_before_fields_were_bounded_is_cut_for_the_page(db_from):
    path = db_from("""
    session_id,patient_id,course_id,session_date,therapist,status,pain_before,pain_after,notes
    n1,p1,k1,2026-03-02,Alder,attended,6,5,short
    n2,p1,k1,2026-03-03,Alder,attended,5,4,placeholder
    """)
    con = db.connect(path)
    con.execute("update sessions set notes = repeat('x', 300000) where session_id = 'n2'")
    con.close()
    rows = run(path, "patients_sessions", course_id="k1").set_index("session_id")
    assert rows.loc["n1", "notes"] == "short"
    assert rows.loc["n2", "notes"] == "x" * 5000 + "…"
