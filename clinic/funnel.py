"""Funnel plots: each therapist's (or site's) rate against its number of courses, with control limits
around the clinic mean, so that a small caseload is not ranked as an outlier by noise alone.

The standard funnel plot (Spiegelhalter, "Funnel plots for comparing institutional performance",
Statistics in Medicine 2005) with the normal approximation of the binomial: for a unit with n
assessable courses, the limits around the clinic mean p0 are

    p0 ± z · sqrt(p0 · (1 − p0) / n),   clamped to [0, 1],

with z = 1.959963984540054 (95 %, about 1 unit in 20 outside by chance) and z = 3.090232306167813
(99.8 %, about 1 in 500). p0 is the rate over every assessable course of the filtered set, all units
together (courses with no therapist or site included).

Two measures: `relief` (first-session relief under the filters' relief rule, over the courses whose
first session can be judged) and `responder` (sustained improvement of 30 % or more, IMMPACT's
"moderate", over the courses with a sustained improvement).

A therapist's account sees the whole clinic's funnel (the filters without the scope) with every
other therapist as an unnamed point, and without the cells clinic.privacy suppresses on the Cohorts
page: small cells, and cells that could be recovered from the shown ones and the total.
"""
from __future__ import annotations

import math

from clinic import db
from clinic.filters import Filters
from clinic.metrics import wilson  # noqa: F401 - the one Wilson interval, used by the page's modules

Z_95 = 1.959963984540054
Z_998 = 3.090232306167813
UNITS = {"therapist": "Therapist", "site": "Site"}
MEASURES = {
    "relief": "First-session relief",
    "responder": "Responders (sustained improvement ≥ 30 %)",
}
# measure -> (the funnel_units column of its assessable courses, of its events)
_COLUMNS = {"relief": ("relief_assessable", "relieved"), "responder": ("improvement_assessable", "responders_30")}
# Curve points: every caseload up to this many courses, beyond it a geometric grid of as many points.
CURVE_POINTS = 400


class FunnelError(ValueError):
    """An unknown unit or measure; the message says which are known."""


def check(by: str, measure: str) -> None:
    if by not in UNITS:
        raise FunnelError(f"unknown unit {by!r}; use one of {', '.join(UNITS)}")
    if measure not in MEASURES:
        raise FunnelError(f"unknown measure {measure!r}; use one of {', '.join(MEASURES)}")


def limits(p0: float, n: int, z: float) -> tuple[float, float]:
    """(low, high): p0 ± z·sqrt(p0(1 − p0)/n), clamped to [0, 1]. n must be at least 1."""
    half = z * math.sqrt(p0 * (1.0 - p0) / n)
    return max(0.0, p0 - half), min(1.0, p0 + half)


def outside(rate: float | None, n: int, p0: float | None) -> str | None:
    """"above998" / "below998" when the rate is beyond the 99.8 % limit at n, else "above95" /
    "below95" beyond the 95 % limit, else None (within both, or nothing to judge). A rate on a limit
    is within it."""
    if rate is None or p0 is None or n < 1:
        return None
    for z, name in ((Z_998, "998"), (Z_95, "95")):
        low, high = limits(p0, n, z)
        if rate > high:
            return "above" + name
        if rate < low:
            return "below" + name
    return None




def curve_sizes(largest: int) -> list[int]:
    """The caseloads the limit curves are drawn at: 1, 2, … largest; past CURVE_POINTS courses a
    geometric grid of CURVE_POINTS sizes from 1 to largest (both included)."""
    if largest < 1:
        return []
    if largest <= CURVE_POINTS:
        return list(range(1, largest + 1))
    ratio = largest ** (1 / (CURVE_POINTS - 1))
    sizes = sorted({1, largest, *(min(largest, round(ratio ** i)) for i in range(CURVE_POINTS))})
    return sizes


def curve_point(p0: float, n: float) -> dict:
    """The 95 % and 99.8 % limits at caseload n, as one point of the limit curves."""
    low95, high95 = limits(p0, n, Z_95)
    low998, high998 = limits(p0, n, Z_998)
    return {"n": n, "limit95_low": low95, "limit95_high": high95, "limit998_low": low998, "limit998_high": high998}


def curve(p0: float | None, largest: int) -> list[dict]:
    """The limit curves: one point per caseload of curve_sizes(largest)."""
    if p0 is None:
        return []
    return [curve_point(p0, n) for n in curve_sizes(largest)]


