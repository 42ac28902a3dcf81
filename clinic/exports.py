"""Files that people take away: CSV and XLSX of a table, and the file names that say what they hold.

Text that a spreadsheet would run as a formula (starting with =, +, -, @, a tab or a carriage
return) is written with a leading apostrophe, the usual defence against CSV injection: a value
such as `=HYPERLINK(...)` typed into a note arrives as text. Numbers, dates and booleans are
written as they are.

What a file holds (the filters, the as-of date, the relief rule) goes where it does not break a
spreadsheet's or pandas' header:
- a CSV starts with its header on line 1; its file name carries the filters as a short, safe slug
  (`file_name`), and `about_csv` is a small side file with the rest;
- an XLSX has the data on its first sheet (header in row 1) and a second sheet "About" with the
  filters in words, the as-of date, the relief rule, the time it was made, the row count and what
  each column means.

Everything here is a pure function of a DataFrame and a description: no Streamlit.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import math
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass, field
from typing import BinaryIO, Iterable, Mapping

import pandas as pd

from clinic.filters import RELIEF_RULES, Filters

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_LINE_BREAKS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")      # newlines and other control characters
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIME = "text/csv"


def safe_cell(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def comment_line(text: str) -> str:
    """`# text` as one quoted CSV field on one line, made safe like any cell. (The dashboard's own
    downloads no longer start with such a line: it broke the header for pandas and spreadsheets.)"""
    out = io.StringIO()
    csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n").writerow(
        [safe_cell(_LINE_BREAKS.sub(" ", f"# {text}"))])
    return out.getvalue()


def _is_text_column(series: pd.Series) -> bool:
    return not (pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)
                or pd.api.types.is_datetime64_any_dtype(series))


def _safe_text_column(series: pd.Series) -> pd.Series:
    """safe_cell of every cell, as objects. Only the cells whose text starts like a formula go
    through Python: a list of thousands of courses has none or a few."""
    risky = series.astype("string").str.startswith(FORMULA_STARTS).fillna(False).to_numpy(dtype=bool)
    if not risky.any():
        return series           # as it is: a text column of Python objects would take several times the memory
    out = series.astype("object")
    out.loc[risky] = out.loc[risky].map(safe_cell)
    return out


def frame_csv(frame: pd.DataFrame, first_line: str | None = None, header: bool = True) -> bytes:
    """A DataFrame as UTF-8 CSV bytes, header on line 1, text cells made safe.

    `first_line` (a comment line before the header) is kept for callers that still want one;
    `header` False leaves the header out (a later part of a file written in parts)."""
    out = io.BytesIO()                  # written as UTF-8 bytes at once: no text copy of the whole file
    _write_csv_file(frame, out, first_line, header)
    return out.getvalue()


def csv_on_disk(frame: pd.DataFrame, first_line: str | None = None) -> PartFile:
    """frame_csv's file kept on disk until it is downloaded (PartFile), not held in memory."""
    file = PartFile()
    _write_csv_file(frame, file.stream, first_line)
    return file


def _write_csv_file(frame: pd.DataFrame, out: BinaryIO, first_line: str | None, header: bool = True) -> None:
    if first_line:
        out.write(comment_line(first_line).encode("utf-8"))
    write_csv(frame, out, header=header)


def write_csv(frame: pd.DataFrame, out: BinaryIO, header: bool = True) -> None:
    """Writes `frame` as UTF-8 CSV onto the end of `out`, text cells made safe (frame_csv's rows): a
    file written in parts grows by each part without a copy of it."""
    safe = frame.copy(deep=False)       # the columns below are replaced, never changed in place
    for column in safe.columns:
        if _is_text_column(safe[column]):
            safe[column] = _safe_text_column(safe[column])
    safe.to_csv(out, index=False, header=header, lineterminator="\n", encoding="utf-8")


