"""Per-course metrics, checked through `python -m clinic courses --json`.

Every expected value is arithmetic on the tiny fixture next to it, worked out by hand from the
metric definitions in DESIGN.md; nothing here was produced by running the implementation.
Dates lie in early 2026 (in the past, so the importer never sees a future attended session) and
--as-of is always explicit.
"""
from __future__ import annotations

import pytest

AS_OF = "2026-03-10"

COURSE_FIELDS = {
    "course_id", "patient_id", "start_date", "planned_sessions", "therapist",
    "sessions_attended", "attended_days", "first_session_pain_before", "first_session_pain_after",
    "first_session_relief", "sustained_improvement_pct", "adherence", "adherent", "completed",
    "dropped_out", "longest_break_days",
}

SESSIONS = "session_id,patient_id,course_id,session_date,session_time,therapist,status,pain_before,pain_after"
COURSES = "course_id,patient_id,start_date,planned_sessions"


def course_list(cli, db, as_of: str = AS_OF, *flags: str) -> list[dict]:
    code, out = cli("courses", "--db", db, "--as-of", as_of, "--json", *flags)
    assert code == 0, out
    assert isinstance(out, list), out
    return out


def courses_by_id(cli, db, as_of: str = AS_OF, *flags: str) -> dict[str, dict]:
    return {c["course_id"]: c for c in course_list(cli, db, as_of, *flags)}


def is_count(value) -> bool:
    return type(value) is int


def is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


# --- JSON shape -------------------------------------------------------------------------------

def test_every_course_has_exactly_the_documented_fields_with_json_types(db_from, cli):
    db = db_from(
        sessions=f"""
        {SESSIONS}
        s1,p1,c1,2026-03-01,,t1,attended,8,4
        s2,p1,c1,2026-03-02,,t1,attended,6,3
        """,
        courses=f"""
        {COURSES}
        c9,p2,2026-03-01,5
        """,
    )
    rows = course_list(cli, db)

    assert [r["course_id"] for r in rows] == ["c1", "c9"]          # p1 before p2
    for row in rows:
        assert set(row) == COURSE_FIELDS

    c1, c9 = rows
    assert c1["patient_id"] == "p1"
    assert c1["start_date"] == "2026-03-01"
    assert is_count(c1["planned_sessions"]) and c1["planned_sessions"] == 10   # no courses.csv row
    assert c1["therapist"] == "t1"
    assert is_count(c1["sessions_attended"]) and c1["sessions_attended"] == 2
    assert is_count(c1["attended_days"]) and c1["attended_days"] == 2
    assert is_count(c1["first_session_pain_before"]) and c1["first_session_pain_before"] == 8
    assert is_count(c1["first_session_pain_after"]) and c1["first_session_pain_after"] == 4
    assert c1["first_session_relief"] is True                       # (8 - 4) / 8 = 50 % >= 30 %
    assert is_number(c1["sustained_improvement_pct"])
    assert c1["sustained_improvement_pct"] == pytest.approx(100 * (8 - 6) / 8)
    assert is_number(c1["adherence"])
    assert c1["adherence"] == pytest.approx(2 / 9)   # window 03-01..03-09 (03-10 has no visit yet), 2 days
    assert c1["adherent"] is False
    assert c1["completed"] is False                                  # 2 < 10
    assert c1["dropped_out"] is True                                 # 03-10 - 03-02 = 8 days
    assert is_count(c1["longest_break_days"]) and c1["longest_break_days"] == 0

    # a courses.csv course with no sessions at all is still a course
    assert c9["patient_id"] == "p2"
    assert c9["start_date"] == "2026-03-01"
    assert c9["planned_sessions"] == 5
    assert c9["therapist"] is None
    assert c9["sessions_attended"] == 0 and is_count(c9["sessions_attended"])
    assert c9["attended_days"] == 0 and is_count(c9["attended_days"])
    assert c9["first_session_pain_before"] is None
    assert c9["first_session_pain_after"] is None
    assert c9["first_session_relief"] is None
    assert c9["sustained_improvement_pct"] is None
    assert is_number(c9["adherence"]) and c9["adherence"] == 0
    assert c9["adherent"] is False
    assert c9["completed"] is False
    assert c9["dropped_out"] is True                                 # no attended day: 03-10 - 03-01 = 9
    assert c9["longest_break_days"] == 0 and is_count(c9["longest_break_days"])


