"""The expected course of similar past courses and the below-expected verdict (clinic/trajectory.py,
queries/trajectory_*.sql), on a tiny clinic worked out by hand.

As of 2026-03-20. Similar courses of a disc-herniation course with a moderate baseline (4-6): the
completed disc-herniation courses whose pain before session 1 is 4-6, A..F (planned 4, daily from
03-01, all completed). Pain before sessions 1..4:
    A 6 5 4 3   (Birch)          D 6 6 5 5   (Cedar)
    B 5 5 4 4   (Birch)          E 5 4 4 3   (Cedar)
    C 4 4 3 2   (Birch)          F 4 3 2 -   (Cedar; no score before session 4)
Percentiles are linear interpolation at rank (n - 1) * p of the sorted scores (0-based):
    k=1: 4 4 5 5 6 6 (n 6): q25 rank 1.25 -> 4 + .25 * 1 = 4.25; median rank 2.5 -> 5; q75 rank 3.75 -> 5.75
    k=2: 3 4 4 5 5 6 (n 6): q25 1.25 -> 4; median 2.5 -> 4.5; q75 3.75 -> 5
    k=3: 2 3 4 4 4 5 (n 6): q25 1.25 -> 3.25; median 2.5 -> 4; q75 3.75 -> 4
    k=4: 2 3 3 4 5   (n 5): q25 rank 1 -> 3; median 2 -> 3; q75 3 -> 4
Courses judged against them (ongoing, disc herniation, baseline moderate, Birch):
    T 6 6 6 6 (03-14..03-17): at k=4, 6 > 4: below expected
    U 5 5 5 4 (03-14..03-17): at k=4, 4 is not above 4 (equal): not below
    V 5 5 5   (03-15..03-17): latest k=3, not after 3 sessions: not judged
Decoys that would pull every percentile up if counted (scores of 10):
    G piriformis syndrome (other diagnosis), completed, 5 10 10 10
    H disc herniation, completed, baseline 8 (severe band), 8 10 10 10
    I disc herniation, baseline 5, dropped out after 2 sessions (not completed), 5 10
    J disc herniation, baseline 5, starts 03-22 (after the as-of date), 5 10 10 10
    K disc herniation, baseline 5, 3 sessions by 03-20 and its 4th on 03-21 (completed only after
      the as-of date), 5 10 10 | 10
    L disc herniation, completed, no score before session 1 (no baseline), - 10 10 10
"""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from clinic import db, metrics, trajectory
from clinic.filters import Filters
from clinic.settings import Settings
from query_support import build_db

AS_OF = dt.date(2026, 3, 20)

PATIENTS = """
patient_id,birth_year,sex,diagnosis
pA,1970,F,disc_herniation
pB,1971,M,disc_herniation
pC,1972,F,disc_herniation
pD,1973,M,disc_herniation
pE,1974,F,disc_herniation
pF,1975,M,disc_herniation
pG,1976,F,piriformis_syndrome
pH,1977,M,disc_herniation
pI,1978,F,disc_herniation
pJ,1979,M,disc_herniation
pK,1980,F,disc_herniation
pL,1981,M,disc_herniation
pT,1982,F,disc_herniation
pU,1983,M,disc_herniation
pV,1984,F,disc_herniation
"""
COURSES = """
course_id,patient_id,start_date,planned_sessions
A,pA,2026-03-01,4
B,pB,2026-03-01,4
C,pC,2026-03-01,4
D,pD,2026-03-01,4
E,pE,2026-03-01,4
F,pF,2026-03-01,4
G,pG,2026-03-01,4
H,pH,2026-03-01,4
I,pI,2026-03-01,4
J,pJ,2026-03-22,4
K,pK,2026-03-18,4
L,pL,2026-03-01,4
T,pT,2026-03-14,10
U,pU,2026-03-14,10
V,pV,2026-03-15,10
"""


def course_rows(course: str, therapist: str, first_day: dt.date, scores: list) -> list[str]:
    """One attended session a day from first_day, pain before as given (None = not recorded), after 1."""
    rows = []
    for number, score in enumerate(scores):
        day = first_day + dt.timedelta(days=number)
        rows.append(f"{course}{number + 1},p{course},{course},{day},{therapist},attended,"
                    f"{'' if score is None else score},1")
    return rows


MARCH = lambda day: dt.date(2026, 3, day)  # noqa: E731
SESSIONS = "\n".join(["session_id,patient_id,course_id,session_date,therapist,status,pain_before,pain_after"] + [
    *course_rows("A", "Birch", MARCH(1), [6, 5, 4, 3]),
    *course_rows("B", "Birch", MARCH(1), [5, 5, 4, 4]),
    *course_rows("C", "Birch", MARCH(1), [4, 4, 3, 2]),
    *course_rows("D", "Cedar", MARCH(1), [6, 6, 5, 5]),
    *course_rows("E", "Cedar", MARCH(1), [5, 4, 4, 3]),
    *course_rows("F", "Cedar", MARCH(1), [4, 3, 2, None]),
    *course_rows("G", "Cedar", MARCH(1), [5, 10, 10, 10]),
    *course_rows("H", "Cedar", MARCH(1), [8, 10, 10, 10]),
    *course_rows("I", "Cedar", MARCH(1), [5, 10]),
    *course_rows("J", "Cedar", MARCH(22), [5, 10, 10, 10]),
    *course_rows("K", "Cedar", MARCH(18), [5, 10, 10, 10]),
    *course_rows("L", "Cedar", MARCH(1), [None, 10, 10, 10]),
    *course_rows("T", "Birch", MARCH(14), [6, 6, 6, 6]),
    *course_rows("U", "Birch", MARCH(14), [5, 5, 5, 4]),
    *course_rows("V", "Birch", MARCH(15), [5, 5, 5]),
])


