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

A CSV file is judged in bulk: clinic.csv_scan pre-scans its bytes with numpy (where each record
starts, its field count, whether it is fully empty), DuckDB's CSV reader loads every field as text,
and the contract's rules are SQL (queries/import_rules.sql, check_<kind>.sql, check_stored_<kind>.sql),
so a million rows import in seconds. A CSV file whose quoting or line ends DuckDB might read otherwise
is parsed by Python's csv module and judged by the same SQL. XLSX cells keep their types (dates,
numbers, formulas) and are judged in Python by validate(); their rows then share the checks against
stored data and the upsert.

Every file is read and checked against the limits below before the database is opened for writing,
so a file that is too big or too odd to be a clinic export is refused whole without holding the
database: its size, its rows, its columns, the length of one field and, for XLSX, the size of what
the zip unpacks to (read from the zip directory before anything is unpacked). A field longer than a
note may be (MAX_FIELD_CHARS) rejects its row; one that cannot be a note at all refuses the file.

The database, its write-ahead log, the rejects reports and the upload folder are created readable
by their owner only. The rejects of the most recent REJECTS_KEEP_BATCHES files with rejects are
kept (rows and report files); older ones are pruned by the import.
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import os
import re
import shutil
import stat
import tempfile
import threading
import time
import zipfile
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Callable, Iterable, Iterator

import pyarrow as pa

from clinic import csv_scan, db, exports, facts

IDENTIFIER_COLUMNS = frozenset({
    "name", "first_name", "last_name", "full_name", "patient_name", "surname", "given_name",
    "phone", "phone_number", "mobile", "telephone", "email", "e_mail", "address", "street",
    "date_of_birth", "dob", "birth_date", "ssn", "national_id", "passport", "insurance_number",
})

CSV_SUFFIXES = {".csv", ".txt"}
XLSX_SUFFIXES = {".xlsx", ".xlsm"}

Progress = Callable[[float, str], None]
LOCK_WAIT_SECONDS = 10.0  # a dashboard reader holds the file only for the length of one query

# Limits per file, all checked before the database is opened for writing. A clinic's exports stay
# far below them; a file above one is refused whole with a message naming the limit.
MAX_FILE_BYTES = 250_000_000            # the file as stored (CSV, or the XLSX zip)
MAX_ROWS = 2_000_000                    # data rows (fully empty rows are not counted)
MAX_COLUMNS = 200                       # header fields; no XLSX value may lie right of this column
MAX_FIELD_CHARS = 5_000                 # the longest field stored (a note); a longer one rejects its row
MAX_FIELD_ABSURD_CHARS = 1_000_000      # a field this long is not a clinic record: the file is refused
MAX_XLSX_UNCOMPRESSED_BYTES = 1_000_000_000   # the sum of the zip members' sizes, from the zip directory
MAX_XLSX_RATIO = 100                    # unpacked ÷ packed size of one member above XLSX_RATIO_FROM_BYTES
XLSX_RATIO_FROM_BYTES = 1_000_000       # small members may pack tighter; they cannot unpack to much
MAX_XLSX_MEMBERS = 10_000               # parts in the zip (a workbook has a few dozen)
MAX_XLSX_CELLS_PER_ROW = 16_384         # Excel's own limit (column XFD)
REJECTS_KEEP_BATCHES = 50               # rejects kept: those of the most recent 50 files with rejects
SHOWN_VALUE_CHARS = 200                 # a rejected value is kept and shown up to this length
UPLOADS_FOLDER = "uploads"              # beside the database: uploaded files while they are imported
UPLOAD_LEFTOVER_SECONDS = 3600          # an upload folder this old is a leftover of an import that died


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

    @cached_property
    def position(self) -> dict[str, int]:
        """Where each column sits in a parsed row (a tuple in column order)."""
        return {c: i for i, c in enumerate(self.parsers)}


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

# Pain scores kept apart from the appointments (a sheet filled in at the session): each row is merged
# onto the stored session it names, by session_id or by patient_id + session_date (+ session_time).
# Only through a mapping profile (clinic/mapping.py): such sheets never come in the contract's shape.
SCORES = Kind(
    name="scores",
    key="session_id",
    required=(),
    parsers={
        "session_id": text_value,
        "patient_id": text_value,
        "session_date": date_value,
        "session_time": time_value,
        "pain_before": integer(0, 10),
        "pain_after": integer(0, 10),
        "muscle_tension": integer(0, 10),
        "numbness": boolean,
        "acute_inflammation": boolean,
    },
    arrow={
        "session_date": pa.date32(), "session_time": pa.time64("us"), "pain_before": pa.int32(),
        "pain_after": pa.int32(), "muscle_tension": pa.int32(), "numbness": pa.bool_(),
        "acute_inflammation": pa.bool_(),
    },
)
SCORE_FIELDS = ("pain_before", "pain_after", "muscle_tension", "numbness", "acute_inflammation")

KINDS = {k.name: k for k in (SESSIONS, PATIENTS, COURSES, SCORES)}
# courses first, so sessions can be checked against them; scores last, onto the sessions just stored
IMPORT_ORDER = ("patients", "courses", "sessions", "scores")


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
class Misfit:
    """A record whose number of fields differs from the header's: it is rejected, so only its count
    and the fields under the header (which hold its id) are kept."""
    count: int
    fields: list


@dataclass
class Table:
    header: list[str]          # normalised names ('' for a blank header cell)
    records: list[tuple[int, object]]  # (line where the record starts, raw fields or a Misfit)
    scan: csv_scan.Scan | None = None  # a CSV file DuckDB's reader loads: records stay empty
    path: Path | None = None           # that file
    cells: bool = False                # XLSX cell values (typed), judged by validate()
    width: int | None = None           # fields a record must have, when not len(header) (a mapped file)


