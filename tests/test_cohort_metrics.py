"""Cohort metrics, checked through `python -m clinic metrics --json [--by ...]`.

Every expected value is arithmetic on the tiny fixture next to it, worked out by hand from the
metric definitions in DESIGN.md; nothing here was produced by running the implementation.
The Wilson interval is recomputed here from its textbook formula, independently of clinic.metrics.
"""
from __future__ import annotations

import math

import pytest

AS_OF = "2026-03-10"
Z = 1.959963984540054

SESSIONS = "session_id,patient_id,course_id,session_date,session_time,therapist,status,pain_before,pain_after"
COURSES = "course_id,patient_id,start_date,planned_sessions"
PATIENTS = "patient_id,birth_year,sex,diagnosis,referral_date,doctor_conclusion,imaging,blood_tests,site"

BLOCK_FIELDS = {"courses", "patients", "first_session_relief", "sustained_improvement", "adherence"}
RELIEF_FIELDS = {"assessable", "relieved", "rate", "ci_low", "ci_high"}
SUSTAINED_FIELDS = {"assessable", "median_pct", "responders_30", "responders_50"}
ADHERENCE_FIELDS = {"mean", "adherent", "completed", "dropped_out"}


def wilson(x: int, n: int) -> tuple[float, float]:
    """Wilson score interval, no continuity correction, clamped to [0, 1]."""
    p = x / n
    denominator = 1 + Z * Z / n
    centre = (p + Z * Z / (2 * n)) / denominator
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def metrics(cli, db, as_of: str = AS_OF, by: str | None = None, *flags: str) -> dict:
    args = ["metrics", "--db", db, "--as-of", as_of]
    if by is not None:
        args += ["--by", by]
    code, out = cli(*args, "--json", *flags)
    assert code == 0, out
    assert isinstance(out, dict), out
    return out


def groups_by_key(result: dict) -> dict:
    return {g["key"]: g for g in result["groups"]}


def assert_relief(block: dict, assessable: int, relieved: int) -> None:
    relief = block["first_session_relief"]
    assert relief["assessable"] == assessable
    assert relief["relieved"] == relieved
    if assessable == 0:
        assert relief["rate"] is None
        assert relief["ci_low"] is None
        assert relief["ci_high"] is None
    else:
        low, high = wilson(relieved, assessable)
        assert relief["rate"] == pytest.approx(relieved / assessable, rel=1e-12)
        assert relief["ci_low"] == pytest.approx(low, rel=1e-12)
        assert relief["ci_high"] == pytest.approx(high, rel=1e-12)


def is_count(value) -> bool:
    return type(value) is int


def is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


# --- overall ----------------------------------------------------------------------------------

OVERALL_COURSES = f"""
    {COURSES}
    c1,p1,2026-03-01,5
    c2,p1,2026-03-06,10
    """

OVERALL_SESSIONS = f"""
    {SESSIONS}
    s01,p1,c1,2026-03-01,,t1,attended,8,4
    s02,p1,c1,2026-03-02,,t1,attended,6,
    s03,p1,c1,2026-03-03,,t1,attended,5,
    s04,p1,c1,2026-03-04,,t1,attended,4,
    s05,p1,c1,2026-03-05,,t1,attended,4,
    s06,p1,c2,2026-03-06,,t1,attended,6,5
    s07,p1,c2,2026-03-07,,t1,attended,6,
    s08,p1,c2,2026-03-12,,t1,attended,1,
    s09,p2,,2026-02-20,,t2,attended,5,5
    s10,p2,,2026-02-21,,t2,attended,6,
    s11,p3,,2026-03-01,,t2,attended,0,0
    s12,p3,,2026-03-02,,t2,attended,2,
    s13,p4,,2026-03-11,,t2,attended,9,1
    """
# As of 03-10 (s08 and p4's course, which starts 03-11, are decoys):
#   course         relief             sustained %           adherence                    status
#   c1             (8-4)/8 = 50 % yes  (8-4)/8 = 50          window 03-01..03-05: 5/5     completed
#   c2             (6-5)/6 = 17 % no   (6-6)/6 = 0           03-06..03-09: 2/4            ongoing (03-07, 3 days)
#   p2:2026-02-20  0 % no              (5-6)/5 = -20         02-20..03-01: 2/10           dropped (03-10 - 02-21 = 17)
#   p3:2026-03-01  not assessable      null (baseline 0)     03-01..03-09: 2/9            dropped (03-10 - 03-02 = 8)
# (c2's and p3's windows would end on the as-of day 03-10, which has no visit: it leaves the window)


