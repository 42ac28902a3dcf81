"""The sample files in data/ document the import contract; they must keep importing as described."""
from __future__ import annotations

import datetime as dt

from clinic import importer, metrics
from clinic import db
from clinic.db import ROOT

DATA = ROOT / "data"


def test_the_sample_files_import_cleanly_and_the_error_sample_rejects_all_but_one_row(tmp_path):
    results = importer.import_files(
        [DATA / "sessions.csv", DATA / "patients.csv", DATA / "courses.csv", DATA / "sessions_with_errors.csv"],
        tmp_path / "c.duckdb", today=dt.date(2026, 11, 26))
    summary = {r.file.rsplit("/", 1)[-1]: (r.rows_read, r.new, r.rejected) for r in results}
    assert summary == {
        "sessions.csv": (13, 13, 0),
        "patients.csv": (4, 4, 0),
        "courses.csv": (3, 3, 0),
        # ten rows: a bad date, 11, -1, 7.5, seven, no id, a repeated id, an unknown status and a
        # short row are rejected; only the first S0106 loads
        "sessions_with_errors.csv": (10, 1, 9),
    }


def test_the_sample_courses_have_the_metrics_worked_out_in_the_readme(tmp_path):
    importer.import_files([DATA / "patients.csv", DATA / "courses.csv", DATA / "sessions.csv"],
                          tmp_path / "c.duckdb", today=dt.date(2026, 11, 26))
    con = db.connect(tmp_path / "c.duckdb", read_only=True)
    try:
        rows = {c["course_id"]: c for c in metrics.courses(con, metrics.Filters(as_of=dt.date(2026, 11, 20)))}
    finally:
        con.close()
    assert list(rows) == ["C001", "C002", "P003:2026-11-09", "C004"]
    c001 = rows["C001"]
    assert c001["adherence"] == 4 / 10            # 11-02, 03, 05, 06 in the window 11-02..11-11
    assert c001["longest_break_days"] == 1        # 11-03 -> 11-05
    assert c001["sustained_improvement_pct"] == (8 - 4) / 8 * 100
    assert c001["dropped_out"] is True            # last visit 11-06, 14 days before 11-20
    assert rows["P003:2026-11-09"]["first_session_relief"] is None   # pain_before 0
    assert rows["P003:2026-11-09"]["attended_days"] == 2             # two sessions on 11-10
    assert rows["C004"]["first_session_relief"] is None              # pain_after missing
    assert rows["C004"]["dropped_out"] is False                      # 11-17 is 3 days before 11-20
