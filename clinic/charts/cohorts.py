"""The Cohorts page: the cohort rows as a table and a comparison chart (no Streamlit inside).

`cohort_frame` turns the rows of queries/cohort_metrics.sql into one DataFrame in the page's order
(age bands and diagnoses in their natural order, unknown last) with readable group labels, the
drop-out rate and a small-group flag. `display_table` and `csv_bytes` are two views of it: rounded
for people, exact for the download. `comparison` draws one metric across the groups.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from clinic.charts import (LABEL_ROW_PX, NEUTRAL, NOT_RECORDED, PALETTE, cohort_text, label_rows_px, n_courses,
                           pct_text, styled, text_px)
from clinic import exports
from clinic.filters import AGE_BANDS, COHORT_FIELDS, DIAGNOSES, DIAGNOSIS_LABELS, SEX_LABELS, SEXES

GROUPS = tuple(COHORT_FIELDS)
UNKNOWN = NOT_RECORDED
FEW_COURSES = 5               # the default of settings.min_cohort: a group with fewer courses is too few to judge
STRONG, PALE = PALETTE[0], "rgba(127, 127, 127, 0.55)"

# Natural order of the keys of each grouping (keys not listed keep the query's order, unknown last).
KEY_ORDER = {"age_band": AGE_BANDS, "diagnosis": DIAGNOSES, "sex": SEXES}

COUNT_COLUMNS = ("courses", "patients", "relief_assessable", "relieved", "improvement_assessable",
                 "responders_30", "responders_50", "adherent", "completed", "dropped_out")
METRIC_COLUMNS = ("relief_rate", "ci_low", "ci_high", "median_improvement_pct", "mean_adherence",
                  "mean_improvement_pct", "responder_30_rate", "responder_ci_low", "responder_ci_high",
                  "improvement_q1_pct", "improvement_q3_pct", "dropout_ci_low", "dropout_ci_high")


@dataclass(frozen=True)
class Metric:
    label: str          # what the widget offers
    column: str         # the column of cohort_frame drawn
    axis: str           # axis title, with its unit
    percent_of_one: bool  # a 0–1 ratio shown as a percentage (else already in %)


# One name per metric across the dashboard (the same words on the Overview, Pain trends, Adherence
# and Patients pages): First-session relief, Sustained improvement (per course), Median / Mean
# sustained improvement (per cohort), Responders (≥ 30 % better), Mean adherence, Adherent,
# Completed, Dropped out / Drop-out rate.
METRICS = {
    "relief": Metric("First-session relief", "relief_rate", "First-session relief (% of assessable courses)", True),
    "responders": Metric("Responders (≥ 30 % better)", "responder_30_rate",
                         "Responders (≥ 30 % better, first to last scored day; % of assessable courses)", True),
    "improvement": Metric("Median sustained improvement", "median_improvement_pct",
                          "Median sustained improvement (%, first to last scored day)", False),
    "adherence": Metric("Mean adherence", "mean_adherence", "Mean adherence (% of course days with a visit)", True),
    "dropout": Metric("Drop-out rate", "dropout_rate", "Drop-out rate (% of courses)", True),
}



@dataclass(frozen=True)
class Interval:
    low: str            # columns of cohort_frame with the Wilson 95 % interval of the metric
    high: str
    assessable: str     # the courses the rate is counted over: the n of the interval
    counted: str        # the courses counted as a success


# The metrics drawn as a rate with its Wilson interval; their n is the assessable courses, not all.
INTERVALS = {
    "relief": Interval("ci_low", "ci_high", "relief_assessable", "relieved"),
    "responders": Interval("responder_ci_low", "responder_ci_high", "improvement_assessable", "responders_30"),
}


# ---------------------------------------------------------------- the cohort table

def key_label(group: str, key) -> str:
    """How one cohort key reads on the page: diagnosis and sex by name, months as 'Mar 2026'."""
    if key is None or (not isinstance(key, str) and pd.isna(key)) or key == "":
        return UNKNOWN
    if group == "diagnosis":
        return DIAGNOSIS_LABELS.get(key, key)
    if group == "sex":
        return SEX_LABELS.get(key, key)
    if group == "start_month":
        try:
            return dt.date.fromisoformat(f"{key}-01").strftime("%b %Y")
        except ValueError:
            return str(key)
    return str(key)


def _order(group: str, keys: list) -> list[int]:
    """Positions of the keys in display order: natural order where there is one, unknown last."""
    natural = KEY_ORDER.get(group, ())

    def rank(position: int):
        key = keys[position]
        if key is None or key == "" or (not isinstance(key, str) and pd.isna(key)):
            return (2, 0, position)
        if key in natural:
            return (0, natural.index(key), position)
        return (1, 0, position) if natural else (0, 0, position)

    return sorted(range(len(keys)), key=rank)


def n_groups(count: int) -> str:
    return f"{count:,} group" + ("" if count == 1 else "s")


def _rate(part, whole):
    return None if not whole else part / whole


def cohort_frame(rows: list[dict], group: str, min_cohort: int = FEW_COURSES) -> pd.DataFrame:
    """One row per cohort key in display order, with `label`, `dropout_rate` and `few_courses` (fewer
    than `min_cohort` courses: too few to judge, drawn greyed).

    Counts stay integers and rates stay exact (unrounded); a rate with nothing to count is NaN.
    """
    if group not in GROUPS:
        raise ValueError(f"unknown grouping {group!r}; use one of {', '.join(GROUPS)}")
    rows = [rows[i] for i in _order(group, [r.get("key") for r in rows])]
    frame = pd.DataFrame({
        "key": pd.array([r.get("key") for r in rows], dtype="string"),
        "label": [key_label(group, r.get("key")) for r in rows],
        **{c: pd.array([int(r.get(c) or 0) for r in rows], dtype="int64") for c in COUNT_COLUMNS},
        **{c: pd.array([r.get(c) for r in rows], dtype="Float64") for c in METRIC_COLUMNS},
    })
    frame["dropout_rate"] = pd.array([_rate(r.get("dropped_out") or 0, r.get("courses") or 0) for r in rows],
                                     dtype="Float64")
    frame["few_courses"] = frame["courses"] < min_cohort
    frame.attrs["min_cohort"] = min_cohort
    return frame


def min_cohort_of(frame: pd.DataFrame) -> int:
    """The fewest courses a group of `frame` (from cohort_frame) needs to be judged."""
    return int(frame.attrs.get("min_cohort", FEW_COURSES))


def overall_values(row: dict | None) -> dict:
    """The overall cohort row with the same derived columns as cohort_frame (for reference lines)."""
    row = dict(row or {})
    row["dropout_rate"] = _rate(row.get("dropped_out") or 0, row.get("courses") or 0)
    return row


# In the order shown: the group and its size, then the deciding rates (so a 1,400 px window shows
# adherence and drop-out without scrolling), then the mean, the intervals and the counts; the note last.
# Rates carry their unit in the cells ("50.0 %"), so the headers are the metrics' names alone.
TABLE_LABELS = {
    "label": "Group",
    "courses": "Courses",
    "patients": "Patients",
    "relief_pct": "First-session relief",
    "responder_pct": "Responders (≥ 30 % better)",
    "median_improvement_pct": "Median sustained improvement",
    "adherence_pct": "Mean adherence",
    "dropout_pct": "Drop-out rate",
    "mean_improvement_pct": "Mean sustained improvement",
    "relief_interval": "First-session relief: 95 % interval",
    "responder_interval": "Responders: 95 % interval",
    "improvement_iqr": "Sustained improvement: middle half",
    "dropout_interval": "Drop-out rate: 95 % interval",
    "relief_assessable": "Relief assessable (courses)",
    "relieved": "Relieved (courses)",
    "improvement_assessable": "Improvement assessable (courses)",
    "responders_30": "Responders ≥ 30 % (courses)",
    "responders_50": "≥ 50 % better (courses)",
    "adherent": "Adherent",
    "completed": "Completed",
    "dropped_out": "Dropped out",
    "note": "Note",
}
# Widths (px) that show each header whole and still fit the deciding columns, through the drop-out
# rate, in the table's 940 px at a 1,400 px window (sidebar open); the group column is sized to its
# longest label (group_width).
TABLE_WIDTHS = {"courses": 60, "patients": 60, "relief_pct": 116, "responder_pct": 166, "median_improvement_pct": 196,
                "adherence_pct": 108, "dropout_pct": 90}


def group_width(labels) -> int:
    """The pinned group column's width: its longest label whole, between 80 and 170 px."""
    return int(max(80, min(170, max([text_px(label) for label in labels] + [text_px("Group")]) + 18)))


