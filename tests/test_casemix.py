"""The case-mix model (clinic/casemix.py): a saturated model whose expected values are each level's
observed rate, so O/E per therapist is worked out by hand; the interval on a small case; and the
guard rails (too few courses, no variation, separation, rare levels) said in words."""
from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from clinic import casemix
from clinic.filters import Filters
from query_support import read

Z95 = 1.959963984540054
AS_OF = dt.date(2026, 3, 20)


# ---------------------------------------------------------------- the interval

def test_the_ratio_interval_is_o_plus_or_minus_z_root_v_over_e():
    # O = 3, E = 2, V = 0.5: half = 1.959963984540054 · 0.7071067811865476 = 1.3859038243496777
    # ratio 1.5; low (3 − 1.3859038243496777) / 2 = 0.8070480878251611; high 4.385903824349678 / 2 = 2.192951912174839
    ratio, low, high = casemix.ratio_interval(3, 2.0, 0.5)
    assert ratio == 1.5
    assert low == pytest.approx(0.8070480878251611, abs=1e-12)
    assert high == pytest.approx(2.192951912174839, abs=1e-12)


def test_the_low_end_never_goes_below_zero_and_no_expected_gives_no_ratio():
    # O = 0, E = 1, V = 0.25: low (0 − 0.98) / 1 -> 0; high 0.979981992270027
    assert casemix.ratio_interval(0, 1.0, 0.25) == pytest.approx((0.0, 0.0, 0.979981992270027), abs=1e-12)
    assert casemix.ratio_interval(2, 0.0, 0.0) == (None, None, None)


# ---------------------------------------------------------------- a saturated model, through the database

# 40 courses, one session each on 2026-03-01, pain 8 before every first session (the same baseline),
# every patient F, born 1970 (45-59 in 2026), with a doctor's conclusion, no acute inflammation, site
# North: the only input that varies is the diagnosis, two levels, so the fitted probability of each
# level is its observed rate:
#   disc_herniation (20 courses): 15 relieved (8->4) -> 3/4
#   piriformis_syndrome (20):      5 relieved        -> 1/4      (not relieved: 8->7)
# T1: 10 disc (9 relieved) + 2 piriformis (1 relieved): n 12, O 10,
#     E = 10·3/4 + 2·1/4 = 8, V = 12 · (3/4·1/4) = 2.25
# T2: 10 disc (6 relieved) + 18 piriformis (4 relieved): n 28, O 10,
#     E = 10·3/4 + 18·1/4 = 12, V = 28 · 3/16 = 5.25
# Decoys: c41 of T1, pain 0 before (not assessable: neither in the model nor in T1's n);
#         c42 of T2 dated 03-25, after the as-of date.
def _clinic_rows():
    plan = ([("T1", "disc_herniation", True)] * 9 + [("T1", "disc_herniation", False)]
            + [("T1", "piriformis_syndrome", True)] + [("T1", "piriformis_syndrome", False)]
            + [("T2", "disc_herniation", True)] * 6 + [("T2", "disc_herniation", False)] * 4
            + [("T2", "piriformis_syndrome", True)] * 4 + [("T2", "piriformis_syndrome", False)] * 14)
    assert len(plan) == 40
    sessions = ["session_id,patient_id,course_id,session_date,therapist,status,pain_before,pain_after,"
                "acute_inflammation"]
    patients = ["patient_id,birth_year,sex,diagnosis,doctor_conclusion,site"]
    for i, (therapist, diagnosis, relieved) in enumerate(plan, start=1):
        after = 4 if relieved else 7
        sessions.append(f"s{i},p{i},c{i:02d},2026-03-01,{therapist},attended,8,{after},false")
        patients.append(f"p{i},1970,F,{diagnosis},true,North")
    sessions.append("s41,p41,c41,2026-03-02,T1,attended,0,0,false")
    sessions.append("s42,p42,c42,2026-03-25,T2,attended,8,1,false")
    patients.append("p41,1970,F,disc_herniation,true,North")
    patients.append("p42,1970,F,disc_herniation,true,North")
    return "\n".join(sessions), "\n".join(patients)


