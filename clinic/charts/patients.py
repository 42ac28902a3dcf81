"""Figures of the Patients page: one course's pain trajectory and its attendance calendar."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from clinic.charts import AFTER, BEFORE, NEUTRAL, styled
from clinic.charts.adherence import DAY_STATUSES, LEGEND_BELOW, legend_squares, status_scale
from clinic.text import flags_in_words, for_plotly

WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
FLAG_LANE = 11      # flagged sessions are marked in lanes above the 0-10 pain scale: numbness here,
ACUTE_LANE = 12     # acute inflammation one lane higher, so a session with both shows both
# (column, legend name, marker, colour, lane, words in the hover) of each flag drawn on the pain chart
FLAGS = (
    ("numbness", "Numbness reported", "triangle-down", "#000000", FLAG_LANE, "numbness reported"),
    ("acute_inflammation", "Acute inflammation", "x", "#D55E00", ACUTE_LANE, "acute inflammation"),
)

CALENDAR_ROW_PX, CALENDAR_MIN_PX, CALENDAR_MARGINS_PX = 44, 180, 180    # a week's row; the plot's least; t + b

# The session table's numbers that may be missing: shown as text so a missing value is a blank cell.
NUMBER_COLUMNS = ("course_day", "session_number", "pain_before", "pain_after", "muscle_tension")
TEXT_COLUMNS = ("session_time", "therapist", "status", "notes")
FLAG_COLUMNS = ("numbness", "acute_inflammation")
# The session table's columns in the order shown: when and what, the flags at a glance, the scores,
# the flags one by one, who and which row; the free-text notes last, where their width hides nothing.
SESSION_ORDER = ("session_date", "session_time", "session_number", "course_day", "status", "flags", "pain_before",
                 "pain_after", "pain_change", "muscle_tension", "numbness", "acute_inflammation", "therapist",
                 "session_id", "notes")
# The session table as shown on the Patients page: (header, meaning on hover, format of
# CELL_FORMATS), short headers so that its columns fit the page beside each other (the exports
# keep the long names). Every cell but the date is already text (sessions_table).
SESSION_COLUMNS = {
    "session_date": ("Date", None, "date"),
    "session_time": ("Time", "The session's time, when it was recorded (24-hour clock).", "text"),
    "session_number": ("No.", "The session's number among the course's attended sessions; empty on a cancelled "
                              "or missed one.", "text"),
    "course_day": ("Day", "The day of the course: 1 = the day it started.", "text"),
    "status": ("Status", None, "text"),
    "flags": ("Flags", "The red flags recorded at the session: numbness (check and refer) and acute = acute "
                       "inflammation (massage only after it has subsided). Empty = none recorded.", "text"),
    "pain_before": ("Before", "Pain before the session, 0–10 (NRS); empty = not recorded.", "text"),
    "pain_after": ("After", "Pain after the session, 0–10 (NRS); empty = not recorded.", "text"),
    "pain_change": ("Change", "Pain after the session minus pain before it, in points: negative = less pain "
                              "(−2 = two points better), positive = more pain.", "text"),
    "muscle_tension": ("Tension", "Muscle tension, 0–10; empty = not recorded.", "text"),
    "numbness": ("Numbness", "Numbness at the session: yes or no; empty = not recorded.", "text"),
    "acute_inflammation": ("Acute", "Acute inflammation at the session: yes or no; empty = not recorded.", "text"),
    "therapist": ("Therapist", None, "text"),
    "session_id": ("Session", "The session's id in the imported records.", "text"),
    "notes": ("Notes", "The therapist's notes; a double click on a cell shows a long note whole.", "text"),
}

# The course table's columns in the order shown: which course (pinned), its state and the metrics
# that decide, then the rest.
COURSE_ORDER = ("course_id", "patient_id", "start_date", "status", "therapist", "first_session_relief",
                "sustained_improvement_pct", "adherence", "last_attended_date", "diagnosis", "site",
                "planned_sessions", "sessions_attended", "attended_days", "adherent", "completed", "dropped_out",
                "longest_break_days", "first_session_pain_before", "first_session_pain_after")


def _blank(value) -> bool:
    return value is None or (not isinstance(value, str) and pd.isna(value))


def course_table(courses: pd.DataFrame) -> pd.DataFrame:
    """The course rows with their columns in COURSE_ORDER (any others after them, as they came)."""
    first = [c for c in COURSE_ORDER if c in courses.columns]
    return courses.loc[:, first + [c for c in courses.columns if c not in first]]


def _flag_values(sessions: pd.DataFrame, column: str) -> list:
    """A flag column as True, False or None (not recorded, or no such column)."""
    if column not in sessions:
        return [None] * len(sessions)
    return [None if _blank(v) else bool(v) for v in sessions[column]]


def sessions_table(sessions: pd.DataFrame) -> pd.DataFrame:
    """The session rows as people read them, columns in SESSION_ORDER: a missing value is a blank cell
    (never 'None'), the change in pain carries its sign (+1 = more pain, -2 = less), flags read yes / no,
    a status reads as the calendar's legend names it, and `flags` names a flagged session's flags at a glance.

    Notes stay the stored text (st.dataframe shows them as text, never as HTML)."""
    shown = sessions.copy()
    shown["flags"] = pd.Series([flags_in_words(n, a) for n, a in zip(_flag_values(sessions, "numbness"),
                                                                       _flag_values(sessions, "acute_inflammation"))],
                               index=sessions.index, dtype=str)
    for column in NUMBER_COLUMNS:
        if column in shown:
            shown[column] = ["" if _blank(v) else f"{int(v)}" for v in shown[column]]
    if "pain_change" in shown:
        shown["pain_change"] = ["" if _blank(v) else f"{int(v):+d}" if int(v) else "0" for v in shown["pain_change"]]
    for column in TEXT_COLUMNS:
        if column in shown:
            shown[column] = ["" if _blank(v) else str(v) for v in shown[column]]
    for column in FLAG_COLUMNS:
        if column in shown:
            shown[column] = ["" if _blank(v) else ("yes" if v else "no") for v in shown[column]]
    if "status" in shown:       # as the calendar's legend names them ("No-show", not no_show)
        shown["status"] = [DAY_STATUSES[v][0] if v in DAY_STATUSES else v for v in shown["status"]]
    first = [c for c in SESSION_ORDER if c in shown.columns and c != "notes"]
    rest = [c for c in shown.columns if c not in first and c != "notes"]
    return shown.loc[:, first + rest + (["notes"] if "notes" in shown.columns else [])]      # notes always last


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
    flagged = False
    for column, name, symbol, colour, lane, words in FLAGS:
        values = attended.get(column, pd.Series(pd.NA, index=attended.index))
        marked = [(int(n), d) for n, d, v in zip(attended.session_number, attended.session_date, values)
                  if not _blank(v) and bool(v)]
        if not marked:
            continue
        flagged = True
        fig.add_trace(go.Scatter(
            x=[n for n, _ in marked], y=[lane] * len(marked), mode="markers", name=name,
            marker={"symbol": symbol, "size": 12, "color": colour, "line": {"width": 2, "color": colour}},
            customdata=[f"{pd.Timestamp(d):%a %d %b %Y}: {words}" for _, d in marked],
            hovertemplate="Session %{x} · %{customdata}<extra></extra>",
        ))
    if len(numbers) <= 16:
        fig.update_xaxes(tickmode="array", tickvals=numbers, ticktext=session_ticks(numbers, attended.session_date),
                         tickangle=0)
    else:
        fig.update_xaxes(tickmode="linear", dtick=1 if len(numbers) <= 31 else 5)
    fig.update_xaxes(range=[0.5, max(numbers, default=1) + 0.5])
    ticks = {0: "0", 2: "2", 4: "4", 6: "6", 8: "8", 10: "10"}
    if flagged:        # name the flag lanes where they are, above the pain scale
        ticks.update({FLAG_LANE: "numbness", ACUTE_LANE: "inflamed"})
    fig.update_yaxes(range=[-0.3, ACUTE_LANE + 0.6 if flagged else 10.3], tickvals=list(ticks),
                     ticktext=list(ticks.values()))
    missing = len(attended) - len(both)
    subtitle = (f"{for_plotly(course_label)}: {len(attended)} attended session" + ("" if len(attended) == 1 else "s")
                + (f", {missing} without both scores" if missing else "")
                + "<br>The grey bar is the change within a session")
    fig = styled(fig, "Pain before and after each session", "Attended session (number and date)", "Pain (NRS 0–10)",
                 subtitle=subtitle, height=440)
    fig.update_layout(legend=LEGEND_BELOW, showlegend=True, margin={"t": 96, "b": 110})
    return fig


def session_ticks(numbers: list[int], dates) -> list[str]:
    """'n<br>date' under each session: the month only on the first and where it changes, so
    sixteen labels fit side by side in a narrow window without turning."""
    ticks, month = [], None
    for number, date in zip(numbers, dates):
        date = pd.Timestamp(date)
        shown = f"{date:%d %b}" if (date.year, date.month) != month else f"{date:%d}"
        month = (date.year, date.month)
        ticks.append(f"{number}<br>{shown}")
    return ticks


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
    fig.update_xaxes(side="top", showgrid=False, title_text=None, tickangle=0, fixedrange=True)
    fig.update_yaxes(autorange="reversed", showgrid=False, automargin=True, fixedrange=True)
    planned = int(days.in_plan.sum())
    fig = styled(fig, "Attendance, day by day", "", "Week starting Monday",
                 subtitle=f"{for_plotly(course_label)}: {planned} planned days; a number = the day of the month",
                 # the plot area stays at least CALENDAR_MIN_PX tall, so the y-axis title (longer than
                 # two or three rows of weeks) never reaches up into the subtitle
                 height=CALENDAR_MARGINS_PX + max(CALENDAR_ROW_PX * len(weeks), CALENDAR_MIN_PX))
    fig.update_layout(legend=LEGEND_BELOW, showlegend=True, margin={"t": 120, "b": 60})
    return fig
