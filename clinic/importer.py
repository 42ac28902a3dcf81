"""CSV/XLSX import: validate every row, quarantine rejects, upsert the rest in one transaction.

The rules are the data contract in DESIGN.md ("Reject, never guess"):
- a file's kind (sessions, patients, courses) is told by its columns;
- a file with a direct-identifier column, a missing required column or unreadable text is refused
  whole and nothing of it is written;
- a bad row goes to the rejects report (file, line, column, value, reason) and good rows still load,
  so accepted + rejected = rows read, always;
- rows are upserted by key: new, updated or unchanged; importing the same file twice changes nothing;
- one transaction per file: a failure anywhere leaves the database as it was before that file.

Columns that a file lacks keep their stored values on rows it updates (a new row gets the default),
so an export without, say, the notes column never wipes notes already stored.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import pyarrow as pa

from clinic import db, exports

IDENTIFIER_COLUMNS = frozenset({
    "name", "first_name", "last_name", "full_name", "patient_name", "surname", "given_name",
    "phone", "phone_number", "mobile", "telephone", "email", "e_mail", "address", "street",
    "date_of_birth", "dob", "birth_date", "ssn", "national_id", "passport", "insurance_number",
})

CSV_SUFFIXES = {".csv", ".txt"}
XLSX_SUFFIXES = {".xlsx", ".xlsm"}

Progress = Callable[[float, str], None]
LOCK_WAIT_SECONDS = 10.0  # a dashboard reader holds the file only for the length of one query


class ImportRefused(Exception):
    """The whole file is refused; the message says why in one line."""


# ---------------------------------------------------------------- field parsers
# Each parser takes a trimmed string (or an XLSX cell value) and returns the stored value, None for
# empty, or raises BadValue with the reason.

class BadValue(ValueError):
    pass


_DIGITS = re.compile(r"[0-9]+")
_SIGNED = re.compile(r"[+-]?[0-9]+")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TIME = re.compile(r"([01]?[0-9]|2[0-3]):([0-5][0-9])")
_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}


def _text(value) -> str:
    """A cell as text: XLSX numbers that are whole print without '.0'."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    return str(value).strip()


def integer(low: int, high: int, what: str = "a whole number"):
    def parse(value):
        if isinstance(value, bool):
            raise BadValue(f"must be {what} from {low} to {high}")
        if isinstance(value, (int, float)):
            if isinstance(value, float) and not value.is_integer():
                raise BadValue(f"must be {what} from {low} to {high} (got a fraction)")
            number = int(value)
        else:
            text = _text(value)
            if text == "":
                return None
            if _DIGITS.fullmatch(text):
                number = int(text)
            elif _SIGNED.fullmatch(text):
                raise BadValue(f"must be {what} from {low} to {high}")
            else:
                raise BadValue(f"must be {what} from {low} to {high} (digits only)")
        if not low <= number <= high:
            raise BadValue(f"must be {what} from {low} to {high}")
        return number
    return parse


