"""Sessions recorded (and corrected) in the dashboard, through the importer's own rules.

A recorded session is a one-row sessions file that never touches the disk: its values are judged
by clinic.importer exactly as an XLSX row would be (validate(), then the checks against the stored
data in check_stored_sessions, into the temp table `checked`), merged like any import, its course
inferred by infer_courses, logged as a batch of kind 'recorded', and the per-course facts rebuilt:
all in one short transaction, so every page shows the session as soon as it is saved. A refused row
writes nothing and comes back with the importer's reason.

Who may record what is decided here, not in the page:
- a therapist records only as themselves (the therapist of their account), and only for the
  patients of the courses they treat (the scope every page uses) or for a patient new to the
  clinic (an id with no session, course or patient row yet);
- a therapist corrects only sessions they gave; the director records and corrects for anyone.
A correction keeps the version it replaces in session_history (who replaced it, when, which
version). An import that updates a session keeps no history: the imported file is its record.

No Streamlit here: the page (pages/record_session.py) draws, this module decides and writes.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from clinic import db, facts, importer
from clinic.text import flags_in_words

FILE_KIND = "recorded"
FILE_NAME = "recorded in the dashboard"
WAIT_SECONDS = 5.0          # how long a save waits for an import to let go of the database
BUSY_MESSAGE = "An import is running; nothing was saved; try again in a moment."
STATUSES = importer.STATUSES
COLUMNS = importer.SESSIONS.columns

# A pseudonymous patient id typed for a new patient: letters, digits and - _ . : (no spaces), up
# to 40 characters, with at least one digit, so that a name ("Anna", "J. Smith") is never taken.
NEW_PATIENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,39}")
NEW_PATIENT_RULE = ("a new patient id is letters, digits and - _ . : only (no spaces), at most 40 characters, "
                    "with at least one digit, such as P-1042. Never a name: patients are pseudonymous ids")


class RecordingBusy(db.DatabaseLocked):
    """An import holds the database past the wait: nothing was saved (str() is BUSY_MESSAGE)."""


@dataclass(frozen=True)
class Recorder:
    """Who is recording: the account's name (for the history) and its scope, the therapist of a
    therapist account (None for the director, who may record for anyone)."""
    user: str
    scope: str | None


@dataclass
class Outcome:
    """What became of one session: saved (new, or corrected), unchanged, or refused with reasons."""
    session_id: str
    saved: bool = False
    change: str | None = None               # 'new', 'updated' or 'unchanged' when judged
    problems: list[importer.Reject] = field(default_factory=list)
    batch_id: int | None = None
    row: dict | None = None                 # the row as stored
    course: str | None = None               # the course it is in as stored (its course id, else the inferred one)

    @property
    def refused(self) -> bool:
        return bool(self.problems)

    def reasons(self) -> list[str]:
        return [p.reason for p in self.problems]


_last_millis = [0]
_id_lock = threading.Lock()


def new_session_id() -> str:
    """A fresh session id, 'R-' + the time in milliseconds (base 36, so ids sort by when they were
    made) + 4 random characters: R-MIPX3K2A-7Q2M. Within this process the milliseconds strictly
    increase (two ids made in the same millisecond take the next one), so its ids never repeat; the
    random tail keeps ids of two processes apart."""
    with _id_lock:
        millis = max(int(time.time() * 1000), _last_millis[0] + 1)
        _last_millis[0] = millis
    stamp = ""
    while millis:
        millis, digit = divmod(millis, 36)
        stamp = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[digit] + stamp
    tail = "".join(secrets.choice("0123456789ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(4))
    return f"R-{stamp}-{tail}"


def new_patient_problem(patient_id: str) -> str | None:
    """Why a typed new patient id is not taken (None when it is a well-formed pseudonymous id)."""
    text = (patient_id or "").strip()
    if not text:
        return "type the new patient's id"
    if not NEW_PATIENT_ID.fullmatch(text) or not any(c.isdigit() for c in text):
        return NEW_PATIENT_RULE
    return None


def _in_transaction(con, name: str, **params) -> list[dict]:
    """A query run on `con` itself (db.fetch), so it sees the open transaction, as dicts by column."""
    rows = db.fetch(con, name, **params)
    columns = [d[0] for d in con.description]
    return [dict(zip(columns, r)) for r in rows]


def _problem(column: str | None, value, reason: str) -> importer.Reject:
    return importer.Reject(1, column, None if value is None else str(value)[:importer.SHOWN_VALUE_CHARS], reason)


def _who_may(con, who: Recorder, row: dict, stored: dict | None, today: dt.date) -> list[importer.Reject]:
    """The rules on who records what (see the module's docstring), as problems like the importer's."""
    if who.scope is None:
        return []
    problems = []
    if stored is not None and stored["therapist"] != who.scope:
        problems.append(_problem("session_id", row["session_id"],
                                 "this session was given by another therapist: only they or the director can correct it"))
    if row.get("therapist") != who.scope:
        problems.append(_problem("therapist", row.get("therapist"),
                                 f"a therapist records sessions as themselves ({who.scope})"))
    patient_id = row.get("patient_id")
    if patient_id and not problems:
        if not in_scope(con, who.scope, today, patient_id) and db.fetch(con, "record_patient_known",
                                                                         patient_id=patient_id)[0][0]:
            problems.append(_problem("patient_id", patient_id,
                                     "this patient is not among yours (the patients of the courses you treat); "
                                     "ask the director to record the session"))
    return problems


def in_scope(con, scope: str, as_of: dt.date, patient_id: str) -> bool:
    """Whether therapist `scope` treats patient `patient_id` as of `as_of` (the rule of
    queries/record_patients.sql): from the stored course facts while they are up to date, without a
    session row read; otherwise from the patient's rows."""
    if facts.fresh(con):
        return bool(db.fetch(con, "record_patient_mine", scope=scope, as_of=as_of, patient_id=patient_id)[0][0])
    return bool(db.fetch(con, "record_patients", scope=scope, as_of=as_of, patient_id=patient_id, most=1))


def _row_hash(row: dict) -> str:
    return hashlib.sha256(json.dumps(row, default=str, sort_keys=True).encode("utf-8")).hexdigest()


def record(path: str | Path, row: dict, who: Recorder, *, correcting: bool = False, today: dt.date | None = None,
           wait_seconds: float = WAIT_SECONDS, new_patient: bool = False) -> Outcome:
    """Records one session (or, with `correcting`, replaces the stored session of row['session_id'])
    in the database at `path`, in one transaction; returns what became of it.

    `row` holds the sessions columns (importer.SESSIONS.columns) as Python values or text; missing
    ones are empty. A new session gets a fresh id (new_session_id) when it has none. `new_patient`
    says the patient id was typed as new: it must then be a well-formed pseudonymous id.
    Raises RecordingBusy when an import holds the database for longer than `wait_seconds`.
    """
    today = today or dt.date.today()
    row = {c: row.get(c) for c in COLUMNS}
    for column, value in row.items():
        if isinstance(value, str):
            row[column] = value.strip() or None
    if not correcting and not row["session_id"]:
        row["session_id"] = new_session_id()
    outcome = Outcome(session_id=row["session_id"] or "")
    if correcting and not row["session_id"]:
        outcome.problems.append(_problem("session_id", None, "name the session to correct"))
        return outcome
    if new_patient and (problem := new_patient_problem(row["patient_id"] or "")):
        outcome.problems.append(_problem("patient_id", row["patient_id"], f"patient_id: {problem}"))
        return outcome
    try:
        con = db.connect(path, wait_seconds=wait_seconds)
    except db.DatabaseLocked as exc:
        raise RecordingBusy(BUSY_MESSAGE) from exc
    try:
        with db.keep_macros(con):
            return _write(con, row, who, correcting, today, outcome)
    finally:
        con.close()


def _day(value) -> dt.date | None:
    """The session's day from the form (a date) or from text written YYYY-MM-DD; None otherwise (the
    importer's checks then refuse it)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
    except ValueError:
        return None


def ongoing_course(con, patient_id: str | None, day) -> str | None:
    """The course id a new session with no course id of its own joins: that of the patient's course
    going on that day (queries/record_ongoing_course.sql), or None to infer it as an import would (no
    course going on, or one whose rows carry no course id)."""
    if not patient_id or (day := _day(day)) is None:
        return None
    found = db.fetch(con, "record_ongoing_course", patient_id=patient_id, session_date=day)
    return found[0][0] if found else None


def _write(con, row: dict, who: Recorder, correcting: bool, today: dt.date, outcome: Outcome) -> Outcome:
    kind = importer.SESSIONS
    index = {c: i for i, c in enumerate(COLUMNS)}
    con.begin()
    try:
        if not correcting and row["course_id"] is None:
            # a new session goes on with the patient's course; a correction keeps the course it names
            row["course_id"] = ongoing_course(con, row["patient_id"], row["session_date"])
        table = importer.Table(header=list(COLUMNS), records=[(1, [row[c] for c in COLUMNS])], cells=True)
        stored = next(iter(_in_transaction(con, "record_session", session_id=row["session_id"])), None)
        if correcting and stored is None:
            outcome.problems.append(_problem("session_id", row["session_id"], "there is no such session to correct"))
        elif not correcting and stored is not None:
            outcome.problems.append(_problem("session_id", row["session_id"],
                                             "a session with this id is already stored (nothing was replaced)"))
        outcome.problems += _who_may(con, who, row, stored, today)
        if outcome.problems:
            db.rollback(con)
            return outcome
        rows_read = importer._judge(con, kind, table, index, [], today, None)
        outcome.problems = [importer.Reject(*r) for r in db.fetch(con, "file_rejects")]
        if outcome.problems:
            db.rollback(con)
            return outcome
        batch_id = db.fetch(con, "next_batch_id")[0][0]
        if correcting:       # the version it replaces, before the merge writes the new one
            db.execute(con, "record_keep_version", session_id=row["session_id"], changed_by=who.user,
                       changed_at=dt.datetime.now().replace(microsecond=0))
        counts = importer._upsert(con, kind, [], batch_id)
        outcome.change = next(c for c in ("new", "updated", "unchanged") if counts[c])
        if outcome.change == "unchanged":
            db.rollback(con)                # nothing to save, and no version to keep
            return outcome
        db.execute(con, "infer_courses")
        db.execute(con, "log_batch", batch_id=batch_id, file_name=FILE_NAME, file_kind=FILE_KIND,
                   sha256=_row_hash(row), rows_read=rows_read, rows_new=counts["new"],
                   rows_updated=counts["updated"], rows_unchanged=0, rows_rejected=0,
                   imported_at=dt.datetime.now().replace(microsecond=0))
        facts.refresh(con)
        stored_now = _in_transaction(con, "record_session", session_id=row["session_id"])[0]
        con.commit()
    except BaseException:
        db.rollback(con)
        raise
    finally:
        db.execute(con, "drop_staging")
    outcome.saved, outcome.batch_id = True, batch_id
    outcome.row = {c: stored_now[c] for c in COLUMNS}
    outcome.course = stored_now["course"]
    return outcome


def saved_text(outcome: Outcome) -> str:
    """What the page says after a save: 'Saved session R-… for P-17 on 2026-11-20 in course C-88: attended,
    pain 7 → 4'."""
    row = outcome.row or {}
    verb = "Corrected" if outcome.change == "updated" else "Saved"
    text = f"{verb} session {outcome.session_id} for {row.get('patient_id')} on {row.get('session_date')}"
    if outcome.course:
        text += f" in course {outcome.course}"
    text += f": {row.get('status')}"
    before, after = row.get("pain_before"), row.get("pain_after")
    if before is not None or after is not None:
        text += f", pain {'–' if before is None else before} → {'–' if after is None else after}"
    return text


# ---------------------------------------------------------------- what the page reads

LISTED_PATIENTS = 300      # the patients offered in the list: those seen most recently; any other is typed


def patients(con, scope: str | None, as_of: dt.date | None = None, most: int = LISTED_PATIENTS) -> list[dict]:
    """The patients `scope` may record for as of a date (default today; every patient for the
    director): the `most` seen most recently, latest first."""
    return db.records(con, "record_patients", scope=scope, as_of=as_of or dt.date.today(), patient_id=None,
                      most=most)


def day_sessions(con, day: dt.date, scope: str | None, as_of: dt.date | None = None, search: str = "",
                 page_size: int | None = None, page_offset: int = 0):
    """The sessions of `day` the user may correct (a therapist's own), none after `as_of`, as a DataFrame:
    those whose patient or session id contains `search`, in time order, `page_size` of them from
    `page_offset` (every one without a page size), each row with matched_sessions and day_sessions."""
    return db.run(con, "record_day_sessions", day=day, scope=scope, as_of=as_of or dt.date.today(),
                  search=search, page_size=page_size, page_offset=page_offset)


def stored_session(con, session_id: str) -> dict | None:
    found = db.records(con, "record_session", session_id=session_id)
    return found[0] if found else None


def history(con, session_id: str):
    """The earlier versions of a session, newest first, as a DataFrame."""
    return db.run(con, "record_history", session_id=session_id)


def next_patient(patient_ids: list[str], current: str | None) -> str | None:
    """The patient after `current` in the list (the first one after the last, or when it is not listed)."""
    if not patient_ids:
        return None
    if current in patient_ids:
        return patient_ids[(patient_ids.index(current) + 1) % len(patient_ids)]
    return patient_ids[0]


def read_only_reason(path: str | Path) -> str | None:
    """Why sessions cannot be recorded into `path` (a Parquet dataset, which is read-only), or None."""
    if not Path(path).is_dir():
        return None
    try:
        from clinic import dataset
        dataset.refuse_write(path)
    except (db.ReadOnlyDataset, db.NotADatabase) as exc:
        return f"Sessions cannot be recorded here: {exc}."
    return None


# ---------------------------------------------------------------- reads for the page (this run's reader)

def listing(frame) -> tuple[list[str], dict]:
    """The patient list of the page from a record_patients result: ids, and each one's last visit."""
    ids = [str(p) for p in frame["patient_id"]]
    days = [None if d is None or d != d else getattr(d, "date", lambda: d)() for d in frame["last_session_date"]]
    return ids, dict(zip(ids, days))


def read_day(path: Path, day: dt.date, scope: str | None, as_of: dt.date | None = None, search: str = "",
             page_size: int | None = None, page_offset: int = 0):
    from clinic import store
    with store.reading(Path(path)) as con:
        return day_sessions(con, day, scope, as_of, search, page_size, page_offset)


def read_session(path: Path, session_id: str) -> dict | None:
    from clinic import store
    with store.reading(Path(path)) as con:
        return stored_session(con, session_id)


def read_history(path: Path, session_id: str):
    from clinic import store
    with store.reading(Path(path)) as con:
        return history(con, session_id)


def therapists(path: Path, options) -> list[str]:
    """The therapists the director may record for: those in the data (`options`, the filter_options
    result the sidebar already read) and those with an account."""
    from clinic import access
    names = set(options.loc[options["field"] == "therapist", "value"].tolist())
    names |= {u.therapist for u in access.AccessStore.for_database(path).users() if u.therapist}
    return sorted(names)


# ---------------------------------------------------------------- the form's values <-> a row

FLAG_CHOICES = ("unknown", "yes", "no")
_FLAG_VALUE = {"unknown": None, "yes": True, "no": False}


def flag_choice(value) -> str:
    return "unknown" if value is None else "yes" if value else "no"


def form_row(*, patient_id, session_date, session_time, therapist, status, pain_before, pain_after,
             muscle_tension, numbness, acute_inflammation, notes, course_id, session_id=None) -> dict:
    """A sessions row from the form's widget values (numbers from number inputs, yes/no/unknown)."""
    def whole(value):
        return int(value) if isinstance(value, float) and value.is_integer() else value
    return {"session_id": session_id, "patient_id": patient_id, "session_date": session_date,
            "therapist": therapist, "status": status, "pain_before": whole(pain_before),
            "pain_after": whole(pain_after), "course_id": course_id, "session_time": session_time,
            "muscle_tension": whole(muscle_tension), "numbness": _FLAG_VALUE.get(numbness, numbness),
            "acute_inflammation": _FLAG_VALUE.get(acute_inflammation, acute_inflammation), "notes": notes}


def form_values(stored: dict) -> dict:
    """A stored session as the form's fields (patient, date, time as HH:MM, yes/no/unknown, ...)."""
    clock = stored.get("session_time")
    return {"patient": stored["patient_id"], "date": stored["session_date"], "therapist": stored["therapist"],
            "time": clock.strftime("%H:%M") if clock is not None else "", "status": stored["status"],
            "pain_before": stored["pain_before"], "pain_after": stored["pain_after"],
            "tension": stored["muscle_tension"], "numbness": flag_choice(stored["numbness"]),
            "acute": flag_choice(stored["acute_inflammation"]), "notes": stored["notes"] or "",
            "course": stored["course_id"] or "", "new_patient": ""}


PROBLEM_LABELS = {"column": "Field", "value": "Value", "reason": "Why it was refused"}


def problems_frame(outcome: Outcome):
    import pandas as pd
    return pd.DataFrame([{"column": p.column or "", "value": p.value or "", "reason": p.reason}
                         for p in outcome.problems], columns=list(PROBLEM_LABELS))


# The day's table (column: header, help, format), each column as wide as what it shows, so the
# flags are read whole; the free-text notes come last, where a long one runs on to the right.
DAY_COLUMNS = {
    "session_id": ("Session", None, "text"), "session_time": ("Time", None, "text"),
    "patient_id": ("Patient", None, "text"), "therapist": ("Therapist", None, "text"),
    "status": ("Status", None, "text"),
    "pain_before": ("Before", "Pain before the session (NRS 0–10).", "count"),
    "pain_after": ("After", "Pain after the session (NRS 0–10).", "count"),
    "muscle_tension": ("Tension", "Muscle tension (0–10).", "count"),
    "flags": ("Flags", "Red flags recorded at the session: numbness; acute = acute inflammation.", "text"),
    "course": ("Course", None, "text"),
    "source": ("Entered", "Where the session came from: an import, or this page (dashboard).", "text"),
    "corrections": ("Corrected", "How many times the session was corrected on this page.", "count"),
    "notes": ("Notes", None, "text"),
}
DAY_LABELS = {column: header for column, (header, _help, _format) in DAY_COLUMNS.items()}


def day_columns(scope: str | None) -> dict:
    """DAY_COLUMNS as a user's table shows them: a therapist's own day leaves out the therapist (always
    themselves), which lets the table fit the page."""
    return {column: spec for column, spec in DAY_COLUMNS.items() if not (scope and column == "therapist")}


def day_frame(sessions):
    """The day's sessions as the page lists them: time as HH:MM, the flags in words (acute = acute
    inflammation), where each came from."""
    import pandas as pd
    frame = sessions.copy()
    frame["session_time"] = ["" if pd.isna(t) else t.strftime("%H:%M") for t in frame.session_time.astype(object)]
    frame["flags"] = [flags_in_words(n, a)
                      for n, a in zip(frame.numbness.astype(object), frame.acute_inflammation.astype(object))]
    frame["notes"] = frame.notes.fillna("")
    frame["source"] = ["dashboard" if r else "import" for r in frame.recorded]
    return frame[list(DAY_LABELS)]
