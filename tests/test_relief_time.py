"""Time to relief (clinic/relief_time.py) on a tiny clinic worked out by hand.

As of 2026-04-10, relief rule pct30 (10 × (b0 − after k) ≥ 3 × b0), therapist Birch's courses:

  course  b0  attended sessions (before->after)            relief?                               time
  k1       8  04-01 8->4                                   k=1: 10*4 = 40 >= 24                   1, relief
  k2      10  04-01 10->9, (04-02 no-show), 04-03 8->6     k=1: 10 < 30; k=2: 10*(10-6) = 40 >= 30  2, relief
                                                           (against its own before, 8->6, it would not be:
                                                            20 < 24: the rule compares with b0)
  k3       6  04-01 6->5, 04-02 5->(none), 04-03 5->4      k=1: 10 < 18; k=2 has no score, goes on;
                                                           k=3: 10*(6-4) = 20 >= 18               3, relief
  k4       5  04-01 5->5, 04-02 5->4 (04-12 5->1 is after   k=2: 10 < 15                           2, censored
              the as-of date: a decoy)
  k5       7  (03-31 cancelled) 04-01 7->6                 10 < 21                                1, censored
  k6       9  04-01 9->7, 04-02 9->8, 04-04 9->6           k=3: 10*3 = 30 >= 27                   3, relief
  k7       4  04-01..04-04 4->4, 4->3, 4->4, 4->4          best 10*1 = 10 < 12                    4, censored

Left out: z9 (b0 = 0), y10 (b0 missing), u13 (first pain-after missing): not assessable, 3;
w11 (only a cancelled row): no attended session, 1. Decoys: x8 is Cedar's (8->2, relief at 1),
v12 starts after the as-of date.

Kaplan–Meier over the 7 courses (n = at risk just before k, d = relief at k, c = censored at k):
  k=1: n 7, d 1, c 1   S = 1 − 1/7            = 6/7
  k=2: n 5, d 1, c 1   S = 6/7 × (1 − 1/5)    = 24/35
  k=3: n 3, d 2, c 0   S = 24/35 × (1 − 2/3)  = 8/35
  k=4: n 1, d 0, c 1   S = 8/35
Median: the first k with S < 0.5 is 3 (S(2) = 24/35 = 0.686).
First-session relief of the same 7 courses: 1 of 7, and S(1) = 1 − 1/7.

In days (day 0 = start date: k5 starts 03-31 with its cancelled row, k6 on 03-31 by courses.csv):
  k1 relief 04-01 -> 0; k2 04-03 -> 2; k3 04-03 -> 2; k6 04-04 - 03-31 -> 4;
  censored at the last attended day: k4 04-02 -> 1; k5 04-01 - 03-31 -> 1; k7 04-04 -> 3.
  t=0: n 7, d 1, c 0   S = 6/7
  t=1: n 6, d 0, c 2   S = 6/7
  t=2: n 4, d 2, c 0   S = 6/7 × 2/4 = 3/7
  t=3: n 2, d 0, c 1   S = 3/7
  t=4: n 1, d 1, c 0   S = 0
  Median 2 days (S(1) = 6/7, S(2) = 3/7 < 0.5).
"""
from __future__ import annotations

import datetime as dt
import math
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from statsmodels.duration.survfunc import SurvfuncRight

from clinic import db, metrics, relief_time
from clinic.filters import Filters
from clinic.settings import Settings
from soak import examples

AS_OF = dt.date(2026, 4, 10)
Z = 1.959963984540054

SESSIONS = """
session_id,patient_id,course_id,session_date,therapist,status,pain_before,pain_after
a1,p1,k1,2026-04-01,Birch,attended,8,4
b1,p2,k2,2026-04-01,Birch,attended,10,9
b2,p2,k2,2026-04-02,Birch,no_show,,
b3,p2,k2,2026-04-03,Birch,attended,8,6
c1,p3,k3,2026-04-01,Birch,attended,6,5
c2,p3,k3,2026-04-02,Birch,attended,5,
c3,p3,k3,2026-04-03,Birch,attended,5,4
d1,p4,k4,2026-04-01,Birch,attended,5,5
d2,p4,k4,2026-04-02,Birch,attended,5,4
d3,p4,k4,2026-04-12,Birch,attended,5,1
e0,p5,k5,2026-03-31,Birch,cancelled,,
e1,p5,k5,2026-04-01,Birch,attended,7,6
f1,p6,k6,2026-04-01,Birch,attended,9,7
f2,p6,k6,2026-04-02,Birch,attended,9,8
f3,p6,k6,2026-04-04,Birch,attended,9,6
g1,p7,k7,2026-04-01,Birch,attended,4,4
g2,p7,k7,2026-04-02,Birch,attended,4,3
g3,p7,k7,2026-04-03,Birch,attended,4,4
g4,p7,k7,2026-04-04,Birch,attended,4,4
x1,p8,x8,2026-04-01,Cedar,attended,8,2
z1,p9,z9,2026-04-01,Birch,attended,0,0
z2,p9,z9,2026-04-02,Birch,attended,3,1
y1,p10,y10,2026-04-01,Birch,attended,,3
y2,p10,y10,2026-04-02,Birch,attended,6,2
w1,p11,w11,2026-04-02,Birch,cancelled,,
v1,p12,v12,2026-04-11,Birch,attended,8,2
u1,p13,u13,2026-04-01,Birch,attended,7,
u2,p13,u13,2026-04-02,Birch,attended,7,3
"""
COURSES = """
course_id,patient_id,start_date,planned_sessions
k6,p6,2026-03-31,10
"""


