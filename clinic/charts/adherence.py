"""Figures of the Adherence page (and the day-status colours the Patients page shares)."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from clinic.charts import BAD, GOOD, NEUTRAL, NOT_RECORDED, PALETTE, n_courses, pct_text, styled
from clinic.text import for_plotly

ADHERENT_PCT = 80

# Day statuses of a course calendar, in legend order, with colour-blind-safe colours (Okabe–Ito
# blue, orange and vermillion; greys for the days without a booked session).
DAY_STATUSES = {
    "attended": ("Attended", "#0072B2"),
    "cancelled": ("Cancelled", "#E69F00"),
    "no_show": ("No-show", "#D55E00"),
    "no_visit": ("No visit", "#BDBDBD"),
    "today": ("As-of day, no visit yet (not missed)", "#FFF1A8"),
    "outside_plan": ("Outside the planned days", "#E6E6E6"),
    "not_yet": ("Not yet (after the as-of date)", "#F7F7F7"),
}


def adherence_text(value) -> str:
    """A course's adherence in words; none yet for a course that starts on the as-of day without a visit."""
    return "not rated yet (starts on the as-of day)" if value is None or pd.isna(value) else pct_text(value, 0)


def status_scale(statuses: list[str]) -> tuple[list, dict[str, int]]:
    """A stepped colour scale for a heatmap of the given statuses and each status's z value."""
    count = len(statuses)
    scale = []
    for position, status in enumerate(statuses):
        colour = DAY_STATUSES[status][1]
        scale += [[position / count, colour], [(position + 1) / count, colour]]
    return scale, {status: position for position, status in enumerate(statuses)}


LEGEND_BELOW = {"orientation": "h", "yref": "container", "y": 0.0, "yanchor": "bottom", "x": 0.0, "xanchor": "left"}


def legend_squares(fig: go.Figure, statuses: list[str]) -> None:
    """Legend entries (square markers without data) naming each status colour."""
    for status in statuses:
        label, colour = DAY_STATUSES[status]
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=label, hoverinfo="skip",
                                 marker={"symbol": "square", "size": 12, "color": colour,
                                         "line": {"width": 1, "color": "#999"}}))


def row_label(patient_id: str, course_id: str) -> str:
    """A course's row name: its patient and course ids (an inferred course id already names the patient)."""
    if course_id.startswith(f"{patient_id}:") or course_id == patient_id:
        return for_plotly(course_id)
    return for_plotly(f"{patient_id} · {course_id}")


def whole_counts(fig: go.Figure, largest: int) -> None:
    """A count axis from 0 that never shows fractions of a course."""
    fig.update_yaxes(rangemode="tozero", tickformat=",d")
    if largest <= 8:
        fig.update_yaxes(tickmode="linear", tick0=0, dtick=1, range=[0, largest + 0.5])


BANDS_TEXT = "Bars of 10 points: 20–30 % means 20 % up to just under 30 %; the last, 90–100 %, includes exactly 100 %"


def band_label(low: int, high: int) -> str:
    """A band of adherence_distribution.sql in words: low <= adherence < high, and the top band holds 100 %."""
    if high >= 100:
        return f"{low} % to 100 % (100 % included)"
    return f"{low} % to under {high} %"


def distribution(bins: pd.DataFrame, adherent_pct: int = ADHERENT_PCT) -> go.Figure:
    """Courses per 10 % band of adherence, the adherent bands (wholly at or above the threshold,
    80 % by default) coloured, the threshold marked."""
    total = int(bins.courses.sum())
    centres = (bins.bin_low_pct + bins.bin_high_pct) / 2
    colours = [GOOD if adherent else NEUTRAL for adherent in bins.adherent]
    labels = [band_label(low, high) for low, high in zip(bins.bin_low_pct, bins.bin_high_pct)]
    fig = go.Figure(go.Bar(
        x=centres, y=bins.courses, width=9.4, marker_color=colours,
        customdata=list(zip(labels, [pct_text(share, 0) for share in bins.share.fillna(0)])),
        hovertemplate="Adherence %{customdata[0]}<br>%{y:,} courses (%{customdata[1]} of all)<extra></extra>",
        showlegend=False,
    ))
    fig.add_vline(x=adherent_pct, line_dash="dash", line_color="#333",
                  annotation_text=f"adherent: {adherent_pct} % of days or more →", annotation_position="top left")
    fig.update_xaxes(range=[0, 100], tickvals=list(range(0, 101, 10)), ticktext=[f"{t} %" for t in range(0, 101, 10)])
    whole_counts(fig, int(bins.courses.max()) if len(bins) else 0)
    fig = styled(fig, "How much of the daily course do patients attend?",
                 "Adherence: share of the course's days so far with a visit (%)", "Courses",
                 subtitle=f"{n_courses(total)}; green = adherent<br>{BANDS_TEXT}")
    fig.update_layout(margin={"t": 112, "b": 70})   # two subtitle lines and the threshold's label; no legend below
    return fig


