"""Metric definitions and their settings: thin Python over the queries in queries/.

All arithmetic lives in SQL: queries/course_summary.sql defines a course and its metrics,
queries/cohort_metrics.sql aggregates courses. This module validates settings, runs the queries
and shapes the results into the stable JSON of DESIGN.md.

Most courses are answered from the stored per-course facts (clinic/facts.py); the few that are still
open as of the date are computed once per (as-of date, relief rule) as an Arrow table
(`open_courses`) that every filtered query reads beside the facts, so the dashboard computes the
expensive part once, and the command line and the dashboard share one definition.
"""
from __future__ import annotations

import datetime as dt
import math

import pyarrow as pa

from clinic import db
from clinic.filters import COHORT_FIELDS, RELIEF_RULES, Filters
from clinic.settings import DEFAULT as DEFAULT_SETTINGS

GROUPS = tuple(COHORT_FIELDS)
Z_95 = 1.959963984540054    # Wilson interval, no continuity correction
ADHERENT_AT = 0.8           # proportion of days covered
RESPONDER_PCT = 30          # IMMPACT "moderate"
SUBSTANTIAL_PCT = 50
DROPOUT_AFTER_DAYS = 7      # more than 7 days without a visit
NEW_COURSE_AFTER_DAYS = 30  # course inference: more than 30 days between rows

__all__ = ["RELIEF_RULES", "GROUPS", "open_courses", "all_courses", "courses", "cohort_rows", "cohort_report", "Filters"]


def wilson(events: int, n: int, z: float = Z_95) -> tuple[float | None, float | None]:
    """The Wilson score interval of events/n (no continuity correction, clamped to [0, 1]), as
    queries/wilson.sql computes it; (None, None) when n is 0."""
    if not n:
        return None, None
    p = events / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def _finite(value):
    """JSON has no NaN: a float that is not finite would be a bug upstream, so refuse it loudly."""
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"non-finite metric value {value}")
    return value


# open_rows_from.sql's 'infinity' (DuckDB's date past every other), when no course is open as of the date.
NONE_OPEN = dt.date.max


def _list(of: pa.DataType) -> pa.DataType:
    return pa.list_(pa.field("l", of))


# The columns and types of queries/open_courses.sql (course_summary's, with the course number). When no
# course is open as of the date (as of today every course is settled, unless a booking lies ahead),
# open_courses() takes an empty table of these instead of running the query: DuckDB would plan the
# whole of course_summary (about 50 ms at 200,000 patients, on every page's first run) to return the
# same. tests/test_course_facts.py checks that these are the query's own.
_I32, _I64, _TEXT, _DATE, _BOOL = pa.int32(), pa.int64(), pa.string(), pa.date32(), pa.bool_()
OPEN_SCHEMA = pa.schema([
    ("course_id", _TEXT), ("patient_id", _TEXT), ("start_date", _DATE), ("planned_sessions", _I32),
    ("therapist", _TEXT), ("sessions_attended", _I64), ("attended_days", _I64), ("first_session_date", _DATE),
    ("first_session_pain_before", _I32), ("first_session_pain_after", _I32), ("first_session_relief", _BOOL),
    ("baseline_pain", _I32), ("last_pain", _I32), ("sustained_improvement_pct", pa.float64()),
    ("responder_30", _BOOL), ("responder_50", _BOOL), ("window_days", _I64), ("window_attended_days", _I64),
    ("adherence", pa.float64()), ("adherent", _BOOL), ("completed", _BOOL), ("dropped_out", _BOOL),
    ("ongoing", _BOOL), ("last_attended_date", _DATE), ("days_since_last_visit", _I64),
    ("longest_break_days", _I64), ("birth_year", _I32), ("age_years", _I64), ("age_band", _TEXT), ("sex", _TEXT),
    ("diagnosis", _TEXT), ("site", _TEXT), ("doctor_conclusion", _BOOL), ("imaging", _TEXT), ("blood_tests", _BOOL),
    ("referral_date", _DATE), ("start_month", _TEXT), ("session_therapists", _list(_TEXT)),
    ("acute_sessions", _I64), ("last_acute_date", _DATE), ("numbness_sessions", _I64),
    ("last_numbness_date", _DATE), ("first_row_date", _DATE), ("last_row_date", _DATE),
    ("scored_sessions", _I64), ("baseline_session", _I32), ("latest_session", _I32), ("latest_pain", _I32),
    ("latest_date", _DATE), ("red_flag_rising", _BOOL), ("last_rise_date", _DATE),
    ("last_rise_pains", _list(_I32)), ("pains_before", _list(_I32)), ("pains_after", _list(_I32)),
    ("session_dates", _list(_DATE)), ("first_session_acute", _BOOL), ("course_no", _I32),
])
# The same for queries/open_courses_cohort.sql: the columns cohort_metrics reads, in that query's order.
OPEN_COHORT_SCHEMA = pa.schema([OPEN_SCHEMA.field(name) for name in (
    "course_id", "patient_id", "start_date", "start_month", "therapist", "site", "diagnosis", "age_band", "sex",
    "session_therapists", "first_session_relief", "sustained_improvement_pct", "responder_30", "responder_50",
    "adherence", "window_days", "window_attended_days", "completed", "days_since_last_visit", "adherent",
    "dropped_out", "ongoing")])


