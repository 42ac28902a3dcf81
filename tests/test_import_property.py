"""The import's counts add up for any sessions file, and a second import of it changes nothing.

Files are generated with hypothesis: every column mixes valid and invalid values (bad dates, pain
out of range or in words, unknown statuses, future attended sessions, courses shared between
patients), with quotes, commas and line breaks in text, fully empty rows, rows with a field too
many or too few, repeated session ids, and any subset and order of the optional columns.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clinic import importer
from soak import examples

TODAY = dt.date(2026, 3, 20)

REQUIRED = ["session_id", "patient_id", "session_date", "therapist"]
VALUES = {
    "session_id": ["s1", "s2", "s3", "s4", "s5", " s1 ", ""],
    "patient_id": ["p1", "p2", "p3", ""],
    "session_date": ["2026-03-01", "2026-03-02", "2026-03-19", "2026-03-20", "2026-04-01", "2026-02-30",
                     "03/01/2026", "2026-3-1", ""],
    "therapist": ["Birch", "Cedar", 'O\'Neil, "the elder"', "  ", ""],
    "status": ["attended", "CANCELLED", "no_show", "No_Show", "", "maybe"],
    "pain_before": ["0", "7", "07", "10", "11", "-1", "7.5", "seven", ""],
    "pain_after": ["0", "3", "10", "12", "", "x"],
    "course_id": ["", "c1", "c2", "p1:2026-03-01"],
    "session_time": ["09:00", "9:05", "23:59", "24:00", "9:5", ""],
    "muscle_tension": ["0", "5", "10", "11", ""],
    "numbness": ["true", "FALSE", "yes", "0", "maybe", ""],
    "acute_inflammation": ["1", "no", "", "2"],
}
OPTIONAL = [c for c in VALUES if c not in REQUIRED] + ["notes"]
NOTES = st.text(alphabet=st.sampled_from(list("ab ,;\"'\n\r=+-é")), max_size=12)


@st.composite
def sessions_files(draw):
    """(CSV bytes, the number of rows that are not fully empty)."""
    optional = draw(st.lists(st.sampled_from(OPTIONAL), unique=True, max_size=len(OPTIONAL)))
    header = draw(st.permutations(REQUIRED + optional))
    rows = []
    for _ in range(draw(st.integers(0, 12))):
        kind = draw(st.sampled_from(["row"] * 6 + ["empty", "short", "long"]))
        if kind == "empty":
            row = [draw(st.sampled_from(["", "  "])) for _ in header]
        else:
            row = [draw(NOTES) if c == "notes" else draw(st.sampled_from(VALUES[c])) for c in header]
            if kind == "short":
                row = row[:-1]
            elif kind == "long":
                row = row + ["extra"]
        rows.append(row)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    not_empty = sum(1 for row in rows if any(field.strip() for field in row))
    return out.getvalue().encode("utf-8"), not_empty


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sessions_files())
def test_for_any_sessions_file_the_counts_add_up_and_a_second_import_changes_nothing(generated):
    data, not_empty = generated
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "sessions.csv"
        path.write_bytes(data)
        database = Path(folder) / "clinic.duckdb"
        [first] = importer.import_files([path], database, today=TODAY)
        [second] = importer.import_files([path], database, today=TODAY)
    for result in (first, second):
        assert result.refused is None
        assert result.rows_read == not_empty
        accepted = result.new + result.updated + result.unchanged
        assert accepted + result.rejected == result.rows_read
        assert len(result.rejects) == result.rejected
    assert (second.new, second.updated) == (0, 0)
    assert (second.unchanged, second.rejected) == (first.new + first.updated, first.rejected)
