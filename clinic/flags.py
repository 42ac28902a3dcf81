"""Protocol-safety flags per course: failure to progress, the ceiling note, paperwork before the first
session, sessions during acute inflammation, numbness and whether a referral was noted, and pain
rising over three visits (the Protocol safety page, the `flags` command, and the Overview's and
Patients page's flags).

The definitions live in SQL (queries/flags_sessions.sql, queries/flags_course_flags.sql), computed as
of `filters.as_of` for the filtered courses (a therapist's scope included), with the MCID and the
number of sessions after which progress is judged taken from `filters.settings`:

- failure_to_progress: the MCID has not been met (`mcid_not_met`), or the course is below its
  expected course (`below_expected`); None when neither is judged.
  - mcid_not_met: baseline = pain_before of the course's first attended session that has one; the
    course is judged once an attended session numbered above `progress_after` has a pain_before, and
    pain now is that of the latest such session. It fails when pain has not fallen by the MCID
    ('points2': baseline - now < 2; 'pct30': 10 x (baseline - now) < 3 x baseline). Not judged (None)
    before that, or when the baseline is at most CEILING_PAIN (`ceiling`: too low to show a change).
  - below_expected: at that same latest scored session k (> progress_after), pain before is above the
    75th percentile at k of similar courses (clinic.trajectory: the clinic's completed courses of the
    same diagnosis and baseline band, at least `min_cohort` of them); None when there is no such
    percentile. A course at the ceiling is still judged this way: its band's own courses set the bar.
- missing_paperwork / no_imaging / no_blood_tests: not on file, or the patient's referral_date is
  after the course's first attended session (so what is on file came later).
- numbness_referred: a note of the same or a later session of the course mentions a referral
  (refer…, doctor, GP, neurolog…, physician; any case), or the referral_date is after the session.
- red_flag_rising: pain_before strictly rising over three consecutive scored attended sessions.

Queries run through a `read(name, **params)` function with the filter set already bound: the
dashboard's cached `ui.query`, or `reader(con, filters)` in the command line and tests. No Streamlit.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import pandas as pd

from clinic import db, exports, metrics
from clinic.filters import Filters
from clinic.settings import CEILING_PAIN, MCID_LABELS, MCID_RULES

Read = Callable[..., pd.DataFrame]

SHOWN_ROWS = 300            # rows a drill-down table shows; its CSV holds all of them
CSV_AT_ONCE_ROWS = 5_000    # larger lists are written when asked for
COURSE_KEYS = ("conclusion", "imaging", "blood_tests", "rising", "progress", "ceiling")
SESSION_KEYS = ("acute", "numbness")
KEYS = ("conclusion", "imaging", "blood_tests", "acute", "numbness", "rising", "progress", "ceiling")
REFERRAL_WORDS = "refer (referral, referred), doctor, GP, neurolog(ist), physician"

# The fields of `flags --json`, in order.
JSON_FIELDS = ("course_id", "patient_id", "therapist", "start_date", "failure_to_progress", "mcid_not_met",
               "below_expected", "expected_q75_pain", "latest_session", "latest_pain", "ceiling", "baseline_pain",
               "pain_now", "pain_now_session", "pain_now_date", "missing_paperwork", "no_imaging", "no_blood_tests",
               "paperwork_late", "acute_sessions", "numbness_sessions", "numbness_referred", "red_flag_rising",
               "last_rise_date", "last_rise_pains")


def params() -> dict:
    """The parameters every flags query takes besides the filter set (whose `clinic_settings` table
    gives the MCID and progress_after)."""
    return {"ceiling_pain": CEILING_PAIN}


def reader(con, filters: Filters) -> Read:
    """A `read` function over an open connection (command line, tests): runs queries/<name>.sql with
    the filter set bound, uncached."""
    return metrics.reader(con, filters)


# ---------------------------------------------------------------- per course

def courses(read: Read, course_ids=None) -> pd.DataFrame:
    """The flags of the filtered courses (of those in `course_ids` when given), sorted by patient_id,
    start_date, course_id; the columns of JSON_FIELDS."""
    ids = None if course_ids is None else [str(c) for c in course_ids]
    return read("flags_courses", course_ids=ids, **params())


def _plain(value):
    """A value as JSON writes it: None for missing, Python ints, bools and dates, lists of ints."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, (list, tuple)) or hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        items = value.tolist() if hasattr(value, "tolist") else list(value)
        if not isinstance(items, list):
            return _plain(items)
        return [_plain(v) for v in items]
    if isinstance(value, float) and math.isnan(value):
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if isinstance(value, pd.Timestamp):
        return value.date()
    if hasattr(value, "item"):
        return value.item()
    return value


