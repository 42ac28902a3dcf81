"""The Overview's queries (queries/overview_*.sql) on tiny hand-made clinics with decoys.

The call list, as of Friday 2026-03-20 (days since the last visit = 03-20 minus the last attended
date, or minus the start date when the course has no attended visit). Every course is planned for
10 days unless said otherwise; "left" = planned - days with a visit.

  course   patient therapist last visit      days  expected
  d1       p1      Birch     03-19           1     not listed: seen yesterday, today's visit may come
  d2       p2      Birch     03-18 (twice)   2     listed: 4 sessions on 3 days (03-15, 03-16, 03-18), 7 left
  d7       p3      Birch     03-13           7     listed: 2 days (03-12, 03-13), 8 left
  d8       p4      Birch     03-12           8     dropped out: not listed, in the attention list instead
  done     p5      Birch     03-16           4     completed (3 of 3 planned): never listed
  novisit  p6      (none)    -, start 03-17  3     listed: courses.csv only, no therapist, last visit empty
  noshow   p7      Birch     -, start 03-17  3     listed: a no-show on 03-17 (its therapist is Birch)
  future   p8      Birch     starts 03-25    -     never: starts after the as-of date
  decoy    p9      Cedar     03-16           4     listed for the director, never under Birch's scope

Director's order (most days first, then patient id): d7 (7), decoy (4), novisit (3, p6), noshow (3,
p7), d2 (2). Birch's account: d7, noshow, d2 (novisit has no therapist, decoy is Cedar's).
"""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from clinic.filters import Filters
from query_support import run_filtered

AS_OF = "2026-03-20"

COURSES = """
course_id,patient_id,start_date,planned_sessions
d1,p1,2026-03-17,10
d2,p2,2026-03-15,10
d7,p3,2026-03-12,10
d8,p4,2026-03-12,10
done,p5,2026-03-14,3
novisit,p6,2026-03-17,10
noshow,p7,2026-03-17,10
future,p8,2026-03-25,10
decoy,p9,2026-03-15,10
"""
SESSIONS = """
session_id,patient_id,course_id,session_date,session_time,therapist,status,pain_before,pain_after
s01,p1,d1,2026-03-17,09:00,Birch,attended,6,4
s02,p1,d1,2026-03-18,09:00,Birch,attended,5,4
s03,p1,d1,2026-03-19,09:00,Birch,attended,5,3
s04,p2,d2,2026-03-15,09:00,Birch,attended,7,5
s05,p2,d2,2026-03-16,09:00,Birch,attended,6,5
s06,p2,d2,2026-03-18,09:00,Birch,attended,6,4
s07,p2,d2,2026-03-18,15:00,Birch,attended,5,4
s08,p3,d7,2026-03-12,10:00,Birch,attended,8,6
s09,p3,d7,2026-03-13,10:00,Birch,attended,7,6
s10,p4,d8,2026-03-12,11:00,Birch,attended,6,6
s11,p5,done,2026-03-14,12:00,Birch,attended,5,3
s12,p5,done,2026-03-15,12:00,Birch,attended,4,3
s13,p5,done,2026-03-16,12:00,Birch,attended,3,2
s14,p7,noshow,2026-03-17,13:00,Birch,no_show,,
s15,p8,future,2026-03-25,14:00,Birch,attended,7,5
s16,p9,decoy,2026-03-15,15:00,Cedar,attended,6,4
s17,p9,decoy,2026-03-16,15:00,Cedar,attended,5,4
"""


@pytest.fixture
def clinic(db_from):
    return db_from(sessions=SESSIONS, courses=COURSES)


def run(path, name, as_of=AS_OF, therapists=(), scope=None, **extra):
    filters = Filters(as_of=dt.date.fromisoformat(as_of), therapists=tuple(therapists), scope=scope)
    return run_filtered(path, name, filters, **extra)


def call_list(path, **filters):
    return run(path, "overview_call_list", min_days=2, **filters)


# --- overview_call_list -----------------------------------------------------------------------

def test_the_call_list_holds_the_courses_last_seen_2_to_7_days_ago_most_days_first(clinic):
    calls = call_list(clinic)
    assert list(calls.course_id) == ["d7", "decoy", "novisit", "noshow", "d2"]
    assert list(calls.days_since_last_visit) == [7, 4, 3, 3, 2]


