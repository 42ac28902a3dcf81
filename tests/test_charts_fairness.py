"""The Fair comparison figures and tables (clinic/charts/fairness.py) on tiny hand-made reports."""
from __future__ import annotations

import pytest

from clinic import funnel
from clinic.charts import BAD, GOOD, NEUTRAL
from clinic.charts import fairness as charts


def counts(key, n, events, courses=None):
    return {"key": key, "courses": courses if courses is not None else n, "relief_assessable": n, "relieved": events,
            "improvement_assessable": 0, "responders_30": 0}


def funnel_report(private_units=None) -> dict:
    # Birch 90 of 100, Cedar 50 of 100, Larch 1 of 2, <b>x</b> (a name from data) 59 of 98, no therapist 0 of 0
    # mean (90 + 50 + 1 + 59) / 300 = 200 / 300 = 2/3; at n = 100: sqrt((2/3)(1/3)/100) = 0.04714;
    #   95 %: 2/3 ± 0.0924 -> 0.5743–0.7591: Birch 0.9 above the 99.8 % limit (2/3 + 0.1457 = 0.8124),
    #   Cedar 0.5 below 99.8 % (0.5210); <b>x</b> 59/98 = 0.602 within
    rows = [counts("Birch", 100, 90), counts("Cedar", 100, 50), counts("Larch", 2, 1), counts("<b>x</b>", 98, 59),
            counts(None, 0, 0, courses=3)]
    found = funnel.from_counts(rows, "relief", 5)
    return {"by": "therapist", "measure": "relief", "relief_rule": "pct30", **found}


def test_the_funnel_frame_leaves_out_units_with_nothing_to_judge_and_says_where_each_stands():
    frame = charts.funnel_frame(funnel_report())
    assert list(frame["label"]) == ["Birch", "Cedar", "Larch", "<b>x</b>"]
    assert list(frame["standing"]) == ["above the 99.8 % limit", "below the 99.8 % limit", "within the limits",
                                       "within the limits"]
    assert list(frame["too_few"]) == [False, False, True, False]       # Larch: 2 courses < 5


def test_the_funnel_chart_draws_both_limits_the_mean_and_a_point_per_unit():
    fig = charts.funnel_chart(funnel_report())
    names = [t.name for t in fig.data]
    assert names.count("99.8 % limits") == 2 and names.count("95 % limits") == 2
    mean = next(t for t in fig.data if t.name.startswith("clinic mean"))
    assert list(mean.y) == pytest.approx([200 / 3, 200 / 3])
    points = fig.data[-1]
    assert list(points.x) == [100, 100, 2, 98]
    assert list(points.y) == pytest.approx([90, 50, 50, 59 / 98 * 100])
    assert list(points.marker.color) == [GOOD, BAD, NEUTRAL, charts.PALETTE[0]]
    # the limit curves run from n = 1 to the largest caseload, 100
    upper95 = next(t for t in fig.data if t.name == "95 % limits")
    assert list(upper95.x) == list(range(1, 101))
    assert upper95.y[99] == pytest.approx((2 / 3 + 1.959963984540054 * (2 / 9 / 100) ** 0.5) * 100)
    assert "Assessable courses (n)" in fig.layout.xaxis.title.text
    assert "300 courses" in fig.layout.title.text


def test_a_funnel_with_a_small_unit_is_drawn_whole_from_zero():
    fig = charts.funnel_chart(funnel_report())          # Larch has 2 courses against Birch's 100
    assert fig.layout.xaxis.rangemode == "tozero" and fig.layout.xaxis.range is None
    assert list(fig.layout.yaxis.range) == [-2, 102]