def test_overall_metrics_count_the_courses_started_by_the_as_of_date(db_from, cli):
    db = db_from(sessions=OVERALL_SESSIONS, courses=OVERALL_COURSES)
    result = metrics(cli, db)
    overall = result["overall"]

    assert result["as_of"] == "2026-03-10"
    assert result["groups"] == []                        # no --by
    assert overall["courses"] == 4
    assert overall["patients"] == 3                      # p1 has two courses and counts once
    assert_relief(overall, assessable=3, relieved=1)

    sustained = overall["sustained_improvement"]
    assert sustained["assessable"] == 3
    assert sustained["median_pct"] == pytest.approx(0.0)   # odd count: middle of -20, 0, 50
    assert sustained["responders_30"] == 1                 # c1 (50)
    assert sustained["responders_50"] == 1                 # c1 (50 exactly)

    adherence = overall["adherence"]
    assert adherence["mean"] == pytest.approx((5 / 5 + 2 / 4 + 2 / 10 + 2 / 9) / 4)   # 0.4806
    assert adherence["adherent"] == 1
    assert adherence["completed"] == 1
    assert adherence["dropped_out"] == 2


def test_the_median_of_two_middle_values_is_their_sum_halved_to_the_last_bit(db_from, cli):
    db = db_from(sessions=f"""
    {SESSIONS}
    a1,p1,c1,2026-03-01,,t1,attended,9,
    a2,p1,c1,2026-03-02,,t1,attended,8,
    b1,p2,c2,2026-03-01,,t1,attended,4,
    b2,p2,c2,2026-03-02,,t1,attended,2,
    f1,p5,c5,2026-03-01,,t1,attended,9,
    """)
    code, courses = cli("courses", "--db", db, "--as-of", AS_OF, "--json")
    assert code == 0, courses
    c1 = {c["course_id"]: c["sustained_improvement_pct"] for c in courses}["c1"]
    assert c1 == pytest.approx(100 / 9)             # (9 - 8) / 9; c2 (4 - 2) / 4 = 50; c5 has one date
    median = metrics(cli, db)["overall"]["sustained_improvement"]["median_pct"]
    assert median == (c1 + 50.0) / 2                # the mean of the two, exactly
    assert (c1 + 50.0) / 2 != c1 + (50.0 - c1) / 2  # (the midpoint reached from the lower one differs in the last bit)


def test_the_median_of_an_even_number_of_values_is_the_mean_of_the_two_middle_ones(db_from, cli):
    db = db_from(sessions=f"""
    {SESSIONS}
    a1,p1,c1,2026-03-01,,t1,attended,8,
    a2,p1,c1,2026-03-02,,t1,attended,4,
    b1,p2,c2,2026-03-01,,t1,attended,10,
    b2,p2,c2,2026-03-02,,t1,attended,7,
    d1,p3,c3,2026-03-01,,t1,attended,8,
    d2,p3,c3,2026-03-02,,t1,attended,6,
    e1,p4,c4,2026-03-01,,t1,attended,5,
    e2,p4,c4,2026-03-02,,t1,attended,6,
    f1,p5,c5,2026-03-01,,t1,attended,9,
    g1,p6,c6,2026-03-01,,t1,attended,0,
    g2,p6,c6,2026-03-02,,t1,attended,0,
    """)
    sustained = metrics(cli, db)["overall"]["sustained_improvement"]
    # c1 (8-4)/8 = 50, c2 (10-7)/10 = 30, c3 (8-6)/8 = 25, c4 (5-6)/5 = -20;
    # c5 has one date and c6 a baseline of 0: not assessable
    assert sustained["assessable"] == 4
    assert sustained["median_pct"] == pytest.approx((25 + 30) / 2)   # sorted -20, 25, 30, 50
    assert sustained["responders_30"] == 2     # 50, and 30 exactly (10 * 3 >= 3 * 10)
    assert sustained["responders_50"] == 1     # 50 exactly (2 * 4 >= 8)


