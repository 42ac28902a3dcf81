"""Benchmark: how long demo.generate() takes, next to a pure-DuckDB baseline on the same machine.

    python scripts/bench_demo.py [--patients 200000] [--seed 1]

Builds a demo database of N patients in a fresh temporary folder and times it. The baseline,
measured in the same run, is DuckDB alone filling an empty `sessions` table (same schema and
constraints) with the same number of rows from `range()` in plain SQL: the cost of writing that
many rows with no data generation at all. Prints JSON with both wall times and their ratio.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import duckdb  # noqa: E402
import numpy as np  # noqa: E402

from clinic import db, demo  # noqa: E402

# Same columns as a demo session, every value derived from the row number.
BASELINE_SQL = """
insert into sessions (session_id, patient_id, session_date, therapist, status, pain_before,
                      pain_after, course_id, session_time, muscle_tension, numbness,
                      acute_inflammation, notes, batch_id)
select
    'S' || lpad(cast(i + 1 as varchar), 8, '0'),
    'P' || lpad(cast(i // 12 + 1 as varchar), 6, '0'),
    cast($end_date as date) - cast(i % 365 as integer),
    list_extract($therapists, cast(i % 10 + 1 as integer)),
    'attended',
    cast(i % 11 as integer),
    cast(i % 7 as integer),
    'C' || lpad(cast(i // 11 + 1 as varchar), 7, '0'),
    make_time(8 + i % 12, 30 * (i % 2), 0),
    cast(i % 9 as integer),
    i % 5 = 0,
    i % 97 = 0,
    case when i % 31 = 0 then 'home stretches explained' end,
    1
from range($rows) as t(i)
"""


def _timed(action) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    end = dt.date.today()

    with tempfile.TemporaryDirectory(prefix="bench_demo_") as folder:
        con = db.connect(Path(folder) / "demo.duckdb")
        counts = {}
        generate_seconds = _timed(lambda: counts.update(
            demo.generate(con, patients=args.patients, seed=args.seed, end_date=end)))
        con.close()

        # The same generation without the database: the numpy share of the time.
        build_seconds = _timed(lambda: demo.build(patients=args.patients, seed=args.seed, end_date=end))

        base = db.connect(Path(folder) / "baseline.duckdb")
        therapists = [t[0] for t in demo.THERAPISTS]

        def fill():
            base.begin()
            params = {"rows": counts["sessions"], "end_date": end, "therapists": therapists}
            base.execute(BASELINE_SQL, params)
            base.commit()

        baseline_seconds = _timed(fill)
        base.close()

    print(json.dumps({
        "patients": counts["patients"],
        "courses": counts["courses"],
        "sessions": counts["sessions"],
        "generate_seconds": round(generate_seconds, 3),
        "numpy_build_seconds": round(build_seconds, 3),
        "baseline_seconds": round(baseline_seconds, 3),
        "ratio_generate_to_baseline": round(generate_seconds / baseline_seconds, 2),
        "baseline": "duckdb inserts the same number of session rows from range() into an empty "
                    "sessions table (same schema) in pure SQL",
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "duckdb": duckdb.__version__, "numpy": np.__version__},
    }, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