@pytest.fixture
def clinic(db_from):
    path = db_from(SESSIONS, courses=COURSES)
    with db.owned(db.connect(path, read_only=True)) as con:
        yield con


def steps_of(block, unit="sessions"):
    return [(s[unit], s["at_risk"], s["events"], s["censored"]) for s in block["steps"]]


def test_the_curve_of_one_therapist_follows_the_hand_calculation_step_by_step(clinic):
    birch = relief_time.report(clinic, Filters(as_of=AS_OF, scope="Birch"))["overall"]
    assert steps_of(birch) == [(1, 7, 1, 1), (2, 5, 1, 1), (3, 3, 2, 0), (4, 1, 0, 1)]
    assert [s["survival"] for s in birch["steps"]] == pytest.approx([6 / 7, 24 / 35, 8 / 35, 8 / 35], abs=1e-12)
    assert (birch["courses"], birch["relieved"]) == (7, 4)
    assert birch["not_assessable"] == 3            # z9 (b0 = 0), y10 (b0 missing), u13 (first pain after missing)
    assert birch["no_attended_session"] == 1       # w11
    assert birch["median_sessions"] == 3


def test_the_interval_of_each_step_holds_the_curve_and_follows_greenwood_on_the_log_log_scale(clinic):
    birch = relief_time.report(clinic, Filters(as_of=AS_OF, scope="Birch"))["overall"]
    for step in birch["steps"]:
        assert step["ci_low"] <= step["survival"] <= step["ci_high"]
    # k=1: S = 6/7, Greenwood var(S)/S² = d / (n (n − d)) = 1 / (7 × 6); on log(−log S) the half-width is
    # z × sqrt(1/42) / |log S|, so the limits are S^exp(∓ z sqrt(1/42) / log S)
    s = 6 / 7
    theta = Z * math.sqrt(1 / 42) / math.log(s)
    first = birch["steps"][0]
    assert first["ci_low"] == pytest.approx(s ** math.exp(-theta), rel=1e-12)
    assert first["ci_high"] == pytest.approx(s ** math.exp(theta), rel=1e-12)
    # k=2: var(S)/S² = 1/42 + 1/(5 × 4)
    s2 = 24 / 35
    theta2 = Z * math.sqrt(1 / 42 + 1 / 20) / math.log(s2)
    assert birch["steps"][1]["ci_low"] == pytest.approx(s2 ** math.exp(-theta2), rel=1e-12)
    low, high = birch["median_ci_low"], birch["median_ci_high"]
    assert low is not None and low <= 3 and (high is None or high >= 3)


def test_the_curve_after_session_one_is_one_minus_the_first_session_relief_rate_of_the_same_courses(clinic):
    for scope in ("Birch", None):          # Birch: 1 of 7; the whole clinic adds Cedar's x8: 2 of 8
        filters = Filters(as_of=AS_OF, scope=scope)
        relief = metrics.cohort_report(clinic, filters)["overall"]["first_session_relief"]
        first = relief_time.report(clinic, filters)["overall"]["steps"][0]
        assert first["sessions"] == 1
        assert (first["at_risk"], first["events"]) == (relief["assessable"], relief["relieved"])
        # statsmodels multiplies through exp(sum of logs): equal up to the last binary digits
        assert first["survival"] == pytest.approx(1 - relief["rate"], abs=1e-12)
    assert relief["relieved"] == 2 and relief["assessable"] == 8