def table_widths(table: pd.DataFrame) -> dict[str, int]:
    """Column widths (px) for display_table or private_display_table: TABLE_WIDTHS, widened where a
    text cell needs more (a hidden group's "hidden"), and the group column's group_width."""
    widths = {"label": group_width(table["label"]) if "label" in table else 80}
    for column, width in TABLE_WIDTHS.items():
        texts = [v for v in table.get(column, []) if isinstance(v, str)]
        widths[column] = int(max([width, *(text_px(t) + 12 for t in texts)]))
    return widths


TABLE_HELP = {
    "relief_pct": "Share of the assessable courses (both pain scores at the first session, pain above 0 before it) "
                  "whose first session brought relief under the rule in use.",
    "responder_pct": "Share of the courses with pain scored on two visit days whose sustained improvement is "
                     "30 % or more.",
    "median_improvement_pct": "Median of the courses' sustained improvement: pain before the first vs the last "
                              "scored visit day. Pain is scored in whole points, so it often lands on the same "
                              "value (such as 33 %) in every group.",
    "adherence_pct": "Mean over the courses of the share of each course's days so far with a visit.",
    "dropout_pct": "Share of the courses not completed and without a visit for more than the drop-out gap of the "
                   "settings (7 days by default).",
    "mean_improvement_pct": "Mean of the courses' sustained improvement (tells groups apart where the median "
                            "does not).",
    "relief_interval": "Wilson 95 % interval of the first-session relief rate.",
    "responder_interval": "Wilson 95 % interval of the responder rate.",
    "improvement_iqr": "Interquartile range of the courses' sustained improvement: the middle half of the courses "
                       "lies between these two values (quartiles with linear interpolation).",
    "dropout_interval": "Wilson 95 % interval of the drop-out rate.",
}
PERCENT_COLUMNS = ("relief_pct", "responder_pct", "mean_improvement_pct", "median_improvement_pct", "adherence_pct",
                   "dropout_pct")