def test_a_network_of_large_similar_units_is_drawn_closed_in_on_them():
    # Birch 1500 of 2000 (75 %), Cedar 1440 of 2400 (60 %), Larch 1430 of 2200 (65 %): the smallest caseload
    # is over a quarter of the largest. x: spread 400, padded by 15 % of it (60; 2 % of 2400 is 48) ->
    # 1940-2460. Mean 4370 / 6600 = 0.66212; at n = 1940 the 99.8 % limits are 0.66212 ± 3.0902 x
    # sqrt(0.66212 x 0.33788 / 1940) = ± 0.0332 -> 62.9-69.5 %, inside the rates' 60-75 %, padded by
    # 10 % of 15 points: 58.5-76.5 %.
    rows = [counts("Birch", 2000, 1500), counts("Cedar", 2400, 1440), counts("Larch", 2200, 1430)]
    report = {"by": "therapist", "measure": "relief", "relief_rule": "pct30", **funnel.from_counts(rows, "relief", 5)}
    fig = charts.funnel_chart(report)
    assert list(fig.layout.xaxis.range) == pytest.approx([1940, 2460])
    assert list(fig.layout.yaxis.range) == pytest.approx([58.5, 76.5])
    assert "closed in on the units" in fig.layout.title.subtitle.text
    # the limit curves reach the right edge: at n = 2460, 0.66212 ± 1.96 x sqrt(0.66212 x 0.33788 / 2460)
    upper95 = next(t for t in fig.data if t.name == "95 % limits")
    mean = 4370 / 6600
    assert upper95.x[-1] == pytest.approx(2460)
    assert upper95.y[-1] == pytest.approx((mean + 1.959963984540054 * (mean * (1 - mean) / 2460) ** 0.5) * 100)
    # a fourth unit of 500 courses (under a quarter of 2400) opens the whole funnel again
    wide = {**report, **funnel.from_counts([*rows, counts("Rowan", 500, 330)], "relief", 5)}
    assert charts.funnel_chart(wide).layout.xaxis.rangemode == "tozero"


def test_a_name_from_data_is_escaped_in_labels_and_hover_text():
    points = charts.funnel_chart(funnel_report()).data[-1]
    assert "&lt;b&gt;x&lt;/b&gt;" in points.text[3] and "<b>x</b>" not in points.hovertext[3]
    assert "59 of 98 courses: 60.2 %" in points.hovertext[3]
    assert "95 % interval (Wilson)" in points.hovertext[3]


def test_a_therapists_view_names_only_their_own_point():
    report = funnel_report()
    units = [{**u, "own": u["key"] == "Cedar", "key": u["key"] if u["key"] == "Cedar" else None}
             for u in report["units"]]
    report = {**report, "units": units}
    frame = charts.funnel_frame(report, private=True)
    assert list(frame["label"]) == ["another therapist", "Cedar", "another therapist", "another therapist"]
    points = charts.funnel_chart(report, private=True).data[-1]
    assert list(points.text) == ["", "Cedar", "", ""]
    assert list(points.marker.size) == [10, 14, 10, 10]
    assert "Birch" not in str(charts.funnel_chart(report, private=True).to_dict())
    # the subtitle says so, and does not promise colleagues' names on pointing (their hover has none)
    subtitle = charts.funnel_chart(report, private=True).layout.title.subtitle.text
    assert "Named: your own point only" in subtitle and "for their names" not in subtitle


def test_the_funnel_sentence_names_the_units_outside_and_skips_the_ones_too_few_to_judge():
    text = charts.funnel_sentence(funnel_report())
    assert "**Birch** (above the 99.8 % limit, 90.0 % of 100)" in text
    assert "**Cedar** (below the 99.8 % limit" in text and "Larch" not in text


def test_the_funnel_sentence_says_when_no_unit_or_only_one_could_be_judged():
    # Birch 1 of 2 and Cedar 0 of 1, both under 5 courses: no point is judged (not "every one of the
    # 0 therapists judged lies within the limits")
    few = [counts("Birch", 2, 1), counts("Cedar", 1, 0)]
    report = {"by": "therapist", "measure": "relief", "relief_rule": "pct30", "min_cohort": 5,
              **funnel.from_counts(few, "relief", 5)}
    assert charts.funnel_sentence(report) == ("No therapist has enough assessable courses (5 or more) to be "
                                               "judged against the limits yet: each grey point is too few to judge.")
    # with Larch 6 of 10 too: mean 7 / 13, Larch at 0.6 within its limits, the one judged
    one = {**report, **funnel.from_counts([*few, counts("Larch", 10, 6)], "relief", 5)}
    assert charts.funnel_sentence(one).startswith("The one therapist judged lies within the 95 % limits")
    # decoy: two judged within the limits are every one of the two
    two = {**report, **funnel.from_counts([*few, counts("Larch", 10, 6), counts("Maple", 10, 5)], "relief", 5)}
    assert charts.funnel_sentence(two).startswith("Every one of the 2 therapists judged lies within")


def test_the_funnel_export_states_the_filters_and_settings_on_every_row():
    frame = charts.funnel_export(funnel_report(), False, "as of 20 Mar 2026", "Fewest courses to judge: 5")
    assert list(frame["therapist"]) == ["Birch", "Cedar", "Larch", "<b>x</b>"]
    assert set(frame["settings"]) == {"Fewest courses to judge: 5"} and set(frame["filters"]) == {"as of 20 Mar 2026"}


