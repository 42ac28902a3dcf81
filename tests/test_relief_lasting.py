"""Does the relief last? (clinic/relief_lasting.py) on a tiny clinic worked out by hand.

As of 2026-04-10, rule pct30. First two attended sessions (b1->a1, then b2 before the second):

  course planned  sessions                                   relief at 1?        b2  next visit
  L1     2        04-01 8->4, 04-02 4->3                       40 >= 24 yes        4   whole (b2 <= a1), share 4/4 = 1
  L2     10       04-01 10->5, (04-02 no-show), 04-03 7->5     50 >= 30 yes        7   part, share 3/5 = 0.6
  L3     2        04-01 6->3, 04-02 6->4                       30 >= 18 yes        6   returned (b2 >= b1), share 0
  L4     10       04-01 5->3, 04-02 6->5                       20 >= 15 yes        6   returned, share -1/2
  L5     2        04-01 9->6, 04-02 2->1                       30 >= 27 yes        2   whole, share 7/3
  L6     10       04-01 7->3                                   yes                 -   no second session
  L7     10       04-01 8->4, 04-02 (none)->3                  yes                 -   second score missing
  L8     3        04-01 8->7, 04-02 2->1                       10 < 24 no          (not counted here)
  L9     10       04-01 8->4 (04-12 5->4 after the as-of date) yes                 -   no second session (as of 04-10)
  L11    10       starts 04-10, no session: an empty adherence window (in neither adherence group)

Next visit over L1..L5: b1 = 8, 10, 6, 5, 9 (mean 38/5 = 7.6); a1 = 4, 5, 3, 3, 6 (21/5 = 4.2);
b2 = 4, 7, 6, 6, 2 (25/5 = 5.0). Shares sorted: -0.5, 0, 0.6, 1, 7/3: median 0.6, quartiles 0 and 1
(positions 1 and 3 of 0..4). Whole 2 (L1, L5), part 1 (L2), returned 2 (L3, L4).
b1's interval: sd² = (0.16 + 5.76 + 2.56 + 6.76 + 1.96) / 4 = 4.3; half-width t(0.975, 4) × sqrt(4.3 / 5).

Adherence (threshold 80 %): planned 2 with visits 04-01 and 04-02 -> 2 of 2 days: L1, L3, L5 adherent.
Planned 10 from 04-01: window 04-01..04-09 (04-10 has no visit yet), at most 2 of 9 days: L2, L4, L6,
L7, L9 not adherent; L8 (planned 3): 2 of 3 days, 100 × 2 < 80 × 3, not adherent (but adherent at 50 %:
200 >= 150). Sustained improvement = (first − last pain before) / first:
  adherent: L1 (8-4)/8 = 50 %, L3 0 %, L5 (9-2)/9 = 77.8 %: responders (>= 30 %) 2 of 3;
    median 50, quartiles 25 (0..50) and 63.9 (50..77.8, halfway)
  not adherent: L2 (10-7)/10 = 30 % (a responder: exactly 30 %), L4 (5-6)/5 = -20 %, L8 (8-2)/8 = 75 %;
    L6, L9 have one pain score, L7 one dated score: not assessable. Responders 2 of 3; median 30,
    quartiles 5 (-20..30) and 52.5 (30..75).
Wilson 95 % for 2 of 3: centre (2/3 + z²/6) / (1 + z²/3), half-width z sqrt((2/3)(1/3)/3 + z²/36) / (1 + z²/3).
"""
from __future__ import annotations

import datetime as dt
import math

import pytest

from clinic import db, relief_lasting
from clinic.filters import Filters
from clinic.settings import Settings

AS_OF = dt.date(2026, 4, 10)
Z = 1.959963984540054
T_975_4 = 2.7764451051977987      # Student's t, 97.5 % point, 4 degrees of freedom (tables: 2.776)

SESSIONS = """
session_id,patient_id,course_id,session_date,therapist,status,pain_before,pain_after
l1a,p1,L1,2026-04-01,Birch,attended,8,4
l1b,p1,L1,2026-04-02,Birch,attended,4,3
l2a,p2,L2,2026-04-01,Birch,attended,10,5
l2x,p2,L2,2026-04-02,Birch,no_show,,
l2b,p2,L2,2026-04-03,Birch,attended,7,5
l3a,p3,L3,2026-04-01,Birch,attended,6,3
l3b,p3,L3,2026-04-02,Birch,attended,6,4
l4a,p4,L4,2026-04-01,Birch,attended,5,3
l4b,p4,L4,2026-04-02,Birch,attended,6,5
l5a,p5,L5,2026-04-01,Birch,attended,9,6
l5b,p5,L5,2026-04-02,Birch,attended,2,1
l6a,p6,L6,2026-04-01,Birch,attended,7,3
l7a,p7,L7,2026-04-01,Birch,attended,8,4
l7b,p7,L7,2026-04-02,Birch,attended,,3
l8a,p8,L8,2026-04-01,Birch,attended,8,7
l8b,p8,L8,2026-04-02,Birch,attended,2,1
l9a,p9,L9,2026-04-01,Birch,attended,8,4
l9b,p9,L9,2026-04-12,Birch,attended,5,4
"""
COURSES = """
course_id,patient_id,start_date,planned_sessions
L1,p1,2026-04-01,2
L3,p3,2026-04-01,2
L5,p5,2026-04-01,2
L8,p8,2026-04-01,3
L11,p11,2026-04-10,10
"""


@pytest.fixture
def clinic(db_from):
    path = db_from(SESSIONS, courses=COURSES)
    with db.owned(db.connect(path, read_only=True)) as con:
        yield con