@pytest.fixture(scope="module")
def saturated(tmp_path_factory):
    from query_support import build_db

    sessions, patients = _clinic_rows()
    return build_db(tmp_path_factory.mktemp("casemix"), sessions, None, patients)




def test_a_saturated_model_expects_each_levels_observed_rate(saturated):
    report = read(saturated, casemix.report, Filters(as_of=AS_OF), "therapist", "relief")
    model = report["model"]
    assert model["fitted"] and model["n"] == 40 and model["events"] == 20
    assert model["inputs"] == ["diagnosis"]
    assert {o["input"] for o in model["left_out"]} == {"baseline_pain", "age_band", "sex", "acute_first",
                                                      "doctor_conclusion"}
    assert model["formula"] == "logit P(first_session_relief) ~ C(diagnosis, reference='disc_herniation')"
    # intercept log(3/4 ÷ 1/4) = log 3; piriformis: log(1/3) − log 3 = −2 log 3
    estimates = {c["term"]: c["estimate"] for c in model["coefficients"]}
    assert estimates["intercept"] == pytest.approx(math.log(3), abs=1e-6)
    assert estimates["diagnosis[piriformis_syndrome]"] == pytest.approx(-2 * math.log(3), abs=1e-6)


def test_observed_against_expected_per_therapist_matches_the_hand_calculation(saturated):
    report = read(saturated, casemix.report, Filters(as_of=AS_OF), "therapist", "relief")
    t1, t2 = report["units"]
    assert (t1["key"], t1["courses"], t1["observed"]) == ("T1", 12, 10)
    assert t1["expected"] == pytest.approx(8.0, abs=1e-6)
    assert t1["ratio"] == pytest.approx(10 / 8, abs=1e-6)
    # (10 ± 1.959963984540054 · √2.25) / 8 = (10 ± 2.939945976810081) / 8
    assert t1["ci_low"] == pytest.approx(0.8825067528987399, abs=1e-6)
    assert t1["ci_high"] == pytest.approx(1.6174932471012601, abs=1e-6)
    assert (t2["key"], t2["courses"], t2["observed"]) == ("T2", 28, 10)
    assert t2["expected"] == pytest.approx(12.0, abs=1e-6)
    # (10 ± 1.959963984540054 · √5.25) / 12, √5.25 = 2.29128784747792
    assert t2["ci_low"] == pytest.approx((10 - Z95 * 2.29128784747792) / 12, abs=1e-6)
    assert t2["ci_high"] == pytest.approx((10 + Z95 * 2.29128784747792) / 12, abs=1e-6)
    assert t2["observed_rate"] == pytest.approx(10 / 28) and t2["expected_rate"] == pytest.approx(12 / 28)
    # Wilson 95 % of 10 of 12 (T1): centre (10/12 + z²/24) / (1 + z²/12) = 0.993394 / 1.320122 = 0.752501,
    #   half z·sqrt((10/12)(2/12)/12 + z²/576) / 1.320122 = 1.959964 · 0.135068 / 1.320122 = 0.200532
    assert t1["observed_rate_ci_low"] == pytest.approx(0.5520, abs=1e-4)
    assert t1["observed_rate_ci_high"] == pytest.approx(0.9530, abs=1e-4)
    assert not t1["too_few"] and not t2["too_few"]


def test_the_model_is_fitted_on_the_whole_clinic_when_the_filters_compare_one_therapist(saturated):
    report = read(saturated, casemix.report, Filters(as_of=AS_OF, therapists=("T1",)), "therapist", "relief")
    assert report["model"]["n"] == 40
    [t1] = report["units"]
    assert (t1["key"], t1["observed"]) == ("T1", 10) and t1["expected"] == pytest.approx(8.0, abs=1e-6)


def test_by_site_the_one_site_is_observed_as_expected(saturated):
    # every course is North's: O = 20, E = 20·3/4 + 20·1/4 = 20, O/E 1
    [north] = read(saturated, casemix.report, Filters(as_of=AS_OF), "site", "relief")["units"]
    assert (north["key"], north["courses"], north["observed"]) == ("North", 40, 20)
    assert north["ratio"] == pytest.approx(1.0, abs=1e-6)


