"""`python -m clinic bench [--tier S|M|L|XL ...]`: how fast the dashboard is, next to baselines, in one run.

For each tier (S = 2,000 demo patients, M = 20,000, L = 200,000, XL = 2,000,000; about 12 sessions
a patient) it builds the demo database with `python -m clinic demo` (or takes `--db`) and measures,
each next to a baseline measured in the same run on the same machine:

1. server time of every page (streamlit.testing.v1.AppTest signed in as the demo director, in a
   fresh Python process): the first script run, each page cold (st.cache_data and st.cache_resource
   cleared) and warm, and the Overview at an as-of date not seen before (other caches warm); baseline:
   AppTest running a one-line script;
2. browser time of every page: `streamlit run dashboard.py` on a free localhost port, headless
   Chromium signed in through the /signin form; from navigation to the page drawn (see READY_JS):
   first visit (a page load), repeat visit (a page load, the server's caches warm), a click in the
   sidebar menu; the server's start and the first page after it (and the server's part of that page:
   from the browser's request to run it to the server's "script finished" on the websocket); then
   the Overview as the first page of new browsers (empty caches) whose sign-in takes 2 s, as a
   person types, with the server warmed up;
   baseline: a one-line page served by `streamlit run` the same way;
3. the server's peak memory (resident set of the streamlit process and its children), sampled while
   the browser goes through the pages and while the simultaneous sessions run;
4. N simultaneous sessions (browser contexts, default 10) clicking through the pages on that
   server: errors and the median page time, next to the one-user median of the same clicks; once
   back to back (each click as soon as the last page is drawn: on 2 cores ten sessions then queue
   for the CPU, so no server can answer them within 5x of one) and once reading (a pause of about
   --reading seconds before each click, as people read a page, the same sessions going on); the
   same again with websockets speaking Streamlit's protocol instead of browsers (the server's part
   alone);
5. importing the tier's sessions, exported as the contract's sessions.csv, into a fresh database
   with `python -m clinic import`, next to DuckDB's read_csv of the same file into a table;
6. `python -m clinic metrics --json`, net of the command's start-up (`python -m clinic --help`),
   next to the pandas peer (clinic/peer.py) computing the same definitions after loading its data;
7. with several tiers, how each timing grows from one tier to the next relative to the rows.

It prints a table (Markdown, to paste) and the JSON document, and writes the JSON with --out.
Every timing is a median over --runs repetitions unless its name says otherwise.
The parts that need Streamlit, Playwright or pandas are imported only when they run.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent
TIERS = {"S": 2_000, "M": 20_000, "L": 200_000, "XL": 2_000_000}
# The import contract's sessions.csv columns (DESIGN.md "Data contract"), in its order.
SESSION_COLUMNS = ("session_id", "patient_id", "session_date", "therapist", "status", "pain_before", "pain_after",
                   "course_id", "session_time", "muscle_tension", "numbness", "acute_inflammation", "notes")
DIRECTOR = "director"
TRIVIAL_SCRIPT = 'import streamlit as st\nst.write("hello")\n'
NEW_AS_OF_DAYS_BACK = 30
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1400, "height": 1000}
PAGE_TIMEOUT_S = 180          # one page may take this long before it counts as an error
CONCURRENT_DEADLINE_S = 900   # the simultaneous sessions stop after this, whatever is left
MEMORY_SAMPLE_S = 0.05


# The command's net time is the difference of two start-ups of about half a second each, so a start-up
# slowed by the machine moves it by as much as the command takes: the two are timed in turn, at least
# this many times each (once with --runs 1, a quick look), and the net is the median of each pair's
# difference (net_seconds).
METRICS_PAIRS = 7


METHOD = {
    "apptest": "server time of one script run: streamlit.testing.v1.AppTest in a fresh process, signed in as the demo "
               "director; cold = st.cache_data + st.cache_resource cleared; new_as_of = the Overview at an as-of "
               "date not seen before, other caches warm; baseline = a one-line script",
    "browser": "streamlit run dashboard.py on a free localhost port, headless Chromium signed in through /signin; "
               "time from the navigation or click to the page first drawn (connected, script not running, main "
               "title there, no skeleton, charts drawn, menu on the page, held 250 ms, which is not counted); "
               "first = first page load, repeat = page load again, click = sidebar menu; new browser = the Overview "
               "as the first page of a new browser context (empty cache) that stayed 2 s on the sign-in form, the "
               "server warmed up; baseline = a one-line page",
    "memory": "resident set of the streamlit process and its children, sampled every 50 ms, peak per phase",
    "simultaneous": "N browser contexts on the same server, each signed in, click through every page at once; "
                    "compared with the one-user median of the same clicks (server caches warm in both); twice: "
                    "back to back (each click as soon as the last page is drawn), then the same sessions reading "
                    "(a pause before each click drawn evenly from half to one and a half times --reading seconds, "
                    "as a person reads)",
    "import": "the sessions exported as the contract's sessions.csv, imported with python -m clinic import into a "
              "fresh database (net = minus python -m clinic --help); baseline = DuckDB read_csv into a table",
    "metrics": "python -m clinic metrics --json (overall) minus python -m clinic --help, timed in turn at least "
               f"{METRICS_PAIRS} times each (once with --runs 1): the median of the pairs' differences; baseline = the pandas peer "
               "(clinic/peer.py) computing the per-course summary and overall cohort metrics after loading",
    "growth": "exponent k in time ∝ sessions^k between consecutive tiers",
    "targets": "a clinic network's targets (set at 200,000 patients; from 2,000,000 only every first visit under "
               "5 s), each judged met or not against the same run's baselines (clinic.bench.targets)",
    "timings": "seconds, medians of --runs repetitions",
}


class BenchError(RuntimeError):
    """The bench cannot go on (a command failed, the database is not a demo one, a tool is missing)."""


# ---------------------------------------------------------------- tiers, ratios and growth

# The parts of a tier's run, in the order they run: `--parts` chooses some (the browser's first page
# after the server started is compared with the pandas peer's computation, which `metrics` times).
PARTS = ("pages", "browser", "sessions", "metrics", "import")


def parse_parts(text: str | None, browser: bool = True) -> tuple[str, ...]:
    """The parts named in `text` (comma-separated; every part when None), less the browser with
    --no-browser, in PARTS order. An unknown part is refused with the known ones named."""
    chosen = [p.strip() for p in text.split(",") if p.strip()] if text else list(PARTS)
    unknown = [p for p in chosen if p not in PARTS]
    if unknown or not chosen:
        raise BenchError(f"unknown part(s) {', '.join(unknown) or '(none named)'}; the parts are {', '.join(PARTS)}")
    return tuple(p for p in PARTS if p in chosen and (browser or p != "browser"))


def parse_tiers(tier_flags: list[str] | None, tiers_option: str | None) -> list[str]:
    """The tiers asked for by `--tier T` (repeated) and `--tiers S,M`, in size order, each once; S by default."""
    asked = [t for flag in (tier_flags or []) for t in flag.split(",")]
    asked += [t for t in (tiers_option or "").split(",")]
    names = []
    for name in (t.strip().upper() for t in asked):
        if not name:
            continue
        if name not in TIERS:
            raise BenchError(f"unknown tier {name!r}; use {', '.join(TIERS)}")
        if name not in names:
            names.append(name)
    return sorted(names, key=TIERS.get) or ["S"]


def ratio(value: float | None, baseline: float | None) -> float | None:
    """value ÷ baseline, to 3 significant digits; None when either is missing or the baseline is 0."""
    if value is None or baseline is None or baseline <= 0:
        return None
    return _significant(value / baseline)


def _significant(x: float, digits: int = 3) -> float:
    if x == 0 or not math.isfinite(x):
        return x
    return round(x, max(0, digits - 1 - int(math.floor(math.log10(abs(x))))))


def median(samples: list[float]) -> float | None:
    return statistics.median(samples) if samples else None


def growth(tiers: list[dict]) -> list[dict]:
    """How each timing grows from one tier to the next (tiers in size order): the rows' factor, and
    per timing its factor and the exponent k in time ∝ rows^k (1 = linear, 0 = flat)."""
    steps = []
    for small, large in zip(tiers, tiers[1:]):
        rows_x = large["database"]["sessions"] / small["database"]["sessions"]
        timings = {}
        for key, before in small["timings"].items():
            after = large["timings"].get(key)
            if after is None or before is None or before <= 0 or after <= 0:
                continue
            time_x = after / before     # (+ 0.0 below: a -0.0 exponent is written 0)
            timings[key] = {"time_x": _significant(time_x),
                            "exponent": round(math.log(time_x) / math.log(rows_x), 2) + 0.0 if rows_x > 1 else None}
        steps.append({"from": small["tier"], "to": large["tier"], "rows_x": _significant(rows_x), "timings": timings})
    return steps


# ---------------------------------------------------------------- subprocess helpers

def _python(*args: str, env: dict | None = None, timeout: float | None = None, stdout=subprocess.DEVNULL
            ) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=ROOT, env={**os.environ, **(env or {})}, stdout=stdout,
                          stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True, timeout=timeout)


def _timed_command(*args: str, timeout: float | None = None) -> float:
    start = time.perf_counter()
    done = _python(*args, timeout=timeout)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise BenchError(f"`python {' '.join(args)}` failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    return seconds


def compile_bytecode() -> None:
    """Writes the bytecode of the clinic package before anything is timed, as pip does for an
    installed package and as Python does on a first run. Where PYTHONDONTWRITEBYTECODE is set (this
    machine sets it) nothing writes it, so every command and server would compile the modules it
    imports from source again: about 0.15 s of each command's start-up, and 0.05 s more for
    `metrics --json`, which imports more. Python still checks each file's stamp, so a file edited
    later is compiled afresh, never read stale. (Streamlit compiles the page scripts itself, once
    per server, whatever is on disk.)"""
    done = _python("-m", "compileall", "-q", "clinic")
    if done.returncode != 0:
        raise BenchError(f"compileall failed ({done.returncode}): {done.stderr.strip()[-2000:]}")


def build_demo(path: Path, patients: int, seed: int) -> float:
    """`python -m clinic demo` into `path` (which must not hold data yet); its wall time."""
    return _timed_command("-m", "clinic", "demo", "--db", str(path), "--patients", str(patients), "--seed", str(seed))


def database_counts(path: Path) -> dict:
    import duckdb

    con = duckdb.connect(str(path), read_only=True)
    try:
        counts = {name: con.table(name).count("*").fetchall()[0][0] for name in ("patients", "courses", "sessions")}
        counts["last_session_date"] = con.table("sessions").max("session_date").fetchall()[0][0]
    finally:
        con.close()
    last = counts.pop("last_session_date")
    counts["last_session_date"] = last.isoformat() if last else None
    return counts


# ---------------------------------------------------------------- 1. server time (AppTest)

# The pages to measure (--pages): None = every page.
_SELECTED: tuple[str, ...] | None = None


def select_pages(names: list[str] | None) -> None:
    """Measures only these pages (by name, e.g. "cohorts") besides the Overview, the first page after
    start; None = every page. An unknown name is refused with the known ones named."""
    global _SELECTED
    if names is None:
        _SELECTED = None
        return
    known = [name for name, *_ in all_pages()]
    unknown = [name for name in names if name not in known]
    if unknown:
        raise BenchError(f"unknown page(s) {', '.join(unknown)}; the pages are {', '.join(known)}")
    _SELECTED = tuple(names)


def page_list() -> list[tuple[str, str, str]]:
    """(name, page file, menu title) of the pages measured, the Overview first: every page (or those
    chosen with select_pages)."""
    pages = all_pages()
    if _SELECTED is None:
        return pages
    return [page for n, page in enumerate(pages) if n == 0 or page[0] in _SELECTED]


def all_pages() -> list[tuple[str, str, str]]:
    """(name, page file, menu title) of every page dashboard.py registers, as the director sees them."""
    import logging

    # Outside a server, defining cached functions warns "No runtime found": not news for a bench.
    import streamlit.runtime.caching.cache_data_api  # noqa: F401 - sets its logger's level on import

    quiet = logging.getLogger("streamlit.runtime.caching.cache_data_api")
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        from clinic import ui
    finally:
        quiet.setLevel(level)
    return [(Path(file).stem, file, title) for file, title, *_ in ui.PAGES]


def sign_in_as_demo_director(path: Path) -> None:
    """Every script run reads the sign-in from the browser's cookie; AppTest has no browser, so the
    cookie reader returns the token of a real session of the demo director (the session check of
    every run still happens)."""
    from clinic import access, auth

    token = access.AccessStore.for_database(path).sign_in(DIRECTOR, access.DEMO_PASSWORD, client="bench").token
    if token is None:
        raise BenchError(f"cannot sign in as the demo director in {path}: use a database built by `clinic demo`")
    auth.cookie_token = lambda: token


def _seconds(action) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def _check(at, what: str) -> None:
    if at.exception:
        raise BenchError(f"{what} raised: {at.exception[0].message}")


def dashboard_apptest():
    from streamlit.testing.v1 import AppTest

    return AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=PAGE_TIMEOUT_S)


def time_trivial_app(runs: int) -> list[float]:
    """AppTest runs of a one-line script: the fixed cost of one script run (the first run not counted)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_string(TRIVIAL_SCRIPT, default_timeout=PAGE_TIMEOUT_S)
    at.run()
    return [_seconds(at.run) for _ in range(runs)]