# --- grouping ---------------------------------------------------------------------------------

def test_by_therapist_uses_the_first_attended_session_and_puts_the_course_without_sessions_last(db_from, cli):
    db = db_from(
        sessions=f"""
        {SESSIONS}
        g1,p1,c1,2026-03-01,,bob,attended,8,4
        g2,p1,c1,2026-03-02,,bob,attended,6,
        g3,p1,c5,2026-03-05,,bob,attended,6,6
        g4,p2,c2,2026-03-01,,bob,no_show,,
        g5,p2,c2,2026-03-02,,alice,attended,9,3
        g6,p3,c3,2026-03-01,,alice,attended,5,4
        g7,p3,c3,2026-03-02,,bob,attended,4,
        """,
        courses=f"""
        {COURSES}
        c4,p4,2026-03-01,10
        """,
    )
    # As of 03-10, which has no visit in any course, so it leaves every window that would end on it:
    # c1 bob: relief 50 % yes; sustained (8-6)/8 = 25; adherence 03-01..03-09: 2/9; dropped (03-10 - 03-02 = 8)
    # c5 bob: relief 0 % no; sustained null (one date); adherence 03-05..03-09: 1/5; ongoing (5 days)
    # c2 alice (the no-show is bob's, the first attended row alice's): relief (9-3)/9 yes;
    #    sustained null; adherence 1/9; dropped (8 days)
    # c3 alice (the later bob row does not move it): relief (5-4)/5 = 20 % no; sustained (5-4)/5 = 20;
    #    adherence 2/9; dropped (8 days)
    # c4 no sessions: therapist null; adherence 0/9 = 0; dropped (03-10 - 03-01 = 9)
    result = metrics(cli, db, by="therapist")
    assert [g["key"] for g in result["groups"]] == ["alice", "bob", None]
    alice, bob, nobody = result["groups"]

    assert (alice["courses"], alice["patients"]) == (2, 2)
    assert_relief(alice, assessable=2, relieved=1)
    assert alice["sustained_improvement"] == {
        "assessable": 1, "median_pct": pytest.approx(20.0), "responders_30": 0, "responders_50": 0,
    }
    assert alice["adherence"]["mean"] == pytest.approx((1 / 9 + 2 / 9) / 2)
    assert (alice["adherence"]["adherent"], alice["adherence"]["completed"], alice["adherence"]["dropped_out"]) == (0, 0, 2)

    assert (bob["courses"], bob["patients"]) == (2, 1)          # both of p1's courses
    assert_relief(bob, assessable=2, relieved=1)
    assert bob["sustained_improvement"]["assessable"] == 1
    assert bob["sustained_improvement"]["median_pct"] == pytest.approx(25.0)
    assert bob["adherence"]["mean"] == pytest.approx((2 / 9 + 1 / 5) / 2)
    assert (bob["adherence"]["adherent"], bob["adherence"]["completed"], bob["adherence"]["dropped_out"]) == (0, 0, 1)

    assert (nobody["courses"], nobody["patients"]) == (1, 1)
    assert_relief(nobody, assessable=0, relieved=0)
    assert nobody["sustained_improvement"] == {
        "assessable": 0, "median_pct": None, "responders_30": 0, "responders_50": 0,
    }
    assert nobody["adherence"]["mean"] == 0                     # one counted course with adherence 0: not null
    assert nobody["adherence"]["mean"] is not None
    assert nobody["adherence"]["dropped_out"] == 1

    overall = result["overall"]
    assert (overall["courses"], overall["patients"]) == (5, 4)
    assert_relief(overall, assessable=4, relieved=2)
    assert overall["adherence"]["mean"] == pytest.approx((2 / 9 + 1 / 5 + 1 / 9 + 2 / 9 + 0) / 5)


DIMENSION_PATIENTS = f"""
    {PATIENTS}
    p1,1990,F,disc_herniation,2026-02-20,true,mri,true,north
    p2,1960,m,spinal_stenosis,2026-02-21,false,none,false,south
    p3,1975,F,disc_herniation,2026-02-22,TRUE,xray,true,south
    """