def test_a_measure_no_course_can_be_judged_for_says_so_instead_of_fitting(saturated):
    # one visit day per course: no sustained improvement, so no responder can be judged
    report = read(saturated, casemix.report, Filters(as_of=AS_OF), "therapist", "responder")
    assert not report["model"]["fitted"]
    assert report["model"]["message"].startswith("Too few courses to fit the case-mix model: 0 can be judged")
    assert report["units"] == []


def test_a_therapist_sees_only_their_own_row(saturated):
    report = read(saturated, casemix.private_report, Filters(as_of=AS_OF, scope="T1"), "therapist", "relief", "T1",
                  k=2)
    assert [u["key"] for u in report["units"]] == ["T1"] and not report["hidden"]


# ---------------------------------------------------------------- guard rails (frames of funnel_casemix's columns)

def course(i: int, relieved: bool, **changes) -> dict:
    row = {"course_id": f"c{i:03d}", "patient_id": f"p{i}", "therapist": "T1", "site": "North",
           "first_session_relief": relieved, "sustained_improvement_pct": None, "responder_30": None,
           "baseline_pain": 8, "diagnosis": "disc_herniation", "age_band": "45-59", "sex": "F",
           "doctor_conclusion": True, "first_acute": False}
    return {**row, **changes}


def test_fewer_than_thirty_courses_is_a_message_not_a_fit():
    frame = pd.DataFrame([course(i, i % 2 == 0) for i in range(29)])
    model = casemix.fit(frame, "relief")
    assert not model.fitted and model.n == 29
    assert "29 can be judged" in model.message and "at least 30" in model.message


def test_an_outcome_that_every_course_had_cannot_be_explained():
    model = casemix.fit(pd.DataFrame([course(i, True) for i in range(40)]), "relief")
    assert not model.fitted and "every course of the 40" in model.message


def test_a_level_whose_courses_all_had_the_same_outcome_leaves_its_input_out():
    # disc: 20 courses, 10 relieved; piriformis: 20 courses, all relieved (separation) -> diagnosis left
    # out; the model is then the intercept alone: 30 of 40 = 3/4 for every course
    rows = [course(i, i < 10) for i in range(20)]
    rows += [course(20 + i, True, diagnosis="piriformis_syndrome") for i in range(20)]
    frame = pd.DataFrame(rows)
    model = casemix.fit(frame, "relief")
    assert model.fitted and model.inputs == []
    [left] = [o for o in model.left_out if o["input"] == "diagnosis"]
    assert "20 courses with piriformis_syndrome" in left["reason"]
    assert casemix.expected(model, casemix.prepared(frame, "relief")) == pytest.approx([0.75] * 40, abs=1e-9)


def test_a_rare_level_is_counted_with_the_most_common_one():
    # sex X on 4 courses (fewer than 10): counted as F; then sex no longer varies and is left out
    rows = [course(i, i % 2 == 0) for i in range(36)] + [course(36 + i, i == 0, sex="X") for i in range(4)]
    model = casemix.fit(pd.DataFrame(rows), "relief")
    assert model.pooled == [{"input": "sex", "level": "X", "courses": 4, "with": "F"}]
    assert {"input": "sex", "reason": "the same for every course"} in model.left_out


def test_a_missing_category_is_its_own_level_unknown():
    rows = [course(i, i % 3 == 0, sex=None if i < 15 else "F") for i in range(40)]
    prepared = casemix.prepared(pd.DataFrame(rows), "relief")
    assert sorted(prepared["sex"].unique()) == ["F", "unknown"]


def test_perfect_separation_by_baseline_pain_is_a_message_not_a_traceback():
    rows = [course(i, 3 + i % 7 >= 6, baseline_pain=3 + i % 7) for i in range(40)]
    model = casemix.fit(pd.DataFrame(rows), "relief")
    assert not model.fitted and "separate" in model.message


def test_the_c_statistic_counts_ties_as_half():
    # events at 0.9 and 0.5, non-events at 0.5 and 0.1: pairs (0.9>0.5, 0.9>0.1, 0.5=0.5 half, 0.5>0.1) = 3.5 / 4
    import numpy as np

    assert casemix._auc(np.array([1, 1, 0, 0]), np.array([0.9, 0.5, 0.5, 0.1])) == 0.875


