"""Where the test suite's time goes: a record of every test's start, end and processor time, per
pytest-xdist worker, and a summary of it.

Record (a pytest plugin, loaded by name; each worker writes its own file):

    SUITE_TIMELINE=/tmp/timeline PYTHONPATH=scripts pytest -p suite_timeline

Summarise (each worker's busy time and own processor time, the files and the tests that took longest):

    python scripts/suite_timeline.py /tmp/timeline

A test's processor time is its worker process's own: a server, Chromium or a command it starts
works outside it, so a browser test shows wall time and little processor time.
"""
from __future__ import annotations

import collections
import json
import os
import sys
import time
from pathlib import Path

import pytest

_out = None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    global _out
    folder = os.environ.get("SUITE_TIMELINE")
    if not folder:
        yield
        return
    if _out is None:
        Path(folder).mkdir(parents=True, exist_ok=True)
        _out = open(Path(folder) / f"{os.environ.get('PYTEST_XDIST_WORKER', 'main')}.jsonl", "a", encoding="utf-8")
    started, cpu = time.time(), time.process_time()
    yield
    _out.write(json.dumps([item.nodeid, started, time.time(), time.process_time() - cpu]) + "\n")
    _out.flush()


def summary(folder: Path, longest: int = 20) -> str:
    rows = []
    for file in sorted(folder.glob("*.jsonl")):
        for line in file.read_text(encoding="utf-8").splitlines():
            nodeid, start, end, cpu = json.loads(line)
            rows.append((file.stem, nodeid, start, end, cpu))
    if not rows:
        return f"no records in {folder}"
    first = min(r[2] for r in rows)
    out = [f"{len(rows)} tests over {max(r[3] for r in rows) - first:.0f} s"]
    for worker in sorted({r[0] for r in rows}):
        mine = [r for r in rows if r[0] == worker]
        out.append(f"{worker}: {len(mine)} tests, busy {sum(r[3] - r[2] for r in mine):.0f} s, own processor time "
                   f"{sum(r[4] for r in mine):.0f} s, last end at {max(r[3] for r in mine) - first:.0f} s")
    files: dict[str, list[float]] = collections.defaultdict(lambda: [0.0, 0.0, 0])
    for _worker, nodeid, start, end, cpu in rows:
        totals = files[nodeid.split("::")[0]]
        totals[0] += end - start
        totals[1] += cpu
        totals[2] += 1
    out.append("\nworker-seconds  processor-seconds  tests  file")
    for name, (wall, cpu, count) in sorted(files.items(), key=lambda kv: -kv[1][0])[:longest]:
        out.append(f"{wall:14.1f}  {cpu:17.1f}  {count:5d}  {name}")
    out.append("\nseconds  processor-seconds  worker  test")
    for worker, nodeid, start, end, cpu in sorted(rows, key=lambda r: r[2] - r[3])[:longest]:
        out.append(f"{end - start:7.1f}  {cpu:17.1f}  {worker:6}  {nodeid}")
    return "\n".join(out)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    print(summary(Path(sys.argv[1])))
