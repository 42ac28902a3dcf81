"""Figures, tables and wording of the First-session-relief page ("does relief come after the first
session in most cases?").

Inputs are ui.cohort(group) rows and the frames of queries/relief_assessability.sql and
queries/relief_first_change.sql; every function is pure so tests can check what a person sees.
"""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from clinic.charts import BAD, GOOD, NEUTRAL, cohort_text, n_courses
from clinic.charts.overview import CLAIM_THRESHOLD, claim_verdict, relief_claim
from clinic.charts.pain import cohort_label, finish
from clinic.filters import COHORT_FIELDS, RELIEF_RULES

# The rule as SQL compares it (queries/course_summary.sql), in words a person can check by hand.
RULE_FORMULAS = {
    "pct30": "10 × (before − after) ≥ 3 × before",
    "points2": "before − after ≥ 2",
    "pct50": "2 × (before − after) ≥ before",
}
VERDICT_LABELS = {
    "met": "Claim met: the whole interval is above 50 %",
    "undecided": "Undecided: the interval straddles 50 %",
    "not met": "Claim not met: the whole interval is at or below 50 %",
    None: "No assessable course",
}
VERDICT_COLOURS = {"met": GOOD, "undecided": NEUTRAL, "not met": BAD}
VERDICT_MESSAGES = {
    "met": "**The claim holds:** even the low end of the 95 % interval is above 50 %.",
    "not met": "**The claim does not hold:** even the high end of the 95 % interval is at or below 50 %.",
    "undecided": "**Undecided:** the 95 % interval straddles 50 %; more courses are needed to tell.",
    None: "**No first session can be judged yet**: no matching course has both first-session scores "
          "with pain above 0.",
}
OUTCOMES = {   # outcome of relief_first_change.sql -> (legend label, colour)
    "relieved": ("Relieved", GOOD),
    "not_relieved": ("Not relieved", BAD),
    "not_assessable": ("Not assessable (pain before was 0)", NEUTRAL),
}
CLAIM_LINE = "the claim: > 50 %"
TABLE_LABELS = {
    "cohort": "Cohort", "courses": "Courses", "relief_assessable": "Assessable", "relieved": "Relieved",
    "relief_rate_pct": "First-session relief (%)", "ci_low_pct": "95 % low (%)", "ci_high_pct": "95 % high (%)",
    "verdict": "Against the 50 % claim",
}


def rule_sentence(rule: str) -> str:
    """The relief rule in words, with the exact comparison used."""
    return (f"First-session relief means: **{RELIEF_RULES[rule]}** "
            f"(checked exactly as {RULE_FORMULAS[rule]}, on the first attended session's scores).")


def interval_text(low: float | None, high: float | None) -> str:
    """A 95 % interval short enough for a KPI tile: '65.1–67.2 %'."""
    if low is None or high is None:
        return "—"
    return f"{low * 100:.1f}–{high * 100:.1f} %"


def verdict_message(relief: dict) -> str:
    return VERDICT_MESSAGES[claim_verdict(relief["ci_low"], relief["ci_high"])]


def verdict_sentence(relief: dict, rule: str) -> str:
    """The question, the rule it is judged by and the verdict, in one paragraph."""
    return (f"Does relief come after the first session in most cases, with relief meaning "
            f"*{RELIEF_RULES[rule]}*? {verdict_message(relief)}")


def claim_chart(relief: dict, rule: str) -> go.Figure:
    """The overall rate against the 50 % claim (clinic.charts.overview.relief_claim) under a rule."""
    return relief_claim(relief, RELIEF_RULES[rule])


def not_assessable_sentence(counts: dict) -> str:
    """Why some courses cannot be judged, with the counts of relief_assessability.sql."""
    total = counts["not_assessable"]
    if total == 0:
        return f"All {counts['courses']:,} matching courses can be judged: each has both first-session scores and pain above 0."
    reasons = []
    if counts["no_attended_session"]:
        n = counts["no_attended_session"]
        reasons.append(f"{n:,} {'has' if n == 1 else 'have'} no attended session yet")
    if counts["missing_score"]:
        n = counts["missing_score"]
        reasons.append(f"{n:,} {'lacks' if n == 1 else 'lack'} a pain score before or after the first session")
    if counts["zero_pain_before"]:
        n = counts["zero_pain_before"]
        reasons.append(f"{n:,} had pain 0 before the first session (nothing to relieve)")
    return (f"{total:,} of {counts['courses']:,} matching courses cannot be judged and are left out of the rate: "
            + "; ".join(reasons) + ".")


def cohort_table(rows: list[dict], group: str) -> pd.DataFrame:
    """The table behind the by-cohort chart: one row per cohort value, rates in per cent, verdict."""
    frame = pd.DataFrame(rows, columns=["key", "courses", "relief_assessable", "relieved", "relief_rate",
                                        "ci_low", "ci_high"])
    table = pd.DataFrame({
        "cohort": [cohort_label(group, key) for key in frame.key],
        "courses": frame.courses.astype("int64"),
        "relief_assessable": frame.relief_assessable.astype("int64"),
        "relieved": frame.relieved.astype("int64"),
        "relief_rate_pct": pd.to_numeric(frame.relief_rate, errors="coerce").astype("float64") * 100,
        "ci_low_pct": pd.to_numeric(frame.ci_low, errors="coerce").astype("float64") * 100,
        "ci_high_pct": pd.to_numeric(frame.ci_high, errors="coerce").astype("float64") * 100,
        "verdict": [VERDICT_LABELS[claim_verdict(None if pd.isna(lo) else lo, None if pd.isna(hi) else hi)]
                    for lo, hi in zip(frame.ci_low, frame.ci_high)],
    })
    return table


