"""The Protocol safety page's figures: each protocol-safety check month by month, as a share with its
Wilson 95 % interval, the months with too few to judge drawn grey."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from clinic.charts import NEUTRAL, PALETTE, styled

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


def trend(months: pd.DataFrame, keys: tuple[str, ...], title: str, y_title: str, x_title: str,
          min_cohort: int) -> go.Figure:
    """One line per check in `keys`: the month's share (in %) with its Wilson 95 % interval as error
    bars. `months` as clinic.flags.by_month returns it (flag, month, flagged, of_count, share, ci_low,
    ci_high). A month with fewer than `min_cohort` to count among is an open grey marker ("too few to
    judge" on hover)."""
    fig = go.Figure()
    for key in keys:
        rows = months.loc[months.flag == key].sort_values("month")
        if rows.empty:
            continue
        few = rows.of_count < min_cohort
        shares = rows.share * 100
        hovers = []
        for row, small in zip(rows.itertuples(), few):
            text = (f"{NAMES[key]}, {pd.Timestamp(row.month):%B %Y}<br>"
                    f"<b>{int(row.flagged):,} of {int(row.of_count):,} {OF_WORDS[key]} ({row.share * 100:.1f} %)</b>"
                    f"<br>95 % interval {row.ci_low * 100:.1f}–{row.ci_high * 100:.1f} %")
            hovers.append(text + ("<br>too few to judge" if small else ""))
        colour = COLOURS[key]
        fig.add_trace(go.Scatter(
            x=pd.to_datetime(rows.month), y=shares, name=NAMES[key], mode="lines+markers",
            line={"color": colour, "width": 2},
            marker={"color": [NEUTRAL if s else colour for s in few], "size": 8,
                    "symbol": ["circle-open" if s else "circle" for s in few]},
            error_y={"type": "data", "symmetric": False, "array": rows.ci_high * 100 - shares,
                     "arrayminus": shares - rows.ci_low * 100, "color": colour, "thickness": 1, "width": 3},
            hovertext=hovers, hovertemplate="%{hovertext}<extra></extra>",
        ))
    behind = int(months.loc[months.flag == keys[0]].of_count.sum())
    subtitle = (f"{behind:,} {OF_WORDS[keys[0]]} in all. Each point: the month's share with its 95 % interval "
                f"(Wilson); open grey points: fewer than {min_cohort} to count among that month, too few to judge.")
    fig.update_layout(showlegend=True)          # names the line even when it is the only one
    fig = styled(fig, title, x_title, y_title, subtitle=subtitle, height=420)
    fig.update_yaxes(ticksuffix=" %", rangemode="tozero")
    fig.update_xaxes(dtick="M1", tickformat="%b %Y")
    return fig
