"""Funnel plots (clinic/funnel.py): limits p0 ± z·sqrt(p0(1 − p0)/n), clamped to [0, 1], checked against
that formula worked out by hand; counts per therapist from a tiny clinic with decoys; and what a
therapist's account sees of the whole clinic."""
from __future__ import annotations

import datetime as dt
import math

import pytest

from clinic import funnel
from clinic.charts import fairness as charts
from clinic.filters import Filters
from query_support import read

Z95 = 1.959963984540054
Z998 = 3.090232306167813

# Therapist A: c1 8->4 (relieved: 10·4 >= 3·8), c2 6->3 (10·3 >= 18), c3 10->7 (10·3 >= 30, exactly),
#   c4 5->4 (10·1 < 15: not relieved)                           -> 4 assessable, 3 relieved
#   decoys: c5 0->0 (pain 0 before: not assessable), c6 no pain_after (not assessable)
# Therapist B: c7 8->7, c8 9->9 (neither relieved)               -> 2 assessable, 0 relieved
#   decoy: c9 8->2 dated 03-25, after the as-of date 03-20
# Clinic mean p0 = 3 / 6 = 0.5.
SESSIONS = """
session_id,patient_id,course_id,session_date,therapist,status,pain_before,pain_after
s1,p1,c1,2026-03-01,A,attended,8,4
s2,p2,c2,2026-03-01,A,attended,6,3
s3,p3,c3,2026-03-02,A,attended,10,7
s4,p4,c4,2026-03-02,A,attended,5,4
s5,p5,c5,2026-03-03,A,attended,0,0
s6,p6,c6,2026-03-03,A,attended,7,
s7,p7,c7,2026-03-04,B,attended,8,7
s8,p8,c8,2026-03-04,B,attended,9,9
s9,p9,c9,2026-03-25,B,attended,8,2
"""
AS_OF = dt.date(2026, 3, 20)


@pytest.fixture
def clinic(tmp_path):
    from query_support import build_db

    return build_db(tmp_path, SESSIONS)




# ---------------------------------------------------------------- the formula

def test_the_limits_at_n_100_around_a_mean_of_one_half_follow_the_normal_approximation():
    # sqrt(0.5 · 0.5 / 100) = 0.05; 95 %: 1.959963984540054 · 0.05 = 0.0979981992270027
    # 99.8 %: 3.090232306167813 · 0.05 = 0.15451161530839065
    assert funnel.limits(0.5, 100, Z95) == pytest.approx((0.4020018007729973, 0.5979981992270027), abs=1e-15)
    assert funnel.limits(0.5, 100, Z998) == pytest.approx((0.34548838469160935, 0.6545116153083907), abs=1e-15)


def test_limits_are_clamped_to_zero_and_one_at_small_caseloads():
    # n = 4, p0 = 0.5: sqrt(0.25 / 4) = 0.25; 95 %: 0.5 ± 0.4899909961350135 (inside [0, 1]);
    # 99.8 %: 0.5 ± 0.7725580765419533, clamped to [0, 1]
    assert funnel.limits(0.5, 4, Z95) == pytest.approx((0.010009003864986510, 0.9899909961350135), abs=1e-15)
    assert funnel.limits(0.5, 4, Z998) == (0.0, 1.0)
    # p0 = 0.9, n = 10: sqrt(0.09 / 10) = 0.09486832980505137; 95 % half 0.18593850604; high 1.0859 -> 1
    low, high = funnel.limits(0.9, 10, Z95)
    assert high == 1.0 and low == pytest.approx(0.9 - 1.959963984540054 * math.sqrt(0.009), abs=1e-15)


def test_a_rate_beyond_a_limit_is_named_by_the_widest_limit_it_crosses():
    # p0 = 0.5, n = 100: 95 % limits 0.40200–0.59800, 99.8 % limits 0.34549–0.65451 (above)
    assert funnel.outside(0.60, 100, 0.5) == "above95"
    assert funnel.outside(0.66, 100, 0.5) == "above998"
    assert funnel.outside(0.40, 100, 0.5) == "below95"
    assert funnel.outside(0.34, 100, 0.5) == "below998"
    assert funnel.outside(0.55, 100, 0.5) is None
    assert funnel.outside(None, 0, 0.5) is None


