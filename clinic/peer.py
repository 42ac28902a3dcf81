"""The metrics of DESIGN.md written the way a competent pandas developer would: the benchmark's peer.

`python -m clinic bench` times the dashboard's SQL (`python -m clinic metrics --json`) next to this
straightforward, vectorised pandas implementation of the same definitions: the three tables are read
with one plain table scan each into DataFrames, then everything is sort / drop_duplicates / groupby /
transform over whole columns. There is no Python loop over rows, courses or patients.

It is checked to agree with the SQL and with the plain-Python reference (tests/test_peer.py), so the
timing compares like with like. It is not used by the dashboard.

    tables = peer.load(path)                         # three DataFrames
    per_course = peer.courses(tables, as_of, "pct30")
    report = peer.cohort_report(tables, as_of, by="therapist", relief_rule="pct30")
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

Z_95 = 1.959963984540054
DEFAULT_PLANNED = 10
DROPOUT_DAYS = 8            # "more than 7 days" = a difference of 8 days or more
RELIEF_RULES = ("pct30", "points2", "pct50")
GROUPS = ("therapist", "diagnosis", "start_month", "age_band", "sex", "site")
COURSE_FIELDS = (
    "course_id", "patient_id", "start_date", "planned_sessions", "therapist", "sessions_attended",
    "attended_days", "first_session_pain_before", "first_session_pain_after", "first_session_relief",
    "sustained_improvement_pct", "adherence", "adherent", "completed", "dropped_out",
    "longest_break_days",
)
_EPOCH = np.datetime64("1970-01-01", "D")


@dataclass(frozen=True)
class Tables:
    sessions: pd.DataFrame
    patients: pd.DataFrame
    courses: pd.DataFrame


def load(path: str | Path) -> Tables:
    """The three tables, each read whole (`select *`) into pandas."""
    import duckdb

    con = duckdb.connect(str(path), read_only=True)
    try:
        return Tables(*(con.table(name).df() for name in ("sessions", "patients", "courses")))
    finally:
        con.close()


def _days(dates: pd.Series) -> pd.Series:
    """Dates as whole day numbers (days since 1970-01-01), for date arithmetic on integers."""
    return pd.Series(dates.to_numpy().astype("datetime64[D]").astype("int64"), index=dates.index)


def _as_of_day(as_of: dt.date) -> int:
    return int((np.datetime64(as_of, "D") - _EPOCH).astype("int64"))


def _relief(before: pd.Series, after: pd.Series, rule: str) -> pd.Series:
    drop = before - after
    if rule == "pct30":
        relieved = 10 * drop >= 3 * before
    elif rule == "pct50":
        relieved = 10 * drop >= 5 * before
    elif rule == "points2":
        relieved = drop >= 2
    else:
        raise ValueError(f"unknown relief rule {rule!r}; use one of {', '.join(RELIEF_RULES)}")
    return relieved.astype("boolean").mask(before.isna() | after.isna() | (before == 0))


def _course_list(tables: Tables) -> pd.DataFrame:
    """Every course (from sessions, inferred, or courses.csv): start day, planned sessions, patient."""
    s = tables.sessions
    course_key = s["course_id"].fillna(s["inferred_course_id"]).astype("str")
    from_sessions = (pd.DataFrame({"course_id": course_key, "patient_id": s["patient_id"].astype("str"),
                                   "day": _days(s["session_date"])})
                     .groupby("course_id", sort=False)
                     .agg(session_patient=("patient_id", "first"), first_day=("day", "min")))
    listed = tables.courses.set_index(tables.courses["course_id"].astype("str"))
    listed = pd.DataFrame({"listed_patient": listed["patient_id"].astype("str"),
                           "listed_start": _days(listed["start_date"]),
                           "listed_planned": listed["planned_sessions"].astype("Int64")})
    out = from_sessions.join(listed, how="outer")
    out.index.name = "course_id"
    return pd.DataFrame({
        "patient_id": out["listed_patient"].fillna(out["session_patient"]),
        "start_day": out["listed_start"].fillna(out["first_day"]).astype("int64"),
        "planned_sessions": out["listed_planned"].fillna(DEFAULT_PLANNED).astype("int64"),
    })


def _summary(tables: Tables, as_of: dt.date, relief_rule: str) -> pd.DataFrame:
    """Per-course metrics as a DataFrame indexed by course_id (nullable dtypes), plus the
    improvement's integer parts for the responder counts; only courses started by as_of."""
    if relief_rule not in RELIEF_RULES:
        raise ValueError(f"unknown relief rule {relief_rule!r}; use one of {', '.join(RELIEF_RULES)}")
    d = _as_of_day(as_of)
    course = _course_list(tables)
    course = course[course["start_day"] <= d]

    s = tables.sessions
    rows = pd.DataFrame({
        "course_id": s["course_id"].fillna(s["inferred_course_id"]).astype("str"),
        "day": _days(s["session_date"]),
        # microseconds since midnight (converted by Arrow, not parsed as text); a missing time sorts first
        "time_us": s["session_time"].astype(pd.ArrowDtype(pa.time64("us"))).astype(pd.ArrowDtype(pa.int64()))
                                    .fillna(-1),
        "session_id": s["session_id"].astype("str"),
        "therapist": s["therapist"],
        "attended": s["status"].str.lower().eq("attended"),
        "before": s["pain_before"].astype("Int64"),
        "after": s["pain_after"].astype("Int64"),
    })
    rows = rows[(rows["day"] <= d) & rows["course_id"].isin(course.index)]
    rows = rows.sort_values(["course_id", "day", "time_us", "session_id"], kind="stable")
    attended = rows[rows["attended"]]

    first_row = rows.drop_duplicates("course_id").set_index("course_id")
    first = attended.drop_duplicates("course_id").set_index("course_id")
    scored = attended[attended["before"].notna()]
    base = scored.drop_duplicates("course_id", keep="first").set_index("course_id")
    last = scored.drop_duplicates("course_id", keep="last").set_index("course_id")
    days = attended.drop_duplicates(["course_id", "day"])[["course_id", "day"]]
    by_day = days.groupby("course_id")["day"]

    out = course.copy()
    out["therapist"] = first["therapist"].reindex(out.index).fillna(first_row["therapist"].reindex(out.index))
    out["sessions_attended"] = attended.groupby("course_id").size().reindex(out.index, fill_value=0)
    out["attended_days"] = by_day.size().reindex(out.index, fill_value=0)
    out["first_session_pain_before"] = first["before"].reindex(out.index)
    out["first_session_pain_after"] = first["after"].reindex(out.index)
    out["first_session_relief"] = _relief(out["first_session_pain_before"], out["first_session_pain_after"],
                                          relief_rule)

    baseline = base["before"].reindex(out.index)
    latest = last["before"].reindex(out.index)
    improves = (last["day"].reindex(out.index) > base["day"].reindex(out.index)) & (baseline >= 1)
    improves = improves.fillna(False).astype(bool)
    out["improvement_base"] = baseline.where(improves)
    out["improvement_last"] = latest.where(improves)
    out["sustained_improvement_pct"] = ((out["improvement_base"] - out["improvement_last"]).astype("Float64")
                                        / out["improvement_base"] * 100)

    # The adherence window [start, start + planned - 1], cut at as_of; the as-of day leaves it when
    # it is the window's last day and has no attended visit yet.
    visited_today = days[days["day"] == d].drop_duplicates("course_id").set_index("course_id").index
    window_end = np.minimum(out["start_day"] + out["planned_sessions"] - 1, d)
    window_end = window_end - ((window_end == d) & ~out.index.isin(visited_today)).astype("int64")
    window_days = window_end - out["start_day"] + 1
    days = days.join(out[["start_day"]], on="course_id").join(window_end.rename("window_end"), on="course_id")
    in_window = (days[(days["day"] >= days["start_day"]) & (days["day"] <= days["window_end"])]
                 .groupby("course_id").size().reindex(out.index, fill_value=0))
    rated = window_days > 0
    out["adherence"] = (in_window / window_days.where(rated)).astype("Float64")
    out["adherent"] = (5 * in_window >= 4 * window_days).astype("boolean").where(rated, pd.NA)

    out["completed"] = out["attended_days"] >= out["planned_sessions"]
    last_day = by_day.max().reindex(out.index).fillna(out["start_day"])
    out["dropped_out"] = ~out["completed"] & (d - last_day >= DROPOUT_DAYS)
    gaps = days.assign(gap=by_day.diff() - 1).groupby("course_id")["gap"].max()
    out["longest_break_days"] = gaps.reindex(out.index).fillna(0).astype("int64")

    out["start_date"] = _EPOCH + out["start_day"].to_numpy().astype("timedelta64[D]")
    out.index.name = "course_id"
    return (out.reset_index()
            .sort_values(["patient_id", "start_day", "course_id"], kind="stable")
            .reset_index(drop=True))


