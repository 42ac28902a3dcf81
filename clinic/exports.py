"""CSV files that people open in a spreadsheet.

Text that a spreadsheet would run as a formula (starting with =, +, -, @, a tab or a carriage
return) is written with a leading apostrophe, the usual defence against CSV injection: a value
such as `=HYPERLINK(...)` typed into a note arrives as text. Numbers, dates and booleans are
written as they are.
"""
from __future__ import annotations

import csv
import io
from typing import Iterable

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def frame_csv(frame: pd.DataFrame, first_line: str | None = None) -> bytes:
    """A DataFrame as UTF-8 CSV bytes, text cells made safe; optionally after a comment line."""
    safe = frame.copy()
    for column in safe.columns:
        if not (pd.api.types.is_numeric_dtype(safe[column]) or pd.api.types.is_bool_dtype(safe[column])
                or pd.api.types.is_datetime64_any_dtype(safe[column])):
            safe[column] = safe[column].map(safe_cell).astype("object")
    out = io.StringIO()
    if first_line:
        out.write(f"# {first_line}\n")
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