def _pct(value, digits: int = 1) -> str:
    return "—" if value is None or pd.isna(value) else f"{value * 100:.{digits}f} %"


def _interval_texts(lows, highs) -> list[str]:
    return [f"{_pct(lo)} – {_pct(hi)}" if not pd.isna(lo) else "—" for lo, hi in zip(lows, highs)]


def display_table(frame: pd.DataFrame) -> pd.DataFrame:
    """The table people read: rates as percentages (numbers, so a column click sorts them), the
    Wilson intervals as 'low–high', and a note on groups with few courses. Columns: TABLE_LABELS."""
    shown = pd.DataFrame({
        "label": frame["label"],
        "courses": frame["courses"],
        "patients": frame["patients"],
        "relief_pct": frame["relief_rate"] * 100,
        "responder_pct": frame["responder_30_rate"] * 100,
        "median_improvement_pct": frame["median_improvement_pct"],
        "adherence_pct": frame["mean_adherence"] * 100,
        "dropout_pct": frame["dropout_rate"] * 100,
        "mean_improvement_pct": frame["mean_improvement_pct"],
        "relief_interval": _interval_texts(frame["ci_low"], frame["ci_high"]),
        "responder_interval": _interval_texts(frame["responder_ci_low"], frame["responder_ci_high"]),
        "improvement_iqr": [f"{lo:.1f} % – {hi:.1f} %" if not (pd.isna(lo) or pd.isna(hi)) else "—"
                            for lo, hi in zip(frame["improvement_q1_pct"], frame["improvement_q3_pct"])],
        "dropout_interval": _interval_texts(frame["dropout_ci_low"], frame["dropout_ci_high"]),
        "relief_assessable": frame["relief_assessable"],
        "relieved": frame["relieved"],
        "improvement_assessable": frame["improvement_assessable"],
        "responders_30": frame["responders_30"],
        "responders_50": frame["responders_50"],
        "adherent": frame["adherent"],
        "completed": frame["completed"],
        "dropped_out": frame["dropped_out"],
        "note": [f"too few to judge (< {min_cohort_of(frame)} courses)" if few else ""
                 for few in frame["few_courses"]],
    })
    return shown.loc[:, list(TABLE_LABELS)].reset_index(drop=True)