def test_the_share_of_the_first_session_drop_kept_at_the_next_visit_follows_the_hand_calculation(clinic):
    drop = relief_lasting.report(clinic, Filters(as_of=AS_OF))["drop_kept"]
    assert drop["relieved_courses"] == 8            # L1..L7 and L9 (L8 fell too little)
    assert (drop["courses"], drop["no_second_session"], drop["second_score_missing"]) == (5, 2, 1)
    assert drop["share_kept"] == pytest.approx({"median": 0.6, "q1": 0.0, "q3": 1.0})
    assert drop["outcomes"] == {"whole": 2, "part": 1, "returned": 2}
    assert (drop["pain_before_1"]["n"], drop["pain_after_1"]["n"], drop["pain_before_2"]["n"]) == (5, 5, 5)
    assert drop["pain_before_1"]["mean"] == pytest.approx(7.6)
    assert drop["pain_after_1"]["mean"] == pytest.approx(4.2)
    assert drop["pain_before_2"]["mean"] == pytest.approx(5.0)
    half = T_975_4 * math.sqrt(4.3 / 5)
    assert drop["pain_before_1"]["ci_low"] == pytest.approx(7.6 - half, rel=1e-9)
    assert drop["pain_before_1"]["ci_high"] == pytest.approx(7.6 + half, rel=1e-9)
    assert drop["too_few"] is False                 # 5 courses, the fewest to judge is 5


def _wilson_2_of_3():
    centre = (2 / 3 + Z * Z / 6) / (1 + Z * Z / 3)
    half = Z * math.sqrt((2 / 3) * (1 / 3) / 3 + Z * Z / 36) / (1 + Z * Z / 3)
    return centre - half, centre + half


def test_sustained_improvement_of_adherent_against_not_adherent_courses_has_n_rate_interval_and_quartiles(clinic):
    adherent, other = relief_lasting.report(clinic, Filters(as_of=AS_OF))["sustained_by_adherence"]
    low, high = _wilson_2_of_3()
    assert adherent["adherent"] is True and other["adherent"] is False
    assert (adherent["courses"], adherent["assessable"], adherent["responders"]) == (3, 3, 2)
    assert (other["courses"], other["assessable"], other["responders"]) == (6, 3, 2)   # L11 is in neither
    for group in (adherent, other):
        assert group["responder_rate"] == pytest.approx(2 / 3)
        assert (group["ci_low"], group["ci_high"]) == pytest.approx((low, high), rel=1e-12)
        assert group["too_few"] is True            # 3 courses < 5
    assert (adherent["median_pct"], adherent["q1_pct"], adherent["q3_pct"]) == pytest.approx(
        (50.0, 25.0, (50 + 700 / 9) / 2))
    assert (other["median_pct"], other["q1_pct"], other["q3_pct"]) == pytest.approx((30.0, 5.0, 52.5))


def test_the_adherence_threshold_in_use_moves_courses_between_the_groups(clinic):
    # At 50 %, L8 (2 of 3 days) joins the adherent courses; no planned-10 course does (2 of 9 days)
    report = relief_lasting.report(clinic, Filters(as_of=AS_OF, settings=Settings(adherence_pct=50, min_cohort=3)))
    adherent, other = report["sustained_by_adherence"]
    assert (adherent["courses"], adherent["responders"], other["courses"], other["responders"]) == (4, 3, 5, 1)
    assert (adherent["too_few"], other["too_few"]) == (False, True)   # 4 and 2 assessable against 3


def test_a_therapist_sees_only_the_courses_they_treat(clinic):
    report = relief_lasting.report(clinic, Filters(as_of=AS_OF, scope="Cedar"))
    assert report["drop_kept"]["courses"] == 0
    assert report["drop_kept"]["share_kept"] == {"median": None, "q1": None, "q3": None}
    assert [g["courses"] for g in report["sustained_by_adherence"]] == [0, 0]
    assert [g["responder_rate"] for g in report["sustained_by_adherence"]] == [None, None]


def test_counted_rows_count_each_course_they_stand_for():
    # b1 8 -> a1 4, b2 6 on 3 courses: share (8 - 6) / (8 - 4) = 0.5 each, part kept;
    # b1 6 -> a1 2, b2 2 on 1 course: share 1, the whole drop kept;
    # 2 courses with a second session but no score there, 4 with no second session yet.
    # Shares 0.5, 0.5, 0.5, 1: median 0.5, q1 0.5, q3 0.5 + 0.25 x 0.5 = 0.625 (linear, numpy's default).
    import pandas as pd

    rows = pd.DataFrame({
        "first_session_relief": [True, True, True, True],
        "pain_before_1": [8, 6, 8, 7],
        "pain_after_1": [4, 2, 4, 3],
        "pain_before_2": pd.array([6, 2, None, None], dtype="Int32"),
        "second_session": [True, True, True, False],
        "courses": [3, 1, 2, 4],
    })
    drop = relief_lasting.drop_kept(rows, min_cohort=5)
    assert (drop["relieved_courses"], drop["courses"], drop["no_second_session"], drop["second_score_missing"]) \
        == (10, 4, 4, 2)
    assert drop["share_kept"] == pytest.approx({"median": 0.5, "q1": 0.5, "q3": 0.625})
    assert drop["outcomes"] == {"whole": 1, "part": 3, "returned": 0}
    assert drop["pain_before_1"]["mean"] == pytest.approx(7.5)          # (3 x 8 + 6) / 4
    assert drop["pain_before_2"]["mean"] == pytest.approx(5.0)          # (3 x 6 + 2) / 4
    assert drop["too_few"] is True                                       # 4 paired courses, fewer than 5
