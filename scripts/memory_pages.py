"""Peak resident memory of the dashboard server per page, for one person clicking through every page.

    python scripts/memory_pages.py --db PATH [--fresh] [--pages overview,patients] [--prepare-csv]

Starts `streamlit run dashboard.py` on the database (a demo one: it signs in as the demo director
through the /signin form), visits each page once in headless Chromium and reports the server
tree's resident memory (clinic.bench.MemorySampler): idle, then the peak while each page is drawn
and the level it settles at. Without --fresh the pages are visited one after the other on one
server (the caches of earlier pages stay, as for a person clicking through); with --fresh every
page gets a server of its own (the page's own cost over an idle server). With --prepare-csv, after
the visits the Patients page's whole list (every course) is prepared as a CSV, by its button, until
its download is offered ("patients: prepare CSV"). Prints JSON.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from clinic import bench  # noqa: E402

SETTLE_S = 1.0


def _mb(value: int) -> float:
    return round(value / 2**20, 1)


PREPARE = "patients: prepare CSV"


async def _prepare_csv(page, server, memory) -> dict:
    """The Patients page's "Prepare these N courses as CSV", pressed, until its download is offered."""
    first = bench.page_list()[0][0]
    await bench.drawn(page, bench._goto(page, bench._url(server, "patients", first)), "Patients")
    time.sleep(SETTLE_S)
    memory.phase = PREPARE
    start = time.perf_counter()
    await page.get_by_role("button", name="Prepare these").first.click()
    offered = page.get_by_role("button", name="Download these courses (CSV)").first
    await offered.wait_for(timeout=bench.PAGE_TIMEOUT_S * 1000)
    seconds = time.perf_counter() - start
    time.sleep(SETTLE_S)
    return {"peak_mb": memory.mb(PREPARE), "after_mb": _mb(memory.sample()), "seconds": round(seconds, 2)}


async def _visit(browser, server, pages, memory, prepare_csv: bool = False) -> dict:
    from clinic import access

    context = await browser.new_context(viewport=bench.VIEWPORT)
    page = await context.new_page()
    first = bench.page_list()[0][0]
    out = {}
    try:
        await bench.sign_in(page, server, access.DEMO_PASSWORD, next_path="/_stcore/health")
        time.sleep(SETTLE_S)
        out["idle"] = {"peak_mb": _mb(memory.sample())}
        for name, _file, title in pages:
            memory.phase = name
            seconds, errors = await bench.drawn(page, bench._goto(page, bench._url(server, name, first)), title)
            time.sleep(SETTLE_S)
            out[name] = {"peak_mb": memory.mb(name), "after_mb": _mb(memory.sample()), "seconds": round(seconds, 2),
                         "errors": errors}
        if prepare_csv:
            out[PREPARE] = await _prepare_csv(page, server, memory)
    finally:
        await context.close()
    return out


async def _run(path: Path, names: list[str] | None, fresh: bool, prepare_csv: bool = False) -> dict:
    from playwright.async_api import async_playwright

    pages = [p for p in bench.page_list() if names is None or p[0] in names]
    groups = [[p] for p in pages] if fresh else [pages]
    result = {}
    with tempfile.TemporaryDirectory(prefix="memory_pages_") as folder:
        async with async_playwright() as driver:
            browser = await driver.chromium.launch(executable_path=str(bench.CHROMIUM), args=bench.CHROMIUM_ARGS)
            try:
                for group in groups:
                    with bench.streamlit_server(ROOT / "dashboard.py", Path(folder),
                                                env={"CLINIC_DB": str(path.resolve())}) as (server, _started):
                        with bench.MemorySampler(server.process.pid) as memory:
                            memory.phase = "start"
                            seen = await _visit(browser, server, group, memory, prepare_csv and not fresh)
                    if fresh:
                        result[group[0][0]] = {"idle_mb": seen["idle"]["peak_mb"], **seen[group[0][0]]}
                    else:
                        result = seen
            finally:
                await browser.close()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--pages", default=None, help="comma-separated page names (file stems); all by default")
    parser.add_argument("--fresh", action="store_true", help="a fresh server for every page")
    parser.add_argument("--prepare-csv", action="store_true",
                        help="then prepare the Patients page's whole list as a CSV (not with --fresh)")
    args = parser.parse_args(argv)
    names = args.pages.split(",") if args.pages else None
    print(json.dumps(asyncio.run(_run(args.db, names, args.fresh, args.prepare_csv)), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