def test_courses_are_sorted_by_patient_id_then_start_date_then_course_id(db_from, cli):
    db = db_from(sessions=f"""
    {SESSIONS}
    o1,p2,zz,2026-03-01,,t1,attended,5,4
    o2,p2,bb,2026-03-02,,t1,attended,5,4
    o3,p2,aa,2026-03-02,,t1,attended,5,4
    o4,p10,cc,2026-03-05,,t1,attended,5,4
    o5,p1,dd,2026-03-04,,t1,attended,5,4
    """)
    rows = course_list(cli, db)
    # patient ids as text: "p1" < "p10" < "p2"; within p2: zz starts first (03-01), then aa < bb on 03-02
    assert [(r["patient_id"], r["course_id"]) for r in rows] == [
        ("p1", "dd"), ("p10", "cc"), ("p2", "zz"), ("p2", "aa"), ("p2", "bb"),
    ]


# --- attended vs cancelled / no-show ----------------------------------------------------------

def test_cancelled_and_no_show_rows_are_not_attended_but_the_earliest_one_starts_an_inferred_course(db_from, cli):
    db = db_from(sessions=f"""
    {SESSIONS}
    n1,p1,,2026-03-01,,t1,no_show,,
    n2,p1,,2026-03-02,,t1,cancelled,,
    n3,p1,,2026-03-03,,t2,attended,8,4
    n4,p1,,2026-03-04,,t2,attended,6,3
    n5,p1,,2026-03-05,,t2,cancelled,,
    n6,p2,,2026-03-02,,t3,cancelled,,
    n7,p2,,2026-03-03,,t4,no_show,,
    """)
    courses = courses_by_id(cli, db, "2026-03-05")
    assert set(courses) == {"p1:2026-03-01", "p2:2026-03-02"}

    c = courses["p1:2026-03-01"]
    assert c["start_date"] == "2026-03-01"                # the no-show, not the first attended row
    assert c["therapist"] == "t2"                         # first ATTENDED row, not the no-show's t1
    assert c["sessions_attended"] == 2                    # n3, n4; n1, n2, n5 are not attended
    assert c["attended_days"] == 2
    assert c["first_session_pain_before"] == 8            # n3
    assert c["first_session_pain_after"] == 4
    assert c["first_session_relief"] is True              # (8 - 4) / 8 = 50 %
    assert c["sustained_improvement_pct"] == pytest.approx(100 * (8 - 6) / 8)
    # window 03-01..03-04: cut at the as-of day 03-05, whose only row is a cancellation, so the day is
    # not over and leaves the window; attended 03-03, 03-04
    assert c["adherence"] == pytest.approx(2 / 4)
    assert c["adherent"] is False                         # 5*2 = 10 < 4*4 = 16
    assert c["completed"] is False
    assert c["dropped_out"] is False                      # 03-05 - 03-04 = 1 day
    assert c["longest_break_days"] == 0                   # 03-03, 03-04 are consecutive

    decoy = courses["p2:2026-03-02"]                      # nothing attended at all
    assert decoy["therapist"] == "t3"                     # no attended row: the first row's therapist
    assert decoy["sessions_attended"] == 0
    assert decoy["attended_days"] == 0
    assert decoy["first_session_relief"] is None
    assert decoy["first_session_pain_before"] is None
    assert decoy["adherence"] == 0                        # window 03-02..03-04, nothing attended
    assert decoy["dropped_out"] is False                  # no attended date: 03-05 - start 03-02 = 3
    assert decoy["completed"] is False


# --- the as-of date ---------------------------------------------------------------------------