def test_a_rate_of_zero_at_a_clamped_limit_of_zero_is_within_it():
    # n = 2, p0 = 0.5: 95 % half = 1.959963984540054 · sqrt(0.125) = 0.69296, so the low limit clamps to 0
    assert funnel.outside(0.0, 2, 0.5) is None


def test_the_curve_has_a_point_for_every_caseload_up_to_the_largest():
    points = funnel.curve(0.5, 4)
    assert [p["n"] for p in points] == [1, 2, 3, 4]
    # n = 1: 0.5 ± 1.959963984540054 · 0.5 = 0.5 ± 0.98 -> [0, 1]
    assert (points[0]["limit95_low"], points[0]["limit95_high"]) == (0.0, 1.0)
    assert points[3]["limit95_low"] == pytest.approx(0.5 - 0.4899909961350135, abs=1e-15)


def test_a_very_large_caseload_gets_a_geometric_grid_from_one_to_the_largest():
    sizes = funnel.curve_sizes(100_000)
    assert sizes[0] == 1 and sizes[-1] == 100_000
    assert len(sizes) <= funnel.CURVE_POINTS
    assert sizes == sorted(set(sizes))
    assert funnel.curve_sizes(0) == []


def test_the_wilson_interval_of_three_of_four():
    # p = 0.75, z² = 3.841458820694124; centre = (0.75 + z²/8) / (1 + z²/4) = 1.2301823525867655 / 1.960364705173531
    #   = 0.6275275; half = z·sqrt(0.75·0.25/4 + z²/64) / (1 + z²/4) = 1.959964·sqrt(0.046875 + 0.0600228) / 1.9603647
    #   = 1.959964 · 0.3269538 / 1.9603647 = 0.3268900
    low, high = funnel.wilson(3, 4)
    assert low == pytest.approx(0.3006, abs=1e-4) and high == pytest.approx(0.9544, abs=1e-4)
    assert funnel.wilson(0, 0) == (None, None)


# ---------------------------------------------------------------- a clinic

def test_each_therapist_counts_only_assessable_courses_up_to_the_as_of_date(clinic):
    report = read(clinic, funnel.report, Filters(as_of=AS_OF), "therapist", "relief")
    assert report["mean"] == 0.5                         # 3 relieved of 6 assessable
    assert (report["courses"], report["events"]) == (6, 3)
    a, b = report["units"]
    assert (a["key"], a["courses"], a["events"], a["rate"], a["all_courses"]) == ("A", 4, 3, 0.75, 6)
    assert (b["key"], b["courses"], b["events"], b["rate"], b["all_courses"]) == ("B", 2, 0, 0.0, 2)
    # A at n = 4: 0.5 ± 0.4899909961350135 (95 %); 99.8 % clamped to [0, 1]
    assert a["limit95_low"] == pytest.approx(0.010009003864986510, abs=1e-15)
    assert a["limit95_high"] == pytest.approx(0.9899909961350135, abs=1e-15)
    assert (a["limit998_low"], a["limit998_high"]) == (0.0, 1.0)
    assert a["outside"] is None and b["outside"] is None      # B's 0 sits on a low limit clamped to 0
    assert [p["n"] for p in report["curve"]] == [1, 2, 3, 4]


def test_a_unit_with_fewer_courses_than_the_setting_is_too_few_to_judge(clinic):
    from clinic.settings import Settings

    report = read(clinic, funnel.report, Filters(as_of=AS_OF, settings=Settings(min_cohort=3)), "therapist", "relief")
    assert [(u["key"], u["too_few"]) for u in report["units"]] == [("A", False), ("B", True)]