def test_seen_yesterday_completed_dropped_out_and_not_yet_started_courses_are_never_called(clinic):
    listed = set(call_list(clinic).course_id)
    assert "d1" not in listed          # 1 day: seen yesterday
    assert "d8" not in listed          # 8 days: dropped out
    assert "done" not in listed        # completed (3 of 3 days), last seen 4 days ago
    assert "future" not in listed      # starts 03-25, after the as-of date


def test_a_course_dropped_out_at_8_days_is_in_the_recently_dropped_list_instead(clinic):
    attention = run(clinic, "overview_attention", recent_days=30, list_rows=None)
    not_seen = attention.loc[attention.reason == "not_seen"]
    assert list(not_seen.course_id) == ["d8"]                # 03-20 - 03-12 = 8 days
    assert list(not_seen.days_since_last_visit) == [8]


def test_each_reason_says_how_many_filtered_courses_have_it_current_or_not(clinic):
    # No patients file: no course has a doctor's conclusion. As of 03-20 eight courses count (not
    # "future"); within 3 days only d1 (1), d2 (2), novisit and noshow (3 since their start) are current.
    attention = run(clinic, "overview_attention", recent_days=3, list_rows=None)
    no_conclusion = attention.loc[attention.reason == "no_conclusion"]
    assert sorted(no_conclusion.course_id) == ["d1", "d2", "noshow", "novisit"]
    assert set(no_conclusion.all_time) == {8}
    # Birch's courses: d1, d2, d7, d8, done, noshow (novisit has no therapist, decoy is Cedar's)
    birch = run(clinic, "overview_attention", therapists=("Birch",), recent_days=3, list_rows=None)
    assert sorted(birch.loc[birch.reason == "no_conclusion"].course_id) == ["d1", "d2", "noshow"]
    assert set(birch.all_time) == {6}


def test_each_reasons_list_is_cut_to_its_first_rows_and_says_how_long_it_is(clinic):
    # Within 3 days, no conclusion: d1 (start 03-17), d2 (03-15), noshow and novisit (03-17), the latest
    # start first, then by course id: d1, noshow, novisit, d2. Cut to two rows: d1 and noshow, of 4.
    whole = run(clinic, "overview_attention", recent_days=3, list_rows=None)
    cut = run(clinic, "overview_attention", recent_days=3, list_rows=2)
    listed = whole.loc[whole.reason == "no_conclusion"]
    assert list(listed.course_id) == ["d1", "noshow", "novisit", "d2"]
    assert list(cut.loc[cut.reason == "no_conclusion"].course_id) == ["d1", "noshow"]
    assert set(cut.current_courses.loc[cut.reason == "no_conclusion"]) == {4}
    assert set(listed.current_courses) == {4}
    # every reason keeps its own first rows: a cut to two rows never holds more than two of any reason
    assert cut.groupby("reason").size().max() <= 2 and set(cut.reason) == set(whole.reason)


def test_the_call_list_gives_the_caller_the_last_visit_and_the_sessions_left(clinic):
    calls = call_list(clinic).set_index("course_id")
    d2 = calls.loc["d2"]
    assert (d2.patient_id, d2.therapist, str(d2.last_attended_date.date())) == ("p2", "Birch", "2026-03-18")
    # 4 sessions on 3 days (two on 03-18); the course is daily: 10 - 3 days = 7 left
    assert (d2.sessions_attended, d2.attended_days, d2.planned_sessions, d2.sessions_left) == (4, 3, 10, 7)
    d7 = calls.loc["d7"]
    assert (d7.sessions_attended, d7.sessions_left) == (2, 8)       # 03-12, 03-13 of 10


def test_a_course_with_no_visit_is_called_from_its_start_date_with_the_last_visit_empty(clinic):
    calls = call_list(clinic).set_index("course_id")
    for course in ("novisit", "noshow"):
        row = calls.loc[course]
        assert row.days_since_last_visit == 3                       # started 03-17
        assert pd.isna(row.last_attended_date)
        assert (row.sessions_attended, row.sessions_left) == (0, 10)
    assert calls.loc["noshow", "therapist"] == "Birch"             # of the first session row (a no-show)
    assert pd.isna(calls.loc["novisit", "therapist"])              # courses.csv only: no session, no therapist