def test_rows_after_the_as_of_date_are_ignored_and_later_courses_are_not_listed(db_from, cli):
    db = db_from(
        sessions=f"""
        {SESSIONS}
        a1,p1,c1,2026-03-01,,t1,attended,8,6
        a2,p1,c1,2026-03-02,,t1,attended,6,5
        a3,p1,c1,2026-03-12,,t1,attended,2,1
        b1,p2,c2,2026-03-04,,t2,no_show,,
        b2,p2,c2,2026-03-06,,t3,attended,9,1
        d1,p3,c3,2026-03-06,,t1,attended,9,1
        e1,p4,c4,2026-03-07,,t9,attended,9,1
        """,
        courses=f"""
        {COURSES}
        c4,p4,2026-03-03,10
        """,
    )
    courses = courses_by_id(cli, db, "2026-03-05")
    assert set(courses) == {"c1", "c2", "c4"}             # c3 starts 03-06 > as-of

    c1 = courses["c1"]                                    # a3 (03-12) is after as-of 03-05
    assert c1["sessions_attended"] == 2
    assert c1["attended_days"] == 2
    assert c1["sustained_improvement_pct"] == pytest.approx(100 * (8 - 6) / 8)   # not (8 - 2) / 8
    assert c1["adherence"] == pytest.approx(2 / 4)        # window 03-01..03-04 (03-05 has no visit)
    assert c1["longest_break_days"] == 0                  # 03-12 would open a 9-day break
    assert c1["first_session_relief"] is False            # (8 - 6) / 8 = 25 % < 30 %

    c2 = courses["c2"]                                    # its only attended row (03-06) is after as-of
    assert c2["start_date"] == "2026-03-04"
    assert c2["therapist"] == "t2"                        # no attended row <= as-of: the no-show's
    assert c2["sessions_attended"] == 0
    assert c2["first_session_relief"] is None
    assert c2["first_session_pain_before"] is None
    assert c2["adherence"] == 0                           # window 03-04..03-04, nothing attended

    c4 = courses["c4"]                                    # started (courses.csv) but every row is later
    assert c4["start_date"] == "2026-03-03"
    assert c4["therapist"] is None                        # no row <= as-of at all
    assert c4["sessions_attended"] == 0
    assert c4["adherence"] == 0

    # the same database a week later: the rows are there, it was the as-of that hid them
    later = courses_by_id(cli, db, "2026-03-12")
    assert set(later) == {"c1", "c2", "c3", "c4"}
    assert later["c1"]["sessions_attended"] == 3
    assert later["c1"]["sustained_improvement_pct"] == pytest.approx(100 * (8 - 2) / 8)
    assert later["c1"]["longest_break_days"] == 9         # 03-03..03-11
    assert later["c2"]["therapist"] == "t3"               # now the first attended row is <= as-of
    assert later["c4"]["therapist"] == "t9"


# --- first-session relief ---------------------------------------------------------------------

@pytest.mark.parametrize("rule", [None, "pct30", "points2", "pct50"])
def test_pain_before_zero_on_the_first_session_is_not_assessable_under_any_relief_rule(db_from, cli, rule):
    db = db_from(sessions=f"""
    {SESSIONS}
    z1,p1,c1,2026-03-01,,t1,attended,0,0
    z2,p1,c1,2026-03-02,,t1,attended,5,2
    z3,p2,c2,2026-03-01,,t1,attended,5,2
    """)
    flags = () if rule is None else ("--relief-rule", rule)
    courses = courses_by_id(cli, db, AS_OF, *flags)

    assert courses["c1"]["first_session_pain_before"] == 0
    assert courses["c1"]["first_session_pain_after"] == 0
    assert courses["c1"]["first_session_relief"] is None          # z2 (5 -> 2) is not the first session
    assert courses["c1"]["sustained_improvement_pct"] is None     # baseline 0
    # decoy with the same scores as z2 on its first session: 3 points, 60 %, relieved under every rule
    assert courses["c2"]["first_session_relief"] is True


@pytest.mark.parametrize("rule", [None, "pct30", "points2", "pct50"])
def test_a_missing_score_on_the_first_session_is_not_assessable_even_when_later_rows_have_both(db_from, cli, rule):
    db = db_from(sessions=f"""
    {SESSIONS}
    m1,p1,c1,2026-03-01,,t1,attended,7,
    m2,p1,c1,2026-03-02,,t1,attended,7,2
    m3,p2,c2,2026-03-01,,t1,attended,,3
    m4,p2,c2,2026-03-02,,t1,attended,6,2
    m5,p2,c2,2026-03-03,,t1,attended,3,1
    """)
    flags = () if rule is None else ("--relief-rule", rule)
    courses = courses_by_id(cli, db, AS_OF, *flags)

    c1 = courses["c1"]
    assert c1["first_session_pain_before"] == 7
    assert c1["first_session_pain_after"] is None
    assert c1["first_session_relief"] is None
    assert c1["sustained_improvement_pct"] == pytest.approx(0.0)  # (7 - 7) / 7: zero, not null

    c2 = courses["c2"]
    assert c2["first_session_pain_before"] is None
    assert c2["first_session_pain_after"] == 3
    assert c2["first_session_relief"] is None
    # baseline = first attended row WITH a pain_before (m4: 6); last = m5: 3
    assert c2["sustained_improvement_pct"] == pytest.approx(100 * (6 - 3) / 6)