def oe_report() -> dict:
    # Birch O 30, E 20, V 4: (30 ± 1.96·2)/20 = 1.304–1.696 better; Cedar O 10, E 12, V 9: (10 ± 5.88)/12 =
    # 0.343–1.323 as expected; Larch 2 courses: too few to judge
    def unit(key, n, o, e, v, few=False):
        half = 1.959963984540054 * v ** 0.5
        return {"key": key, "courses": n, "observed": o, "expected": e, "ratio": o / e, "ci_low": (o - half) / e,
                "ci_high": (o + half) / e, "observed_rate": o / n, "observed_rate_ci_low": 0.5,
                "observed_rate_ci_high": 0.75, "expected_rate": e / n, "too_few": few}
    return {"by": "therapist", "measure": "relief", "interval": "95 %", "units": [
        unit("Birch", 40, 30, 20.0, 4.0), unit("Cedar", 30, 10, 12.0, 9.0), unit("Larch", 2, 2, 1.0, 0.25, True)],
        "model": {"formula": "logit P(first_session_relief) ~ baseline_pain"}}


def test_the_oe_table_gives_a_verdict_from_the_interval():
    table = charts.oe_table(oe_report())
    assert list(table["verdict"]) == ["better than expected", "as expected", "too few to judge"]
    assert list(table["observed_pct"]) == pytest.approx([75.0, 100 / 3, 100.0])
    assert table["observed_interval"][0] == "50.0–75.0 %"


def test_the_oe_tables_rows_too_few_to_judge_are_greyed_and_a_table_without_one_is_left_plain():
    from clinic.charts import GREYED, grey_rows

    table = charts.oe_table(oe_report())
    styled = grey_rows(table, table.too_few)
    greyed = {cell for cell, css in styled._compute().ctx.items() if ("color", GREYED.split(": ")[1]) in css}
    assert greyed == {(2, column) for column in range(len(table.columns))}     # Larch, the third row
    judged = table.iloc[:2]                                # Cedar and Birch
    assert grey_rows(judged, judged.too_few) is judged


def test_the_forest_plot_greys_units_too_few_to_judge_and_marks_one():
    fig = charts.forest_chart(oe_report())
    judged, few = fig.data
    assert list(judged.y) == ["Cedar", "Birch"]            # the first unit on top
    assert list(judged.x) == pytest.approx([10 / 12, 1.5])
    assert list(judged.error_x.array) == pytest.approx([1.959963984540054 * 3 / 12, 1.959963984540054 * 2 / 20])
    assert few.name == "too few to judge" and few.marker.color == NEUTRAL and list(few.y) == ["Larch"]
    assert fig.layout.shapes[0].x0 == 1 and fig.layout.shapes[0].x1 == 1


def test_the_forest_plots_line_label_has_a_row_of_its_own_between_the_subtitle_and_the_plot():
    # "as expected (1)" stands above the plot, under the subtitle; the margin holds 80 px for the
    # title and one subtitle line and twice 15 px more (half a margin's px go above the title), and
    # the height grows by as much: three units' plot keeps its 320 - 80 - 110 (the legend below) = 130 px
    fig = charts.forest_chart(oe_report())
    [label] = [a for a in fig.layout.annotations if a.text == "as expected (1)"]
    assert label.yanchor == "bottom"
    assert (fig.layout.margin.t, fig.layout.height) == (80 + 30, 320 + 30)
    assert fig.layout.height - fig.layout.margin.t - fig.layout.margin.b == 130


def test_the_model_in_words_names_its_inputs_n_and_fit():
    model = {"fitted": True, "message": None, "formula": "logit P(first_session_relief) ~ baseline_pain",
             "inputs": ["baseline_pain", "sex"], "left_out": [{"input": "diagnosis", "reason": "the same for every course"}],
             "pooled": [{"input": "sex", "level": "X", "courses": 4, "with": "F"}], "n": 1234, "events": 800,
             "auc": 0.61234, "pseudo_r2": 0.0123, "coefficients": []}
    text = "\n".join(charts.model_lines(model))
    assert "**1,234 courses**" in text and "apart**: 0.612 (c-statistic: 0.5 = not at all, 1 = perfectly)" in text
    assert "logit" not in text and "pseudo-R²" not in text            # the statistician's terms: in the details
    details = "\n".join(charts.model_details(model))
    assert "c-statistic (AUC) 0.612, McFadden pseudo-R² 0.012" in details and "logit link" in details
    assert "`logit P(first_session_relief) ~ baseline_pain`" in details
    assert "baseline pain (0–10, before the first session), sex" in text
    assert "Sex X" in text and "(4 courses) is counted with Female: too few courses to estimate on its own." in text
    assert "Left out: diagnosis, the same for every course." in text
    not_fitted = {**model, "fitted": False, "message": "Too few courses to fit the case-mix model: 3 can be judged."}
    assert charts.model_lines(not_fitted) == ["Too few courses to fit the case-mix model: 3 can be judged."]


