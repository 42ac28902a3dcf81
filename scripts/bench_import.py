"""Benchmark: how long a sessions CSV import takes, next to DuckDB's own read_csv of the same file.

    python scripts/bench_import.py [--rows 1000000] [--seed 1] [--keep FOLDER]

Builds a demo clinic (python -m clinic demo) big enough to hold N sessions, exports N of them to a
CSV with DuckDB's COPY, and adds a few rows the import must reject (a bad date, pain 11, a repeated
session_id, a row with too few fields, an attended session after today, a quoted note spanning two
lines). Then, in one run, times:
  (a) baseline: DuckDB's read_csv of the file into a table of a fresh database (types sniffed,
      the few rows it cannot read skipped: ignore_errors);
  (b) `python -m clinic import FILE --db fresh.duckdb` (a fresh database: every row new);
  (c) the same import again into that database (every row unchanged).
Prints JSON with the times and the ratios import ÷ baseline.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402

SESSIONS_PER_PATIENT = 12.6   # what the demo generator makes, on average

EXPORT_SQL = """
copy (
    select session_id, patient_id, session_date, therapist, status, pain_before, pain_after,
           course_id, left(session_time::varchar, 5) as session_time, muscle_tension,
           numbness, acute_inflammation, notes
    from sessions
    order by session_id
    limit $rows
) to '{path}' (header, delimiter ',')
"""


def _rejects(today: dt.date) -> str:
    future = (today + dt.timedelta(days=3)).isoformat()
    return "".join([
        "X0000001,P000001,2026-02-30,Alder,attended,5,4,,,,,,\n",           # no such day
        "X0000002,P000001,2026-03-01,Alder,attended,11,4,,,,,,\n",          # pain 11
        "X0000002,P000001,2026-03-02,Alder,attended,5,4,,,,,,\n",           # repeated id
        "X0000003,P000001,2026-03-03\n",                                   # too few fields
        f"X0000004,P000001,{future},Alder,attended,5,4,,,,,,\n",            # attended after today
        'X0000005,P000001,2026-03-04,Alder,attended,5,4,,,,,,"two\nlines"\n',  # fine: a quoted break
    ])


def _timed(command) -> float:
    start = time.perf_counter()
    command()
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", help="a folder to build in and keep (default: a temporary one)")
    args = parser.parse_args(argv)
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench_import_"))
    folder.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    csv_path = folder / "sessions.csv"
    demo_db = folder / "demo.duckdb"
    patients = int(args.rows / SESSIONS_PER_PATIENT * 1.05) + 1
    subprocess.run([sys.executable, "-m", "clinic", "demo", "--db", str(demo_db), "--patients", str(patients),
                    "--seed", str(args.seed)], check=True, env=env, cwd=ROOT, capture_output=True)
    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        exported = con.execute("select least(count(*), $rows) from sessions", {"rows": args.rows}).fetchone()[0]
        con.execute(EXPORT_SQL.format(path=str(csv_path).replace("'", "''")), {"rows": args.rows})
    finally:
        con.close()
    with open(csv_path, "a", encoding="utf-8") as out:
        out.write(_rejects(dt.date.today()))

    def baseline():
        con = duckdb.connect(str(folder / "baseline.duckdb"))
        try:
            # DuckDB's own reading: types from its sniffer, the rows it cannot read skipped
            con.execute("create table sessions as select * from read_csv($path, ignore_errors = true)",
                        {"path": str(csv_path)})
        finally:
            con.close()

    target = folder / "fresh.duckdb"
    for stale in (folder / "baseline.duckdb", target):
        stale.unlink(missing_ok=True)
    command = [sys.executable, "-m", "clinic", "import", str(csv_path), "--db", str(target), "--json"]
    results = []

    def run_import():
        done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"import failed: {done.stdout}\n{done.stderr}")
        results.append(json.loads(done.stdout)[0])

    baseline_seconds = _timed(baseline)
    import_seconds = _timed(run_import)
    again_seconds = _timed(run_import)
    first, second = results
    print(json.dumps({
        "rows_in_file": exported + 6,
        "csv_bytes": csv_path.stat().st_size,
        "baseline_read_csv_seconds": round(baseline_seconds, 3),
        "import_fresh_seconds": round(import_seconds, 3),
        "import_fresh_ratio": round(import_seconds / baseline_seconds, 2),
        "import_unchanged_seconds": round(again_seconds, 3),
        "import_unchanged_ratio": round(again_seconds / baseline_seconds, 2),
        "fresh": {k: first[k] for k in ("rows_read", "new", "updated", "unchanged", "rejected")},
        "unchanged": {k: second[k] for k in ("rows_read", "new", "updated", "unchanged", "rejected")},
        "machine": {"python": platform.python_version(), "duckdb": duckdb.__version__, "cpus": os.cpu_count()},
        "folder": str(folder) if args.keep else None,
    }, indent=2))
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
