"""Seeded synthetic demo data: a year of a sciatica massage clinic, at any size.

Everything here is invented. Patients are pseudonymous ids (`P000001`), therapists carry tree
names that cannot be mistaken for real people, and the sites are neutral place labels. The same
(seed, patients, end_date) always gives the same database, so demos, screenshots and benchmarks
can be reproduced.

What the data looks like:
- about 10 therapists at 3 sites; a patient belongs to one site and is treated by its therapists;
- diagnoses: mostly disc herniation, then piriformis syndrome, spinal stenosis (older patients)
  and other; ages mostly 25-80; sex F/M and a rare X;
- referral paperwork a few days before the first course: doctor's conclusion (mostly present),
  imaging (MRI/CT/X-ray/none), blood tests;
- daily courses of 8-15 planned sessions starting across the year before end_date, so some are
  still running on end_date; some patients come back months later for a second course;
- adherence: most come every day (a cancelled or missed day is made up at the end), some take
  breaks of 1-3 days, some drop out after 2-3 visits (sometimes with a final no-show), a few get
  two sessions on one day (09:30 and 17:00);
- pain (NRS 0-10): first visit mostly 5-9, relief within most first sessions, a downward trend
  across the course with day-to-day noise, non-responders, short flare-ups, about 2 % missing
  scores, and a handful of patients who arrive with no pain at all;
- therapists differ a little in outcomes;
- a few courses are listed in the courses file with a start date a day or two after their first
  visit (a booking entered late), which Data quality's "Visits before the listed start" finds;
- about one patient in 100 comes from a booking system that keeps no courses: their sessions carry
  no course id and they have no courses-file row, so their courses are inferred as an import
  infers them (a new course after more than 30 days without a row), and a returning patient's
  second course is one of Data quality's "New courses after a long gap".

Rows are built as whole numpy columns (no loop per patient or per session) and written in one
transaction, so 200,000 patients (about 2.5 million sessions) take seconds, not minutes.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from types import SimpleNamespace

import duckdb
import numpy as np
import pandas as pd

from clinic import db, facts

# The clinic's staff and sites. Each therapist works at one site and has a small personal
# effect on first-session relief (added to the mean relative pain drop, and to the chance that
# a course responds at all), so cohort views by therapist show honest, modest differences.
SITES = ("North", "Central", "Riverside")
THERAPISTS = (
    # name,      site index, outcome shift
    ("Alder",    0,  0.02),
    ("Birch",    0, -0.01),
    ("Cedar",    0,  0.00),
    ("Juniper",  1,  0.03),
    ("Larch",    1, -0.02),
    ("Linden",   1,  0.01),
    ("Maple",    1,  0.01),
    ("Rowan",    2, -0.01),
    ("Spruce",   2,  0.02),
    ("Sycamore", 2, -0.03),
)
THERAPIST_NAMES = tuple(t[0] for t in THERAPISTS)
SITE_WEIGHTS = (0.30, 0.42, 0.28)

# Column vocabularies; the generator works with their positions.
DIAGNOSES = ("disc_herniation", "piriformis_syndrome", "spinal_stenosis", "other")
DIAGNOSIS_WEIGHTS = (0.58, 0.20, 0.14, 0.08)
SEXES = ("F", "M", "X")
SEX_WEIGHTS = (0.56, 0.436, 0.004)
IMAGING = ("mri", "ct", "xray", "none")
IMAGING_WEIGHTS = (0.46, 0.14, 0.24, 0.16)
STATUSES = ("attended", "cancelled", "no_show")
ATTENDED, CANCELLED, NO_SHOW = 0, 1, 2

# Free-text notes a therapist might write. One contains markup characters on purpose: notes are
# user text and must always be shown escaped.
NOTES = (
    "felt lighter walking home",
    "pain < yesterday & sleeping better <b>ok</b>",
    "tension in the left gluteal area",
    "radiating pain down the leg, eased after the session",
    "stiff in the morning, better by evening",
    "home stretches explained",
    "long hours sitting at work yesterday",
    "tingling in the foot less often",
    "numbness unchanged, advised to see the neurologist",
    # notes on sessions that did not take place
    "rescheduled by phone",
    "unwell, cancelled",
    "transport problem",
)
ATTENDED_NOTES = np.arange(0, 9)
MISSED_NOTES = np.arange(9, 12)

# Planned course lengths (daily sessions): 10 is the clinic's standard course.
PLANNED = np.arange(8, 16)
PLANNED_WEIGHTS = np.array([6, 6, 34, 6, 16, 6, 8, 18]) / 100

# Pain at the first visit, before the first session (NRS).
BASELINE = np.arange(3, 11)
BASELINE_WEIGHTS = np.array([3, 7, 15, 20, 22, 18, 10, 5]) / 100

# Adherence patterns of a course.
REGULAR, IRREGULAR, DROPOUT = 0, 1, 2
ADHERENCE_WEIGHTS = (0.70, 0.18, 0.12)
MAKEUP_SLOTS = 3            # a missed day is made up at the end of the course, up to 3 times

YEAR_DAYS = 365
# About one course in 200 is listed with a start date a day or two after its first visit.
LATE_LISTING_SHARE = 0.005
LATE_LISTING_STREAM = 1     # the listed starts' own random stream, apart from the seed's main one
# About one patient in 100 comes from a booking system that keeps no course records.
UNLISTED_SHARE = 0.01
UNLISTED_STREAM = 2
MORNING, EVENING = 9 * 60 + 30, 17 * 60    # the two sessions of a two-session day


# The columns of the patient and course frames that are written (the rest only drive sessions).
PATIENT_COLUMNS = ("patient_no", "birth_year", "sex", "diagnosis", "referral_day", "doctor_conclusion",
                   "imaging", "blood_tests", "site")
COURSE_COLUMNS = ("course_no", "patient_no", "start_day", "planned_sessions")


class DemoRefused(ValueError):
    """The database already holds data; demo data never overwrites real records."""


# Bulk writes (queries/demo_insert_*.sql): each reads one registered frame of numeric codes and
# turns codes into the stored text (ids, names, vocabularies) inside DuckDB, which is far faster
# than building millions of Python strings.





def generate(con: duckdb.DuckDBPyConnection, patients: int = 2000, seed: int = 1,
             end_date: dt.date | None = None, now: dt.datetime | None = None) -> dict:
    """Fills an EMPTY database (schema already created by clinic.db.connect) with demo data.

    end_date defaults to today; all data lies in the ~12 months up to end_date and no session is
    dated after it. When end_date is today, no session is timed later today than `now` (default:
    the moment of the call): the rest of today has not happened yet.
    Returns counts {"patients": n, "courses": n, "sessions": n, "inferred_courses": n}: the rows
    written to each table, and the courses inferred for sessions without a course id.
    Raises DemoRefused if the database already holds any sessions, patients or courses.
    """
    if patients < 1:
        raise ValueError("the number of demo patients must be at least 1")
    now = now or dt.datetime.now()
    end = end_date or now.date()
    day_ends_at = now.time() if end == now.date() else None

    con.begin()
    try:
        held = db.fetch(con, "table_counts")[0]
        if any(held):
            raise DemoRefused(
                f"the database already holds {held[0]} patients, {held[1]} courses and {held[2]} "
                "sessions; demo data is only written into an empty database (choose a new --db path)"
            )
        tables = build(patients=patients, seed=seed, end_date=end, day_ends_at=day_ends_at)
        counts = _write(con, tables, patients=patients, seed=seed, end=end)
        con.commit()
    except BaseException:
        con.rollback()
        raise
    return counts


def build(patients: int, seed: int, end_date: dt.date,
          day_ends_at: dt.time | None = None) -> dict[str, pd.DataFrame]:
    """The demo tables as frames of numeric codes (no database needed).

    Days are counted relative to end_date (0 = end_date, -1 = the day before); -1 in a code
    column means "not recorded". The frames are what the bulk inserts read.
    With day_ends_at, sessions on end_date timed after it are left out (they have not happened
    yet); everything else is the same as without it.
    """
    rng = np.random.default_rng(seed)
    people = _patients(rng, patients, end_date)
    courses = _courses(rng, people)
    sessions = _sessions(rng, courses, people)
    courses.start_day = _listed_start(seed, courses.start_day, sessions)
    courses, sessions = _without_course_records(seed, courses, sessions)
    if day_ends_at is not None:
        minute_now = day_ends_at.hour * 60 + day_ends_at.minute
        later_today = (sessions.session_day == 0) & (sessions.minute_of_day > minute_now)
        sessions = sessions.loc[~later_today].reset_index(drop=True)
    return {"patients": _frame(people, PATIENT_COLUMNS), "courses": _frame(courses, COURSE_COLUMNS),
            "sessions": sessions}


def _listed_start(seed: int, start_day: np.ndarray, sessions: pd.DataFrame) -> np.ndarray:
    """The start date each course is listed with: its first day, but for about one course in 200
    whose listing says a day or two later (never after end_date), so that its first visits come
    before its listed start.

    Drawn from a generator of its own, so every other column is the same as without it."""
    rng = np.random.default_rng([seed, LATE_LISTING_STREAM])
    has_session = np.zeros(start_day.size, dtype=bool)
    has_session[sessions.course_no.to_numpy() - 1] = True
    late = has_session & (rng.random(start_day.size) < LATE_LISTING_SHARE)
    shift = rng.integers(1, 3, start_day.size)
    return np.where(late, np.minimum(start_day + shift, 0), start_day).astype(start_day.dtype)


def _without_course_records(seed: int, courses: SimpleNamespace,
                            sessions: pd.DataFrame) -> tuple[SimpleNamespace, pd.DataFrame]:
    """About one patient in 100 has no course records: their courses are left out of the courses
    frame and their sessions carry course number 0 (no course id; generate() infers their courses).

    Drawn from a generator of its own, so every other row is the same as without it."""
    rng = np.random.default_rng([seed, UNLISTED_STREAM])
    patients = int(courses.patient.max()) + 1 if courses.patient.size else 0
    unlisted = rng.random(patients) < UNLISTED_SHARE
    keep = ~unlisted[courses.patient]
    kept = SimpleNamespace(**{name: value[keep] if isinstance(value, np.ndarray) and value.size == keep.size
                              else value for name, value in vars(courses).items()})
    sessions = sessions.copy()
    sessions.loc[unlisted[sessions.patient_no.to_numpy() - 1], "course_no"] = 0
    return kept, sessions


def _frame(columns: SimpleNamespace, names: tuple[str, ...]) -> pd.DataFrame:
    """The columns that are written to the database, as one frame."""
    return pd.DataFrame({name: getattr(columns, name) for name in names})


def _pick(rng: np.random.Generator, weights, size: int) -> np.ndarray:
    """Positions 0..len(weights)-1 drawn with the given weights."""
    return rng.choice(len(weights), size=size, p=np.asarray(weights) / np.sum(weights)).astype(np.int8)


def _true_false_unknown(rng: np.random.Generator, p_true: float, p_false: float, size: int) -> np.ndarray:
    """1 (true), 0 (false) or -1 (unknown)."""
    u = rng.random(size)
    return np.where(u < p_true, 1, np.where(u < p_true + p_false, 0, -1)).astype(np.int8)


def _patients(rng: np.random.Generator, n: int, end: dt.date) -> SimpleNamespace:
    diagnosis = _pick(rng, DIAGNOSIS_WEIGHTS, n)
    stenosis = diagnosis == DIAGNOSES.index("spinal_stenosis")
    # Spinal stenosis is a condition of older people; the rest span working age and beyond.
    age = np.where(stenosis, rng.normal(66, 8, n), rng.normal(47, 13, n))
    age = np.clip(np.rint(age), 19, 90).astype(np.int32)
    sex = _pick(rng, SEX_WEIGHTS, n)
    site = _pick(rng, SITE_WEIGHTS, n)

    # First course: any day of the year before end_date. Patients who will relapse start early
    # enough for a second course 75-240 days later, still on or before end_date.
    relapse = rng.random(n) < 0.16
    latest = np.where(relapse, -90, 0)
    first_start = -(YEAR_DAYS - 1) + np.floor(rng.random(n) * (latest + YEAR_DAYS)).astype(np.int32)
    room = np.minimum(240 - 75, -first_start - 75)
    second_start = first_start + 75 + np.floor(rng.random(n) * (np.maximum(room, 0) + 1)).astype(np.int32)

    # Referral paperwork, dated a few days before the first course (occasionally not recorded).
    referral_day = (first_start - rng.integers(1, 15, n)).astype("float64")
    referral_day[rng.random(n) < 0.03] = np.nan

    doctor_conclusion = _true_false_unknown(rng, 0.84, 0.10, n)
    imaging = _pick(rng, IMAGING_WEIGHTS, n)
    blood_tests = _true_false_unknown(rng, 0.62, 0.28, n)
    # Numbness is a red flag reported mostly with disc herniation.
    numb = rng.random(n) < np.where(diagnosis == DIAGNOSES.index("disc_herniation"), 0.22, 0.10)
    return SimpleNamespace(
        patient_no=np.arange(1, n + 1, dtype=np.int64), birth_year=(end.year - age).astype(np.int32),
        sex=sex, diagnosis=diagnosis, referral_day=pd.array(referral_day, dtype="Int32"),
        doctor_conclusion=doctor_conclusion, imaging=imaging, blood_tests=blood_tests, site=site,
        relapse=relapse, first_start=first_start, second_start=second_start, numb=numb)


def _site_therapist(rng: np.random.Generator, site: np.ndarray) -> np.ndarray:
    """A therapist of each row's site, uniformly."""
    sites = np.array([t[1] for t in THERAPISTS])
    first = np.searchsorted(sites, np.arange(len(SITES)))
    size = np.bincount(sites, minlength=len(SITES))
    return (first[site] + np.floor(rng.random(site.size) * size[site])).astype(np.int8)