DIMENSION_SESSIONS = f"""
    {SESSIONS}
    s1,p1,c1,2026-03-01,,t1,attended,8,4
    s2,p2,c2,2026-03-01,,t1,attended,6,5
    s3,p3,c3,2026-03-01,,t1,attended,10,2
    s4,p4,c4,2026-03-01,,t1,attended,7,7
    s5,p1,c5,2026-03-05,,t1,attended,5,1
    """
# relief: c1 (8-4)/8 yes, c2 (6-5)/6 no, c3 (10-2)/10 yes, c4 0 % no, c5 (5-1)/5 yes.
# p4 is not in patients.csv, so every patient attribute of c4 is null.


@pytest.mark.parametrize("by, expected", [
    # key: (courses, patients, relieved of assessable)
    ("diagnosis", {"disc_herniation": (3, 2, 3), "spinal_stenosis": (1, 1, 0), None: (1, 1, 0)}),
    ("sex", {"F": (3, 2, 3), "M": (1, 1, 0), None: (1, 1, 0)}),
    ("site", {"north": (2, 1, 2), "south": (2, 2, 1), None: (1, 1, 0)}),
])
def test_patient_attributes_group_courses_and_a_patient_missing_from_patients_csv_is_null(db_from, cli, by, expected):
    db = db_from(sessions=DIMENSION_SESSIONS, patients=DIMENSION_PATIENTS)
    result = metrics(cli, db, by=by)

    assert [g["key"] for g in result["groups"]] == list(expected)   # sorted by key, null last
    for group in result["groups"]:
        courses, patients, relieved = expected[group["key"]]
        assert (group["courses"], group["patients"]) == (courses, patients), group["key"]
        assert_relief(group, assessable=courses, relieved=relieved)  # every first session is assessable
    assert (result["overall"]["courses"], result["overall"]["patients"]) == (5, 4)


AGE_PATIENTS = f"""
    {PATIENTS}
    a1,1997,F,other,2026-02-01,true,mri,true,north
    a2,1996,F,other,2026-02-01,true,mri,true,north
    a3,1982,F,other,2026-02-01,true,mri,true,north
    a4,1981,F,other,2026-02-01,true,mri,true,north
    a5,1967,F,other,2026-02-01,true,mri,true,north
    a6,1966,F,other,2026-02-01,true,mri,true,north
    a7,1996,F,other,2026-02-01,true,mri,true,north
    a8,2026,F,other,2026-02-01,true,mri,true,north
    a10,,F,other,2026-02-01,true,mri,true,north
    """

AGE_SESSIONS = f"""
    {SESSIONS}
    s1,a1,c1,2026-03-01,,t1,attended,6,4
    s2,a2,c2,2026-03-01,,t1,attended,6,4
    s3,a3,c3,2026-03-01,,t1,attended,6,4
    s4,a4,c4,2026-03-01,,t1,attended,6,4
    s5,a5,c5,2026-03-01,,t1,attended,6,4
    s6,a6,c6,2026-03-01,,t1,attended,6,4
    s7,a7,c7,2025-12-20,,t1,attended,6,4
    s8,a8,c8,2025-12-20,,t1,attended,6,4
    s9,a9,c9,2026-03-01,,t1,attended,6,4
    s10,a10,c10,2026-03-01,,t1,attended,6,4
    """
# age = year(start_date) - birth_year:
#   a1 2026-1997 = 29 <30      a2 2026-1996 = 30 30-44    a3 2026-1982 = 44 30-44
#   a4 2026-1981 = 45 45-59    a5 2026-1967 = 59 45-59    a6 2026-1966 = 60 60+
#   a7 2025-1996 = 29 <30 (the as-of year would make it 30)
#   a8 2025-2026 = -1 null     a9 not in patients.csv: null     a10 no birth_year: null


def test_age_band_uses_the_year_of_the_start_date_and_missing_or_impossible_ages_are_null(db_from, cli):
    db = db_from(sessions=AGE_SESSIONS, patients=AGE_PATIENTS)
    groups = groups_by_key(metrics(cli, db, by="age_band"))
    assert {key: g["courses"] for key, g in groups.items()} == {
        "<30": 2,      # a1, a7
        "30-44": 2,    # a2, a3
        "45-59": 2,    # a4, a5
        "60+": 1,      # a6
        None: 3,       # a8, a9, a10
    }


