"""Is this patient on track? A course's pain against the expected course of similar past courses.

Definitions (the queries queries/trajectory_*.sql do the counting):
- **Baseline**: pain before the course's first attended session (session 1). Not recorded there:
  no baseline, so no similar courses and no expected course.
- **Baseline band**: mild 0–3, moderate 4–6, severe 7–10 (NRS), the usual cut points for low,
  moderate and severe pain.
- **Similar courses**: the COMPLETED courses (attended days >= planned sessions, as of the as-of
  date) of the whole clinic with the same diagnosis and the same baseline band, the course itself
  left out. A course without a diagnosis on file has none.
- **Expected course**: for each session number k = 1 .. the most planned sessions of a similar
  course, the median and interquartile band (25th and 75th percentiles) of pain before session k
  among the similar courses scored there, with n = how many. Percentiles are DuckDB's
  quantile_cont: linear interpolation at rank (n − 1) × p of the sorted scores (numpy's default,
  R's type 7), so a hand calculation can check them. With fewer than `settings.min_cohort` similar
  courses no expected course is drawn; a point with fewer than that many scored courses is
  suppressed (its figures never leave the database).
- **Below expected**: the course's latest attended session with a pain-before score is k, k is
  after `settings.progress_after` sessions (k > progress_after), and that score is above the 75th
  percentile at k of its similar courses: worse than three in four of them. Not judged (None)
  before then, or when there is no expected value at k.

Privacy: the expected course is an aggregate over the whole clinic's courses, not only those the
viewer treats; only counts and percentiles of at least `min_cohort` courses are shown, never a
course. A therapist still opens only their own patients' courses (the course itself passes the
filters and scope), and for a therapist's view the minimum is never below the default
`min_cohort` (5), whatever the settings panel says: a percentile of one or two courses would be
another therapist's patient's score.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import pandas as pd

from clinic.filters import DIAGNOSIS_LABELS, Filters

BANDS = (("mild", 0, 3), ("moderate", 4, 6), ("severe", 7, 10))
BAND_LABELS = {name: f"{name} baseline pain, {low}–{high}" for name, low, high in BANDS}
TOO_FEW = "too few similar courses to draw an expected course"
POINT_COLUMNS = ("session_number", "courses", "q25_pain", "median_pain", "q75_pain", "shown")
BELOW_COLUMNS = ("course_id", "latest_session", "latest_pain", "similar_courses", "courses_at_session",
                 "expected_q75_pain", "below_expected")

# run(name, **params) -> DataFrame: a filtered query for the current filters, as the dashboard's
# ui.query or runner(con, filters) below runs it.
Runner = Callable[..., pd.DataFrame]


def band_of(pain) -> str | None:
    """The baseline band of a pain score (None for a missing score)."""
    if pain is None or pd.isna(pain):
        return None
    for name, low, high in BANDS:
        if low <= int(pain) <= high:
            return name
    return None


def _value(value):
    """A plain Python value (None for missing; ints stay ints)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


@dataclass(frozen=True)
class Verdict:
    """Whether one course is below its expected course (see the module's definition)."""
    course_id: str
    latest_session: int | None
    latest_pain: int | None
    similar_courses: int
    courses_at_session: int
    expected_q75_pain: float | None
    below_expected: bool | None

    def sentence(self, progress_after: int) -> str:
        if self.below_expected is None:
            if self.latest_session is None or self.latest_session <= progress_after:
                return (f"Against the expected course: judged once a session after the first {progress_after} has a "
                        f"pain score (latest scored session: {self.latest_session or 'none yet'}).")
            return ("Against the expected course: not judged, too few similar courses have a score at the latest "
                    f"scored session ({self.latest_session}).")
        if self.below_expected:
            return (f"Below the expected course: pain {self.latest_pain} before session {self.latest_session}, above "
                    f"the 75th percentile of similar courses there ({self.expected_q75_pain:g}; n = "
                    f"{self.courses_at_session}): worse than three in four of them.")
        return (f"On track: pain {self.latest_pain} before session {self.latest_session}, not above the 75th "
                f"percentile of similar courses there ({self.expected_q75_pain:g}; n = {self.courses_at_session}).")


