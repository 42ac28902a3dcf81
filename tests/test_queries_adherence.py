"""The Adherence page's queries (queries/adherence_*.sql) on a tiny clinic with decoys.

Every expected value is worked out by hand from the fixture below and DESIGN.md's definitions.

As of 2026-03-20:
a1  p1 t1  courses.csv start 03-01, planned 5 (window 03-01..03-05, 5 days):
    attended 03-01, 03-02, 03-03, and twice on 03-05 (09:00 and 15:00); 03-04 cancelled and no-show.
    4 visit days: adherence 4/5 = 0.8 (adherent, exactly at the threshold: 5 * 4 >= 4 * 5);
    not completed (4 < 5); last visit 03-05, 15 days before 03-20: dropped out after 5 sessions.
    Pain before: 8 first, 2 last (03-05 15:00): sustained (8 - 2) / 8 = 75 %.
a2  p2 t2  courses.csv start 03-01, planned 10: attended 03-01 only, 03-02 cancelled.
    Adherence 1/10 (band 10-20 %); dropped out after 1 session; one scored day: no improvement figure.
a3  p3 t1  no courses.csv row: start 03-15 (first row), planned 10; window cut at 03-20, which has
    no visit yet and so leaves the window: 03-15..03-19 = 5 days; attended 03-15 .. 03-19 (5 days):
    adherence 5/5 (band 90-100 %, adherent); last visit 1 day ago: ongoing. Pain before 6 first, 3 last: (6 - 3) / 6 = 50 %. Decoy: a session on 03-21 (after as-of).
a4  p4     courses.csv only, start 03-02, planned 3, no session: adherence 0, no therapist,
    dropped out after 0 sessions.
a5  p5 t2  courses.csv start 03-06, planned 5: attended 03-06 .. 03-10: completed, adherence 1.
    Pain before 4 first, 5 last: (4 - 5) / 4 = -25 %.
a6  p6 t1  decoy: starts 03-25, after the as-of date: never counted.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from clinic.filters import Filters
from query_support import build_db, run_filtered

AS_OF = "2026-03-20"

SESSIONS = """
session_id,patient_id,course_id,session_date,session_time,therapist,status,pain_before,pain_after
s01,p1,a1,2026-03-01,09:00,t1,attended,8,4
s02,p1,a1,2026-03-02,09:00,t1,attended,6,3
s03,p1,a1,2026-03-03,09:00,t1,attended,5,3
s04,p1,a1,2026-03-04,09:00,t1,cancelled,,
s05,p1,a1,2026-03-04,15:00,t1,no_show,,
s06,p1,a1,2026-03-05,09:00,t1,attended,4,2
s07,p1,a1,2026-03-05,15:00,t1,attended,2,1
s08,p2,a2,2026-03-01,10:00,t2,attended,6,6
s09,p2,a2,2026-03-02,10:00,t2,cancelled,,
s10,p3,a3,2026-03-15,11:00,t1,attended,6,5
s11,p3,a3,2026-03-16,11:00,t1,attended,6,5
s12,p3,a3,2026-03-17,11:00,t1,attended,6,5
s13,p3,a3,2026-03-18,11:00,t1,attended,5,4
s14,p3,a3,2026-03-19,11:00,t1,attended,3,2
s15,p3,a3,2026-03-21,11:00,t1,attended,1,0
s16,p5,a5,2026-03-06,12:00,t2,attended,4,3
s17,p5,a5,2026-03-07,12:00,t2,attended,4,3
s18,p5,a5,2026-03-08,12:00,t2,attended,4,4
s19,p5,a5,2026-03-09,12:00,t2,attended,5,4
s20,p5,a5,2026-03-10,12:00,t2,attended,5,4
s21,p6,a6,2026-03-25,12:00,t1,attended,9,5
"""
COURSES = """
course_id,patient_id,start_date,planned_sessions
a1,p1,2026-03-01,5
a2,p2,2026-03-01,10
a4,p4,2026-03-02,3
a5,p5,2026-03-06,5
"""


@pytest.fixture(scope="module")
def clinic(tmp_path_factory):
    """The fixture's database, built once for this module through the real importer (like db_from)."""
    return build_db(tmp_path_factory.mktemp("adherence"), sessions=SESSIONS, courses=COURSES)




def run(path, name, as_of=AS_OF, therapists=(), scope=None, **extra):
    filters = Filters(as_of=dt.date.fromisoformat(as_of), therapists=tuple(therapists), scope=scope)
    return run_filtered(path, name, filters, **extra)