def test_a_therapists_scope_keeps_another_therapists_patients_off_the_call_list(clinic):
    assert list(call_list(clinic, scope="Birch").course_id) == ["d7", "noshow", "d2"]
    assert list(call_list(clinic, scope="Cedar").course_id) == ["decoy"]


def test_the_call_list_follows_the_therapist_filter(clinic):
    assert list(call_list(clinic, therapists=["Cedar"]).course_id) == ["decoy"]


def test_at_2_days_a_course_enters_the_call_list_and_at_8_it_leaves_it(clinic):
    # d1 last seen 03-19: 03-20 is day 1 (not listed), 03-21 day 2 (listed), 03-26 day 7 (listed),
    # 03-27 day 8 (dropped out, off the list)
    listed = {as_of: "d1" in set(call_list(clinic, as_of=as_of).course_id)
              for as_of in ("2026-03-20", "2026-03-21", "2026-03-26", "2026-03-27")}
    assert listed == {"2026-03-20": False, "2026-03-21": True, "2026-03-26": True, "2026-03-27": False}


# --- overview_weekly_pain ---------------------------------------------------------------------

def weekly(page_db, as_of):
    return run(page_db, "overview_weekly_pain", as_of=as_of)


def test_the_weekly_pain_counts_each_course_once_a_week(page_db):
    weeks = weekly(page_db, "2026-03-20")
    # Week of Mon 02-23: c1 03-01 (8) and c2 03-01 (6) -> courses 2, mean (8 + 6) / 2 = 7
    # Week of Mon 03-02: c1 6, 5, 4, 3 (mean 4.5) and c2 6 (the no-show has no score) -> (4.5 + 6) / 2
    # Week of Mon 03-09: p3 03-15 (7; a Sunday); Week of Mon 03-16: p3 7, 6 (03-16, 03-18) -> 6.5;
    # the 03-21 session is after the as-of date
    assert [str(w.date()) for w in weeks.week_start] == ["2026-02-23", "2026-03-02", "2026-03-09", "2026-03-16"]
    assert list(weeks.courses) == [2, 2, 1, 1]
    assert list(weeks.sessions) == [2, 5, 1, 2]
    assert list(weeks.mean_pain) == [7.0, (4.5 + 6) / 2, 7.0, 6.5]
    assert set(weeks.scored_courses) == {3}          # c1, c2, p3 (c4 starts after the as-of date)


def test_the_weekly_pain_counts_the_courses_with_a_scored_session_once_whatever_their_weeks(tmp_path):
    # As of 03-20: c1 scored in the weeks of 03-02 and 03-09 (one course, two weeks: the weeks'
    # courses add up to 2). Decoys that are courses but have no scored session: c2 (attended, no
    # score), c3 (a no-show); c4 is scored but starts after the as-of date.
    from query_support import build_db

    path = build_db(tmp_path, """
        session_id,patient_id,course_id,session_date,therapist,status,pain_before,pain_after
        a1,p1,c1,2026-03-02,Birch,attended,6,4
        a2,p1,c1,2026-03-10,Birch,attended,5,3
        b1,p2,c2,2026-03-03,Birch,attended,,
        b2,p3,c3,2026-03-04,Birch,no_show,,
        d1,p4,c4,2026-03-25,Birch,attended,7,5
    """)
    weeks = weekly(path, "2026-03-20")
    assert list(weeks.courses) == [1, 1] and list(weeks.sessions) == [1, 1]
    assert list(weeks.scored_courses) == [1, 1]


def test_the_week_of_the_as_of_date_says_how_many_of_its_days_are_counted(page_db):
    # As of Friday 03-20 the week of Monday 03-16 has 5 days so far (Mon-Fri); earlier weeks all 7
    assert list(weekly(page_db, "2026-03-20").days_counted) == [7, 7, 7, 5]
    # As of Sunday 03-22 that week is complete
    assert list(weekly(page_db, "2026-03-22").days_counted)[-1] == 7
    # As of Monday 03-16: only its first day counts (p3's 03-16 session)
    assert list(weekly(page_db, "2026-03-16").days_counted)[-1] == 1
