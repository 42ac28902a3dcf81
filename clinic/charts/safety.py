"""The Protocol safety page's figures: each protocol-safety check month by month, as a share with its
Wilson 95 % interval, the months with too few to judge drawn grey."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from clinic.charts import NEUTRAL, PALETTE, label_rows_px, running_month, styled

# The page's three trend charts: (title, keys, y-axis title, what the month is)
TRENDS = (
    ("Paperwork missing before the first session", ("conclusion", "imaging", "blood_tests"),
     "% of courses started that month", "Month the course started"),
    ("Sessions given during acute inflammation or with numbness", ("acute", "numbness"),
     "% of attended sessions that month", "Month of the session"),
    ("Failure to progress, rising pain and the ceiling", ("progress", "rising", "ceiling"),
     "% of the courses that can be judged", "Month the course started"),
)
NAMES = {"conclusion": "No doctor's conclusion", "imaging": "No imaging", "blood_tests": "No blood tests",
         "acute": "During acute inflammation", "numbness": "Numbness reported",
         "progress": "Failure to progress (of courses judged)",
         "rising": "Pain rising over three visits (of courses with 3+ scored sessions)",
         "ceiling": "Baseline too low to judge (of courses with a baseline)"}
OF_WORDS = {"conclusion": "courses started", "imaging": "courses started", "blood_tests": "courses started",
            "acute": "attended sessions", "numbness": "attended sessions", "progress": "courses judged",
            "rising": "courses with 3+ scored sessions", "ceiling": "courses with a baseline"}
COLOURS = {"conclusion": PALETTE[0], "imaging": PALETTE[1], "blood_tests": PALETTE[2], "acute": PALETTE[3],
           "numbness": PALETTE[4], "progress": PALETTE[3], "rising": PALETTE[4], "ceiling": PALETTE[5]}


PARTIAL = "Partial month, still running (open marker, dotted line)"


def _hovers(rows: pd.DataFrame, key: str, few, note: str = "") -> list[str]:
    hovers = []
    for month, flagged, of_count, share, low, high, small in zip(
            rows.month, rows.flagged, rows.of_count, rows.share, rows.ci_low, rows.ci_high, few):
        text = (f"{NAMES[key]}, {pd.Timestamp(month):%B %Y}{note}<br>"
                f"<b>{int(flagged):,} of {int(of_count):,} {OF_WORDS[key]} ({share * 100:.1f} %)</b>"
                f"<br>95 % interval {low * 100:.1f}–{high * 100:.1f} %")
        hovers.append(text + ("<br>too few to judge" if small else ""))
    return hovers


def _error_bars(rows: pd.DataFrame, colour: str) -> dict:
    shares = rows.share.to_numpy() * 100
    return {"type": "data", "symmetric": False, "array": rows.ci_high.to_numpy() * 100 - shares,
            "arrayminus": shares - rows.ci_low.to_numpy() * 100, "color": colour, "thickness": 1, "width": 3}


def trend(months: pd.DataFrame, keys: tuple[str, ...], title: str, y_title: str, x_title: str,
          min_cohort: int, as_of=None, today=None) -> go.Figure:
    """One line per check in `keys`: the month's share (in %) with its Wilson 95 % interval as error
    bars. `months` as clinic.flags.by_month returns it (flag, month, flagged, of_count, share, ci_low,
    ci_high). A month with fewer than `min_cohort` to count among is an open grey marker ("too few to
    judge" on hover). The month of `as_of`, while it is still running, is drawn apart, as Pain trends
    draws it: an open marker reached by a dotted segment, "so far" on hover and named in the subtitle
    (its courses or sessions are only those of its first days, never a month like the others); the month
    that ends on `as_of` is running while that day is `today` (clinic.charts.period_running)."""
    fig = go.Figure()
    running = running_month(as_of, today)
    partial_drawn = False
    for key in keys:
        rows = months.loc[months.flag == key].sort_values("month")
        if rows.empty:
            continue
        colour = COLOURS[key]
        in_running = (pd.to_datetime(rows.month) == running) if running is not None else \
            pd.Series(False, index=rows.index)
        full, now = rows.loc[~in_running], rows.loc[in_running]
        few = full.of_count < min_cohort
        fig.add_trace(go.Scatter(
            x=pd.to_datetime(full.month), y=full.share * 100, name=NAMES[key], mode="lines+markers",
            line={"color": colour, "width": 2},
            marker={"color": [NEUTRAL if s else colour for s in few], "size": 8,
                    "symbol": ["circle-open" if s else "circle" for s in few]},
            error_y=_error_bars(full, colour), hovertext=_hovers(full, key, few),
            hovertemplate="%{hovertext}<extra></extra>",
        ))
        if now.empty:
            continue
        before = full.loc[pd.to_datetime(full.month) == running - pd.DateOffset(months=1)]
        if not before.empty:
            fig.add_trace(go.Scatter(
                x=[pd.Timestamp(before.month.iloc[0]), running],
                y=[before.share.iloc[0] * 100, now.share.iloc[0] * 100],
                mode="lines", line={"color": colour, "width": 2, "dash": "dot"}, hoverinfo="skip",
                showlegend=False, name=f"{PARTIAL}: segment"))
        small = now.of_count < min_cohort
        fig.add_trace(go.Scatter(
            x=pd.to_datetime(now.month), y=now.share * 100, mode="markers", name=PARTIAL, showlegend=False,
            marker={"color": [NEUTRAL if s else colour for s in small], "size": 11, "symbol": "circle-open",
                    "line": {"width": 2}},
            error_y=_error_bars(now, colour),
            hovertext=_hovers(now, key, small, f" (so far, up to {pd.Timestamp(as_of):%d %b}: the month is still "
                                               "running)"),
            hovertemplate="%{hovertext}<extra></extra>",
        ))
        partial_drawn = True
    if partial_drawn:           # one legend entry, last, that names the look in no line's colour
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines+markers", name=PARTIAL, hoverinfo="skip",
                                 line={"color": NEUTRAL, "dash": "dot", "width": 2},
                                 marker={"symbol": "circle-open", "size": 10, "color": NEUTRAL}))
    behind = int(months.loc[months.flag == keys[0]].of_count.sum())
    subtitle = (f"{behind:,} {OF_WORDS[keys[0]]} in all. Each point: the month's share with its 95 % interval "
                f"(Wilson); open grey points: fewer than {min_cohort} to count among that month, too few to judge.")
    young = partial_drawn and keys[0] == "progress"
    if partial_drawn:
        subtitle += (f"<br>{running:%B %Y} is a partial month, up to {pd.Timestamp(as_of):%d %b}: open marker, "
                     "dotted line.")
    if young:       # a course is judged at its latest scored session: this month's are days old
        subtitle += ("<br>Its courses are days old, judged on their first sessions only: not comparable with "
                     "earlier months yet.")
    fig.update_layout(showlegend=True)          # names the line even when it is the only one
    fig = styled(fig, title, x_title, y_title, subtitle=subtitle, height=420 + (label_rows_px(1) if young else 0))
    if young:       # room for the subtitle's third line above the plot
        fig.update_layout(margin={"t": 80 + label_rows_px(1)})
    fig.update_yaxes(ticksuffix=" %", rangemode="tozero")
    fig.update_xaxes(dtick="M1", tickformat="%b %Y")
    return fig