# (before, after) -> relieved under (pct30, points2, pct50)
RELIEF_CASES = {
    "ten_to_seven": ((10, 7), (True, True, False)),     # 10*3 = 30 >= 3*10; 3 points; 2*3 = 6 < 10
    "ten_to_eight": ((10, 8), (False, True, False)),    # 20 < 30; 2 points; 4 < 10
    "three_to_two": ((3, 2), (True, False, False)),     # 10 >= 9; 1 point; 2 < 3
    "four_to_two": ((4, 2), (True, True, True)),        # 20 >= 12; 2 points; 4 >= 4
    "seven_to_four": ((7, 4), (True, True, False)),     # 30 >= 21; 3 points; 6 < 7
    "five_to_six": ((5, 6), (False, False, False)),     # worse
    "one_to_zero": ((1, 0), (True, False, True)),       # 10 >= 3; 1 point; 2 >= 1
}


@pytest.mark.parametrize("rule, index", [(None, 0), ("pct30", 0), ("points2", 1), ("pct50", 2)])
def test_relief_rules_compare_exactly_at_30_percent_2_points_and_50_percent(db_from, cli, rule, index):
    lines = [SESSIONS]
    for n, (course_id, ((before, after), _)) in enumerate(RELIEF_CASES.items()):
        lines.append(f"r{n},p{n},{course_id},2026-03-01,,t1,attended,{before},{after}")
    db = db_from(sessions="\n".join(lines))
    flags = () if rule is None else ("--relief-rule", rule)      # no flag means pct30
    courses = courses_by_id(cli, db, AS_OF, *flags)

    assert {cid: c["first_session_relief"] for cid, c in courses.items()} == {
        cid: expected[index] for cid, (_, expected) in RELIEF_CASES.items()
    }


# --- ordering within a day --------------------------------------------------------------------

def test_two_sessions_on_one_day_are_ordered_by_time_and_the_date_counts_once(db_from, cli):
    db = db_from(sessions=f"""
    {SESSIONS}
    h1,p1,c1,2026-03-01,10:00,t1,attended,8,7
    h2,p1,c1,2026-03-01,9:00,t2,attended,6,2
    h3,p1,c1,2026-03-03,7:30,t1,attended,2,1
    h4,p1,c1,2026-03-03,8:15,t1,attended,4,3
    k1,p2,c2,2026-03-01,09:00,t1,attended,8,7
    k2,p2,c2,2026-03-01,,t3,attended,5,1
    x9,p3,c3,2026-03-01,,t1,attended,9,1
    x10,p3,c3,2026-03-01,,t4,attended,4,4
    """)
    courses = courses_by_id(cli, db)

    c1 = courses["c1"]                               # 9:00 comes before 10:00 (as times, not as text)
    assert c1["therapist"] == "t2"
    assert c1["first_session_pain_before"] == 6
    assert c1["first_session_pain_after"] == 2
    assert c1["first_session_relief"] is True        # (6 - 2) / 6 = 67 %; h1 would give 1 / 8
    assert c1["sessions_attended"] == 4
    assert c1["attended_days"] == 2                  # 03-01 and 03-03, each counted once
    # baseline h2 (6); last = h4 (8:15 is after 7:30 on 03-03): 4
    assert c1["sustained_improvement_pct"] == pytest.approx(100 * (6 - 4) / 6)
    assert c1["adherence"] == pytest.approx(2 / 9)   # window 03-01..03-09 (no visit on 03-10), 2 days
    assert c1["longest_break_days"] == 1             # 03-02

    c2 = courses["c2"]                               # a missing time sorts first
    assert c2["therapist"] == "t3"
    assert c2["first_session_pain_before"] == 5
    assert c2["first_session_pain_after"] == 1
    assert c2["sessions_attended"] == 2
    assert c2["attended_days"] == 1
    assert c2["sustained_improvement_pct"] is None   # only one date has a pain_before
    assert c2["longest_break_days"] == 0

    c3 = courses["c3"]                               # same date, no times: session_id as text, "x10" < "x9"
    assert c3["therapist"] == "t4"
    assert c3["first_session_pain_before"] == 4
    assert c3["first_session_pain_after"] == 4
    assert c3["first_session_relief"] is False       # 4 -> 4; x9 would have been 9 -> 1


# --- breaks, drop-out, completion, adherence --------------------------------------------------