@pytest.fixture(scope="module")
def clinic_db(tmp_path_factory):
    return build_db(tmp_path_factory.mktemp("trajectory"), SESSIONS, COURSES, PATIENTS)


@pytest.fixture
def con(clinic_db):
    with db.owned(db.connect(clinic_db, read_only=True)) as connection:
        yield connection


def expected(con, course_id: str, **changes):
    filters = Filters(as_of=AS_OF, **changes)
    return trajectory.expected_course(trajectory.runner(con, filters), filters, course_id)


def test_the_baseline_bands_are_mild_moderate_and_severe():
    assert [trajectory.band_of(p) for p in (0, 3, 4, 6, 7, 10, None)] == \
        ["mild", "mild", "moderate", "moderate", "severe", "severe", None]


def test_the_expected_course_is_the_median_and_quartiles_of_the_six_similar_completed_courses(con):
    found = expected(con, "T")
    assert (found.diagnosis, found.baseline_pain, found.baseline_band) == ("disc_herniation", 6, "moderate")
    assert found.similar_courses == 6                        # A..F; G..L are decoys
    points = found.points
    assert list(points.session_number) == [1, 2, 3, 4]      # up to the most planned sessions (4)
    assert list(points.courses) == [6, 6, 6, 5]             # F has no score before session 4
    assert list(points.q25_pain) == [4.25, 4, 3.25, 3]
    assert list(points.median_pain) == [5, 4.5, 4, 3]
    assert list(points.q75_pain) == [5.75, 5, 4, 4]
    assert found.drawable and list(points.shown) == [True] * 4
    assert found.sentence().startswith("Expected course: 6 similar completed courses (Disc herniation, moderate "
                                       "baseline pain, 4–6)")


def test_a_completed_course_is_left_out_of_its_own_expected_course(con):
    found = expected(con, "A")                              # A's scores 6 5 4 3 leave
    assert found.similar_courses == 5                       # B..F
    first = found.points.iloc[0]                            # 5 4 6 5 4 -> 4 4 5 5 6 (n 5): ranks 1, 2, 3
    assert (first.courses, first.q25_pain, first.median_pain, first.q75_pain) == (5, 4, 5, 5)


def test_a_point_with_fewer_than_the_fewest_courses_to_judge_is_suppressed(con):
    found = expected(con, "T", settings=Settings(min_cohort=6))
    assert list(found.points.shown) == [True, True, True, False]     # 5 scored at session 4
    assert found.points.q75_pain.isna().tolist() == [False, False, False, True]
    assert found.points.courses.iloc[3] == 5                         # the n is still said
    assert "1 session number with fewer than 6 scored courses not drawn" in found.sentence()


def test_too_few_similar_courses_draw_no_expected_course(con):
    found = expected(con, "T", settings=Settings(min_cohort=7))     # 6 similar courses
    assert not found.drawable and found.shown_points.empty
    assert found.sentence() == ("Expected course: 6 similar completed courses (Disc herniation, moderate baseline "
                                "pain, 4–6): too few similar courses to draw an expected course (at least 7 are "
                                "needed).")
    assert found.points.q75_pain.isna().all()               # nothing leaves the database


def test_the_expected_course_is_the_whole_clinics_but_only_an_own_course_opens(con):
    birch = expected(con, "T", scope="Birch")
    assert birch.similar_courses == 6                       # Cedar's D, E, F count in the aggregate
    assert list(birch.points.q75_pain) == [5.75, 5, 4, 4]
    assert expected(con, "D", scope="Birch") is None        # Cedar's patient: not opened
    assert expected(con, "T", therapists=("Birch",)).similar_courses == 6   # a sidebar filter narrows no reference


def test_a_course_without_a_baseline_score_has_no_similar_courses(con):
    found = expected(con, "L")
    assert found.baseline_band is None and found.similar_courses == 0 and not found.drawable
    assert "pain before the first session was not recorded" in found.sentence()


def test_below_expected_means_worse_than_three_in_four_similar_courses_after_three_sessions(con):
    filters = Filters(as_of=AS_OF)
    verdicts = trajectory.below_expected(con, filters, ["T", "U", "V", "nobody"])
    assert verdicts == {"T": True,      # 6 before session 4 > 4
                        "U": False,     # 4 = 4: not above
                        "V": None}      # latest scored session 3 is not after 3 sessions; "nobody" is no course
    details = trajectory.verdicts(trajectory.runner(con, filters), filters, ["T"])["T"]
    assert (details.latest_session, details.latest_pain, details.courses_at_session, details.expected_q75_pain) == \
        (4, 6, 5, 4)
    assert details.sentence(3).startswith("Below the expected course: pain 6 before session 4, above the 75th "
                                          "percentile of similar courses there (4; n = 5)")