def _size(n: int) -> str:
    """A byte count for people: 469 KB, 82.3 MB, 1.2 GB."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if n >= scale:
            return f"{n / scale:,.1f} {unit}".replace(".0 ", " ")
    return f"{n:,} bytes"


def _too_many_rows() -> ImportRefused:
    return ImportRefused(f"the file has more than {MAX_ROWS:,} rows, the most one file may have: split it into "
                         f"files of at most {MAX_ROWS:,} rows and import them one after another")


def _too_long_field(where: str) -> ImportRefused:
    return ImportRefused(f"{where} holds a field of more than {MAX_FIELD_ABSURD_CHARS:,} characters (a note may "
                         f"have at most {MAX_FIELD_CHARS:,}): this is not a clinic export, or a quote there is "
                         "never closed. Check that place in the file and import it again")


def _too_many_columns(count: int, blank: int = 0) -> ImportRefused:
    unnamed = f" ({blank:,} of them without a name)" if blank else ""
    return ImportRefused(f"the header has {count:,} columns{unnamed}, more than the {MAX_COLUMNS} a file may have: "
                         "delete the columns the import does not use (empty ones too) and import again")


def _decode(raw: bytes) -> str:
    if b"\x00" in raw:
        raise ImportRefused("this is not a text file (it contains NUL bytes); save it as CSV UTF-8")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportRefused(
            f"the file is not UTF-8 text (byte {exc.start + 1}); save it as 'CSV UTF-8' and import again"
        ) from None


_NOT_BLANK = re.compile(r"\S")
_LINES = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")   # lines as a file opened with newline="" gives them


def _lines(text: str) -> Iterator[str]:
    """The physical lines of the text, each with its line ending, without copying the text at once."""
    return (match.group() for match in _LINES.finditer(text))


def _delimiter(first_line: str) -> str:
    return ";" if first_line.count(";") > first_line.count(",") else ","


def _parse_csv(text: str) -> Table:
    if not _NOT_BLANK.search(text):
        raise ImportRefused("the file is empty")
    first_line = next(line for line in _lines(text) if line.strip())
    csv.field_size_limit(MAX_FIELD_ABSURD_CHARS)   # longer: refused below, never held in memory
    reader = csv.reader(_lines(text), delimiter=_delimiter(first_line), strict=True)
    same = {}.setdefault                          # one object for each repeated value (ids, dates, codes)
    header = None
    width = 0
    records = []
    previous_end = 0
    try:
        for fields in reader:
            start = previous_end + 1
            previous_end = reader.line_num
            if not any(f.strip() for f in fields):
                continue  # fully empty rows are skipped and not counted
            if header is None:
                if len(fields) > MAX_COLUMNS:
                    raise _too_many_columns(len(fields), sum(1 for f in fields if not f.strip()))
                header = [normalise_header(f) for f in fields]
                width = len(header)
                continue
            if len(records) >= MAX_ROWS:
                raise _too_many_rows()
            if len(fields) == width:
                records.append((start, tuple(map(same, fields, fields))))
            else:
                records.append((start, Misfit(len(fields), [same(f, f) for f in fields[:width]])))
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise _too_long_field(f"the record starting on line {previous_end + 1}") from None
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


def _zip_entries(path: Path) -> int | None:
    """The number of parts the zip's end record announces (None when there is none: not a zip).

    Read from the last bytes of the file, before the zip directory itself is loaded."""
    with (open(path, "rb") if not isinstance(path, io.BytesIO) else _kept_open(path)) as handle:
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        handle.seek(max(0, size - 22 - 65535))   # the end record, and a comment of up to 64 KB
        tail = handle.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        return None
    return int.from_bytes(tail[at + 10:at + 12], "little")


def check_xlsx_zip(path: Path) -> None:
    """Refuses an XLSX whose zip would unpack to too much, from the zip directory alone.

    Nothing is unpacked here: the sizes come from the directory, and Python's zip reader never
    unpacks a member beyond the size the directory gives it.
    """
    entries = _zip_entries(path)
    if entries is not None and entries > MAX_XLSX_MEMBERS:   # 65535 also stands for "more, see zip64"
        raise ImportRefused(f"the Excel file holds more than {MAX_XLSX_MEMBERS:,} parts: this is not a workbook "
                            "a spreadsheet program writes. Export the data again and import that file")
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise ImportRefused(f"the Excel file cannot be opened: {exc}") from None
    if len(members) > MAX_XLSX_MEMBERS:
        raise ImportRefused(f"the Excel file holds {len(members):,} parts, more than {MAX_XLSX_MEMBERS:,}: this is "
                            "not a workbook a spreadsheet program writes. Export the data again and import that file")
    for member in members:
        if member.file_size > XLSX_RATIO_FROM_BYTES and member.file_size > MAX_XLSX_RATIO * max(member.compress_size, 1):
            ratio = member.file_size / max(member.compress_size, 1)
            raise ImportRefused(
                f"the Excel file's part {member.filename[:100]} would unpack to {_size(member.file_size)}, "
                f"{ratio:,.0f} times its packed size (a 'zip bomb'), so it was not opened. Export the data "
                "again from the clinic's software and import that file")
    total = sum(m.file_size for m in members)
    if total > MAX_XLSX_UNCOMPRESSED_BYTES:
        raise ImportRefused(f"the Excel file unpacks to {_size(total)}, more than the "
                            f"{_size(MAX_XLSX_UNCOMPRESSED_BYTES)} read from one file: split the rows over several "
                            "files (or save them as CSV) and import them one after another")


_SHEET_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_ROW, _CELL, _FORMULA = (_SHEET_NS + t for t in ("row", "c", "f"))


def _column_letters(number: int) -> str:
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _sheet_rows(book) -> Iterator[tuple[int, dict[int, object]]]:
    """The first sheet's rows as (row number, {column number: value}) with only non-empty cells.

    The sheet XML is read as a stream, one cell at a time, and every element is dropped once read:
    a row is never padded to its widest cell, and a row with more cells than Excel allows, or a value
    right of MAX_COLUMNS, refuses the file. Cell values are decoded by openpyxl's sheet parser
    (shared strings, dates, booleans); a formula whose result was never saved becomes a
    FormulaWithoutValue.
    """
    from xml.etree.ElementTree import iterparse

    from openpyxl.worksheet._reader import WorkSheetParser

    sheet = book.worksheets[0]
    with sheet._get_source() as source:
        cells_of = WorkSheetParser(source, sheet._shared_strings, data_only=True, epoch=book.epoch,
                                   date_formats=book._date_formats, timedelta_formats=book._timedelta_formats)
        open_elements = []
        in_cell = False
        row: dict[int, object] = {}
        count = 0
        for event, element in iterparse(source, events=("start", "end")):
            tag = element.tag
            if event == "start":
                open_elements.append(element)
                if tag == _CELL:
                    in_cell = True
                elif tag == _ROW:
                    number = element.get("r")
                    cells_of.row_counter = int(float(number)) if number else cells_of.row_counter + 1
                    cells_of.col_counter = 0
                    row, count = {}, 0
                continue
            open_elements.pop()
            if tag == _CELL:
                in_cell = False
                count += 1
                if count > MAX_XLSX_CELLS_PER_ROW:
                    raise ImportRefused(f"row {cells_of.row_counter} has more than {MAX_XLSX_CELLS_PER_ROW:,} cells, "
                                        "more than Excel allows: this is not a sheet a spreadsheet program writes. "
                                        "Export the data again and import that file")
                cell = cells_of.parse_cell(element)
                value = cell["value"]
                if element.find(_FORMULA) is not None:
                    formula = cells_of.parse_formula(element)   # also follows shared formulas
                    if value is None:
                        value = FormulaWithoutValue(getattr(formula, "text", None) or str(formula))
                if isinstance(value, str) and len(value) > MAX_FIELD_ABSURD_CHARS:
                    raise _too_long_field(f"cell {_column_letters(cell['column'])}{cells_of.row_counter}")
                if _text(value):
                    if cell["column"] > MAX_COLUMNS:
                        raise ImportRefused(
                            f"row {cells_of.row_counter} has a value in column {_column_letters(cell['column'])}, "
                            f"right of the {MAX_COLUMNS} columns a file may have: delete what lies right of "
                            "the table, save the file and import it again")
                    row[cell["column"]] = value
            elif in_cell:
                continue                    # a part of a cell (its value, formula or text): read with it
            elif tag == _ROW:
                yield cells_of.row_counter, row
            if open_elements:
                open_elements[-1].remove(element)   # read: the tree keeps nothing of it


def read_xlsx(path: Path) -> Table:
    """The first sheet: the first non-empty row is the header; lines are sheet row numbers."""
    import openpyxl

    check_xlsx_zip(path)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # a corrupt or mislabelled file: say so in one line
        raise ImportRefused(f"the Excel file cannot be opened: {error_text(exc)}") from None
    header = None
    width = 0
    records = []
    try:
        if not book.worksheets:
            raise ImportRefused("the Excel file has no sheet to read")
        # The whole sheet is read, whatever size its dimension record claims (it can be stale).
        for number, cells in _sheet_rows(book):
            if not cells:
                continue
            last = max(cells)
            if header is None:
                header = [normalise_header(cells.get(c)) for c in range(1, last + 1)]
                width = len(header)
                continue
            if len(records) >= MAX_ROWS:
                raise _too_many_rows()
            fields = [cells.get(c) for c in range(1, width + 1)]
            # Rows can be wider than the header: trailing blank cells are not extra fields.
            records.append((number, fields if last <= width else Misfit(last, fields)))
    except ImportRefused:
        raise
    except Exception as exc:  # damaged sheet XML or cell values, found while reading
        raise ImportRefused(f"the Excel file cannot be read: {error_text(exc)}") from None
    finally:
        book.close()
    if header is None:
        raise ImportRefused("the file is empty")
    return Table(header=header, records=records, cells=True)


def error_text(exc: BaseException) -> str:
    text = str(exc)
    return text.splitlines()[0] if text.strip() else type(exc).__name__


def _sha256_of(path: Path) -> str | None:
    """The SHA-256 of a file, read in blocks; None when it cannot be read."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()


