"""`python -m clinic funnel` and `python -m clinic expected`: stable JSON, every field present, the
settings flags honoured, errors in one line."""
from __future__ import annotations

import json
import math

import pytest

# Therapist A: c1 8->4 relieved, c2 8->7 not; c1's next day 8->... pain before 4 on 03-02:
#   sustained (8 − 4) / 8 = 50 % (responder), c2's 03-02 before 7: (8 − 7) / 8 = 12.5 % (not)
# Therapist B: c3 6->3 relieved (10·3 >= 18), one visit only (no sustained improvement)
# Site: p1 North, p2 North, p3 unknown (no patients row)
# Decoy: c4 of B, 2026-03-25, after the as-of date.
# Relief: 2 of 3 -> mean 2/3; responders: 1 of 2 -> mean 1/2.
SESSIONS = """
session_id,patient_id,course_id,session_date,therapist,status,pain_before,pain_after
s1,p1,c1,2026-03-01,A,attended,8,4
s2,p1,c1,2026-03-02,A,attended,4,3
s3,p2,c2,2026-03-01,A,attended,8,7
s4,p2,c2,2026-03-02,A,attended,7,7
s5,p3,c3,2026-03-03,B,attended,6,3
s6,p4,c4,2026-03-25,B,attended,9,2
"""
PATIENTS = """
patient_id,birth_year,sex,diagnosis,site
p1,1970,F,disc_herniation,North
p2,1980,M,other,North
"""
UNIT_FIELDS = ["key", "courses", "events", "rate", "ci_low", "ci_high", "mean", "limit95_low", "limit95_high",
               "limit998_low", "limit998_high", "outside", "all_courses", "too_few"]


@pytest.fixture
def clinic(tmp_path):
    from query_support import build_db

    return build_db(tmp_path, SESSIONS, None, PATIENTS)


def test_funnel_prints_each_therapist_with_the_mean_and_its_limits(cli, clinic):
    code, out = cli("funnel", "--db", clinic, "--as-of", "2026-03-20", "--json")
    assert code == 0
    assert out["mean"] == pytest.approx(2 / 3) and out["by"] == "therapist" and out["measure"] == "relief"
    a, b = out["units"]
    assert list(a) == UNIT_FIELDS
    assert (a["key"], a["courses"], a["events"], a["rate"]) == ("A", 2, 1, 0.5)
    # p0 = 2/3, n = 2: sqrt((2/3)(1/3)/2) = sqrt(1/9) = 1/3; 95 %: 2/3 ± 0.653321328180018
    # = 0.013345338486648 to 1.319987994846685, the high end clamped to 1
    assert a["limit95_low"] == pytest.approx(2 / 3 - 1.959963984540054 / 3, abs=1e-12)
    assert a["limit95_high"] == 1.0
    # 99.8 %: 2/3 ± 1.0300774353892710 -> clamped [0, 1]
    assert (a["limit998_low"], a["limit998_high"]) == (0.0, 1.0)
    # B, n = 1: sqrt(2/9) = 0.4714045207910317; 95 % 2/3 ± 0.9240, clamped to [0, 1]
    assert (b["key"], b["courses"], b["events"], b["rate"], b["limit95_low"], b["limit95_high"]) == (
        "B", 1, 1, 1.0, 0.0, 1.0)
    assert a["outside"] is None and b["outside"] is None
    assert [p["n"] for p in out["curve"]] == [1, 2]


def test_funnel_of_responders_by_site_puts_the_unknown_site_last_as_null(cli, clinic):
    code, out = cli("funnel", "--db", clinic, "--as-of", "2026-03-20", "--by", "site", "--measure", "responder",
                    "--json")
    assert code == 0
    assert out["mean"] == 0.5
    north, unknown = out["units"]
    assert (north["key"], north["courses"], north["events"], north["all_courses"]) == ("North", 2, 1, 2)
    # the course with no site has no sustained improvement: no assessable course, no rate, no limits
    assert (unknown["key"], unknown["courses"], unknown["rate"], unknown["limit95_low"]) == (None, 0, None, None)


def test_funnel_takes_the_relief_rule_and_the_fewest_courses_to_judge(cli, clinic):
    # 50 %: c1 (2·4 >= 8) and c3 (2·3 >= 6) relieved: the same; 2 points: c1 (4), c3 (3) relieved, c2 (1) not
    code, out = cli("funnel", "--db", clinic, "--as-of", "2026-03-20", "--relief-rule", "pct50", "--min-cohort", "2",
                    "--json")
    assert code == 0 and out["relief_rule"] == "pct50" and out["min_cohort"] == 2
    assert [(u["key"], u["too_few"]) for u in out["units"]] == [("A", False), ("B", True)]


def test_expected_prints_the_model_and_says_why_it_is_not_fitted_on_three_courses(cli, clinic):
    code, out = cli("expected", "--db", clinic, "--as-of", "2026-03-20", "--json")
    assert code == 0
    model = out["model"]
    assert list(model) == ["measure", "fitted", "message", "formula", "inputs", "left_out", "pooled", "n", "events",
                           "auc", "pseudo_r2", "coefficients"]
    assert not model["fitted"] and model["n"] == 3 and "at least 30" in model["message"]
    a, b = out["units"]
    assert list(a) == ["key", "courses", "observed", "expected", "ratio", "ci_low", "ci_high", "observed_rate",
                       "observed_rate_ci_low", "observed_rate_ci_high", "expected_rate", "too_few"]
    assert (a["key"], a["courses"], a["observed"], a["expected"], a["ratio"]) == ("A", 2, 1, None, None)
    assert (b["key"], b["observed"], b["too_few"]) == ("B", 1, True)         # 1 course < 5


def test_expected_on_a_clinic_large_enough_gives_finite_numbers_for_every_unit(cli, tmp_path):
    from query_support import build_db

    # 40 courses: A's baseline 8 (relieved 8->4 every other), B's baseline 6 (6->3 every third)
    rows = ["session_id,patient_id,course_id,session_date,therapist,status,pain_before,pain_after"]
    for i in range(40):
        therapist, before = ("A", 8) if i < 20 else ("B", 6)
        relieved = i % 2 == 0 if i < 20 else i % 3 == 0
        after = before // 2 if relieved else before - 1
        rows.append(f"s{i},p{i},c{i:02d},2026-03-0{1 + i % 9},{therapist},attended,{before},{after}")
    db = build_db(tmp_path / "big", "\n".join(rows))
    code, out = cli("expected", "--db", db, "--as-of", "2026-03-20", "--json")
    assert code == 0 and out["model"]["fitted"] and out["model"]["inputs"] == ["baseline_pain"]
    for unit in out["units"]:
        for name in ("expected", "ratio", "ci_low", "ci_high"):
            assert math.isfinite(unit[name])
    # baseline pain separates A and B only through their rates: each therapist is observed as expected
    assert [round(u["ratio"], 6) for u in out["units"]] == [1.0, 1.0]
    json.dumps(out, allow_nan=False)


def test_a_setting_out_of_range_is_a_one_line_error(cli, clinic):
    code, out = cli("expected", "--db", clinic, "--as-of", "2026-03-20", "--min-cohort", "0", "--json")
    assert code == 1 and out == ""
    assert cli.err.startswith("error: min_cohort must be between 1 and 100") and cli.err.count("\n") == 1


def test_a_missing_database_is_a_one_line_error(cli, tmp_path):
    code, _ = cli("funnel", "--db", tmp_path / "none.duckdb", "--as-of", "2026-03-20", "--json")
    assert code == 1 and cli.err.startswith("error: no database at")
