"""Figures of the Overview page."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from clinic.charts import AFTER, BAD, BAND, GOOD, NEUTRAL, n_courses, styled

CLAIM_THRESHOLD = 0.5


def claim_verdict(ci_low: float | None, ci_high: float | None, threshold: float = CLAIM_THRESHOLD) -> str | None:
    """'met' when the whole 95 % interval lies above the threshold ("most cases" = more than half),
    'not met' when it lies at or below it, 'undecided' when it straddles it, None without data."""
    if ci_low is None or ci_high is None:
        return None
    if ci_low > threshold:
        return "met"
    if ci_high <= threshold:
        return "not met"
    return "undecided"


def relief_claim(relief: dict, rule_text: str) -> go.Figure:
    """The first-session relief rate with its Wilson 95 % interval against the 50 % claim."""
    rate, low, high = relief["rate"], relief["ci_low"], relief["ci_high"]
    verdict = claim_verdict(low, high)
    colour = {"met": GOOD, "not met": BAD}.get(verdict, NEUTRAL)
    fig = go.Figure()
    fig.add_vrect(x0=0, x1=CLAIM_THRESHOLD, fillcolor="rgba(127,127,127,0.08)", line_width=0)
    if rate is not None:
        fig.add_trace(go.Scatter(
            x=[rate], y=["Relief after the first session"], mode="markers",
            marker={"size": 16, "color": colour},
            error_x={"type": "data", "symmetric": False, "array": [high - rate], "arrayminus": [rate - low],
                     "thickness": 3, "width": 10, "color": colour},
            hovertemplate=(f"Relief rate %{{x:.1%}}<br>95 % interval {low:.1%} – {high:.1%}<br>"
                           f"{relief['relieved']:,} of {relief['assessable']:,} assessable courses<extra></extra>"),
            showlegend=False,
        ))
    fig.add_vline(x=CLAIM_THRESHOLD, line_dash="dash", line_color="#333",
                  annotation_text="the claim: most cases (> 50 %)", annotation_position="top left")
    fig.update_xaxes(range=[0, 1], tickformat=".0%")
    fig = styled(fig, "Is relief after the first session the rule?", "Share of courses with first-session relief (%)", "",
                  subtitle=f"Relief = {rule_text}<br>{n_courses(relief['assessable'])} assessable; "
                           "dot = rate, bar = 95 % Wilson interval",
                  height=290)
    fig.update_layout(margin={"t": 96})    # two subtitle lines
    return fig


def weekly_pain(weeks: pd.DataFrame, courses: int) -> go.Figure:
    """Mean pain before sessions per calendar week, with a 95 % band and the sessions behind each point."""
    fig = go.Figure()
    # The band is drawn only where a week has an interval (two or more courses); a gap stays a gap.
    fig.add_trace(go.Scatter(x=weeks.week_start, y=weeks.ci_low, mode="lines", line={"width": 0},
                             hoverinfo="skip", showlegend=False, connectgaps=False))
    fig.add_trace(go.Scatter(x=weeks.week_start, y=weeks.ci_high, mode="lines", line={"width": 0},
                             fill="tonexty", fillcolor=BAND, hoverinfo="skip", connectgaps=False,
                             name="95 % interval of the mean"))
    fig.add_trace(go.Scatter(
        x=weeks.week_start, y=weeks.mean_pain, mode="lines+markers", line={"color": AFTER}, name="Mean pain before sessions",
        customdata=weeks[["sessions", "courses"]].to_numpy(),
        hovertemplate="Week of %{x|%d %b %Y}<br>Mean pain %{y:.2f} / 10<br>%{customdata[0]:,} sessions, "
                      "%{customdata[1]:,} courses<extra></extra>",
    ))
    fig.update_yaxes(range=[0, 10])
    fig.update_xaxes(dtick="M1", tickformat="%b %Y")
    total = int(weeks.sessions.sum()) if len(weeks) else 0
    return styled(fig, "Pain before sessions, week by week", "Week (starting Monday)", "Mean pain before session (NRS 0–10)",
                  subtitle=f"{total:,} scored sessions of {n_courses(courses)}; each course counts once a week; "
                           "band = 95 % interval of the weekly mean")