def test_longest_break_is_the_most_consecutive_days_without_attendance_between_attended_dates(db_from, cli):
    db = db_from(sessions=f"""
    {SESSIONS}
    b1,p1,c1,2026-03-01,,t1,attended,6,4
    b2,p1,c1,2026-03-02,,t1,attended,6,4
    b3,p1,c1,2026-03-04,,t1,cancelled,,
    b4,p1,c1,2026-03-05,,t1,no_show,,
    b5,p1,c1,2026-03-06,,t1,attended,5,4
    b6,p1,c1,2026-03-08,,t1,attended,5,4
    u1,p2,c2,2026-03-01,,t1,attended,6,4
    u2,p2,c2,2026-03-02,,t1,attended,6,4
    u3,p2,c2,2026-03-03,,t1,attended,6,4
    o1,p3,c3,2026-03-01,,t1,attended,6,4
    o2,p3,c3,2026-03-05,,t1,no_show,,
    w1,p4,c4,2026-03-02,09:00,t1,attended,6,4
    w2,p4,c4,2026-03-02,10:00,t1,attended,6,4
    """)
    courses = courses_by_id(cli, db)
    assert courses["c1"]["longest_break_days"] == 3   # 03-03, 03-04, 03-05 (cancelled/no-show don't count); then 03-07 = 1
    assert courses["c2"]["longest_break_days"] == 0   # unbroken daily course
    assert courses["c3"]["longest_break_days"] == 0   # one attended date only
    assert courses["c4"]["longest_break_days"] == 0   # two sessions, one date


def test_a_course_is_dropped_out_only_when_8_or_more_days_passed_since_the_last_attended_date(db_from, cli):
    db = db_from(
        sessions=f"""
        {SESSIONS}
        d1,p1,c1,2026-03-01,,t1,attended,6,4
        d2,p1,c1,2026-03-03,,t1,attended,6,4
        d3,p2,c2,2026-03-01,,t1,attended,6,4
        d4,p2,c2,2026-03-02,,t1,attended,6,4
        d5,p2,c2,2026-03-05,,t1,no_show,,
        d6,p3,c3,2026-03-01,,t1,attended,6,4
        d7,p3,c3,2026-03-02,,t1,attended,6,4
        """,
        courses=f"""
        {COURSES}
        c3,p3,2026-03-01,2
        c4,p4,2026-03-02,10
        c5,p5,2026-03-03,10
        """,
    )
    courses = courses_by_id(cli, db, "2026-03-10")
    # c1: 03-10 - 03-03 = 7 -> ongoing
    assert (courses["c1"]["completed"], courses["c1"]["dropped_out"]) == (False, False)
    # c2: the no-show on 03-05 is not attendance; 03-10 - 03-02 = 8 -> dropped out
    assert (courses["c2"]["completed"], courses["c2"]["dropped_out"]) == (False, True)
    # c3: 2 attended days >= 2 planned -> completed, so never dropped out although 8 days passed
    assert (courses["c3"]["completed"], courses["c3"]["dropped_out"]) == (True, False)
    # no sessions: counted from start_date. c4: 03-10 - 03-02 = 8; c5: 03-10 - 03-03 = 7
    assert (courses["c4"]["completed"], courses["c4"]["dropped_out"]) == (False, True)
    assert (courses["c5"]["completed"], courses["c5"]["dropped_out"]) == (False, False)


def test_completed_counts_distinct_attended_days_against_planned_sessions(db_from, cli):
    db = db_from(
        sessions=f"""
        {SESSIONS}
        f1,p1,c1,2026-03-01,,t1,attended,6,4
        f2,p1,c1,2026-03-02,,t1,attended,6,4
        f3,p1,c1,2026-03-03,,t1,attended,6,4
        g1,p2,c2,2026-03-01,09:00,t1,attended,6,4
        g2,p2,c2,2026-03-01,10:00,t1,attended,6,4
        g3,p2,c2,2026-03-02,,t1,attended,6,4
        g4,p2,c2,2026-03-03,,t1,cancelled,,
        h1,p3,c3,2026-03-01,,t1,attended,6,4
        """,
        courses=f"""
        {COURSES}
        c1,p1,2026-03-01,3
        c2,p2,2026-03-01,3
        """,
    )
    courses = courses_by_id(cli, db)

    c1 = courses["c1"]
    assert c1["planned_sessions"] == 3
    assert c1["completed"] is True                   # 3 attended days >= 3
    assert c1["adherence"] == pytest.approx(3 / 3)   # window 03-01..03-03
    assert c1["adherent"] is True
    assert c1["dropped_out"] is False

    c2 = courses["c2"]
    assert c2["sessions_attended"] == 3              # three attended rows ...
    assert c2["attended_days"] == 2                  # ... on two dates
    assert c2["completed"] is False                  # 2 < 3
    assert c2["adherence"] == pytest.approx(2 / 3)
    assert c2["dropped_out"] is True                 # 03-10 - 03-02 = 8

    assert courses["c3"]["planned_sessions"] == 10   # not in courses.csv: default