def test_each_name_goes_on_the_side_of_its_point_away_from_the_clinic_mean():
    # mean 2/3: Birch (90 %) above, Cedar (50 %), <b>x</b> (60.2 %) and Larch (50 %) below; the whole funnel,
    # x 0-105, y -2-102 % on 800 x 300 px: no two names on one side come within 14 px of height of each other
    # (Cedar's name at 136 px, <b>x</b>'s at 165 px), and none runs off the plot (Birch's top at 286 of 300 px)
    points = charts.funnel_chart(funnel_report()).data[-1]
    assert list(points.textposition) == ["top center", "bottom center", "bottom center", "bottom center"]


def test_a_name_that_would_print_over_a_neighbours_goes_beside_its_point():
    # closed in: x 1940-2460 (1.54 px a course), y 58.5-76.5 % (16.7 px a point); mean 5870 / 8610 = 68.2 %.
    # Rowan (2010, 74.6 %) is placed first (the larger caseload) above its point; Birch (2000, 75 %) is 15 px
    # to its left and 6 px lower, so its name above would cover Rowan's: it goes to the left of its point.
    # Cedar (60 %) and Larch (65 %) are below the mean: their names below.
    rows = [counts("Birch", 2000, 1500), counts("Cedar", 2400, 1440), counts("Larch", 2200, 1430),
            counts("Rowan", 2010, 1500)]
    report = {"by": "therapist", "measure": "relief", "relief_rule": "pct30", **funnel.from_counts(rows, "relief", 5)}
    fig = charts.funnel_chart(report)
    assert list(fig.layout.yaxis.range) == pytest.approx([58.5, 76.5])
    assert list(fig.data[-1].textposition) == ["middle left", "bottom center", "bottom center", "top center"]


def test_a_name_that_would_run_off_the_top_of_the_plot_goes_beside_its_point():
    # Birch 100 of 100 (100 %) against Cedar 50 of 100: the whole funnel up to 102 %, Birch's point at 294 of
    # 300 px, so a name above it is cut off; Birch is near the right edge, so the name goes to its left
    rows = [counts("Birch", 100, 100), counts("Cedar", 100, 50), counts("Larch", 10, 8)]
    report = {"by": "therapist", "measure": "relief", "relief_rule": "pct30", **funnel.from_counts(rows, "relief", 5)}
    fig = charts.funnel_chart(report)
    assert fig.layout.xaxis.rangemode == "tozero"
    assert list(fig.data[-1].textposition)[:2] == ["middle left", "bottom center"]


def test_a_therapists_funnel_sentence_counts_the_colleagues_outside_instead_of_listing_them():
    # Cedar's view: Birch (90 %, above the 99.8 % limit) is a colleague, counted, not named or listed;
    # <b>x</b> (within) and Larch (too few) are not outside; Cedar herself (below) is named
    report = funnel_report()
    report = {**report, "units": [{**u, "own": u["key"] == "Cedar", "key": u["key"] if u["key"] == "Cedar" else None}
                                  for u in report["units"]]}
    text = charts.funnel_sentence(report, private=True)
    assert text.startswith("Outside the limits: **Cedar** (below the 99.8 % limit, 50.0 % of 100); "
                           "1 other therapist (1 above; unnamed, each in the table).")
    assert "another therapist" not in text and "Birch" not in text
    # with Rowan 40 of 100 too: mean 240 / 400 = 0.6, at n = 100 sd = sqrt(0.6 x 0.4 / 100) = 0.0490:
    # 95 % limits 0.504-0.696, 99.8 % 0.449-0.751: Birch 0.9 above, Rowan 0.4 below the 99.8 % limit,
    # Cedar 0.5 below the 95 % limit, <b>x</b> 0.602 within, Larch too few
    rows = [counts("Birch", 100, 90), counts("Cedar", 100, 50), counts("Larch", 2, 1), counts("<b>x</b>", 98, 59),
            counts("Rowan", 100, 40)]
    wider = {"by": "therapist", "measure": "relief", "relief_rule": "pct30", **funnel.from_counts(rows, "relief", 5)}
    wider = {**wider, "units": [{**u, "own": u["key"] == "Cedar", "key": u["key"] if u["key"] == "Cedar" else None}
                                for u in wider["units"]]}
    assert charts.funnel_sentence(wider, private=True).startswith(
        "Outside the limits: **Cedar** (below the 95 % limit, 50.0 % of 100); 2 other therapists (1 above and 1 "
        "below; unnamed, each in the table).")
