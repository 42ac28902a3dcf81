"""The columns the Cohorts page added to queries/cohort_metrics.sql (mean improvement, the responder
rate and its Wilson interval), on a tiny fixture with decoys. The older columns are the command
line's and are checked in tests/test_cohort_metrics.py.

Every expected value is arithmetic on the fixture below, worked out by hand; the Wilson interval
is recomputed here from its textbook formula, independently of the SQL.
"""
from __future__ import annotations

import datetime as dt
import math

import pytest

from clinic import db, metrics
from clinic.filters import Filters

Z = 1.959963984540054
AS_OF = "2026-03-10"

# Sustained improvement = (pain before the first scored visit - pain before the last one, on a
# later date) / the first, in %; responder = 30 % or more.
#   Ash    a1  10 -> 6        = +40 %  responder
#          a2   8 -> 8        =   0 %  (its cancelled 03-04 row with pain 1 is a decoy)
#          a3   5 -> 6        = -20 %  (its 03-11 visit with pain 0 is after the as-of date: decoy)
#          a4   7 once        = not assessable (one scored day)
#   Beech  b1   4 -> 2        = +50 %  responder
#          b2   6 -> 3        = +50 %  responder
#   Cedar  c1   9 once        = not assessable: nothing to count, so every new column is null
#   Ash    d1 starts 03-12, after the as-of date: not a course yet (decoy)
SESSIONS = """
session_id,patient_id,course_id,session_date,session_time,therapist,status,pain_before,pain_after
s01,pa,a1,2026-03-01,09:00,Ash,attended,10,8
s02,pa,a1,2026-03-02,09:00,Ash,attended,6,5
s03,pb,a2,2026-03-01,10:00,Ash,attended,8,7
s04,pb,a2,2026-03-03,10:00,Ash,attended,8,8
s05,pb,a2,2026-03-04,10:00,Ash,cancelled,1,1
s06,pc,a3,2026-03-01,11:00,Ash,attended,5,5
s07,pc,a3,2026-03-02,11:00,Ash,attended,6,4
s08,pc,a3,2026-03-11,11:00,Ash,attended,0,0
s09,pd,a4,2026-03-01,12:00,Ash,attended,7,3
s10,pe,b1,2026-03-01,09:00,Beech,attended,4,3
s11,pe,b1,2026-03-05,09:00,Beech,attended,2,2
s12,pf,b2,2026-03-01,10:00,Beech,attended,6,4
s13,pf,b2,2026-03-02,10:00,Beech,attended,3,3
s14,pg,c1,2026-03-01,09:00,Cedar,attended,9,5
s15,ph,d1,2026-03-12,09:00,Ash,attended,9,1
"""


def wilson(x: int, n: int) -> tuple[float, float]:
    """Wilson score interval, no continuity correction, clamped to [0, 1]."""
    p = x / n
    denominator = 1 + Z * Z / n
    centre = (p + Z * Z / (2 * n)) / denominator
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


@pytest.fixture
def cohort_db(db_from):
    return db_from(SESSIONS)


def rows(path, group: str, quartiles: bool = True, **filters) -> dict:
    f = Filters(as_of=dt.date.fromisoformat(AS_OF), **filters)
    with db.owned(db.connect(path, read_only=True)) as con:
        frame = db.run(con, "cohort_metrics", open_courses=metrics.open_courses(con, f), group=group,
                       quartiles=quartiles, **f.params())
    return {row["key"]: row for row in frame.to_dict("records")}


def test_the_mean_improvement_averages_every_assessable_course_of_a_group(cohort_db):
    by = rows(cohort_db, "therapist")
    assert by["Ash"]["improvement_assessable"] == 3                      # a1, a2, a3; a4 has one scored day
    assert by["Ash"]["mean_improvement_pct"] == pytest.approx((40 + 0 - 20) / 3)     # 6.67 %
    assert by["Beech"]["mean_improvement_pct"] == pytest.approx((50 + 50) / 2)       # 50 %
    overall = rows(cohort_db, "overall")[None]
    assert overall["mean_improvement_pct"] == pytest.approx((40 + 0 - 20 + 50 + 50) / 5)   # 120 / 5 = 24 %