@contextmanager
def _kept_open(handle):
    """A file object used in a `with` block that does not close it (bytes held in memory)."""
    yield handle


@dataclass(frozen=True)
class Held:
    """A file held in memory (an upload) and read from there: never written to disk, so what it
    holds besides the mapped columns (patients' names) is never stored anywhere. `label` names it in
    the results, unique within one import; `name` is its file name."""
    label: str
    name: str
    data: bytes = field(repr=False)

    @property
    def suffix(self) -> str:
        return Path(self.name).suffix

    def __str__(self) -> str:
        return self.label


def read_table(path: Path | Held, records: bool = False) -> tuple[Table, str]:
    """Reads a CSV or XLSX file within the limits; returns the table and the file's SHA-256.

    A CSV file that DuckDB's reader can load is only pre-scanned here (its records are read in the
    database), unless `records` asks for them (a file to map, clinic/mapping.py). A file held in
    memory (Held) is read from its bytes; its pre-scanned table, which has no path for DuckDB's
    reader, only tells its header and limits (clinic.uploads.inspect)."""
    suffix = path.suffix.lower()
    if suffix not in CSV_SUFFIXES | XLSX_SUFFIXES:
        raise ImportRefused(f"unsupported file type {suffix or '(none)'}: use .csv or .xlsx")
    if isinstance(path, Held):
        return _read_held(path, suffix, records)
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise IsADirectoryError
        if size > MAX_FILE_BYTES:
            raise ImportRefused(f"the file is {_size(size)}, more than the {_size(MAX_FILE_BYTES)} read from one "
                                "file: split the rows over several files and import them one after another")
        if suffix in XLSX_SUFFIXES:
            sha256 = _sha256_of(path)
            if size == 0:
                raise ImportRefused("the file is empty")
            return read_xlsx(path), sha256
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ImportRefused("no such file") from None
    except IsADirectoryError:
        raise ImportRefused("this is a folder, not a file") from None
    except OSError as exc:
        raise ImportRefused(f"cannot read the file: {exc.strerror or type(exc).__name__}") from None
    return _csv_table(raw, path, records), hashlib.sha256(raw).hexdigest()


