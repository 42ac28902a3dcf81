"""An independent, plain-Python reference for the metrics in DESIGN.md ("Metric definitions").

Written from DESIGN.md and the README's "Choices where the definitions are silent" only, without
looking at queries/*.sql or clinic/metrics.py, so that tests can cross-check the SQL against it.
It reads the raw tables (`sessions`, `patients`, `courses`) with plain `select *` and produces
the same JSON shapes as `python -m clinic courses --json` and `python -m clinic metrics --json`.

    ref = Reference.load(path)
    ref.courses(as_of, relief_rule)            # == courses --json
    ref.metrics(as_of, by, relief_rule)        # == metrics --json
"""
from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import duckdb

Z = 1.959963984540054
DEFAULT_PLANNED = 10
INFERENCE_GAP_DAYS = 31     # "more than 30 days" = a difference of 31 or more
DROP_OUT_DAYS = 8           # "more than 7 days" = a difference of 8 or more
RELIEF_RULES = ("pct30", "points2", "pct50")
GROUPINGS = ("therapist", "diagnosis", "start_month", "age_band", "sex", "site")
COURSE_FIELDS = (
    "course_id", "patient_id", "start_date", "planned_sessions", "therapist", "sessions_attended",
    "attended_days", "first_session_pain_before", "first_session_pain_after", "first_session_relief",
    "sustained_improvement_pct", "adherence", "adherent", "completed", "dropped_out",
    "longest_break_days",
)


@dataclass(frozen=True)
class Session:
    session_id: str
    patient_id: str
    session_date: dt.date
    session_time: dt.time | None
    therapist: str
    status: str
    pain_before: int | None
    pain_after: int | None
    course_id: str | None
    inferred_course_id: str | None

    @property
    def effective_course_id(self) -> str | None:
        return self.course_id if self.course_id is not None else self.inferred_course_id

    @property
    def attended(self) -> bool:
        return self.status.lower() == "attended"

    def order_key(self):
        """By date, then session_time (a missing time first), then session_id as text."""
        return (self.session_date, self.session_time is not None, self.session_time or dt.time(0), self.session_id)


def _rows(con, table: str) -> list[dict]:
    relation = con.cursor().table(table)
    return [dict(zip(relation.columns, row)) for row in relation.fetchall()]


def infer_course_ids(sessions: list[Session]) -> dict[str, str]:
    """session_id -> inferred course id, recomputed from the rule over rows without course_id."""
    by_patient: dict[str, list[Session]] = defaultdict(list)
    for s in sessions:
        if s.course_id is None:
            by_patient[s.patient_id].append(s)
    result: dict[str, str] = {}
    for patient_id, rows in by_patient.items():
        rows.sort(key=lambda s: s.session_date)
        current = None
        previous_date = None
        for s in rows:
            if previous_date is None or (s.session_date - previous_date).days >= INFERENCE_GAP_DAYS:
                current = f"{patient_id}:{s.session_date.isoformat()}"
            result[s.session_id] = current
            previous_date = s.session_date
    return result


def relief(before: int | None, after: int | None, rule: str) -> bool | None:
    if before is None or after is None or before == 0:
        return None
    drop = before - after
    if rule == "pct30":
        return 10 * drop >= 3 * before
    if rule == "pct50":
        return 10 * drop >= 5 * before
    if rule == "points2":
        return drop >= 2
    raise ValueError(f"unknown relief rule {rule!r}")


