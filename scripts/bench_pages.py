"""Benchmark: cold and warm render time of every dashboard page on a 20,000-patient demo database,
next to baselines measured in the same run on the same machine.

    python scripts/bench_pages.py [--db PATH] [--patients 20000] [--seed 1] [--cold 3] [--warm 5]
                                  [--pages NAME,...] [--sections] [--planned N]

Without --db (or when PATH does not exist yet) it builds the demo first with
`python -m clinic demo --db PATH --patients N --seed S` (in a temporary folder without --db).
The pages run signed in as the demo's director (`director` / `demo`), through the real session
check of every script run; a database without that account is refused.

How pages are timed (clinic/bench.py, shared with `python -m clinic bench`): streamlit.testing.v1.AppTest, in this process, with CLINIC_DB pointing at the
database and as of today (the demo's last day). That is the server-side cost of one script run
(dashboard.py's sidebar + navigation + the page: queries, metrics, figures, element protos); it
leaves out the network and the browser's drawing. For each page:
  - cold: st.cache_data and st.cache_resource cleared, then `switch_page(page).run()` is timed
    (the operating system's file cache stays warm: DuckDB reads the file from memory either way);
  - warm: the same page run again with nothing changed (every cached read hits).
Each is repeated (--cold / --warm times) and the median is reported, with min and max. --pages
measures only those pages (by file name, e.g. protocol_safety) besides the Overview; --planned N
measures them with that planned-sessions setting (the sidebar's Thresholds) instead of 10.
--sections also times, cold, the parts of pages that are read only when a person opens them
(SECTIONS: the Overview's two progress lists, each list of the Protocol safety and Data quality
pages): the page's run with that part open, caches cleared before it (compare with the page's own
cold time).

Baselines, in the same process:
  - trivial_app: AppTest running a one-line Streamlit script (`st.write("hello")`): the fixed cost
    of one AppTest script run;
  - duckdb_count: open the same file read-only, `select count(*) from sessions`, close — what the
    dashboard does for its cheapest possible query (it opens a short-lived connection per read).
Ratios are page time ÷ baseline time. Prints JSON.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from clinic import bench  # noqa: E402  (the page timing is shared with `python -m clinic bench`)


def _summary(samples: list[float]) -> dict:
    return {"median_s": round(statistics.median(samples), 4), "min_s": round(min(samples), 4),
            "max_s": round(max(samples), 4), "runs": len(samples)}


def time_pages(cold_runs: int, warm_runs: int, planned: int | None = None) -> dict:
    at = bench.dashboard_apptest()
    at.run()            # imports, first script run: not counted
    if planned is not None:     # the sidebar's planned-sessions setting, kept from page to page
        at.number_input(key="planned").set_value(planned).run()
    if at.exception:
        raise SystemExit(f"dashboard.py raised: {at.exception[0].message}")
    return {name: {"cold": _summary(timing["cold"]), "warm": _summary(timing["warm"]), "elements": timing["elements"]}
            for name, timing in bench.time_pages(at, cold_runs, warm_runs).items()}


# (name, page file, session state that opens the part): the parts of pages read only once opened
SECTIONS = (
    ("overview: failing to progress", "pages/overview.py", {"overview.open.failure_to_progress": True}),
    ("overview: pain rising", "pages/overview.py", {"overview.open.red_flag_rising": True}),
    *((f"protocol_safety: {key}", "pages/protocol_safety.py", {"safety.open": key})
      for key in ("conclusion", "imaging", "blood_tests", "acute", "numbness", "rising", "progress", "ceiling")),
    *((f"data_quality: {key}", "pages/data_quality.py", {"quality.open": key})
      for key in ("pain", "unplanned", "diagnosis", "paperwork", "gaps")),
)
CLOSED = {"overview.open.failure_to_progress": False, "overview.open.red_flag_rising": False, "safety.open": None,
          "quality.open": None}


def time_sections(cold_runs: int) -> dict:
    """{section name: summary} of SECTIONS, each page run with only that part open, cold."""
    import streamlit as st

    def drawn() -> int:        # what an opened part adds: its caption, and a table or an all-clear
        return len(at.caption) + len(at.dataframe) + len(at.success) + len(at.markdown)

    at = bench.dashboard_apptest()
    at.run()
    closed = {}
    for file in {file for _name, file, _opened in SECTIONS}:
        for key, value in CLOSED.items():
            at.session_state[key] = value
        at.switch_page(file).run()
        closed[file] = drawn()
    timings = {}
    for name, file, opened in SECTIONS:
        samples = []
        for _ in range(cold_runs):
            st.cache_data.clear()
            st.cache_resource.clear()
            for key, value in {**CLOSED, **opened}.items():
                at.session_state[key] = value
            samples.append(bench._seconds(lambda: at.switch_page(file).run()))
            if at.exception:
                raise SystemExit(f"{name} raised: {at.exception[0].message}")
            if drawn() <= closed[file]:
                raise SystemExit(f"{name} did not open (its session state {opened} no longer opens it?)")
        timings[name] = _summary(samples)
    return timings


def time_trivial_app(runs: int) -> dict:
    return _summary(bench.time_trivial_app(runs))


def time_duckdb_count(path: Path, runs: int) -> tuple[dict, int]:
    import duckdb

    counts = []

    def count():
        con = duckdb.connect(str(path), read_only=True)
        try:
            counts.append(con.execute("select count(*) from sessions").fetchone()[0])
        finally:
            con.close()

    count()
    return _summary([bench._seconds(count) for _ in range(runs)]), counts[-1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=None, help="demo database to use (built there when missing)")
    parser.add_argument("--patients", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cold", type=int, default=3, help="cold runs per page (median reported)")
    parser.add_argument("--warm", type=int, default=5, help="warm runs per page (median reported)")
    parser.add_argument("--pages", default=None, help="comma-separated page names to measure (the Overview always)")
    parser.add_argument("--sections", action="store_true", help="also the parts of pages read once opened, cold")
    parser.add_argument("--planned", type=int, default=None,
                        help="the pages with this planned-sessions setting (sidebar, Thresholds) instead of 10")
    args = parser.parse_args(argv)
    bench.select_pages(args.pages.split(",") if args.pages else None)

    with tempfile.TemporaryDirectory(prefix="bench_pages_") as folder:
        path = args.db or Path(folder) / "demo.duckdb"
        build_seconds = None
        if not path.exists():
            build_seconds = round(bench.build_demo(path, args.patients, args.seed), 2)
        os.environ["CLINIC_DB"] = str(path.resolve())

        import duckdb
        import streamlit

        duckdb_count, sessions = time_duckdb_count(path, 20)
        trivial = time_trivial_app(20)
        bench.sign_in_as_demo_director(path)
        pages = time_pages(args.cold, args.warm, args.planned)
        sections = time_sections(args.cold) if args.sections else {}
        # A finished run's thread may still log Streamlit's bare-mode warnings (to stdout) while the
        # JSON is printed: they are not news here.
        logging.disable(logging.WARNING)

    for timing in [*pages.values(), *({"cold": t} for t in sections.values())]:
        for kind in ("cold", "warm"):
            if kind not in timing:
                continue
            median = timing[kind]["median_s"]
            timing[kind]["x_trivial_app"] = round(median / trivial["median_s"], 1)
            timing[kind]["x_duckdb_count"] = round(median / duckdb_count["median_s"], 1)

    print(json.dumps({
        "method": "streamlit.testing.v1.AppTest in-process script runs (server side only; no browser "
                  "drawing); cold = st.cache_data + st.cache_resource cleared before the run; "
                  "medians of the runs; ratios = page median / baseline median",
        "planned_sessions_setting": args.planned,
        "database": {"path": str(path) if args.db else "(temporary)", "patients": args.patients, "seed": args.seed,
                     "sessions": sessions, "built_now_seconds": build_seconds},
        "baselines": {
            "trivial_app": {**trivial, "what": "AppTest run of a one-line script st.write('hello')"},
            "duckdb_count": {**duckdb_count, "what": "open read-only + select count(*) from sessions + close"},
        },
        "pages": pages,
        "sections_cold": sections,
        "machine": {"cpus": os.cpu_count(), "load_average_1m": round(os.getloadavg()[0], 2),
                    "python": platform.python_version(), "streamlit": streamlit.__version__,
                    "duckdb": duckdb.__version__},
    }, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