def _read_held(held: Held, suffix: str, records: bool) -> tuple[Table, str]:
    size = len(held.data)
    if size > MAX_FILE_BYTES:
        raise ImportRefused(f"the file is {_size(size)}, more than the {_size(MAX_FILE_BYTES)} read from one "
                            "file: split the rows over several files and import them one after another")
    sha256 = hashlib.sha256(held.data).hexdigest()
    if suffix in XLSX_SUFFIXES:
        if size == 0:
            raise ImportRefused("the file is empty")
        return read_xlsx(io.BytesIO(held.data)), sha256
    return _csv_table(held.data, None, records), sha256


def _csv_table(raw: bytes, path: Path | None, records: bool) -> Table:
    """The table of a CSV file's bytes (see read_table); `path` None: bytes held in memory."""
    if not raw or raw.isspace():
        raise ImportRefused("the file is empty")
    _decode(raw)                                   # refuses what is not UTF-8 text
    try:
        scan = csv_scan.scan(raw[len(codecs.BOM_UTF8):] if raw.startswith(codecs.BOM_UTF8) else raw,
                             MAX_FIELD_ABSURD_CHARS)
    except csv_scan.FieldTooLong as exc:
        raise _too_long_field(f"the record starting on line {exc.line}") from None
    if scan is None or records:                    # quotes or line ends DuckDB may read otherwise
        table = _parse_csv(_decode(raw))
    else:
        table = _scanned_table(scan, path)
    if table.header is None:
        raise ImportRefused("the file is empty")
    return table


def _scanned_table(scan: csv_scan.Scan, path: Path) -> Table:
    """A CSV file that DuckDB's reader will load, checked against the limits from its pre-scan."""
    if not scan.header:
        raise ImportRefused("the file is empty")
    if len(scan.header) > MAX_COLUMNS:
        raise _too_many_columns(len(scan.header), sum(1 for f in scan.header if not f.strip()))
    if scan.rows > MAX_ROWS:
        raise _too_many_rows()
    return Table(header=[normalise_header(f) for f in scan.header], records=[], scan=scan, path=path)


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
    profile: str | None = None      # the mapping profile applied ("name v2"), if any

    def as_dict(self) -> dict:
        return {
            "file": self.file, "kind": self.kind, "refused": self.refused, "batch_id": self.batch_id,
            "profile": self.profile,
            "rows_read": self.rows_read, "new": self.new, "updated": self.updated,
            "unchanged": self.unchanged, "rejected": self.rejected, "warnings": self.warnings,
            "rejects_file": self.rejects_file, "sha256": self.sha256,
        }

    @property
    def audit_action(self) -> str:
        """What the audit log calls this file's import: "import", or "import refused"."""
        return "import refused" if self.refused else "import"

    def audit_detail(self) -> dict:
        """The audit log's record of this file: its name, SHA-256, kind and counts, and why it was refused."""
        return {"file": self.file, "sha256": self.sha256, "kind": self.kind, "profile": self.profile,
                "rows_read": self.rows_read,
                "new": self.new, "updated": self.updated, "unchanged": self.unchanged,
                "rejected": self.rejected, "refused": self.refused}


def _listed(names: list[str], most: int = 20) -> str:
    """Column names for a message: each cut to 60 characters, at most `most` of them."""
    shown = [n if len(n) <= 60 else n[:60] + "…" for n in names[:most]]
    more = f" and {len(names) - most:,} more" if len(names) > most else ""
    return ", ".join(shown) + more


def check_header(table: Table, kind: Kind | None = None) -> tuple[Kind, dict[str, int], list[str]]:
    """Returns the kind (told by the columns unless given: a mapped file's is its profile's), the
    column -> index map of known columns, and warnings."""
    header = table.header
    if len(header) > MAX_COLUMNS:
        raise _too_many_columns(len(header), header.count(""))
    from clinic import mapping
    direct, possible = mapping.identifier_columns(header)
    if direct:
        raise ImportRefused(
            f"refused: column(s) {_listed(sorted(set(direct)))} hold direct identifiers of a person; "
            "the dashboard stores only pseudonymous patient ids. Remove those columns and import again, "
            "or map the file's columns (the Import page's mapping step, or --profile on the command line) "
            "marking them drop"
        )
    if possible:
        raise ImportRefused(
            f"refused: column(s) {_listed(sorted(set(possible)))} may hold patients' names, and the dashboard "
            "stores only pseudonymous patient ids. Map the file's columns (the Import page's mapping step, or "
            "--profile on the command line): mark each of them drop, or map it to a field if it holds no names"
        )
    if kind is None:
        kind = detect_kind(header)
        if kind is not SESSIONS:
            booked = mapping.appointment_columns(header)
            if booked:
                raise ImportRefused(
                    f"this looks like an appointments export (column(s) {_listed(booked)}) without a session_id "
                    f"column, so it would be read as a {kind.name} file: map its columns (the Import page's mapping "
                    "step, or --profile on the command line)")
    named = [h for h in header if h]
    times = Counter(named)
    repeated = sorted(h for h, n in times.items() if n > 1 and h in kind.parsers)
    if repeated:
        raise ImportRefused(f"column(s) {', '.join(repeated)} appear more than once in the header: "
                            "which one holds the value cannot be told")
    missing = [c for c in kind.required if c not in times]
    if missing:
        raise ImportRefused(f"a {kind.name} file needs the column(s) {', '.join(missing)}")
    if kind is SCORES:
        if "session_id" not in times and not {"patient_id", "session_date"} <= times.keys():
            raise ImportRefused("a scores file needs the session_id, or the patient_id and the session_date, "
                                "of the session each score belongs to")
        if not any(c in times for c in SCORE_FIELDS):
            raise ImportRefused(f"a scores file needs at least one of {', '.join(SCORE_FIELDS)}")
    warnings = []
    unknown = [h for h in times if h not in kind.parsers]
    if unknown:
        warnings.append(f"ignored unknown column(s): {_listed(unknown)}")
    if len(named) < len(header):
        warnings.append("ignored column(s) with a blank header")
    index = {h: i for i, h in enumerate(header) if h in kind.parsers}
    return kind, index, warnings