def unit_row(key, n: int, events: int, p0: float | None, all_courses: int, min_cohort: int) -> dict:
    """One unit of the funnel: its counts, rate (with its Wilson interval) and the limits at its n."""
    rate = events / n if n else None
    ci_low, ci_high = wilson(events, n)
    row = {"key": key, "courses": n, "events": events, "rate": rate, "ci_low": ci_low, "ci_high": ci_high,
           "mean": p0, "limit95_low": None, "limit95_high": None, "limit998_low": None, "limit998_high": None,
           "outside": outside(rate, n, p0), "all_courses": all_courses, "too_few": n < min_cohort}
    if p0 is not None and n:
        row["limit95_low"], row["limit95_high"] = limits(p0, n, Z_95)
        row["limit998_low"], row["limit998_high"] = limits(p0, n, Z_998)
    return row


def from_counts(rows: list[dict], measure: str, min_cohort: int) -> dict:
    """The funnel of funnel_units rows: {"mean", "courses", "events", "units": [...], "curve": [...]}."""
    n_col, e_col = _COLUMNS[measure]
    total_n = sum(r[n_col] for r in rows)
    total_e = sum(r[e_col] for r in rows)
    p0 = total_e / total_n if total_n else None
    units = [unit_row(r["key"], r[n_col], r[e_col], p0, r["courses"], min_cohort) for r in rows]
    largest = max((u["courses"] for u in units), default=0)
    return {"mean": p0, "courses": total_n, "events": total_e, "units": units, "curve": curve(p0, largest)}


def unit_counts(con, filters: Filters, by: str, table=None) -> list[dict]:
    """queries/funnel_units.sql for the filters (the open courses computed when not given)."""
    from clinic import metrics

    table = metrics.open_courses(con, filters) if table is None else table
    return db.records(con, "funnel_units", open_courses=table, by=by, **filters.params())


def report(con, filters: Filters, by: str = "therapist", measure: str = "relief", table=None) -> dict:
    """The `funnel --json` document for the courses that pass the filters (scope included)."""
    check(by, measure)
    found = from_counts(unit_counts(con, filters, by, table), measure, filters.settings.min_cohort)
    return {"as_of": filters.as_of.isoformat(), "by": by, "measure": measure, "relief_rule": filters.relief_rule,
            "z95": Z_95, "z998": Z_998, "min_cohort": filters.settings.min_cohort, **found}


def private_report(con, filters: Filters, by: str, measure: str, viewer: str, table=None, k: int | None = None) -> dict:
    """The whole clinic's funnel (the filters without the scope) as therapist `viewer` may see it.

    Cells hidden by clinic.privacy (as on the Cohorts page: small cells, and those that could be
    recovered from the shown ones and the total) are left out and counted in `hidden_units`, of which
    `hidden_unrecorded` is 1 when the courses without a therapist (or site) are among them; with
    `by` = therapist, every other therapist is unnamed (key null, `own` false) and the units are
    sorted by caseload and rate, so their order names no one either. When the clinic total itself is
    hidden there is no mean and no unit (`total_hidden` true).
    """
    from clinic import metrics, privacy

    check(by, measure)
    k = k or privacy.min_cell_patients()
    clinic = filters.with_(scope=None)
    table = metrics.open_courses(con, clinic) if table is None else table
    cells, total = metrics.private_cohort(con, clinic, by, viewer, table, k)
    hidden = {c["key"] for c in cells if c["suppressed"]}
    found = from_counts(unit_counts(con, clinic, by, table), measure, filters.settings.min_cohort)
    base = {"as_of": filters.as_of.isoformat(), "by": by, "measure": measure, "relief_rule": filters.relief_rule,
            "z95": Z_95, "z998": Z_998, "min_cohort": filters.settings.min_cohort}
    if total["suppressed"]:
        return {**base, "mean": None, "courses": None, "events": None, "units": [], "curve": [],
                "hidden_units": len(found["units"]), "total_hidden": True,
                "hidden_unrecorded": int(any(u["key"] is None for u in found["units"]))}
    shown = []
    for unit in found["units"]:
        if unit["key"] in hidden:
            continue
        own = by == "therapist" and unit["key"] == viewer
        if by == "therapist" and not own:
            unit = {**unit, "key": None}
        shown.append({**unit, "own": own})
    if by == "therapist":
        shown.sort(key=lambda u: (not u["own"], u["courses"], -1 if u["rate"] is None else u["rate"]))
    largest = max((u["courses"] for u in shown), default=0)
    return {**base, "mean": found["mean"], "courses": found["courses"], "events": found["events"], "units": shown,
            "curve": curve(found["mean"], largest), "hidden_units": len(found["units"]) - len(shown),
            "hidden_unrecorded": int(None in hidden and any(u["key"] is None for u in found["units"])),
            "total_hidden": False}


# ---------------------------------------------------------------- the page's read

def for_page(path, filters: Filters, by: str, measure: str) -> dict:
    """The funnel the Fair comparison page shows: the director's for the filters, a therapist's
    (filters.scope set) the private clinic-wide one (private_report). Cached by every input."""
    from clinic import ui
    return ui.unit_report("funnel", filters, by, measure)