def time_pages(at, cold_runs: int, warm_runs: int) -> dict:
    """Every page of an AppTest of dashboard.py (already run once): {name: {"cold": [s], "warm": [s],
    "elements": {...}}}; cold = st.cache_data and st.cache_resource cleared before the run."""
    import streamlit as st

    pages = {}
    for name, file, _title in page_list():
        cold, warm = [], []
        for _ in range(cold_runs):
            st.cache_data.clear()
            st.cache_resource.clear()
            cold.append(_seconds(lambda: at.switch_page(file).run()))
            _check(at, file)
        for _ in range(warm_runs):
            warm.append(_seconds(at.run))
            _check(at, file)
        pages[name] = {"cold": cold, "warm": warm,
                       "elements": {"charts": len(at.get("plotly_chart")), "tables": len(at.dataframe),
                                    "metrics": len(at.metric)}}
    return pages


def time_new_as_of(at, runs: int) -> list[float]:
    """The Overview at as-of dates not seen before (30, 31, ... days back), every other cache warm:
    a person changing the sidebar's as-of date."""
    first = page_list()[0][1]
    at.switch_page(first).run()
    _check(at, first)
    times = []
    for n in range(runs):
        at.date_input(key="as_of").set_value(dt.date.today() - dt.timedelta(days=NEW_AS_OF_DAYS_BACK + n))
        times.append(_seconds(at.run))
        _check(at, "the Overview at a new as-of date")
    return times


def apptest_worker(argv: list[str]) -> int:
    """Runs in its own Python process (see time_apptest): every page through AppTest, writes JSON."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--pages", default=None)
    args = parser.parse_args(argv)
    select_pages(args.pages.split(",") if args.pages else None)
    os.environ["CLINIC_DB"] = str(args.db.resolve())
    sign_in_as_demo_director(args.db)
    trivial = time_trivial_app(max(5, args.runs))
    at = dashboard_apptest()
    first_run = _seconds(at.run)          # imports, the first script run (the Overview), caches cold
    _check(at, "dashboard.py")
    pages = time_pages(at, args.runs, args.runs)
    new_as_of = time_new_as_of(at, args.runs)
    args.out.write_text(json.dumps({"first_run": first_run, "pages": pages, "new_as_of": new_as_of,
                                    "trivial": trivial}))
    return 0


def time_apptest(path: Path, runs: int, folder: Path) -> dict:
    out = folder / "apptest.json"
    chosen = ["--pages", ",".join(_SELECTED)] if _SELECTED else []
    done = _python("-c", "import sys; from clinic import bench; sys.exit(bench.apptest_worker(sys.argv[1:]))",
                   "--db", str(path), "--runs", str(runs), "--out", str(out), *chosen)
    if done.returncode != 0:
        raise BenchError(f"the AppTest run failed: {done.stderr.strip()[-3000:]}")
    return json.loads(out.read_text())


# ---------------------------------------------------------------- 2-4. the browser, memory, simultaneous sessions

# Drawn = connected, the script run has finished (no running icon), the page's content is there
# (the main block has its title; for the trivial page, its text), no skeleton is left, every Plotly
# chart has its SVG, and the menu marks the expected page — and all that has held for STABLE_MS, so
# a rerun about to start is not taken for the end. The function returns how long it has held (ms),
# which is subtracted from the measured time: the time reported is when the page was first drawn.
STABLE_MS = 250
READY_JS = """([stableMs, title, content]) => {
  const app = document.querySelector('[data-testid="stApp"]');
  const checks = [
    ['no app', () => !!app],
    ['not connected', () => app.getAttribute('data-test-connection-state') === 'CONNECTED'],
    ['script running', () => app.getAttribute('data-test-script-state') === 'notRunning'],
    ['running icon', () => !document.querySelector('[data-testid="stStatusWidgetRunningIcon"]')],
    ['skeleton', () => !document.querySelector('[data-testid="stSkeleton"]')],
    ['no content', () => !!document.querySelector(content)],
    // drawn and shown: Streamlit draws a figure without a width first hidden, then again at its width
    ['chart not drawn', () => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
                                .every(c => { const svg = c.querySelector('.main-svg');
                                              return svg && getComputedStyle(svg).visibility !== 'hidden'; })],
    ['other page marked', () => {
      if (!title) return true;
      const link = document.querySelector('[data-testid="stSidebarNavLink"][aria-current="page"]');
      return !!link && link.innerText.trim().split('\\n').pop().trim() === title; }],
  ];
  const failed = checks.find(([, ok]) => !ok());
  // How often each check was the first to fail, how often all passed, and how often a ready page went
  // back (a test's message on a timeout).
  const seen = window.__benchSeen = window.__benchSeen || {};
  if (failed) {
    seen[failed[0]] = (seen[failed[0]] || 0) + 1;
    if (window.__benchReadySince !== undefined) seen['ready, then not'] = (seen['ready, then not'] || 0) + 1;
    window.__benchReadySince = undefined;
    return false;
  }
  seen.ready = (seen.ready || 0) + 1;
  if (window.__benchReadySince === undefined) window.__benchReadySince = performance.now();
  const held = performance.now() - window.__benchReadySince;
  return held >= stableMs ? held : false;
}"""
RESET_READY_JS = "() => { window.__benchReadySince = undefined; window.__benchSeen = {}; }"
APP = '[data-testid="stApp"]'                       # content that is there from the start
PAGE_CONTENT = '[data-testid="stMain"] h1'
TRIVIAL_CONTENT = '[data-testid="stMain"] [data-testid="stMarkdownContainer"]'
ERRORS_JS = """() => document.querySelectorAll('[data-testid="stException"], [data-testid="stAlertContentError"]').length"""


def browser_missing() -> str | None:
    """Why the browser part cannot run here, or None."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    try:
        import playwright.async_api  # noqa: F401 - only whether it is there
    except ImportError:
        return "the playwright package is missing (pip install -r requirements-dev.txt)"
    return None