# The calendar's rows (px each), its margins above and below the plot, and the least plot height
# that holds its long y-axis title.
CALENDAR_ROW_PX, CALENDAR_MARGINS_PX, CALENDAR_LONG_TITLE_PX = 22, 204, 180


def calendar(days: pd.DataFrame, cohort_text: str, limit: int) -> go.Figure:
    """Rows = courses (most recent start on top), columns = day of the course, cells = what happened that day.

    Two or more attended sessions on one day show as attended with their number in the cell.
    """
    courses = days.drop_duplicates("course_rank").sort_values("course_rank")
    cohort_courses = int(courses.cohort_courses.iloc[0]) if len(courses) else 0
    statuses = [s for s in DAY_STATUSES if s != "outside_plan"]
    scale, z_of = status_scale(statuses)
    labels = {rank: row_label(p, c) for rank, p, c in zip(courses.course_rank, courses.patient_id, courses.course_id)}
    y_order = [labels[rank] for rank in courses.course_rank]
    last_day = int(days.course_day.max()) if len(days) else 1
    grid = days.assign(row=days.course_rank.map(labels))
    z = grid.pivot(index="row", columns="course_day", values="day_status")
    z = z.reindex(index=y_order, columns=range(1, last_day + 1))
    counts = grid.pivot(index="row", columns="course_day", values="attended_sessions").reindex_like(z)
    dates = grid.pivot(index="row", columns="course_day", values="day_date").reindex_like(z)
    # the cells read from arrays: a cell at a time from the frames took half the figure's build time
    statuses_at, counts_at, dates_at = (frame.to_numpy(dtype=object) for frame in (z, counts, dates))
    z_values, texts, hovers = [], [], []
    for i, (row, course) in enumerate(zip(y_order, courses.itertuples(index=False))):   # both by course_rank
        therapist = NOT_RECORDED if pd.isna(course.therapist) else for_plotly(str(course.therapist))
        started = f"started {pd.Timestamp(course.start_date):%a %d %b %Y}"
        z_row, text_row, hover_row = [], [], []
        for j, day in enumerate(z.columns):
            status = statuses_at[i, j]
            if pd.isna(status):
                z_row.append(None), text_row.append(""), hover_row.append("")
                continue
            sessions = int(counts_at[i, j])
            z_row.append(z_of[status])
            text_row.append(f"{sessions}" if sessions > 1 else "")
            what = DAY_STATUSES[status][0] + (f" ({sessions} sessions)" if sessions > 1 else "")
            date = pd.Timestamp(dates_at[i, j])
            hover_row.append(f"{row}, {started}<br>Day {day} of {course.planned_sessions}: {date:%a %d %b %Y}"
                             f"<br><b>{what}</b><br>Therapist {therapist}; "
                             f"adherence {adherence_text(course.adherence)}; {course.course_status}")
        z_values.append(z_row), texts.append(text_row), hovers.append(hover_row)
    fig = go.Figure(go.Heatmap(
        z=z_values, x=list(z.columns), y=y_order, colorscale=scale, zmin=-0.5, zmax=len(statuses) - 0.5,
        showscale=False, xgap=2, ygap=2, text=texts, texttemplate="%{text}", textfont={"color": "white", "size": 12},
        customdata=hovers, hovertemplate="%{customdata}<extra></extra>", hoverongaps=False,
    ))
    # the as-of day's own colour is named only when some course shows it
    legend_squares(fig, [s for s in statuses if s != "today" or (days.day_status == "today").any()])
    fig.update_xaxes(tickmode="linear", dtick=1 if last_day <= 31 else 5, range=[0.5, last_day + 0.5], showgrid=False)
    fig.update_yaxes(autorange="reversed", type="category", showgrid=False, automargin=True)
    shown = len(courses)
    which = (f"all {n_courses(shown)}" if shown == cohort_courses
             else f"the {shown} most recently started of {n_courses(cohort_courses)} (limit {limit})")
    plot_px = CALENDAR_ROW_PX * max(shown, 3) + 6
    fig = styled(fig, "Day by day: who came on which day of the course?", "Day of the course (1 = start date)",
                 # the longer title (about 160 px) would reach up into the subtitle beside a few rows;
                 # the subtitle's second line says the order in any case
                 "Course (latest start on top)" if plot_px >= CALENDAR_LONG_TITLE_PX else "Course",
                 subtitle=f"{for_plotly(cohort_text)}: {which}; a number in a cell = sessions that day"
                          f"<br>{order_text(courses)}",
                 height=CALENDAR_MARGINS_PX + plot_px)
    fig.update_layout(legend=LEGEND_BELOW, showlegend=True,
                      margin={"t": 104, "b": CALENDAR_MARGINS_PX - 104})   # room for two subtitle lines
    return fig


