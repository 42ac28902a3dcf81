"""Every filter of the sidebar, and the therapist scope, narrow the courses every query reads."""
from __future__ import annotations

import datetime as dt

import pytest

from clinic import db, metrics
from clinic.filters import Filters

PATIENTS = """
patient_id,birth_year,sex,diagnosis,site
p1,1970,F,disc_herniation,North
p2,1990,M,other,South
p3,,X,spinal_stenosis,
"""
SESSIONS = """
session_id,patient_id,course_id,session_date,therapist,status,pain_before,pain_after
s1,p1,c1,2026-01-10,Birch,attended,8,4
s2,p2,c2,2026-02-10,Cedar,attended,6,5
s3,p3,c3,2026-03-10,Birch,cancelled,,
s4,p3,c3,2026-03-11,Cedar,attended,5,2
s5,p1,c5,2026-04-10,Birch,attended,7,3
"""
# c3's first row is a cancellation with Birch, but its first attended session is Cedar's: Cedar's course.
# c5 starts after the as-of date 2026-03-31 and never counts.


def course_ids(db_path, **filters) -> list[str]:
    f = Filters(as_of=dt.date(2026, 3, 31), **filters)
    con = db.connect(db_path, read_only=True)
    try:
        return [c["course_id"] for c in metrics.courses(con, f)]
    finally:
        con.close()


@pytest.fixture
def clinic_db(db_from):
    return db_from(sessions=SESSIONS, patients=PATIENTS)


@pytest.mark.parametrize("filters, expected", [
    ({}, ["c1", "c2", "c3"]),
    ({"start_from": dt.date(2026, 2, 1)}, ["c2", "c3"]),
    ({"start_to": dt.date(2026, 2, 10)}, ["c1", "c2"]),
    ({"start_from": dt.date(2026, 2, 11), "start_to": dt.date(2026, 3, 9)}, []),
    ({"therapists": ("Cedar",)}, ["c2", "c3"]),
    ({"sites": ("North",)}, ["c1"]),                       # p3 has no site: never matches a chosen one
    ({"diagnoses": ("other", "spinal_stenosis")}, ["c2", "c3"]),
    ({"age_bands": ("45-59",)}, ["c1"]),                   # 2026 - 1970 = 56
    ({"age_bands": ("30-44",)}, ["c2"]),                   # 2026 - 1990 = 36; p3 has no birth year
    ({"sexes": ("X",)}, ["c3"]),
    ({"therapists": ("Birch",), "sexes": ("M",)}, []),
])
def test_each_filter_keeps_only_the_matching_courses(clinic_db, filters, expected):
    assert course_ids(clinic_db, **filters) == expected


def test_the_therapist_scope_shows_a_therapist_only_their_own_courses(clinic_db):
    assert course_ids(clinic_db, scope="Birch") == ["c1"]
    assert course_ids(clinic_db, scope="Cedar", therapists=("Birch",)) == []   # scope wins over a filter


def test_the_scope_includes_a_course_where_the_therapist_stood_in_for_a_session_but_not_a_cancelled_booking(db_from):
    db_path = db_from(sessions="""
    session_id,patient_id,course_id,session_date,therapist,status,pain_before,pain_after
    a1,p1,k1,2026-03-01,Cedar,attended,8,4
    a2,p1,k1,2026-03-02,Birch,attended,6,4
    b1,p2,k2,2026-03-01,Cedar,attended,7,5
    b2,p2,k2,2026-03-02,Birch,cancelled,,
    b3,p2,k2,2026-03-03,Birch,no_show,,
    d1,p3,k3,2026-03-01,Cedar,attended,6,2
    d2,p3,k3,2026-04-02,Birch,attended,5,2
    """)
    # k1: Cedar's course, Birch gave its second session: Birch treats it too.
    # k2: Birch was only booked (cancelled, no-show): not a session Birch gave. k3: Birch's session
    # is after the as-of date 2026-03-31.
    assert course_ids(db_path, scope="Birch") == ["k1"]
    assert course_ids(db_path, scope="Cedar") == ["k1", "k2", "k3"]


def test_cohort_metrics_respect_the_scope_too(clinic_db):
    con = db.connect(clinic_db, read_only=True)
    try:
        rows = metrics.cohort_rows(con, Filters(as_of=dt.date(2026, 3, 31), scope="Cedar"), "therapist")
    finally:
        con.close()
    assert [(r["key"], r["courses"]) for r in rows] == [("Cedar", 2)]


def test_an_unknown_relief_rule_is_refused():
    with pytest.raises(ValueError, match="relief rule"):
        Filters(relief_rule="pct99")


def test_filters_describe_themselves_in_words():
    f = Filters(as_of=dt.date(2026, 3, 31), therapists=("Cedar", "Birch"), diagnoses=("other",), scope="Birch")
    assert f.describe() == "as of 31 Mar 2026; therapist: Birch, Cedar; diagnosis: Other; only Birch's patients"
    assert f == Filters(as_of=dt.date(2026, 3, 31), therapists=("Birch", "Cedar"), diagnoses=("other",), scope="Birch")