def test_age_band_groups_are_sorted_by_key_text_with_null_last(db_from, cli):
    db = db_from(sessions=AGE_SESSIONS, patients=AGE_PATIENTS)
    keys = [g["key"] for g in metrics(cli, db, by="age_band")["groups"]]
    # DESIGN.md: "groups sorted by key, null last" -- as text, "<" (0x3C) sorts after the digits
    assert keys == ["30-44", "45-59", "60+", "<30", None]


def test_start_month_comes_from_the_course_start_date_even_a_no_show_or_a_courses_csv_date(db_from, cli):
    db = db_from(
        sessions=f"""
        {SESSIONS}
        m1,p1,,2026-02-27,,t1,no_show,,
        m2,p1,,2026-03-02,,t1,attended,8,4
        m3,p2,c2,2026-03-01,,t1,attended,8,4
        m4,p3,c3,2025-12-31,,t1,attended,8,8
        m5,p5,c5,2026-02-25,,t1,attended,8,4
        """,
        courses=f"""
        {COURSES}
        c5,p5,2026-03-05,10
        """,
    )
    # p1:2026-02-27 starts with the no-show -> 2026-02; c5 starts 03-05 (courses.csv) although
    # its attended row is 02-25 -> 2026-03; c3 -> 2025-12; c2 -> 2026-03
    result = metrics(cli, db, by="start_month")
    assert [(g["key"], g["courses"]) for g in result["groups"]] == [
        ("2025-12", 1), ("2026-02", 1), ("2026-03", 2),
    ]
    march = result["groups"][2]
    assert march["patients"] == 2
    assert_relief(march, assessable=2, relieved=2)        # c2 (8-4)/8, c5 (8-4)/8


# --- nothing to count, intervals, rules -------------------------------------------------------

def test_nothing_to_count_gives_zero_counts_and_null_rates_medians_and_means(db_from, cli):
    db = db_from(sessions=f"""
    {SESSIONS}
    s1,p1,c1,2026-03-01,,t1,attended,8,4
    s2,p1,c1,2026-03-02,,t1,attended,6,3
    """)
    for by in (None, "therapist"):
        result = metrics(cli, db, "2026-02-01", by)      # before every course
        assert result["as_of"] == "2026-02-01"
        assert result["groups"] == []
        assert result["overall"] == {
            "courses": 0,
            "patients": 0,
            "first_session_relief": {"assessable": 0, "relieved": 0, "rate": None, "ci_low": None, "ci_high": None},
            "sustained_improvement": {"assessable": 0, "median_pct": None, "responders_30": 0, "responders_50": 0},
            "adherence": {"mean": None, "adherent": 0, "completed": 0, "dropped_out": 0},
        }


def test_counted_courses_with_no_assessable_first_session_give_a_null_rate_and_interval(db_from, cli):
    db = db_from(sessions=f"""
    {SESSIONS}
    s1,p1,c1,2026-03-01,,t1,attended,0,0
    s2,p2,c2,2026-03-01,,t1,attended,7,
    s3,p3,c3,2026-03-01,,t1,no_show,,
    """)
    # c1 pain_before 0, c2 no pain_after, c3 nothing attended: 3 courses, 0 assessable
    overall = metrics(cli, db)["overall"]
    assert overall["courses"] == 3
    assert overall["first_session_relief"] == {
        "assessable": 0, "relieved": 0, "rate": None, "ci_low": None, "ci_high": None,
    }