def date_value(value):
    if isinstance(value, dt.datetime):
        if value.time() != dt.time(0):
            raise BadValue("is a date cell with a time of day; a date is expected")
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    if text == "":
        return None
    if not _DATE.fullmatch(text):
        raise BadValue("must be a date written YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise BadValue("is not a real calendar date") from None


def time_value(value):
    if isinstance(value, dt.time):
        if value.second or value.microsecond:
            raise BadValue("must be a time of day in hours and minutes (this cell has seconds)")
        return value
    if isinstance(value, dt.datetime):
        raise BadValue("must be a time of day written HH:MM")
    text = _text(value)
    if text == "":
        return None
    match = _TIME.fullmatch(text)
    if not match:
        raise BadValue("must be a time of day written HH:MM (24-hour clock)")
    return dt.time(int(match.group(1)), int(match.group(2)))


def boolean(value):
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    text = _text(value).lower()
    if text == "":
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise BadValue("must be true/false, yes/no or 1/0")


def text_value(value):
    text = _text(value)
    return text or None


def choice(allowed: Iterable[str], any_case: bool = False, default: str | None = None):
    """One of the allowed codes, exactly as written (or in any case where the contract says so)."""
    allowed = tuple(allowed)
    def parse(value):
        text = _text(value)
        if text == "":
            return default
        if any_case:
            matches = [a for a in allowed if a.lower() == text.lower()]
            text = matches[0] if matches else text
        if text not in allowed:
            raise BadValue(f"must be one of {', '.join(allowed)}")
        return text
    return parse


def birth_year(value):
    return integer(1900, dt.date.today().year, "a year")(value)


# ---------------------------------------------------------------- file kinds

@dataclass(frozen=True)
class Kind:
    name: str
    key: str
    required: tuple[str, ...]
    parsers: dict  # column -> parser, in stored-column order
    arrow: dict    # column -> arrow type of the staged column

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(self.parsers)


STATUSES = ("attended", "cancelled", "no_show")

SESSIONS = Kind(
    name="sessions",
    key="session_id",
    required=("session_id", "patient_id", "session_date", "therapist"),
    parsers={
        "session_id": text_value,
        "patient_id": text_value,
        "session_date": date_value,
        "therapist": text_value,
        "status": choice(STATUSES, any_case=True, default="attended"),
        "pain_before": integer(0, 10),
        "pain_after": integer(0, 10),
        "course_id": text_value,
        "session_time": time_value,
        "muscle_tension": integer(0, 10),
        "numbness": boolean,
        "acute_inflammation": boolean,
        "notes": text_value,
    },
    arrow={
        "session_date": pa.date32(), "pain_before": pa.int32(), "pain_after": pa.int32(),
        "session_time": pa.time64("us"), "muscle_tension": pa.int32(), "numbness": pa.bool_(),
        "acute_inflammation": pa.bool_(),
    },
)

PATIENTS = Kind(
    name="patients",
    key="patient_id",
    required=("patient_id",),
    parsers={
        "patient_id": text_value,
        "birth_year": birth_year,
        "sex": choice(("F", "M", "X"), any_case=True),
        "diagnosis": choice(("disc_herniation", "piriformis_syndrome", "spinal_stenosis", "other")),
        "referral_date": date_value,
        "doctor_conclusion": boolean,
        "imaging": choice(("mri", "ct", "xray", "none")),
        "blood_tests": boolean,
        "site": text_value,
    },
    arrow={
        "birth_year": pa.int32(), "referral_date": pa.date32(), "doctor_conclusion": pa.bool_(),
        "blood_tests": pa.bool_(),
    },
)

COURSES = Kind(
    name="courses",
    key="course_id",
    required=("course_id", "patient_id", "start_date"),
    parsers={
        "course_id": text_value,
        "patient_id": text_value,
        "start_date": date_value,
        "planned_sessions": integer(1, 60),
    },
    arrow={"start_date": pa.date32(), "planned_sessions": pa.int32()},
)

KINDS = {k.name: k for k in (SESSIONS, PATIENTS, COURSES)}
IMPORT_ORDER = ("patients", "courses", "sessions")  # courses first, so sessions can be checked against them


def normalise_header(name) -> str:
    """Trimmed, lowercased, each space and hyphen turned into `_` (so "Session ID" is session_id)."""
    return _text(name).lower().replace(" ", "_").replace("-", "_")


def detect_kind(header: list[str]) -> Kind:
    names = set(header)
    if "session_id" in names:
        return SESSIONS
    if "course_id" in names:
        return COURSES
    if "patient_id" in names:
        return PATIENTS
    raise ImportRefused(
        "cannot tell what this file holds: a sessions file needs a session_id column, "
        "a courses file course_id, a patients file patient_id"
    )


# ---------------------------------------------------------------- reading files

@dataclass
class Table:
    header: list[str]          # normalised names ('' for a blank header cell)
    records: list[tuple[int, list]]  # (line where the record starts, raw fields)


def _decode(raw: bytes) -> str:
    if b"\x00" in raw:
        raise ImportRefused("this is not a text file (it contains NUL bytes); save it as CSV UTF-8")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportRefused(
            f"the file is not UTF-8 text (byte {exc.start + 1}); save it as 'CSV UTF-8' and import again"
        ) from None


def _delimiter(first_line: str) -> str:
    return ";" if first_line.count(";") > first_line.count(",") else ","


def read_csv(raw: bytes) -> Table:
    text = _decode(raw)
    if not text.strip():
        raise ImportRefused("the file is empty")
    first_line = next(line for line in text.splitlines() if line.strip())
    csv.field_size_limit(64 * 1024 * 1024)   # long notes are fine
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first_line), strict=True)
    header = None
    records = []
    previous_end = 0
    try:
        for fields in reader:
            start = previous_end + 1
            previous_end = reader.line_num
            if not any(f.strip() for f in fields):
                continue  # fully empty rows are skipped and not counted
            if header is None:
                header = [normalise_header(f) for f in fields]
                continue
            records.append((start, fields))
    except csv.Error as exc:
        raise ImportRefused(f"the CSV cannot be read from the record starting on line {previous_end + 1}: "
                            f"{exc} (check the quotes there)") from None
    return Table(header=header, records=records)


