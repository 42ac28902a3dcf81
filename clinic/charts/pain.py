"""Figures and small summaries of the Pain-trends page ("is pain going down?").

Inputs are the frames of queries/pain_by_session.sql and queries/pain_by_month.sql; every function
is pure (DataFrame in, Figure or text out) so tests can check what a person would see.
"""
from __future__ import annotations

import math
from decimal import Decimal

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from clinic.charts import (AFTER, BAND, BEFORE, NEUTRAL, NOT_RECORDED, PALETTE, ci_text, cohort_text, n_courses,
                           period_running, styled)
from clinic.filters import COHORT_FIELDS, DIAGNOSIS_LABELS, SEX_LABELS

SPLITS = ("none", *COHORT_FIELDS)
SPLIT_LABELS = {"none": "No split (all matching courses)", **COHORT_FIELDS}
UNKNOWN = NOT_RECORDED
DASHES = ("solid", "dash", "dot", "dashdot")
SYMBOLS = ("circle", "square", "diamond", "triangle-up")
MEAN_LINE = "Mean pain before session"
MONTH_LINE = "Mean pain before session (bar: 95 % interval)"
PAIN_AXIS = "Mean pain before session (NRS 0–10)"
SESSION_AXIS = "Session number in the course (k-th attended session)"
MONTH_CAPTION = ("Each month below mixes courses at every stage, new patients with high pain and others near the end "
                 "of their course, so a flat line does not mean that nobody improves; the figures above compare each "
                 "course with its own start.")


# ---------------------------------------------------------------- labels and styles

def cohort_label(split: str, key) -> str:
    """A cohort value as a person reads it ('Disc herniation', 'Female', 'Not recorded')."""
    if key is None or (not isinstance(key, str) and pd.isna(key)):
        return UNKNOWN
    if split == "diagnosis":
        return DIAGNOSIS_LABELS.get(key, key)
    if split == "sex":
        return SEX_LABELS.get(key, key)
    return str(key)


