"""Data quality: what the clinic's records lack, counted and listed (the director's Data quality page).

Six checks, each a count with the rows behind it:
- `pain`: attended sessions without both pain scores (pain_before or pain_after empty), also per
  therapist (of the session) and month, with the share of attended sessions they are;
- `unplanned`: courses without a planned length: no courses-file row, or an empty planned_sessions
  in it (the planned-sessions setting, 10 by default, is assumed). Databases from before that
  setting stored an empty planned_sessions as 10, which cannot be told from a written 10;
- `diagnosis`: patients without a diagnosis;
- `paperwork`: patients without the paperwork: no doctor's conclusion, imaging none or empty, or
  blood tests not done or empty (any of the three). A patient seen only in sessions or the courses
  file (no patients-file row) lacks both a diagnosis and the paperwork;
- `gaps`: inferred courses (no course_id) that began after a gap of 31 days or more from the same
  patient's previous inferred course (the import's "Courses inferred" rule);
- `early`: courses with an attended session dated before their courses-file start date. Such rows
  still count for the course everywhere but its adherence window (DESIGN.md), so a start date typed
  wrong moves adherence, and a course whose every visit came 8 or more days before it reads
  dropped out from its first day.

Every check reads all stored rows: the as-of date, start dates, diagnosis, age band, sex and relief
rule of the sidebar do not apply (the page says so); the therapist and site filters do (APPLIED).
The SQL is in queries/quality_*.sql; this module runs it through a `read(name, **params)` function
(the dashboard's cached ui.plain_query, or `reader(con)` in tests and scripts) and shapes the results.
No Streamlit here.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable

import pandas as pd

from clinic import db, exports
from clinic.charts import running_month
from clinic.filters import Filters
from clinic.text import for_markdown

Read = Callable[..., pd.DataFrame]

SHOWN_ROWS = 300            # rows a drill-down table shows; its CSV holds all of them
CSV_AT_ONCE_ROWS = 5_000    # larger lists are written when asked for
NEW_COURSE_AFTER_DAYS = 30  # a gap of more than 30 days (31 or more) starts a new inferred course
KEYS = ("pain", "unplanned", "diagnosis", "paperwork", "gaps", "early")
APPLIED = ("therapist", "site")


def reader(con) -> Read:
    """A `read` function over an open connection (tests, scripts): runs queries/<name>.sql uncached."""
    return lambda name, **params: db.run(con, name, **params)


def params(filters: Filters) -> dict:
    """The bound parameters every quality query takes: the chosen therapists (a therapist's own
    account is held to itself) and sites; empty lists mean all."""
    therapists = list(filters.therapists)
    if filters.scope:
        therapists = [t for t in therapists if t == filters.scope] or [filters.scope]
    return {"therapists": therapists, "sites": list(filters.sites)}


def filters_note(filters: Filters) -> str:
    """Which sidebar filters apply here, in words (markdown; names from data escaped)."""
    chosen = []
    if filters.therapists:
        chosen.append("therapist " + ", ".join(for_markdown(t) for t in filters.therapists))
    if filters.sites:
        chosen.append("site " + ", ".join(for_markdown(s) for s in filters.sites))
    applied = ("Filtered by " + "; ".join(chosen) + "." if chosen
               else "Every therapist and site.")
    return (f"{applied} Only the sidebar's **therapist** and **site** filters apply here (a session's therapist, a "
            "course's therapist, a patient seen by the therapist; the patient's site), so the sidebar shows those "
            "two alone: this page checks every stored record as it is now, whatever the as-of date, start dates, "
            "diagnosis, age band, sex and relief rule.")


# ---------------------------------------------------------------- counts

@dataclass(frozen=True)
class Check:
    key: str
    label: str          # the count's name (a tile's label)
    count: int
    of: int             # what it is counted among (attended sessions, courses, patients)
    of_label: str       # "attended sessions", "courses", "patients", "inferred courses"
    help: str
    empty: str          # said when the count is 0

    @property
    def share(self) -> float | None:
        return self.count / self.of if self.of else None


def pain_grid(read: Read, filters: Filters) -> pd.DataFrame:
    """Per therapist and month: attended_sessions, missing_pain_sessions, missing_before,
    missing_after and missing_share (0-1) of the attended sessions; month as a date (the 1st)."""
    grid = read("quality_pain_by_month", **params(filters))
    grid = grid.assign(missing_share=grid.missing_pain_sessions / grid.attended_sessions)
    return grid


def checks(read: Read, filters: Filters, grid: pd.DataFrame | None = None) -> dict[str, Check]:
    """The six counts, by key (KEYS order)."""
    grid = pain_grid(read, filters) if grid is None else grid
    courses = read("quality_course_counts", **params(filters)).iloc[0]
    patients = read("quality_patient_counts", **params(filters)).iloc[0]
    attended, missing = int(grid.attended_sessions.sum()), int(grid.missing_pain_sessions.sum())
    missing_row = int(patients.without_patients_row)
    row_note = (f" {missing_row:,} of them have no patients-file row (seen only in sessions or the courses file) "
                "and count here." if missing_row else "")
    return {c.key: c for c in (
        Check("pain", "Sessions without pain scores", missing, attended, "attended sessions",
              "Attended sessions with pain before or pain after (or both) not recorded. Cancelled and no-show "
              "sessions are not counted.",
              "Every attended session has both pain scores."),
        Check("unplanned", "Courses without a planned length", int(courses.unplanned_courses), int(courses.courses),
              "courses",
              "Courses with no row in a courses file, or an empty planned_sessions in it, so "
              f"{filters.settings.planned_sessions} daily sessions (the planned-sessions setting) are assumed for "
              "adherence and completion.",
              "Every course has a planned length from a courses file."),
        Check("diagnosis", "Patients without a diagnosis", int(patients.no_diagnosis), int(patients.patients),
              "patients", "Patients with no diagnosis recorded." + row_note,
              "Every patient has a diagnosis."),
        Check("paperwork", "Patients without paperwork", int(patients.no_paperwork), int(patients.patients),
              "patients",
              f"Patients lacking any of: a doctor's conclusion ({int(patients.no_conclusion):,} lack it), imaging "
              f"(none or not recorded: {int(patients.no_imaging):,}), blood tests (not done or not recorded: "
              f"{int(patients.no_blood_tests):,})." + row_note,
              "Every patient has a doctor's conclusion, imaging and blood tests on record."),
        Check("gaps", "New courses after a long gap", int(courses.new_after_gap), int(courses.inferred_courses),
              "inferred courses",
              f"Courses inferred from sessions without a course id that began more than "
              f"{filters.settings.course_gap_days} days after the same "
              "patient's previous session without one: the gap split them into a new course. Check that the "
              "patient really started a new course.",
              "No inferred course began after a long gap: every patient's sessions without a course id form "
              "one course each, or carry a course id."),
        Check("early", "Visits before the listed start", int(courses.attended_before_start), int(courses.courses),
              "courses",
              "Courses with an attended session dated before the start date their courses file gives. Those "
              "visits still count for the course, but its daily window (adherence) begins on the listed "
              "date, and a course whose last visit came 8 or more days before it reads as dropped out from "
              "its first day. Check the start date in the practice software.",
              "No course has a visit before the start date its courses file gives."),
    )}


# ---------------------------------------------------------------- rows

ROW_QUERIES = {"pain": "quality_pain_rows", "unplanned": "quality_unplanned_rows", "diagnosis": "quality_patient_rows",
               "paperwork": "quality_patient_rows", "gaps": "quality_gap_rows", "early": "quality_early_rows"}

LABELS = {
    "session_id": "Session", "patient_id": "Patient", "course_id": "Course", "session_date": "Date",
    "session_time": "Time", "therapist": "Therapist", "pain_before": "Pain before", "pain_after": "Pain after",
    "missing": "Missing", "site": "Site", "first_row_date": "First session", "last_row_date": "Last session",
    "sessions_attended": "Sessions attended", "inferred": "Inferred course id", "in_patients_file": "In patients file",
    "diagnosis": "Diagnosis", "doctor_conclusion": "Doctor's conclusion", "imaging": "Imaging",
    "blood_tests": "Blood tests", "lacking": "Lacking", "seen_by": "Therapists", "first_session_date": "First session",
    "last_session_date": "Last session", "session_rows": "Session rows", "gap_days": "Gap (days)",
    "previous_course_id": "Previous course", "previous_last_date": "Previous course's last session",
    "in_courses_file": "In courses file", "listed_start": "Listed start", "first_attended_date": "First visit",
    "days_before_start": "Days before the start", "last_attended_date": "Last visit",
    "all_before_start": "Every visit before the start",
}

ROW_WORDS = {   # (one, many): what a drill-down's rows are
    "pain": ("session", "sessions"), "unplanned": ("course", "courses"), "diagnosis": ("patient", "patients"),
    "paperwork": ("patient", "patients"), "gaps": ("new course", "new courses"), "early": ("course", "courses"),
}

ORDER_WORDS = {
    "pain": "newest first", "unplanned": "most recently started first", "diagnosis": "most recently seen first",
    "paperwork": "most recently seen first", "gaps": "most recently started first",
    "early": "the latest listed start first",
}


def rows(read: Read, key: str, filters: Filters, limit: int | None = SHOWN_ROWS, therapist: str | None = None,
         month: dt.date | None = None) -> pd.DataFrame:
    """The rows behind check `key` (KEYS), in the order ORDER_WORDS says, at most `limit` (None = all).
    `therapist` and `month` (the 1st of a month) narrow the `pain` rows to one cell of the grid."""
    if key not in ROW_QUERIES:
        raise ValueError(f"unknown check {key!r}; use one of {', '.join(KEYS)}")
    extra: dict = {"limit": limit}
    if key == "pain":
        extra.update(therapist=therapist, month=month)
    elif therapist is not None or month is not None:
        raise ValueError("only the pain rows are narrowed to a therapist and month")
    if key in ("diagnosis", "paperwork"):
        extra["missing"] = key
    return read(ROW_QUERIES[key], **params(filters), **extra)


def cell_count(grid: pd.DataFrame, therapist: str | None, month: dt.date | None) -> int:
    """The sessions without pain scores in one cell (or row, or column) of the grid: a drill-down's total."""
    keep = pd.Series(True, index=grid.index)
    if therapist is not None:
        keep &= grid.therapist == therapist
    if month is not None:
        keep &= pd.to_datetime(grid.month) == pd.Timestamp(month)
    return int(grid.loc[keep, "missing_pain_sessions"].sum())


