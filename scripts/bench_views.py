"""Benchmark: simultaneous sessions that each look at the clinic their own way, so that every page
they ask for is read from the database, not from the shared caches.

    python scripts/bench_views.py --db PATH [--sessions 10] [--settle 20]

A demo database is needed (its accounts sign in: `python -m clinic demo --db PATH --patients N`).
One `streamlit run dashboard.py` on localhost; after --settle seconds (its warm-up done):
  - one session alone, twice: the demo director, then a demo therapist, each goes through every
    page of the menu as of a day nobody has asked for yet: each page read cold, with no one else
    on the server;
  - then --sessions sessions at once, released together: the director and the demo therapists in
    turn (a therapist sees only the courses she treats, so her reads are her own), each as of a day
    of its own, every page of its menu once, back to back.
The clients speak Streamlit's websocket protocol (clinic/bench_sessions.py: no browser); a page that
raises or shows an error box counts as an error. Prints JSON: every page time, the medians and 90th
percentiles of both phases and their ratio, the errors, and the server's peak memory in each phase.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from clinic import access, bench, bench_sessions, demo  # noqa: E402


def accounts(db: Path, sessions: int) -> list[tuple[str, str]]:
    """(account, cookie) for each session: the director first, then the demo therapists in turn."""
    store = access.AccessStore.for_database(db)
    names = ["director"] + [access.normalise_name(t) for t in demo.THERAPIST_NAMES]
    found = []
    for n in range(sessions):
        name = names[n % len(names)]
        signed = store.sign_in(name, access.DEMO_PASSWORD, client=f"bench views {n}")
        if signed.token is None:
            raise SystemExit(f"cannot sign in as {name!r} with the demo password: use a database built by `clinic demo`")
        found.append((name, f"clinic_session={signed.token}"))
    return found


def view(day: dt.date) -> str:
    return f"as_of={day.isoformat()}"


def summary(samples: list[float]) -> dict:
    return {"runs": len(samples), "median_s": round(statistics.median(samples), 3) if samples else None,
            "p90_s": round(statistics.quantiles(samples, n=10)[-1], 3) if len(samples) >= 2 else None}


def run(db: Path, sessions: int, settle_s: float, folder: Path) -> dict:
    last = bench.database_counts(db)["last_session_date"]
    latest = dt.date.fromisoformat(last) if last else dt.date.today()
    alone_signed, signed = accounts(db, 2), accounts(db, sessions)
    with bench.streamlit_server(ROOT / "dashboard.py", folder, env={"CLINIC_DB": str(db.resolve())}) as (server, _), \
            bench.MemorySampler(server.process.pid) as memory:
        time.sleep(settle_s)
        memory.phase = "one_session"
        alone: dict[str, list[float]] = {}
        errors_alone = 0
        # days far enough back that no session below asks for them
        for back, (_name, cookie) in zip((40, 41), alone_signed):
            one = bench_sessions.one_session(server.port, cookie, query_string=view(latest - dt.timedelta(back)))
            for page, times in one["times"].items():
                alone.setdefault(page, []).extend(times)
            errors_alone += one["errors"]
        memory.phase = "simultaneous"
        barrier = threading.Barrier(sessions)
        results, failures = [], []

        def session(n: int) -> None:
            name, cookie = signed[n]
            try:
                done = bench_sessions.one_session(server.port, cookie, start=barrier,
                                                  query_string=view(latest - dt.timedelta(n + 1)))
                results.append({"account": name, "as_of": (latest - dt.timedelta(n + 1)).isoformat(), **done})
            except Exception as exc:  # noqa: BLE001 - a failed session is counted, not fatal
                failures.append(f"session {n + 1} ({name}): {type(exc).__name__}: {exc}")
                barrier.abort()

        started = time.perf_counter()
        threads = [threading.Thread(target=session, args=(n,), daemon=True) for n in range(sessions)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=bench_sessions.PAGE_TIMEOUT_S * 20)
        wall = time.perf_counter() - started
        memory.sample()
        memory_mb = {phase: memory.mb(phase) for phase in ("one_session", "simultaneous")}
    one_samples = [t for times in alone.values() for t in times]
    many_samples = [t for r in results for times in r["times"].values() for t in times]
    one_s, many_s = summary(one_samples), summary(many_samples)
    return {
        "database": str(db), "latest_session_date": latest.isoformat(), "sessions": sessions,
        "one_session": {**one_s, "errors": errors_alone,
                        "pages": {p: [round(t, 3) for t in times] for p, times in alone.items()}},
        "simultaneous": {**many_s, "errors": sum(r["errors"] for r in results) + len(failures),
                         "failures": failures[:5], "wall_s": round(wall, 1),
                         "sessions": [{"account": r["account"], "as_of": r["as_of"], "errors": r["errors"],
                                       "pages": {p: round(t[0], 3) for p, t in r["times"].items()}}
                                      for r in results]},
        "median_ratio": round(many_s["median_s"] / one_s["median_s"], 2)
        if many_s["median_s"] and one_s["median_s"] else None,
        "memory_mb": memory_mb,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, required=True, help="a demo database (python -m clinic demo)")
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--settle", type=float, default=20.0, help="seconds after the start before the first visit")
    options = parser.parse_args(argv)
    if not options.db.exists():
        print(f"{options.db} does not exist: build one with python -m clinic demo --db PATH", file=sys.stderr)
        return 2
    if options.sessions < 1:
        print("--sessions must be at least 1", file=sys.stderr)
        return 2
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="clinic_views_") as temp:
        result = run(options.db, options.sessions, options.settle, Path(temp))
    print(json.dumps({
        "method": __doc__.split("\n\n", 2)[2].strip(),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        **result, "wall_s": round(time.perf_counter() - started, 1),
    }, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