def free_port() -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return found


def tree_rss_bytes(pid: int) -> int:
    """Resident memory of a process and all its descendants (Linux /proc), in bytes."""
    total, todo, seen = 0, [pid], set()
    page = os.sysconf("SC_PAGE_SIZE")
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        try:
            total += int(Path(f"/proc/{current}/statm").read_text().split()[1]) * page
        except (OSError, IndexError, ValueError):
            continue
        todo += _children(current)
    return total


class MemorySampler:
    """Samples a process tree's resident memory in a thread; the peak is kept per phase."""

    def __init__(self, pid: int):
        self.pid, self.phase, self.peaks = pid, "start", {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> "MemorySampler":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def sample(self) -> int:
        rss = tree_rss_bytes(self.pid)
        self.peaks[self.phase] = max(self.peaks.get(self.phase, 0), rss)
        return rss

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(MEMORY_SAMPLE_S)

    def mb(self, phase: str) -> float | None:
        return round(self.peaks[phase] / 2**20, 1) if phase in self.peaks else None


class Server:
    def __init__(self, process: subprocess.Popen, port: int, log: Path):
        self.process, self.port, self.log = process, port, log
        self.base = f"http://127.0.0.1:{port}"

    def url(self, path: str = "", query: str = "") -> str:
        return f"{self.base}/{path}" + (f"?{query}" if query else "")

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"


@contextmanager
def streamlit_server(script: Path, folder: Path, env: dict | None = None, timeout: float = 120) -> Iterator[tuple[Server, float]]:
    """`streamlit run SCRIPT` on a free localhost port; yields (server, seconds until it answered its health
    check). Always stopped after."""
    import urllib.request

    port = free_port()
    log = folder / f"streamlit-{port}.log"
    with open(log, "wb") as out:
        start = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(script), "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
             # Files edited while it runs must not prompt or trigger reruns mid-measurement.
             "--server.fileWatcherType", "none"],
            cwd=ROOT, env={**os.environ, **(env or {})}, stdout=out, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL)
    server = Server(process, port, log)
    try:
        deadline = start + timeout
        while True:
            if process.poll() is not None:
                raise BenchError(f"streamlit exited with {process.returncode}:\n{server.log_tail()}")
            try:
                with urllib.request.urlopen(f"{server.base}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.perf_counter() > deadline:
                raise BenchError(f"streamlit was not healthy after {timeout:.0f} s:\n{server.log_tail()}")
            time.sleep(0.02)
        yield server, time.perf_counter() - start
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=15)