def open_courses(con, filters: Filters, cohort_only: bool = False) -> pa.Table:
    """The courses counted as of filters.as_of that the stored facts do not settle, under
    filters.relief_rule: cut from the facts while they are up to date (queries/open_course_facts.sql),
    else computed from their session rows (then every course): the `open_courses` table of every
    filtered query. `cohort_only`: only the columns cohort_metrics reads
    (queries/open_courses_cohort.sql), for a caller that runs nothing else on it. With no course
    open, the empty table of OPEN_SCHEMA (or OPEN_COHORT_SCHEMA), without a query. With a
    planned-sessions setting other than the facts' 10, it also holds every course counted whose
    planned sessions courses.csv does not give (their window and completion differ from the facts')."""
    # The earliest row any open course has, as a value: DuckDB then skips older blocks of sessions.
    # (Both reads share one read-only connection, which no writer can change meanwhile.)
    rows_from = db.records(con, "open_rows_from", as_of=filters.as_of)[0]["rows_from"]
    planned = filters.settings.planned_sessions
    if planned != DEFAULT_SETTINGS.planned_sessions:
        if rows_from is None:
            # the facts are out of date: every course is computed from its rows, with that default
            return db.arrow(con, "open_courses_all", as_of=filters.as_of, relief_rule=filters.relief_rule,
                            planned_default=planned)
        # the stored facts hold the default planned sessions: the courses that courses.csv gives none
        # are cut from them with this one, beside the open courses (queries/open_course_facts.sql)
        return db.arrow(con, "open_courses_from_facts_cohort" if cohort_only else "open_courses_from_facts",
                        as_of=filters.as_of, relief_rule=filters.relief_rule, planned_default=planned)
    if rows_from == NONE_OPEN:
        return (OPEN_COHORT_SCHEMA if cohort_only else OPEN_SCHEMA).empty_table()
    if rows_from is not None:
        # the facts are up to date: the open courses are cut from them (queries/open_course_facts.sql),
        # a quarter of the time of computing them from their session rows at 200,000 patients
        return db.arrow(con, "open_courses_from_facts_cohort" if cohort_only else "open_courses_from_facts",
                        as_of=filters.as_of, relief_rule=filters.relief_rule, planned_default=None)
    return db.arrow(con, "open_courses_cohort" if cohort_only else "open_courses", as_of=filters.as_of,
                    relief_rule=filters.relief_rule, rows_from=rows_from)


def expected_paths(con, filters: Filters, table: pa.Table | None = None) -> pa.Table:
    """The `expected_paths` table (queries/expected_paths.sql) for `filters`: the 75th percentile of
    similar courses at each session number, for every group of the clinic, with the fewest courses
    to judge of these filters (clinic.trajectory.fewest_courses)."""
    table = open_courses(con, filters) if table is None else table
    # the month before which the stored score counts answer, as a value (score_months_before.sql)
    tables = {"open_courses": table, "clinic_settings": filters.settings.table()}
    counted = db.records(con, "score_months_before", as_of=filters.as_of, **tables)[0]["counted_before"]
    return db.arrow(con, "expected_paths", **tables, as_of=filters.as_of, relief_rule=filters.relief_rule,
                    min_cohort=filters.settings.fewest_courses(bool(filters.scope)), counted_before=counted)


def tables_for(con, filters: Filters, name: str, table: pa.Table | None = None,
               paths: dict | None = None) -> dict[str, pa.Table]:
    """The tables query `name` reads besides the filter set's: `open_courses`, and `expected_paths`
    when the query judges courses against their expected course. `paths`, a dict the caller keeps,
    holds the expected paths once worked out, for its later queries."""
    table = open_courses(con, filters) if table is None else table
    found = {"open_courses": table}
    if "expected_paths" in db.reads(name):
        paths = {} if paths is None else paths
        if "table" not in paths:
            paths["table"] = expected_paths(con, filters, table)
        found["expected_paths"] = paths["table"]
    return found


def reader(con, filters: Filters, table: pa.Table | None = None):
    """run(name, **params): queries/<name>.sql on `con` with the filter set and the tables it reads
    bound, uncached (the command line's and the tests' counterpart of ui.query). The open courses
    are worked out once, the expected paths once when first needed."""
    table = open_courses(con, filters) if table is None else table
    paths: dict = {}

    def run(name: str, **params):
        return db.run(con, name, **tables_for(con, filters, name, table, paths), **filters.params(), **params)
    return run


