"""Time to relief: a Kaplan–Meier curve of the attended sessions (or days) until a course first
reaches relief, by cohort, with the median and its 95 % interval.

Definitions (queries/relief_time_rows.sql gives the per-course facts, relief_time_counts.sql counts
the courses by time):
- b0 is the pain before the course's first attended session. Relief at attended session k means the
  pain after session k meets the relief rule in use against b0 (pct30: 10 × (b0 − a_k) ≥ 3 × b0;
  points2: b0 − a_k ≥ 2; pct50: 2 × (b0 − a_k) ≥ b0; integers compared exactly). The time is the
  first such k. A course without relief so far is censored at its number of attended sessions as of
  the as-of date.
- A session without a pain-after score cannot show relief; the course goes on (it may show relief
  at a later session).
- Courses whose first session cannot be judged for relief (b0 or the first pain-after missing, or
  b0 = 0) are left out and counted as `not_assessable`; courses with no attended session yet are
  left out and counted as `no_attended_session`. So the courses on the curve are exactly those of
  the first-session relief rate, and the curve after session 1 is 1 − that rate.
- In days: day 0 is the course's start date (or its first attended date, when a session came
  before a start date given in courses.csv). The time is the relief session's day; a course without
  relief is censored at its last attended day, the last day its pain was seen.

The curve is the Kaplan–Meier estimate with Greenwood's standard error, and the median with its
95 % interval, computed as statsmodels' SurvfuncRight, quantile and quantile_ci compute them, but from
the count of courses at each time (a network's millions of courses come back from DuckDB as a few
thousand counts; SurvfuncRight's frequency weights would change the standard error to Tsiatis'). The
tests check the two agree to the last digit. The pointwise 95 % interval of survival uses the log-log
transform (log(−log S) ± z·se / (S·|log S|)), the same transform quantile_ci uses for the median's
interval, so the two agree: the median's interval holds the times whose pointwise interval contains
50 %.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pyarrow as pa

from clinic import db, metrics
from clinic.filters import COHORT_FIELDS, Filters

Z_95 = metrics.Z_95
UNITS = {   # unit: (event time column, censoring time column)
    "sessions": ("relief_session", "sessions_attended"),
    "days": ("relief_days", "followed_days"),
}
STEP_FIELDS = ("at_risk", "events", "censored", "survival", "ci_low", "ci_high")


def course_counts(con, filters: Filters, by: str | None, unit: str, table: pa.Table | None = None) -> pd.DataFrame:
    """The matching courses counted by key, curve status, time in `unit` and relief
    (queries/relief_time_counts.sql; key null without `by`)."""
    if by is not None and by not in COHORT_FIELDS:
        raise ValueError(f"unknown grouping {by!r}; use one of {', '.join(COHORT_FIELDS)}")
    table = metrics.open_courses(con, filters) if table is None else table
    return db.frame(con, "relief_time_counts", open_courses=table, group=by or "none", unit=unit,
                    **filters.params())


def _loglog_interval(survival: float, se: float) -> tuple[float | None, float | None]:
    """The pointwise 95 % interval of S on the log-log scale; (1, 1) before any event, None at S = 0."""
    if survival >= 1.0:
        return 1.0, 1.0
    if survival <= 0.0 or not math.isfinite(se):
        return None, None
    theta = Z_95 * se / (survival * math.log(survival))       # negative: log S < 0
    return survival ** math.exp(-theta), survival ** math.exp(theta)


def _number(value):
    """A statsmodels time as a JSON number: whole times as int, nan/inf (not reached) as None."""
    if value is None or not math.isfinite(float(value)):
        return None
    return int(value) if float(value).is_integer() else float(value)


def _kaplan_meier(n: np.ndarray, d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Survival and its standard error (Greenwood) after each time with an event, from the courses at
    risk (n) and with relief (d) there: statsmodels' _calc_survfunc_right without weights, step by step."""
    n, d = n.astype(np.float64), d.astype(np.float64)
    sp = 1 - d / n
    tiny = sp < 1e-16
    sp[tiny] = 1e-16
    sp = np.exp(np.cumsum(np.log(sp)))
    sp[tiny] = 0
    denom = np.clip(n * (n - d), 1e-12, np.inf)
    se = d / denom
    se[(n == d) | (n == 0)] = np.nan
    se = np.sqrt(np.cumsum(se))
    finite = np.isfinite(se) | (sp != 0)
    se[finite] *= sp[finite]
    se[~finite] = np.nan
    return sp, se