def calendar(path, split="all", cohort_value=None, status="all", whole_plan_only=False, limit=40, **filters):
    return run(path, "adherence_calendar", split=split, cohort_value=cohort_value, status=status,
               whole_plan_only=whole_plan_only, limit=limit, **filters)


# --- adherence_summary ------------------------------------------------------------------------

def test_the_summary_counts_each_status_once_and_gives_its_share_of_courses(clinic):
    row = run(clinic, "adherence_summary").iloc[0]
    assert row.courses == 5                                            # a6 starts after the as-of date
    assert row.rated_courses == 5                                      # none starts on the as-of day
    assert row.mean_adherence == pytest.approx((0.8 + 0.1 + 5 / 5 + 0 + 1) / 5)
    assert (row.adherent, row.adherent_share) == (3, pytest.approx(3 / 5))          # a1, a3, a5
    assert (row.completed, row.completed_share) == (1, pytest.approx(1 / 5))        # a5
    assert (row.dropped_out, row.dropped_out_share) == (3, pytest.approx(3 / 5))    # a1, a2, a4
    assert (row.ongoing, row.ongoing_share) == (1, pytest.approx(1 / 5))            # a3


def test_the_summary_follows_the_therapist_filter(clinic):
    row = run(clinic, "adherence_summary", therapists=["t2"]).iloc[0]
    assert row.courses == 2                                            # a2, a5
    assert row.mean_adherence == pytest.approx((0.1 + 1) / 2)
    assert (row.adherent, row.completed, row.dropped_out, row.ongoing) == (1, 1, 1, 0)


def test_the_summary_of_no_course_has_zero_counts_and_no_rates(clinic):
    row = run(clinic, "adherence_summary", as_of="2026-02-01").iloc[0]
    assert row.courses == 0 and row.adherent == 0 and row.ongoing == 0
    assert row.isna()[["mean_adherence", "adherent_share", "ongoing_share"]].all()


# --- adherence_distribution -------------------------------------------------------------------

def test_the_distribution_has_ten_bands_and_puts_exactly_80_percent_among_the_adherent(clinic):
    bands = run(clinic, "adherence_distribution")
    assert list(bands.bin_low_pct) == [0, 10, 20, 30, 40, 50, 60, 70, 80, 90]
    assert list(bands.bin_high_pct) == [10, 20, 30, 40, 50, 60, 70, 80, 90, 100]
    # a4 0 -> 0-10; a2 0.1 -> 10-20; a1 0.8 -> 80-90; a3 5/5 and a5 1.0 -> 90-100 (100 % included)
    assert list(bands.courses) == [1, 1, 0, 0, 0, 0, 0, 0, 1, 2]
    assert list(bands.share) == pytest.approx([0.2, 0.2, 0, 0, 0, 0, 0, 0, 0.2, 0.4])
    assert list(bands.adherent) == [False] * 8 + [True] * 2


def test_the_distribution_of_no_course_is_ten_empty_bands(clinic):
    bands = run(clinic, "adherence_distribution", scope="nobody")
    assert len(bands) == 10 and bands.courses.sum() == 0
    assert bands.share.isna().all()


# --- adherence_dropout_after ------------------------------------------------------------------

def test_drop_outs_are_counted_by_attended_sessions_with_the_gaps_filled(clinic):
    steps = run(clinic, "adherence_dropout_after")
    # a4 never came (0), a2 after 1, a1 after 5 sessions (two on 03-05); a3 ongoing, a5 completed
    assert list(steps.sessions_attended) == [0, 1, 2, 3, 4, 5]
    assert list(steps.courses) == [1, 1, 0, 0, 0, 1]
    assert list(steps.share) == pytest.approx([1 / 3, 1 / 3, 0, 0, 0, 1 / 3])


def test_no_drop_out_gives_no_rows(clinic):
    assert run(clinic, "adherence_dropout_after", as_of="2026-03-03").empty   # nobody away 8 days yet


# --- adherence_outcome ------------------------------------------------------------------------

def test_the_outcome_compares_adherent_and_other_courses_on_sustained_improvement(clinic):
    adherent, other = run(clinic, "adherence_outcome").itertuples()
    assert adherent.adherent and not other.adherent
    # adherent: a1 75, a3 50, a5 -25 -> in order -25, 50, 75
    assert (adherent.courses, adherent.assessable) == (3, 3)
    assert adherent.median_pct == pytest.approx(50)
    assert adherent.q1_pct == pytest.approx(-25 + 0.5 * 75)      # position 1.5
    assert adherent.q3_pct == pytest.approx(50 + 0.5 * 25)       # position 2.5
    assert adherent.p05_pct == pytest.approx(-25 + 0.1 * 75)     # position 1.1
    assert adherent.p95_pct == pytest.approx(50 + 0.9 * 25)      # position 2.9
    assert adherent.responders_30 == 2 and adherent.responder_share == pytest.approx(2 / 3)   # a1, a3
    # not adherent: a2 (one scored day) and a4 (no session): nothing assessable
    assert (other.courses, other.assessable, other.responders_30) == (2, 0, 0)
    assert pd.isna(other.median_pct) and pd.isna(other.responder_share)