def _shown(value) -> str | None:
    """A value as the rejects report keeps it: trimmed, and cut to SHOWN_VALUE_CHARS characters."""
    text = _text(value)
    if len(text) > SHOWN_VALUE_CHARS:
        return text[:SHOWN_VALUE_CHARS] + "…"
    return text if text != "" else None


_BAD = object()   # marks a cached parse that failed


def validate(kind: Kind, table: Table, index: dict[str, int], today: dt.date,
             progress: Progress | None = None) -> tuple[list[tuple[int, tuple]], list[Reject], int]:
    """Parses every record. Returns ([(line, row)] for the accepted rows, rejects, rows read).

    A row is a tuple of the kind's columns in order (see Kind.position).
    """
    width = table.width or len(table.header)
    seen_keys: set[str] = set()
    accepted: list[tuple[int, tuple]] = []
    rejects: list[Reject] = []
    total = len(table.records)
    key_at = index.get(kind.key, width)          # a scores file may name sessions without their id
    plan = [(column, parser, index.get(column), parser is not text_value) for column, parser in kind.parsers.items()]
    parsed: dict[str, dict] = {column: {} for column in kind.parsers}   # a value met before is parsed once
    status_at = kind.position.get("status")
    date_at = kind.position.get("session_date")
    for n, (line, fields) in enumerate(table.records):
        if progress and n % 2000 == 0 and total:
            progress(0.6 * n / total, f"checking row {n + 1:,} of {total:,}")
        # a mapped file's rows hold only the mapped fields: a whole record had the header's width
        count = fields.count if isinstance(fields, Misfit) else len(fields) if table.width is None else width
        if isinstance(fields, Misfit):
            fields = fields.fields
        key = _text(fields[key_at]) if key_at < len(fields) else ""
        repeated = key != "" and key in seen_keys
        if key:
            seen_keys.add(key)
        if count != width:
            many = "many" if count > width else "few"
            rejects.append(Reject(line, None, None, f"too {many} fields: {count:,} where the header has {width}"))
            continue
        if repeated:
            rejects.append(Reject(line, kind.key, _shown(key),
                                  f"{kind.key} {_shown(key)} already appeared on an earlier row of this file"))
            continue
        row: list = []
        problems: list[tuple[str, str | None, str]] = []
        for column, parser, at, cached in plan:
            if at is None:
                row.append(None)
                continue
            raw = fields[at]
            if isinstance(raw, FormulaWithoutValue):
                problems.append((column, _shown(raw), f"{column} is a formula whose result was never saved "
                                                      "(open the file in Excel and save it again)"))
                row.append(None)
                continue
            if isinstance(raw, str) and len(raw) > MAX_FIELD_CHARS and len(raw.strip()) > MAX_FIELD_CHARS:
                problems.append((column, _shown(raw), f"{column} is {len(raw.strip()):,} characters long; at most "
                                                      f"{MAX_FIELD_CHARS:,} are stored (shorten it)"))
                row.append(None)
                continue
            if cached:
                memo = parsed[column]
                got = memo.get((raw.__class__, raw), None)
                if got is None:
                    try:
                        got = (parser(raw), None)
                    except BadValue as exc:
                        got = (_BAD, str(exc))
                    memo[(raw.__class__, raw)] = got
                value, problem = got
                if value is _BAD:
                    problems.append((column, _shown(raw), f"{column} {problem}"))
                    row.append(None)
                    continue
            else:
                value = parser(raw)
            row.append(value)
        for column in kind.required:
            position = kind.position[column]
            if row[position] is None and column in index and not any(p[0] == column for p in problems):
                problems.append((column, None, f"{column} is required"))
        if kind is SESSIONS and not problems and row[status_at] is not None:
            if row[status_at] == "attended" and row[date_at] > today:
                problems.append(("session_date", row[date_at].isoformat(), _future(today)))
        if problems:
            column, value, reason = problems[0]
            if len(problems) > 1:
                reason += "; also " + "; ".join(p[2] for p in problems[1:])
            rejects.append(Reject(line, column, value, reason))
            continue
        accepted.append((line, tuple(row)))
    return accepted, rejects, total


def _future(today: dt.date) -> str:
    return f"an attended session cannot be dated after today ({today.isoformat()})"


# ---------------------------------------------------------------- staging and writing
# Every file is judged in the database, in the import's transaction: its rows become the temp table
# `checked` (rows as they will be stored, problem_* set on the refused ones), check_stored_<kind>
# refuses the rows that the stored data forbids, and `staged` holds the accepted rows that
# merge_<kind> compares with the stored ones. A CSV file is read there by DuckDB's CSV reader and
# judged by the SQL rules of check_<kind>; an XLSX file's cells are judged here by validate().

@contextmanager
def _csv_reader_path(path: Path) -> Iterator[str]:
    """A path DuckDB's reader opens as this one file: the file's own when it holds no glob pattern
    characters, else a link of a plain name in a private temporary folder."""
    path = path.resolve()
    if not any(c in str(path) for c in "*?[]{}"):
        yield str(path)
        return
    with tempfile.TemporaryDirectory(prefix="csv-") as folder:
        link = Path(folder) / "records.csv"
        link.symlink_to(path)
        yield str(link)


def _record_info(scan: csv_scan.Scan) -> pa.Table:
    return pa.table({"line": pa.array(scan.lines, pa.int64()), "fields": pa.array(scan.fields, pa.int32()),
                     "data": pa.array(scan.data, pa.bool_()), "plain": pa.array(scan.plain, pa.bool_())})