def test_the_adherence_window_is_cut_at_the_as_of_date(db_from, cli):
    db = db_from(sessions=f"""
    {SESSIONS}
    w1,p1,c1,2026-03-01,,t1,attended,6,4
    w2,p1,c1,2026-03-02,,t1,attended,6,4
    w3,p1,c1,2026-03-04,,t1,attended,6,4
    """)
    # planned 10 -> full window 03-01..03-10
    assert courses_by_id(cli, db, "2026-03-04")["c1"]["adherence"] == pytest.approx(3 / 4)    # 03-01..03-04
    assert courses_by_id(cli, db, "2026-03-20")["c1"]["adherence"] == pytest.approx(3 / 10)   # 03-01..03-10
    first_day = courses_by_id(cli, db, "2026-03-01")["c1"]                                      # 03-01..03-01
    assert first_day["adherence"] == pytest.approx(1 / 1)
    assert first_day["adherent"] is True
    assert first_day["sessions_attended"] == 1


def test_the_as_of_day_without_a_visit_is_not_yet_missed_and_leaves_the_window(db_from, cli):
    db = db_from(sessions=f"""
    {SESSIONS}
    w1,p1,c1,2026-03-01,,t1,attended,6,4
    w2,p1,c1,2026-03-02,,t1,attended,6,4
    w3,p1,c1,2026-03-04,,t1,attended,6,4
    w4,p1,c1,2026-03-05,,t1,no_show,,
    w5,p1,c1,2026-03-10,,t1,attended,5,3
    """)
    # planned 10 -> full window 03-01..03-10
    on_a_gap_day = courses_by_id(cli, db, "2026-03-03")["c1"]                 # no row on 03-03
    assert on_a_gap_day["adherence"] == pytest.approx(2 / 2)                  # 03-01..03-02
    assert on_a_gap_day["adherent"] is True                                   # 5*2 >= 4*2
    on_a_no_show = courses_by_id(cli, db, "2026-03-05")["c1"]                 # a no-show is no visit either
    assert on_a_no_show["adherence"] == pytest.approx(3 / 4)                  # 03-01..03-04
    assert on_a_no_show["adherent"] is False                                  # 5*3 = 15 < 16
    on_the_plans_last_day = courses_by_id(cli, db, "2026-03-09")["c1"]        # 03-09: no visit
    assert on_the_plans_last_day["adherence"] == pytest.approx(3 / 8)         # 03-01..03-08
    with_a_visit_that_day = courses_by_id(cli, db, "2026-03-10")["c1"]        # the visit keeps 03-10 in
    assert with_a_visit_that_day["adherence"] == pytest.approx(4 / 10)        # 03-01..03-10
    after_the_plan = courses_by_id(cli, db, "2026-03-11")["c1"]               # 03-11 is past the window
    assert after_the_plan["adherence"] == pytest.approx(4 / 10)


def test_a_course_that_starts_on_the_as_of_day_without_a_visit_has_no_adherence_and_is_not_averaged(db_from, cli):
    db = db_from(
        sessions=f"""
        {SESSIONS}
        a1,p1,c1,2026-03-09,,t1,attended,6,4
        a2,p1,c1,2026-03-10,,t1,attended,6,4
        b1,p2,c2,2026-03-10,,t1,attended,7,3
        d1,p3,c3,2026-03-10,,t1,cancelled,,
        """,
        courses=f"""
        {COURSES}
        c4,p4,2026-03-10,10
        """,
    )
    courses = courses_by_id(cli, db, "2026-03-10")
    assert courses["c1"]["adherence"] == pytest.approx(2 / 2)          # 03-09..03-10
    assert courses["c2"]["adherence"] == pytest.approx(1 / 1)          # starts today with today's visit
    for waiting in ("c3", "c4"):                                       # starts today, no visit yet
        assert courses[waiting]["adherence"] is None
        assert courses[waiting]["adherent"] is None
        assert courses[waiting]["dropped_out"] is False
    code, out = cli("metrics", "--db", db, "--as-of", "2026-03-10", "--json")
    assert code == 0, out
    assert out["overall"]["courses"] == 4                              # still counted as courses
    assert out["overall"]["adherence"]["mean"] == pytest.approx((1 + 1) / 2)   # c1 and c2 only
    assert out["overall"]["adherence"]["adherent"] == 2