def line_style(index: int) -> dict:
    """Colour, dash and marker of the index-th cohort line: colours repeat after the palette runs
    out, and each round of colours gets its own dash and marker so no two lines look alike."""
    round_ = (index // len(PALETTE)) % len(DASHES)
    return {"color": PALETTE[index % len(PALETTE)], "dash": DASHES[round_], "symbol": SYMBOLS[round_]}


def _groups(frame: pd.DataFrame, split: str):
    """(label, rows) per cohort value in the query's order (null last); one group when not split."""
    if split == "none":
        yield "All matching courses", frame
        return
    keys = list(dict.fromkeys(frame.key.tolist()))
    for key in keys:
        rows = frame.loc[frame.key.isna()] if key is None or (not isinstance(key, str) and pd.isna(key)) \
            else frame.loc[frame.key == key]
        yield cohort_label(split, key), rows


# ---------------------------------------------------------------- KPIs and headline

def finish(fig: go.Figure, title: str, x_title: str, y_title: str, lines: list[str], height: int) -> go.Figure:
    """styled() with a subtitle of several short lines and room for them above the legend."""
    fig = styled(fig, title, x_title, y_title, subtitle="<br>".join(line for line in lines if line), height=height)
    fig.update_layout(margin={"t": 70 + 18 * len([line for line in lines if line]) + 14})
    return fig


def _share(count: int, total: int, digits: int = 0) -> str:
    return "—" if not total else f"{count / total * 100:.{digits}f} %"


def _ci(count: int, total: int) -> str:
    from clinic.metrics import wilson

    return ci_text(*wilson(count, total))


def kpis(summary: dict, row: dict | None = None) -> list[tuple[str, str, str | None, str]]:
    """(label, value, note, help) of the page's KPI tiles from the overall cohort block (ui.overall());
    `row`, the same cohort's flat row (queries/cohort_metrics.sql), adds the interquartile range. The
    note, under the value, gives each share its 95 % Wilson interval and n, and the median its spread.

    Labels are short and differ in their first characters, so two tiles stay apart even when a
    narrow window cuts their labels."""
    improvement = summary["sustained_improvement"]
    assessable = improvement["assessable"]
    median = improvement["median_pct"]
    basis = (f"of {assessable:,} courses with pain scored on two different visit days "
             f"(first scored visit vs the last one)")
    low, high = (row or {}).get("improvement_q1_pct"), (row or {}).get("improvement_q3_pct")
    spread = None if low is None or high is None or pd.isna(low) or pd.isna(high) else (low, high)
    n_text = f"n = {assessable:,}"

    def share_note(count: int) -> str | None:
        return f"{_ci(count, assessable)} · {n_text}" if assessable else None

    return [
        ("Courses", f"{summary['courses']:,}", f"{summary['patients']:,} patients",
         f"Courses that match the filters; {summary['patients']:,} patients."),
        ("Median sustained improvement", "—" if median is None else f"{median:.0f} %",
         None if median is None else
         (f"IQR {spread[0]:.1f}–{spread[1]:.1f} % · {n_text}" if spread else n_text),
         (f"Median of the courses' sustained improvement (baseline − last) ÷ baseline, {basis}. Pain is scored "
          "in whole points, so many courses share the same few values (for example 33 % = 6 → 4)."
          + (f" Interquartile range (IQR) {spread[0]:.1f} % – {spread[1]:.1f} %: the middle half of the courses."
             if spread else ""))),
        # (a share beside its interval has the interval's one decimal: never 66 % beside 65.3–65.7 %)
        ("Responders (≥ 30 % better)", _share(improvement["responders_30"], assessable, 1),
         share_note(improvement["responders_30"]),
         f"{improvement['responders_30']:,} {basis} improved by 30 % or more (IMMPACT 'moderate'); the "
         "interval is the 95 % Wilson score interval."),
        ("≥ 50 % better", _share(improvement["responders_50"], assessable, 1),
         share_note(improvement["responders_50"]),
         f"{improvement['responders_50']:,} {basis} improved by 50 % or more ('substantial'); the interval is "
         "the 95 % Wilson score interval."),
    ]


def _interval(low, high) -> str:
    if pd.isna(low) or pd.isna(high):
        return "no interval (fewer than 2 scores)"
    return f"95 % interval {low:.2f} – {high:.2f}"


def not_drawn(frame: pd.DataFrame, split: str) -> list[str]:
    """Labels of the cohort values with no point shown (too few courses), in the query's order."""
    if split == "none" or frame.empty:
        return []
    return [label for label, rows in _groups(frame, split) if not rows.shown.astype(bool).any()]


def _not_drawn_line(frame: pd.DataFrame, split: str) -> str:
    missing = not_drawn(frame, split)
    if not missing:
        return ""
    names = ", ".join(cohort_text(name) for name in missing[:6])
    if len(missing) > 6:
        names += f" and {len(missing) - 6} more"
    return f"Not drawn, too few courses: {names}"


def shown_sessions(by_session: pd.DataFrame) -> pd.DataFrame:
    """The rows a chart draws: those before the cut (see pain_by_session.sql)."""
    return by_session.loc[by_session.shown.astype(bool)]


def _pct_phrase(value: float) -> str:
    return f"{value:.0f} %"


def headline(summary: dict, paired: dict | None = None) -> str | None:
    """The page's headline, led by the within-course measure (each course against its own start),
    which attrition cannot bias; then, when `paired` (a row of pain_reached_session.sql) holds
    courses, the mean pain of the courses that reached a later session, at session 1 and there.

    None when no course has pain scored on two visit days and no paired figure is given."""
    improvement = summary["sustained_improvement"]
    assessable, median = improvement["assessable"], improvement["median_pct"]
    parts = []
    if assessable and median is not None:
        if median > 0:
            trend = f"**pain fell by a median of {_pct_phrase(median)}**"
        elif median < 0:
            trend = f"**pain rose by a median of {_pct_phrase(-median)}**"
        else:
            trend = "**the median course ended with the pain it started with (0 %)**"
        parts.append(
            f"Within each course, {trend} from the first to the last scored visit "
            f"({n_courses(assessable)} with pain scored on two different days); "
            f"**{_share(improvement['responders_30'], assessable, 1)}** improved by 30 % or more and "
            f"**{_share(improvement['responders_50'], assessable, 1)}** by 50 % or more.")   # as the tiles say
    if paired and paired.get("courses"):
        number = int(paired["session_number"])
        # The change is that of the two means as shown (to one decimal), so the sentence's arithmetic
        # holds for its reader (6.6 to 4.0 is down 2.6, where the unrounded 6.55 to 4.04 is 2.51).
        first, later = (Decimal(f"{paired[name]:.1f}") for name in ("mean_pain_first", "mean_pain_at_session"))
        change = later - first
        direction = (f"down {-change} points" if change < 0 else f"up {change} points" if change > 0 else "no change")
        parts.append(
            f"The {n_courses(int(paired['courses']))} that reached session {number} (scored at both) went from "
            f"**{first} / 10** before session 1 to **{later} / 10** before session {number} ({direction}); "
            "in the chart below, later sessions hold only the courses that got that far.")
    return " ".join(parts) or None


def cut_text(by_session: pd.DataFrame) -> str:
    """The cut of the session axis in words (no split), from pain_by_session's columns."""
    if by_session.empty:
        return ""
    row = by_session.iloc[0]
    starting, least = int(row.starting_courses), int(row.min_courses)
    need = max(least, math.ceil(starting / 20))
    last_recorded = int(by_session.session_number.max())
    last = None if pd.isna(row.last_session_shown) else int(row.last_session_shown)
    if least < 5:
        rule = (f"a point needs all {least} course{'s' if least != 1 else ''} scored at session 1 "
                "(fewer than 5 are)")
    else:
        rule = f"a point needs ≥ {need:,} scored courses (at least 5, and 5 % of the {starting:,} that started)"
    if last is None:
        return f"Nothing shown: {rule}"
    if last >= last_recorded:
        return f"Sessions 1–{last} shown, the last recorded; {rule}"
    return f"Cut after session {last} of {last_recorded} recorded: {rule}"


# ---------------------------------------------------------------- one line against the rest

OTHERS = "#B8B8B8"          # the lines not highlighted: thin and grey
PLURALS = {"therapist": "therapists", "diagnosis": "diagnoses", "age_band": "age bands", "sex": "sexes",
           "site": "sites", "start_month": "start months"}


def line_labels(frame: pd.DataFrame, split: str) -> list[str]:
    """The labels of the cohort values a chart draws a line for (those with a point shown), in order."""
    if split == "none" or frame.empty:
        return []
    return [label for label, rows in _groups(frame, split) if rows.shown.astype(bool).any()]


def others_name(split: str) -> str:
    """The legend entry of the grey lines: 'Other therapists'."""
    return f"Other {PLURALS.get(split, 'values')}"


def _line_look(index: int, label: str, split: str, highlight: str | None) -> dict:
    """How one line is drawn: its own colour, dash and marker; or, with another line highlighted,
    thin and grey behind it; the highlighted one thick, in the first colour."""
    if split == "none":
        return {"color": AFTER, "dash": "solid", "symbol": "circle", "width": 2, "size": 7, "muted": False}
    if highlight is None:
        return {**line_style(index), "width": 2, "size": 7, "muted": False}
    if label == highlight:
        return {"color": PALETTE[0], "dash": "solid", "symbol": "circle", "width": 3.5, "size": 8, "muted": False}
    return {"color": OTHERS, "dash": "solid", "symbol": "circle", "width": 1, "size": 4, "muted": True}


def _in_drawing_order(groups: list, highlight: str | None) -> list:
    """(index, label, rows) with the highlighted line last, so it is drawn on top of the grey ones;
    the index stays each value's place among all values (stable colours)."""
    indexed = [(index, label, rows) for index, (label, rows) in enumerate(groups)]
    return [g for g in indexed if g[1] != highlight] + [g for g in indexed if g[1] == highlight]


def _highlight_line(split: str, highlight: str | None, drawn: list[str]) -> str:
    if split == "none" or highlight is None or highlight not in drawn:
        return ""
    others = len(drawn) - 1
    return (f"{cohort_text(highlight)} highlighted against the {others:,} other "
            f"{PLURALS.get(split, 'values') if others != 1 else COHORT_FIELDS[split].lower()} (grey)")


# ---------------------------------------------------------------- figures

def pain_by_session(by_session: pd.DataFrame, split: str = "none", highlight: str | None = None) -> go.Figure:
    """Mean pain before each session by session number (with a 95 % band when not split), and the
    courses behind each point in a panel underneath, so attrition is visible.

    Split, `highlight` (a cohort value's label) draws that line thick and in colour on top, and every
    other line thin and grey under one legend entry ("Other therapists"), so ten lines stay readable."""
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.72, 0.28], vertical_spacing=0.06)
    drawn = line_labels(by_session, split)
    highlight = highlight if highlight in drawn else None
    others_shown = False
    for index, label, group in _in_drawing_order(list(_groups(by_session, split)), highlight):
        group = shown_sessions(group)
        if group.empty:
            continue
        style = _line_look(index, label, split, highlight)
        if split == "none":
            banded = group.dropna(subset=["ci_low", "ci_high"])
            fig.add_trace(go.Scatter(
                x=list(banded.session_number) + list(banded.session_number[::-1]),
                y=list(banded.ci_high) + list(banded.ci_low[::-1]),
                mode="lines", fill="toself", fillcolor=BAND, line={"width": 0}, hoverinfo="skip",
                name="95 % interval of the mean"), row=1, col=1)
        custom = [(n, reached, _interval(low, high)) for n, reached, low, high
                  in zip(group.courses, group.courses_attended, group.ci_low, group.ci_high)]
        interval = "" if split != "none" else "<br>%{customdata[2]}"
        shown = cohort_text(label)          # a name from data: as text in the legend and the hover
        muted = style["muted"]
        legend_name = others_name(split) if muted else (shown if split != "none" else MEAN_LINE)
        fig.add_trace(go.Scatter(
            x=group.session_number, y=group.mean_pain_before, mode="lines+markers",
            name=legend_name, legendgroup="others" if muted else shown,
            showlegend=not (muted and others_shown),
            line={"color": style["color"], "dash": style["dash"], "width": style["width"]},
            marker={"symbol": style["symbol"], "size": style["size"]},
            customdata=custom, hovertext=[shown] * len(group) if split != "none" else None,
            hovertemplate=("<b>%{hovertext}</b><br>" if split != "none" else "") +
                          "Session %{x}<br>Mean pain before %{y:.2f} / 10" + interval +
                          "<br>%{customdata[0]:,} courses scored (of %{customdata[1]:,} that reached this session)"
                          "<extra></extra>"), row=1, col=1)
        if split == "none":
            fig.add_trace(go.Bar(
                x=group.session_number, y=group.courses, name="Courses behind each point",
                marker={"color": NEUTRAL}, opacity=0.6,
                hovertemplate="Session %{x}<br>%{y:,} courses scored<extra></extra>"), row=2, col=1)
        else:
            fig.add_trace(go.Scatter(
                x=group.session_number, y=group.courses, mode="lines+markers",
                legendgroup="others" if muted else shown, showlegend=False,
                line={"color": style["color"], "dash": style["dash"], "width": 1 if muted else 1.5},
                marker={"symbol": style["symbol"], "size": 3 if muted else 5}, hovertext=[shown] * len(group),
                hovertemplate="<b>%{hovertext}</b><br>Session %{x}<br>%{y:,} courses scored<extra></extra>"),
                row=2, col=1)
        others_shown = others_shown or muted
    fig.update_yaxes(range=[0, 10], row=1, col=1)
    fig.update_yaxes(title_text="Courses", rangemode="tozero", row=2, col=1)
    fig.update_xaxes(dtick=1, row=1, col=1)
    fig.update_xaxes(dtick=1, title_text=SESSION_AXIS, row=2, col=1)
    if split == "none":
        starting = int(by_session.starting_courses.iloc[0]) if len(by_session) else 0
        lines = [f"{n_courses(starting)} with an attended session; band = 95 % interval of the mean; "
                 "bars = courses scored at each session", cut_text(by_session)]
    else:
        starting = int(by_session.loc[by_session.session_number == 1, "courses_attended"].sum())
        lines = [f"{n_courses(starting)} with an attended session, one line per {COHORT_FIELDS[split].lower()}; "
                 "each line stops where fewer than 5 of its courses (or 5 % of its starting courses) are scored",
                 _highlight_line(split, highlight, drawn), _not_drawn_line(by_session, split)]
    fig = finish(fig, "Is pain going down over the course?", SESSION_AXIS, PAIN_AXIS, lines, height=600)
    fig.update_xaxes(title_text=None, row=1, col=1)
    fig.update_yaxes(title_text=PAIN_AXIS, row=1, col=1)
    fig.update_yaxes(title_text="Courses scored", row=2, col=1)
    return fig