def test_the_wilson_interval_is_clamped_to_0_and_1_when_all_or_none_are_relieved(db_from, cli):
    db = db_from(sessions=f"""
    {SESSIONS}
    a1,p1,c1,2026-03-01,,all,attended,8,4
    a2,p2,c2,2026-03-01,,all,attended,6,2
    a3,p3,c3,2026-03-01,,all,attended,10,0
    n1,p4,c4,2026-03-01,,none,attended,6,6
    n2,p5,c5,2026-03-01,,none,attended,5,4
    """)
    groups = groups_by_key(metrics(cli, db, by="therapist"))

    every = groups["all"]["first_session_relief"]         # 3 of 3
    assert every["rate"] == pytest.approx(1.0)
    assert every["ci_low"] == pytest.approx(wilson(3, 3)[0], rel=1e-12)
    assert every["ci_high"] == pytest.approx(1.0, rel=1e-12)
    assert every["ci_high"] <= 1.0

    none = groups["none"]["first_session_relief"]         # 0 of 2: (6-6)/6 and (5-4)/5 = 20 %
    assert none["rate"] == pytest.approx(0.0)
    assert none["ci_low"] == pytest.approx(0.0, abs=1e-12)
    assert none["ci_low"] >= 0.0
    assert none["ci_high"] == pytest.approx(wilson(0, 2)[1], rel=1e-12)


@pytest.mark.parametrize("rule, relieved", [
    (None, 4),        # default = pct30
    ("pct30", 4),     # 10->7 (30 >= 30), 3->2 (10 >= 9), 4->2, 1->0
    ("points2", 3),   # 10->7 (3), 10->8 (2), 4->2 (2)
    ("pct50", 2),     # 4->2 (4 >= 4), 1->0 (2 >= 1)
])
def test_the_relief_rule_flag_changes_which_first_sessions_count_as_relieved(db_from, cli, rule, relieved):
    db = db_from(sessions=f"""
    {SESSIONS}
    r1,p1,c1,2026-03-01,,t1,attended,10,7
    r2,p2,c2,2026-03-01,,t1,attended,10,8
    r3,p3,c3,2026-03-01,,t1,attended,3,2
    r4,p4,c4,2026-03-01,,t1,attended,4,2
    r5,p5,c5,2026-03-01,,t1,attended,1,0
    r6,p6,c6,2026-03-01,,t1,attended,0,0
    """)
    flags = () if rule is None else ("--relief-rule", rule)
    result = metrics(cli, db, AS_OF, None, *flags)
    assert_relief(result["overall"], assessable=5, relieved=relieved)   # c6 (pain_before 0) never assessable


# --- JSON shape -------------------------------------------------------------------------------

def test_metrics_json_has_every_field_with_json_types(db_from, cli):
    db = db_from(sessions=OVERALL_SESSIONS, courses=OVERALL_COURSES)
    result = metrics(cli, db, by="therapist")

    assert {"as_of", "overall", "groups"} <= set(result)   # the documented keys; echoes of flags may be added
    assert isinstance(result["as_of"], str)
    assert isinstance(result["groups"], list)
    blocks = [result["overall"], *result["groups"]]
    assert set(result["overall"]) == BLOCK_FIELDS
    for group in result["groups"]:
        assert set(group) == BLOCK_FIELDS | {"key"}
    for block in blocks:
        assert is_count(block["courses"]) and is_count(block["patients"])
        relief = block["first_session_relief"]
        assert set(relief) == RELIEF_FIELDS
        assert is_count(relief["assessable"]) and is_count(relief["relieved"])
        assert all(is_number(relief[k]) for k in ("rate", "ci_low", "ci_high"))
        sustained = block["sustained_improvement"]
        assert set(sustained) == SUSTAINED_FIELDS
        assert all(is_count(sustained[k]) for k in ("assessable", "responders_30", "responders_50"))
        adherence = block["adherence"]
        assert set(adherence) == ADHERENCE_FIELDS
        assert is_number(adherence["mean"])
        assert all(is_count(adherence[k]) for k in ("adherent", "completed", "dropped_out"))

    # t1: c1, c2 (p1); t2: p2:2026-02-20, p3:2026-03-01 -- the t2 course of p4 starts after as-of
    assert [(g["key"], g["courses"], g["patients"]) for g in result["groups"]] == [("t1", 2, 1), ("t2", 2, 2)]
    t1, t2 = result["groups"]
    assert t1["sustained_improvement"]["median_pct"] == pytest.approx((50 + 0) / 2)        # even: c1 50, c2 0
    assert t2["sustained_improvement"]["median_pct"] == pytest.approx(-20.0)              # p3's is null
    assert is_number(t1["sustained_improvement"]["median_pct"])
    assert_relief(t1, assessable=2, relieved=1)
    assert_relief(t2, assessable=1, relieved=0)
