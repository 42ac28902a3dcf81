"""Figures, tables and wording of the Time-to-relief page: how many sessions (or days) until a course
first reaches relief (a Kaplan–Meier curve), and does first-session relief last until the next visit.

Inputs are the JSON documents of clinic.relief_time.report and clinic.relief_lasting.report; every
function is pure so tests can check what a person sees.
"""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from clinic.charts import AFTER, BEFORE, GOOD, NEUTRAL, cohort_text, grey_rows, n_courses
from clinic.charts.pain import cohort_label, finish, line_style
from clinic.filters import COHORT_FIELDS
from clinic.relief_lasting import OUTCOME_LABELS, OUTCOMES

TOO_FEW = "too few to judge"
GREY = "#9E9E9E"
GREY_BAND = "rgba(158, 158, 158, 0.12)"
UNIT_AXIS = {"sessions": "Attended sessions in the course", "days": "Days since the course start"}
UNIT_WORD = {"sessions": "sessions", "days": "days"}
SURVIVAL_AXIS = "Courses still without relief (%)"
OVERALL = "All matching courses"
RULE_SIZES = {"pct30": "at least 30 %", "points2": "at least 2 points", "pct50": "at least 50 %"}
KM_FORMULAS = {   # the relief rule at session k against the first session's pain before (b0)
    "pct30": "10 × (b0 − after k) ≥ 3 × b0",
    "points2": "b0 − after k ≥ 2",
    "pct50": "2 × (b0 − after k) ≥ b0",
}

STEP_LABELS = {
    "cohort": "Cohort", "sessions": "Sessions", "days": "Days", "at_risk": "At risk", "events": "Relief here",
    "censored": "Censored here", "survival_pct": "Still without relief (%)", "ci_low_pct": "95 % low (%)",
    "ci_high_pct": "95 % high (%)", "settings": "Settings",
}
MEDIAN_LABELS = {
    "cohort": "Cohort", "courses": "Courses on the curve", "relieved": "Reached relief",
    "not_assessable": "Not assessable", "no_attended_session": "No attended session",
    "median": "Median", "median_ci_low": "95 % low", "median_ci_high": "95 % high", "note": "Note",
    "settings": "Settings",
}
# The page's medians table (column: header, help, format): counts with thousands separators, as every
# table; the CSV keeps MEDIAN_LABELS.
MEDIAN_COLUMNS = {
    "cohort": ("Cohort", None, "text"),
    "courses": ("On the curve", "Courses on the curve: those whose first session can be judged.", "count"),
    "relieved": ("Reached relief", "Courses on the curve that have reached relief so far.", "count"),
    "not_assessable": ("Not assessable", "Left out: a missing score at the first session, or pain 0 before it.",
                       "count"),
    "no_attended_session": ("No session yet", "Left out: no attended session yet.", "count"),
    "median": ("Median", "The median time to relief (Kaplan–Meier): empty while fewer than half have reached it.",
               "count"),
    "median_ci_low": ("95 % low", "The median's 95 % interval (Brookmeyer–Crowley): its low end.", "count"),
    "median_ci_high": ("95 % high", "The median's 95 % interval: its high end; empty when the curve does not fall "
                       "far enough to set it.", "count"),
    "note": ("Note", None, "text"),
}
# The page's adherence table, short headers with their meaning on hover (column: header, help, format),
# so it fits the page; the CSV keeps ADHERENCE_LABELS.
ADHERENCE_COLUMNS = {
    "group": ("Group", None, "text"),
    "courses": ("Courses", "Courses of the group.", "count"),
    "assessable": ("Assessable", "Courses with pain scored on two different visit days: those with a sustained "
                   "improvement.", "count"),
    "responders": ("Responders", "Assessable courses whose sustained improvement is 30 % or more.", "count"),
    "responder_rate_pct": ("Rate (%)", "Responders ÷ assessable courses.", "pct1"),
    "ci_low_pct": ("95 % low", "The responder rate's Wilson 95 % interval: its low end (%).", "pct1"),
    "ci_high_pct": ("95 % high", "The responder rate's Wilson 95 % interval: its high end (%).", "pct1"),
    "median_pct": ("Median (%)", "Median sustained improvement of the assessable courses.", "pct1"),
    "q1_pct": ("Q1 (%)", "Lower quartile of the sustained improvement.", "pct1"),
    "q3_pct": ("Q3 (%)", "Upper quartile of the sustained improvement.", "pct1"),
    "note": ("Note", None, "text"),
}
ADHERENCE_LABELS = {
    "group": "Group", "courses": "Courses", "assessable": "With sustained improvement",
    "responders": "Responders (≥ 30 %)", "responder_rate_pct": "Responder rate (%)",
    "ci_low_pct": "95 % low (%)", "ci_high_pct": "95 % high (%)", "median_pct": "Median improvement (%)",
    "q1_pct": "Lower quartile (%)", "q3_pct": "Upper quartile (%)", "note": "Note", "settings": "Settings",
}