def before_after(by_session: pd.DataFrame) -> go.Figure:
    """Mean pain before and after each session by session number (a dumbbell): the gap is the
    relief within the session. Means over the sessions with both scores; same cut as pain_by_session."""
    rows = shown_sessions(by_session).loc[lambda f: f.paired_sessions > 0]
    fig = go.Figure()
    xs, ys = [], []
    for row in rows.itertuples():
        xs += [row.session_number, row.session_number, None]
        ys += [row.mean_before_paired, row.mean_after_paired, None]
    fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line={"color": "#BBBBBB", "width": 6},
                             hoverinfo="skip", showlegend=False))
    custom = rows[["paired_sessions", "mean_change_paired"]].to_numpy()
    fig.add_trace(go.Scatter(
        x=rows.session_number, y=rows.mean_before_paired, mode="lines+markers", name="Before the session",
        line={"color": BEFORE, "width": 1.5, "dash": "dot"}, marker={"size": 10, "symbol": "circle"},
        customdata=custom,
        hovertemplate="Session %{x}<br>Mean pain before %{y:.2f} / 10<br>%{customdata[0]:,} sessions with both scores"
                      "<extra></extra>"))
    fig.add_trace(go.Scatter(
        x=rows.session_number, y=rows.mean_after_paired, mode="lines+markers", name="After the session",
        line={"color": AFTER, "width": 1.5, "dash": "dot"}, marker={"size": 10, "symbol": "diamond"},
        customdata=custom,
        hovertemplate="Session %{x}<br>Mean pain after %{y:.2f} / 10<br>Mean change %{customdata[1]:+.2f} points"
                      "<br>%{customdata[0]:,} sessions with both scores<extra></extra>"))
    fig.update_yaxes(range=[0, 10])
    fig.update_xaxes(dtick=1)
    sessions = int(rows.paired_sessions.sum()) if len(rows) else 0
    first = int(rows.paired_sessions.iloc[0]) if len(rows) else 0
    return finish(fig, "Relief within each session: pain before and after", SESSION_AXIS, "Mean pain (NRS 0–10)",
                  [f"{sessions:,} sessions with both scores ({n_courses(first)} at session 1), all matching courses, "
                   "same sessions as above", "The grey bar is the drop in pain within the session"], height=440)