def test_the_relief_rule_of_the_filters_decides_the_events(clinic):
    # 50 %: c1 (2·4 >= 8) and c2 (2·3 >= 6) relieved; c3 (2·3 < 10), c4, c7, c8 not -> 2 of 6, both A's
    report = read(clinic, funnel.report, Filters(as_of=AS_OF, relief_rule="pct50"), "therapist", "relief")
    assert report["events"] == 2 and report["units"][0]["events"] == 2


def test_an_unknown_unit_or_measure_is_refused(clinic):
    with pytest.raises(funnel.FunnelError):
        read(clinic, funnel.report, Filters(as_of=AS_OF), "diagnosis", "relief")
    with pytest.raises(funnel.FunnelError):
        read(clinic, funnel.report, Filters(as_of=AS_OF), "therapist", "adherence")


def test_a_therapist_sees_their_own_point_named_and_the_other_unnamed(clinic):
    # cells by therapist (all counted courses): A 6 patients (p1-p6), B 2 (p7, p8); with k = 2 neither
    # is small, and B's 2 patients that A does not treat are not 1 to k - 1 = 1: nothing hidden
    filters = Filters(as_of=AS_OF, scope="A")
    report = read(clinic, funnel.private_report, filters, "therapist", "relief", "A", k=2)
    assert [(u["key"], u["own"], u["courses"], u["events"]) for u in report["units"]] == [
        ("A", True, 4, 3), (None, False, 2, 0)]
    assert report["mean"] == 0.5 and report["hidden_units"] == 0 and not report["total_hidden"]


def test_a_therapist_sees_nothing_of_the_clinic_when_its_small_cells_could_be_worked_out(clinic):
    # k = 3: B (2 patients) is small; hidden alone it could be recovered from the total, so A is
    # hidden too; together 8 patients of whom 2 are not A's (1 to k - 1): the total is hidden as well
    report = read(clinic, funnel.private_report, Filters(as_of=AS_OF, scope="A"), "therapist", "relief", "A", k=3)
    assert report["total_hidden"] and report["units"] == [] and report["mean"] is None


def test_a_therapists_funnel_by_site_names_the_hidden_unrecorded_courses_apart_from_the_hidden_sites(tmp_path):
    # Sites: p1-p6 (A's) North, p7 (B's) South, p8 (B's) none recorded; p9's course starts after the
    # as-of date (decoy). k = 2: South covers 1 patient and the unrecorded cell 1: both small, hidden;
    # together 2 patients, 2 of them not A's (not 1 to k - 1 = 1): no longer recoverable, so North
    # (6 patients, none of them others') stays, and so does the total (8 patients, 2 others).
    from query_support import build_db

    patients = "patient_id,site\n" + "".join(f"p{n},North\n" for n in range(1, 7)) + "p7,South\np8,\np9,South\n"
    path = build_db(tmp_path, SESSIONS, patients=patients)
    report = read(path, funnel.private_report, Filters(as_of=AS_OF, scope="A"), "site", "relief", "A", k=2)
    assert not report["total_hidden"]
    assert [(u["key"], u["courses"], u["events"]) for u in report["units"]] == [("North", 4, 3)]
    assert (report["hidden_units"], report["hidden_unrecorded"]) == (2, 1)
    assert charts.hidden_units_sentence(report, "site") == (
        "Not shown: 1 site and the courses whose site is not recorded (too few patients, or they could be "
        "worked out from the others).")


@pytest.mark.parametrize("hidden, unrecorded, words", [
    (1, 0, "1 therapist"),
    (3, 0, "3 therapists"),
    (1, 1, "the courses whose therapist is not recorded"),
    (3, 1, "2 therapists and the courses whose therapist is not recorded"),
])
def test_the_hidden_units_are_counted_in_words_without_the_unrecorded_ones_as_a_therapist(hidden, unrecorded, words):
    report = {"hidden_units": hidden, "hidden_unrecorded": unrecorded}
    assert charts.hidden_units_sentence(report, "therapist") == (
        f"Not shown: {words} (too few patients, or they could be worked out from the others).")