def _script_finished(payload) -> bool:
    """Whether a websocket message from the server is Streamlit's "script finished" (ForwardMsg)."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    if not isinstance(payload, (bytes, bytearray)):
        return False
    try:
        return ForwardMsg.FromString(bytes(payload)).WhichOneof("type") == "script_finished"
    except Exception:  # noqa: BLE001 - not a ForwardMsg: not the end of a run
        return False


class ScriptClock:
    """The server's part of a page as the browser sees it on its websocket: from the browser's first
    message after a navigation or click (its request to run the page) to the server's "script
    finished" message. The rest of a page's time is the browser's: loading Streamlit's code,
    drawing tables and charts."""

    def __init__(self, page):
        self.events: list[tuple[float, str]] = []
        self.last: float | None = None
        page.on("websocket", self._socket)

    def _socket(self, socket) -> None:
        socket.on("framesent", lambda _payload: self.events.append((time.perf_counter(), "sent")))
        socket.on("framereceived", lambda payload: self.events.append((time.perf_counter(), "finished"))
                  if _script_finished(payload) else None)

    def server_seconds(self, start: float, end: float) -> float | None:
        asked = next((t for t, kind in self.events if kind == "sent" and start <= t <= end), None)
        if asked is None:
            return None
        finished = [t for t, kind in self.events if kind == "finished" and asked <= t <= end]
        return finished[-1] - asked if finished else None


async def drawn(page, action, title: str | None, content: str = PAGE_CONTENT,
                timeout_s: float = PAGE_TIMEOUT_S, clock: ScriptClock | None = None) -> tuple[float, int]:
    """Does `action` (a navigation or a click), waits until the page is drawn (READY_JS); returns
    (seconds from the action's start to the moment the page was first drawn, error boxes shown).
    With a `clock`, its `last` is the server's part of that (ScriptClock)."""
    try:
        await page.evaluate(RESET_READY_JS)
    except Exception:  # noqa: BLE001 - a document still loading has no marker to reset
        pass
    start = time.perf_counter()
    await action()
    handle = await page.wait_for_function(READY_JS, arg=[STABLE_MS, title, content], polling=20,
                                          timeout=timeout_s * 1000)
    end = time.perf_counter()
    if clock is not None:
        clock.last = clock.server_seconds(start, end)
    held_ms = await handle.json_value()
    return max(0.0, end - start - held_ms / 1000), await page.evaluate(ERRORS_JS)


async def sign_in(page, server: Server, password: str, next_path: str = "/", typing_s: float = 0.0) -> None:
    """Through the real /signin form, as the demo director, `typing_s` seconds on the form."""
    import asyncio
    from urllib.parse import urlencode

    await page.goto(f"{server.base}/signin?{urlencode({'next': next_path})}", wait_until="domcontentloaded")
    if typing_s > 0:
        await asyncio.sleep(typing_s)
    await page.locator("#username").fill(DIRECTOR)
    await page.locator("#password").fill(password)
    async with page.expect_navigation(wait_until="commit"):
        await page.locator('button[type="submit"]').click()
    if "/signin" in page.url:
        raise BenchError(f"signing in as {DIRECTOR!r} through the form failed (is this a demo database?)")


SIGN_IN_TYPING_S = 2.0       # a person's time on the sign-in form, for the first page of a new browser


async def new_browser_first_page(browser, server: Server, password: str, typing_s: float = SIGN_IN_TYPING_S,
                                 block_code_ahead: bool = False) -> dict:
    """A new browser context (an empty cache, like a browser that never opened the dashboard) stays
    `typing_s` seconds on the sign-in form, as a person types, sends it and opens the Overview:
    {"seconds" (navigation to drawn), "server_s" (its server's part), "errors", "static" (Streamlit
    files the page loaded), "from_cache" (of them, taken from the browser's cache)}. With
    `block_code_ahead` the browser refuses the sign-in page's requests for Streamlit's code, as the
    sign-in page was before it had them fetched ahead (clinic.web.code_to_prefetch)."""
    import asyncio

    context = await browser.new_context(viewport=VIEWPORT)
    page = await context.new_page()
    cdp = await context.new_cdp_session(page)
    await cdp.send("Network.enable")
    on_page = {"static": 0, "from_cache": 0}
    signed_in = asyncio.Event()

    def received(event) -> None:
        if signed_in.is_set() and "/static/" in event["response"]["url"]:
            on_page["static"] += 1
            on_page["from_cache"] += bool(event["response"].get("fromDiskCache"))

    cdp.on("Network.responseReceived", received)
    if block_code_ahead:
        await page.route("**/static/**", lambda route: route.abort())
    try:
        await sign_in(page, server, password, next_path="/_stcore/health", typing_s=typing_s)
        if block_code_ahead:
            await page.unroute("**/static/**")
        signed_in.set()
        clock = ScriptClock(page)
        seconds, errors = await drawn(page, _goto(page, server.base + "/"), page_list()[0][2], clock=clock)
        return {"seconds": seconds, "server_s": clock.last, "errors": errors, **on_page}
    finally:
        await context.close()


def _click(page, title: str):
    return lambda: page.locator('[data-testid="stSidebarNav"] [data-testid="stSidebarNavLink"]').filter(
        has_text=title).first.click()


def _goto(page, url: str):
    return lambda: page.goto(url, wait_until="commit")


def _url(server: Server, name: str, first_page: str) -> str:
    return f"{server.base}/" + ("" if name == first_page else name)


async def _one_user(browser, server: Server, pages, runs: int, memory: MemorySampler, password: str) -> dict:
    context = await browser.new_context(viewport=VIEWPORT)
    page = await context.new_page()
    first_name = pages[0][0]
    try:
        # Signed in through the form, sent on to a path that runs no script, so that the first page
        # after the server's start is timed on its own.
        memory.phase = "one_user"
        await sign_in(page, server, password, next_path="/_stcore/health")
        clock = ScriptClock(page)
        results = {name: {"first": [], "repeat": [], "click": [], "errors": 0} for name, *_ in pages}
        first_after_start = first_after_start_server = None
        for name, _file, title in pages:
            seconds, errors = await drawn(page, _goto(page, _url(server, name, first_name)), title, clock=clock)
            if first_after_start is None:
                first_after_start, first_after_start_server = seconds, clock.last
            results[name]["first"].append(seconds)
            results[name]["errors"] += errors
            for _ in range(runs):
                seconds, errors = await drawn(page, _goto(page, _url(server, name, first_name)), title)
                results[name]["repeat"].append(seconds)
                results[name]["errors"] += errors
        for _ in range(runs):
            for name, _file, title in pages[1:] + pages[:1]:
                seconds, errors = await drawn(page, _click(page, title), title)
                results[name]["click"].append(seconds)
                results[name]["errors"] += errors
        return {"first_page_after_start": first_after_start, "first_page_after_start_server": first_after_start_server,
                "pages": results}
    finally:
        await context.close()


async def _signed_in_tabs(browser, server: Server, pages, users: int, password: str) -> tuple[list, list]:
    """`users` browser contexts, each signed in and on the first page, drawn: (contexts, tabs)."""
    import asyncio

    contexts, tabs = [], []
    for _ in range(users):
        context = await browser.new_context(viewport=VIEWPORT)
        contexts.append(context)
        tab = await context.new_page()
        await sign_in(tab, server, password)
        await drawn(tab, lambda: asyncio.sleep(0), pages[0][2])
        tabs.append(tab)
    return contexts, tabs


async def _simultaneous(tabs, where: list[str], pages, rounds: int, reading_s: float = 0.0) -> dict:
    """The signed-in `tabs` click through every page `rounds` times at once, pausing before each click
    for a time drawn evenly from [reading_s / 2, 3 * reading_s / 2]. `where` holds the page each tab
    is on, and is kept up to date, so that the same tabs can go on in another phase."""
    import asyncio
    import random

    times, failures = [], []

    async def walk(i: int, tab) -> None:
        pause = random.Random(i)
        order = pages[1:] + pages[:1]
        order = order[i % len(order):] + order[:i % len(order)]
        if order[0][0] == where[i]:         # not the page it is on: a click there starts no run
            order = order[1:] + order[:1]
        for _ in range(rounds):
            for name, _file, title in order:
                if reading_s > 0:
                    await asyncio.sleep(pause.uniform(reading_s / 2, 3 * reading_s / 2))
                try:
                    seconds, errors = await drawn(tab, _click(tab, title), title)
                except Exception as exc:  # noqa: BLE001 - a time-out or a closed page is an error, counted
                    failures.append(f"session {i + 1}, {name}: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
                    continue
                where[i] = name
                times.append(seconds)
                if errors:
                    failures.append(f"session {i + 1}, {name}: {errors} error box(es) on the page")

    start = time.perf_counter()
    try:
        await asyncio.wait_for(asyncio.gather(*(walk(i, tab) for i, tab in enumerate(tabs))), CONCURRENT_DEADLINE_S)
    except asyncio.TimeoutError:
        failures.append(f"stopped after {CONCURRENT_DEADLINE_S} s with page visits left")
    wall = time.perf_counter() - start
    return {"times": times, "errors": failures, "wall": wall}


async def _browser_run(path: Path, folder: Path, runs: int, users: int, rounds: int, reading_s: float,
                       sign_in_s: float = SIGN_IN_TYPING_S) -> dict:
    from playwright.async_api import async_playwright

    from clinic import access

    pages = page_list()
    trivial_script = folder / "trivial_app.py"
    trivial_script.write_text(TRIVIAL_SCRIPT)
    async with async_playwright() as driver:
        browser = await driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            with streamlit_server(ROOT / "dashboard.py", folder, env={"CLINIC_DB": str(path.resolve())}) as (server, started):
                with MemorySampler(server.process.pid) as memory:
                    memory.phase = "idle"
                    time.sleep(0.5)
                    memory.sample()
                    one = await _one_user(browser, server, pages, runs, memory, access.DEMO_PASSWORD)
                    new_browser = [await new_browser_first_page(browser, server, access.DEMO_PASSWORD, sign_in_s)
                                   for _ in range(runs)]
                    memory.phase = "simultaneous"
                    many = reading = None
                    if users:
                        contexts, tabs = await _signed_in_tabs(browser, server, pages, users, access.DEMO_PASSWORD)
                        try:
                            where = [pages[0][0]] * users
                            many = await _simultaneous(tabs, where, pages, rounds)
                            if reading_s > 0:     # the same sessions go on, now reading each page a while
                                reading = await _simultaneous(tabs, where, pages, rounds, reading_s)
                        finally:
                            for context in contexts:
                                await context.close()
                    memory.sample()
                memory_mb = {phase: memory.mb(phase) for phase in ("idle", "one_user", "simultaneous")}
            with streamlit_server(trivial_script, folder) as (trivial_server, trivial_started):
                context = await browser.new_context(viewport=VIEWPORT)
                tab = await context.new_page()
                url = trivial_server.base + "/"
                trivial_first, _ = await drawn(tab, _goto(tab, url), None, TRIVIAL_CONTENT)
                trivial_repeat = [(await drawn(tab, _goto(tab, url), None, TRIVIAL_CONTENT))[0] for _ in range(runs)]
                await context.close()
        finally:
            await browser.close()
    return {"server_start": started, "one_user": one, "new_browser_first_page": new_browser,
            "simultaneous": many, "simultaneous_reading": reading,
            "memory_mb": memory_mb,
            "trivial": {"server_start": trivial_started, "first": trivial_first, "repeat": trivial_repeat}}


def time_browser(path: Path, folder: Path, runs: int, users: int, rounds: int, reading_s: float = 0.0,
                 sign_in_s: float = SIGN_IN_TYPING_S) -> dict:
    import asyncio

    return asyncio.run(_browser_run(path, folder, runs, users, rounds, reading_s, sign_in_s))


# ---------------------------------------------------------------- 5. import

def time_server_sessions(path: Path, folder: Path, users: int, rounds: int, reading_s: float = 0.0) -> dict:
    """The server alone under `users` simultaneous sessions (clinic/bench_sessions.py: websockets
    speaking Streamlit's protocol, no browser): one session's warm page times first, then all of
    them at once back to back, then (reading_s > 0) all of them at once with a reading pause before
    each click; the server's peak memory in each phase."""
    from clinic import access, bench_sessions

    store = access.AccessStore.for_database(path)
    cookies = []
    for n in range(users + 1):
        signed = store.sign_in("director", access.DEMO_PASSWORD, client=f"bench session {n}")
        if signed.token is None:
            raise BenchError(f"cannot sign in as the demo director in {path}: use a database built by `clinic demo`")
        cookies.append(f"clinic_session={signed.token}")
    with streamlit_server(ROOT / "dashboard.py", folder, env={"CLINIC_DB": str(path)}) as (server, _start), \
            MemorySampler(server.process.pid) as memory:
        memory.phase = "one_session"
        names = {name for name, *_ in page_list()}
        one = bench_sessions.one_session(server.port, cookies[0], rounds=max(2, rounds + 1),
                                         only=lambda path: (path or "overview") in names)
        warm = [times[-1] for times in one["times"].values()]           # the last round: caches warm
        memory.phase = "simultaneous"
        many = bench_sessions.run_sessions(server.port, cookies[1:], rounds=rounds, pages=one["pages"]) \
            if users else None
        reading = bench_sessions.run_sessions(server.port, cookies[1:], rounds=rounds, reading_s=reading_s,
                                              pages=one["pages"]) if users and reading_s > 0 else None
    return {"one_session_warm": warm, "one_session_errors": one["errors"], "simultaneous": many, "reading": reading,
            "memory_mb": {phase: memory.mb(phase) for phase in ("one_session", "simultaneous")}}


# The import is timed on one file of at most this many sessions (the size the import targets name;
# larger tiers hold more sessions than one file may have, importer.MAX_ROWS).
IMPORT_MOST_ROWS = 1_000_000


def export_sessions_csv(path: Path, csv_path: Path, most_rows: int = IMPORT_MOST_ROWS) -> int:
    """Writes the database's sessions (the first `most_rows` by session_id) as the contract's
    sessions.csv (queries/bench_sessions_csv.sql); returns the number of rows."""
    import duckdb

    from clinic import db

    con = duckdb.connect(str(path), read_only=True)
    try:
        relation = con.sql(db.sql_text("bench_sessions_csv"), params={"most_rows": most_rows,
                                                                   "latest_day_only": False})
        relation.write_csv(str(csv_path), header=True)
        return relation.count("*").fetchall()[0][0]
    finally:
        con.close()


def time_import(path: Path, folder: Path, startup: float) -> dict:
    import duckdb

    csv_path = folder / "sessions.csv"
    start = time.perf_counter()
    rows = export_sessions_csv(path, csv_path)
    export_s = time.perf_counter() - start

    target = folder / "imported.duckdb"
    report = folder / "import.json"
    start = time.perf_counter()
    with open(report, "w") as out:
        done = _python("-m", "clinic", "import", str(csv_path), "--db", str(target), "--rejects-dir",
                       str(folder / "rejects"), "--json", stdout=out)
    import_s = time.perf_counter() - start
    if done.returncode != 0:
        raise BenchError(f"`python -m clinic import` failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    summary = json.loads(report.read_text())[0]

    baseline = folder / "read_csv.duckdb"
    con = duckdb.connect(str(baseline))
    try:
        start = time.perf_counter()
        con.read_csv(str(csv_path)).create("sessions_csv")
        read_csv_s = time.perf_counter() - start
        loaded = con.table("sessions_csv").count("*").fetchall()[0][0]
    finally:
        con.close()
    return {"rows": rows, "csv_mb": round(csv_path.stat().st_size / 2**20, 1), "export": export_s,
            "import": import_s, "import_net": max(0.0, import_s - startup), "read_csv": read_csv_s,
            "read_csv_rows": loaded, "imported": {k: summary.get(k) for k in ("rows_read", "new", "rejected")}}


# ---------------------------------------------------------------- 6. metrics and the pandas peer

def net_seconds(commands: list[float], startups: list[float]) -> float | None:
    """The median over pairs timed one after the other of (the command - a bare start-up), at least 0."""
    if not commands or len(commands) != len(startups):
        return None
    return max(0.0, statistics.median(c - s for c, s in zip(commands, startups)))


def time_metrics(path: Path, runs: int, as_of: dt.date) -> dict:
    from clinic import peer

    command = ("-m", "clinic", "metrics", "--db", str(path), "--as-of", as_of.isoformat(), "--json")
    printed = json.loads(_python(*command, stdout=subprocess.PIPE).stdout)     # also reads the file in once
    startup, cli = [], []
    for _ in range(1 if runs == 1 else max(runs, METRICS_PAIRS)):
        startup.append(_timed_command("-m", "clinic", "--help"))
        cli.append(_timed_command(*command))

    start = time.perf_counter()
    tables = peer.load(path)
    load_s = time.perf_counter() - start
    compute = []
    for _ in range(runs):
        start = time.perf_counter()
        summary, overall, _groups = peer.compute(tables, as_of)
        compute.append(time.perf_counter() - start)
    agrees = _close(peer.cohort_report(tables, as_of, None, "pct30", summary=summary), printed)
    return {"startup": startup, "cli": cli, "peer_load": load_s, "peer_compute": compute, "peer_agrees": agrees}


def _close(got, expected) -> bool:
    """The peer's JSON equals the command's, floats to 1e-9 relative."""
    if isinstance(expected, dict):
        return isinstance(got, dict) and set(got) == set(expected) and all(_close(got[k], v) for k, v in expected.items())
    if isinstance(expected, list):
        return isinstance(got, list) and len(got) == len(expected) and all(map(_close, got, expected))
    if isinstance(expected, float) and isinstance(got, (int, float)) and not isinstance(got, bool):
        return math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-12)
    return type(got) is type(expected) and got == expected


# ---------------------------------------------------------------- one tier

def bench_tier(tier: str, patients: int, db_path: Path | None, options: argparse.Namespace, say=print) -> dict:
    """Every measurement on one database (built now unless db_path exists). Returns the tier's result."""
    runs = options.runs
    with tempfile.TemporaryDirectory(prefix=f"clinic_bench_{tier}_") as temp:
        folder = Path(temp)
        path = db_path or folder / "demo.duckdb"
        build_s = None
        if not path.exists():
            say(f"[{tier}] building the demo database: {patients:,} patients ...")
            build_s = build_demo(path, patients, options.seed)
        counts = database_counts(path)
        as_of = dt.date.fromisoformat(counts["last_session_date"]) if counts["last_session_date"] else dt.date.today()
        as_of = min(as_of, dt.date.today())
        timings: dict[str, float] = {}
        details: dict = {"database": {"path": str(path) if db_path else "(temporary)", **counts,
                                      "built_now_s": _r(build_s)},
                         "load_average_1m": {"start": round(os.getloadavg()[0], 2)}}
        if build_s is not None:
            timings["demo_build"] = build_s

        parts = parse_parts(options.parts, options.browser)
        details["parts"] = list(parts)
        if "pages" in parts:
            say(f"[{tier}] server time of every page (AppTest) ...")
            app = time_apptest(path, runs, folder)
            timings["apptest.trivial"] = median(app["trivial"])
            timings["apptest.first_run"] = app["first_run"]
            for name, sample in app["pages"].items():
                timings[f"apptest.{name}.cold"] = median(sample["cold"])
                timings[f"apptest.{name}.warm"] = median(sample["warm"])
            timings["apptest.new_as_of"] = median(app["new_as_of"])

        skipped = None if "browser" in parts else ("--no-browser" if not options.browser else "not among --parts")
        skipped = skipped or browser_missing()
        if skipped:
            say(f"[{tier}] browser part skipped: {skipped}")
            details["browser"] = {"skipped": skipped}
        else:
            say(f"[{tier}] browser time, memory and {options.users} simultaneous sessions ...")
            web = time_browser(path, folder, runs, options.users, options.rounds, options.reading,
                               options.sign_in_seconds)
            one = web["one_user"]
            timings["browser.server_start"] = web["server_start"]
            timings["browser.first_page_after_start"] = one["first_page_after_start"]
            timings["browser.first_page_after_start_server"] = one.get("first_page_after_start_server")
            timings["browser.first_page_new_browser"] = median([r["seconds"] for r in web["new_browser_first_page"]])
            for name, sample in one["pages"].items():
                for kind in ("first", "repeat", "click"):
                    timings[f"browser.{name}.{kind}"] = median(sample[kind])
            timings["browser.trivial.first"] = web["trivial"]["first"]
            timings["browser.trivial.repeat"] = median(web["trivial"]["repeat"])
            clicks = [s for sample in one["pages"].values() for s in sample["click"]]
            timings["browser.one_user_click_median"] = median(clicks)
            many = web["simultaneous"]
            details["browser"] = {
                "page_errors": {name: sample["errors"] for name, sample in one["pages"].items() if sample["errors"]},
                "new_browser_first_page": [{k: _r(v) if isinstance(v, float) else v for k, v in r.items()}
                                           for r in web["new_browser_first_page"]],
                "sign_in_s": options.sign_in_seconds,
                "memory_peak_mb": web["memory_mb"],
                "trivial_server_start_s": _r(web["trivial"]["server_start"]),
            }
            if many is not None:
                timings["simultaneous.median"] = median(many["times"])
                timings["simultaneous.p90"] = _quantile(many["times"], 0.9)
                details["simultaneous"] = {"users": options.users, "rounds": options.rounds,
                                           "page_visits": len(many["times"]), "errors": len(many["errors"]),
                                           "error_examples": many["errors"][:10], "wall_s": _r(many["wall"])}
            reading = web["simultaneous_reading"]
            if reading is not None:
                timings["simultaneous_reading.median"] = median(reading["times"])
                timings["simultaneous_reading.p90"] = _quantile(reading["times"], 0.9)
                details["simultaneous_reading"] = {
                    "users": options.users, "rounds": options.rounds, "reading_s": options.reading,
                    "page_visits": len(reading["times"]), "errors": len(reading["errors"]),
                    "error_examples": reading["errors"][:10], "wall_s": _r(reading["wall"])}

        if options.users and "sessions" in parts:
            say(f"[{tier}] the server alone under {options.users} simultaneous sessions (websockets) ...")
            ws = time_server_sessions(path, folder, options.users, options.rounds, options.reading)
            timings["server_sessions.one_warm_median"] = median(ws["one_session_warm"])
            if ws["simultaneous"]:
                timings["server_sessions.simultaneous_median"] = ws["simultaneous"]["median_s"]
                timings["server_sessions.simultaneous_p90"] = ws["simultaneous"]["p90_s"]
            if ws["reading"]:
                timings["server_sessions.reading_median"] = ws["reading"]["median_s"]
                timings["server_sessions.reading_p90"] = ws["reading"]["p90_s"]
            details["server_sessions"] = {"users": options.users, "rounds": options.rounds, "reading_s": options.reading,
                                          "one_session_errors": ws["one_session_errors"],
                                          "simultaneous": ws["simultaneous"], "reading": ws["reading"],
                                          "memory_peak_mb": ws["memory_mb"]}

        if "metrics" in parts:
            say(f"[{tier}] metrics --json and the pandas peer ...")
            met = time_metrics(path, runs, as_of)
            timings["cli.startup"] = median(met["startup"])
            timings["metrics.cli"] = median(met["cli"])
            timings["metrics.cli_net"] = net_seconds(met["cli"], met["startup"])
            timings["metrics.peer_load"] = met["peer_load"]
            timings["metrics.peer_compute"] = median(met["peer_compute"])
            details["metrics"] = {"as_of": as_of.isoformat(), "peer_agrees_with_cli": met["peer_agrees"]}

        if "import" in parts:
            say(f"[{tier}] import of the sessions as CSV ...")
            startup = timings.get("cli.startup") or median([_timed_command("-m", "clinic", "--help")
                                                            for _ in range(runs)])
            imp = time_import(path, folder, startup)
            timings["import.export_csv"] = imp["export"]
            timings["import.clinic_import"] = imp["import"]
            timings["import.clinic_import_net"] = imp["import_net"]
            timings["import.duckdb_read_csv"] = imp["read_csv"]
            details["import"] = {"rows": imp["rows"], "csv_mb": imp["csv_mb"], "imported": imp["imported"],
                                 "read_csv_rows": imp["read_csv_rows"]}

    details["load_average_1m"]["end"] = round(os.getloadavg()[0], 2)
    timings = {k: _r(v) for k, v in timings.items() if v is not None}
    result = {"tier": tier, "patients": patients, "database": details.pop("database"), "timings": timings,
              "ratios": ratios(timings, details), **details}
    result["targets"] = targets(result)
    return result


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _quantile(samples: list[float], q: float) -> float | None:
    if not samples:
        return None
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def ratios(timings: dict, details: dict | None = None) -> dict:
    """Each measurement next to its baseline (value ÷ baseline); missing parts are left out."""
    t = timings.get
    out = {}
    for key in timings:
        parts = key.split(".")
        if parts[0] == "apptest" and len(parts) == 3:
            out[f"{key} / apptest.trivial"] = ratio(t(key), t("apptest.trivial"))
        if parts[0] == "browser" and len(parts) == 3 and parts[1] != "trivial":
            baseline = "browser.trivial.first" if parts[2] == "first" else "browser.trivial.repeat"
            out[f"{key} / {baseline}"] = ratio(t(key), t(baseline))
    out["apptest.first_run / apptest.trivial"] = ratio(t("apptest.first_run"), t("apptest.trivial"))
    out["apptest.new_as_of / apptest.overview.warm"] = ratio(t("apptest.new_as_of"), t("apptest.overview.warm"))
    out["apptest.new_as_of / apptest.overview.cold"] = ratio(t("apptest.new_as_of"), t("apptest.overview.cold"))
    out["browser.first_page_after_start / browser.trivial.first"] = ratio(t("browser.first_page_after_start"),
                                                                          t("browser.trivial.first"))
    out["simultaneous.median / browser.one_user_click_median"] = ratio(t("simultaneous.median"),
                                                                       t("browser.one_user_click_median"))
    out["server_sessions.simultaneous_median / server_sessions.one_warm_median"] = ratio(
        t("server_sessions.simultaneous_median"), t("server_sessions.one_warm_median"))
    out["simultaneous_reading.median / browser.one_user_click_median"] = ratio(t("simultaneous_reading.median"),
                                                                               t("browser.one_user_click_median"))
    out["server_sessions.reading_median / server_sessions.one_warm_median"] = ratio(
        t("server_sessions.reading_median"), t("server_sessions.one_warm_median"))
    out["apptest.overview.cold / metrics.peer_compute"] = ratio(t("apptest.overview.cold"), t("metrics.peer_compute"))
    out["browser.first_page_after_start / metrics.peer_compute"] = ratio(t("browser.first_page_after_start"),
                                                                         t("metrics.peer_compute"))
    out["browser.first_page_new_browser / metrics.peer_compute"] = ratio(t("browser.first_page_new_browser"),
                                                                         t("metrics.peer_compute"))
    out["browser.first_page_new_browser / browser.trivial.first"] = ratio(t("browser.first_page_new_browser"),
                                                                          t("browser.trivial.first"))
    out["browser.first_page_after_start_server / metrics.peer_compute"] = ratio(
        t("browser.first_page_after_start_server"), t("metrics.peer_compute"))
    out["import.clinic_import / import.duckdb_read_csv"] = ratio(t("import.clinic_import"), t("import.duckdb_read_csv"))
    out["import.clinic_import_net / import.duckdb_read_csv"] = ratio(t("import.clinic_import_net"),
                                                                    t("import.duckdb_read_csv"))
    out["metrics.cli_net / metrics.peer_compute"] = ratio(t("metrics.cli_net"), t("metrics.peer_compute"))
    peer_total = (t("metrics.peer_load") or 0) + (t("metrics.peer_compute") or 0)
    out["metrics.cli_net / (metrics.peer_load + metrics.peer_compute)"] = ratio(t("metrics.cli_net"), peer_total or None)
    memory = ((details or {}).get("browser") or {}).get("memory_peak_mb") or {}
    if memory:
        busiest = max((v for k, v in memory.items() if k != "idle" and v), default=None)
        out["memory.peak / memory.idle"] = ratio(busiest, memory.get("idle"))
    return {k: v for k, v in out.items() if v is not None}


# ---------------------------------------------------------------- the targets

# The targets of a clinic network's scale (README, Scale: "Where it stands"), each judged in one run
# against that run's own baselines: the pandas peer's computation, a one-line page, DuckDB's read_csv.
PEER_FIRST_PAGE_X = 10        # the first page after a start and a new as-of date: 10x faster than the peer
PEER_FIRST_VISIT_X = 5        # every other first visit within a fifth of the peer
REPEAT_X, REPEAT_PLUS_S = 3, 0.3     # a repeat visit within 3x a one-line page's reload + 0.3 s
METRICS_X = 50                # metrics --json net of start-up 50x faster than the peer
IMPORT_X = 10                 # the import within 10x DuckDB's read_csv of the same file
MEMORY_MB = 500               # the server's peak while a person clicks through every page
SIMULTANEOUS_X = 3            # the median page of simultaneous sessions within 3x one user's
NETWORK_PATIENTS = 200_000    # the size the targets above are set at (and judged from)
LARGEST_PATIENTS, LARGEST_FIRST_VISIT_S = 2_000_000, 5.0   # from this size, only: every first visit under 5 s


def _at_most(value: float, bound: float) -> bool:
    """value <= bound, where the bound's own floating-point error (3 × 0.3 is 0.8999...) does not
    count against a time measured to a tenth of a millisecond."""
    return value <= bound + 1e-9


def targets(tier: dict, pages: list[tuple[str, str, str]] | None = None) -> list[dict]:
    """The targets that `tier`'s measurements (its timings and details, as bench_tier returns them)
    can judge, each as {target, measured, bound, met}: the measured value and the bound as text, met
    True or False. The targets are set at 200,000 patients: a smaller database is judged against
    none; from 2,000,000 patients the one target set there (every first visit under 5 s) is judged
    alone. A target whose measurements were not taken (--parts, --no-browser, --users 0) is left
    out. `pages` are the pages measured, the first page after a start first (page_list())."""
    t = tier["timings"].get
    patients = (tier.get("database") or {}).get("patients", tier.get("patients", 0))
    pages = page_list() if pages is None else pages
    titles = {name: title for name, _file, title in pages}
    out = []

    def judge(target: str, measured: str, bound: str, met: bool) -> None:
        out.append({"target": target, "measured": measured, "bound": bound, "met": bool(met)})

    def within(target: str, key: str, bound: float | None, bound_text: str) -> None:
        if t(key) is not None and bound is not None:
            judge(target, _seconds_text(t(key)), f"{_seconds_text(bound)} ({bound_text})", _at_most(t(key), bound))

    def pages_within(target: str, kind: str, names: list[str], bound: float | None, bound_text: str) -> None:
        measured = {name: t(f"browser.{name}.{kind}") for name in names if t(f"browser.{name}.{kind}") is not None}
        if not measured or bound is None:
            return
        missed = [name for name, value in measured.items() if not _at_most(value, bound)]
        text = f"{_seconds_text(min(measured.values()))}–{_seconds_text(max(measured.values()))}"
        if missed:
            text += f"; {len(measured) - len(missed)} of {len(measured)} within, not " + ", ".join(
                f"{titles[name]} {_seconds_text(measured[name])}" for name in missed)
        judge(target, text, f"{_seconds_text(bound)} ({bound_text})", not missed)

    names = [name for name, *_ in pages]
    if patients >= LARGEST_PATIENTS:
        pages_within(f"at {LARGEST_PATIENTS:,} patients, every page's first visit", "first", names,
                     LARGEST_FIRST_VISIT_S, "a clinic network's limit")
        return out
    if patients < NETWORK_PATIENTS:
        return out
    peer = t("metrics.peer_compute")
    first_bound = peer / PEER_FIRST_PAGE_X if peer else None
    peer_text = f"the pandas peer's {_seconds_text(peer)} ÷ {PEER_FIRST_PAGE_X}"
    within("first page after a start, the server's part", "browser.first_page_after_start_server",
           first_bound, peer_text)
    within("first page after a start, in the browser", "browser.first_page_after_start", first_bound, peer_text)
    within("the Overview as a new browser's first page, after its sign-in", "browser.first_page_new_browser",
           first_bound, peer_text)
    within("the Overview at a new as-of date (server)", "apptest.new_as_of", first_bound, peer_text)
    within("the Overview cold (server)", "apptest.overview.cold", first_bound, peer_text)
    pages_within("every other page's first visit", "first", [name for name, *_ in pages[1:]],
                 peer / PEER_FIRST_VISIT_X if peer else None,
                 f"the pandas peer's {_seconds_text(peer)} ÷ {PEER_FIRST_VISIT_X}")
    reload = t("browser.trivial.repeat")
    repeat_bound = REPEAT_X * reload + REPEAT_PLUS_S if reload is not None else None
    repeat_text = f"{REPEAT_X} × a one-line page's reload {_seconds_text(reload)} + {REPEAT_PLUS_S:g} s"
    pages_within("every repeat visit (a reload)", "repeat", names, repeat_bound, repeat_text)
    pages_within("every repeat visit from the sidebar's menu", "click", names, repeat_bound, repeat_text)
    within("metrics --json, net of start-up", "metrics.cli_net", peer / METRICS_X if peer else None,
           f"the pandas peer's {_seconds_text(peer)} ÷ {METRICS_X}")
    read_csv = t("import.duckdb_read_csv")
    within("import of the sessions CSV, net of start-up", "import.clinic_import_net",
           IMPORT_X * read_csv if read_csv is not None else None,
           f"{IMPORT_X} × DuckDB's read_csv {_seconds_text(read_csv)}")
    memory = ((tier.get("browser") or {}).get("memory_peak_mb") or {}).get("one_user")
    if memory is not None:
        judge("the server's peak memory while a person clicks through every page", f"{memory:g} MB",
              f"{MEMORY_MB} MB", memory < MEMORY_MB)
    for label, key, base_key, block in (
            ("simultaneous sessions in browsers, back to back", "simultaneous.median",
             "browser.one_user_click_median", tier.get("simultaneous")),
            ("simultaneous sessions in browsers, reading", "simultaneous_reading.median",
             "browser.one_user_click_median", tier.get("simultaneous_reading")),
            ("simultaneous sessions over websockets, back to back", "server_sessions.simultaneous_median",
             "server_sessions.one_warm_median", (tier.get("server_sessions") or {}).get("simultaneous")),
            ("simultaneous sessions over websockets, reading", "server_sessions.reading_median",
             "server_sessions.one_warm_median", (tier.get("server_sessions") or {}).get("reading"))):
        if t(key) is None or t(base_key) is None or not block:
            continue
        visits = block.get("page_visits", block.get("page_runs"))
        users = block.get("users") or (tier.get("server_sessions") or {}).get("users")
        judge(f"{users} {label}: no errors, the median page within {SIMULTANEOUS_X}× one user's",
              f"{_seconds_text(t(key))}, {block['errors']} errors in {visits}",
              f"{_seconds_text(SIMULTANEOUS_X * t(base_key))} ({SIMULTANEOUS_X} × {_seconds_text(t(base_key))})",
              block["errors"] == 0 and _at_most(t(key), SIMULTANEOUS_X * t(base_key)))
    return out


# ---------------------------------------------------------------- the table

def _seconds_text(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def _with_ratio(timings: dict, key: str, baseline: str | None) -> str:
    value = timings.get(key)
    x = ratio(value, timings.get(baseline)) if baseline else None
    return _seconds_text(value) + (f" (×{x:g})" if x is not None else "")


PAGE_COLUMNS = (   # (heading, timing key with {page}, its baseline)
    ("server cold", "apptest.{page}.cold", "apptest.trivial"),
    ("server warm", "apptest.{page}.warm", "apptest.trivial"),
    ("browser first visit", "browser.{page}.first", "browser.trivial.first"),
    ("browser repeat visit", "browser.{page}.repeat", "browser.trivial.repeat"),
    ("browser menu click", "browser.{page}.click", "browser.trivial.repeat"),
)
GROWTH_KEYS = ("apptest.{page}.cold", "apptest.{page}.warm", "browser.{page}.first", "browser.{page}.repeat",
               "browser.{page}.click")
OTHER_GROWTH_KEYS = ("apptest.first_run", "apptest.new_as_of", "browser.first_page_after_start",
                     "simultaneous.median", "simultaneous_reading.median", "import.clinic_import_net",
                     "import.duckdb_read_csv", "metrics.cli_net", "metrics.peer_compute", "metrics.peer_load",
                     "demo_build")


def _tier_table(tier: dict) -> list[str]:
    t = tier["timings"]
    db = tier["database"]
    pages = page_list()
    lines = [f"**{tier['tier']}**: {db['patients']:,} patients, {db['courses']:,} courses, {db['sessions']:,} sessions "
             "(seconds are medians; × = the time over its baseline's)", "",
             "| page | " + " | ".join(head for head, *_ in PAGE_COLUMNS) + " |",
             "|---|" + "---:|" * len(PAGE_COLUMNS)]
    for name, _file, title in pages:
        cells = [_with_ratio(t, key.format(page=name), base) for _head, key, base in PAGE_COLUMNS]
        lines.append(f"| {title} | " + " | ".join(cells) + " |")
    lines.append("| *baseline: a one-line page* | " + " | ".join(
        _seconds_text(t.get(base)) for _head, _key, base in PAGE_COLUMNS) + " |")
    simultaneous = tier.get("simultaneous") or {}
    server_sessions = tier.get("server_sessions") or {}
    reading = tier.get("simultaneous_reading") or {}
    memory = (tier.get("browser") or {}).get("memory_peak_mb") or {}
    sign_in_s = (tier.get("browser") or {}).get("sign_in_s", SIGN_IN_TYPING_S)
    imported = tier.get("import") or {}
    def timed(what: str, key: str, base_text: str, base_key: str, extra: str = "") -> tuple:
        """(what, time, baseline with its time, ratio) of one measurement against its baseline."""
        return (what, _seconds_text(t.get(key)), f"{base_text} {_seconds_text(t.get(base_key))}{extra}",
                ratio(t.get(key), t.get(base_key)))

    ws_many, ws_reading = server_sessions.get("simultaneous") or {}, server_sessions.get("reading") or {}
    other = [
        timed("Overview at an as-of date not seen before (server)", "apptest.new_as_of",
              "Overview warm", "apptest.overview.warm"),
        timed("first script run after start (server)", "apptest.first_run", "one-line script", "apptest.trivial"),
        timed("first page after the server started (browser)", "browser.first_page_after_start",
              "one-line page", "browser.trivial.first"),
        timed("first page after the server started: the server's part (from the browser's request to run it to "
              "the server's \"finished\", on the websocket)", "browser.first_page_after_start_server",
              "pandas peer's computation", "metrics.peer_compute"),
        timed(f"the Overview as a new browser's first page, {sign_in_s:g} s on the sign-in form (the server "
              "warmed up; the sign-in page fetches Streamlit's code meanwhile)", "browser.first_page_new_browser",
              "pandas peer's computation", "metrics.peer_compute"),
        ("server start until it answers", _seconds_text(t.get("browser.server_start")), "", None),
        timed(f"{simultaneous.get('users', '–')} simultaneous sessions, median menu click "
              f"({simultaneous.get('errors', '–')} errors in {simultaneous.get('page_visits', '–')} visits)",
              "simultaneous.median", "one user", "browser.one_user_click_median"),
        timed(f"{server_sessions.get('users', '–')} simultaneous sessions without browsers (websockets), median "
              f"page ({ws_many.get('errors', '–')} errors in {ws_many.get('page_runs', '–')} pages)",
              "server_sessions.simultaneous_median", "one session, warm", "server_sessions.one_warm_median"),
        timed(f"the same browser sessions reading about {reading.get('reading_s', '–')} s before each click "
              f"({reading.get('errors', '–')} errors in {reading.get('page_visits', '–')} visits)",
              "simultaneous_reading.median", "one user", "browser.one_user_click_median"),
        timed(f"the same websocket sessions reading about {server_sessions.get('reading_s', '–')} s before each "
              f"click ({ws_reading.get('errors', '–')} errors in {ws_reading.get('page_runs', '–')} pages)",
              "server_sessions.reading_median", "one session, warm", "server_sessions.one_warm_median"),
        timed("Overview cold (server) against the pandas peer's computation", "apptest.overview.cold",
              "pandas peer", "metrics.peer_compute"),
        ("server peak memory, one user / simultaneous sessions",
         f"{memory.get('one_user', '–')} / {memory.get('simultaneous', '–')} MB", f"idle {memory.get('idle', '–')} MB",
         ratio(max((v for k, v in memory.items() if k != "idle" and v), default=None), memory.get("idle"))),
        timed(f"import of the sessions CSV ({imported.get('rows', 0):,} rows, {imported.get('csv_mb', '–')} MB), "
              "net of start-up", "import.clinic_import_net", "DuckDB read_csv", "import.duckdb_read_csv"),
        timed("metrics --json, net of start-up", "metrics.cli_net", "pandas peer", "metrics.peer_compute",
              f" (+ {_seconds_text(t.get('metrics.peer_load'))} to load)"),
    ]
    lines += ["", "| measure | time | baseline | × |", "|---|---:|---|---:|"]
    lines += [f"| {what} | {value} | {base} | {'–' if x is None else f'{x:g}'} |" for what, value, base, x in other
              if not value.startswith("–")]     # parts not measured (--no-browser) are left out
    notes = []
    if tier.get("metrics"):
        notes.append("the pandas peer agrees with metrics --json" if tier["metrics"]["peer_agrees_with_cli"]
                     else "THE PANDAS PEER DISAGREES with metrics --json")
    if imported.get("imported"):
        notes.append(f"import: {imported['imported'].get('new')} new, {imported['imported'].get('rejected')} rejected")
    load = tier.get("load_average_1m")
    if load:
        notes.append(f"load average {load['start']} at the start, {load.get('end')} at the end ({os.cpu_count()} cores)")
    skipped = (tier.get("browser") or {}).get("skipped")
    if skipped:
        notes.append(f"browser part skipped: {skipped}")
    text = "; ".join(notes)
    lines += ["", text[:1].upper() + text[1:] + "."]
    judged = tier.get("targets") or []
    if judged:
        met = sum(1 for row in judged if row["met"])
        lines += ["", f"Targets judged in this run: {met} of {len(judged)} met", "",
                  "| target | measured | bound | met |", "|---|---|---|---|"]
        lines += [f"| {row['target']} | {row['measured']} | {row['bound']} | {'yes' if row['met'] else 'no'} |"
                  for row in judged]
    return lines


def table(result: dict) -> str:
    """The results as Markdown to paste: per tier, a table of the pages (server and browser, each with
    its ratio to the one-line baseline) and one of the other measures; with several tiers, the growth
    exponent k (time ∝ sessions^k) of each step."""
    lines = []
    for tier in result["tiers"]:
        lines += _tier_table(tier) + [""]
    if result["growth"]:
        steps = result["growth"]

        def exponents(key: str) -> str:
            found = [step["timings"].get(key, {}).get("exponent") for step in steps]
            return ", ".join("–" if k is None else f"{k:g}" for k in found)

        names = ", ".join(f"{g['from']}→{g['to']} (sessions ×{g['rows_x']:g})" for g in steps)
        lines += [f"**Growth**: k in time ∝ sessions^k (0 flat, 1 linear), for {names}", "",
                  "| page | " + " | ".join(head for head, key, _ in PAGE_COLUMNS if key in GROWTH_KEYS) + " |",
                  "|---|" + "---:|" * len(GROWTH_KEYS)]
        for name, _file, title in page_list():
            lines.append(f"| {title} | " + " | ".join(exponents(key.format(page=name)) for key in GROWTH_KEYS) + " |")
        lines += ["", "| measure | k |", "|---|---:|"]
        lines += [f"| {key} | {exponents(key)} |" for key in OTHER_GROWTH_KEYS]
    return "\n".join(lines).rstrip() + "\n"


# ---------------------------------------------------------------- the command

def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tier", action="append", default=None, metavar="S|M|L|XL",
                        help="database size: S 2,000 patients, M 20,000, L 200,000, XL 2,000,000 (repeat for several)")
    parser.add_argument("--tiers", default=None, metavar="S,M,...", help="several tiers at once, e.g. S,M,L")
    parser.add_argument("--db", type=Path, default=None,
                        help="use this database (built there with the tier's size when missing); one tier only")
    parser.add_argument("--patients", type=int, default=None, help="another number of patients (one tier only)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3, help="repetitions of each timing (the median is reported)")
    parser.add_argument("--users", type=int, default=10, help="simultaneous browser sessions (0: none)")
    parser.add_argument("--rounds", type=int, default=1, help="times each simultaneous session clicks through the pages")
    parser.add_argument("--reading", type=float, default=2.0, metavar="SECONDS",
                        help="the simultaneous sessions also run with a pause before each click, on average this "
                             "long (drawn from half to one and a half times it; 0: back to back only)")
    parser.add_argument("--sign-in-seconds", type=float, default=SIGN_IN_TYPING_S, metavar="SECONDS",
                        help="how long the new browser stays on the sign-in form (as a person types) before its "
                             "first page; the sign-in page fetches Streamlit's code meanwhile")
    parser.add_argument("--pages", default=None, metavar="NAME,...",
                        help="measure only these pages besides the Overview (names as in the table's JSON keys, "
                             "e.g. cohorts,audit); default: every page")
    parser.add_argument("--no-browser", dest="browser", action="store_false",
                        help="skip the browser, memory and simultaneous-session parts")
    parser.add_argument("--parts", default=None, metavar="PART,...",
                        help=f"run only these parts ({', '.join(PARTS)}; default: all), e.g. browser,metrics "
                             "after a change to what the browser draws")
    parser.add_argument("--out", type=Path, default=None, help="also write the JSON here")


def run(options: argparse.Namespace, say=print) -> dict:
    tiers = parse_tiers(options.tier, options.tiers)
    if (options.db or options.patients) and len(tiers) > 1:
        raise BenchError("--db and --patients go with one tier only")
    if options.runs < 1 or options.users < 0 or options.rounds < 1 or options.reading < 0:
        raise BenchError("--runs and --rounds must be at least 1, --users and --reading at least 0")
    if options.patients is not None and options.patients < 1:
        raise BenchError("--patients must be at least 1")
    parse_parts(options.parts)
    select_pages([n for n in options.pages.split(",") if n] if options.pages else None)
    compile_bytecode()
    results = []
    for tier in tiers:
        patients = options.patients or TIERS[tier]
        label = tier if options.patients is None else f"{tier}-{patients}"
        results.append(bench_tier(label, patients, options.db, options, say))
    import duckdb
    import pandas
    import streamlit

    return {
        "method": METHOD,
        "machine": {"cpus": os.cpu_count(), "load_average_1m": round(os.getloadavg()[0], 2),
                    "python": platform.python_version(), "streamlit": streamlit.__version__,
                    "duckdb": duckdb.__version__, "pandas": pandas.__version__,
                    "date": dt.date.today().isoformat(),
                    "bytecode": "compiled before timing (compile_bytecode)"},
        "runs": options.runs,
        "tiers": results,
        "growth": growth(results),
    }


def main(options: argparse.Namespace) -> int:
    say = lambda text: print(text, file=sys.stderr, flush=True)  # noqa: E731 - progress goes to stderr
    result = run(options, say)
    document = json.dumps(result, indent=2)
    if options.out:
        options.out.write_text(document + "\n")
    print(table(result))
    print()
    print(document)
    return 0
