"""Benchmark: the server time to build every figure the pages draw, next to a baseline figure built
in the same run, and each figure's JSON digest so that two versions of the code can be compared.

    python scripts/bench_charts.py --db PATH [--runs 5] [--out FILE] [--compare FILE]

The pages run once, signed in as the demo director (AppTest, CLINIC_DB=PATH, as of today), and each
figure's inputs are taken as the page hands them to ui.chart. Then each figure is built --runs
times from those inputs and the median kept; the figures and their number depend on the database
and the day (a page draws a chart only when it has something to show).

A page's first visit, and every change of filter, builds its figures anew (ui.chart keeps a built
figure only for inputs it has seen), so this is part of every such visit's server time.

Baseline, in the same process: a figure of two bars with a title and axis titles through Plotly's
own calls alone (no template of ours), its fixed cost. Ratios are figure time ÷ baseline.

--out writes the timings and each figure's digest (blake2b of Plotly's JSON of the figure) as JSON.
--compare reads such a file written by another version of the code (run this script from that
version's folder on the same database and day) and says which figures differ: a change meant only
to make figures quicker must leave every digest as it was.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from clinic import bench  # noqa: E402


def capture(path: Path) -> list[tuple]:
    """(page, build, args, kwargs) of every ui.chart call of every page, in page order."""
    os.environ["CLINIC_DB"] = str(path)
    from clinic import ui

    bench.sign_in_as_demo_director(path)
    found, page = [], {"name": None}
    drawn = ui.chart

    def chart(build, *args, width="stretch", key=None, **kwargs):
        found.append((page["name"], build, args, kwargs))
        return drawn(build, *args, width=width, key=key, **kwargs)

    ui.chart = chart
    try:
        at = bench.dashboard_apptest()
        at.run()
        found.clear()
        for name, file, _title in bench.page_list():
            page["name"] = name
            at.switch_page(file).run()
            if at.exception:
                raise SystemExit(f"{name} raised: {at.exception[0].message}")
    finally:
        ui.chart = drawn
    return found


def baseline_figure():
    import plotly.graph_objects as go

    fig = go.Figure([go.Bar(x=["a", "b", "c"], y=[3, 1, 2], name="one"), go.Bar(x=["a", "b", "c"], y=[1, 2, 3],
                                                                                 name="two")])
    fig.update_layout(title={"text": "Two bars"}, height=420)
    fig.update_xaxes(title_text="Letter")
    fig.update_yaxes(title_text="Count")
    return fig


def median_seconds(make, runs: int) -> tuple[float, object]:
    samples, made = [], None
    for _ in range(runs):
        started = time.perf_counter()
        made = make()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples), made


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="a database built by `python -m clinic demo`")
    parser.add_argument("--runs", type=int, default=5, help="builds of each figure (median reported)")
    parser.add_argument("--out", type=Path, default=None, help="write timings and digests here (JSON)")
    parser.add_argument("--compare", type=Path, default=None, help="another run's --out: say which figures differ")
    args = parser.parse_args(argv)
    if not args.db.exists():
        raise SystemExit(f"no database at {args.db}")

    # the baseline first, before clinic.charts changes how Plotly works (it keeps parsed property
    # paths), with the default template a server has (Streamlit's, set as Streamlit loads Plotly)
    import streamlit.elements.plotly_chart  # noqa: F401

    baseline, _ = median_seconds(baseline_figure, max(args.runs, 20))
    calls = capture(args.db)
    figures = []
    for number, (page, build, call_args, kwargs) in enumerate(calls):
        seconds, fig = median_seconds(lambda: build(*call_args, **kwargs), args.runs)
        digest = hashlib.blake2b(fig.to_json().encode(), digest_size=16).hexdigest()
        figures.append({"figure": f"{number:02d} {page}: {build.__module__.rsplit('.', 1)[-1]}.{build.__name__}",
                        "seconds": round(seconds, 4), "x_baseline": round(seconds / baseline, 1), "digest": digest})
    total = sum(f["seconds"] for f in figures)

    print(f"| figure | build | × baseline |\n|---|---:|---:|")
    for f in figures:
        print(f"| {f['figure']} | {f['seconds'] * 1000:.1f} ms | {f['x_baseline']} |")
    print(f"| **all {len(figures)}** | **{total * 1000:.0f} ms** | {total / baseline:.0f} |")
    print(f"| *baseline: two bars, Plotly alone* | {baseline * 1000:.1f} ms | 1 |")

    result = {"database": str(args.db), "runs": args.runs, "baseline_s": round(baseline, 4),
              "total_s": round(total, 4), "figures": figures}
    if args.out:
        args.out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    if args.compare:
        other = {f["figure"]: f for f in json.loads(args.compare.read_text(encoding="utf-8"))["figures"]}
        mine = {f["figure"]: f for f in figures}
        differ = sorted(name for name in mine.keys() | other.keys()
                        if name not in mine or name not in other or mine[name]["digest"] != other[name]["digest"])
        other_total = sum(f["seconds"] for f in other.values())
        print(f"\nagainst {args.compare}: {len(figures) - len(differ)} of {len(mine | other)} figures the same; "
              f"all built in {total * 1000:.0f} ms here, {other_total * 1000:.0f} ms there")
        for name in differ:
            print(f"  differs: {name}")
        return 1 if differ else 0
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