@dataclass(frozen=True)
class Expected:
    """The expected course of one course (None from `expected_course` when the course is not visible)."""
    course_id: str
    diagnosis: str | None
    baseline_pain: int | None
    baseline_band: str | None
    similar_courses: int
    min_cohort: int
    points: pd.DataFrame = field(repr=False)      # POINT_COLUMNS, one row per k
    verdict: Verdict | None = None

    @property
    def drawable(self) -> bool:
        """Whether an expected course is drawn: enough similar courses, and at least one point shown."""
        return self.similar_courses >= self.min_cohort and bool(self.points.shown.any())

    @property
    def shown_points(self) -> pd.DataFrame:
        return self.points.loc[self.points.shown.astype(bool)] if self.drawable else self.points.iloc[0:0]

    def group_words(self) -> str:
        diagnosis = DIAGNOSIS_LABELS.get(self.diagnosis, self.diagnosis) if self.diagnosis else "diagnosis not on file"
        band = BAND_LABELS[self.baseline_band] if self.baseline_band else "no baseline pain score"
        return f"{diagnosis}, {band}"

    def headline(self) -> str:
        """"Expected course: N similar completed courses (diagnosis, baseline band)", or why there is none."""
        if self.diagnosis is None or self.baseline_band is None:
            return self.sentence()
        if not self.drawable:
            return f"Expected course: {TOO_FEW} ({self.similar_courses:,} of the {self.min_cohort} needed)."
        return (f"Expected course: {self.similar_courses:,} similar completed course"
                f"{'' if self.similar_courses == 1 else 's'} ({self.group_words()})")

    def sentence(self) -> str:
        """The sentence under the chart, with the number of similar courses (or why none is drawn)."""
        if self.diagnosis is None:
            return "No expected course: the patient's diagnosis is not on file, so no similar courses can be chosen."
        if self.baseline_band is None:
            return ("No expected course: pain before the first session was not recorded, so no similar courses "
                    "can be chosen.")
        words = (f"Expected course: {self.similar_courses:,} similar completed course"
                 f"{'' if self.similar_courses == 1 else 's'} ({self.group_words()})")
        if not self.drawable:
            return f"{words}: {TOO_FEW} (at least {self.min_cohort} are needed)."
        hidden = int((~self.points.shown.astype(bool) & (self.points.courses > 0)).sum())
        note = (f"; {hidden} session number{'s' if hidden != 1 else ''} with fewer than {self.min_cohort} scored "
                "courses not drawn") if hidden else ""
        return f"{words}. Median and interquartile band of pain before each session{note}."


def fewest_courses(filters: Filters) -> int:
    """The fewest courses a point or a verdict needs: the setting, and for a therapist's view (a
    scope) never fewer than the default setting."""
    return filters.settings.fewest_courses(bool(filters.scope))


def runner(con, filters: Filters, table=None) -> Runner:
    """A Runner of filtered queries on `con` (the command line's and the tests' counterpart of ui.query)."""
    from clinic import metrics

    return metrics.reader(con, filters, table)


def verdicts(run: Runner, filters: Filters, course_ids) -> dict[str, Verdict]:
    """Below-expected verdicts for many courses at once, keyed by course id: the listed courses that
    pass `filters` (others are left out). For the failure-to-progress flag and the course view."""
    ids = [str(c) for c in course_ids]
    if not ids:
        return {}
    frame = run("trajectory_below", course_ids=ids, progress_after=filters.settings.progress_after)
    found = {}
    for row in frame.to_dict("records"):
        found[str(row["course_id"])] = Verdict(
            course_id=str(row["course_id"]),
            latest_session=_value(row["latest_session"]),
            latest_pain=_value(row["latest_pain"]),
            similar_courses=int(row["similar_courses"]),
            courses_at_session=int(row["courses_at_session"]),
            expected_q75_pain=_value(row["expected_q75_pain"]),
            below_expected=None if _value(row["below_expected"]) is None else bool(row["below_expected"]),
        )
    return found


def below_expected(con, filters: Filters, course_ids, table=None) -> dict[str, bool | None]:
    """course id -> below its expected course (True / False), or None when not judged; only the
    listed courses that pass `filters`. `table` is the open_courses table when the caller has it."""
    return {cid: v.below_expected for cid, v in verdicts(runner(con, filters, table), filters, course_ids).items()}


def expected_course(run: Runner, filters: Filters, course_id: str) -> Expected | None:
    """The expected course of `course_id` with its verdict; None when the course does not pass the
    filters (another therapist's patient, a start after the as-of date, a mistyped id)."""
    course = run("trajectory_course", course_id=course_id)
    if course.empty:
        return None
    row = course.iloc[0]
    points = run("trajectory_expected", course_id=course_id, min_cohort=fewest_courses(filters))
    points = points.loc[:, list(POINT_COLUMNS)]
    verdict = verdicts(run, filters, [course_id]).get(str(course_id))
    return Expected(
        course_id=str(row.course_id),
        diagnosis=_value(row.diagnosis),
        baseline_pain=_value(row.baseline_pain),
        baseline_band=_value(row.baseline_band),
        similar_courses=int(row.similar_courses),
        min_cohort=fewest_courses(filters),
        points=points,
        verdict=verdict,
    )
