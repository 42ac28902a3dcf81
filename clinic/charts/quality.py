"""The Data quality page's figure: attended sessions without both pain scores, by therapist and month."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from clinic.charts import label_rows_px, running_month, styled
from clinic.text import for_plotly

# white (none missing) to the dashboard's "bad" orange-red
SCALE = [[0.0, "#FFFFFF"], [0.0001, "#FDE6D8"], [1.0, "#D55E00"]]


def missing_pain_heatmap(grid: pd.DataFrame, today) -> go.Figure:
    """Rows = therapists, columns = months; colour = the share of the month's attended sessions
    without both pain scores, the number in a cell = those sessions. `grid` as clinic.quality.pain_grid
    returns it. A month in which a therapist gave no attended session is left blank; one with none
    missing says 0 on white. The month of `today` is still running: its label has a star (one line,
    which stays clear of its neighbours when a phone turns the labels upright), which the subtitle
    explains, and its hover says until when."""
    months = sorted(pd.to_datetime(grid.month).unique())
    running = running_month(today, today)       # the records as they are now: this month is running
    so_far = f" (so far, up to {pd.Timestamp(today):%d %b}: the month is still running)"
    therapists = sorted(grid.therapist.unique())
    # (therapist, month) -> (missing, attended, missing before, missing after), read once
    cells = {(therapist, month): counts for therapist, month, *counts in zip(
        grid.therapist, pd.to_datetime(grid.month), *(grid[column].astype(int).tolist() for column in (
            "missing_pain_sessions", "attended_sessions", "missing_before", "missing_after")))}
    z, texts, hovers = [], [], []
    for therapist in therapists:
        z_row, text_row, hover_row = [], [], []
        for month in months:
            if (therapist, month) not in cells:
                z_row.append(None), text_row.append(""), hover_row.append("")
                continue
            missing, attended, missing_before, missing_after = cells[(therapist, month)]
            note = so_far if month == running else ""
            share = missing / attended * 100
            z_row.append(share)
            text_row.append(f"{missing:,}")         # "0" too: a blank cell is a month without a session
            hover_row.append(
                f"Therapist {for_plotly(therapist)}, {pd.Timestamp(month):%B %Y}{note}<br>"
                f"<b>{missing:,} of {attended:,} attended sessions without both pain scores ({share:.1f} %)</b><br>"
                f"pain before missing: {missing_before:,}; pain after missing: {missing_after:,}")
        z.append(z_row), texts.append(text_row), hovers.append(hover_row)
    labels = [f"{pd.Timestamp(m):%b %Y}" + ("*" if m == running else "") for m in months]
    top = max([v for row in z for v in row if v is not None] + [1.0])
    fig = go.Figure(go.Heatmap(
        z=z, x=labels, y=[for_plotly(t) for t in therapists], colorscale=SCALE, zmin=0, zmax=top,
        xgap=2, ygap=2, text=texts, texttemplate="%{text}", textfont={"size": 11},
        customdata=hovers, hovertemplate="%{customdata}<extra></extra>", hoverongaps=False,
        colorbar={"title": {"text": "% of attended<br>sessions"}, "ticksuffix": " %"},
    ))
    missing, attended = int(grid.missing_pain_sessions.sum()), int(grid.attended_sessions.sum())
    share = f"{missing / attended * 100:.1f} %" if attended else "—"
    fig = styled(fig, "Attended sessions without both pain scores, by therapist and month", "Month of the session",
                 "Therapist (of the session)",
                 subtitle=f"{missing:,} of {attended:,} attended sessions ({share}); colour = % of the therapist's "
                          "attended sessions that month, number = sessions without both scores<br>blank = no "
                          "attended session that month" + ("; * = this month, still running" if running in months
                                                           else ""),
                 height=180 + label_rows_px(1) + 34 * max(len(therapists), 3))
    fig.update_layout(margin={"t": 80 + label_rows_px(1)})     # room for the subtitle's second line
    fig.update_xaxes(type="category", showgrid=False)
    fig.update_yaxes(type="category", autorange="reversed", showgrid=False, automargin=True)
    return fig