def relief_by_cohort(table: pd.DataFrame, group: str, rule: str) -> go.Figure:
    """First-session relief per cohort value with its Wilson 95 % interval as an error bar, against 50 %."""
    drawn = table.dropna(subset=["relief_rate_pct"])
    fig = go.Figure()
    fig.add_vrect(x0=0, x1=CLAIM_THRESHOLD * 100, fillcolor="rgba(127,127,127,0.08)", line_width=0)
    for verdict, colour in VERDICT_COLOURS.items():
        rows = drawn.loc[drawn.verdict == VERDICT_LABELS[verdict]]
        if rows.empty:
            continue
        fig.add_trace(go.Scatter(
            x=rows.relief_rate_pct, y=[cohort_text(c) for c in rows.cohort], mode="markers",
            name=VERDICT_LABELS[verdict],
            marker={"size": 12, "color": colour}, showlegend=True,
            error_x={"type": "data", "symmetric": False, "array": rows.ci_high_pct - rows.relief_rate_pct,
                     "arrayminus": rows.relief_rate_pct - rows.ci_low_pct, "thickness": 2.5, "width": 6,
                     "color": colour},
            customdata=rows[["ci_low_pct", "ci_high_pct", "relieved", "relief_assessable", "courses"]].to_numpy(),
            hovertemplate=("<b>%{y}</b><br>First-session relief %{x:.1f} %<br>95 % interval %{customdata[0]:.1f} – "
                           "%{customdata[1]:.1f} %<br>%{customdata[2]:,} of %{customdata[3]:,} assessable courses "
                           "(%{customdata[4]:,} courses)<extra></extra>")))
    fig.add_vline(x=CLAIM_THRESHOLD * 100, line_dash="dash", line_color="#333",
                  annotation_text=CLAIM_LINE, annotation_position="top left", annotation_font={"size": 11},
                  annotation_xshift=-4)   # clear of the line it names
    fig.update_xaxes(range=[-2, 102], ticksuffix=" %", tick0=0, dtick=10)
    fig.update_yaxes(autorange="reversed", type="category")
    skipped = len(table) - len(drawn)
    label = COHORT_FIELDS[group].lower()
    first = (f"{n_courses(int(drawn.relief_assessable.sum()))} assessable in {len(drawn)} "
             f"{label} value{'s' if len(drawn) != 1 else ''}; dot = rate, bar = 95 % Wilson interval")
    if skipped:
        first += f"; {skipped} value{'s' if skipped != 1 else ''} with no assessable course not drawn"
    return finish(fig, f"First-session relief by {label}", "First-session relief (% of assessable courses)",
                  COHORT_FIELDS[group], [f"First-session relief means: {RELIEF_RULES[rule]}", first,
                                         "Dashed line = the claim, 50 % (not the overall rate)"],
                  height=max(320, 210 + 34 * max(len(drawn), 1)))


def first_change_histogram(changes: pd.DataFrame, rule: str, without_scores: int = 0) -> go.Figure:
    """How much pain changed at the first session (after − before, whole points from −10 to +10),
    stacked by outcome under the rule in use."""
    fig = go.Figure()
    for outcome, (label, colour) in OUTCOMES.items():
        rows = changes.loc[changes.outcome == outcome]
        if rows.empty:
            continue
        fig.add_trace(go.Bar(
            x=rows.pain_change_points, y=rows.courses, name=label, marker={"color": colour},
            hovertemplate=f"Change %{{x:+d}} points<br>{label}: %{{y:,}} courses<extra></extra>"))
    fig.add_vline(x=-0.5, line_dash="dot", line_color="#333")
    # The line's two sides named above the plot, each next to the line.
    for text, side in (("← pain fell", "right"), ("no change or more pain →", "left")):
        fig.add_annotation(x=-0.5, xref="x", y=1, yref="paper", yanchor="bottom", xanchor=side,
                           xshift=-4 if side == "right" else 4, text=text, showarrow=False)
    fig.update_layout(barmode="stack", bargap=0.1, legend={"traceorder": "normal"})
    fig.update_xaxes(range=[-10.5, 10.5], dtick=1, tick0=0)
    fig.update_yaxes(rangemode="tozero")
    total = int(changes.courses.sum()) if len(changes) else 0
    first = f"{n_courses(total)} with both first-session scores"
    if without_scores:
        first += f"; {n_courses(without_scores)} without both scores not shown"
    return finish(fig, "How much did pain change at the first session?",
                  "Change at the first session (points, after − before; below 0 = less pain)",
                  "Courses", [first, f"Colour: relieved = {RELIEF_RULES[rule]}"], height=440)