CSV_COLUMNS = ("key", "label", "courses", "patients", "relief_assessable", "relieved", "relief_rate", "ci_low", "ci_high",
               "improvement_assessable", "median_improvement_pct", "improvement_q1_pct", "improvement_q3_pct",
               "mean_improvement_pct", "responders_30",
               "responders_50", "responder_30_rate", "responder_ci_low", "responder_ci_high", "mean_adherence",
               "adherent", "completed", "dropped_out", "dropout_rate", "dropout_ci_low", "dropout_ci_high",
               "few_courses")
# The downloads' column ids in words (the About sheet of the XLSX and the side file of the CSV).
CSV_MEANINGS = {
    "suppressed": "true: the group is hidden (too few patients, or it could be worked out from the others); "
                  "its figures are left empty",
    "key": "the group's value as stored (empty = unknown)",
    "label": "the group as the page shows it",
    "courses": "courses", "patients": "distinct patients",
    "relief_assessable": "First-session relief: courses that can be judged (both scores, pain above 0 before)",
    "relieved": "First-session relief: courses relieved under the rule in use",
    "relief_rate": "First-session relief: relieved / assessable (ratio 0–1)",
    "ci_low": "First-session relief: Wilson 95 % interval, low (ratio 0–1)",
    "ci_high": "First-session relief: Wilson 95 % interval, high (ratio 0–1)",
    "improvement_assessable": "Sustained improvement: courses with pain scored on two visit days",
    "median_improvement_pct": "Median sustained improvement (%)",
    "improvement_q1_pct": "Sustained improvement: first quartile (%, linear interpolation)",
    "improvement_q3_pct": "Sustained improvement: third quartile (%, linear interpolation)",
    "mean_improvement_pct": "Mean sustained improvement (%)",
    "responders_30": "Responders (≥ 30 % better): courses",
    "responders_50": "≥ 50 % better: courses",
    "responder_30_rate": "Responders (≥ 30 % better): responders / assessable (ratio 0–1)",
    "responder_ci_low": "Responders: Wilson 95 % interval, low (ratio 0–1)",
    "responder_ci_high": "Responders: Wilson 95 % interval, high (ratio 0–1)",
    "mean_adherence": "Mean adherence (ratio 0–1)",
    "adherent": "Adherent (at or above the settings' adherence threshold, 80 % by default): courses",
    "completed": "Completed: courses",
    "dropped_out": "Dropped out: courses",
    "dropout_rate": "Drop-out rate: dropped out / courses (ratio 0–1)",
    "dropout_ci_low": "Drop-out rate: Wilson 95 % interval, low (ratio 0–1)",
    "dropout_ci_high": "Drop-out rate: Wilson 95 % interval, high (ratio 0–1)",
    "few_courses": "true: fewer courses than the settings' fewest to judge (5 by default): too few to judge",
}


def column_meanings(private: bool = False) -> dict[str, str]:
    """The meaning of each column of export_frame (or private_export_frame), in its order."""
    return {c: CSV_MEANINGS[c] for c in (PRIVATE_CSV_COLUMNS if private else CSV_COLUMNS)}


