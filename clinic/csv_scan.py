"""A fast pre-scan of a CSV file's bytes, so DuckDB's CSV reader can load it and every row keeps its line.

DuckDB reads a CSV file many times faster than Python's csv module, but it numbers records, not
physical lines: a quoted note spanning three lines shifts every later line number. This scan finds,
with numpy over the raw bytes, where each record starts (the physical line the rejects report
names), how many fields it has (for the too many / too few fields rule) and whether it is fully
empty (skipped, not counted), without parsing a field in Python.

The scan assumes RFC 4180 quoting, as DuckDB reads it: a quote opens a field (right after a
delimiter or a line end), `""` inside a quoted field is one quote, and a closing quote is followed by
a delimiter or a line end. A file that departs from that (a quote inside an unquoted field, text
after a closing quote, an unclosed quote) or uses a lone carriage return as a line end is left to
the Python reader, which handles every such case exactly (`scan` returns None).

Rows that may be fully empty (only blanks, delimiters, quotes or non-ASCII bytes, which may be
Unicode spaces) and rows long enough to hold an absurd field are few; each is parsed exactly with
Python's csv module from its own bytes.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

import numpy as np

QUOTE, LF, CR = ord('"'), ord("\n"), ord("\r")
# The ASCII characters str.strip() removes; every other ASCII byte is text that makes a field non-empty.
ASCII_BLANKS = b"\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f "
# Bytes that may belong to white space other than the space: ASCII ones, and the lead bytes of the
# UTF-8 forms of U+0085, U+00A0, U+1680, U+2000-U+205F and U+3000 (line ends are looked at apart).
ODD_SPACE_BYTES = b"\t\x0b\x0c\x1c\x1d\x1e\x1f\xc2\xe1\xe2\xe3"


class FieldTooLong(Exception):
    """A record holds a field longer than the reader's limit; `line` is where the record starts."""

    def __init__(self, line: int):
        super().__init__(line)
        self.line = line


@dataclass
class Scan:
    """Where the records of a CSV file are, as DuckDB's reader will return them.

    DuckDB returns one row for every record that is not a zero-length line, in file order; the
    arrays below have one entry for each of those rows.
    """
    delimiter: str
    header: list[str]        # the header's fields as written (not normalised)
    lines: np.ndarray        # int64: the physical line where each record starts (the header is line 1)
    fields: np.ndarray       # int32: how many fields each record has
    data: np.ndarray         # bool: the record is a data row (not the header, not before it, not fully empty)
    plain: np.ndarray        # bool: the record's only white space is the space (its fields need trim() alone)
    longest_record: int      # bytes of the longest record (DuckDB's line size must allow it)

    @property
    def rows(self) -> int:
        return int(self.data.sum())


def _fields_of(record: bytes, delimiter: str, field_limit: int) -> list[str]:
    """One record's fields, parsed exactly as the Python reader would."""
    csv.field_size_limit(field_limit)
    reader = csv.reader(io.StringIO(record.decode("utf-8"), newline=""), delimiter=delimiter, strict=True)
    rows = list(reader)
    if len(rows) != 1:           # cannot happen when the quotes passed the checks; be safe
        raise csv.Error("a record could not be told apart")
    return rows[0]


_LINE = re.compile(rb"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")


def delimiter_of(data: bytes) -> str:
    """`;` when the first non-blank line has more semicolons than commas, else `,`."""
    for match in _LINE.finditer(data):
        line = match.group().decode("utf-8")
        if line.strip():
            return ";" if line.count(";") > line.count(",") else ","
    return ","


def _quotes_are_plain(arr: np.ndarray, quotes: np.ndarray, delimiter: int) -> bool:
    """True when every quote opens a field, closes one, or is half of a `""` inside a quoted field."""
    if len(quotes) % 2:
        return False                                   # a quote is never closed
    if not len(quotes):
        return True
    opens, closes = quotes[0::2], quotes[1::2]
    size = len(arr)
    before = arr[np.maximum(opens - 1, 0)]
    open_ok = (opens == 0) | (before == delimiter) | (before == LF) | (before == CR)
    # an opening quote right after a closing one is the second half of an escaped quote ("")
    escaped = np.zeros(len(opens), dtype=bool)
    escaped[1:] = opens[1:] - 1 == closes[:-1]
    after = arr[np.minimum(closes + 1, size - 1)]
    close_ok = (closes == size - 1) | (after == delimiter) | (after == LF) | (after == CR)
    pair_next = np.zeros(len(closes), dtype=bool)
    pair_next[:-1] = closes[:-1] + 1 == opens[1:]
    return bool(np.all(open_ok | escaped) and np.all(close_ok | pair_next))


