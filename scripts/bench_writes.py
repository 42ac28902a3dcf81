"""Benchmark: a day's writes into a big clinic database, with the per-course facts' refresh looking
at the courses of the patients each write changed (clinic/facts.py note_changes), next to the same
writes with every course looked at (as every write did before), in one run, in turn.

    python scripts/bench_writes.py --db PATH [--runs 3]

A demo database is needed (python -m clinic demo --db PATH --patients N); it is copied to a
temporary folder first and never written. Each run, in both ways (their order alternating):
  - a session recorded as the Record session page records it (clinic.recording.record): one
    attended session of a patient seen on the latest day, on that day, in that patient's course;
  - the same for a patient new to the clinic, without a course id: a course inferred from the
    patient's rows, as a practice whose exports carry no course ids has them all (its rows are found
    by the course id they are given, not by the stored one, which the demo's explicit ids let DuckDB
    find from its block ranges). A session without a course id for a patient with a course going on
    joins that course, as the first write does;
  - that day's sessions imported again under new session ids (written once, before any write, by
    queries/bench_sessions_csv.sql; clinic.importer.import_files, in process: no interpreter
    start-up).
Every write adds rows, so both ways meet the same growing database. Prints JSON: each time, the
medians, and the ratio of every-course time to the noted-patients time.
"""
from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402

from clinic import db, facts, importer, recording  # noqa: E402

WAYS = ("noted", "every_course")


@contextlib.contextmanager
def way(name: str):
    """`every_course`: writers note no patients, so every refresh looks at every course."""
    if name == "noted":
        yield
        return
    kept = facts.note_changes
    facts.note_changes = lambda con, kind: None
    try:
        yield
    finally:
        facts.note_changes = kept


def latest_day(path: Path, csv_path: Path) -> list[list[str]]:
    """The latest day's sessions as the contract's sessions.csv rows (queries/bench_sessions_csv.sql),
    written to csv_path once, before any write; returns its rows, the header first."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        relation = con.sql(db.sql_text("bench_sessions_csv"), params={"most_rows": None, "latest_day_only": True})
        relation.write_csv(str(csv_path), header=True)
    finally:
        con.close()
    with open(csv_path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def day_file(rows: list[list[str]], csv_path: Path, prefix: str) -> None:
    """The day's rows under new session ids (`prefix` before each), so that importing them adds them."""
    with open(csv_path, "w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(rows[0])
        out.writerows([prefix + row[0], *row[1:]] for row in rows[1:])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="a demo database (python -m clinic demo)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="bench_writes_"))
    try:
        copy = folder / "clinic.duckdb"
        shutil.copyfile(args.db, copy)
        times: dict[str, dict[str, list[float]]] = {w: {"record": [], "record_inferred": [], "import": []}
                                                        for w in WAYS}
        rows = latest_day(copy, folder / "day.csv")
        header, rows_per_import = rows[0], len(rows) - 1
        first = dict(zip(header, next(r for r in rows[1:] if r[header.index("status")] == "attended")))
        day = dt.date.fromisoformat(first["session_date"])
        today = max(day, dt.date.today())
        for run in range(args.runs):
            for w in (WAYS if run % 2 == 0 else WAYS[::-1]):
                csv_path = folder / f"day-{run}-{w}.csv"
                day_file(rows, csv_path, f"W{run}{w[0]}-")
                row = {"patient_id": first["patient_id"], "course_id": first["course_id"] or None,
                       "session_date": day, "therapist": first["therapist"], "status": "attended",
                       "pain_before": 4, "pain_after": 3,
                       "session_time": f"{8 + run % 10:02d}:{30 if w == 'noted' else 45}"}
                with way(w):
                    start = time.perf_counter()
                    outcome = recording.record(copy, row, recording.Recorder("bench", None), today=today)
                    times[w]["record"].append(time.perf_counter() - start)
                    if not outcome.saved:
                        raise SystemExit(f"the session was not recorded: {outcome.reasons()}")
                    start = time.perf_counter()
                    new_patient = {"patient_id": f"N-{run}{w[0]}", "course_id": None, "session_time": None}
                    outcome = recording.record(copy, {**row, **new_patient}, recording.Recorder("bench", None),
                                               today=today)
                    times[w]["record_inferred"].append(time.perf_counter() - start)
                    if not outcome.saved:
                        raise SystemExit(f"the session was not recorded: {outcome.reasons()}")
                    start = time.perf_counter()
                    [result] = importer.import_files([csv_path], copy, today=today)
                    times[w]["import"].append(time.perf_counter() - start)
                    if result.refused or result.rejected or result.new != rows_per_import:
                        raise SystemExit(f"the day's import did not add every row: {result.as_dict()}")
        with db.owned(db.connect(copy, read_only=True)) as con:
            fresh = facts.fresh(con)
        medians = {w: {k: round(statistics.median(v), 3) for k, v in kinds.items()} for w, kinds in times.items()}
        print(json.dumps({
            "database": str(args.db),
            "rows_per_import": rows_per_import,
            "seconds": {w: {k: [round(x, 3) for x in v] for k, v in kinds.items()} for w, kinds in times.items()},
            "medians_s": medians,
            "every_course_over_noted": {k: round(medians["every_course"][k] / medians["noted"][k], 2)
                                        for k in ("record", "record_inferred", "import")},
            "facts_fresh_after": fresh,
            "machine": {"python": platform.python_version(), "duckdb": duckdb.__version__, "cpus": os.cpu_count()},
        }, indent=2))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
