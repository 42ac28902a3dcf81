"""Demo data obeys the import contract: exported as the clinic's CSV files and imported again, it
loads without a single reject and gives the same metrics."""
from __future__ import annotations

import datetime as dt

import duckdb

from clinic import demo, db, importer

END = dt.date(2026, 6, 30)


def test_demo_data_exported_to_csv_imports_with_no_rejects_and_the_same_metrics(tmp_path, cli):
    source = tmp_path / "demo.duckdb"
    con = db.connect(source)
    demo.generate(con, patients=300, seed=7, end_date=END)
    con.close()
    con = duckdb.connect(str(source), read_only=True)
    # Exported the way a clinic's system would: one CSV per table, times as HH:MM.
    con.table("sessions").select(
        "session_id, patient_id, session_date, left(session_time::varchar, 5) as session_time, therapist, "
        "status, pain_before, pain_after, course_id, muscle_tension, numbness, acute_inflammation, notes"
    ).write_csv(str(tmp_path / "sessions.csv"), header=True)
    con.table("patients").select("* exclude (batch_id)").write_csv(str(tmp_path / "patients.csv"), header=True)
    con.table("courses").select("* exclude (batch_id)").write_csv(str(tmp_path / "courses.csv"), header=True)
    con.close()

    target = tmp_path / "imported.duckdb"
    results = importer.import_files([tmp_path / n for n in ("sessions.csv", "patients.csv", "courses.csv")],
                                    target, today=END)
    assert [(r.kind, r.rejected, r.refused) for r in results] == [
        ("sessions", 0, None), ("patients", 0, None), ("courses", 0, None)]
    assert all(r.new == r.rows_read > 0 for r in results)

    for as_of in ("2026-06-30", "2026-02-01"):
        _, expected = cli("courses", "--db", source, "--as-of", as_of, "--json")
        _, got = cli("courses", "--db", target, "--as-of", as_of, "--json")
        assert got == expected and got   # a non-empty list, identical field by field
        _, expected = cli("metrics", "--db", source, "--as-of", as_of, "--by", "site", "--json")
        _, got = cli("metrics", "--db", target, "--as-of", as_of, "--by", "site", "--json")
        assert got == expected