def _stage_scanned(con, kind: Kind, table: Table, index: dict[str, int]) -> None:
    """Reads a pre-scanned CSV file with DuckDB's reader into the temp table raw_rows."""
    scan = table.scan
    by_position = {at: column for column, at in index.items()}
    columns = {by_position.get(at, f"_{at}"): "VARCHAR" for at in range(len(table.header))}
    records = _record_info(scan)
    with _csv_reader_path(table.path) as reader_path:
        db.execute(con, "stage_csv", path=reader_path, delimiter=scan.delimiter,
                   columns=columns, max_line_size=max(scan.longest_record + 2, 2_097_152), record_info=records)
    [(count, read, scanned)] = db.fetch(con, "raw_rows_read")
    if not count == read == scanned == len(records):
        raise ImportRefused(f"the CSV reader found {read:,} records where the file has {len(records):,}: "
                            "the file changed while it was imported, or its quotes are unusual. Import it again")


def _raw_rows(table: Table, index: dict[str, int]) -> pa.Table:
    """The records the Python reader parsed, as the text table raw_rows (its line and field count)."""
    lines, counts, values = [], [], {column: [] for column in index}
    for line, fields in table.records:
        count = fields.count if isinstance(fields, Misfit) else len(fields)
        fields = fields.fields if isinstance(fields, Misfit) else fields
        lines.append(line)
        counts.append(count)
        for column, at in index.items():
            values[column].append(fields[at] if at < len(fields) else None)
    return pa.table({"line": pa.array(lines, pa.int64()), "fields": pa.array(counts, pa.int32()),
                     "data": pa.array([True] * len(lines), pa.bool_()),
                     "plain": pa.array([False] * len(lines), pa.bool_()),
                     **{column: pa.array(texts, pa.string()) for column, texts in values.items()}})


def _checked_rows(kind: Kind, accepted: list[tuple[int, tuple]], rejects: list[Reject]) -> pa.Table:
    """Rows judged by validate() (XLSX) as the table `checked` that check_<kind> makes of CSV files."""
    blank = [None] * len(rejects)
    columns = {"line": pa.array([line for line, _ in accepted] + [r.line for r in rejects], pa.int64())}
    for at, column in enumerate(kind.columns):
        columns[column] = pa.array([row[at] for _, row in accepted] + blank, kind.arrow.get(column, pa.string()))
    for name, of in (("problem_column", "column"), ("problem_value", "value"), ("problem_reason", "reason")):
        columns[name] = pa.array([None] * len(accepted) + [getattr(r, of) for r in rejects], pa.string())
    return pa.table(columns)


def _judge(con, kind: Kind, table: Table, index: dict[str, int], absent: list[str], today: dt.date,
           progress: Progress | None) -> int:
    """Judges every data row into the temp table `checked`; returns the number of rows read."""
    limits = {"max_field_chars": MAX_FIELD_CHARS, "shown_chars": SHOWN_VALUE_CHARS}
    width = len(table.header)
    if not table.cells:
        if table.scan is not None:
            _stage_scanned(con, kind, table, index)
            rows_read = table.scan.rows
            raw = {}
        else:
            raw = {"raw_rows": _raw_rows(table, index)}
            rows_read = len(table.records)
        if progress:
            progress(0.3, f"checking {rows_read:,} rows")
        params = {"width": width, **limits, **raw}
        if kind is SESSIONS:
            params.update(absent=absent, today=today)
        elif kind is PATIENTS:
            params.update(today=today)
        db.execute(con, f"check_{kind.name}", **params)
    else:
        accepted, rejects, rows_read = validate(kind, table, index, today, progress)
        db.execute(con, "copy_checked", xlsx_rows=_checked_rows(kind, accepted, rejects))
    if kind is SESSIONS:
        rows_from = db.fetch(con, "check_rows_from")[0][0]
        db.execute(con, "check_stored_sessions", absent=absent, today=today, shown_chars=SHOWN_VALUE_CHARS,
                   rows_from=rows_from)
    elif kind is SCORES:
        db.execute(con, "check_stored_scores", shown_chars=SHOWN_VALUE_CHARS)
        db.execute(con, "apply_score_matches")
    elif kind is COURSES:
        db.execute(con, "check_stored_courses", shown_chars=SHOWN_VALUE_CHARS)
    db.execute(con, "staged_rows")
    return rows_read


def _upsert(con, kind: Kind, absent: list[str], batch_id: int) -> dict[str, int]:
    """Merges the staged rows into the stored table; returns counts by change (new/updated/unchanged)."""
    if kind is SCORES:              # an empty score keeps the stored one, whatever the file's columns
        db.execute(con, "merge_scores", batch_id=batch_id)
    else:
        db.execute(con, f"merge_{kind.name}", keep=absent, batch_id=batch_id)
    counts = dict(db.fetch(con, "merge_counts"))
    facts.note_changes(con, "sessions" if kind is SCORES else kind.name)     # before the stored rows change
    db.execute(con, "apply_sessions" if kind is SCORES else f"apply_{kind.name}")   # scores change sessions
    return {k: counts.get(k, 0) for k in ("new", "updated", "unchanged")}



def rejects_csv(result: FileResult) -> bytes:
    """A file's rejects report: file, line, column, value, reason (spreadsheet-safe text)."""
    return exports.rows_csv(["file", "line", "column", "value", "reason"],
                            ([result.file, r.line, r.column or "", r.value or "", r.reason] for r in result.rejects))


_REPORT = re.compile(r"\.batch([0-9]+)\.rejects\.csv$")


def _short_stem(name: str, most_bytes: int = 150) -> str:
    """A file name's stem cut to at most `most_bytes` bytes of UTF-8 (file names may have 255)."""
    stem = Path(name).stem
    return stem.encode("utf-8")[:most_bytes].decode("utf-8", errors="ignore") or "file"


