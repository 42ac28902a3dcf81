"""How a patient's session rows without a course_id are grouped into courses: the stored gap.

A new course starts when a row comes more than `course_gap_days` days after the patient's previous
row without a course_id (30 by default, DESIGN.md). The gap is the database's own, not a view's:
it decides which course ids exist, so it is stored (table course_grouping) and every import and
recorded session groups with it. Changing it re-groups every stored row and rebuilds the per-course
facts in one transaction, like an import; the dashboard and the command line then read the new
courses. Rows with an explicit course_id never move.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb

from clinic import db, facts
from clinic.settings import DEFAULT, RANGES, SettingsError

LOWEST, HIGHEST = RANGES["course_gap_days"][:2]


@dataclass(frozen=True)
class Regrouped:
    before_days: int
    after_days: int
    courses_before: int
    courses_after: int
    inferred_before: int
    inferred_after: int

    def as_dict(self) -> dict:
        return dict(self.__dict__)

    def sentence(self) -> str:
        if self.before_days == self.after_days:
            return f"The gap was already {self.after_days} days; nothing changed."
        return (f"Rows without a course id now start a new course after more than {self.after_days} days "
                f"(was {self.before_days}): {self.inferred_before:,} inferred courses became "
                f"{self.inferred_after:,}; {self.courses_after:,} courses in all (was {self.courses_before:,}).")


def stored_gap(con: duckdb.DuckDBPyConnection) -> int:
    """The database's gap in days (30 when none was ever stored, or in a database or Parquet dataset
    written before the gap could be changed)."""
    try:
        return int(db.records(con, "course_gap")[0]["course_gap_days"])
    except duckdb.CatalogException:
        return DEFAULT.course_gap_days


def check(days: int) -> int:
    if isinstance(days, bool) or not isinstance(days, int) or not LOWEST <= days <= HIGHEST:
        raise SettingsError(f"course_gap_days must be a whole number between {LOWEST} and {HIGHEST} days, "
                            f"not {days!r}")
    return days


def regroup(path: str | Path, days: int, changed_by: str | None, wait_seconds: float = 15.0) -> Regrouped:
    """Stores `days` as the gap and re-groups every stored row without a course_id with it, the course
    facts rebuilt, all in one transaction (nothing changes when any step fails)."""
    check(days)
    con = db.connect(path, wait_seconds=wait_seconds)
    try:
        con.begin()
        try:
            before = stored_gap(con)
            counted_before = db.fetch(con, "course_count")[0]
            db.execute(con, "course_gap_set", course_gap_days=days, changed_at=dt.datetime.now().replace(microsecond=0),
                       changed_by=changed_by)
            db.execute(con, "infer_courses")
            facts.refresh(con)
            counted_after = db.fetch(con, "course_count")[0]
            con.commit()
        except BaseException:
            con.rollback()
            raise
    finally:
        con.close()
    return Regrouped(before_days=before, after_days=days, courses_before=counted_before[0],
                     courses_after=counted_after[0], inferred_before=counted_before[1],
                     inferred_after=counted_after[1])