def order_text(courses: pd.DataFrame) -> str:
    """How the calendar's rows are ordered, with the start dates of the first and the last row."""
    newest, oldest = pd.Timestamp(courses.start_date.max()), pd.Timestamp(courses.start_date.min())
    if newest == oldest:
        return f"Rows: all started {newest:%d %b %Y}; hover a row for its start date"
    return (f"Rows by start date, latest on top: from {newest:%d %b %Y} down to {oldest:%d %b %Y}; "
            "hover a row for its start date")


def dropout_after(steps: pd.DataFrame, dropout_gap_days: int = 7) -> go.Figure:
    """Dropped-out courses by the number of sessions attended before the drop-out."""
    total = int(steps.courses.sum())
    fig = go.Figure(go.Bar(
        x=steps.sessions_attended, y=steps.courses, marker_color=BAD,
        customdata=[pct_text(share, 0) for share in steps.share],
        hovertemplate="Dropped out after %{x} attended sessions<br>%{y:,} courses "
                      "(%{customdata} of drop-outs)<extra></extra>",
        showlegend=False,
    ))
    last = int(steps.sessions_attended.max()) if len(steps) else 0
    fig.update_xaxes(tickmode="linear", dtick=1 if last <= 30 else 5, range=[-0.5, last + 0.5])
    whole_counts(fig, int(steps.courses.max()) if len(steps) else 0)
    fig = styled(fig, "When do patients drop out?", "Sessions attended before dropping out (0 = never came)",
                 "Dropped-out courses",
                 subtitle=f"{n_courses(total)} dropped out: not completed and no visit for more than "
                          f"{dropout_gap_days} days")
    fig.update_layout(margin={"b": 70})      # no legend below
    return fig


def outcome_by_adherence(groups: pd.DataFrame, adherent_pct: int = ADHERENT_PCT) -> go.Figure:
    """Sustained improvement of adherent and non-adherent courses side by side: box = middle half,
    whiskers = 5th to 95th percentile, the median and the counts under each box."""
    fig = go.Figure()
    names = {True: f"Adherent (≥ {adherent_pct} %)", False: f"Not adherent (< {adherent_pct} %)"}
    colours = {True: PALETTE[0], False: PALETTE[1]}
    categories = []
    for group in groups.itertuples():
        adherent = bool(group.adherent)
        if group.assessable == 0:
            label = f"<b>{names[adherent]}</b><br>no course with two scored visit days (of {n_courses(group.courses)})"
            categories.append(label)
            fig.add_annotation(x=label, y=50, text="nothing to compare yet", showarrow=False)
            continue
        label = (f"<b>{names[adherent]}</b>: median {group.median_pct:.0f} %<br>"
                 f"{group.assessable:,} of {n_courses(group.courses)} assessable")
        categories.append(label)
        fig.add_trace(go.Box(
            x=[label], q1=[group.q1_pct], median=[group.median_pct], q3=[group.q3_pct],
            lowerfence=[group.p05_pct], upperfence=[group.p95_pct], name=names[adherent], width=0.4,
            marker_color=colours[adherent], line_color=colours[adherent], showlegend=False, hoverinfo="skip",
        ))
        fig.add_trace(go.Scatter(
            x=[label], y=[group.median_pct], mode="markers", name=names[adherent], showlegend=False,
            marker={"color": "white", "size": 11, "symbol": "circle", "line": {"width": 2, "color": colours[adherent]}},
            hovertemplate=(f"{names[adherent]}<br>median %{{y:.1f}} %<br>"
                           f"middle half {group.q1_pct:.1f} % to {group.q3_pct:.1f} %<br>"
                           f"5th to 95th percentile {group.p05_pct:.1f} % to {group.p95_pct:.1f} %<br>"
                           f"{group.responders_30:,} of {group.assessable:,} improved by 30 % or more "
                           f"({pct_text(group.responder_share, 0)})<extra></extra>"),
        ))
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=categories)
    # the label on a white ground: where the boxes are wide (a phone) it crosses one
    fig.add_hline(y=30, line_dash="dot", line_color=GOOD, annotation_text="30 %: a moderate improvement",
                  annotation_position="top", annotation_bgcolor="rgba(255, 255, 255, 0.85)")
    fig.add_hline(y=0, line_color="#999")
    assessable = int(groups.assessable.sum())
    fig = styled(fig, "Does keeping to the daily course go with more relief?", "",
                 "Sustained improvement (%)",
                 subtitle=f"{n_courses(assessable)} with pain scores on two visit days; negative = worse<br>"
                          "box = middle half, whiskers = 5th to 95th percentile, dot = median")
    fig.update_layout(margin={"t": 100})
    return fig