# ---------------------------------------------------------------- counted rows (casemix_patterns.sql's shape)

# Each row stands for `courses` courses. Diagnosis is the only input that varies; "other" (4 courses
# over two rows, fewer than 10) is counted with disc_herniation, the most common level (20, level with
# piriformis, first by name):
#   disc_herniation + other: 15 + 3 relieved of 20 + 4 -> 18/24 = 3/4;  piriformis: 5 of 20 -> 1/4
# T1: disc 9 of 10, piriformis 1 of 2, other 3 of 3: n 15, O 13, E = 10·3/4 + 2·1/4 + 3·3/4 = 10.25,
#     V = 15 · 3/16 = 2.8125
# T2: disc 6 of 10, piriformis 4 of 18, other 0 of 1: n 29, O 10, E = 10·3/4 + 18·1/4 + 1·3/4 = 12.75
# Decoy: 1,000 of T1's courses whose relief cannot be judged (outcome null).
def _counted_rows() -> pd.DataFrame:
    plan = [("T1", "disc_herniation", True, 9), ("T1", "disc_herniation", False, 1),
            ("T1", "piriformis_syndrome", True, 1), ("T1", "piriformis_syndrome", False, 1),
            ("T1", "other", True, 3),
            ("T2", "disc_herniation", True, 6), ("T2", "disc_herniation", False, 4),
            ("T2", "piriformis_syndrome", True, 4), ("T2", "piriformis_syndrome", False, 14),
            ("T2", "other", False, 1),
            ("T1", "disc_herniation", None, 1000)]
    return pd.DataFrame([{"unit": unit, "first_session_relief": relieved, "baseline_pain": 8, "diagnosis": diagnosis,
                          "age_band": "45-59", "sex": "F", "doctor_conclusion": True, "first_acute": False,
                          "courses": courses} for unit, diagnosis, relieved, courses in plan])


def test_counted_rows_fit_the_model_of_the_courses_they_stand_for():
    model = casemix.fit(_counted_rows(), "relief")
    assert model.fitted and (model.n, model.events) == (44, 23)
    assert model.pooled == [{"input": "diagnosis", "level": "other", "courses": 4, "with": "disc_herniation"}]
    assert model.inputs == ["diagnosis"]
    estimates = {c["term"]: c["estimate"] for c in model.coefficients}
    assert estimates == pytest.approx({"intercept": math.log(3), "diagnosis[piriformis_syndrome]": -2 * math.log(3)},
                                      abs=1e-6)


def test_counted_rows_give_each_unit_its_courses_observed_and_expected():
    frame = _counted_rows()
    t1, t2 = casemix.units(frame, casemix.fit(frame, "relief"), "therapist", 10)
    assert (t1["key"], t1["courses"], t1["observed"]) == ("T1", 15, 13)      # not the 1,000 unjudged
    assert t1["expected"] == pytest.approx(10.25, abs=1e-6)                  # "other" at disc's 3/4
    assert t1["ci_low"] == pytest.approx((13 - Z95 * math.sqrt(2.8125)) / 10.25, abs=1e-6)
    assert (t2["key"], t2["courses"], t2["observed"]) == ("T2", 29, 10)
    assert t2["expected"] == pytest.approx(12.75, abs=1e-6)


def test_counted_rows_and_a_row_per_course_fit_the_same_model():
    counted = _counted_rows()
    one_each = counted.loc[counted.index.repeat(counted["courses"])].drop(columns="courses").reset_index(drop=True)
    assert len(one_each) == 1044
    by_pattern, by_course = casemix.fit(counted, "relief").as_json(), casemix.fit(one_each, "relief").as_json()
    terms = [(c["term"], c["estimate"], c["std_error"]) for c in by_course.pop("coefficients")]
    assert [c["term"] for c in by_pattern["coefficients"]] == [term for term, _, _ in terms]
    assert [c["estimate"] for c in by_pattern.pop("coefficients")] == pytest.approx([e for _, e, _ in terms], rel=1e-9)
    for name in ("auc", "pseudo_r2"):
        assert by_pattern.pop(name) == pytest.approx(by_course.pop(name), rel=1e-9)
    assert by_pattern == by_course