class PartFile:
    """A file written in parts (a long list prepared for its download) and kept on disk, not in
    memory, until it is downloaded: an unnamed temporary file (no name in any folder; only this
    object reaches it), gone once the object is dropped or the process ends. `stream` takes the
    parts (write_csv); `read` gives the whole file, from any thread, as often as asked."""

    def __init__(self):
        self.stream = tempfile.TemporaryFile()

    def size(self) -> int:
        self.stream.flush()
        return os.fstat(self.stream.fileno()).st_size

    def read(self) -> bytes:
        size, offset, chunks = self.size(), 0, []
        while offset < size:            # read by position: no shared file offset between threads
            chunk = os.pread(self.stream.fileno(), size - offset, offset)
            if not chunk:
                break
            chunks.append(chunk)
            offset += len(chunk)
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def rows_csv(header: list[str], rows: Iterable[Iterable]) -> bytes:
    """Rows of plain values as UTF-8 CSV bytes, text cells made safe."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return out.getvalue().encode("utf-8")


# ---------------------------------------------------------------- file names

SLUG_LIMIT = 100         # characters of the filters' slug; longer ones are cut and end with a hash
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_PLAIN = re.compile(r"[A-Za-z0-9 _-]*")
AGE_SLUGS = {"<30": "under-30", "30-44": "30-44", "45-59": "45-59", "60+": "60-plus"}


def slug(text: str) -> str:
    """`text` with only [a-z0-9-]: accents dropped, every other run of characters one hyphen."""
    plain = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode("ascii").lower()
    return _NOT_SLUG.sub("-", plain).strip("-")


def _short_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


def filters_slug(filters: Filters, limit: int = SLUG_LIMIT) -> str:
    """The filters as a short, safe part of a file name, empty when nothing is filtered:
    `therapist-birch`, `started-2026-01-01-to-2026-02-28-site-north-sex-f`, `patients-of-birch` (a
    therapist's own account), `relief-points2` (a rule other than the default).

    The as-of date is not part of it (file names state it on their own). A name from data that loses
    characters on the way (accents, other scripts, punctuation), or a slug longer than `limit`, gets a
    hash of the whole filter set at its end, so two different filter sets never share a name."""
    parts: list[str] = []
    lossy = False
    if filters.start_from and filters.start_to:
        parts.append(f"started-{filters.start_from:%Y-%m-%d}-to-{filters.start_to:%Y-%m-%d}")
    elif filters.start_from:
        parts.append(f"started-from-{filters.start_from:%Y-%m-%d}")
    elif filters.start_to:
        parts.append(f"started-until-{filters.start_to:%Y-%m-%d}")
    bands = sorted(filters.age_bands, key=lambda a: (list(AGE_SLUGS).index(a) if a in AGE_SLUGS else 9, a))
    for label, values in (("therapist", filters.therapists), ("site", filters.sites),     # the sidebar's order
                          ("diagnosis", filters.diagnoses), ("age", bands), ("sex", filters.sexes)):
        if values:
            lossy = lossy or any(not _PLAIN.fullmatch(v) for v in values if label != "age")
            parts.append("-".join([label, *(AGE_SLUGS.get(v) or slug(v) or "x" for v in values)]))
    if filters.scope:
        lossy = lossy or not _PLAIN.fullmatch(filters.scope)
        parts.append(f"patients-of-{slug(filters.scope) or 'x'}")
    if filters.relief_rule != "pct30":
        parts.append(f"relief-{filters.relief_rule}")
    from clinic import settings
    for key, value in settings.url_params(filters.settings):      # the settings that differ from the defaults
        parts.append(slug(f"{key}-{filters.settings.mcid if key == 'mcid' else value}"))
    text = "-".join(parts)
    if lossy or len(text) > limit:
        identity = repr((filters.start_from, filters.start_to, filters.therapists, filters.sites, filters.diagnoses,
                         filters.age_bands, filters.sexes, filters.scope, filters.relief_rule, filters.settings))
        text = f"{text[:limit - 9].rstrip('-')}-{_short_hash(identity)}".lstrip("-")
    return text


def safe_part(text: str, limit: int = 40) -> str:
    """A value from data (a course id) as a safe part of a file name: `c1`, `p3-2026-03-15` (an
    inferred course id's colon as a hyphen); with a hash when other characters were lost on the way or
    it was cut, so two different values do not share a name."""
    part = slug(text)
    if part == str(text).replace(":", "-") and len(part) <= limit:
        return part
    return f"{part[:limit - 9].rstrip('-')}-{_short_hash(str(text))}".lstrip("-")


def file_name(stem: str, filters: Filters, ext: str) -> str:
    """`<stem>-as-of-<YYYY-MM-DD>[-<filters>].<ext>`, e.g. `courses-as-of-2026-03-20-therapist-birch.csv`."""
    tail = filters_slug(filters)
    return f"{slug(stem)}-as-of-{filters.as_of:%Y-%m-%d}" + (f"-{tail}" if tail else "") + f".{ext}"


# ---------------------------------------------------------------- what a file holds

@dataclass(frozen=True)
class About:
    """What a file holds, in words: its title, the filters, the as-of date, the relief rule and the
    meaning of its columns (column id -> words)."""
    title: str
    filters: str
    as_of: dt.date
    relief_rule: str
    columns: Mapping[str, str] = field(default_factory=dict)
    settings: str = ""        # every clinical setting in words (clinic.settings.describe_line)

    @classmethod
    def of(cls, title: str, filters: Filters, columns: Mapping[str, str] | None = None) -> "About":
        from clinic import settings
        return cls(title=title, filters=filters.describe(), as_of=filters.as_of,
                   relief_rule=RELIEF_RULES[filters.relief_rule], columns=dict(columns or {}),
                   settings=settings.describe_line(filters.settings, filters.relief_rule))


ABOUT_FIELDS = 7          # the rows of about_rows before the columns' meanings


def about_rows(about: About, rows: int, made_at: dt.datetime) -> list[tuple[str, str | int]]:
    """The About sheet (or side file) as (field, value) rows: text, and the row count as a number."""
    lines = [
        ("File", about.title),
        ("Filters", about.filters),
        ("As of", f"{about.as_of:%Y-%m-%d}"),
        ("First-session relief means", about.relief_rule),
        ("Settings", about.settings or "the defaults"),
        ("Made at", f"{made_at:%Y-%m-%d %H:%M:%S}"),
        ("Rows", int(rows)),
    ]
    if about.columns:
        lines += [("", ""), ("Column", "Meaning"), *((str(k), str(v)) for k, v in about.columns.items())]
    return lines


def about_csv_rows(about: About) -> int:
    """The rows of about_csv under its header (the fields, and the columns' header and meanings)."""
    return ABOUT_FIELDS + (1 + len(about.columns) if about.columns else 0)


def about_csv(about: About, rows: int, made_at: dt.datetime | None = None) -> bytes:
    """A small CSV (field,value) that says what the data file beside it holds."""
    made_at = made_at or dt.datetime.now()
    return rows_csv(["field", "value"], [list(r) for r in about_rows(about, rows, made_at) if r != ("", "")])


# ---------------------------------------------------------------- XLSX

def frame_signature(frame: pd.DataFrame) -> str:
    """A short hash of a frame's columns and every value: tells whether a file built from it still holds
    the same data (a prepared XLSX is kept while the signature stays the same)."""
    values = pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes() if len(frame) else b""
    return hashlib.sha256(repr(list(frame.columns)).encode() + values).hexdigest()[:16]


XLSX_TEXT_LIMIT = 32_767       # characters Excel keeps in one cell
# Rows up to which a page builds an XLSX with every run (about 0.1 s); a larger one is built when asked
# for (openpyxl writes some 40,000 cells a second).
XLSX_AT_ONCE_ROWS = 300
CSV_AT_ONCE_ROWS = 5_000     # a longer list of courses is written when asked for (200,000 courses: ~35 MB)


def _xlsx_value(value):
    """A cell as openpyxl should write it: numbers, booleans and dates as themselves, text made safe
    (no formula, no character XML cannot hold), nothing for a missing value."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (bool,)) or type(value).__name__ == "bool_":
        return bool(value)
    if isinstance(value, pd.Timestamp):
        if value.tzinfo is not None:
            value = value.tz_localize(None)
        return value.date() if value == value.normalize() else value.to_pydatetime()
    if isinstance(value, (dt.date, dt.datetime)):
        return value
    if hasattr(value, "item") and not isinstance(value, str):     # numpy scalars
        value = value.item()
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, int):
        return value
    text = ILLEGAL_CHARACTERS_RE.sub(" ", str(value))[:XLSX_TEXT_LIMIT]
    return safe_cell(text)


def _column_width(header: str, values: list) -> float:
    longest = max([len(str(header)), *(len(str(v)) for v in values[:200] if v is not None)])
    return float(min(60, max(8, longest + 2)))


def frame_xlsx(frame: pd.DataFrame, about: About, made_at: dt.datetime | None = None,
               sheet: str = "Data") -> bytes:
    """The frame as an XLSX workbook: sheet `sheet` with the header in row 1 (frozen) and one row per
    record, then a sheet "About" (see about_rows). Text that a spreadsheet would run as a formula is
    written with a leading apostrophe, as in the CSV."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    made_at = made_at or dt.datetime.now()
    bold = Font(bold=True)
    workbook = Workbook(write_only=True)
    data = workbook.create_sheet(_sheet_title(sheet))
    data.freeze_panes = "A2"
    records = [[_xlsx_value(v) for v in row] for row in frame.itertuples(index=False, name=None)]
    headers = [str(c) for c in frame.columns]
    for index, header in enumerate(headers, start=1):
        data.column_dimensions[get_column_letter(index)].width = _column_width(
            header, [r[index - 1] for r in records])
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(data, value=_xlsx_value(header))
        cell.font = bold
        header_cells.append(cell)
    data.append(header_cells)
    for record in records:
        cells = []
        for value in record:
            if isinstance(value, (dt.date, dt.datetime)):
                cell = WriteOnlyCell(data, value=value)
                cell.number_format = "yyyy-mm-dd" if not isinstance(value, dt.datetime) else "yyyy-mm-dd hh:mm"
                cells.append(cell)
            else:
                cells.append(value)
        data.append(cells)

    sheet_about = workbook.create_sheet("About")
    lines = about_rows(about, len(frame), made_at)
    sheet_about.column_dimensions["A"].width = 28
    sheet_about.column_dimensions["B"].width = float(min(100, max(40, *(len(str(v)) + 2 for _, v in lines))))
    for position, (key, value) in enumerate(lines):
        first = WriteOnlyCell(sheet_about, value=_xlsx_value(key if key != "" else None))
        second = WriteOnlyCell(sheet_about, value=_xlsx_value(value if value != "" else None))
        if position < ABOUT_FIELDS or key == "Column":      # the field names, and the columns' header
            first.font = bold
        if key == "Column":
            second.font = bold
        sheet_about.append([first, second])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _sheet_title(name: str) -> str:
    """A valid sheet title: no []:*?/\\ and at most 31 characters."""
    return (re.sub(r"[\[\]:*?/\\]", " ", name).strip() or "Data")[:31]