def _blocks(report: dict) -> list[dict]:
    """The curves to draw: one per group when split, else the whole."""
    return report["groups"] if report["by"] else [report["overall"]]


def block_label(report: dict, block: dict) -> str:
    return cohort_label(report["by"], block["key"]) if report["by"] else OVERALL


def definition_text(rule: str, adherence_pct: int, unit: str) -> str:
    """The definitions of the page, in markdown (our own words only)."""
    censor = ("at its number of attended sessions" if unit == "sessions"
              else "at the day of its last attended session")
    return (
        f"**Relief at session k** means: pain after session k is {RULE_SIZES[rule]} below the pain before the "
        f"course's **first** session, b0 (checked exactly as {KM_FORMULAS[rule]}). The time to relief is the first such "
        f"session. A course without relief so far counts until it was last seen (censored {censor}). A session without "
        "a pain-after score cannot show relief; the course goes on. Courses whose first session cannot be judged "
        "(a missing score, or pain 0 before it) and courses with no attended session are left out, so the curve after "
        "session 1 is exactly 1 − the first-session relief rate. **Days** count from the course's start date (or its "
        "first visit, when that came earlier). The band is the pointwise 95 % interval (Kaplan–Meier, Greenwood's "
        "standard error, log-log transform); the median comes with its 95 % interval (Brookmeyer–Crowley, the same "
        f"transform). **Adherent** means at least {adherence_pct} % of the window's days attended."
    )


def steps_frame(report: dict, unit: str, settings_line: str | None = None) -> pd.DataFrame:
    """Every step of every curve drawn, survival in per cent (the table behind the chart and its CSV)."""
    rows = []
    for block in _blocks(report):
        label = block_label(report, block)
        for step in block["steps"]:
            rows.append({"cohort": label, unit: step[unit], "at_risk": step["at_risk"], "events": step["events"],
                         "censored": step["censored"], "survival_pct": step["survival"] * 100,
                         "ci_low_pct": None if step["ci_low"] is None else step["ci_low"] * 100,
                         "ci_high_pct": None if step["ci_high"] is None else step["ci_high"] * 100})
    frame = pd.DataFrame(rows, columns=["cohort", unit, "at_risk", "events", "censored", "survival_pct",
                                        "ci_low_pct", "ci_high_pct"])
    for column in ("survival_pct", "ci_low_pct", "ci_high_pct"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    if settings_line is not None:
        frame["settings"] = settings_line
    return frame


def median_table(report: dict, unit: str, settings_line: str | None = None) -> pd.DataFrame:
    """One row per curve: its courses, the median time to relief with its 95 % interval, and a note
    ('too few to judge', 'not reached')."""
    rows = []
    for block in _blocks(report):
        median = block[f"median_{unit}"]
        note = TOO_FEW if block["too_few"] else ("median not reached: fewer than half reached relief"
                                                 if median is None and block["courses"] else "")
        rows.append({"cohort": block_label(report, block), "courses": block["courses"], "relieved": block["relieved"],
                     "not_assessable": block["not_assessable"], "no_attended_session": block["no_attended_session"],
                     "median": median, "median_ci_low": block["median_ci_low"],
                     "median_ci_high": block["median_ci_high"], "note": note})
    frame = pd.DataFrame(rows, columns=list(MEDIAN_LABELS)[:-1])
    for column in ("median", "median_ci_low", "median_ci_high"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("Int64")
    if settings_line is not None:
        frame["settings"] = settings_line
    return frame


def grey_too_few(frame: pd.DataFrame, column: str = "note"):
    """The rows noted 'too few to judge' greyed (grey_rows), for st.dataframe."""
    return grey_rows(frame, frame[column].astype("string").str.contains(TOO_FEW, regex=False))


def km_chart(report: dict, unit: str) -> go.Figure:
    """The Kaplan–Meier step curve of each cohort (share of courses still without relief) with its
    pointwise 95 % band; a cohort with too few courses is drawn grey and dotted."""
    fig = go.Figure()
    drawn = [b for b in _blocks(report) if b["courses"] > 0]
    for index, block in enumerate(drawn):
        label = block_label(report, block)
        name = cohort_text(label) + (f" ({TOO_FEW})" if block["too_few"] else "")
        style = line_style(index)
        colour = GREY if block["too_few"] else style["color"]
        steps = block["steps"]
        # the curve starts at 100 % at time 0 and steps down at each time (line shape "hv")
        x = [0] + [s[unit] for s in steps]
        y = [100.0] + [s["survival"] * 100 for s in steps]
        low = [100.0] + [None if s["ci_low"] is None else s["ci_low"] * 100 for s in steps]
        high = [100.0] + [None if s["ci_high"] is None else s["ci_high"] * 100 for s in steps]
        fig.add_trace(go.Scatter(x=x, y=high, mode="lines", line={"width": 0, "shape": "hv"}, hoverinfo="skip",
                                 showlegend=False, legendgroup=str(index)))
        fig.add_trace(go.Scatter(x=x, y=low, mode="lines", line={"width": 0, "shape": "hv"}, hoverinfo="skip",
                                 fill="tonexty", fillcolor=GREY_BAND if block["too_few"] else
                                 _band(colour, 0.15 if len(drawn) <= 3 else 0.07),
                                 showlegend=False, legendgroup=str(index)))
        custom = [[block["courses"], 0, 0, 100.0, 100.0]] + [[s["at_risk"], s["events"], s["censored"], lo, hi]
                                            for s, lo, hi in zip(steps, low[1:], high[1:])]
        fig.add_trace(go.Scatter(
            x=x, y=y, mode="lines+markers", name=name, legendgroup=str(index),
            line={"color": colour, "shape": "hv", "dash": "dot" if block["too_few"] else style["dash"], "width": 2.5},
            marker={"size": 5, "color": colour, "symbol": style["symbol"]},
            customdata=custom, hovertext=[name] * len(x),
            hovertemplate=(f"<b>%{{hovertext}}</b><br>{UNIT_AXIS[unit]}: %{{x}}<br>Still without relief %{{y:.1f}} %"
                           "<br>95 % interval %{customdata[3]:.1f} – %{customdata[4]:.1f} %<br>At risk %{customdata[0]:,}"
                           ", relief here %{customdata[1]:,}, censored here %{customdata[2]:,}<extra></extra>")))
    fig.add_hline(y=50, line_dash="dash", line_color="#333", annotation_text="50 %: the median",
                  annotation_position="top right", annotation_font={"size": 11})
    fig.update_yaxes(range=[-2, 102], ticksuffix=" %")
    fig.update_xaxes(rangemode="tozero", dtick=1 if unit == "sessions" else None)
    total = sum(b["courses"] for b in drawn)
    by = report["by"]
    title = "How many " + UNIT_WORD[unit] + " until relief?" + (f" By {COHORT_FIELDS[by].lower()}" if by else "")
    lines = [f"{n_courses(total)} on the curve{'s' if len(drawn) > 1 else ''}; relief: pain "
             f"{RULE_SIZES[report['relief_rule']]} below the pain before the first session",
             "Line = share still without relief (Kaplan–Meier); band = pointwise 95 % interval"]
    return finish(fig, title, UNIT_AXIS[unit], SURVIVAL_AXIS, lines, height=480)


def _band(colour: str, opacity: float) -> str:
    """The colour of a curve's band: its line colour, see-through (fainter when many curves overlap)."""
    red, green, blue = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red}, {green}, {blue}, {opacity})"