def course_records(con, filters: Filters) -> list[dict]:
    """The `flags --json` document: one object per filtered course, every field of JSON_FIELDS present
    (None when unknown), sorted by patient_id, start_date, course_id."""
    tables = metrics.tables_for(con, filters, "flags_courses")
    rows = db.records(con, "flags_courses", **tables, **filters.params(), course_ids=None, **params())
    return [{field: _plain(row[field]) for field in JSON_FIELDS} for row in rows]


# The flag columns the Patients page's course list and course view add (after its own columns).
PATIENT_COLUMNS = ("failure_to_progress", "ceiling", "red_flag_rising")
PATIENT_LABELS = {"failure_to_progress": "Failure to progress", "ceiling": "Baseline too low to judge",
                  "red_flag_rising": "Pain rising (3 visits)"}


BY_ID_MOST = 5_000  # courses asked for by id; more read every filtered course's flags


def with_flags(read: Read, frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` (courses with a course_id column, in their order) with PATIENT_COLUMNS added."""
    if frame.empty:
        return frame.assign(**{c: pd.Series(dtype="boolean") for c in PATIENT_COLUMNS})
    # a page of courses is asked for by id; a long list (a download) reads every filtered course
    ids = list(frame.course_id) if len(frame) <= BY_ID_MOST else None
    return add_columns(frame, patient_columns(read, ids))


def patient_columns(read: Read, course_ids=None) -> pd.DataFrame:
    """PATIENT_COLUMNS of the filtered courses (of those in `course_ids` when given), by course_id."""
    ids = None if course_ids is None else [str(c) for c in course_ids]
    return read("flags_patient_columns", course_ids=ids, **params()).loc[:, ["course_id", *PATIENT_COLUMNS]]


def add_columns(frame: pd.DataFrame, found: pd.DataFrame) -> pd.DataFrame:
    """`frame` with the PATIENT_COLUMNS of `found` (patient_columns) lined up with its courses: three
    columns added, where a merge would copy every column of a list that may hold every course."""
    aligned = found.set_index("course_id").loc[:, list(PATIENT_COLUMNS)].reindex(frame["course_id"].to_numpy())
    return frame.assign(**{column: aligned[column].array for column in PATIENT_COLUMNS})


def course_flags(read: Read, course_id: str) -> dict | None:
    """One course's flags as plain values (None when the course does not pass the filters)."""
    found = courses(read, [course_id])
    if found.empty:
        return None
    row = found.iloc[0]
    return {field: _plain(row[field]) for field in JSON_FIELDS}


def mcid_words(flags: dict, settings) -> str:
    """Failure to progress by the MCID alone, in a sentence."""
    baseline, now = flags["baseline_pain"], flags["pain_now"]
    if baseline is None:
        return "No pain score before a session yet."
    if flags["ceiling"]:
        return (f"Baseline pain {baseline} is at most {CEILING_PAIN}: too low to show a meaningful change, so the "
                "MCID is not judged.")
    if now is None:
        return (f"By the MCID: judged once a session after the first {settings.progress_after} has a pain score "
                f"(baseline {baseline}).")
    met = "not met" if flags["mcid_not_met"] else "met"
    return (f"By the MCID: pain before {baseline} at first, {now} at session {flags['pain_now_session']}; progress "
            f"means {MCID_RULES[settings.mcid]}: {met}.")


def _expected_words(flags: dict) -> str:
    if flags["below_expected"] is None:
        return "Against similar courses: not judged (see the expected course above)."
    where = (f"{flags['latest_pain']} before session {flags['latest_session']}, their 75th percentile there "
             f"{flags['expected_q75_pain']:g}")
    if flags["below_expected"]:
        return f"Against similar courses: worse than three in four of them ({where})."
    return f"Against similar courses: on track ({where})."


def progress_words(flags: dict, settings) -> tuple[str, str]:
    """The course view's failure-to-progress tile: (value, caption). It fails by the MCID or by
    being below the expected course; the caption gives both."""
    caption = f"{mcid_words(flags, settings)} {_expected_words(flags)}"
    if flags["failure_to_progress"] is not None:
        return ("Yes" if flags["failure_to_progress"] else "No"), caption
    if flags["baseline_pain"] is None:
        return "Not judged", caption
    if flags["ceiling"]:
        return "Ceiling", caption
    return "Not judged yet", caption


def why_words(mcid_not_met, below_expected) -> str:
    """Why a course fails to progress, in words for a list's column ('' when it does not)."""
    reasons = []
    if _plain(mcid_not_met):
        reasons.append("MCID not met")
    if _plain(below_expected):
        reasons.append("below expected")
    text = ", ".join(reasons)
    return text[:1].upper() + text[1:]


def _with_why(frame: pd.DataFrame) -> pd.DataFrame:
    why = [why_words(m, b) for m, b in zip(frame.mcid_not_met, frame.below_expected)]
    return frame.assign(why=pd.Series(why, index=frame.index, dtype="string"))


def rising_words(flags: dict) -> tuple[str, str]:
    """The course view's rising-pain tile: (value, caption)."""
    if flags["red_flag_rising"] is None:
        return "—", "Needs pain scores before three sessions."
    if not flags["red_flag_rising"]:
        return "No", "Pain before never rose over three scored sessions in a row."
    pains = " → ".join(str(p) for p in flags["last_rise_pains"] or [])
    return "Yes", f"Pain before rose {pains} up to {flags['last_rise_date']:%d %b %Y}: check and refer."


# ---------------------------------------------------------------- the Protocol safety page

Z_95 = metrics.Z_95


wilson = metrics.wilson          # the Wilson 95 % interval of k of n; (None, None) for n = 0


@dataclass(frozen=True)
class Check:
    key: str
    label: str              # the tile's name
    count: int              # flagged courses or sessions
    of: int                 # what it is counted among
    of_label: str           # "courses", "attended sessions", ...
    courses: int            # courses with at least one (session checks); = count otherwise
    referred: int | None    # numbness: sessions with a referral noted
    help: str
    empty: str              # said when the count is 0

    @property
    def share(self) -> float | None:
        return self.count / self.of if self.of else None

    @property
    def interval(self) -> tuple[float | None, float | None]:
        return wilson(self.count, self.of)


def _labels(settings, fewest: int) -> dict[str, tuple[str, str, str, str]]:
    """key: (label, of_label, help, empty); `fewest`: the fewest similar courses a verdict needs."""
    before = ("Before the first session means: on file, and the patient's referral date (the only date the "
              "paperwork has) is not after the course's first attended session. A missing referral date leaves "
              "what is on file as it is.")
    return {
        "conclusion": ("No doctor's conclusion", "courses",
                       "Courses without a doctor's conclusion before the first session. " + before,
                       "Every course had a doctor's conclusion before its first session."),
        "imaging": ("No imaging", "courses",
                    "Courses without imaging (MRI, CT or X-ray; 'none' or not on file counts as without) before "
                    "the first session. " + before,
                    "Every course had imaging before its first session."),
        "blood_tests": ("No blood tests", "courses",
                        "Courses without blood tests (not done or not on file) before the first session. " + before,
                        "Every course had blood tests before its first session."),
        "acute": ("Sessions during acute inflammation", "attended sessions",
                  "Attended sessions recorded during acute inflammation: the protocol allows massage only after it "
                  "has subsided.",
                  "No attended session was recorded during acute inflammation."),
        "numbness": ("Sessions with numbness", "attended sessions",
                     "Attended sessions with numbness reported: a red flag to check and refer to a doctor. A referral "
                     f"counts as noted when a note of that or a later session of the course mentions it "
                     f"({REFERRAL_WORDS}; any case), or the patient's referral date is after the session.",
                     "No attended session reported numbness."),
        "rising": ("Pain rising over three visits", "courses with 3+ scored sessions",
                   "Courses whose pain before rose at three scored sessions in a row (each higher than the one "
                   "before, e.g. 4 → 5 → 7): a red flag to check and refer.",
                   "No course's pain rose over three scored sessions in a row."),
        "progress": ("Failure to progress", "courses judged",
                     f"Courses whose pain has not fallen by the minimal clinically important difference "
                     f"({MCID_LABELS[settings.mcid]}) from the first scored session to the latest scored session "
                     f"after the first {settings.progress_after}, or whose pain at that session is worse than three "
                     "in four similar courses' (below expected: above the 75th percentile of the clinic's completed "
                     f"courses with the same diagnosis and baseline band, at least {fewest} of them). Courses not "
                     "yet that far are not judged; those at the ceiling are judged against similar courses only.",
                     "No judged course has failed to progress."),
        "ceiling": ("Baseline too low to judge", "courses with a baseline",
                    f"Courses whose first pain score was {CEILING_PAIN} or less: too low to show a meaningful change, "
                    "so failure to progress is not judged for them.",
                    f"No course started with pain of {CEILING_PAIN} or less."),
    }


def months(read: Read) -> pd.DataFrame:
    """Every check month by month and in all (flag, month, flagged, of_count, courses_flagged,
    referred; see queries/flags_by_month.sql): the course checks, then the session checks, read one
    after the other (together in one query DuckDB held both at once: about 300 MB at 200,000 patients)."""
    frames = [read("flags_by_month", **params()), read("flags_session_months")]
    found = pd.concat(frames, ignore_index=True)
    return found.sort_values(["flag", "month"], na_position="last", kind="stable").reset_index(drop=True)


def checks(read: Read, filters: Filters) -> dict[str, Check]:
    """The eight counts, by key (KEYS order)."""
    found_rows = months(read)
    counts = found_rows.loc[found_rows.month.isna()].set_index("flag")
    labels = _labels(filters.settings, filters.settings.fewest_courses(bool(filters.scope)))
    found = {}
    for key in KEYS:
        row = counts.loc[key]
        label, of_label, text, empty = labels[key]
        referred = None if pd.isna(row.referred) else int(row.referred)
        found[key] = Check(key, label, int(row.flagged), int(row.of_count), of_label, int(row.courses_flagged),
                           referred, text, empty)
    return found


def tile_caption(check: Check, min_cohort: int) -> str:
    """Under a tile's count: its share with the Wilson interval, or why there is none."""
    if not check.of:
        return f"no {check.of_label}"
    low, high = check.interval
    text = (f"{check.share * 100:.1f} % of {check.of:,} {check.of_label} "
            f"(95 % CI {low * 100:.1f}–{high * 100:.1f} %)")
    if check.of < min_cohort:
        text += ": too few to judge"
    if check.key in SESSION_KEYS and check.count:
        text += f"; {check.courses:,} course{'' if check.courses == 1 else 's'}"
    if check.key == "numbness" and check.count:
        text += f"; referral noted for {check.referred:,}"
    return text


def by_month(read: Read) -> pd.DataFrame:
    """flag, month (a date, the 1st), flagged, of_count, share, ci_low, ci_high per check and month."""
    frame = months(read)
    frame = frame.loc[frame.month.notna(), ["flag", "month", "flagged", "of_count"]].reset_index(drop=True)
    lows, highs = zip(*(wilson(int(k), int(n)) for k, n in zip(frame.flagged, frame.of_count))) if len(frame) \
        else ((), ())
    return frame.assign(share=frame.flagged / frame.of_count, ci_low=list(lows), ci_high=list(highs))


ROW_WORDS = {key: ("session", "sessions") if key in SESSION_KEYS else ("course", "courses") for key in KEYS}
ORDER_WORDS = {"conclusion": "most recently started first", "imaging": "most recently started first",
               "blood_tests": "most recently started first", "ceiling": "most recently started first",
               "progress": "the latest judged first", "rising": "the latest rise first",
               "acute": "the latest first", "numbness": "the latest first"}
ROW_COLUMNS = {
    "conclusion": ("patient_id", "link", "therapist", "start_date", "first_session_date", "doctor_conclusion",
                   "referral_date", "paperwork_late", "sessions_attended", "course_id"),
    "imaging": ("patient_id", "link", "therapist", "start_date", "first_session_date", "imaging", "referral_date",
                "paperwork_late", "sessions_attended", "course_id"),
    "blood_tests": ("patient_id", "link", "therapist", "start_date", "first_session_date", "blood_tests",
                    "referral_date", "paperwork_late", "sessions_attended", "course_id"),
    "acute": ("patient_id", "link", "session_date", "session_number", "therapist", "pain_before", "notes",
              "session_id", "course_id"),
    "numbness": ("patient_id", "link", "session_date", "referral_noted", "session_number", "therapist", "pain_before",
                 "notes", "session_id", "course_id"),
    "rising": ("patient_id", "link", "last_rise_date", "rise", "therapist", "sessions_attended", "last_attended_date",
               "start_date", "course_id"),
    "progress": ("patient_id", "link", "why", "baseline_pain", "latest_pain", "expected_q75_pain", "latest_session",
                 "latest_date", "therapist", "sessions_attended", "start_date", "course_id"),
    "ceiling": ("patient_id", "link", "baseline_pain", "therapist", "sessions_attended", "start_date", "course_id"),
}
LABELS = {
    "patient_id": "Patient", "link": "Patient page", "therapist": "Therapist", "start_date": "Started",
    "first_session_date": "First session", "doctor_conclusion": "Doctor's conclusion", "imaging": "Imaging",
    "blood_tests": "Blood tests", "referral_date": "Referral date", "paperwork_late": "Referral after first session",
    "sessions_attended": "Sessions attended", "course_id": "Course", "session_date": "Date",
    "session_number": "Session no.", "pain_before": "Pain before", "notes": "Notes", "session_id": "Session",
    "referral_noted": "Referral noted", "last_rise_date": "Latest rise", "rise": "Pain before (rise)",
    "last_attended_date": "Last visit", "baseline_pain": "Baseline pain", "pain_now": "Pain now",
    "pain_now_session": "Judged at session", "pain_now_date": "Judged on", "why": "Why",
    "latest_pain": "Pain now", "latest_session": "Judged at session", "latest_date": "Judged on",
    "expected_q75_pain": "Expected (75th pct)",
}


def _rise_words(pains) -> str:
    """A rise's three scores in words ('4 → 5 → 7'), empty when there is none."""
    pains = _plain(pains)
    return " → ".join(str(p) for p in pains) if isinstance(pains, list) else ""


def rows(read: Read, key: str, limit: int | None = SHOWN_ROWS) -> pd.DataFrame:
    """The courses or sessions behind check `key`, in ORDER_WORDS order, at most `limit` (None = all),
    with `total` (how many there are) on every row; `rise` spells a rise's three scores."""
    if key in COURSE_KEYS:
        found = _with_why(read("flags_course_rows", flag=key, limit=limit, **params()))
        rises = [_rise_words(pains) for pains in found.last_rise_pains]
        return found.drop(columns="last_rise_pains").assign(rise=pd.Series(rises, index=found.index, dtype="string"))
    if key in SESSION_KEYS:
        return read("flags_session_rows", flag=key, limit=limit)
    raise ValueError(f"unknown check {key!r}; use one of {', '.join(KEYS)}")


def shown_caption(key: str, shown: int, total: int) -> str:
    one, many = ROW_WORDS[key]
    if total <= shown:
        return f"All {total:,} {one if total == 1 else many}, {ORDER_WORDS[key]}."
    return (f"The first {shown:,} of {total:,} {many} are shown ({ORDER_WORDS[key]}); the CSV download holds all "
            f"{total:,}.")


def export_frame(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    """A drill-down as its CSV holds it: the list's columns (without the link and the total)."""
    return frame[[c for c in ROW_COLUMNS[key] if c in frame.columns and c != "link"]]


def file_name(key: str, filters: Filters) -> str:
    stem = {"conclusion": "no-doctors-conclusion", "imaging": "no-imaging", "blood_tests": "no-blood-tests",
            "acute": "sessions-during-acute-inflammation", "numbness": "sessions-with-numbness",
            "rising": "pain-rising", "progress": "failure-to-progress", "ceiling": "baseline-too-low"}[key]
    return exports.file_name(f"protocol-safety-{stem}", filters, "csv")


# ---------------------------------------------------------------- the Overview

ATTENTION = {   # reason: the list's title
    "failure_to_progress": "Failing to progress",
    "red_flag_rising": "Pain rising over three visits",
}
ATTENTION_COLUMNS = {
    "failure_to_progress": ("patient_id", "link", "why", "baseline_pain", "latest_pain", "expected_q75_pain",
                            "latest_session", "therapist", "days_since_last_visit", "last_attended_date",
                            "sessions_attended", "start_date", "course_id"),
    "red_flag_rising": ("patient_id", "link", "last_rise_date", "rise", "therapist", "days_since_last_visit",
                        "last_attended_date", "sessions_attended", "start_date", "course_id"),
}


def attention_caption(reason: str, settings, recent_days: int) -> str:
    """What an Overview progress list holds, in words."""
    what = {
        "failure_to_progress": (f"Pain has not fallen by {MCID_LABELS[settings.mcid]} from the first scored session "
                                f"to the latest scored session after the first {settings.progress_after}, or is "
                                "worse there than three in four similar courses' (below expected): review the plan, "
                                "and consider sending the patient back to the doctor. The latest judged first."),
        "red_flag_rising": ("Pain before the session rose at three scored sessions in a row: a red flag to check and "
                            "refer. The latest rise first."),
    }[reason]
    return (f"{what} Current courses only (a visit, or the start, within the last {recent_days} days); the Protocol "
            "safety page counts every course.")


def attention(read: Read, recent_days: int) -> dict[str, pd.DataFrame]:
    """The Overview's progress lists among current courses, by reason (ATTENTION order), each with
    `rise` (a rise's three scores in words)."""
    found = _with_why(read("flags_attention", recent_days=recent_days, **params()))
    rises = [_rise_words(pains) for pains in found.last_rise_pains]
    found = found.drop(columns="last_rise_pains").assign(rise=pd.Series(rises, index=found.index, dtype="string"))
    return {reason: found.loc[found.reason == reason].drop(columns="reason") for reason in ATTENTION}


def settings_caption(settings) -> str:
    """The settings the page's checks use, in words (the CSV downloads state every setting)."""
    return (f"Failure to progress: pain not fallen by {MCID_LABELS[settings.mcid]} (the minimal clinically "
            f"important difference), or worse than three in four similar courses', judged after "
            f"{settings.progress_after} sessions; a baseline of {CEILING_PAIN} or less is too low to judge by the "
            f"MCID. Shares of fewer than {settings.min_cohort} are too few to judge.")

