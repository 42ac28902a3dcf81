"""The First-session-relief figures and wording (clinic/charts/relief.py) on tiny hand-made data."""
from __future__ import annotations

import math

import pandas as pd
import pytest

from clinic.charts import BAD, GOOD, NEUTRAL
from clinic.charts import relief as charts


def cohort_rows() -> list[dict]:
    # Birch 9 of 10 (interval above 50 %), Cedar 1 of 3 (straddles), Larch 0 of 8 (below), a course
    # without a therapist that cannot be judged
    return [
        {"key": "Birch", "courses": 11, "relief_assessable": 10, "relieved": 9, "relief_rate": 0.9,
         "ci_low": 0.596, "ci_high": 0.982},
        {"key": "Cedar", "courses": 3, "relief_assessable": 3, "relieved": 1, "relief_rate": 1 / 3,
         "ci_low": 0.0615, "ci_high": 0.7923},
        {"key": "Larch", "courses": 8, "relief_assessable": 8, "relieved": 0, "relief_rate": 0.0,
         "ci_low": 0.0, "ci_high": 0.324},
        {"key": None, "courses": 1, "relief_assessable": 0, "relieved": 0, "relief_rate": None,
         "ci_low": None, "ci_high": None},
    ]


def test_the_cohort_table_has_readable_rows_in_per_cent_with_a_verdict():
    table = charts.cohort_table(cohort_rows(), "therapist")
    assert list(table.cohort) == ["Birch", "Cedar", "Larch", "Not recorded"]
    assert list(table.relief_assessable) == [10, 3, 8, 0]
    assert table.relief_rate_pct[0] == pytest.approx(90.0)
    assert table.ci_high_pct[1] == pytest.approx(79.23)
    assert math.isnan(table.relief_rate_pct[3])
    assert list(table.verdict) == [charts.VERDICT_LABELS["met"], charts.VERDICT_LABELS["undecided"],
                                   charts.VERDICT_LABELS["not met"], charts.VERDICT_LABELS[None]]
    assert set(table.columns) == set(charts.TABLE_LABELS)


def test_diagnoses_and_sexes_are_named_in_words_in_the_cohort_table():
    rows = [{**cohort_rows()[0], "key": "piriformis_syndrome"}]
    assert list(charts.cohort_table(rows, "diagnosis").cohort) == ["Piriformis syndrome"]


def test_the_cohort_chart_draws_each_rate_with_its_wilson_interval_coloured_by_verdict():
    fig = charts.relief_by_cohort(charts.cohort_table(cohort_rows(), "therapist"), "therapist", "pct30")
    by_name = {t.name: t for t in fig.data}
    met = by_name[charts.VERDICT_LABELS["met"]]
    assert list(met.y) == ["Birch"] and list(met.x) == pytest.approx([90.0])
    assert list(met.error_x.array) == pytest.approx([98.2 - 90.0])
    assert list(met.error_x.arrayminus) == pytest.approx([90.0 - 59.6])
    assert met.marker.color == GOOD
    assert by_name[charts.VERDICT_LABELS["undecided"]].marker.color == NEUTRAL
    assert by_name[charts.VERDICT_LABELS["not met"]].marker.color == BAD
    assert len(fig.data) == 3                                 # the unjudgeable cohort is not drawn
    assert [shape.x0 for shape in fig.layout.shapes if shape.type == "line"] == [50]   # the claim
    assert [a.text for a in fig.layout.annotations] == ["the claim: > 50 %"]            # labelled in the chart
    subtitle = fig.layout.title.subtitle.text
    assert "21 courses assessable in 3 therapist values" in subtitle
    assert "1 value with no assessable course not drawn" in subtitle
    assert fig.layout.title.text == "First-session relief by therapist"
    assert fig.layout.xaxis.title.text == "First-session relief (% of assessable courses)"
    assert subtitle.startswith("First-session relief means: pain fell by at least 30 % after the first session<br>")