PARTIAL = "Partial month, still running (open marker, dotted line)"


def _month_trace_data(group: pd.DataFrame, split: str):
    custom = [(sessions, courses, note, _interval(low, high)) for sessions, courses, note, low, high
              in zip(group.sessions, group.courses, group.note, group.ci_low, group.ci_high)]
    error = None
    if split == "none":   # a bar per month: works for a single month too, where a band would not show
        error = {"type": "data", "symmetric": False, "color": "rgba(0, 114, 178, 0.45)", "thickness": 2,
                 "width": 4, "array": (group.ci_high - group.mean_pain_before).fillna(0).tolist(),
                 "arrayminus": (group.mean_pain_before - group.ci_low).fillna(0).tolist()}
    return custom, error


def month_complete(by_month: pd.DataFrame, as_of=None, today=None) -> pd.Series:
    """Which rows of pain_by_month are of a whole month: its month_complete (the as-of date is past
    the month, or its last day), but not the month that ends on the as-of date while that day is
    today (period_running: the day is still in progress)."""
    complete = by_month.month_complete.astype(bool)
    if as_of is None or by_month.empty:
        return complete
    ends = pd.to_datetime(by_month.month_start) + pd.offsets.MonthEnd(0)
    return complete & ~pd.Series([period_running(end, as_of, today) for end in ends], index=by_month.index)