class FormulaWithoutValue:
    """An XLSX cell holding a formula whose result was never saved (a file written by a script):
    its value is unknown, so the row is rejected rather than read as empty."""

    def __init__(self, formula: str):
        self.formula = formula

    def __str__(self) -> str:
        return self.formula


def read_xlsx(path: Path) -> Table:
    """The first sheet: the first non-empty row is the header; lines are sheet row numbers."""
    import openpyxl

    books = []
    try:
        try:
            for data_only in (True, False):   # saved values, and the formulas behind them
                books.append(openpyxl.load_workbook(path, read_only=True, data_only=data_only))
        except Exception as exc:  # a corrupt or mislabelled file: say so in one line
            raise ImportRefused(f"the Excel file cannot be opened: {exc}") from None
        values, formulas = (book.worksheets[0] for book in books)
        for sheet in (values, formulas):
            sheet.reset_dimensions()   # the stored sheet size can be stale; read what is there
        header = None
        records = []
        try:
            rows = zip(values.iter_rows(values_only=True), formulas.iter_rows(values_only=True))
            for number, (row, formula_row) in enumerate(rows, start=1):
                cells = [FormulaWithoutValue(f) if v is None and isinstance(f, str) and f.startswith("=") else v
                         for v, f in zip(list(row) + [None] * (len(formula_row) - len(row)), formula_row)]
                if not any(_text(c) for c in cells):
                    continue
                if header is None:
                    while cells and not _text(cells[-1]):
                        cells.pop()
                    header = [normalise_header(c) for c in cells]
                    continue
                records.append((number, cells))
        except ImportRefused:
            raise
        except Exception as exc:  # damaged sheet XML or cell values, found while reading
            raise ImportRefused(f"the Excel file cannot be read: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from None
    finally:
        for book in books:
            book.close()
    if header is None:
        raise ImportRefused("the file is empty")
    # Rows can be wider than the header: trailing blank cells are not extra fields.
    width = len(header)
    records = [(n, c[:width] + [None] * (width - len(c)) if not any(_text(x) for x in c[width:]) else c)
               for n, c in records]
    return Table(header=header, records=records)


def read_table(path: Path) -> tuple[Table, bytes]:
    suffix = path.suffix.lower()
    if suffix not in CSV_SUFFIXES | XLSX_SUFFIXES:
        raise ImportRefused(f"unsupported file type {suffix or '(none)'}: use .csv or .xlsx")
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ImportRefused("no such file") from None
    except IsADirectoryError:
        raise ImportRefused("this is a folder, not a file") from None
    except OSError as exc:
        raise ImportRefused(f"cannot read the file: {exc.strerror or exc}") from None
    if not raw.strip():
        raise ImportRefused("the file is empty")
    table = read_xlsx(path) if suffix in XLSX_SUFFIXES else read_csv(raw)
    if table.header is None:
        raise ImportRefused("the file is empty")
    return table, raw


# ---------------------------------------------------------------- validation

@dataclass
class Reject:
    line: int
    column: str | None
    value: str | None
    reason: str


@dataclass
class FileResult:
    file: str
    kind: str | None = None
    rows_read: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    refused: str | None = None
    warnings: list[str] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    rejects_file: str | None = None
    batch_id: int | None = None
    sha256: str | None = None

    def as_dict(self) -> dict:
        return {
            "file": self.file, "kind": self.kind, "refused": self.refused, "batch_id": self.batch_id,
            "rows_read": self.rows_read, "new": self.new, "updated": self.updated,
            "unchanged": self.unchanged, "rejected": self.rejected, "warnings": self.warnings,
            "rejects_file": self.rejects_file, "sha256": self.sha256,
        }


def check_header(table: Table) -> tuple[Kind, dict[str, int], list[str]]:
    """Returns the kind, the column -> index map of known columns, and warnings."""
    header = table.header
    identifiers = sorted({h for h in header if h in IDENTIFIER_COLUMNS})
    if identifiers:
        raise ImportRefused(
            f"refused: column(s) {', '.join(identifiers)} hold direct identifiers of a person; "
            "the dashboard stores only pseudonymous patient ids. Remove those columns and import again"
        )
    kind = detect_kind(header)
    named = [h for h in header if h]
    repeated = sorted({h for h in named if named.count(h) > 1 and h in kind.parsers})
    if repeated:
        raise ImportRefused(f"column(s) {', '.join(repeated)} appear more than once in the header: "
                            "which one holds the value cannot be told")
    missing = [c for c in kind.required if c not in header]
    if missing:
        raise ImportRefused(f"a {kind.name} file needs the column(s) {', '.join(missing)}")
    warnings = []
    unknown = list(dict.fromkeys(h for h in named if h not in kind.parsers))
    if unknown:
        warnings.append(f"ignored unknown column(s): {', '.join(unknown)}")
    if len(named) < len(header):
        warnings.append("ignored column(s) with a blank header")
    index = {h: i for i, h in enumerate(header) if h in kind.parsers}
    return kind, index, warnings


def _shown(value) -> str | None:
    text = _text(value)
    return text if text != "" else None


def validate(kind: Kind, table: Table, index: dict[str, int], today: dt.date,
             progress: Progress | None = None) -> tuple[list[dict], list[tuple[int, dict]], list[Reject], int]:
    """Parses every record. Returns (accepted rows, [(line, row)] for them, rejects, rows read)."""
    width = len(table.header)
    seen_keys: set[str] = set()
    accepted: list[dict] = []
    lines: list[int] = []
    rejects: list[Reject] = []
    total = len(table.records)
    key_at = index[kind.key]
    for n, (line, fields) in enumerate(table.records):
        if progress and n % 2000 == 0 and total:
            progress(0.6 * n / total, f"checking row {n + 1:,} of {total:,}")
        key = _text(fields[key_at]) if key_at < len(fields) else ""
        repeated = key != "" and key in seen_keys
        if key:
            seen_keys.add(key)
        if len(fields) != width:
            many = "many" if len(fields) > width else "few"
            rejects.append(Reject(line, None, None,
                                  f"too {many} fields: {len(fields)} where the header has {width}"))
            continue
        if repeated:
            rejects.append(Reject(line, kind.key, key,
                                  f"{kind.key} {key} already appeared on an earlier row of this file"))
            continue
        row: dict = {}
        problems: list[tuple[str, str | None, str]] = []
        for column, parser in kind.parsers.items():
            if column not in index:
                row[column] = None
                continue
            raw = fields[index[column]]
            if isinstance(raw, FormulaWithoutValue):
                problems.append((column, str(raw), f"{column} is a formula whose result was never saved "
                                                   "(open the file in Excel and save it again)"))
                continue
            try:
                row[column] = parser(raw)
            except BadValue as exc:
                problems.append((column, _shown(raw), f"{column} {exc}"))
        for column in kind.required:
            if column in row and row[column] is None and not any(p[0] == column for p in problems):
                problems.append((column, None, f"{column} is required"))
        if kind is SESSIONS and not problems and row["status"] is not None:
            if row["status"] == "attended" and row["session_date"] > today:
                problems.append(("session_date", row["session_date"].isoformat(), _future(today)))
        if problems:
            column, value, reason = problems[0]
            if len(problems) > 1:
                reason += "; also " + "; ".join(p[2] for p in problems[1:])
            rejects.append(Reject(line, column, value, reason))
            continue
        accepted.append(row)
        lines.append(line)
    return accepted, list(zip(lines, accepted)), rejects, total


def _future(today: dt.date) -> str:
    return f"an attended session cannot be dated after today ({today.isoformat()})"


def check_against_stored(con, kind: Kind, rows: list[tuple[int, dict]], kept_columns: list[str],
                         today: dt.date) -> tuple[list[dict], list[Reject]]:
    """The checks that need the stored data, on each row as it will be stored.

    A row updating a known session keeps the stored status and course_id when the file has no such
    column, so the row is judged with those: an attended session may not move after today, and a
    course belongs to one patient (a course named in courses.csv, in stored sessions, inferred for
    stored sessions, or on an earlier row of this file) — a row that would give it to a second
    patient is rejected.
    """
    if kind is PATIENTS or not rows:
        return [r for _, r in rows], []
    stored: dict[str, tuple] = {}
    if kind is SESSIONS and {"status", "course_id"} & set(kept_columns):
        keys = [r["session_id"] for _, r in rows]
        stored = {sid: (status, course_id) for sid, status, course_id
                  in db.fetch(con, "stored_session_fields", session_ids=keys)}

    def effective(row: dict) -> tuple[str | None, str | None]:
        if kind is COURSES:
            return None, row["course_id"]
        known = stored.get(row["session_id"])
        status = row["status"] if "status" not in kept_columns else (known[0] if known else "attended")
        course_id = row["course_id"] if "course_id" not in kept_columns else (known[1] if known else None)
        return status, course_id

    course_ids = sorted({c for _, r in rows if (c := effective(r)[1])})
    owners: dict[str, tuple[str, str]] = {}  # course_id -> (patient_id, where it was seen)
    if course_ids:
        if kind is SESSIONS:
            for course_id, patient_id in db.fetch(con, "course_owners_in_courses", course_ids=course_ids):
                owners[course_id] = (patient_id, "courses")
        own_keys = [r[kind.key] for _, r in rows] if kind is SESSIONS else []
        for course_id, patient_id in db.fetch(con, "course_owners_in_sessions",
                                              course_ids=course_ids, except_session_ids=own_keys):
            owners.setdefault(course_id, (patient_id, "sessions"))
    kept, rejects = [], []
    for line, row in rows:
        status, course_id = effective(row)
        if kind is SESSIONS and status == "attended" and row["session_date"] > today:
            rejects.append(Reject(line, "session_date", row["session_date"].isoformat(), _future(today)))
            continue
        if course_id:
            owner = owners.setdefault(course_id, (row["patient_id"], "this file"))
            if owner[0] != row["patient_id"]:
                where = {"courses": "in the courses file", "sessions": "in stored sessions",
                         "this file": "on an earlier row of this file"}[owner[1]]
                rejects.append(Reject(line, "course_id", course_id,
                                      f"course {course_id} belongs to patient {owner[0]} {where}, "
                                      f"not to {row['patient_id']}"))
                continue
        kept.append(row)
    return kept, rejects


# ---------------------------------------------------------------- writing

def _staged(kind: Kind, rows: list[dict]) -> pa.Table:
    return pa.table({c: pa.array([r[c] for r in rows], type=kind.arrow.get(c, pa.string()))
                     for c in kind.columns})


def _upsert(con, kind: Kind, rows: list[dict], kept_columns: list[str], batch_id: int) -> dict[str, int]:
    """Merges staged rows into the stored table; returns counts by change (new/updated/unchanged)."""
    con.register("staged", _staged(kind, rows))
    try:
        db.execute(con, f"merge_{kind.name}", keep=kept_columns, batch_id=batch_id)
        counts = dict(db.fetch(con, "merge_counts"))
        db.execute(con, f"apply_{kind.name}")
    finally:
        con.execute("drop table if exists merged")
        con.unregister("staged")
    return {k: counts.get(k, 0) for k in ("new", "updated", "unchanged")}


def rejects_csv(result: FileResult) -> bytes:
    """A file's rejects report: file, line, column, value, reason (spreadsheet-safe text)."""
    return exports.rows_csv(["file", "line", "column", "value", "reason"],
                            ([result.file, r.line, r.column or "", r.value or "", r.reason] for r in result.rejects))


def _write_rejects_csv(result: FileResult, rejects_dir: Path) -> str:
    rejects_dir.mkdir(parents=True, exist_ok=True)
    target = rejects_dir / f"{Path(result.file).stem}.batch{result.batch_id}.rejects.csv"
    target.write_bytes(rejects_csv(result))
    return str(target)


def import_file(con, path: Path, today: dt.date, rejects_dir: Path | None,
                progress: Progress | None = None, *, table: Table | None = None,
                raw: bytes | None = None) -> FileResult:
    """Imports one file in one transaction and returns its summary (refused files write nothing)."""
    path = Path(path)
    result = FileResult(file=str(path))
    try:
        if table is None:
            table, raw = read_table(path)
        kind, index, result.warnings = check_header(table)
    except ImportRefused as exc:
        result.refused = str(exc)
        return result
    result.kind = kind.name
    result.sha256 = hashlib.sha256(raw).hexdigest()
    _, rows, rejects, result.rows_read = validate(kind, table, index, today, progress)
    kept_columns = [c for c in kind.columns if c not in index]

    con.begin()
    try:
        accepted, owner_rejects = check_against_stored(con, kind, rows, kept_columns, today)
        result.rejects = sorted(rejects + owner_rejects, key=lambda r: r.line)
        result.rejected = len(result.rejects)
        result.batch_id = db.fetch(con, "next_batch_id")[0][0]
        if progress:
            progress(0.7, f"writing {len(accepted):,} rows")
        counts = _upsert(con, kind, accepted, kept_columns, result.batch_id)
        result.new, result.updated, result.unchanged = counts["new"], counts["updated"], counts["unchanged"]
        if kind is SESSIONS:
            if progress:
                progress(0.85, "grouping sessions into courses")
            db.execute(con, "infer_courses")
        db.execute(con, "log_batch", batch_id=result.batch_id, file_name=path.name, file_kind=kind.name,
                   sha256=result.sha256, rows_read=result.rows_read, rows_new=result.new,
                   rows_updated=result.updated, rows_unchanged=result.unchanged,
                   rows_rejected=result.rejected, imported_at=dt.datetime.now().replace(microsecond=0))
        if result.rejects:
            con.register("new_rejects", pa.table({
                "line": pa.array([r.line for r in result.rejects], pa.int32()),
                "column_name": pa.array([r.column for r in result.rejects], pa.string()),
                "value": pa.array([r.value for r in result.rejects], pa.string()),
                "reason": pa.array([r.reason for r in result.rejects], pa.string()),
            }))
            try:
                db.execute(con, "log_rejects", batch_id=result.batch_id, file_name=path.name)
            finally:
                con.unregister("new_rejects")
        con.commit()
    except BaseException:
        con.rollback()
        raise
    if result.rejects and rejects_dir is not None:
        try:
            result.rejects_file = _write_rejects_csv(result, rejects_dir)
        except OSError as exc:
            result.warnings.append(f"the rejects report could not be written to {rejects_dir} "
                                   f"({exc.strerror or exc}); the rejects are kept in the database's rejects table")
    if progress:
        progress(1.0, "done")
    return result


def import_files(paths: Iterable[str | Path], db_path: str | Path, today: dt.date | None = None,
                 progress: Progress | None = None, rejects_dir: str | Path | None = None,
                 wait_seconds: float | None = None) -> list[FileResult]:
    """Imports files into the database at db_path: patients, then courses, then sessions.

    Raises db.DatabaseLocked when another process holds the database.
    """
    today = today or dt.date.today()
    db_path = Path(db_path)
    rejects_dir = Path(rejects_dir) if rejects_dir else db_path.parent / "rejects"
    paths = [Path(p) for p in paths]

    # Read and classify every file first, so they can be applied in dependency order.
    prepared = []
    for position, path in enumerate(paths):
        try:
            table, raw = read_table(path)
            kind = detect_kind(table.header) if not IDENTIFIER_COLUMNS & set(table.header) else None
            order = IMPORT_ORDER.index(kind.name) if kind else -1
            prepared.append((order, position, path, table, raw, None))
        except ImportRefused as exc:
            prepared.append((-1, position, path, None, None, str(exc)))
        except Exception as exc:  # whatever else goes wrong reading one file refuses only that file
            prepared.append((-1, position, path, None, None, f"the file cannot be read: {exc}"))
    prepared.sort(key=lambda p: (p[0], p[1]))

    results: list[FileResult] = []
    con = db.connect(db_path, wait_seconds=LOCK_WAIT_SECONDS if wait_seconds is None else wait_seconds)
    try:
        for done, (_, _, path, table, raw, refused) in enumerate(prepared):
            if refused is not None:
                results.append(FileResult(file=str(path), refused=refused))
                continue
            step = None
            if progress:
                def step(fraction, message, _done=done, _name=path.name):
                    progress((_done + fraction) / len(prepared), f"{_name}: {message}")
            results.append(import_file(con, path, today, rejects_dir, step, table=table, raw=raw))
    finally:
        con.close()
    order = {p: i for i, p in enumerate(str(p) for p in paths)}
    return sorted(results, key=lambda r: order.get(r.file, 0))