def write_private(target: Path, data: bytes) -> None:
    """Writes a file readable by its owner only (0600), never through a symbolic link."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
    handle = os.open(target, flags, 0o600)
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(handle, 0o600)          # also when the file was there before
        with os.fdopen(handle, "wb", closefd=False) as out:
            out.write(data)
    finally:
        os.close(handle)


def _write_rejects_csv(result: FileResult, rejects_dir: Path) -> str:
    private_folder(rejects_dir)
    target = rejects_dir / f"{_short_stem(result.file)}.batch{result.batch_id}.rejects.csv"
    write_private(target, rejects_csv(result))
    return str(target)


def prune_rejects_reports(rejects_dir: Path, keep: int = REJECTS_KEEP_BATCHES, current: Path | None = None) -> int:
    """Removes all but the `keep` most recent rejects reports (by batch number) of a rejects folder.

    Only files named like a report (`<name>.batch<N>.rejects.csv`) are touched, never `current`.
    Returns how many were removed.
    """
    try:
        reports = [(int(m.group(1)), entry) for entry in Path(rejects_dir).iterdir()
                   if (m := _REPORT.search(entry.name)) and entry.is_file()]
    except OSError:
        return 0
    reports.sort(key=lambda r: (r[0], r[1].name), reverse=True)
    removed = 0
    for _, entry in reports[keep:]:
        if current is not None and entry == current:
            continue
        try:
            entry.unlink()
            removed += 1
        except OSError:
            pass
    return removed


@dataclass
class Prepared:
    """A file read and checked (or refused) before the database is opened."""
    path: Path
    result: FileResult
    table: Table | None = None
    kind: Kind | None = None
    index: dict[str, int] | None = None
    header: list[str] | None = None      # the file's own (normalised) header, by which profiles are found


def prepare(path: Path | Held, profile=None, profile_name: str | None = None, records: bool = False) -> Prepared:
    """Reads one file and checks its header and every limit; a refused file says why in `result`.

    With a mapping profile (clinic.mapping.Profile) the file's rows are first mapped to the
    contract's columns; the dropped and unmapped columns are left behind here. `records` reads a
    CSV file's rows here rather than in the database (a file held in memory, to import)."""
    path = path if isinstance(path, Held) else Path(path)
    result = FileResult(file=str(path), profile=profile_name if profile is not None else None)
    header = None
    try:
        records = records or profile is not None
        table, result.sha256 = read_table(path, records=True) if records else read_table(path)
        header = table.header
        if profile is not None:
            from clinic import mapping
            table = mapping.apply(profile, table)
        kind, index, result.warnings = check_header(table, KINDS[profile.kind] if profile is not None else None)
        if profile is not None:
            result.warnings += mapping.left_out(profile, header)
    except ImportRefused as exc:
        result.refused = str(exc)
    except Exception as exc:  # whatever else goes wrong reading one file refuses only that file
        result.refused = f"the file cannot be read: {error_text(exc)}"
    if result.refused is not None:
        if result.sha256 is None and isinstance(path, Held):
            result.sha256 = hashlib.sha256(path.data).hexdigest()
        elif result.sha256 is None and path.is_file():
            result.sha256 = _sha256_of(path)
        return Prepared(path, result, header=header)
    result.kind = kind.name
    return Prepared(path, result, table, kind, index, header)


def import_file(con, path: Path, today: dt.date, rejects_dir: Path | None,
                progress: Progress | None = None, *, prepared: Prepared | None = None) -> FileResult:
    """Imports one file in one transaction and returns its summary (refused files write nothing)."""
    prepared = prepared or prepare(path)
    result = prepared.result
    if result.refused is not None:
        return result
    kind, index, table = prepared.kind, prepared.index, prepared.table
    prepared.table = None
    absent = [c for c in kind.columns if c not in index]   # an updated row keeps its stored value there

    con.begin()
    try:
        try:
            result.rows_read = _judge(con, kind, table, index, absent, today, progress)
        except ImportRefused as exc:
            db.rollback(con)
            result.refused = str(exc)
            return result
        del table
        result.rejects = [Reject(*row) for row in db.fetch(con, "file_rejects")]
        result.rejected = len(result.rejects)
        result.batch_id = db.fetch(con, "next_batch_id")[0][0]
        if progress:
            progress(0.7, f"writing {result.rows_read - result.rejected:,} rows")
        counts = _upsert(con, kind, absent, result.batch_id)
        result.new, result.updated, result.unchanged = counts["new"], counts["updated"], counts["unchanged"]
        if kind is SESSIONS:
            if progress:
                progress(0.85, "grouping sessions into courses")
            db.execute(con, "infer_courses")
        db.execute(con, "log_batch", batch_id=result.batch_id, file_name=prepared.path.name, file_kind=kind.name,
                   sha256=result.sha256, rows_read=result.rows_read, rows_new=result.new,
                   rows_updated=result.updated, rows_unchanged=result.unchanged,
                   rows_rejected=result.rejected, imported_at=dt.datetime.now().replace(microsecond=0))
        if progress:
            progress(0.9, "updating the per-course summary")
        facts.refresh(con)
        if result.rejects:
            db.execute(con, "log_rejects", batch_id=result.batch_id, file_name=prepared.path.name)
            db.execute(con, "prune_rejects", keep_batches=REJECTS_KEEP_BATCHES)
        con.commit()
    except BaseException:
        db.rollback(con)
        raise
    finally:
        db.execute(con, "drop_staging")
    if result.rejects and rejects_dir is not None:
        try:
            result.rejects_file = _write_rejects_csv(result, rejects_dir)
            prune_rejects_reports(rejects_dir, REJECTS_KEEP_BATCHES, current=Path(result.rejects_file))
        except OSError as exc:
            result.warnings.append(f"the rejects report could not be written to {rejects_dir} "
                                   f"({exc.strerror or exc}); the rejects are kept in the database's rejects table")
    if progress:
        progress(1.0, "done")
    return result


# ---------------------------------------------------------------- private files

_umask_lock = threading.Lock()
_umask_users = 0
_umask_before = 0


