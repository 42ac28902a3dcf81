"""CSV files that people open in a spreadsheet.

Text that a spreadsheet would run as a formula (starting with =, +, -, @, a tab or a carriage
return) is written with a leading apostrophe, the usual defence against CSV injection: a value
such as `=HYPERLINK(...)` typed into a note arrives as text. Numbers, dates and booleans are
written as they are. A file may open with one line that says what it holds (the filters in words):
it is written as a single quoted CSV field, on one line, made safe like every other cell, so a
name in it can neither add a cell nor break the line.
"""
from __future__ import annotations

import csv
import io
import re
from typing import Iterable

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_LINE_BREAKS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")      # newlines and other control characters


def safe_cell(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def comment_line(text: str) -> str:
    """`# text` as the first line of a CSV file, ending with a newline: one quoted field (one cell
    also in a spreadsheet that splits on semicolons), control characters and newlines as spaces,
    made safe like any cell."""
    out = io.StringIO()
    csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n").writerow(
        [safe_cell(_LINE_BREAKS.sub(" ", f"# {text}"))])
    return out.getvalue()


def frame_csv(frame: pd.DataFrame, first_line: str | None = None) -> bytes:
    """A DataFrame as UTF-8 CSV bytes, text cells made safe; optionally after a comment line."""
    safe = frame.copy()
    for column in safe.columns:
        if not (pd.api.types.is_numeric_dtype(safe[column]) or pd.api.types.is_bool_dtype(safe[column])
                or pd.api.types.is_datetime64_any_dtype(safe[column])):
            safe[column] = safe[column].map(safe_cell).astype("object")
    out = io.StringIO()
    if first_line:
        out.write(comment_line(first_line))
    safe.to_csv(out, index=False, lineterminator="\n")
    return out.getvalue().encode("utf-8")


def rows_csv(header: list[str], rows: Iterable[Iterable]) -> bytes:
    """Rows of plain values as UTF-8 CSV bytes, text cells made safe."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return out.getvalue().encode("utf-8")