def test_a_courses_csv_start_date_opens_the_adherence_window_but_earlier_attended_rows_still_count(db_from, cli):
    db = db_from(
        sessions=f"""
        {SESSIONS}
        e1,p1,c1,2026-02-26,,t1,attended,8,4
        e2,p1,c1,2026-03-03,,t2,attended,6,5
        e3,p1,c1,2026-03-04,,t2,attended,5,4
        e4,p1,c1,2026-03-06,,t2,attended,4,3
        """,
        courses=f"""
        {COURSES}
        c1,p1,2026-03-03,4
        """,
    )
    c = courses_by_id(cli, db)["c1"]
    assert c["start_date"] == "2026-03-03"           # courses.csv wins over the earliest row
    assert c["planned_sessions"] == 4
    assert c["sessions_attended"] == 4               # e1 belongs to the course ...
    assert c["attended_days"] == 4
    assert c["therapist"] == "t1"                    # ... and is its first attended session
    assert c["first_session_pain_before"] == 8
    assert c["first_session_pain_after"] == 4
    assert c["first_session_relief"] is True         # (8 - 4) / 8
    assert c["sustained_improvement_pct"] == pytest.approx(100 * (8 - 4) / 8)
    # ... but not to the adherence window 03-03..03-06: attended 03-03, 03-04, 03-06
    assert c["adherence"] == pytest.approx(3 / 4)
    assert c["adherent"] is False                    # 5*3 = 15 < 4*4 = 16
    assert c["completed"] is True                    # 4 attended days >= 4 planned
    assert c["dropped_out"] is False
    assert c["longest_break_days"] == 4              # 02-27, 02-28, 03-01, 03-02


def test_adherent_at_exactly_four_of_five_days_but_not_at_three_of_four(db_from, cli):
    db = db_from(
        sessions=f"""
        {SESSIONS}
        a1,p1,c1,2026-03-01,,t1,attended,6,4
        a2,p1,c1,2026-03-02,,t1,attended,6,4
        a3,p1,c1,2026-03-03,,t1,attended,6,4
        a4,p1,c1,2026-03-05,,t1,attended,6,4
        b1,p2,c2,2026-03-01,,t1,attended,6,4
        b2,p2,c2,2026-03-02,,t1,attended,6,4
        b3,p2,c2,2026-03-04,,t1,attended,6,4
        c01,p3,c3,2026-03-01,,t1,attended,6,4
        c02,p3,c3,2026-03-02,,t1,attended,6,4
        c03,p3,c3,2026-03-03,,t1,attended,6,4
        c04,p3,c3,2026-03-04,,t1,attended,6,4
        c06,p3,c3,2026-03-06,,t1,attended,6,4
        c07,p3,c3,2026-03-07,,t1,attended,6,4
        c09,p3,c3,2026-03-09,,t1,attended,6,4
        c10,p3,c3,2026-03-10,,t1,attended,6,4
        """,
        courses=f"""
        {COURSES}
        c1,p1,2026-03-01,5
        c2,p2,2026-03-01,4
        """,
    )
    courses = courses_by_id(cli, db)
    assert courses["c1"]["adherence"] == pytest.approx(4 / 5)   # window 03-01..03-05, missed 03-04
    assert courses["c1"]["adherent"] is True                    # 5*4 = 20 >= 4*5 = 20
    assert courses["c2"]["adherence"] == pytest.approx(3 / 4)   # window 03-01..03-04, missed 03-03
    assert courses["c2"]["adherent"] is False                   # 5*3 = 15 < 16
    assert courses["c3"]["adherence"] == pytest.approx(8 / 10)  # default 10 days, missed 03-05, 03-08
    assert courses["c3"]["adherent"] is True


# --- sustained improvement --------------------------------------------------------------------