def test_the_responder_rate_is_responders_over_assessable_courses_with_a_wilson_interval(cohort_db):
    ash = rows(cohort_db, "therapist")["Ash"]
    assert ash["responders_30"] == 1                                     # a1 only
    assert ash["responder_30_rate"] == pytest.approx(1 / 3)
    # 1 of 3: centre (1/3 + z²/6) / (1 + z²/3) = 0.426915, half-width 0.365423 -> 0.0615 .. 0.7923
    assert (ash["responder_ci_low"], ash["responder_ci_high"]) == pytest.approx(wilson(1, 3), rel=1e-12)
    assert ash["responder_ci_low"] == pytest.approx(0.0615, abs=1e-4)
    assert ash["responder_ci_high"] == pytest.approx(0.7923, abs=1e-4)


def test_the_responder_interval_of_an_all_responder_group_is_clamped_at_one(cohort_db):
    beech = rows(cohort_db, "therapist")["Beech"]
    assert beech["responder_30_rate"] == 1.0                             # b1 and b2: 2 of 2
    # p = 1: the low end is 1 / (1 + z²/2) = 1 / 2.920729 = 0.342380; the high end is 1, never above
    assert beech["responder_ci_low"] == pytest.approx(1 / (1 + Z * Z / 2), rel=1e-12)
    assert beech["responder_ci_low"] == pytest.approx(0.34238, abs=1e-5)
    assert beech["responder_ci_high"] <= 1.0
    assert beech["responder_ci_high"] == pytest.approx(1.0, rel=1e-12)


def test_a_group_with_nothing_assessable_has_null_rate_interval_and_mean_not_zero(cohort_db):
    cedar = rows(cohort_db, "therapist")["Cedar"]
    assert cedar["courses"] == 1 and cedar["improvement_assessable"] == 0
    for column in ("mean_improvement_pct", "responder_30_rate", "responder_ci_low", "responder_ci_high"):
        assert cedar[column] is None or math.isnan(cedar[column]), column


def test_the_overall_row_pools_every_course_up_to_the_as_of_date(cohort_db):
    overall = rows(cohort_db, "overall")[None]
    assert overall["courses"] == 7                                       # d1 starts after 03-10
    assert overall["responder_30_rate"] == pytest.approx(3 / 5)          # a1, b1, b2 of 5 assessable
    # 3 of 5: centre 0.984146 / 1.768292 = 0.556546, half-width 0.576159 / 1.768292 = 0.325828
    assert overall["responder_ci_low"] == pytest.approx(0.2307, abs=1e-4)
    assert overall["responder_ci_high"] == pytest.approx(0.8824, abs=1e-4)
    assert (overall["responder_ci_low"], overall["responder_ci_high"]) == pytest.approx(wilson(3, 5), rel=1e-12)


def test_the_new_columns_follow_the_filters(cohort_db):
    by = rows(cohort_db, "therapist", therapists=("Beech",))
    assert list(by) == ["Beech"]
    assert by["Beech"]["mean_improvement_pct"] == pytest.approx(50.0)


def test_the_new_columns_come_after_the_ones_the_command_line_reads(cohort_db):
    frame_columns = list(rows(cohort_db, "overall")[None])
    assert frame_columns[:16] == ["key", "courses", "patients", "relief_assessable", "relieved", "relief_rate",
                                  "ci_low", "ci_high", "improvement_assessable", "median_improvement_pct",
                                  "responders_30", "responders_50", "mean_adherence", "adherent", "completed",
                                  "dropped_out"]
    assert frame_columns[16:] == ["mean_improvement_pct", "responder_30_rate", "responder_ci_low",
                                  "responder_ci_high", "improvement_q1_pct", "improvement_q3_pct", "rated_courses",
                                  "adherent_ci_low", "adherent_ci_high", "dropout_ci_low", "dropout_ci_high"]