def test_progress_after_moves_when_a_course_is_first_judged(con):
    filters = Filters(as_of=AS_OF, settings=Settings(progress_after=2))
    assert trajectory.below_expected(con, filters, ["V"]) == {"V": True}    # k=3: 5 > 4
    later = Filters(as_of=AS_OF, settings=Settings(progress_after=4))
    assert trajectory.below_expected(con, later, ["T"]) == {"T": None}      # k=4 is not after 4


def test_a_completed_course_is_judged_without_its_own_score(con):
    filters = Filters(as_of=AS_OF, settings=Settings(min_cohort=4))
    # D at session 4 scored 5; the others: A 3, B 4, C 2, E 3 -> 2 3 3 4, q75 rank 2.25 -> 3 + .25 = 3.25 < 5
    # A at session 4 scored 3; the others: B 4, C 2, D 5, E 3 -> 2 3 4 5, q75 rank 2.25 -> 4 + .25 = 4.25 >= 3
    found = trajectory.verdicts(trajectory.runner(con, filters), filters, ["D", "A"])
    assert (found["D"].expected_q75_pain, found["D"].below_expected, found["D"].similar_courses) == (3.25, True, 5)
    assert (found["A"].expected_q75_pain, found["A"].below_expected) == (4.25, False)
    # with the default 5, four scored courses at session 4 are too few to judge
    assert trajectory.below_expected(con, Filters(as_of=AS_OF), ["D"]) == {"D": None}


def test_the_verdict_for_many_courses_agrees_with_the_drawn_band_at_the_latest_session(con):
    filters = Filters(as_of=AS_OF, settings=Settings(min_cohort=3))
    ids = list("ABCDEFGHIKLTUV")
    run = trajectory.runner(con, filters)
    found = trajectory.verdicts(run, filters, ids)
    for course_id in ids:
        drawn = trajectory.expected_course(run, filters, course_id)
        verdict = found[course_id]
        assert verdict.similar_courses == drawn.similar_courses, course_id
        at = drawn.points.loc[drawn.points.session_number == verdict.latest_session]
        band_q75 = None if at.empty or pd.isna(at.q75_pain.iloc[0]) else float(at.q75_pain.iloc[0])
        if drawn.similar_courses < filters.settings.min_cohort:
            band_q75 = None
        assert verdict.expected_q75_pain == band_q75, course_id


def test_a_therapists_view_never_judges_on_fewer_courses_than_the_default_minimum(con):
    low = Settings(min_cohort=4)
    # A at session 4 is judged on B, C, D, E (4 scored courses): enough for the director at 4 ...
    assert trajectory.below_expected(con, Filters(as_of=AS_OF, settings=low), ["A"]) == {"A": False}
    # ... but a therapist's view needs the default 5 whatever the setting
    assert trajectory.below_expected(con, Filters(as_of=AS_OF, settings=low, scope="Birch"), ["A"]) == {"A": None}
    assert expected(con, "A", settings=low, scope="Birch").min_cohort == 5
    assert list(expected(con, "A", settings=low, scope="Birch").points.shown) == [True, True, True, False]


def test_the_courses_a_filter_leaves_out_get_no_verdict(con):
    assert trajectory.below_expected(con, Filters(as_of=AS_OF, scope="Cedar"), ["T", "D"]) == {"D": None}
    assert trajectory.below_expected(con, Filters(as_of=AS_OF), []) == {}


def test_the_open_courses_table_can_be_passed_in(con):
    filters = Filters(as_of=AS_OF)
    table = metrics.open_courses(con, filters)
    assert trajectory.below_expected(con, filters, ["T"], table) == {"T": True}


def test_the_protocol_flags_carry_the_same_verdicts_into_failure_to_progress(con):
    from clinic import flags

    low = Settings(min_cohort=4)
    for filters in (Filters(as_of=AS_OF), Filters(as_of=AS_OF, settings=low),
                    Filters(as_of=AS_OF, settings=low, scope="Birch"), Filters(as_of=dt.date(2026, 3, 16))):
        found = flags.courses(flags.reader(con, filters)).set_index("course_id")
        verdicts = trajectory.below_expected(con, filters, list(found.index))
        assert {c: (None if pd.isna(v) else bool(v)) for c, v in found.below_expected.items()} == verdicts, filters
    found = flags.courses(flags.reader(con, Filters(as_of=AS_OF))).set_index("course_id")
    # T: 6 -> 6 (MCID not met) and below expected; U: 5 -> 4 (not met), not below; V: not judged yet
    assert [(found.loc[c, "mcid_not_met"], found.loc[c, "below_expected"], found.loc[c, "failure_to_progress"])
            for c in "TU"] == [(True, True, True), (True, False, True)]
    assert pd.isna(found.loc["V", "failure_to_progress"]) and found.loc["T", "expected_q75_pain"] == 4
