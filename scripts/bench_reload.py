"""Benchmark: how long pages take to reload in a browser, served by two or more versions of the code
(for example a git worktree of another commit, or of a change being weighed), in turn.

    python scripts/bench_reload.py --tree now=.=DB --tree other=PATH=DB [--pages overview,users]
                                   [--rounds 2] [--reloads 5] [--settle 20]

Each --tree is LABEL=FOLDER=DATABASE: a checkout of the dashboard (its dashboard.py and clinic
package are the ones served) and a demo database built by that code (`python -m clinic demo --db
DATABASE --patients N`; the demo director signs in). Each round starts one `streamlit run` per tree,
in turn (the order reversed every other round), waits --settle seconds for its warm-up, signs in
through the /signin form in headless Chromium, opens each page once and reloads it --reloads times,
each timed from the navigation to the page drawn (READY_JS of clinic/bench.py, as the bench's repeat
visits are). Prints JSON: per tree and page, the median of each round's reloads, and the machine.

How the README's "What a chart page's reload is made of" was measured: three worktrees of the same
commit, one as it is, one with `ui.chart` returning at once (no chart drawn), one drawing only the
first chart of each run, on the same 200,000-patient database.
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


def parse_tree(text: str) -> tuple[str, Path, Path]:
    try:
        label, folder, database = text.split("=")
    except ValueError:
        raise argparse.ArgumentTypeError(f"--tree takes LABEL=FOLDER=DATABASE, not {text!r}") from None
    folder, database = Path(folder).resolve(), Path(database).resolve()
    if not (folder / "dashboard.py").is_file():
        raise argparse.ArgumentTypeError(f"{folder} has no dashboard.py")
    if not database.is_file():
        raise argparse.ArgumentTypeError(f"no database at {database}")
    return label, folder, database


async def reloads(browser, folder: Path, database: Path, pages: list[str], count: int, settle: float,
                  logs: Path) -> dict[str, list[float]]:
    """One server of the code in `folder`: each page opened once, then reloaded `count` times."""
    env = {"CLINIC_DB": str(database), "PYTHONPATH": str(folder)}
    titles = {name: title for name, _file, title in bench.page_list()}
    first = bench.page_list()[0][0]
    with bench.streamlit_server(folder / "dashboard.py", logs, env=env) as (server, _started):
        time.sleep(settle)
        context = await browser.new_context(viewport=bench.VIEWPORT)
        try:
            page = await context.new_page()
            await bench.sign_in(page, server, access.DEMO_PASSWORD, next_path="/_stcore/health")
            times = {}
            for name in pages:
                url = bench._url(server, name, first)
                await bench.drawn(page, bench._goto(page, url), titles[name])
                times[name] = [(await bench.drawn(page, bench._goto(page, url), titles[name]))[0]
                               for _ in range(count)]
            return times
        finally:
            await context.close()


async def run(trees, pages: list[str], rounds: int, count: int, settle: float) -> dict:
    from playwright.async_api import async_playwright

    medians = {label: {name: [] for name in pages} for label, *_ in trees}
    with tempfile.TemporaryDirectory(prefix="bench_reload_") as temp:
        async with async_playwright() as driver:
            browser = await driver.chromium.launch(executable_path=str(bench.CHROMIUM), args=bench.CHROMIUM_ARGS)
            try:
                for round_no in range(rounds):
                    for label, folder, database in (trees if round_no % 2 == 0 else trees[::-1]):
                        got = await reloads(browser, folder, database, pages, count, settle, Path(temp))
                        for name, times in got.items():
                            medians[label][name].append(round(statistics.median(times), 3))
                        print(f"round {round_no + 1}, {label}: "
                              f"{ {n: medians[label][n][-1] for n in pages} }", file=sys.stderr, flush=True)
            finally:
                await browser.close()
    return {"reload_medians_s": medians, "rounds": rounds, "reloads_per_round": count,
            "trees": {label: {"folder": str(folder), "database": str(database)} for label, folder, database in trees},
            "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                        "load_average_1m": round(os.getloadavg()[0], 2)}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", type=parse_tree, action="append", required=True, metavar="LABEL=FOLDER=DATABASE")
    parser.add_argument("--pages", default="overview,users", help="page names, as in the bench's JSON keys")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--reloads", type=int, default=5)
    parser.add_argument("--settle", type=float, default=20.0, help="seconds for each server's warm-up")
    args = parser.parse_args(argv)
    missing = bench.browser_missing()
    if missing:
        parser.error(missing)
    pages = [p for p in args.pages.split(",") if p]
    known = [name for name, *_ in bench.page_list()]
    unknown = [p for p in pages if p not in known]
    if unknown:
        parser.error(f"unknown page(s) {', '.join(unknown)}; the pages are {', '.join(known)}")
    print(json.dumps(asyncio.run(run(args.tree, pages, args.rounds, args.reloads, args.settle)), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