@contextmanager
def private_files() -> Iterator[None]:
    """Files and folders created meanwhile are readable by their owner only (umask 077).

    The umask belongs to the whole process, so overlapping imports share one change, undone when
    the last of them ends.
    """
    global _umask_users, _umask_before
    with _umask_lock:
        if _umask_users == 0:
            _umask_before = os.umask(0o077)
            os.umask(_umask_before | 0o077)
        _umask_users += 1
    try:
        yield
    finally:
        with _umask_lock:
            _umask_users -= 1
            if _umask_users == 0:
                os.umask(_umask_before)


def private_folder(folder: Path) -> Path:
    """Makes the folder (and missing parents) readable by its owner only; an existing one is left as it is."""
    folder = Path(folder)
    if not folder.is_dir():
        with private_files():
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(folder, 0o700)
    return folder


def upload_folder(db_path: str | Path) -> Path:
    """Where uploaded files wait while they are imported: `uploads/` beside the database, mode 0700."""
    folder = Path(db_path).parent / UPLOADS_FOLDER
    private_folder(folder)
    if stat.S_IMODE(folder.stat().st_mode) != 0o700:
        os.chmod(folder, 0o700)
    return folder


def _newest_change(path: Path) -> float:
    """The latest modification time of a path and, for a folder, of anything in it."""
    newest = path.lstat().st_mtime
    if path.is_dir() and not path.is_symlink():
        for folder, folders, files in os.walk(path):
            for name in folders + files:
                try:
                    newest = max(newest, os.lstat(os.path.join(folder, name)).st_mtime)
                except OSError:
                    pass
    return newest


def remove_stale_uploads(db_path: str | Path, older_than: float = UPLOAD_LEFTOVER_SECONDS) -> int:
    """Removes what an import that died (a killed server) left in the upload folder.

    Only entries untouched for `older_than` seconds go, so an import running meanwhile keeps its
    files. Returns how many entries were removed.
    """
    folder = Path(db_path).parent / UPLOADS_FOLDER
    if not folder.is_dir():
        return 0
    cutoff = time.time() - older_than
    removed = 0
    for entry in folder.iterdir():
        try:
            if _newest_change(entry) >= cutoff:
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
            removed += 1
        except OSError:
            pass
    return removed


def import_files(paths: Iterable[str | Path], db_path: str | Path, today: dt.date | None = None,
                 progress: Progress | None = None, rejects_dir: str | Path | None = None,
                 wait_seconds: float | None = None, profile=None) -> list[FileResult]:
    """Imports files into the database at db_path: patients, then courses, then sessions.

    `profile` maps every file's columns (clinic.mapping): a Profile, or the name of one saved in the
    database. Without it, a file whose header is the one a saved profile was made for is mapped by
    that profile (its newest version); any other file must be in the contract's columns.

    Every file is read and checked first; the database is opened for writing only after that, and
    is created (with its folder when missing) readable by its owner only. Leftovers of an earlier
    import that died are removed from the upload folder first.
    Raises db.DatabaseLocked when another process holds the database.
    """
    today = today or dt.date.today()
    db_path = Path(db_path)
    rejects_dir = Path(rejects_dir) if rejects_dir else db_path.parent / "rejects"
    paths = [p if isinstance(p, Held) else Path(p) for p in paths]
    remove_stale_uploads(db_path)

    # Read and check every file first, so they can be applied in dependency order.
    prepared = []
    for position, path in enumerate(paths):
        if progress:
            progress(0.0, f"{path.name}: reading")
        ready = prepare(path)
        order = IMPORT_ORDER.index(ready.kind.name) if ready.kind else -1
        prepared.append((order, position, ready))
    prepared.sort(key=lambda p: (p[0], p[1]))

    results: list[FileResult] = []
    if db_path.suffix.lower() not in db.DATA_FILE_SUFFIXES:
        private_folder(db_path.parent)
    with private_files():
        con = db.connect(db_path, wait_seconds=LOCK_WAIT_SECONDS if wait_seconds is None else wait_seconds)
        try:
            with db.keep_macros(con):
                prepared = _mapped(con, prepared, profile)
                for done, (_, _, ready) in enumerate(prepared):
                    step = None
                    if progress:
                        def step(fraction, message, _done=done, _name=ready.path.name):
                            progress((_done + fraction) / len(prepared), f"{_name}: {message}")
                    results.append(import_file(con, ready.path, today, rejects_dir, step, prepared=ready))
        finally:
            con.close()
    order = {p: i for i, p in enumerate(str(p) for p in paths)}
    return sorted(results, key=lambda r: order.get(r.file, 0))


def _mapped(con, prepared: list[tuple[int, int, Prepared]], profile) -> list[tuple[int, int, Prepared]]:
    """The files prepared again through a mapping profile where one applies (see import_files), in
    import order. A profile named but not saved refuses every file."""
    from clinic import mapping
    chosen = None
    if isinstance(profile, str):
        try:
            version = mapping.listed_version(con, profile)
            chosen = (f"{profile} v{version}", mapping.load(con, profile))
        except mapping.ProfileError as exc:
            for _, _, ready in prepared:
                ready.result.refused = str(exc)
                ready.table = None
            return prepared
    elif profile is not None:
        chosen = ("(unsaved)", profile)
    out = []
    for _, position, ready in prepared:
        use = chosen
        if use is None and ready.header is not None:
            found = mapping.for_header(con, ready.header)
            use = (f"{found[0]} v{found[2]}", found[1]) if found else None
        if use is not None and ready.header is not None:
            ready = prepare(ready.path, use[1], use[0])
        elif isinstance(ready.path, Held) and ready.table is not None and ready.table.scan is not None:
            ready = prepare(ready.path, records=True)     # held in memory: no file for DuckDB's reader
        order = IMPORT_ORDER.index(ready.kind.name) if ready.kind else -1
        out.append((order, position, ready))
    out.sort(key=lambda p: (p[0], p[1]))
    return out