def test_in_days_relief_counts_from_the_start_date_and_a_course_is_censored_at_its_last_visit(clinic):
    birch = relief_time.report(clinic, Filters(as_of=AS_OF, scope="Birch"), unit="days")["overall"]
    assert steps_of(birch, "days") == [(0, 7, 1, 0), (1, 6, 0, 2), (2, 4, 2, 0), (3, 2, 0, 1), (4, 1, 1, 0)]
    assert [s["survival"] for s in birch["steps"]] == pytest.approx([6 / 7, 6 / 7, 3 / 7, 3 / 7, 0], abs=1e-12)
    assert birch["median_days"] == 2
    assert "median_sessions" not in birch
    assert birch["steps"][-1]["ci_low"] is None       # S = 0: no interval on the log-log scale


def test_one_curve_per_therapist_and_a_small_group_is_too_few_to_judge(clinic):
    report = relief_time.report(clinic, Filters(as_of=AS_OF), by="therapist")
    assert [g["key"] for g in report["groups"]] == ["Birch", "Cedar"]
    birch, cedar = report["groups"]
    assert steps_of(birch) == [(1, 7, 1, 1), (2, 5, 1, 1), (3, 3, 2, 0), (4, 1, 0, 1)]
    assert steps_of(cedar) == [(1, 1, 1, 0)]                 # x8: 8->2 at its first session
    assert (birch["too_few"], cedar["too_few"]) == (False, True)     # fewest courses to judge: 5
    few = relief_time.report(clinic, Filters(as_of=AS_OF, settings=Settings(min_cohort=8)), by="therapist")
    assert few["groups"][0]["too_few"] is True


def test_the_relief_rule_in_use_decides_the_time(clinic):
    # points2: k6 9->7 falls by 2 points at its first session; k4, k5, k7 never by 2; k2 at 2 (10-6), k3 at 3 (6-4)
    birch = relief_time.report(clinic, Filters(as_of=AS_OF, scope="Birch", relief_rule="points2"))["overall"]
    assert steps_of(birch) == [(1, 7, 2, 1), (2, 4, 1, 1), (3, 2, 1, 0), (4, 1, 0, 1)]
    # S(1) = 1 − 2/7 = 5/7; S(2) = 5/7 × 3/4 = 15/28 (0.536, not below one half); S(3) = 15/28 × 1/2 = 15/56
    assert [s["survival"] for s in birch["steps"]] == pytest.approx([5 / 7, 15 / 28, 15 / 56, 15 / 56], abs=1e-12)
    assert birch["median_sessions"] == 3


# ---------------------------------------------------------------- the curve from counts against statsmodels

def statsmodels_curve(times, events) -> dict:
    """What statsmodels' SurvfuncRight gives for one row per course: the reference km() must match."""
    fit = SurvfuncRight(np.asarray(times, dtype=float), np.asarray(events, dtype=float))
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        low, high = fit.quantile_ci(0.5) if len(fit.surv_times) else (np.nan, np.nan)
        median = fit.quantile(0.5)
    return {"times": [int(t) for t in fit.surv_times], "survival": list(fit.surv_prob),
            "se": list(fit.surv_prob_se), "median": median, "low": float(low), "high": float(high)}


courses_strategy = st.lists(st.tuples(st.integers(1, 12), st.booleans(), st.integers(1, 40)), min_size=1, max_size=25)


@hypothesis_settings(max_examples=examples(150), deadline=None)
@given(courses_strategy)
def test_the_curve_from_counted_courses_is_statsmodels_curve_of_the_courses_one_by_one(counted):
    times = [t for t, _, n in counted for _ in range(n)]
    events = [int(e) for _, e, n in counted for _ in range(n)]
    expected = statsmodels_curve(times, events)
    got = relief_time.km([t for t, _, _ in counted], [int(e) for _, e, _ in counted], [n for _, _, n in counted])
    event_steps = [s for s in got["steps"] if s["events"] > 0]
    assert [s["time"] for s in event_steps] == expected["times"]
    assert [s["survival"] for s in event_steps] == expected["survival"]           # the same to the last digit
    for step, se, survival in zip(event_steps, expected["se"], expected["survival"]):
        assert (step["ci_low"], step["ci_high"]) == relief_time._loglog_interval(survival, se)
    median = expected["median"]
    assert got["median"] == (None if np.isnan(median) else int(median))
    low, high = expected["low"], expected["high"]
    if not (np.isnan(low) and np.isnan(high)):
        assert got["median_ci_low"] == (None if not np.isfinite(low) else int(low))
        assert got["median_ci_high"] == (None if not np.isfinite(high) else int(high))
    assert sum(s["events"] + s["censored"] for s in got["steps"]) == len(times)
    assert got["steps"][0]["at_risk"] == len(times)
