"""Figures, tiles and table layouts of the Overview page (pure functions: no Streamlit inside)."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from clinic.settings import DEFAULT as DEFAULT_SETTINGS, Settings
from clinic.charts import AFTER, BAD, BAND, GOOD, NEUTRAL, n_courses, pct_text, period_running, styled

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
            hovertemplate=(f"First-session relief {pct_text(rate)}<br>95 % interval {pct_text(low)} – "
                           f"{pct_text(high)}<br>{relief['relieved']:,} of {relief['assessable']:,} assessable "
                           "courses<extra></extra>"),
            showlegend=False,
        ))
    fig.add_vline(x=CLAIM_THRESHOLD, line_dash="dash", line_color="#333",
                  annotation_text="the claim: most cases (> 50 %)", annotation_position="top left",
                  annotation_xshift=-4)   # clear of the line it names
    ticks = [t / 10 for t in range(0, 11, 2)]
    fig.update_xaxes(range=[0, 1], tickvals=ticks, ticktext=[pct_text(t, 0) for t in ticks])
    fig = styled(fig, "Is relief after the first session the rule?", "Share of courses with first-session relief (%)", "",
                  subtitle=f"Relief = {rule_text}<br>{n_courses(relief['assessable'])} assessable; "
                           "dot = rate, bar = 95 % Wilson interval",
                  height=290)
    fig.update_layout(margin={"t": 96})    # two subtitle lines
    return fig


def week_in_progress(weeks: pd.DataFrame, as_of=None, today=None) -> pd.Series:
    """Which rows of overview_weekly_pain are of a week still in progress: the week of the as-of date
    when the date is not its Sunday (`days_counted` below 7), and when it is, while that Sunday is
    today (period_running with `as_of` and `today`; without `as_of`, `days_counted` alone decides)."""
    partial = weeks.days_counted < 7 if "days_counted" in weeks else pd.Series(False, index=weeks.index)
    if as_of is not None and len(weeks):
        ends = pd.to_datetime(weeks.week_start) + pd.Timedelta(days=6)
        partial = partial | pd.Series([period_running(end, as_of, today) for end in ends], index=weeks.index)
    return partial


def weekly_pain(weeks: pd.DataFrame, courses: int, as_of=None, today=None) -> go.Figure:
    """Mean pain before sessions per calendar week, with a 95 % band and the sessions behind each point;
    `courses`: the courses whose scored sessions these are (each counted once, however many weeks).

    A week still in progress (week_in_progress) is not drawn like a full one: an open marker joined
    by a dotted segment, named in the legend and the subtitle.
    """
    partial = week_in_progress(weeks, as_of, today)
    full_weeks, open_weeks = weeks.loc[~partial], weeks.loc[partial]
    fig = go.Figure()
    # The band is drawn only where a week has an interval (two or more courses); a gap stays a gap.
    fig.add_trace(go.Scatter(x=weeks.week_start, y=weeks.ci_low, mode="lines", line={"width": 0},
                             hoverinfo="skip", showlegend=False, connectgaps=False))
    fig.add_trace(go.Scatter(x=weeks.week_start, y=weeks.ci_high, mode="lines", line={"width": 0},
                             fill="tonexty", fillcolor=BAND, hoverinfo="skip", connectgaps=False,
                             name="95 % interval of the mean"))
    fig.add_trace(go.Scatter(
        x=full_weeks.week_start, y=full_weeks.mean_pain, mode="lines+markers", line={"color": AFTER},
        name="Mean pain before sessions", customdata=full_weeks[["sessions", "courses"]].to_numpy(),
        hovertemplate="Week of %{x|%d %b %Y}<br>Mean pain %{y:.2f} / 10<br>%{customdata[0]:,} sessions, "
                      "%{customdata[1]:,} courses<extra></extra>",
    ))
    subtitle_note = ""
    if len(open_weeks):
        week = open_weeks.iloc[-1]
        days = int(week.days_counted)
        # all 7 days counted and the week still running: its Sunday is the as-of date, and today
        so_far = f"{days} of 7 days" if days < 7 else "today is its last day"
        state = f"{so_far} so far" if days < 7 else so_far
        if len(full_weeks):     # a dotted segment from the last full week into the one in progress
            last = full_weeks.iloc[-1]
            fig.add_trace(go.Scatter(x=[last.week_start, week.week_start], y=[last.mean_pain, week.mean_pain],
                                     mode="lines", line={"color": AFTER, "dash": "dot"}, hoverinfo="skip",
                                     showlegend=False, legendgroup="partial"))
        fig.add_trace(go.Scatter(
            x=[week.week_start], y=[week.mean_pain], mode="markers", legendgroup="partial",
            marker={"color": AFTER, "symbol": "circle-open", "size": 10, "line": {"width": 2}},
            name=f"This week so far ({so_far}, partial)",
            customdata=[[int(week.sessions), int(week.courses)]],
            hovertemplate=f"Week of %{{x|%d %b %Y}}, in progress: {state}<br>Mean pain %{{y:.2f}} / 10<br>"
                          "%{customdata[0]:,} sessions, %{customdata[1]:,} courses<extra></extra>",
        ))
        subtitle_note = f"<br>Open circle = the week in progress ({so_far}): a partial week, not yet comparable"
    fig.update_yaxes(range=[0, 10])
    fig.update_xaxes(dtick="M1", tickformat="%b %Y")
    total = int(weeks.sessions.sum()) if len(weeks) else 0
    fig = styled(fig, "Pain before sessions, week by week", "Week (starting Monday)",
                 "Mean pain before session (NRS 0–10)",
                 subtitle=f"{total:,} scored sessions of {n_courses(courses)}; each course counts once a week; "
                          "band = 95 % interval of the weekly mean" + subtitle_note)
    if subtitle_note:
        fig.update_layout(margin={"t": 104})    # two subtitle lines
    return fig


# ---------------------------------------------------------------- the headline tiles

# One name per metric, the same on every page.
COURSES, PATIENTS = "Courses", "Patients"
RELIEF = "First-session relief"
SUSTAINED = "Median sustained improvement"
RESPONDERS = "Responders (≥ 30 % better)"
ADHERENCE = "Mean adherence"
DROPOUT = "Drop-out rate"
TILE_LABELS = (COURSES, PATIENTS, RELIEF, SUSTAINED, ADHERENCE, DROPOUT)
TILE_WIDTH_PX = 255     # two tiles side by side still fit the page at 1,000 px with a scroll bar


@dataclass(frozen=True)
class Tile:
    label: str
    value: str
    note: str | None      # the line under the value: a fact about it, never a change (no arrow)
    help: str


def pct(value, digits: int = 0) -> str:
    """A ratio 0–1 as per cent text; "—" when there is nothing to count."""
    return "—" if value is None or pd.isna(value) else pct_text(value, digits)


def dropout_rate(summary: dict) -> float | None:
    courses = summary["courses"]
    return summary["adherence"]["dropped_out"] / courses if courses else None


def headline_values(summary: dict) -> dict[str, str]:
    """The figure of each tile, as shown, from a cohort block (the nested shape of `metrics --json`)."""
    median = summary["sustained_improvement"]["median_pct"]
    return {
        COURSES: f"{summary['courses']:,}",
        PATIENTS: f"{summary['patients']:,}",
        RELIEF: pct(summary["first_session_relief"]["rate"]),
        SUSTAINED: "—" if median is None or pd.isna(median) else f"{median:.0f} %",
        ADHERENCE: pct(summary["adherence"]["mean"]),
        DROPOUT: pct(dropout_rate(summary)),
    }


def _spread(row: dict | None) -> str:
    """The interquartile range of sustained improvement in a cohort row, as a sentence (or nothing)."""
    low, high = (row or {}).get("improvement_q1_pct"), (row or {}).get("improvement_q3_pct")
    if low is None or high is None or pd.isna(low) or pd.isna(high):
        return ""
    return f" Interquartile range {low:.1f} % – {high:.1f} % (the middle half of the courses)."


def _interval(row: dict | None, low: str, high: str) -> str:
    low, high = (row or {}).get(low), (row or {}).get(high)
    if low is None or high is None or pd.isna(low) or pd.isna(high):
        return ""
    return f" 95 % Wilson interval {pct(low, 1)} – {pct(high, 1)}."


def tiles(summary: dict, rule_label: str, rule_text: str, chosen: Settings = DEFAULT_SETTINGS,
          row: dict | None = None) -> list[Tile]:
    """The six headline tiles of a cohort block, in the order shown. `row`, the same cohort's flat
    row (queries/cohort_metrics.sql), adds the spread and intervals the block does not hold."""
    relief = summary["first_session_relief"]
    improvement = summary["sustained_improvement"]
    adherence = summary["adherence"]
    courses = summary["courses"]
    active = courses - adherence["completed"] - adherence["dropped_out"]
    values = headline_values(summary)
    responders = improvement["responders_30"] / improvement["assessable"] if improvement["assessable"] else None
    return [
        Tile(COURSES, values[COURSES], f"{active:,} active now",
             "Courses that match the filters and started by the as-of date; active = neither completed nor "
             "dropped out."),
        Tile(PATIENTS, values[PATIENTS],
             None if not summary["patients"] else f"{courses / summary['patients']:.2f} courses each",
             "Distinct patients among those courses; courses each = courses ÷ patients (a patient may come back "
             "for another course)."),
        Tile(RELIEF, values[RELIEF], f"rule: {rule_label}",
             f"{relief['relieved']:,} of {relief['assessable']:,} assessable courses "
             f"({pct(relief['rate'], 1)}): {rule_text}. 95 % Wilson "
             f"interval {pct(relief['ci_low'], 1)} – {pct(relief['ci_high'], 1)}."),
        Tile(SUSTAINED, values[SUSTAINED], f"{RESPONDERS}: {pct(responders)}",
             "The median over courses of each course's sustained improvement: pain before its first scored visit "
             "vs before its last scored visit on a later day, in % of the first (negative = worse), over "
             f"{improvement['assessable']:,} courses with two such days. {RESPONDERS}: "
             f"{improvement['responders_30']:,} of those {improvement['assessable']:,} courses improved by 30 % "
             "or more." + _spread(row)),
        Tile(ADHERENCE, values[ADHERENCE], f"{adherence['adherent']:,} courses at {chosen.adherence_pct} % or more",
             "The mean over courses of the share of each daily course's days so far with a visit."
             + (f" Adherent: {adherence['adherent']:,} of {row['rated_courses']:,} rated courses."
                if row and row.get("rated_courses") else "")
             + _interval(row, "adherent_ci_low", "adherent_ci_high")),
        Tile(DROPOUT, values[DROPOUT], f"{adherence['dropped_out']:,} of {courses:,} courses",
             f"Share of courses not completed and with no visit for more than {chosen.dropout_gap_days} days."
             + _interval(row, "dropout_ci_low", "dropout_ci_high")),
    ]


def benchmarks(clinic: dict | None, hidden_text: str | None = None) -> dict[str, str]:
    """The clinic's figure for each tile, to show beside a selection's ("clinic: 33 %"). `clinic` is a
    cohort block; `hidden_text` (privacy.HIDDEN) when the clinic total is suppressed for a therapist:
    then no figure at all. Empty when there is nothing to compare with."""
    if hidden_text:
        return {label: f"clinic: {hidden_text}" for label in TILE_LABELS}
    if clinic is None:
        return {}
    return {label: f"clinic: {value}" for label, value in headline_values(clinic).items()}


# ---------------------------------------------------------------- the lists to act on

# Columns in the order shown: the patient to look up and the link to open first, then what decides
# (days since the last visit, or when the flag was raised), the therapist, then the rest.
CALL_COLUMNS = ("patient_id", "link", "days_since_last_visit", "therapist", "last_attended_date",
                "sessions_attended", "sessions_left", "planned_sessions", "start_date", "course_id")
ATTENTION_COLUMNS = {
    "not_seen": ("patient_id", "link", "days_since_last_visit", "therapist", "last_attended_date",
                 "sessions_attended", "planned_sessions", "start_date", "course_id"),
    "no_conclusion": ("patient_id", "link", "start_date", "therapist", "days_since_last_visit",
                      "last_attended_date", "sessions_attended", "planned_sessions", "ongoing", "course_id"),
    "acute_inflammation": ("patient_id", "link", "last_flagged_date", "therapist", "flagged_sessions",
                           "days_since_last_visit", "last_attended_date", "sessions_attended", "planned_sessions",
                           "ongoing", "start_date", "course_id"),
    "numbness": ("patient_id", "link", "last_flagged_date", "therapist", "flagged_sessions",
                 "days_since_last_visit", "last_attended_date", "sessions_attended", "planned_sessions",
                 "ongoing", "start_date", "course_id"),
}


def ordered(rows: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """The rows with only these columns, in this order (those the frame lacks are left out)."""
    return rows[[c for c in columns if c in rows.columns]]