def _courses(rng: np.random.Generator, people: SimpleNamespace) -> SimpleNamespace:
    n = people.relapse.size
    per_patient = 1 + people.relapse.astype(np.int64)
    patient = np.repeat(np.arange(n), per_patient)                 # position of the patient
    second = np.zeros(patient.size, dtype=bool)
    second[1:] = patient[1:] == patient[:-1]
    c = patient.size

    start_day = np.where(second, people.second_start[patient], people.first_start[patient])
    planned = PLANNED[_pick(rng, PLANNED_WEIGHTS, c)].astype(np.int32)

    # A returning patient usually sees the same therapist again.
    therapist = _site_therapist(rng, people.site[patient])
    keep_same = second & (rng.random(c) < 0.7)
    therapist[keep_same] = therapist[np.flatnonzero(keep_same) - 1]
    shift = np.array([t[2] for t in THERAPISTS])[therapist]

    adherence = _pick(rng, ADHERENCE_WEIGHTS, c)
    responder = rng.random(c) < 0.78 + shift
    # Relative pain drop within the first session, and the net day-to-day improvement.
    first_relief = np.where(responder, rng.normal(0.45 + shift, 0.13, c), rng.normal(0.08, 0.07, c))
    first_relief = np.clip(first_relief, 0.0, 0.9)
    daily_gain = np.where(responder, rng.normal(0.07, 0.025, c), rng.normal(0.0, 0.015, c))
    daily_gain = np.clip(daily_gain, -0.05, 0.15)
    baseline = BASELINE[_pick(rng, BASELINE_WEIGHTS, c)].astype(np.float64)
    # A handful of patients arrive with no pain at all on their first visit.
    pain_free = rng.choice(np.flatnonzero(~second), size=min(n, max(3, n // 1000)), replace=False)
    baseline[pain_free] = 0.0
    # Short flare-ups: pain rises for two sessions somewhere in the course.
    flare_at = np.where(rng.random(c) < 0.06, rng.integers(3, 9, c), -10)
    # Drop-outs stop after 2-3 visits; half of them leave a final no-show behind.
    dropout_after = rng.integers(2, 4, c)
    trailing_no_show = rng.random(c) < 0.5
    # Most courses are booked at a regular time of day; some records carry no time.
    usual_minute = np.where(rng.random(c) < 0.75, 8 * 60 + 30 * rng.integers(0, 24, c), -1)

    return SimpleNamespace(
        course_no=np.arange(1, c + 1, dtype=np.int64), patient_no=patient + 1,
        start_day=start_day.astype(np.int32), planned_sessions=planned,
        patient=patient, therapist=therapist, adherence=adherence, responder=responder,
        first_relief=first_relief, daily_gain=daily_gain, baseline=baseline,
        pain_free=np.isin(np.arange(c), pain_free), flare_at=flare_at, dropout_after=dropout_after,
        trailing_no_show=trailing_no_show, usual_minute=usual_minute)


def _group_starts(group: np.ndarray) -> np.ndarray:
    """For rows sorted by group: the index of the first row of each row's group."""
    new = np.ones(group.size, dtype=bool)
    new[1:] = group[1:] != group[:-1]
    return np.maximum.accumulate(np.where(new, np.arange(group.size), 0))


def _cumsum_before(values: np.ndarray, first: np.ndarray) -> np.ndarray:
    """Per group (rows contiguous, `first` from _group_starts): sum of the earlier rows' values."""
    before = np.cumsum(values) - values
    return before - before[first]


def _sessions(rng: np.random.Generator, courses: SimpleNamespace, people: SimpleNamespace) -> pd.DataFrame:
    # Booked slots: the planned daily sessions plus room for make-up sessions.
    slots = courses.planned_sessions.astype(np.int64) + MAKEUP_SLOTS
    course = np.repeat(np.arange(slots.size), slots)
    first = _group_starts(course)
    slot = np.arange(course.size) - first
    kind = courses.adherence[course]
    r = course.size

    # Cancellations and no-shows, rarer on the very first booking.
    p_cancel = np.array([0.02, 0.06, 0.03])[kind]
    p_no_show = np.array([0.012, 0.04, 0.02])[kind]
    p_scale = np.where(slot == 0, 0.5, 1.0)
    u = rng.random(r)
    status = np.where(u < p_cancel * p_scale, CANCELLED,
                      np.where(u < (p_cancel + p_no_show) * p_scale, NO_SHOW, ATTENDED)).astype(np.int8)

    # A few days carry two sessions: a slot lands on the same day as the one before it.
    prev_attended = np.zeros(r, dtype=bool)
    prev_attended[1:] = status[:-1] == ATTENDED
    double = ((slot >= 2) & (kind != DROPOUT) & (status == ATTENDED) & prev_attended
              & (rng.random(r) < 0.004))

    # Breaks: extra days without a session before a slot (1-3 days for irregular attenders).
    p_break = np.array([0.02, 0.18, 0.05])[kind]
    longest = np.array([1, 3, 2])[kind]
    gap = np.where(rng.random(r) < p_break, 1 + np.floor(rng.random(r) * longest), 0).astype(np.int64)
    step = np.where(slot == 0, 0, np.where(double, 0, 1 + gap))
    day_in_course = _cumsum_before(step, first) + step

    # Keep slots until the course's planned days are attended (or the drop-out's last visit). A
    # second session on a day is an extra: it does not use up one of the planned daily sessions.
    attended = status == ATTENDED
    attended_before = _cumsum_before((attended & ~double).astype(np.int64), first)
    dropout = kind == DROPOUT
    limit = np.where(dropout, courses.dropout_after[course], courses.planned_sessions[course])
    prev_count = np.full(r, -1)
    prev_count[1:] = attended_before[:-1]
    final_no_show = (dropout & courses.trailing_no_show[course] & (slot > 0)
                     & (attended_before == limit) & (prev_count < limit))
    session_day = courses.start_day[course] + day_in_course
    keep = ((attended_before < limit) | final_no_show) & (session_day <= 0)   # nothing after end_date
    status[final_no_show] = NO_SHOW

    course, status, double, session_day = (a[keep] for a in (course, status, double, session_day))
    first = _group_starts(course)
    attended = status == ATTENDED
    visit = _cumsum_before(attended.astype(np.int64), first)       # attended sessions before this one
    r = course.size
    noise = rng.normal(0.0, 1.0, (5, r))

    # Pain follows a multiplicative path: every attended session brings relief within the session
    # (pain_after below pain_before) and a smaller net gain carried to the next day, so the next
    # pain_before is usually a little above the last pain_after. Missed days let pain creep back.
    responder = courses.responder[course]
    gain = courses.daily_gain[course] * np.clip(1 - visit / 25, 0.3, 1) + 0.02 * noise[0]
    flare = (visit >= courses.flare_at[course]) & (visit < courses.flare_at[course] + 2)
    gain = np.where(flare, -0.18, gain)
    gain = np.where(attended, gain, -0.02)
    relief = np.where(responder, 0.22 + 0.08 * noise[1], 0.07 + 0.05 * noise[1])
    relief = np.where(visit == 0, courses.first_relief[course], relief)
    relief = np.clip(np.maximum(relief, gain + 0.02), 0.0, 0.9)
    level = courses.baseline[course] * np.exp(_cumsum_before(np.log1p(-np.clip(gain, -0.5, 0.5)), first))
    before = np.clip(np.rint(level + 0.35 * noise[2]), 0, 10)
    after = np.clip(np.rint(level * (1 - relief) + 0.35 * noise[3]), 0, 10)
    pain_free_visit = courses.pain_free[course] & attended & (visit == 0)
    before[pain_free_visit] = 0
    after[pain_free_visit] = 0

    # About 2 % of attended sessions miss one or both scores; never the pain-free first visits.
    u = rng.random(r)
    missing_before = (u < 0.008) | ((u >= 0.016) & (u < 0.02))
    missing_after = (u >= 0.008) & (u < 0.02)
    missing_before &= ~pain_free_visit
    missing_after &= ~pain_free_visit
    pain_before = np.where(attended & ~missing_before, before, -1).astype(np.int8)
    pain_after = np.where(attended & ~missing_after, after, -1).astype(np.int8)

    # Muscle tension tracks pain loosely; occasionally not recorded.
    tension = np.clip(np.rint(1.5 + 0.65 * level + 1.1 * noise[4]), 0, 10)
    muscle_tension = np.where(attended & (rng.random(r) >= 0.03), tension, -1).astype(np.int8)

    # Numbness: reported by the patients who have it, less often as the course goes on.
    numb_patient = people.numb[courses.patient[course]]
    p_numb = np.where(numb_patient, np.clip(0.85 - 0.04 * visit, 0.3, 1), 0.01)
    numbness = np.where(rng.random(r) < p_numb, 1, 0)
    numbness = np.where(attended & (rng.random(r) >= 0.04), numbness, -1).astype(np.int8)

    # Acute inflammation: massage should wait until it subsides, yet a few sessions record it.
    p_acute = np.where(visit == 0, 0.04, 0.006)
    acute = np.where(rng.random(r) < p_acute, 1, 0)
    acute = np.where(attended & (rng.random(r) >= 0.03), acute, -1).astype(np.int8)

    # Notes on a few sessions; more often on the ones that did not happen.
    u = rng.random(r)
    note = np.where(attended,
                    np.where(u < 0.03, rng.choice(ATTENDED_NOTES, r), -1),
                    np.where(u < 0.25, rng.choice(MISSED_NOTES, r), -1))

    # Time of day: the course's usual time, sometimes another; two-session days at 09:30 and 17:00.
    minute = courses.usual_minute[course].copy()
    moved = (minute >= 0) & (rng.random(r) < 0.12)
    minute[moved] = 8 * 60 + 30 * rng.integers(0, 24, int(moved.sum()))
    minute[double] = EVENING
    minute[np.flatnonzero(double) - 1] = MORNING

    # The course's therapist, with an occasional colleague from the same site standing in.
    therapist = courses.therapist[course].copy()
    stand_in = (visit > 0) & (rng.random(r) < 0.03)
    therapist[stand_in] = _site_therapist(rng, people.site[courses.patient[course[stand_in]]])

    return pd.DataFrame({
        "session_no": np.arange(1, r + 1, dtype=np.int64),
        "patient_no": courses.patient[course] + 1,
        "course_no": course + 1,
        "session_day": session_day.astype(np.int32),
        "therapist": therapist,
        "status": status,
        "pain_before": pain_before,
        "pain_after": pain_after,
        "minute_of_day": minute.astype(np.int16),
        "muscle_tension": muscle_tension,
        "numbness": numbness,
        "acute_inflammation": acute,
        "note": note.astype(np.int8),
    })


def _width(count: int, at_least: int) -> int:
    return max(at_least, len(str(count)))


def _write(con: duckdb.DuckDBPyConnection, tables: dict[str, pd.DataFrame], patients: int,
           seed: int, end: dt.date) -> dict:
    """Bulk-inserts the three tables and logs one import batch per table (inside the caller's transaction)."""
    label = f"demo: seed {seed}, {patients} patients, up to {end.isoformat()}"
    sizes = {kind: len(frame) for kind, frame in tables.items()}
    # Course numbers run over every generated course, also those left without records, so the
    # width follows the largest number written, not the count of rows.
    largest_course = max([int(tables[kind].course_no.max()) for kind in ("courses", "sessions") if sizes[kind]],
                         default=0)
    widths = {"patient_width": _width(sizes["patients"], 6), "course_width": _width(largest_course, 7)}
    statements = {
        "patients": ("demo_insert_patients", {
            "end_date": end, "patient_width": widths["patient_width"], "sexes": list(SEXES),
            "diagnoses": list(DIAGNOSES), "imaging": list(IMAGING), "sites": list(SITES)}),
        "courses": ("demo_insert_courses", {"end_date": end, **widths}),
        "sessions": ("demo_insert_sessions", {
            "end_date": end, **widths, "session_width": _width(sizes["sessions"], 8),
            "statuses": list(STATUSES), "therapists": [t[0] for t in THERAPISTS], "notes": list(NOTES)}),
    }
    imported_at = dt.datetime.now().replace(microsecond=0)
    for kind, (query, params) in statements.items():
        batch_id = db.fetch(con, "next_batch_id")[0][0]
        db.execute(con, query, batch_id=batch_id, **params, **{f"demo_{kind}": tables[kind]})
        digest = hashlib.sha256(f"{label} ({kind})".encode()).hexdigest()
        db.execute(con, "log_batch", batch_id=batch_id, file_name=label, file_kind=kind, sha256=digest,
                   rows_read=sizes[kind], rows_new=sizes[kind], rows_updated=0, rows_unchanged=0,
                   rows_rejected=0, imported_at=imported_at)
    db.execute(con, "infer_courses")      # the sessions without a course id, as an import groups them
    facts.refresh(con)
    inferred = db.fetch(con, "inferred_course_count")[0][0]
    return {**sizes, "inferred_courses": inferred}