def courses(tables: Tables, as_of: dt.date, relief_rule: str = "pct30") -> pd.DataFrame:
    """One row per course counted as of `as_of` with the `courses --json` fields (nullable dtypes),
    sorted by patient_id, start_date, course_id."""
    return _summary(tables, as_of, relief_rule)[list(COURSE_FIELDS)]


def _age_band(start_year: pd.Series, birth_year: pd.Series) -> pd.Series:
    age = start_year - birth_year
    band = pd.Series(pd.NA, index=age.index, dtype="string")
    band = band.mask(age >= 0, "<30").mask(age >= 30, "30-44").mask(age >= 45, "45-59").mask(age >= 60, "60+")
    return band.mask(age.isna() | (age < 0), pd.NA)


def group_keys(summary: pd.DataFrame, patients: pd.DataFrame, by: str) -> pd.Series:
    """The cohort key of each course for a grouping (null where unknown or impossible)."""
    if by == "therapist":
        return summary["therapist"].astype("string")
    start = pd.Series(summary["start_date"].to_numpy(), index=summary.index)
    if by == "start_month":
        return start.dt.strftime("%Y-%m").astype("string")
    people = patients.set_index(patients["patient_id"].astype("str"))
    if by == "age_band":
        birth = people["birth_year"].astype("Int64").reindex(summary["patient_id"]).set_axis(summary.index)
        return _age_band(start.dt.year.astype("Int64"), birth)
    if by in ("diagnosis", "sex", "site"):
        return people[by].astype("string").reindex(summary["patient_id"]).set_axis(summary.index)
    raise ValueError(f"unknown grouping {by!r}; use one of {', '.join(GROUPS)}")


