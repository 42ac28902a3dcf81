"""Figures of the Patients page: one course's pain trajectory and its attendance calendar."""
from __future__ import annotations

from html import escape

import pandas as pd
import plotly.graph_objects as go

from clinic.charts import AFTER, BEFORE, NEUTRAL, styled
from clinic.charts.adherence import DAY_STATUSES, LEGEND_BELOW, legend_squares, status_scale

WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
FLAG_LANE = 11      # flagged sessions are marked in a lane above the 0-10 pain scale


def flag_text(numbness, acute_inflammation) -> str:
    """What was flagged at a session, in words ('' when nothing was)."""
    flags = [name for name, value in (("numbness reported", numbness), ("acute inflammation", acute_inflammation))
             if not pd.isna(value) and bool(value)]
    return " and ".join(flags)


def pain_trajectory(sessions: pd.DataFrame, course_label: str) -> go.Figure:
    """Pain before and after each attended session of one course (a dumbbell per session).

    x = the attended session's number in the course (its date below it and in the hover); a grey bar
    joins each session's before and after; the before scores are joined across the course so the
    trend reads from left to right. A session missing a score shows only the score it has.
    """
    attended = sessions.loc[sessions.status == "attended"].sort_values("session_number")
    fig = go.Figure()
    both = attended.dropna(subset=["pain_before", "pain_after"])
    bars_x, bars_y = [], []
    for number, pain_before, pain_after in zip(both.session_number, both.pain_before, both.pain_after):
        bars_x += [int(number), int(number), None]
        bars_y += [int(pain_before), int(pain_after), None]
    fig.add_trace(go.Scatter(x=bars_x, y=bars_y, mode="lines", line={"color": NEUTRAL, "width": 4},
                             hoverinfo="skip", showlegend=False))
    numbers = [int(n) for n in attended.session_number]
    before = attended.pain_before.astype("float64")
    after = attended.pain_after.astype("float64")
    custom = [f"{pd.Timestamp(d):%a %d %b %Y}" for d in attended.session_date]
    fig.add_trace(go.Scatter(
        x=numbers, y=before, mode="lines+markers",
        name="Pain before the session", line={"color": BEFORE, "width": 1, "dash": "dot"},
        marker={"color": BEFORE, "size": 14}, connectgaps=True, customdata=custom,
        hovertemplate="Session %{x} · %{customdata}<br>Pain before %{y} / 10<extra></extra>",
    ))
    fig.add_trace(go.Scatter(
        x=numbers, y=after, mode="markers",
        name="Pain after the session", marker={"color": AFTER, "size": 9, "symbol": "diamond"}, customdata=custom,
        hovertemplate="Session %{x} · %{customdata}<br>Pain after %{y} / 10<extra></extra>",
    ))
    flagged = [(int(n), d, flag_text(numb, acute)) for n, d, numb, acute
               in zip(attended.session_number, attended.session_date,
                      attended.get("numbness", pd.Series(pd.NA, index=attended.index)),
                      attended.get("acute_inflammation", pd.Series(pd.NA, index=attended.index)))
               if flag_text(numb, acute)]
    if flagged:
        fig.add_trace(go.Scatter(
            x=[n for n, _, _ in flagged], y=[FLAG_LANE] * len(flagged), mode="markers",
            name="Numbness or acute inflammation recorded",
            marker={"symbol": "triangle-down", "size": 12, "color": "#000"},
            customdata=[f"{pd.Timestamp(d):%a %d %b %Y}: {text}" for _, d, text in flagged],
            hovertemplate="Session %{x} · %{customdata}<extra></extra>",
        ))
    if len(numbers) <= 16:
        ticks = [f"{n}<br>{pd.Timestamp(d):%d %b}" for n, d in zip(numbers, attended.session_date)]
        fig.update_xaxes(tickmode="array", tickvals=numbers, ticktext=ticks)
    else:
        fig.update_xaxes(tickmode="linear", dtick=1 if len(numbers) <= 31 else 5)
    fig.update_xaxes(range=[0.5, max(numbers, default=1) + 0.5])
    fig.update_yaxes(range=[-0.3, FLAG_LANE + 0.6 if flagged else 10.3], tickvals=[0, 2, 4, 6, 8, 10])
    missing = len(attended) - len(both)
    subtitle = (f"{escape(course_label)}: {len(attended)} attended session" + ("" if len(attended) == 1 else "s")
                + (f", {missing} without both scores" if missing else "")
                + "; the grey bar is the change within a session")
    fig = styled(fig, "Pain before and after each session", "Attended session (number and date)", "Pain (NRS 0–10)",
                 subtitle=subtitle, height=420)
    fig.update_layout(legend=LEGEND_BELOW, showlegend=True, margin={"b": 110})
    return fig


def attendance_calendar(days: pd.DataFrame, course_label: str) -> go.Figure:
    """The course's days on a weekly calendar (rows = weeks, columns = weekdays), coloured by what happened."""
    statuses = [s for s in DAY_STATUSES if s in set(days.day_status)]
    scale, z_of = status_scale(statuses)
    weeks = sorted(days.week_start.unique())
    week_labels = [f"{pd.Timestamp(w):%d %b %Y}" for w in weeks]
    row_of = {w: i for i, w in enumerate(weeks)}
    z = [[None] * 7 for _ in weeks]
    text = [[""] * 7 for _ in weeks]
    hover = [[""] * 7 for _ in weeks]
    for day in days.itertuples():
        row, col = row_of[day.week_start], int(day.weekday) - 1
        date = pd.Timestamp(day.day_date)
        z[row][col] = z_of[day.day_status]
        text[row][col] = f"{date.day}" + (f" ×{day.attended_sessions}" if day.attended_sessions > 1 else "")
        which = f"day {day.course_day} of the course" if day.course_day >= 1 else "before the course's start date"
        what = DAY_STATUSES[day.day_status][0]
        if day.attended_sessions > 1:
            what += f" ({day.attended_sessions} sessions)"
        hover[row][col] = f"{date:%a %d %b %Y}, {which}<br><b>{what}</b>"
    fig = go.Figure(go.Heatmap(
        z=z, x=WEEKDAYS, y=week_labels, colorscale=scale, zmin=-0.5, zmax=len(statuses) - 0.5, showscale=False,
        xgap=3, ygap=3, text=text, texttemplate="%{text}", textfont={"size": 12}, customdata=hover,
        hovertemplate="%{customdata}<extra></extra>", hoverongaps=False,
    ))
    legend_squares(fig, statuses)
    fig.update_xaxes(side="top", showgrid=False, title_text=None)
    fig.update_yaxes(autorange="reversed", showgrid=False, automargin=True)
    planned = int(days.in_plan.sum())
    fig = styled(fig, "Attendance, day by day", "", "Week starting Monday",
                 subtitle=f"{escape(course_label)}: {planned} planned days",
                 height=170 + 42 * len(weeks))
    fig.update_layout(legend=LEGEND_BELOW, showlegend=True, margin={"t": 110, "b": 90})
    return fig