def all_courses(con, filters: Filters, table: pa.Table | None = None) -> pa.Table:
    """Every course counted as of filters.as_of under filters.relief_rule, unfiltered otherwise."""
    table = open_courses(con, filters) if table is None else table
    return db.arrow(con, "all_courses", open_courses=table, as_of=filters.as_of, relief_rule=filters.relief_rule,
                    clinic_settings=filters.settings.table())


def courses(con, filters: Filters, table: pa.Table | None = None) -> list[dict]:
    """Per-course metrics (the `courses --json` fields), sorted by patient_id, start_date, course_id."""
    table = open_courses(con, filters) if table is None else table
    rows = db.records(con, "courses", open_courses=table, **filters.params())
    return [{k: _finite(v) for k, v in row.items()} for row in rows]


def cohort_rows(con, filters: Filters, group: str | None = None, table: pa.Table | None = None,
                quartiles: bool = True) -> list[dict]:
    """One flat row per cohort value (one row for everything when group is None). With `quartiles`
    False the improvement quartiles are left null (the command line's JSON has no place for them)."""
    if group is not None and group not in GROUPS:
        raise ValueError(f"unknown grouping {group!r}; use one of {', '.join(GROUPS)}")
    table = open_courses(con, filters) if table is None else table
    return db.records(con, "cohort_metrics", open_courses=table, group=group or "overall", quartiles=quartiles,
                      **filters.params())


def block(row: dict | None) -> dict:
    """A cohort row in the nested shape of `metrics --json` (counts 0, the rest null, when empty)."""
    row = row or {}
    get = lambda k, default=None: _finite(row.get(k, default))  # noqa: E731
    return {
        "courses": get("courses", 0),
        "patients": get("patients", 0),
        "first_session_relief": {
            "assessable": get("relief_assessable", 0),
            "relieved": get("relieved", 0),
            "rate": get("relief_rate"),
            "ci_low": get("ci_low"),
            "ci_high": get("ci_high"),
        },
        "sustained_improvement": {
            "assessable": get("improvement_assessable", 0),
            "median_pct": get("median_improvement_pct"),
            "responders_30": get("responders_30", 0),
            "responders_50": get("responders_50", 0),
        },
        "adherence": {
            "mean": get("mean_adherence"),
            "adherent": get("adherent", 0),
            "completed": get("completed", 0),
            "dropped_out": get("dropped_out", 0),
        },
    }


def cohort_report(con, filters: Filters, by: str | None = None) -> dict:
    """The `metrics --json` document: {"as_of", "overall": {...}, "groups": [{"key", ...}]}."""
    table = open_courses(con, filters, cohort_only=True)
    overall = cohort_rows(con, filters, None, table, quartiles=False)
    groups = cohort_rows(con, filters, by, table, quartiles=False) if by else []
    return {
        "as_of": filters.as_of.isoformat(),
        "by": by,
        "relief_rule": filters.relief_rule,
        "overall": block(overall[0] if overall else None),
        "groups": [{"key": row["key"], **block(row)} for row in groups],
    }


def private_cohort(con, filters: Filters, group: str | None, viewer: str, table: pa.Table | None = None,
                   k: int | None = None) -> tuple[list[dict], dict]:
    """The whole clinic's cohort rows (and its total row) as therapist `viewer` may see them: small
    cells, and cells that could be recovered from the shown ones, suppressed (see clinic.privacy).

    The filters apply except the scope: this is the clinic-wide comparison.
    """
    from clinic import privacy

    k = k or privacy.min_cell_patients()
    clinic = filters.with_(scope=None)
    table = open_courses(con, clinic) if table is None else table
    rows = cohort_rows(con, clinic, group, table) if group else []
    total = (cohort_rows(con, clinic, None, table) or [{"key": None, "courses": 0, "patients": 0}])[0]
    params = {"open_courses": table, "viewer": viewer, **clinic.params()}
    cells = [privacy.Cell(r["key"], r["patients"], r["other_patients"])
             for r in (db.records(con, "cohort_privacy", group=group, **params) if group else [])]
    whole = db.records(con, "cohort_privacy", group="overall", **params)
    total_cell = privacy.Cell(None, whole[0]["patients"], whole[0]["other_patients"]) if whole else \
        privacy.Cell(None, 0, 0)

    def union(keys: frozenset) -> tuple[int, int]:
        found = db.records(con, "cohort_privacy_union", group=group, keys=[str(x) for x in keys if x is not None],
                           include_unknown=None in keys, **params)[0]
        return found["patients"], found["other_patients"]

    decision = privacy.suppress(cells, total_cell if total.get("courses") else None, k, union)
    shown = [privacy.mask(row, row["key"] in decision.hidden) for row in rows]
    return shown, privacy.mask(total, decision.total_hidden)