def cohort_frame(summary: pd.DataFrame, keys: pd.Series | None = None) -> pd.DataFrame:
    """The cohort metrics, one row per key (one row "overall" when keys is None), keys sorted with
    the null key last. Rates, medians and means with nothing to count are null."""
    frame = summary.assign(
        key=keys if keys is not None else "overall",
        relief_assessable=summary["first_session_relief"].notna(),
        relieved=summary["first_session_relief"].fillna(False).astype(bool),
        responder_30=(10 * (summary["improvement_base"] - summary["improvement_last"])
                      >= 3 * summary["improvement_base"]).fillna(False).astype(bool),
        responder_50=(10 * (summary["improvement_base"] - summary["improvement_last"])
                      >= 5 * summary["improvement_base"]).fillna(False).astype(bool),
        adherent_=summary["adherent"].fillna(False).astype(bool),
        improvement=summary["sustained_improvement_pct"].astype("float64"),
        adherence_=summary["adherence"].astype("float64"),
    )
    grouped = frame.groupby("key", dropna=False, sort=False)
    table = grouped.agg(
        courses=("course_id", "size"), patients=("patient_id", "nunique"),
        relief_assessable=("relief_assessable", "sum"), relieved=("relieved", "sum"),
        improvement_assessable=("improvement", "count"), median_improvement_pct=("improvement", "median"),
        responders_30=("responder_30", "sum"), responders_50=("responder_50", "sum"),
        mean_adherence=("adherence_", "mean"), adherent=("adherent_", "sum"),
        completed=("completed", "sum"), dropped_out=("dropped_out", "sum"),
    )
    n = table["relief_assessable"].to_numpy(dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        p = table["relieved"].to_numpy(dtype="float64") / n
        z2 = Z_95 * Z_95
        denominator = 1 + z2 / n
        centre = (p + z2 / (2 * n)) / denominator
        half = Z_95 * np.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator
    assessable = n > 0
    table["relief_rate"] = np.where(assessable, p, np.nan)
    table["ci_low"] = np.where(assessable, np.maximum(0.0, centre - half), np.nan)
    table["ci_high"] = np.where(assessable, np.minimum(1.0, centre + half), np.nan)
    table = table.reset_index()
    return table.sort_values("key", na_position="last", kind="stable").reset_index(drop=True)


def _value(value):
    """A cell as JSON-ready Python: None for missing, int / float / bool / str otherwise."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def _block(row: dict) -> dict:
    return {
        "courses": row["courses"], "patients": row["patients"],
        "first_session_relief": {"assessable": row["relief_assessable"], "relieved": row["relieved"],
                                 "rate": row["relief_rate"], "ci_low": row["ci_low"], "ci_high": row["ci_high"]},
        "sustained_improvement": {"assessable": row["improvement_assessable"],
                                  "median_pct": row["median_improvement_pct"],
                                  "responders_30": row["responders_30"], "responders_50": row["responders_50"]},
        "adherence": {"mean": row["mean_adherence"], "adherent": row["adherent"], "completed": row["completed"],
                      "dropped_out": row["dropped_out"]},
    }


def records(frame: pd.DataFrame) -> list[dict]:
    """A DataFrame as a list of JSON-ready dicts (dates as YYYY-MM-DD)."""
    frame = frame.copy()
    for column in frame.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[column]):
            frame[column] = frame[column].dt.strftime("%Y-%m-%d")
    return [{k: _value(v) for k, v in row.items()} for row in frame.astype(object).to_dict("records")]


def cohort_report(tables: Tables, as_of: dt.date, by: str | None = None, relief_rule: str = "pct30",
                  summary: pd.DataFrame | None = None) -> dict:
    """The `metrics --json` document computed with pandas."""
    summary = _summary(tables, as_of, relief_rule) if summary is None else summary
    overall = cohort_frame(summary)
    empty = {"courses": 0, "patients": 0, "relief_assessable": 0, "relieved": 0, "relief_rate": None,
             "ci_low": None, "ci_high": None, "improvement_assessable": 0, "median_improvement_pct": None,
             "responders_30": 0, "responders_50": 0, "mean_adherence": None, "adherent": 0, "completed": 0,
             "dropped_out": 0}
    groups = records(cohort_frame(summary, group_keys(summary, tables.patients, by))) if by else []
    return {
        "as_of": as_of.isoformat(),
        "by": by,
        "relief_rule": relief_rule,
        "overall": _block(records(overall)[0] if len(overall) else empty),
        "groups": [{"key": g["key"], **_block(g)} for g in groups],
    }


def compute(tables: Tables, as_of: dt.date, relief_rule: str = "pct30", by: str | None = None):
    """What the benchmark times: the per-course summary and the cohort metrics (overall, and by one
    grouping when `by` is given), as DataFrames, without turning them into JSON."""
    summary = _summary(tables, as_of, relief_rule)
    overall = cohort_frame(summary)
    groups = cohort_frame(summary, group_keys(summary, tables.patients, by)) if by else None
    return summary, overall, groups