def _median_ci(times: np.ndarray, sp: np.ndarray, se: np.ndarray) -> tuple[float, float]:
    """The 95 % interval of the median on the log-log scale, as statsmodels' quantile_ci(0.5)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        r = (np.log(-np.log(sp)) - np.log(-np.log(0.5))) / ((-1 / (sp * np.log(sp))) * se)
    inside = np.flatnonzero(np.abs(r) <= Z_95)
    if len(inside) == 0:
        return np.nan, np.nan
    high = np.inf if inside[-1] == len(times) - 1 else times[inside[-1] + 1]
    return times[inside[0]], high


def km(times, events, courses=None) -> dict:
    """The Kaplan–Meier curve of (time, event) pairs, each standing for `courses` courses (one each
    when not given): steps at every time where a course had relief or was censored, with the courses
    at risk just before it, and the median with its 95 % interval.

    Returns {"steps": [{"time", "at_risk", "events", "censored", "survival", "ci_low", "ci_high"}],
    "median", "median_ci_low", "median_ci_high"} (None where not reached)."""
    times = np.asarray(times, dtype=np.int64)
    events = np.asarray(events, dtype=np.int64)
    courses = np.ones(len(times), dtype=np.int64) if courses is None else np.asarray(courses, dtype=np.int64)
    empty = {"steps": [], "median": None, "median_ci_low": None, "median_ci_high": None}
    if courses.sum() == 0:
        return empty
    # each distinct time once: how many courses end there, how many of them with relief, how many before it
    distinct, at = np.unique(times, return_inverse=True)
    ending = np.bincount(at, weights=courses, minlength=len(distinct)).astype(np.int64)
    relieved = np.bincount(at, weights=events * courses, minlength=len(distinct)).astype(np.int64)
    ending_kept = ending > 0
    distinct, ending, relieved = distinct[ending_kept], ending[ending_kept], relieved[ending_kept]
    at_risk = int(ending.sum()) - (np.cumsum(ending) - ending)
    with_event = relieved > 0
    event_times = distinct[with_event]
    sp, se = _kaplan_meier(at_risk[with_event], relieved[with_event])
    by_time = {int(t): (float(s), float(e)) for t, s, e in zip(event_times, sp, se)}
    steps, survival, interval = [], 1.0, (1.0, 1.0)
    for t, n_end, n_relieved, n_risk in zip(distinct, ending, relieved, at_risk):
        if int(t) in by_time:
            survival, error = by_time[int(t)]
            interval = _loglog_interval(survival, error)
        steps.append({
            "time": int(t),
            "at_risk": int(n_risk),
            "events": int(n_relieved),
            "censored": int(n_end - n_relieved),
            "survival": survival,
            "ci_low": interval[0],
            "ci_high": interval[1],
        })
    below = np.flatnonzero(sp < 0.5)                      # statsmodels' quantile(0.5): a strict inequality
    median = event_times[below[0]] if len(below) else np.nan
    low, high = _median_ci(event_times, sp, se) if len(event_times) else (np.nan, np.nan)
    low, high = float(low), float(high)
    unanswered = math.isnan(low) and math.isnan(high)
    median, low, high = _number(median), _number(low), _number(high)
    if median is not None and unanswered:
        # No time's interval holds 50 %: the curve passes 50 % within one step, which is the interval.
        low = high = median
    return {"steps": steps, "median": median, "median_ci_low": low, "median_ci_high": high}


def block(frame: pd.DataFrame, key, unit: str, min_cohort: int) -> dict:
    """One group's JSON block (relief_time_counts rows): counts, the steps (`sessions` or `days`) and
    the median."""
    status = frame.curve_status.to_numpy(dtype=object)
    courses = frame.courses.to_numpy(dtype="int64")
    counted = status == "counted"
    relieved = frame.relieved.to_numpy(dtype=bool)[counted]
    curve = km(frame.time[counted].to_numpy(dtype="int64"), relieved.astype("int64"), courses[counted])
    steps = [{unit: s["time"], **{f: s[f] for f in STEP_FIELDS}} for s in curve["steps"]]
    on_curve = int(courses[counted].sum())
    return {
        "key": key,
        "courses": on_curve,
        "relieved": int(courses[counted][relieved].sum()),
        "not_assessable": int(courses[status == "not_assessable"].sum()),
        "no_attended_session": int(courses[status == "no_attended_session"].sum()),
        "too_few": bool(on_curve < min_cohort),
        f"median_{unit}": curve["median"],
        "median_ci_low": curve["median_ci_low"],
        "median_ci_high": curve["median_ci_high"],
        "steps": steps,
    }


def _key(value):
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    return str(value)


def report(con, filters: Filters, by: str | None = None, unit: str = "sessions",
           table: pa.Table | None = None) -> dict:
    """The `time-to-relief --json` document: {"as_of", "by", "unit", "relief_rule", "settings",
    "overall": block, "groups": [block, ...]} (groups sorted by key, null last; empty without `by`)."""
    if unit not in UNITS:
        raise ValueError(f"unknown unit {unit!r}; use sessions or days")
    table = metrics.open_courses(con, filters) if table is None else table
    rows = course_counts(con, filters, by, unit, table)    # the matching courses counted, with their group's key
    groups = []
    if by:
        keys = [_key(k) for k in rows.key]
        rows = rows.assign(group_key=pd.Series(keys, index=rows.index, dtype="object"))
        ordered = sorted({k for k in keys if k is not None}) + ([None] if None in keys else [])
        for key in ordered:
            part = rows.loc[rows.group_key.isna()] if key is None else rows.loc[rows.group_key == key]
            groups.append(block(part, key, unit, filters.settings.min_cohort))
    return {
        "as_of": filters.as_of.isoformat(),
        "by": by,
        "unit": unit,
        "relief_rule": filters.relief_rule,
        "settings": filters.settings.as_dict(),
        "overall": block(rows, None, unit, filters.settings.min_cohort),
        "groups": groups,
    }


# ---------------------------------------------------------------- the dashboard's cached reads

_cached = {}


def _dashboard_reads() -> dict:
    """The cached readers of the page, made on first use (so the command line never imports Streamlit)."""
    if not _cached:
        from pathlib import Path

        import streamlit as st

        from clinic import relief_lasting, store, ui

        @st.cache_data(ttl=600, max_entries=64, show_spinner=False)
        def curves(path: str, data_version: str, filters: Filters, by: str | None, unit: str) -> dict:
            table = ui.open_courses_table(path, data_version, filters)
            with store.reading(Path(path)) as con:
                return report(con, filters, by, unit, table)

        @st.cache_data(ttl=600, max_entries=64, show_spinner=False)
        def lasting(path: str, data_version: str, filters: Filters) -> dict:
            table = ui.open_courses_table(path, data_version, filters)
            with store.reading(Path(path)) as con:
                return relief_lasting.report(con, filters, table)

        _cached.update(curves=curves, lasting=lasting)
    return _cached


def dashboard_report(filters: Filters, by: str | None, unit: str) -> dict:
    """The time-to-relief report for this run's database, cached like every dashboard read
    (clinic.ui): keyed by the database path, its data version and the whole Filters."""
    from clinic import ui

    path = ui._run.path
    with ui.friendly_errors():
        return _dashboard_reads()["curves"](str(path), ui.version(path), filters, by, unit)


def dashboard_lasting(filters: Filters) -> dict:
    """The relief-lasting report (clinic.relief_lasting) for this run's database, cached the same way."""
    from clinic import ui

    path = ui._run.path
    with ui.friendly_errors():
        return _dashboard_reads()["lasting"](str(path), ui.version(path), filters)
