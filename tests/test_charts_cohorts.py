"""The Cohorts page's table and chart, on tiny hand-written cohort rows (the shape of cohort_metrics.sql)."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from clinic.charts import cohorts as charts
from clinic.filters import Filters


def row(key, courses, **values) -> dict:
    base = {"key": key, "courses": courses, "patients": courses, "relief_assessable": 0, "relieved": 0,
            "relief_rate": None, "ci_low": None, "ci_high": None, "improvement_assessable": 0,
            "median_improvement_pct": None, "responders_30": 0, "responders_50": 0, "mean_adherence": None,
            "adherent": 0, "completed": 0, "dropped_out": 0}
    return {**base, **values}


# Rows as cohort_metrics.sql returns them: sorted by key as text, null last.
AGE_ROWS = [
    row("30-44", 12, relief_assessable=10, relieved=7, relief_rate=0.7, ci_low=0.4, ci_high=0.9,
        improvement_assessable=8, median_improvement_pct=-12.5, mean_adherence=0.75, dropped_out=3),
    row("45-59", 20, relief_assessable=20, relieved=5, relief_rate=0.25, ci_low=0.1, ci_high=0.45,
        improvement_assessable=20, median_improvement_pct=40.0, mean_adherence=0.9, dropped_out=1),
    row("60+", 10, relief_assessable=4, relieved=4, relief_rate=1.0, ci_low=0.5, ci_high=1.0,
        improvement_assessable=2, median_improvement_pct=55.0, mean_adherence=0.5, dropped_out=10),
    row("<30", 9, relief_assessable=3, relieved=1, relief_rate=1 / 3, ci_low=0.06, ci_high=0.79,
        improvement_assessable=1, median_improvement_pct=10.0, mean_adherence=0.6, dropped_out=0),
    row(None, 1, mean_adherence=0.0, dropped_out=1),        # no birth year: no band, nothing assessable
]
OVERALL = row(None, 52, relief_assessable=37, relieved=17, relief_rate=17 / 37, ci_low=0.3, ci_high=0.6,
              improvement_assessable=31, median_improvement_pct=20.0, mean_adherence=0.7, dropped_out=15)



def frame_at_10(rows, group):
    """cohort_frame with a fewest-courses setting of 10 (the default is 5): these rows were written to
    have groups on both sides of 10."""
    return charts.cohort_frame(rows, group, min_cohort=10)

def test_age_bands_read_in_their_natural_order_with_unknown_last():
    frame = frame_at_10(AGE_ROWS, "age_band")
    assert list(frame["label"]) == ["<30", "30-44", "45-59", "60+", "Not recorded"]
    assert list(frame["courses"]) == [9, 12, 20, 10, 1]


def test_keys_read_as_words_and_months_as_month_names():
    assert charts.key_label("diagnosis", "piriformis_syndrome") == "Piriformis syndrome"
    assert charts.key_label("sex", "F") == "Female"
    assert charts.key_label("start_month", "2026-03") == "Mar 2026"
    assert charts.key_label("therapist", None) == "Not recorded"
    assert charts.key_label("site", "North") == "North"


def test_diagnoses_follow_the_clinic_list_not_the_alphabet():
    rows = [row("disc_herniation", 3), row("other", 2), row("piriformis_syndrome", 4), row(None, 1)]
    frame = frame_at_10(rows, "diagnosis")
    assert list(frame["label"]) == ["Disc herniation", "Piriformis syndrome", "Other", "Not recorded"]


def test_the_drop_out_rate_is_dropped_out_over_courses_and_small_groups_are_flagged():
    frame = charts.cohort_frame(AGE_ROWS, "age_band").set_index("label")
    assert frame.loc["30-44", "dropout_rate"] == 3 / 12
    assert frame.loc["60+", "dropout_rate"] == 10 / 10
    assert frame.loc["<30", "dropout_rate"] == 0
    assert list(frame["few_courses"]) == [False, False, False, False, True]  # 1 course < 5 (the default)
    stricter = charts.cohort_frame(AGE_ROWS, "age_band", min_cohort=10)
    assert list(stricter["few_courses"]) == [True, False, False, False, True]  # 9 and 1 course < 10; 10 is enough


def test_an_unknown_grouping_is_refused():
    with pytest.raises(ValueError):
        charts.cohort_frame(AGE_ROWS, "patient_id")


def test_the_table_shows_rates_as_percentages_and_the_interval_as_low_to_high():
    table = charts.display_table(frame_at_10(AGE_ROWS, "age_band")).set_index("label")
    assert table.loc["30-44", "relief_pct"] == pytest.approx(70.0)
    assert table.loc["30-44", "relief_interval"] == "40.0 % – 90.0 %"
    assert table.loc["30-44", "dropout_pct"] == pytest.approx(25.0)          # 3 of 12
    assert table.loc["30-44", "adherence_pct"] == pytest.approx(75.0)
    assert table.loc["Not recorded", "relief_interval"] == "—"
    assert table.loc["<30", "note"] == "too few to judge (< 10 courses)"
    assert table.loc["45-59", "note"] == ""
    assert set(table.reset_index().columns) == set(charts.TABLE_LABELS)


def test_the_csv_starts_with_its_header_and_keeps_the_exact_numbers():
    import io

    import pandas as pd

    frame = frame_at_10(AGE_ROWS, "age_band")
    text = charts.csv_bytes(frame).decode()
    lines = text.splitlines()
    assert lines[0].startswith("key,label,courses,patients,relief_assessable,relieved,relief_rate,ci_low,ci_high")
    assert lines[1].startswith("<30,<30,9,9,3,1,0.3333333333333333,")        # 1/3, not rounded
    assert lines[-1].startswith(",Not recorded,1,1,0,0,,,,")                 # unknown key left empty
    back = pd.read_csv(io.StringIO(text))                                    # pandas finds the header on line 1
    assert list(back.columns) == list(charts.CSV_COLUMNS)
    assert back.loc[0, "relief_rate"] == 1 / 3 and back.loc[2, "dropout_rate"] == 1 / 20


def test_the_relief_chart_draws_each_rate_with_its_wilson_interval_and_the_overall_line():
    frame = frame_at_10(AGE_ROWS, "age_band")
    fig = charts.comparison(frame, "relief", OVERALL, "age_band")
    many, few = fig.data                                      # 10 or more courses, then fewer
    assert list(many.y) == ["30-44", "45-59", "60+"]
    assert list(many.x) == pytest.approx([70.0, 25.0, 100.0])
    assert list(many.error_x.array) == pytest.approx([20.0, 20.0, 0.0])       # ci_high - rate, in points
    assert list(many.error_x.arrayminus) == pytest.approx([30.0, 15.0, 50.0])  # rate - ci_low
    assert list(few.y) == ["<30", "Not recorded"]
    assert few.x[1] is None                                   # nothing assessable: no dot
    assert "1 of 3 assessable courses" in few.hovertext[0]
    assert fig.layout.title.text == "First-session relief by age band"
    assert "37 assessable of 52 courses in 5 groups" in fig.layout.title.subtitle.text   # 10 + 20 + 4 + 3 + 0
    assert "pale = fewer than 10 courses, too few to judge" in fig.layout.title.subtitle.text
    assert fig.layout.xaxis.title.text == "First-session relief (% of assessable courses)"
    assert fig.layout.yaxis.title.text == "Age band"
    assert fig.layout.shapes[0].x0 == pytest.approx(100 * 17 / 37)           # the overall rate
    notes = [a.text for a in fig.layout.annotations]
    # n beside a rate with an interval counts the assessable courses the interval is computed over
    assert "n = 10 of 12" in notes and "n = 3 of 9 · too few to judge" in notes and "n = 0 of 1 · no data" in notes
    assert "n = assessable of all courses" in notes                          # the column's header
    assert list(fig.layout.yaxis.categoryarray) == ["Not recorded", "60+", "45-59", "30-44", "<30"]  # top to bottom


# Age rows with the columns added for the Cohorts page: mean improvement and the responder rate with
# its Wilson interval (values as cohort_metrics.sql would return them for these counts).
RESPONDER_ROWS = [
    {**AGE_ROWS[0], "responders_30": 2, "mean_improvement_pct": 8.5, "responder_30_rate": 2 / 8,
     "responder_ci_low": 0.07, "responder_ci_high": 0.59},
    {**AGE_ROWS[1], "responders_30": 15, "mean_improvement_pct": 41.25, "responder_30_rate": 15 / 20,
     "responder_ci_low": 0.53, "responder_ci_high": 0.89},
    {**AGE_ROWS[2], "responders_30": 2, "mean_improvement_pct": 55.0, "responder_30_rate": 1.0,
     "responder_ci_low": 0.34, "responder_ci_high": 1.0},
    {**AGE_ROWS[3], "responders_30": 0, "mean_improvement_pct": 10.0, "responder_30_rate": 0.0,
     "responder_ci_low": 0.0, "responder_ci_high": 0.79},
    AGE_ROWS[4],                                   # nothing assessable: every new column missing
]


def test_the_responder_chart_draws_each_rate_with_its_interval_and_an_n_of_assessable_courses():
    frame = frame_at_10(RESPONDER_ROWS, "age_band")
    overall = {**OVERALL, "responder_30_rate": 19 / 31}
    fig = charts.comparison(frame, "responders", overall, "age_band")
    many, few = fig.data
    assert list(many.y) == ["30-44", "45-59", "60+"]
    assert list(many.x) == pytest.approx([25.0, 75.0, 100.0])                 # 2/8, 15/20, 2/2
    assert list(many.error_x.array) == pytest.approx([34.0, 14.0, 0.0])       # 59 - 25, 89 - 75, 100 - 100
    assert list(many.error_x.arrayminus) == pytest.approx([18.0, 22.0, 66.0])  # 25 - 7, 75 - 53, 100 - 34
    assert list(few.y) == ["<30", "Not recorded"] and few.x[1] is None
    assert "2 of 8 assessable courses (n: pain scored on two visit days)" in many.hovertext[0]
    notes = [a.text for a in fig.layout.annotations]
    assert "n = 8 of 12" in notes and "n = 1 of 9 · too few to judge" in notes              # improvement_assessable of courses
    assert fig.layout.title.text == "Responders (≥ 30 % better) by age band"
    assert "31 assessable of 52 courses in 5 groups" in fig.layout.title.subtitle.text   # 8 + 20 + 2 + 1 + 0
    assert fig.layout.shapes[0].x0 == pytest.approx(100 * 19 / 31)
    assert fig.layout.annotations[-1].text == "dashed: all matching courses, 61.3 %"     # the line, labelled: 19/31


def test_the_table_shows_mean_improvement_and_the_responder_rate_with_its_interval():
    table = charts.display_table(frame_at_10(RESPONDER_ROWS, "age_band")).set_index("label")
    assert table.loc["45-59", "mean_improvement_pct"] == pytest.approx(41.25)
    assert table.loc["45-59", "responder_pct"] == pytest.approx(75.0)
    assert table.loc["45-59", "responder_interval"] == "53.0 % – 89.0 %"
    assert table.loc["Not recorded", "responder_interval"] == "—"
    columns = list(table.reset_index().columns)
    assert columns[:3] == ["label", "courses", "patients"] and columns[-1] == "note"


def test_the_improvement_chart_makes_room_for_a_group_that_got_worse():
    fig = charts.comparison(frame_at_10(AGE_ROWS, "age_band"), "improvement", OVERALL, "age_band")
    bars = fig.data[0]
    assert list(bars.x) == [-12.5, 40.0, 55.0]
    assert list(bars.text) == ["-12.5 %", "40.0 %", "55.0 %"]     # the value written at each bar, as the table
    low, high = fig.layout.xaxis.range
    assert low < -12.5 and high > 55
    assert fig.layout.xaxis.title.text == "Median sustained improvement (%, first to last scored day)"
    assert "31 of 52 courses in 5 groups with two scored visit days" in fig.layout.title.subtitle.text   # 8+20+2+1+0


def test_the_drop_out_chart_shows_percentages_and_says_how_many_dropped_out_in_the_hover():
    fig = charts.comparison(frame_at_10(AGE_ROWS, "age_band"), "dropout", OVERALL, "age_band")
    assert list(fig.data[0].x) == pytest.approx([25.0, 5.0, 100.0])           # 3/12, 1/20, 10/10
    assert "Dropped out: 3 of 12 courses" in fig.data[0].hovertext[0]
    assert tuple(fig.layout.xaxis.range) == (0, 100)
    assert fig.layout.shapes[0].x0 == pytest.approx(100 * 15 / 52)


def test_without_small_groups_the_chart_needs_no_legend():
    rows = [r for r in AGE_ROWS if r["courses"] >= 10]
    fig = charts.comparison(frame_at_10(rows, "age_band"), "adherence", OVERALL, "age_band")
    assert len(fig.data) == 1 and fig.layout.showlegend is False
    assert list(fig.data[0].x) == pytest.approx([75.0, 90.0, 50.0])


def test_low_drop_out_rates_get_a_scale_they_can_be_read_on_starting_at_zero():
    rows = [row("North", 20, dropped_out=1), row("South", 10, dropped_out=2)]       # 5 % and 20 %
    fig = charts.comparison(frame_at_10(rows, "site"), "dropout", row(None, 30, dropped_out=3), "site")
    assert tuple(fig.layout.xaxis.range) == (0, 30)           # 20 % largest, plus room, to the next 10
    assert fig.layout.shapes[0].x0 == pytest.approx(10.0)     # 3 of 30 overall


def test_one_group_is_called_one_group():
    fig = charts.comparison(frame_at_10([row("North", 12, dropped_out=1)], "site"), "dropout",
                            row(None, 12, dropped_out=1), "site")
    assert fig.layout.title.subtitle.text.startswith("12 courses in 1 group;")


HOSTILE = '<a href="https://evil.example">Birch</a> <span style="color:red">x</span>'


def test_a_therapist_named_with_markup_is_text_on_the_axis_beside_its_n_and_in_the_hover():
    rows = [row(HOSTILE, 12, relief_assessable=10, relieved=7, relief_rate=0.7, ci_low=0.4, ci_high=0.9),
            row("Cedar", 3)]
    frame = frame_at_10(rows, "therapist")
    assert frame.loc[0, "label"] == HOSTILE                   # the table shows the name as stored (as text)
    fig = charts.comparison(frame, "relief", OVERALL, "therapist")
    shown = '&lt;a href="https://evil.example"&gt;Birch&lt;/a&gt; &lt;span style="color:red"&gt;x&lt;/span&gt;'
    assert list(fig.data[0].y) == [shown]
    assert shown in list(fig.layout.yaxis.categoryarray)
    assert shown in [a.y for a in fig.layout.annotations]
    assert fig.data[0].hovertext[0].startswith(f"<b>{shown}</b>")
    assert "<a " not in fig.to_json() and "<span" not in fig.to_json()


def test_names_in_the_csv_stay_cells_that_a_spreadsheet_never_runs():
    import csv
    import io

    frame = frame_at_10([row("Comma,=1+1", 3), row("=HYPERLINK(\"x\")", 2)], "therapist")
    rows = list(csv.reader(io.StringIO(charts.csv_bytes(frame).decode())))
    assert rows[0][0] == "key" and len(rows) == 3              # the header, then the two groups
    assert [r[1] for r in rows[1:]] == ["Comma,=1+1", "'=HYPERLINK(\"x\")"]      # one cell each; no formula
    assert not [cell for r in rows for cell in r if cell.startswith(("=", "+", "-", "@", "\t", "\r"))]


def test_the_private_export_keeps_a_hidden_group_by_name_only():
    rows = [row("North", 12, relief_assessable=10, relieved=7, relief_rate=0.7),
            {"key": "South", "suppressed": True}]
    frame = charts.private_export_frame(rows, "site")
    assert list(frame.columns) == list(charts.PRIVATE_CSV_COLUMNS)
    assert frame.loc[0, ["suppressed", "label", "courses", "relief_rate"]].tolist() == [False, "North", 12, 0.7]
    assert frame.loc[1, ["suppressed", "label"]].tolist() == [True, "South"]
    assert frame.loc[1, list(charts.CSV_COLUMNS[2:])].isna().all()          # no figure of a hidden group
    assert list(charts.column_meanings(private=True)) == list(charts.PRIVATE_CSV_COLUMNS)



def test_the_table_puts_the_deciding_columns_first_and_names_each_metric_once():
    columns = list(charts.display_table(frame_at_10(AGE_ROWS, "age_band")).columns)
    assert columns[:8] == ["label", "courses", "patients", "relief_pct", "responder_pct", "median_improvement_pct",
                           "adherence_pct", "dropout_pct"]
    assert columns[8:11] == ["mean_improvement_pct", "relief_interval", "responder_interval"]
    assert columns[-1] == "note"
    assert [charts.TABLE_LABELS[c] for c in columns[3:9]] == [
        "First-session relief", "Responders (≥ 30 % better)", "Median sustained improvement", "Mean adherence",
        "Drop-out rate", "Mean sustained improvement"]


def test_a_clinic_benchmark_is_a_second_dotted_line_labelled_clinic():
    # the chosen therapists' own figure 17 of 37 = 45.9 % (dashed); the clinic's 30 of 50 = 60 % (dotted)
    clinic = row(None, 70, relief_assessable=50, relieved=30, relief_rate=0.6, ci_low=0.46, ci_high=0.72,
                 median_improvement_pct=80.0, dropped_out=7)
    frame = frame_at_10(AGE_ROWS, "age_band")
    fig = charts.comparison(frame, "relief", OVERALL, "age_band", clinic=clinic)
    dashed, dotted = fig.layout.shapes
    assert (dashed.line.dash, dashed.x0) == ("dash", pytest.approx(100 * 17 / 37))
    assert (dotted.line.dash, dotted.x0) == ("dot", pytest.approx(60.0))
    labels = {a.text: a for a in fig.layout.annotations if a.text.startswith(("dashed", "dotted"))}
    assert set(labels) == {"dashed: all matching courses, 45.9 %", "dotted: clinic, 60.0 %"}
    # above the plot (not over the first group's row), each on a row of its own, the dashed line's the
    # higher; each reaches from its line towards the middle of the axis (0-100 %): 45.9 % to the
    # right, 60 % to the left, so neither runs past the plot into the column of n
    dashed_label, dotted_label = labels["dashed: all matching courses, 45.9 %"], labels["dotted: clinic, 60.0 %"]
    assert all((a.yref, a.y, a.yanchor, a.xref) == ("paper", 1.0, "bottom", "x") for a in labels.values())
    assert (dashed_label.x, dashed_label.yshift, dashed_label.xanchor) == (pytest.approx(100 * 17 / 37), 15, "left")
    assert (dotted_label.x, dotted_label.yshift, dotted_label.xanchor) == (pytest.approx(60.0), 0, "right")
    # the second label's row (15 px, twice: Plotly puts half of a top margin's px above the title) and
    # the subtitle's line on the dotted line (18 px) are added to the top margin and the height: the
    # plot keeps its height
    alone = charts.comparison(frame, "relief", OVERALL, "age_band")
    assert fig.layout.margin.t - alone.layout.margin.t == fig.layout.height - alone.layout.height == 2 * 15 + 18
    assert "dotted line = the clinic (the same filters, every therapist)" in fig.layout.title.subtitle.text
    bars = charts.comparison(frame, "improvement", OVERALL, "age_band", clinic=clinic)
    assert bars.layout.shapes[1].x0 == pytest.approx(80.0) and bars.layout.xaxis.range[1] > 80   # in view
    drop = charts.comparison(frame, "dropout", OVERALL, "age_band", clinic=clinic)
    assert drop.layout.shapes[1].x0 == pytest.approx(10.0)                                       # 7 of 70


def test_without_a_clinic_benchmark_there_is_one_line():
    fig = charts.comparison(frame_at_10(AGE_ROWS, "age_band"), "relief", OVERALL, "age_band")
    assert len(fig.layout.shapes) == 1 and "dotted" not in fig.layout.title.subtitle.text


def test_the_table_shows_the_middle_half_of_improvement_and_the_interval_of_the_drop_out_rate():
    rows = [row("Ash", 4, dropped_out=1) | {"improvement_q1_pct": 18.75, "improvement_q3_pct": 62.5,
                                           "dropout_ci_low": 0.0456, "dropout_ci_high": 0.6994},
            row("Beech", 2)]
    table = charts.display_table(charts.cohort_frame(rows, "therapist")).set_index("label")
    assert table.loc["Ash", "improvement_iqr"] == "18.8 % – 62.5 %"
    assert table.loc["Ash", "dropout_interval"] == "4.6 % – 69.9 %"
    assert table.loc["Beech", "improvement_iqr"] == "—"          # nothing to spread: a dash, not 0


def test_every_share_in_a_cohorts_hover_has_a_space_before_its_percent_sign_as_on_the_page():
    frame = frame_at_10(AGE_ROWS, "age_band")
    hovers = {metric: charts.comparison(frame, metric, OVERALL, "age_band").data[0].hovertext
              for metric in ("relief", "adherence", "dropout")}
    # 30-44: 7 of 10 relieved (interval 0.4-0.9), mean adherence 0.75, 3 of 12 dropped out
    assert "First-session relief: 70.0 %<br>95 % interval 40.0 % – 90.0 %<br>7 of 10 " in hovers["relief"][0]
    assert "Mean adherence: 75.0 %<br>" in hovers["adherence"][0]
    assert "Drop-out rate: 25.0 %<br>Dropped out: 3 of 12 courses" in hovers["dropout"][0]
    # 45-59: 5 of 20 (0.1-0.45); a decoy for the digit glued to "%" anywhere in any hover
    assert "First-session relief: 25.0 %<br>95 % interval 10.0 % – 45.0 %" in hovers["relief"][1]
    assert not [text for texts in hovers.values() for text in texts if re.search(r"\d%", text)]