def scan(data: bytes, field_limit: int) -> Scan | None:
    """Scans the bytes of a CSV file (UTF-8 already checked, a BOM removed). None: use the Python reader.

    Raises FieldTooLong for the first record that holds a field longer than field_limit characters.
    """
    delimiter = delimiter_of(data)
    delim = ord(delimiter)
    arr = np.frombuffer(data, dtype=np.uint8)
    size = len(arr)
    quotes = np.flatnonzero(arr == QUOTE)
    if not _quotes_are_plain(arr, quotes, delim):
        return None
    feeds = np.flatnonzero(arr == LF)
    returns = np.flatnonzero(arr == CR)
    lone = returns[(returns + 1 >= size) | (arr[np.minimum(returns + 1, size - 1)] != LF)]
    if len(lone) and np.any(np.searchsorted(quotes, lone) % 2 == 0):
        return None                                    # a carriage return alone ends a line: old Mac files
    breaks = np.sort(np.concatenate((feeds, lone))) if len(lone) else feeds   # every physical line end
    ends = feeds[np.searchsorted(quotes, feeds) % 2 == 0]
    starts = np.concatenate(([0], ends + 1))
    stops = np.concatenate((ends, [size]))
    crlf = (stops > starts) & (arr[np.maximum(stops - 1, 0)] == CR)
    stops = stops - crlf
    kept = stops > starts                              # DuckDB skips zero-length lines, as Python does
    starts, stops = starts[kept], stops[kept]
    if not len(starts):
        none = np.zeros(0, bool)
        return Scan(delimiter, [], np.zeros(0, np.int64), np.zeros(0, np.int32), none, none, 0)
    lines = 1 + np.searchsorted(breaks, starts)

    delims = np.flatnonzero(arr == delim)
    fields = 1 + np.searchsorted(delims, stops) - np.searchsorted(delims, starts)
    if len(quotes):
        opens, closes = quotes[0::2], quotes[1::2]
        inside = np.searchsorted(delims, closes) - np.searchsorted(delims, opens)
        owner = np.searchsorted(starts, opens, side="right") - 1
        fields = fields - np.bincount(owner, weights=inside, minlength=len(starts)).astype(np.int64)

    text_bytes = np.ones(256, dtype=bool)
    text_bytes[list(ASCII_BLANKS)] = False
    text_bytes[[delim, QUOTE]] = False
    text_bytes[128:] = False                           # maybe a Unicode space: decided exactly below
    has_text = np.logical_or.reduceat(text_bytes[arr], starts)
    odd_bytes = np.zeros(256, dtype=bool)
    odd_bytes[list(ODD_SPACE_BYTES)] = True
    plain = ~np.logical_or.reduceat(odd_bytes[arr], starts)
    quoted_breaks = breaks[np.searchsorted(quotes, breaks) % 2 == 1]     # a line end inside a quoted field
    plain[np.searchsorted(starts, quoted_breaks, side="right") - 1] = False

    lengths = stops - starts
    for at in np.flatnonzero(lengths > field_limit):   # may hold an absurd field: parse exactly
        try:
            _fields_of(data[starts[at]:stops[at]], delimiter, field_limit)
        except csv.Error:
            raise FieldTooLong(int(lines[at])) from None

    empty = ~has_text
    for at in np.flatnonzero(empty):                   # only blanks, delimiters, quotes or non-ASCII
        record = _fields_of(data[starts[at]:stops[at]], delimiter, field_limit)
        empty[at] = not any(f.strip() for f in record)
    non_empty = np.flatnonzero(~empty)
    if not len(non_empty):
        return Scan(delimiter, [], lines, fields.astype(np.int32), np.zeros(len(starts), bool), plain,
                    int(lengths.max()))
    head = int(non_empty[0])
    header = _fields_of(data[starts[head]:stops[head]], delimiter, field_limit)
    data_rows = ~empty
    data_rows[:head + 1] = False
    return Scan(delimiter, header, lines, fields.astype(np.int32), data_rows, plain, int(lengths.max()))