def export_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The exact numbers people take away (CSV and XLSX): the columns CSV_COLUMNS of cohort_frame.

    Rates are ratios 0–1 and the improvement is in %, all unrounded; an unknown key is left empty."""
    return frame.loc[:, list(CSV_COLUMNS)].reset_index(drop=True)


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """export_frame as CSV, its header on line 1 (the filters go in the file name and the side file)."""
    return exports.frame_csv(export_frame(frame))


# ---------------------------------------------------------------- the comparison chart

def _value_text(metric: Metric, value) -> str:
    if value is None or pd.isna(value):
        return "no data"
    return f"{value * 100:.1f} %" if metric.percent_of_one else f"{value:.1f} %"


def n_text(metric_key: str, row) -> str:
    """What the n beside a group's bar or dot says: all its courses, or, for a rate with an interval,
    the assessable courses the rate and interval are counted over, of all its courses."""
    courses = int(row["courses"])
    if metric_key in INTERVALS:
        return f"n = {int(row[INTERVALS[metric_key].assessable]):,} of {courses:,}"
    return f"n = {courses:,}"


N_HEADERS = {True: "n = assessable of all courses", False: "n = courses"}


def _hover(metric_key: str, row) -> str:
    value = row[METRICS[metric_key].column]
    head = (f"<b>{cohort_text(row['label'])}</b><br>{n_courses(int(row['courses']))}, "
            f"{int(row['patients']):,} patients<br>")
    if metric_key == "relief":
        if pd.isna(value):
            return head + "No first session can be judged (no pain scores)"
        return head + (f"First-session relief: {pct_text(value)}<br>95 % interval {pct_text(row['ci_low'])} – "
                       f"{pct_text(row['ci_high'])}<br>{int(row['relieved']):,} of {int(row['relief_assessable']):,} "
                       "assessable courses (n: the first session has both scores)")
    if metric_key == "responders":
        if pd.isna(value):
            return head + "No course has two scored visit days yet"
        return head + (f"Responders (≥ 30 % better, first to last scored day): {pct_text(value)}<br>95 % interval "
                       f"{pct_text(row['responder_ci_low'])} – {pct_text(row['responder_ci_high'])}<br>"
                       f"{int(row['responders_30']):,} of {int(row['improvement_assessable']):,} assessable courses "
                       "(n: pain scored on two visit days)")
    if metric_key == "improvement":
        if pd.isna(value):
            return head + "No course has two scored visit days yet"
        mean = row.get("mean_improvement_pct")
        mean_text = "" if mean is None or pd.isna(mean) else f"<br>Mean sustained improvement: {mean:.1f} %"
        return head + (f"Median sustained improvement: {value:.1f} %{mean_text}<br>over "
                       f"{int(row['improvement_assessable']):,} courses with two scored days<br>"
                       f"Responders (≥ 30 % better): {int(row['responders_30']):,}, ≥ 50 % better: "
                       f"{int(row['responders_50']):,}")
    if metric_key == "adherence":
        return head + (f"Mean adherence: {pct_text(value)}<br>Adherent: {int(row['adherent']):,} courses<br>"
                       f"Completed: {int(row['completed']):,} courses")
    return head + (f"Drop-out rate: {pct_text(value)}<br>Dropped out: {int(row['dropped_out']):,} of "
                   f"{int(row['courses']):,} courses")


def _reference(row: dict | None, metric: Metric) -> float | None:
    """A reference line's value on the chart's scale (None when there is nothing to count)."""
    value = None if row is None else overall_values(row).get(metric.column)
    if value is None or pd.isna(value):
        return None
    return float(value) * (100 if metric.percent_of_one else 1)


def comparison(frame: pd.DataFrame, metric_key: str, overall: dict, group: str,
               clinic: dict | None = None) -> go.Figure:
    """One metric across the groups of cohort_frame: one horizontal bar (a rate with an interval:
    a dot with its Wilson 95 % interval) per group, its n at the right edge, the overall value as a
    dashed line labelled in the chart. Groups with fewer than FEW_COURSES courses are drawn pale and
    say so (the subtitle explains it).

    `clinic` (the overall row of the same filters without the therapist selection) adds a second,
    dotted benchmark line labelled "clinic": with one therapist chosen, the dashed line is that
    therapist's own figure, and the clinic's stays in view beside it."""
    metric = METRICS[metric_key]
    interval = INTERVALS.get(metric_key)
    overall = overall_values(overall)
    scale = 100 if metric.percent_of_one else 1
    rows = frame.reset_index(drop=True)
    labels = [cohort_text(label) for label in rows["label"]]     # the y categories: tick labels render HTML
    values = [None if pd.isna(v) else float(v) * scale for v in rows[metric.column]]
    fig = go.Figure()
    least = min_cohort_of(frame)
    for few, name, colour in ((False, f"{least} or more courses", STRONG),
                              (True, f"fewer than {least} courses: too few to judge", PALE)):
        part = [i for i in range(len(rows)) if bool(rows.loc[i, "few_courses"]) == few]
        if not part:
            continue
        y = [labels[i] for i in part]
        x = [values[i] for i in part]
        hover = [_hover(metric_key, rows.loc[i]) for i in part]
        if interval:
            high = [None if x[j] is None else float(rows.loc[i, interval.high]) * 100 - x[j] for j, i in enumerate(part)]
            low = [None if x[j] is None else x[j] - float(rows.loc[i, interval.low]) * 100 for j, i in enumerate(part)]
            fig.add_trace(go.Scatter(
                x=x, y=y, mode="markers", name=name, marker={"size": 12, "color": colour},
                error_x={"type": "data", "symmetric": False, "array": high, "arrayminus": low,
                         "thickness": 2.5, "width": 6, "color": colour},
                hovertext=hover, hovertemplate="%{hovertext}<extra></extra>",
            ))
        else:
            fig.add_trace(go.Bar(
                x=x, y=y, orientation="h", name=name, marker={"color": colour},
                text=[_value_text(metric, None if v is None else v / scale) for v in x], textposition="outside",
                cliponaxis=False, hovertext=hover, hovertemplate="%{hovertext}<extra></extra>",
            ))
    # n per group, written at the right edge of the plot (paper coordinates), so a label never sits
    # on a bar or an error bar; a header above the column says what n counts. Set all at once:
    # Plotly copies every annotation a figure has each time one is added.
    n_labels = []
    for i, label in enumerate(labels):
        text = n_text(metric_key, rows.loc[i])
        if values[i] is None:
            text += " · no data"
        elif rows.loc[i, "few_courses"]:
            text += " · too few to judge"
        n_labels.append({"x": 1.0, "xref": "paper", "xanchor": "left", "xshift": 6, "y": label, "yref": "y",
                         "text": text, "showarrow": False,
                         "font": {"size": 11, "color": NEUTRAL if rows.loc[i, "few_courses"] else "#333"}})
    n_labels.append({"x": 1.0, "xref": "paper", "xanchor": "left", "xshift": 6, "y": 1.0, "yref": "paper",
                     "yanchor": "bottom", "text": N_HEADERS[interval is not None], "showarrow": False,
                     "font": {"size": 10, "color": NEUTRAL}})
    fig.update_layout(annotations=n_labels)
    reference = _reference(overall, metric)
    benchmark = _reference(clinic, metric) if clinic is not None else None
    labelled = []       # (value, label, colour) of each line, labelled above the plot below
    if reference is not None:
        fig.add_vline(x=reference, line_dash="dash", line_color="#333")
        labelled.append((reference, f"dashed: all matching courses, {_value_text(metric, reference / scale)}", "#333"))
    if benchmark is not None:
        fig.add_vline(x=benchmark, line_dash="dot", line_width=2, line_color=NEUTRAL)
        labelled.append((benchmark, f"dotted: clinic, {_value_text(metric, benchmark / scale)}", "#555"))
    lines = [v for v in (reference, benchmark) if v is not None]
    present = [v for v in values if v is not None]
    if interval:
        fig.update_xaxes(range=[0, 100], ticksuffix=" %")
    elif metric.percent_of_one:
        # bars start at 0; the end leaves room above the largest bar and the reference line
        top = max([*present, *lines, 0.0])
        fig.update_xaxes(range=[0, min(100.0, max(10.0, math.ceil(top * 1.15 / 10) * 10))], ticksuffix=" %")
    else:
        low = min([0.0, *present, *lines])
        high = max([0.0, *present, *lines])
        pad = max(5.0, (high - low) * 0.08)
        fig.update_xaxes(range=[low - (pad if low < 0 else 0), high + pad], ticksuffix=" %", zeroline=True,
                         zerolinecolor="#999")
    fig.update_yaxes(categoryorder="array", categoryarray=labels[::-1], autorange=True, type="category")
    # Each line's label stands above the plot, on a row of its own (the dashed line's the higher),
    # reaching from its line towards the plot's middle: inside the plot, a label lay over the first
    # group's row, and one reaching right from a line past the middle ran into the column of n.
    low, high = fig.layout.xaxis.range
    for row_no, (value, text, colour) in enumerate(labelled):
        towards_left = value > (low + high) / 2
        fig.add_annotation(x=value, xref="x", y=1.0, yref="paper", yanchor="bottom",
                           yshift=LABEL_ROW_PX * (len(labelled) - 1 - row_no),
                           xanchor="right" if towards_left else "left", xshift=-3 if towards_left else 3,
                           text=text, showarrow=False, font={"size": 11, "color": colour})
    total = int(rows["courses"].sum())
    few = int(rows["few_courses"].sum())
    group_name = COHORT_FIELDS[group].lower()
    extras = []
    if interval:
        behind = (f"{int(rows[interval.assessable].sum()):,} assessable of {n_courses(total)} in "
                  f"{n_groups(len(rows))}")
        extras.append("dot = rate, bar = 95 % Wilson interval over the assessable courses (n)")
    elif metric_key == "improvement":
        behind = (f"{int(rows['improvement_assessable'].sum()):,} of {n_courses(total)} in {n_groups(len(rows))} "
                  "with two scored visit days")
    else:
        behind = f"{n_courses(total)} in {n_groups(len(rows))}"
    if few:
        extras.append(f"pale = fewer than {least} courses, too few to judge")
    if clinic is None:
        subtitle_lines = [f"{behind}; dashed line = all matching courses"]
    else:
        subtitle_lines = [behind, "dashed line = all matching courses; dotted line = the clinic (the same filters, "
                                  "every therapist)"]
    if extras:
        subtitle_lines.append("; ".join(extras))
    labels_px = label_rows_px(len(labelled))
    fig = styled(fig, f"{metric.label} by {group_name}", metric.axis, COHORT_FIELDS[group],
                 subtitle="<br>".join(subtitle_lines),
                 height=172 + 18 * len(subtitle_lines) + labels_px + 34 * max(len(rows), 2))
    fig.update_layout(margin={"r": 140 if interval else 110, "t": 82 + 18 * len(subtitle_lines) + labels_px},
                      showlegend=False, bargap=0.35)
    return fig


# ---------------------------------------------------------------- the whole clinic, for a therapist

def split_suppressed(rows: list[dict], group: str) -> tuple[list[dict], list[str]]:
    """The clinic-wide rows a therapist may see (clinic.privacy), and the labels of the hidden ones."""
    shown = [r for r in rows if not r.get("suppressed")]
    hidden = [r for r in rows if r.get("suppressed")]
    hidden_labels = [key_label(group, r.get("key")) for r in
                     [hidden[i] for i in _order(group, [r.get("key") for r in hidden])]]
    return shown, hidden_labels


def private_display_table(rows: list[dict], group: str, suppressed_text: str) -> pd.DataFrame:
    """The clinic-wide table a therapist reads: shown groups as in display_table, hidden groups with
    `suppressed_text` (privacy.HIDDEN) for their size and nothing else. All columns are text or
    numbers shown as text, so a hidden cell cannot be sorted into a guess."""
    ordered = [rows[i] for i in _order(group, [r.get("key") for r in rows])]
    shown = display_table(cohort_frame([r for r in ordered if not r.get("suppressed")], group)) \
        if any(not r.get("suppressed") for r in ordered) else pd.DataFrame(columns=list(TABLE_LABELS))
    by_label = {label: i for i, label in enumerate(shown["label"])}
    out = []
    for row in ordered:
        label = key_label(group, row.get("key"))
        if row.get("suppressed"):
            out.append({"label": label, "courses": suppressed_text, "patients": suppressed_text,
                        "note": "hidden: too few patients, or it could be worked out from the others"})
            continue
        values = shown.iloc[by_label[label]].to_dict()
        out.append({column: _table_text(column, value) for column, value in values.items()})
    frame = pd.DataFrame(out, columns=list(TABLE_LABELS)).astype("object")
    return frame.where(frame.notna(), "—")


def _table_text(column: str, value) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "—"
    if column in PERCENT_COLUMNS:
        return f"{float(value):.1f} %"
    if column in COUNT_COLUMNS:
        return f"{int(value):,}"
    return str(value)


PRIVATE_CSV_COLUMNS = ("suppressed",) + CSV_COLUMNS


def private_csv_bytes(rows: list[dict], group: str) -> bytes:
    """private_export_frame as CSV, its header on line 1."""
    return exports.frame_csv(private_export_frame(rows, group))


def private_export_frame(rows: list[dict], group: str) -> pd.DataFrame:
    """The clinic-wide numbers a therapist may take away: hidden groups keep only their name and
    `suppressed = True`, every number of theirs left empty."""
    ordered = [rows[i] for i in _order(group, [r.get("key") for r in rows])]
    shown = cohort_frame([r for r in ordered if not r.get("suppressed")], group) if ordered else None
    records = []
    position = 0
    for row in ordered:
        if row.get("suppressed"):
            records.append({"suppressed": True, "key": row.get("key"), "label": key_label(group, row.get("key"))})
            continue
        values = shown.iloc[position].to_dict()
        position += 1
        records.append({"suppressed": False, **{c: values[c] for c in CSV_COLUMNS}})
    return pd.DataFrame(records, columns=list(PRIVATE_CSV_COLUMNS))