# Four courses of two attended days each (03-01 and 03-02), pain before 8 then 8, 6, 4, 0: sustained
# improvement 0, 25, 50, 100 %. q1: position 0.75 of 0..3 -> 0 + 0.75 x 25 = 18.75; q3: position 2.25
# -> 50 + 0.25 x 50 = 62.5. q1..q3 are planned 2 (completed, adherent 2 of 2); q4 is planned 10: 2 of
# 10 days, not adherent, and 18 days without a visit on 03-20: dropped out. Adherent 3 of 4 rated,
# dropped out 1 of 4. Decoy: q5 starts after the as-of date.
QUARTILE_SESSIONS = """
session_id,patient_id,course_id,session_date,therapist,status,pain_before,pain_after
a1,p1,q1,2026-03-01,Ash,attended,8,6
a2,p1,q1,2026-03-02,Ash,attended,8,6
b1,p2,q2,2026-03-01,Ash,attended,8,6
b2,p2,q2,2026-03-02,Ash,attended,6,5
c1,p3,q3,2026-03-01,Ash,attended,8,6
c2,p3,q3,2026-03-02,Ash,attended,4,3
d1,p4,q4,2026-03-01,Ash,attended,8,6
d2,p4,q4,2026-03-02,Ash,attended,0,0
e1,p5,q5,2026-03-25,Ash,attended,1,1
"""
QUARTILE_COURSES = """
course_id,patient_id,start_date,planned_sessions
q1,p1,2026-03-01,2
q2,p2,2026-03-01,2
q3,p3,2026-03-01,2
q4,p4,2026-03-01,10
q5,p5,2026-03-25,2
"""


def test_the_quartiles_of_improvement_and_the_intervals_of_adherent_and_drop_out_shares(db_from):
    found = rows(db_from(QUARTILE_SESSIONS, courses=QUARTILE_COURSES), "overall")[None]
    assert found["courses"] == 4 and found["median_improvement_pct"] == 37.5          # (25 + 50) / 2
    assert (found["improvement_q1_pct"], found["improvement_q3_pct"]) == (18.75, 62.5)
    assert (found["adherent"], found["rated_courses"], found["dropped_out"]) == (3, 4, 1)
    assert (found["adherent_ci_low"], found["adherent_ci_high"]) == pytest.approx(wilson(3, 4), abs=1e-12)
    assert (found["dropout_ci_low"], found["dropout_ci_high"]) == pytest.approx(wilson(1, 4), abs=1e-12)
    assert found["dropout_ci_low"] == pytest.approx(0.0456, abs=1e-4)                 # the textbook 1 of 4
    assert found["dropout_ci_high"] == pytest.approx(0.6994, abs=1e-4)


def test_without_quartiles_only_the_quartiles_are_null_and_the_command_lines_json_is_the_same(db_from,
                                                                                            monkeypatch):
    path = db_from(QUARTILE_SESSIONS, courses=QUARTILE_COURSES)
    for group in ("overall", "therapist"):
        full, lean = rows(path, group), rows(path, group, quartiles=False)
        assert list(lean) == list(full)
        for key, row in lean.items():
            assert math.isnan(row["improvement_q1_pct"]) and math.isnan(row["improvement_q3_pct"]), (group, key)
            others = {c: v for c, v in row.items() if c not in ("improvement_q1_pct", "improvement_q3_pct")}
            assert repr(others) == repr({c: full[key][c] for c in others}), (group, key)
    full_ash = rows(path, "therapist")["Ash"]
    assert (full_ash["improvement_q1_pct"], full_ash["improvement_q3_pct"]) == (18.75, 62.5)
    # the command line asks for no quartiles, and its JSON is the hand count of the fixture above
    asked, records = [], db.records
    monkeypatch.setattr(db, "records", lambda con, name, **params: asked.append((name, params.get("quartiles")))
                        or records(con, name, **params))
    with db.owned(db.connect(path, read_only=True)) as con:
        report = metrics.cohort_report(con, Filters(as_of=dt.date(2026, 3, 20)), "therapist")
    ash = report["groups"][0]
    assert ash["key"] == "Ash" and ash["courses"] == 4 and report["overall"]["courses"] == 4   # q5: decoy
    assert ash["sustained_improvement"] == {"assessable": 4, "median_pct": 37.5, "responders_30": 2,
                                            "responders_50": 2}
    assert ash["adherence"]["adherent"] == 3 and ash["adherence"]["dropped_out"] == 1
    assert [q for name, q in asked if name == "cohort_metrics"] == [False, False]
