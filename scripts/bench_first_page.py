"""Benchmark: the first page in a browser that has never opened the dashboard, with the sign-in
page fetching Streamlit's code ahead (clinic/web.py, code_to_prefetch) and without.

    python scripts/bench_first_page.py --db PATH [--rounds 6] [--typing 2] [--settle 40]

A demo database is needed (the demo director signs in: `python -m clinic demo --db PATH
--patients N`). One `streamlit run dashboard.py` serves both kinds of visit; after --settle seconds
(its warm-up done), each round opens two new browser contexts (empty caches, like a browser that
never opened the dashboard), in turn in alternating order:
  - ahead: the sign-in form is left open for --typing seconds, as a person types a name and a
    password, then sent; the Overview is timed from the navigation to the page drawn (READY_JS of
    clinic/bench.py);
  - baseline: the same, with the sign-in page's requests for Streamlit's code refused by the
    browser (as the sign-in page was before it fetched anything ahead).
Prints JSON: every time, the medians and their ratio, how many of the page's files came from the
browser's cache, and the machine.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from clinic import access, bench  # noqa: E402


async def run(db: Path, rounds: int, typing_s: float, settle_s: float, folder: Path) -> dict:
    from playwright.async_api import async_playwright

    results: dict[str, list[dict]] = {"ahead": [], "baseline": []}
    async with async_playwright() as driver:
        browser = await driver.chromium.launch(executable_path=str(bench.CHROMIUM), args=bench.CHROMIUM_ARGS)
        try:
            with bench.streamlit_server(ROOT / "dashboard.py", folder, env={"CLINIC_DB": str(db.resolve())}) as (
                    server, _started):
                await asyncio.sleep(settle_s)
                # Chromium's own first start, not timed
                await bench.new_browser_first_page(browser, server, access.DEMO_PASSWORD, 0.0)
                for i in range(rounds):
                    order = ("ahead", "baseline") if i % 2 == 0 else ("baseline", "ahead")
                    for kind in order:
                        results[kind].append(await bench.new_browser_first_page(
                            browser, server, access.DEMO_PASSWORD, typing_s, block_code_ahead=kind == "baseline"))
        finally:
            await browser.close()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, required=True, help="a demo database (python -m clinic demo)")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--typing", type=float, default=2.0, help="seconds on the sign-in form before sending it")
    parser.add_argument("--settle", type=float, default=40.0, help="seconds after the start before the first visit")
    options = parser.parse_args(argv)
    missing = bench.browser_missing()
    if missing:
        print(missing, file=sys.stderr)
        return 2
    if not options.db.exists():
        print(f"{options.db} does not exist: build one with python -m clinic demo --db PATH", file=sys.stderr)
        return 2
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="clinic_first_page_") as temp:
        results = asyncio.run(run(options.db, options.rounds, options.typing, options.settle, Path(temp)))
    medians = {kind: statistics.median(r["seconds"] for r in rows) for kind, rows in results.items()}
    print(json.dumps({
        "method": __doc__.split("\n\n", 2)[2].strip(),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "database": str(options.db), "typing_s": options.typing, "rounds": options.rounds,
        "median_s": {kind: round(value, 3) for kind, value in medians.items()},
        "baseline_over_ahead": round(medians["baseline"] / medians["ahead"], 2),
        "runs": {kind: [{k: (round(v, 3) if isinstance(v, float) else v) for k, v in r.items()} for r in rows]
                 for kind, rows in results.items()},
        "wall_s": round(time.perf_counter() - started, 1),
    }, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
