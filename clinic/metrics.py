"""Metric definitions and their settings: thin Python over queries/course_summary.sql and friends.

All arithmetic lives in SQL (queries/); this module validates settings, runs the queries and shapes
the results into the stable JSON of DESIGN.md.
"""
from __future__ import annotations

import datetime as dt
import math

from clinic import db

RELIEF_RULES = {
    "pct30": "pain falls by at least 30 % after the first session",
    "points2": "pain falls by at least 2 points after the first session",
    "pct50": "pain falls by at least 50 % after the first session",
}
GROUPS = ("therapist", "diagnosis", "start_month", "age_band", "sex", "site")
Z_95 = 1.959963984540054
ADHERENT_AT = 0.8           # proportion of days covered
RESPONDER_PCT = 30          # IMMPACT "moderate"
SUBSTANTIAL_PCT = 50
DROPOUT_AFTER_DAYS = 7      # more than 7 days without a visit
NEW_COURSE_AFTER_DAYS = 30  # course inference: more than 30 days between rows


def _check(as_of: dt.date, relief_rule: str) -> None:
    if not isinstance(as_of, dt.date):
        raise TypeError("as_of must be a date")
    if relief_rule not in RELIEF_RULES:
        raise ValueError(f"unknown relief rule {relief_rule!r}; use one of {', '.join(RELIEF_RULES)}")


def _finite(value):
    """JSON has no NaN: a float that is not finite would be a bug upstream, so refuse it loudly."""
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"non-finite metric value {value}")
    return value


def courses(con, as_of: dt.date, relief_rule: str = "pct30") -> list[dict]:
    """Per-course metrics as plain values, sorted by patient_id, start_date, course_id."""
    _check(as_of, relief_rule)
    rows = db.records(con, "courses", as_of=as_of, relief_rule=relief_rule)
    return [{k: _finite(v) for k, v in row.items()} for row in rows]


def _block(row: dict | None) -> dict:
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


def cohort_rows(con, as_of: dt.date, group: str | None = None, relief_rule: str = "pct30") -> list[dict]:
    """One flat row per cohort value (or one row for everything when group is None)."""
    _check(as_of, relief_rule)
    if group is not None and group not in GROUPS:
        raise ValueError(f"unknown grouping {group!r}; use one of {', '.join(GROUPS)}")
    return db.records(con, "cohort_metrics", as_of=as_of, relief_rule=relief_rule, group=group or "overall")


def cohort_report(con, as_of: dt.date, by: str | None = None, relief_rule: str = "pct30") -> dict:
    """The `metrics --json` document: {"as_of", "overall": {...}, "groups": [{"key", ...}]}."""
    overall = cohort_rows(con, as_of, None, relief_rule)
    groups = cohort_rows(con, as_of, by, relief_rule) if by else []
    return {
        "as_of": as_of.isoformat(),
        "by": by,
        "relief_rule": relief_rule,
        "overall": _block(overall[0] if overall else None),
        "groups": [{"key": row["key"], **_block(row)} for row in groups],
    }
