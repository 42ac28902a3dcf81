"""The First-session-relief queries (queries/relief_assessability.sql, queries/relief_first_change.sql)
on a tiny fixture whose answers are worked out by hand under each relief rule."""
from __future__ import annotations

import datetime as dt

import pytest

from clinic.filters import Filters
from query_support import build_db, run_filtered

AS_OF = "2026-03-10"
SESSIONS = "session_id,patient_id,course_id,session_date,session_time,therapist,status,pain_before,pain_after"

# First attended session of each course, and what each rule says:
#   r1 8->4   pct30 10*4=40 >= 24 yes | points2 4 >= 2 yes | pct50 2*4=8 >= 8 yes (exactly 50 %)
#   r2 5->4   pct30 10 >= 15 no       | points2 no         | pct50 no
#   r3 3->1   pct30 20 >= 9 yes       | points2 yes        | pct50 4 >= 3 yes
#   r4 10->8  pct30 20 >= 30 no       | points2 yes        | pct50 4 >= 10 no
#   r5 0->0   not assessable: pain before 0
#   r6 7->?   not assessable: no pain after (a later 7->3 session does not stand in for it)
#   r7        listed in courses.csv, no session yet: not assessable, no attended session
#   r8        only a cancelled row, with scores typed in: no attended session
#   r9        a no-show on 03-01, then 6->3 on 03-02: pct30 30 >= 18 yes | points2 3 yes | pct50 6 >= 6 yes
# decoy: r10 starts 03-12, after the as-of date
COURSES = """
course_id,patient_id,start_date,planned_sessions
r7,p7,2026-03-05,10
"""
FIXTURE = f"""
{SESSIONS}
s1,p1,r1,2026-03-01,09:00,Ash,attended,8,4
s2,p2,r2,2026-03-01,09:00,Ash,attended,5,4
s3,p3,r3,2026-03-01,09:00,Beech,attended,3,1
s4,p4,r4,2026-03-01,09:00,Beech,attended,10,8
s5,p5,r5,2026-03-01,09:00,Ash,attended,0,0
s6a,p6,r6,2026-03-01,09:00,Ash,attended,7,
s6b,p6,r6,2026-03-02,09:00,Ash,attended,7,3
s8,p8,r8,2026-03-01,09:00,Beech,cancelled,9,1
s9a,p9,r9,2026-03-01,09:00,Beech,no_show,,
s9b,p9,r9,2026-03-02,09:00,Beech,attended,6,3
s10,p10,r10,2026-03-12,09:00,Ash,attended,9,1
"""




@pytest.fixture(scope="module")
def clinic_db(tmp_path_factory):
    return build_db(tmp_path_factory.mktemp("relief"), FIXTURE, COURSES)


def run(path, name: str, rule: str = "pct30", **filters):
    return run_filtered(path, name, Filters(as_of=dt.date.fromisoformat(AS_OF), relief_rule=rule, **filters))


def test_assessability_counts_each_course_once_with_the_reason_it_cannot_be_judged(clinic_db):
    row = run(clinic_db, "relief_assessability").iloc[0].to_dict()
    assert row == {
        "courses": 9,                 # r1..r9; r10 starts after the as-of date
        "assessable": 5,              # r1, r2, r3, r4, r9
        "relieved": 3,                # r1, r3, r9
        "not_relieved": 2,            # r2, r4
        "not_assessable": 4,
        "no_attended_session": 2,     # r7 (no session), r8 (only a cancelled row)
        "missing_score": 1,           # r6
        "zero_pain_before": 1,        # r5
    }


@pytest.mark.parametrize("rule, relieved", [("pct30", 3), ("points2", 4), ("pct50", 3)])
def test_the_relief_rule_in_use_decides_who_was_relieved(clinic_db, rule, relieved):
    row = run(clinic_db, "relief_assessability", rule).iloc[0]
    assert row.assessable == 5                          # the same courses are assessable under every rule
    assert row.relieved == relieved                     # points2 adds r4 (10 -> 8); pct50 keeps r1 at exactly 50 %
    assert row.not_relieved == 5 - relieved


def test_assessability_follows_the_filters(clinic_db):
    row = run(clinic_db, "relief_assessability", therapists=("Beech",)).iloc[0]
    # Beech: r3 yes, r4 no, r8 (no attended session), r9 yes
    assert (row.courses, row.assessable, row.relieved, row.no_attended_session) == (4, 3, 2, 1)


def test_an_empty_selection_gives_one_row_of_zeros(clinic_db):
    row = run(clinic_db, "relief_assessability", therapists=("Nobody",)).iloc[0]
    assert row.courses == 0 and row.assessable == 0 and row.not_assessable == 0


def test_first_change_counts_courses_by_whole_point_change_and_outcome(clinic_db):
    rows = run(clinic_db, "relief_first_change")
    # r1 -4 yes, r9 -3 yes, r3 -2 yes, r4 -2 no, r2 -1 no, r5 0 (pain before 0); r6, r7, r8 have no change
    assert list(rows.itertuples(index=False, name=None)) == [
        (-4, "relieved", 1),
        (-3, "relieved", 1),
        (-2, "not_relieved", 1),
        (-2, "relieved", 1),
        (-1, "not_relieved", 1),
        (0, "not_assessable", 1),
    ]


def test_first_change_colours_follow_the_rule_in_use(clinic_db):
    rows = run(clinic_db, "relief_first_change", "points2")
    minus_two = rows.loc[rows.pain_change_points == -2]
    assert list(minus_two.itertuples(index=False, name=None)) == [(-2, "relieved", 2)]      # r3 and r4
