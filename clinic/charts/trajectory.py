"""One course's pain session by session over its expected course (clinic.trajectory): the median of
similar completed courses as a line, their interquartile band (25th–75th percentile) shaded behind."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from clinic.charts import patients
from clinic.text import for_plotly

EXPECTED = "#555555"                       # grey: the course itself keeps the colours
BAND = "rgba(86, 180, 233, 0.25)"
BAND_NAME = "Similar courses: middle half (25th–75th percentile)"
MEDIAN_NAME = "Similar courses: median pain before"


def _segments(points: pd.DataFrame) -> list[pd.DataFrame]:
    """The runs of consecutive shown session numbers (a suppressed point breaks the band)."""
    runs, current, previous = [], [], None
    for index, row in points.iterrows():
        if previous is not None and row.session_number != previous + 1 and current:
            runs.append(current)
            current = []
        current.append(index)
        previous = row.session_number
    if current:
        runs.append(current)
    return [points.loc[run] for run in runs]


def point_text(row) -> str:
    """The hover text of one expected point: the median, the band and the n behind them."""
    courses = int(row.courses)
    return (f"Session {int(row.session_number)}: similar courses' pain before, median {row.median_pain:g}, "
            f"middle half {row.q25_pain:g}–{row.q75_pain:g} ({courses:,} course{'' if courses == 1 else 's'})")


def over_expected(sessions: pd.DataFrame, expected, course_label: str) -> go.Figure:
    """The course's pain before and after each attended session (clinic.charts.patients.pain_trajectory)
    drawn over its expected course: `expected` is a clinic.trajectory.Expected (or None when there is
    none); only its shown points are drawn, and none when it is not drawable."""
    fig = patients.pain_trajectory(sessions, course_label)
    drawn = expected.shown_points if expected is not None else pd.DataFrame()
    band_traces = []
    for number, run in enumerate(_segments(drawn)):
        x = [int(k) for k in run.session_number]
        band_traces.append(go.Scatter(
            x=x, y=[float(v) for v in run.q75_pain], mode="lines", line={"width": 0, "color": EXPECTED},
            hoverinfo="skip", showlegend=False, legendgroup="band", name=BAND_NAME))
        band_traces.append(go.Scatter(
            x=x, y=[float(v) for v in run.q25_pain], mode="lines", line={"width": 0, "color": EXPECTED},
            fill="tonexty", fillcolor=BAND, hoverinfo="skip", showlegend=number == 0, legendgroup="band",
            name=BAND_NAME))
        band_traces.append(go.Scatter(
            x=x, y=[float(v) for v in run.median_pain], mode="lines+markers",
            line={"color": EXPECTED, "width": 2, "dash": "dash"}, marker={"size": 5, "color": EXPECTED},
            hovertext=[point_text(row) for row in run.itertuples()], hoverinfo="text",
            showlegend=number == 0, legendgroup="median", name=MEDIAN_NAME))
    if band_traces:
        own = list(fig.data)
        fig.add_traces(band_traces)
        fig.data = tuple(fig.data[len(own):]) + tuple(fig.data[:len(own)])     # behind the course's own scores
        attended = sessions.loc[sessions.status == "attended"]
        numbers = [int(n) for n in attended.session_number.dropna()]
        last = max([*numbers, *(int(k) for k in drawn.session_number)])
        fig.update_xaxes(range=[0.5, last + 0.5])
        if fig.layout.xaxis.tickvals is not None:         # the course's own sessions carry their dates
            later = [k for k in range(max(numbers, default=0) + 1, last + 1)]
            fig.update_xaxes(tickvals=list(fig.layout.xaxis.tickvals) + later,
                             ticktext=list(fig.layout.xaxis.ticktext) + [str(k) for k in later])
    sentence = expected.headline() if expected is not None else "No expected course."
    subtitle = fig.layout.title.subtitle.text if fig.layout.title.subtitle else ""
    fig.update_layout(title={"text": "Pain before and after each session, against the expected course",
                             "subtitle": {"text": f"{subtitle}<br>{for_plotly(sentence)}" if subtitle
                                          else for_plotly(sentence)}},
                      margin={"t": 118})
    return fig
