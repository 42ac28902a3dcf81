"""Does the relief last? The clinic promises relief after the first session "provided that you follow
the recommendations and continue the course". Two views:

1. For courses with first-session relief (the rule in use): b1, a1 = pain before and after the
   first attended session, b2 = pain before the second. The share of the drop that remains at the
   next visit is (b1 − b2) / (b1 − a1): 1 = all of it (or more: b2 ≤ a1, "whole drop stayed"),
   0 or less = pain back at or above b1 ("pain returned"), in between "part stayed". Relief implies
   b1 − a1 > 0, so the share is always defined. Courses without a second attended session yet, or
   whose second session has no pain-before score, are counted apart.
2. Sustained improvement (DESIGN.md: first against last pain-before score, responder ≥ 30 %) of
   adherent against non-adherent courses, adherence judged with the threshold in use
   (queries/relief_lasting_adherence.sql, with the Wilson 95 % interval of the responder rate).

Medians come with quartiles (linear between the two nearest values, as DuckDB's quantile_cont);
means with a t-based 95 % interval (null with fewer than two values). A group with fewer than
settings.min_cohort courses behind its figure is marked too few to judge.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pyarrow as pa
from scipy import stats

from clinic import db, metrics
from clinic.filters import Filters

OUTCOMES = ("whole", "part", "returned")
OUTCOME_LABELS = {
    "whole": "Whole drop stayed (b2 ≤ a1)",
    "part": "Part of the drop stayed (a1 < b2 < b1)",
    "returned": "Pain returned to or above b1 (b2 ≥ b1)",
}


def _float(value):
    if value is None or pd.isna(value):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def course_rows(con, filters: Filters, table: pa.Table | None = None) -> pd.DataFrame:
    table = metrics.open_courses(con, filters) if table is None else table
    return db.frame(con, "relief_lasting_courses", open_courses=table, **filters.params())


def mean_interval(values) -> dict:
    """{"n", "mean", "ci_low", "ci_high"}: the mean with its t-based 95 % interval (null when n < 2)."""
    values = np.asarray(values, dtype="float64")
    n = len(values)
    if n == 0:
        return {"n": 0, "mean": None, "ci_low": None, "ci_high": None}
    mean = float(values.mean())
    if n < 2:
        return {"n": 1, "mean": mean, "ci_low": None, "ci_high": None}
    half = float(stats.t.ppf(0.975, n - 1) * values.std(ddof=1) / math.sqrt(n))
    return {"n": n, "mean": mean, "ci_low": mean - half, "ci_high": mean + half}


def quartiles(values) -> dict:
    values = np.asarray(values, dtype="float64")
    if len(values) == 0:
        return {"median": None, "q1": None, "q3": None}
    q1, median, q3 = np.percentile(values, [25, 50, 75])
    return {"median": float(median), "q1": float(q1), "q3": float(q3)}


def drop_kept(frame: pd.DataFrame, min_cohort: int) -> dict:
    """The "does the first-session drop last until the next visit" block from relief_lasting_courses
    rows (each standing for `courses` courses)."""
    relieved = frame.loc[frame.first_session_relief.fillna(False).astype(bool)]
    courses = relieved.courses.to_numpy(dtype="int64")
    second = relieved.second_session.to_numpy(dtype=bool)
    scored = relieved.pain_before_2.notna().to_numpy(dtype=bool)
    paired = relieved.loc[scored]
    # each course once: the counted rows repeated by their counts
    b1 = np.repeat(paired.pain_before_1.to_numpy(dtype="int64"), courses[scored])
    a1 = np.repeat(paired.pain_after_1.to_numpy(dtype="int64"), courses[scored])
    b2 = np.repeat(paired.pain_before_2.to_numpy(dtype="int64"), courses[scored])
    shares = (b1 - b2) / (b1 - a1)
    # where pain stood at the next visit, by exact integer comparison: the whole drop stayed when
    # b2 <= a1, else pain returned when b2 >= b1, else part of the drop stayed
    whole = b2 <= a1
    returned = ~whole & (b2 >= b1)
    counts = {"whole": int(whole.sum()), "returned": int(returned.sum()), "part": int((~whole & ~returned).sum())}
    share = quartiles(shares)
    return {
        "relieved_courses": int(courses.sum()),
        "courses": int(len(b1)),
        "no_second_session": int(courses[~second].sum()),
        "second_score_missing": int(courses[second & ~scored].sum()),
        "too_few": bool(len(b1) < min_cohort),
        "share_kept": {"median": share["median"], "q1": share["q1"], "q3": share["q3"]},
        "pain_before_1": mean_interval(b1),
        "pain_after_1": mean_interval(a1),
        "pain_before_2": mean_interval(b2),
        "outcomes": {kind: counts[kind] for kind in OUTCOMES},
    }


def adherence_rows(con, filters: Filters, table: pa.Table | None = None) -> list[dict]:
    table = metrics.open_courses(con, filters) if table is None else table
    return db.records(con, "relief_lasting_adherence", open_courses=table,
                      adherence_pct=filters.settings.adherence_pct, **filters.params())


def adherence_block(row: dict, min_cohort: int) -> dict:
    return {
        "adherent": bool(row["adherent"]),
        "courses": int(row["courses"]),
        "assessable": int(row["assessable"]),
        "responders": int(row["responders"]),
        "responder_rate": _float(row["responder_rate"]),
        "ci_low": _float(row["ci_low"]),
        "ci_high": _float(row["ci_high"]),
        "median_pct": _float(row["median_pct"]),
        "q1_pct": _float(row["q1_pct"]),
        "q3_pct": _float(row["q3_pct"]),
        "too_few": bool(int(row["assessable"]) < min_cohort),
    }


def report(con, filters: Filters, table: pa.Table | None = None) -> dict:
    """The `relief-lasting --json` document."""
    table = metrics.open_courses(con, filters) if table is None else table
    min_cohort = filters.settings.min_cohort
    return {
        "as_of": filters.as_of.isoformat(),
        "relief_rule": filters.relief_rule,
        "settings": filters.settings.as_dict(),
        "drop_kept": drop_kept(course_rows(con, filters, table), min_cohort),
        "sustained_by_adherence": [adherence_block(r, min_cohort) for r in adherence_rows(con, filters, table)],
    }