def test_the_outcome_median_of_two_courses_is_their_mean(clinic):
    adherent, other = run(clinic, "adherence_outcome", therapists=["t1"]).itertuples()
    assert adherent.assessable == 2 and adherent.median_pct == pytest.approx((75 + 50) / 2)   # a1, a3
    assert other.courses == 0 and other.assessable == 0


# --- adherence_calendar -----------------------------------------------------------------------

def statuses(days, course_id):
    return list(days.loc[days.course_id == course_id].sort_values("course_day").day_status)


def test_the_calendar_lists_the_most_recent_courses_first_day_by_day(clinic):
    days = calendar(clinic)
    order = days.drop_duplicates("course_id").sort_values("course_rank")
    assert list(order.course_id) == ["a3", "a5", "a4", "a2", "a1"]      # a2 and a1 both start 03-01: id desc
    assert set(order.cohort_courses) == {5}
    assert statuses(days, "a1") == ["attended", "attended", "attended", "no_show", "attended"]
    assert statuses(days, "a2") == ["attended", "cancelled"] + ["no_visit"] * 8
    assert statuses(days, "a4") == ["no_visit"] * 3
    # a3: 03-20 is the as-of day without a visit (still in progress, not missed); 03-21 .. 03-24 are after
    # the as-of date (03-21's session is not counted)
    assert statuses(days, "a3") == ["attended"] * 5 + ["today"] + ["not_yet"] * 4


def test_two_sessions_on_one_day_are_one_attended_day_with_two_sessions(clinic):
    day5 = calendar(clinic).set_index(["course_id", "course_day"]).loc[("a1", 5)]
    assert day5.day_status == "attended" and day5.attended_sessions == 2
    assert day5.day_date == dt.datetime(2026, 3, 5)


def test_the_limit_keeps_the_most_recent_courses_and_says_how_many_were_in_the_cohort(clinic):
    days = calendar(clinic, limit=2)
    assert sorted(days.course_id.unique()) == ["a3", "a5"]
    assert set(days.cohort_courses) == {5}


def test_a_cohort_value_and_a_status_pick_the_courses(clinic):
    assert sorted(calendar(clinic, split="therapist", cohort_value="t2").course_id.unique()) == ["a2", "a5"]
    assert list(calendar(clinic, split="therapist", cohort_value=None).course_id.unique()) == ["a4"]   # unknown
    assert sorted(calendar(clinic, status="dropped_out").course_id.unique()) == ["a1", "a2", "a4"]
    assert list(calendar(clinic, status="ongoing").course_id.unique()) == ["a3"]
    assert list(calendar(clinic, status="completed").course_id.unique()) == ["a5"]


def test_whole_plan_only_leaves_out_courses_still_inside_their_planned_days(clinic):
    days = calendar(clinic, whole_plan_only=True)
    assert sorted(days.course_id.unique()) == ["a1", "a2", "a4", "a5"]     # a3 runs to 03-24
    assert "not_yet" not in set(days.day_status)


def test_a_course_whose_last_planned_day_is_the_as_of_day_has_passed_it_only_with_a_visit_that_day(clinic):
    # a4 (planned 03-02..03-04, no session): as of 03-04 its last day is still in progress, not
    # passed; a1 (03-01..03-05) was visited on 03-05, so as of 03-05 its plan has passed, a4's too
    assert calendar(clinic, whole_plan_only=True, as_of="2026-03-04").empty
    assert "a4" in set(calendar(clinic, as_of="2026-03-04").course_id)          # without the box: shown
    assert sorted(calendar(clinic, whole_plan_only=True, as_of="2026-03-05").course_id.unique()) == ["a1", "a4"]


def test_the_calendar_follows_the_sidebar_filters_and_the_therapist_scope(clinic):
    assert sorted(calendar(clinic, therapists=["t1"]).course_id.unique()) == ["a1", "a3"]
    assert sorted(calendar(clinic, scope="t2").course_id.unique()) == ["a2", "a5"]