def wilson(successes: int, n: int) -> tuple[float | None, float | None]:
    if n == 0:
        return None, None
    p = successes / n
    z2 = Z * Z
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half = Z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def median(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    n = len(ordered)
    mid = n // 2
    if n % 2:
        return ordered[mid]
    return (ordered[mid - 1] + ordered[mid]) / 2


def age_band(start: dt.date, birth_year: int | None) -> str | None:
    if birth_year is None:
        return None
    age = start.year - birth_year
    if age < 0:
        return None
    if age < 30:
        return "<30"
    if age <= 44:
        return "30-44"
    if age <= 59:
        return "45-59"
    return "60+"


class Reference:
    def __init__(self, sessions: list[Session], patients: dict[str, dict], courses: dict[str, dict]):
        self.sessions = sessions
        self.patients = patients
        self.course_rows = courses
        self.by_course: dict[str, list[Session]] = defaultdict(list)
        for s in sessions:
            self.by_course[s.effective_course_id].append(s)
        for rows in self.by_course.values():
            rows.sort(key=Session.order_key)
        self.course_ids = sorted(set(self.by_course) | set(self.course_rows))
        self._cache: dict = {}

    @classmethod
    def load(cls, path: str | Path) -> "Reference":
        con = duckdb.connect(str(path), read_only=True)
        try:
            session_rows = _rows(con, "sessions")
            patient_rows = _rows(con, "patients")
            course_rows = _rows(con, "courses")
        finally:
            con.close()
        sessions = [
            Session(
                session_id=r["session_id"], patient_id=r["patient_id"], session_date=r["session_date"],
                session_time=r["session_time"], therapist=r["therapist"], status=r["status"] or "attended",
                pain_before=r["pain_before"], pain_after=r["pain_after"], course_id=r["course_id"],
                inferred_course_id=r["inferred_course_id"],
            )
            for r in session_rows
        ]
        return cls(sessions, {r["patient_id"]: r for r in patient_rows}, {r["course_id"]: r for r in course_rows})

    # -- checks on the stored data ----------------------------------------------------------------

    def inference_mismatches(self) -> list[tuple[str, str | None, str | None]]:
        """(session_id, stored inferred_course_id, recomputed) for every row where they differ."""
        expected = infer_course_ids(self.sessions)
        return [
            (s.session_id, s.inferred_course_id, expected.get(s.session_id))
            for s in self.sessions
            if s.course_id is None and s.inferred_course_id != expected.get(s.session_id)
        ]

    # -- per course -------------------------------------------------------------------------------

    def _course(self, course_id: str, as_of: dt.date, rule: str) -> dict | None:
        listed = self.course_rows.get(course_id)
        all_rows = self.by_course.get(course_id, [])
        start = listed["start_date"] if listed and listed["start_date"] is not None else None
        if start is None and all_rows:
            start = all_rows[0].session_date
        if start is None or start > as_of:
            return None
        planned = listed["planned_sessions"] if listed and listed["planned_sessions"] is not None else DEFAULT_PLANNED
        if listed:
            patient_id = listed["patient_id"]
        else:
            owners = {s.patient_id for s in all_rows}
            assert len(owners) == 1, f"course {course_id} has sessions of several patients: {owners}"
            patient_id = owners.pop()

        rows = [s for s in all_rows if s.session_date <= as_of]
        attended = [s for s in rows if s.attended]
        attended_dates = sorted({s.session_date for s in attended})

        if attended:
            therapist = attended[0].therapist
        elif rows:
            therapist = rows[0].therapist
        else:
            therapist = None

        first = attended[0] if attended else None
        before = first.pain_before if first else None
        after = first.pain_after if first else None

        with_before = [s for s in attended if s.pain_before is not None]
        improvement = None
        if with_before:
            base_row, last_row = with_before[0], with_before[-1]
            if last_row.session_date > base_row.session_date and base_row.pain_before >= 1:
                b, last = base_row.pain_before, last_row.pain_before
                improvement = (b - last) / b * 100

        window_end = min(start + dt.timedelta(days=planned - 1), as_of)
        if window_end == as_of and as_of not in attended_dates:
            window_end = as_of - dt.timedelta(days=1)      # the as-of day is not over: not yet missed
        window_days = (window_end - start).days + 1
        in_window = sum(1 for d in attended_dates if start <= d <= window_end)
        adherence = in_window / window_days if window_days > 0 else None

        completed = len(attended_dates) >= planned
        last_date = attended_dates[-1] if attended_dates else start
        dropped_out = (not completed) and (as_of - last_date).days >= DROP_OUT_DAYS

        longest_break = 0
        for d1, d2 in zip(attended_dates, attended_dates[1:]):
            longest_break = max(longest_break, (d2 - d1).days - 1)

        return {
            "course_id": course_id,
            "patient_id": patient_id,
            "start_date": start.isoformat(),
            "planned_sessions": planned,
            "therapist": therapist,
            "sessions_attended": len(attended),
            "attended_days": len(attended_dates),
            "first_session_pain_before": before,
            "first_session_pain_after": after,
            "first_session_relief": relief(before, after, rule),
            "sustained_improvement_pct": improvement,
            "adherence": adherence,
            "adherent": 5 * in_window >= 4 * window_days if window_days > 0 else None,
            "completed": completed,
            "dropped_out": dropped_out,
            "longest_break_days": longest_break,
            # helpers for the cohort metrics, removed from the public output
            "_start": start,
            "_improvement_parts": (
                (with_before[0].pain_before, with_before[-1].pain_before) if improvement is not None else None
            ),
        }

    def _courses_full(self, as_of: dt.date, rule: str) -> list[dict]:
        key = (as_of, rule)
        if key not in self._cache:
            out = [c for c in (self._course(cid, as_of, rule) for cid in self.course_ids) if c is not None]
            out.sort(key=lambda c: (c["patient_id"], c["start_date"], c["course_id"]))
            self._cache[key] = out
        return self._cache[key]

    def courses(self, as_of: dt.date, rule: str = "pct30") -> list[dict]:
        return [{k: c[k] for k in COURSE_FIELDS} for c in self._courses_full(as_of, rule)]

    # -- per cohort -------------------------------------------------------------------------------

    def _block(self, courses: list[dict]) -> dict:
        reliefs = [c["first_session_relief"] for c in courses if c["first_session_relief"] is not None]
        relieved = sum(1 for r in reliefs if r)
        low, high = wilson(relieved, len(reliefs))
        parts = [c["_improvement_parts"] for c in courses if c["_improvement_parts"] is not None]
        improvements = [c["sustained_improvement_pct"] for c in courses if c["sustained_improvement_pct"] is not None]
        assert len(parts) == len(improvements)
        return {
            "courses": len(courses),
            "patients": len({c["patient_id"] for c in courses}),
            "first_session_relief": {
                "assessable": len(reliefs),
                "relieved": relieved,
                "rate": relieved / len(reliefs) if reliefs else None,
                "ci_low": low,
                "ci_high": high,
            },
            "sustained_improvement": {
                "assessable": len(improvements),
                "median_pct": median(improvements),
                "responders_30": sum(1 for b, last in parts if 10 * (b - last) >= 3 * b),
                "responders_50": sum(1 for b, last in parts if 10 * (b - last) >= 5 * b),
            },
            "adherence": {
                "mean": (sum(rated) / len(rated)) if (rated := [c["adherence"] for c in courses
                                                                 if c["adherence"] is not None]) else None,
                "adherent": sum(1 for c in courses if c["adherent"]),
                "completed": sum(1 for c in courses if c["completed"]),
                "dropped_out": sum(1 for c in courses if c["dropped_out"]),
            },
        }

    def group_key(self, course: dict, by: str):
        patient = self.patients.get(course["patient_id"]) or {}
        if by == "therapist":
            return course["therapist"]
        if by == "start_month":
            return course["_start"].strftime("%Y-%m")
        if by == "age_band":
            return age_band(course["_start"], patient.get("birth_year"))
        if by in ("diagnosis", "sex", "site"):
            return patient.get(by)
        raise ValueError(f"unknown grouping {by!r}")

    def metrics(self, as_of: dt.date, by: str | None = None, rule: str = "pct30") -> dict:
        courses = self._courses_full(as_of, rule)
        groups = []
        if by is not None:
            members: dict = defaultdict(list)
            for c in courses:
                members[self.group_key(c, by)].append(c)
            for key in sorted(members, key=lambda k: (k is None, k or "")):
                groups.append({"key": key, **self._block(members[key])})
        return {
            "as_of": as_of.isoformat(),
            "by": by,
            "relief_rule": rule,
            "overall": self._block(courses),
            "groups": groups,
        }