def test_sustained_improvement_compares_the_first_pain_before_with_the_last_one_on_a_later_date(db_from, cli):
    db = db_from(sessions=f"""
    {SESSIONS}
    a1,p1,c1,2026-03-01,,t1,attended,8,5
    a2,p1,c1,2026-03-02,,t1,attended,6,4
    a3,p1,c1,2026-03-03,,t1,attended,,
    a4,p1,c1,2026-03-05,,t1,cancelled,1,1
    b1,p2,c2,2026-03-01,09:00,t1,attended,8,6
    b2,p2,c2,2026-03-01,10:00,t1,attended,4,3
    g1,p3,c3,2026-03-01,,t1,attended,4,4
    g2,p3,c3,2026-03-02,,t1,attended,6,5
    d1,p4,c4,2026-03-01,,t1,attended,0,0
    d2,p4,c4,2026-03-02,,t1,attended,3,2
    e1,p5,c5,2026-03-01,,t1,attended,,
    e2,p5,c5,2026-03-02,,t1,attended,5,3
    e3,p5,c5,2026-03-03,,t1,attended,1,1
    f1,p6,c6,2026-03-01,,t1,attended,7,5
    f2,p6,c6,2026-03-04,,t1,attended,7,5
    """)
    pct = {cid: c["sustained_improvement_pct"] for cid, c in courses_by_id(cli, db).items()}

    # last row with a pain_before is a2 (a3 has none; a4 is cancelled, a decoy)
    assert pct["c1"] == pytest.approx(100 * (8 - 6) / 8)
    assert pct["c2"] is None                                  # 8 and 4 are on one date: no later date
    assert pct["c3"] == pytest.approx(100 * (4 - 6) / 4)      # worse: -50
    assert pct["c3"] < 0
    assert pct["c4"] is None                                  # baseline 0
    assert pct["c5"] == pytest.approx(100 * (5 - 1) / 5)      # baseline skips e1 (no score)
    assert pct["c6"] is not None and pct["c6"] == pytest.approx(0.0)   # unchanged is 0, not null


# --- course inference -------------------------------------------------------------------------

INFERENCE_SESSIONS = f"""
    {SESSIONS}
    i1,p1,,2026-01-01,,t1,attended,6,4
    i2,p1,,2026-01-31,,t1,attended,6,4
    i3,p1,,2026-03-03,,t1,attended,6,4
    j1,p2,,2026-01-01,,t1,attended,6,4
    j2,p2,,2026-01-25,,t1,cancelled,,
    j3,p2,,2026-02-24,,t1,attended,6,4
    q1,p3,,2026-01-01,,t1,attended,6,4
    q2,p3,X,2026-01-20,,t1,attended,6,4
    q3,p3,,2026-02-15,,t1,attended,6,4
    r1,p4,Y,2026-03-01,,t1,attended,6,4
    r2,p4,,2026-03-02,,t1,attended,6,4
    """


def test_courses_without_course_id_are_inferred_from_gaps_of_31_days_or_more(db_from, cli):
    db = db_from(sessions=INFERENCE_SESSIONS)
    rows = course_list(cli, db)
    # p1: 01-01 -> 01-31 is 30 days (same course); 01-31 -> 03-03 is 31 days (new course)
    # p2: 01-01 -> 01-25 (cancelled) 24 days, 01-25 -> 02-24 30 days: one course, bridged by the cancelled row
    # p3: the X row never joins inferred rows; 01-01 -> 02-15 is 45 days, so two inferred courses
    # p4: the inferred row 03-02 does not join course Y of 03-01
    # sorted by patient_id, start_date, course_id ("X" starts 01-20, between p3's inferred courses)
    assert [(r["patient_id"], r["course_id"], r["start_date"], r["sessions_attended"]) for r in rows] == [
        ("p1", "p1:2026-01-01", "2026-01-01", 2),
        ("p1", "p1:2026-03-03", "2026-03-03", 1),
        ("p2", "p2:2026-01-01", "2026-01-01", 2),
        ("p3", "p3:2026-01-01", "2026-01-01", 1),
        ("p3", "X", "2026-01-20", 1),
        ("p3", "p3:2026-02-15", "2026-02-15", 1),
        ("p4", "Y", "2026-03-01", 1),
        ("p4", "p4:2026-03-02", "2026-03-02", 1),
    ]
    assert all(r["planned_sessions"] == 10 for r in rows)


def test_an_earlier_as_of_does_not_change_an_inferred_course_id(db_from, cli):
    db = db_from(sessions=INFERENCE_SESSIONS)
    rows = [r for r in course_list(cli, db, "2026-01-15") if r["patient_id"] == "p1"]
    # only i1 is <= 01-15; the id still comes from inference over all stored rows
    assert [(r["course_id"], r["sessions_attended"], r["attended_days"]) for r in rows] == [
        ("p1:2026-01-01", 1, 1),
    ]
    all_ids = [r["course_id"] for r in course_list(cli, db, "2026-01-15")]
    assert all_ids == ["p1:2026-01-01", "p2:2026-01-01", "p3:2026-01-01"]   # X starts 01-20