def test_the_histogram_stacks_courses_by_outcome_on_whole_point_bins():
    changes = pd.DataFrame({"pain_change_points": [-4, -2, -2, 0], "courses": [3, 1, 2, 1],
                            "outcome": ["relieved", "not_relieved", "relieved", "not_assessable"]})
    fig = charts.first_change_histogram(changes, "points2", without_scores=2)
    by_name = {t.name: t for t in fig.data}
    assert list(by_name["Relieved"].x) == [-4, -2] and list(by_name["Relieved"].y) == [3, 2]
    assert list(by_name["Not relieved"].y) == [1]
    assert list(by_name["Not assessable (pain before was 0)"].x) == [0]
    assert fig.layout.barmode == "stack"
    assert tuple(fig.layout.xaxis.range) == (-10.5, 10.5) and fig.layout.xaxis.dtick == 1
    subtitle = fig.layout.title.subtitle.text
    assert "7 courses with both first-session scores; 2 courses without both scores not shown" in subtitle
    assert "pain fell by at least 2 points" in subtitle
    assert fig.layout.yaxis.title.text == "Courses"


def test_the_histogram_names_both_sides_of_its_dividing_line():
    changes = pd.DataFrame({"pain_change_points": [-3, 1], "courses": [4, 1], "outcome": ["relieved", "not_relieved"]})
    fig = charts.first_change_histogram(changes, "pct30")
    sides = {a.text: (a.x, a.xanchor) for a in fig.layout.annotations}
    # the line lies between -1 and 0 points; pain fell left of it, right of it nothing fell
    assert sides == {"← pain fell": (-0.5, "right"), "no change or more pain →": (-0.5, "left")}


def test_the_rule_and_the_unjudgeable_courses_are_said_in_words():
    assert "pain fell by at least 30 %" in charts.rule_sentence("pct30")
    assert "10 × (before − after) ≥ 3 × before" in charts.rule_sentence("pct30")
    counts = {"courses": 9, "not_assessable": 4, "no_attended_session": 2, "missing_score": 1, "zero_pain_before": 1}
    assert charts.not_assessable_sentence(counts) == (
        "4 of 9 matching courses cannot be judged and are left out of the rate: 2 have no attended session yet; "
        "1 lacks a pain score before or after the first session; 1 had pain 0 before the first session "
        "(nothing to relieve).")
    none = {"courses": 3, "not_assessable": 0, "no_attended_session": 0, "missing_score": 0, "zero_pain_before": 0}
    assert charts.not_assessable_sentence(none).startswith("All 3 matching courses can be judged")


def test_the_overall_claim_chart_states_the_rule_on_its_own_subtitle_line():
    relief = {"assessable": 3, "relieved": 1, "rate": 1 / 3, "ci_low": 0.0615, "ci_high": 0.7923}
    fig = charts.claim_chart(relief, "points2")
    assert fig.layout.title.subtitle.text == ("Relief = pain fell by at least 2 points after the first session<br>"
                                              "3 courses assessable; dot = rate, bar = 95 % Wilson interval")
    assert list(fig.data[0].x) == pytest.approx([1 / 3])


def test_the_verdict_sentence_names_the_rule_it_judges_by():
    text = charts.verdict_sentence({"ci_low": 0.3, "ci_high": 0.6}, "pct50")
    assert text == ("Does relief come after the first session in most cases, with relief meaning *pain fell by at "
                    "least 50 % after the first session*? " + charts.VERDICT_MESSAGES["undecided"])


def test_the_interval_and_verdict_texts():
    assert charts.interval_text(0.0615, 0.7923) == "6.2–79.2 %"
    assert charts.interval_text(None, None) == "—"
    assert "Undecided" in charts.verdict_message({"ci_low": 0.3, "ci_high": 0.6})
    assert "does not hold" in charts.verdict_message({"ci_low": 0.1, "ci_high": 0.5})
    assert "No first session" in charts.verdict_message({"ci_low": None, "ci_high": None})


def test_a_therapist_named_with_markup_is_a_text_category_and_our_own_age_band_stays_as_written():
    rows = [{**cohort_rows()[0], "key": '<a href="https://evil.example">Birch</a>'}]
    fig = charts.relief_by_cohort(charts.cohort_table(rows, "therapist"), "therapist", "pct30")
    assert list(fig.data[0].y) == ['&lt;a href="https://evil.example"&gt;Birch&lt;/a&gt;']
    assert "<a " not in fig.to_json()
    age = charts.relief_by_cohort(charts.cohort_table([{**cohort_rows()[0], "key": "<30"}], "age_band"),
                                  "age_band", "pct30")
    assert list(age.data[0].y) == ["<30"]                      # an age band of our own, not data