GRID_LABELS = {"therapist": "Therapist", "month": "Month", "attended_sessions": "Attended sessions",
               "missing_pain_sessions": "Without both scores", "missing_share": "Share without both",
               "missing_before": "Pain before missing", "missing_after": "Pain after missing",
               "month_complete": "Month complete"}


def grid_table(grid: pd.DataFrame, today: dt.date) -> pd.DataFrame:
    """The grid as the page's table shows it: month as YYYY-MM, the share beside the counts, and
    month_complete false for the month of `today`, still running."""
    months = pd.to_datetime(grid.month)
    running = running_month(today, today)
    return grid.assign(month=months.dt.strftime("%Y-%m"), month_complete=months != running)[list(GRID_LABELS)]


def shown_caption(key: str, shown: int, total: int) -> str:
    one, many = ROW_WORDS[key]
    if total <= shown:
        return f"All {total:,} {one if total == 1 else many}, {ORDER_WORDS[key]}."
    return (f"The first {shown:,} of {total:,} {many} are shown ({ORDER_WORDS[key]}); the CSV download holds all "
            f"{total:,}.")


def file_name(key: str, filters: Filters, today: dt.date) -> str:
    """`data-quality-<check>-<YYYY-MM-DD>[-therapist-…][-site-…].csv`: the date it was made and the
    filters that apply here (the as-of date and the other filters do not)."""
    tail = exports.filters_slug(Filters(as_of=today, therapists=filters.therapists, sites=filters.sites,
                                        scope=filters.scope))
    stem = {"pain": "sessions-without-pain-scores", "unplanned": "courses-without-planned-length",
            "diagnosis": "patients-without-diagnosis", "paperwork": "patients-without-paperwork",
            "gaps": "new-courses-after-a-gap", "early": "courses-with-visits-before-their-start",
            "grid": "pain-scores-by-therapist-and-month"}[key]
    return f"data-quality-{stem}-{today:%Y-%m-%d}" + (f"-{tail}" if tail else "") + ".csv"
