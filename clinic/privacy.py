"""Clinic-wide cohort figures a therapist may see without learning about anyone else's patients.

A therapist sees their own courses in full, and may compare them with the whole clinic's cohorts.
A clinic-wide cell (a therapist, a site, an age band … or the clinic total) is suppressed — shown
as "hidden", with no counts and no rates — when

1. it covers fewer than MIN_CELL_PATIENTS patients (CMS's cell-size rule; CLINIC_MIN_CELL_PATIENTS
   changes it), or
2. the patients in it that the therapist does not treat number 1 to MIN_CELL_PATIENTS − 1: the
   therapist knows their own part of the cell, so the cell minus their own part would describe a
   handful of other people's patients;

and, wherever a total is shown, a second cell (then a third …, the smallest first) is suppressed
too while the hidden cells could be recovered by subtracting the shown cells from the total: that
is, while only one cell is hidden, or the hidden cells together cover fewer than
MIN_CELL_PATIENTS patients, or 1 to MIN_CELL_PATIENTS − 1 patients the therapist does not treat.
When every cell is hidden and that is still not enough, the total is hidden as well.

The rules work on patient counts of the cells (queries/cohort_privacy.sql) and of unions of cells
(queries/cohort_privacy_union.sql), so a patient in two cells is never counted twice.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Callable, Hashable, Iterable

DEFAULT_MIN_CELL_PATIENTS = 11
# What a suppressed cell shows instead of its figures, whatever the reason: a cell hidden because it
# could be worked out from the others may cover hundreds of patients, so a size ("fewer than 11")
# would be false for it, and a size for the small ones only would tell which hidden cells are large.
HIDDEN = "hidden"


def min_cell_patients() -> int:
    """CLINIC_MIN_CELL_PATIENTS (default 11; at least 2)."""
    try:
        value = int(os.environ.get("CLINIC_MIN_CELL_PATIENTS", DEFAULT_MIN_CELL_PATIENTS))
    except ValueError:
        value = DEFAULT_MIN_CELL_PATIENTS
    return max(2, value)


def why_hidden(k: int | None = None) -> str:
    """The reasons a cell is hidden, in words, for the caption under a table of cells."""
    k = k or min_cell_patients()
    return (f"it covers fewer than {k} patients, or 1 to {k - 1} patients besides your own, or it could "
            "otherwise be worked out from the groups shown and the total")


@dataclass(frozen=True)
class Cell:
    key: Hashable              # the cohort value (None: unknown)
    patients: int              # distinct patients the cell covers
    other_patients: int        # of them, those the viewing therapist does not treat


@dataclass(frozen=True)
class Decision:
    hidden: frozenset          # keys of the cells to suppress
    total_hidden: bool         # the total (all matching courses of the clinic) is suppressed too
    reasons: dict              # key -> why ("small", "others", "complement")


def _too_few(patients: int, others: int, k: int) -> str | None:
    if patients < k:
        return "small"
    if 0 < others < k:
        return "others"
    return None


def suppress(cells: Iterable[Cell], total: Cell | None, k: int,
             union: Callable[[frozenset], tuple[int, int]]) -> Decision:
    """Which cells to hide (see the module docstring). `union(keys)` gives (patients,
    other_patients) of the cells with those keys taken together."""
    cells = list(cells)
    reasons: dict = {}
    for cell in cells:
        why = _too_few(cell.patients, cell.other_patients, k)
        if why:
            reasons[cell.key] = why
    hidden = set(reasons)
    total_hidden = total is not None and _too_few(total.patients, total.other_patients, k) is not None
    if total is None or total_hidden or not hidden:
        return Decision(frozenset(hidden), total_hidden, reasons)

    def recoverable() -> bool:
        if len(hidden) == 1:
            return True
        patients, others = union(frozenset(hidden))
        return _too_few(patients, others, k) is not None

    order = sorted((c for c in cells if c.key not in hidden),
                   key=lambda c: (c.patients, c.other_patients, str(c.key)))
    while recoverable():
        if not order:
            total_hidden = True
            break
        extra = order.pop(0)
        hidden.add(extra.key)
        reasons[extra.key] = "complement"
    return Decision(frozenset(hidden), total_hidden, reasons)


def mask(row: dict, hidden: bool) -> dict:
    """A cohort row as a therapist may see it: a hidden row keeps its key and says it is suppressed;
    every count and rate is gone (None)."""
    if not hidden:
        return {**row, "suppressed": False}
    return {**{name: None for name in row}, "key": row.get("key"), "suppressed": True}


ANOTHER_THERAPIST = "Another therapist"


def unname_colleagues(rows: list[dict], group: str | None, viewer: str) -> list[dict]:
    """The clinic-wide rows (metrics.private_cohort) grouped by `group`, with every therapist but
    `viewer` unnamed, as the Fair comparison's funnel shows them: a therapist compares their own
    figures with their colleagues' without learning whose are whose.

    For `group` "therapist" the viewer's own row comes first under their name; then the other
    therapists' rows shown with figures, the most courses first; then those suppressed (no figures).
    Each other therapist's key becomes "Another therapist 1", "… 2" in that order, and ties are
    broken by a digest of the name, never by the name's own order, so neither a label nor a place
    names anyone. Courses without a therapist (key None) stay last as they are. Other groupings are
    returned unchanged."""
    if group != "therapist":
        return rows
    import hashlib

    def digest(row: dict) -> str:
        return hashlib.sha256(str(row.get("key")).encode()).hexdigest()

    own = [r for r in rows if r.get("key") == viewer]
    unknown = [r for r in rows if r.get("key") is None]
    others = [r for r in rows if r.get("key") is not None and r.get("key") != viewer]
    shown = sorted((r for r in others if not r.get("suppressed")),
                   key=lambda r: (-(r.get("courses") or 0), -(r.get("patients") or 0), digest(r)))
    hidden = sorted((r for r in others if r.get("suppressed")), key=digest)
    unnamed = [{**row, "key": f"{ANOTHER_THERAPIST} {number}"} for number, row in enumerate(shown + hidden, start=1)]
    return own + unnamed + unknown