# ---------------------------------------------------------------- does it last

def lasting_frame(drop: dict) -> pd.DataFrame:
    """The mean pain before session 1 (b1), after it (a1) and before session 2 (b2), with their
    95 % intervals, over the courses with first-session relief and a scored second visit."""
    points = (("Before session 1 (b1)", "pain_before_1"), ("After session 1 (a1)", "pain_after_1"),
              ("Before session 2 (b2)", "pain_before_2"))
    frame = pd.DataFrame([{"moment": label, "n": drop[key]["n"], "mean": drop[key]["mean"],
                           "ci_low": drop[key]["ci_low"], "ci_high": drop[key]["ci_high"]} for label, key in points])
    for column in ("mean", "ci_low", "ci_high"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    return frame


def lasting_chart(drop: dict) -> go.Figure:
    """b1 → a1 → b2 means with t-based 95 % intervals: how much of the first-session drop is left at
    the next visit."""
    frame = lasting_frame(drop)
    colour = GREY if drop["too_few"] else AFTER
    fig = go.Figure(go.Scatter(
        x=frame.moment, y=frame["mean"], mode="lines+markers", name="Mean pain",
        line={"color": colour, "width": 2.5}, marker={"size": 12, "color": [BEFORE, AFTER, BEFORE]},
        error_y={"type": "data", "symmetric": False, "array": (frame.ci_high - frame["mean"]).fillna(0),
                 "arrayminus": (frame["mean"] - frame.ci_low).fillna(0), "thickness": 2, "width": 8},
        customdata=frame[["ci_low", "ci_high", "n"]].to_numpy(),
        hovertemplate="<b>%{x}</b><br>Mean pain %{y:.2f}<br>95 % interval %{customdata[0]:.2f} – "
                      "%{customdata[1]:.2f}<br>n = %{customdata[2]:,} courses<extra></extra>"))
    fig.update_yaxes(range=[0, 10.2], dtick=1)
    lines = [f"{n_courses(drop['courses'])} with first-session relief and a scored second visit"
             + (f" ({TOO_FEW})" if drop["too_few"] else ""),
             "Dot = mean (NRS 0–10): orange before a session, blue after it; bar = 95 % interval (t)"]
    return finish(fig, "Does first-session relief last until the next visit?", "Moment in the course",
                  "Mean pain (NRS 0–10)", lines, height=420)


def outcome_table(drop: dict) -> pd.DataFrame:
    total = sum(drop["outcomes"].values())
    return pd.DataFrame([{"outcome": OUTCOME_LABELS[k], "courses": drop["outcomes"][k],
                          "share_pct": drop["outcomes"][k] / total * 100 if total else None} for k in OUTCOMES],
                        columns=["outcome", "courses", "share_pct"]).astype({"share_pct": "float64"})


def share_text(drop: dict) -> str:
    """The median share of the drop kept, with its quartiles, in words."""
    share = drop["share_kept"]
    if share["median"] is None:
        return "No course with first-session relief has a scored second visit yet."
    text = (f"At the next visit a typical course kept **{share['median'] * 100:.0f} %** of its first-session drop "
            f"(median; quartiles {share['q1'] * 100:.0f} % – {share['q3'] * 100:.0f} %; "
            f"n = {drop['courses']:,}; share kept = (b1 − b2) / (b1 − a1)).")
    if drop["too_few"]:
        text += f" *{TOO_FEW.capitalize()}.*"
    return text


def left_out_text(drop: dict) -> str:
    return (f"{drop['relieved_courses']:,} courses had first-session relief; left out here: "
            f"{drop['no_second_session']:,} without a second attended session yet and "
            f"{drop['second_score_missing']:,} whose second session has no pain-before score.")


def adherence_table(rows: list[dict], settings_line: str | None = None) -> pd.DataFrame:
    frame = pd.DataFrame([{
        "group": "Adherent" if r["adherent"] else "Not adherent",
        "courses": r["courses"], "assessable": r["assessable"], "responders": r["responders"],
        "responder_rate_pct": None if r["responder_rate"] is None else r["responder_rate"] * 100,
        "ci_low_pct": None if r["ci_low"] is None else r["ci_low"] * 100,
        "ci_high_pct": None if r["ci_high"] is None else r["ci_high"] * 100,
        "median_pct": r["median_pct"], "q1_pct": r["q1_pct"], "q3_pct": r["q3_pct"],
        "note": TOO_FEW if r["too_few"] else ""} for r in rows], columns=list(ADHERENCE_LABELS)[:-1])
    for column in ("responder_rate_pct", "ci_low_pct", "ci_high_pct", "median_pct", "q1_pct", "q3_pct"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    if settings_line is not None:
        frame["settings"] = settings_line
    return frame


def adherence_chart(rows: list[dict], adherence_pct: int) -> go.Figure:
    """The responder rate (sustained improvement ≥ 30 %) of adherent and non-adherent courses, each
    with its Wilson 95 % interval; a group with too few courses grey."""
    table = adherence_table(rows)
    fig = go.Figure()
    for _, row in table.dropna(subset=["responder_rate_pct"]).iterrows():
        few = row.note == TOO_FEW
        colour = GREY if few else (GOOD if row.group == "Adherent" else NEUTRAL)
        name = row.group + (f" ({TOO_FEW})" if few else "")
        fig.add_trace(go.Scatter(
            x=[row.responder_rate_pct], y=[row.group], mode="markers", name=name, marker={"size": 13, "color": colour},
            error_x={"type": "data", "symmetric": False, "array": [row.ci_high_pct - row.responder_rate_pct],
                     "arrayminus": [row.responder_rate_pct - row.ci_low_pct], "thickness": 2.5, "width": 6,
                     "color": colour},
            customdata=[[row.ci_low_pct, row.ci_high_pct, row.responders, row.assessable]],
            hovertemplate=(f"<b>{name}</b><br>Responders %{{x:.1f}} %<br>95 % interval %{{customdata[0]:.1f}} – "
                           "%{customdata[1]:.1f} %<br>%{customdata[2]:,} of %{customdata[3]:,} courses<extra></extra>")))
    fig.update_xaxes(range=[-2, 102], ticksuffix=" %")
    fig.update_yaxes(type="category", autorange="reversed")
    total = int(table.assessable.sum()) if len(table) else 0
    lines = [f"{n_courses(total)} with a sustained improvement; adherent = at least {adherence_pct} % of the "
             "window's days attended", "Dot = share improved by ≥ 30 % from first to last pain score; bar = 95 % "
             "Wilson interval"]
    return finish(fig, "Do adherent courses keep their improvement?", "Responders (% of courses)", "", lines,
                  height=320)