def for_file(frame: pd.DataFrame, split: str) -> pd.DataFrame:
    """A chart's rows (pain_by_session, pain_by_month) as their download has them: the cohort column
    named after the split's field ("therapist"), none without a split (it is empty then)."""
    if "key" not in frame:
        return frame
    return frame.drop(columns="key") if split == "none" else frame.rename(columns={"key": split})


def partial_month_text(by_month: pd.DataFrame, as_of=None, today=None) -> str:
    """The month still running in words ('March 2026 is partial: sessions up to 20 Mar'), or ''."""
    running = by_month.loc[~month_complete(by_month, as_of, today) & by_month.shown.astype(bool)]
    if running.empty:
        return ""
    month = pd.Timestamp(running.month_start.max())
    until = f", sessions up to {pd.Timestamp(as_of):%d %b}" if as_of is not None else ""
    return f"{month:%B %Y} is a partial month{until}: open marker, dotted line"


def pain_by_month(by_month: pd.DataFrame, split: str = "none", highlight: str | None = None,
                  as_of=None, today=None) -> go.Figure:
    """Mean pain before sessions per calendar month, each course counted once (the mean of its scored
    sessions that month: pain_by_month.sql), one line per cohort value when split.

    The month of the as-of date is partial when that date is not its last day, or is and is today
    (month_complete): its point is an open marker reached by a dotted segment (a trace of its own,
    named in the legend and the subtitle), never drawn like a full month. `highlight` works as in
    pain_by_session."""
    by_month = by_month.assign(month_complete=month_complete(by_month, as_of, today))
    fig = go.Figure()
    drawn = line_labels(by_month, split)
    highlight = highlight if highlight in drawn else None
    others_shown = partial_drawn = False
    for index, label, group in _in_drawing_order(list(_groups(by_month, split)), highlight):
        if not group.shown.astype(bool).any():
            continue
        style = _line_look(index, label, split, highlight)
        muted = style["muted"]
        group = group.copy()
        group.loc[~group.shown.astype(bool), ["mean_pain_before", "ci_low", "ci_high"]] = float("nan")
        complete = group.month_complete.astype(bool)
        group["note"] = ["" if c else " (so far: the month is still running)" for c in complete]
        full, running = group.loc[complete], group.loc[~complete & group.shown.astype(bool)]
        shown = cohort_text(label)          # a name from data: as text in the legend and the hover
        legend_group = "others" if muted else shown
        hover = (("<b>%{hovertext}</b><br>" if split != "none" else "") +
                 "%{x|%B %Y}%{customdata[2]}<br>Mean pain before %{y:.2f} / 10 (each course's own mean, "
                 "then their mean)" +
                 ("<br>%{customdata[3]}" if split == "none" else "") +
                 "<br>%{customdata[0]:,} sessions of %{customdata[1]:,} courses<extra></extra>")
        custom, error = _month_trace_data(full, split)
        fig.add_trace(go.Scatter(
            x=full.month_start, y=full.mean_pain_before, mode="lines+markers",
            name=others_name(split) if muted else (shown if split != "none" else MONTH_LINE),
            legendgroup=legend_group, showlegend=not (muted and others_shown),
            line={"color": style["color"], "dash": style["dash"], "width": style["width"]},
            marker={"symbol": style["symbol"], "size": style["size"] + 1}, error_y=error, customdata=custom,
            hovertext=[shown] * len(full) if split != "none" else None, hovertemplate=hover))
        others_shown = others_shown or muted
        if running.empty:
            continue
        # the running month: an open marker, reached by a dotted segment from the month before it
        month = pd.Timestamp(running.month_start.iloc[0])
        before = full.loc[(full.month_start == month - pd.DateOffset(months=1)) & full.shown.astype(bool)]
        if not before.empty:
            fig.add_trace(go.Scatter(
                x=[before.month_start.iloc[0], month], y=[before.mean_pain_before.iloc[0],
                                                          running.mean_pain_before.iloc[0]],
                mode="lines", line={"color": style["color"], "dash": "dot", "width": style["width"]},
                hoverinfo="skip", legendgroup=legend_group, showlegend=False, name=f"{PARTIAL}: segment"))
        custom, error = _month_trace_data(running, split)
        fig.add_trace(go.Scatter(
            x=running.month_start, y=running.mean_pain_before, mode="markers", name=PARTIAL,
            legendgroup=legend_group, showlegend=split == "none",    # split: one grey legend entry below
            marker={"symbol": f"{style['symbol']}-open", "size": style["size"] + 3, "color": style["color"],
                    "line": {"width": 2, "color": style["color"]}},
            error_y=error, customdata=custom, hovertext=[shown] * len(running) if split != "none" else None,
            hovertemplate=hover))
        partial_drawn = True
    if partial_drawn and split != "none":      # one legend entry that names the look, in no line's colour
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines+markers", name=PARTIAL, hoverinfo="skip",
                                 line={"color": NEUTRAL, "dash": "dot", "width": 2},
                                 marker={"symbol": "circle-open", "size": 10, "color": NEUTRAL}))
    fig.update_yaxes(range=[0, 10])
    fig.update_xaxes(dtick="M1", tickformat="%b %Y")
    sessions = int(by_month.sessions.sum()) if len(by_month) else 0
    courses = int(by_month.drop_duplicates("key").key_courses.sum()) if len(by_month) else 0
    if split == "none":
        what = "each course counts once a month; bar = 95 % interval of the monthly mean"
        least = min(5, courses)
        rule = f"a month needs {least} scored course{'s' if least != 1 else ''}" + (" (all of them)" if least < 5 else "")
    else:
        what = f"each course counts once a month; one line per {COHORT_FIELDS[split].lower()}"
        rule = "a month needs 5 scored courses of the line"
    return finish(fig, "Pain before sessions, month by month", "Month of the session", PAIN_AXIS,
                  [f"{sessions:,} scored sessions of {n_courses(courses)}; {what}; {rule}",
                   "Each month mixes courses at every stage", partial_month_text(by_month, as_of, today),
                   _highlight_line(split, highlight, drawn),
                   _not_drawn_line(by_month, split)], height=480)
