"""Helpers for the real-browser tests (tests/test_browser.py): a Streamlit server in a subprocess,
headless Chromium through Playwright, and a robust "the page has finished" wait.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "test-output" / "browser"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1400, "height": 1000}

# (url path, screenshot name, nav title, shows data) — the pages dashboard.py registers.
PAGES = [
    ("", "overview", "Overview", True),
    ("pain_trends", "pain_trends", "Pain trends", True),
    ("first_session", "first_session", "First-session relief", True),
    ("adherence", "adherence", "Adherence", True),
    ("patients", "patients", "Patients", True),
    ("cohorts", "cohorts", "Cohorts", True),
    ("import_data", "import_data", "Import", False),
]
NAV_TITLES = [title for _, _, title, _ in PAGES]


def missing_tools() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is missing (pip install -r requirements-dev.txt)"
    return None


# ---------------------------------------------------------------- the server

def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def copy_database(source: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "clinic.duckdb"
    shutil.copy2(source, target)
    wal = Path(f"{source}.wal")
    if wal.exists():
        shutil.copy2(wal, Path(f"{target}.wal"))
    return target


class Server:
    def __init__(self, process: subprocess.Popen, port: int, log: Path):
        self.process, self.port, self.log = process, port, log
        self.base = f"http://127.0.0.1:{port}"

    def url(self, path: str = "", query: str = "") -> str:
        return f"{self.base}/{path}" + (f"?{query}" if query else "")

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no server log)"


@contextmanager
def streamlit_server(database: Path, log_folder: Path, timeout: float = 30.0) -> Iterator[Server]:
    """`streamlit run dashboard.py` on a free port with CLINIC_DB=database; always stopped after."""
    port = free_port()
    log = log_folder / f"streamlit-{port}.log"
    env = {**os.environ, "CLINIC_DB": str(database)}
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
             # Pages edited while the tests run must not prompt or trigger reruns mid-test.
             "--server.fileWatcherType", "none"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    server = Server(process, port, log)
    try:
        _wait_healthy(server, timeout)
        yield server
    finally:
        _stop(process)


def _wait_healthy(server: Server, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {server.process.returncode} before it was healthy:\n"
                               f"{server.log_tail()}")
        try:
            with urllib.request.urlopen(f"{server.base}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"streamlit on port {server.port} was not healthy after {timeout:.0f} s:\n{server.log_tail()}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


# ---------------------------------------------------------------- the browser

def launch(playwright):
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


# Ready = connected, the script run has finished (no running icon), every lazily loaded element
# has replaced its skeleton and every Plotly chart has drawn its SVG — and all that has held for
# STABLE_MS, so a rerun that is about to start (after a click) is not mistaken for the end.
STABLE_MS = 250
_READY_JS = """(stableMs) => {
  const app = document.querySelector('[data-testid="stApp"]');
  const ready = !!app
    && app.getAttribute('data-test-connection-state') === 'CONNECTED'
    && app.getAttribute('data-test-script-state') === 'notRunning'
    && !document.querySelector('[data-testid="stStatusWidgetRunningIcon"]')
    && !document.querySelector('[data-testid="stSkeleton"]')
    && [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].every(c => c.querySelector('.main-svg'));
  if (!ready) { window.__stReadySince = undefined; return false; }
  if (window.__stReadySince === undefined) window.__stReadySince = performance.now();
  return performance.now() - window.__stReadySince >= stableMs;
}"""
_STATE_JS = """() => { const a = document.querySelector('[data-testid="stApp"]');
  return a ? `script ${a.getAttribute('data-test-script-state')}, connection ${a.getAttribute('data-test-connection-state')}, `
    + `${document.querySelectorAll('[data-testid="stSkeleton"]').length} skeletons` : 'no stApp yet'; }"""


def wait_until_ready(page, timeout_ms: float = 30_000) -> None:
    """Waits until the app has finished its script run and drawn everything (see _READY_JS)."""
    page.evaluate("() => { window.__stReadySince = undefined; }")
    try:
        page.wait_for_function(_READY_JS, arg=STABLE_MS, timeout=timeout_ms, polling=100)
    except Exception as exc:  # playwright's TimeoutError; say where the app was stuck, show it
        state = page.evaluate(_STATE_JS)
        name = "timeout-" + (page.url.split("://", 1)[-1].split("?")[0].split("/", 1)[-1].strip("/") or "overview")
        try:
            shot = f"; screenshot: {screenshot(page, name)}"
        except Exception:
            shot = ""
        raise AssertionError(f"{page.url} did not finish within {timeout_ms / 1000:.0f} s ({state}){shot}\n"
                             f"{describe(page)}") from exc


def open_page(page, url: str, timeout_ms: float = 30_000) -> None:
    page.goto(url, wait_until="domcontentloaded", timeout=timeout_ms)
    wait_until_ready(page, timeout_ms)


def exception_texts(page) -> list[str]:
    return [e.inner_text() for e in page.locator('[data-testid="stException"]').all()]


def error_texts(page) -> list[str]:
    return [e.inner_text() for e in page.locator('[data-testid="stAlertContentError"]').all()]


def screenshot(page, name: str) -> Path:
    """A full-page screenshot in test-output/browser/<name>.png.

    Streamlit scrolls inside its main area, not the document, so a plain full_page shot would stop
    at the viewport: the viewport is grown to the content's height for the shot, then restored.
    """
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    height = page.evaluate("""() => Math.max(window.innerHeight,
        ...['[data-testid="stMain"]', '[data-testid="stSidebarContent"]'].map(s => {
            const e = document.querySelector(s); return e ? e.scrollHeight : 0; }))""")
    size = page.viewport_size or VIEWPORT
    page.set_viewport_size({"width": size["width"], "height": min(int(height) + 40, 12_000)})
    try:
        page.wait_for_timeout(250)    # one layout pass for charts that follow the container size
        page.screenshot(path=str(path), full_page=True)
    finally:
        page.set_viewport_size(size)
    return path


def metrics(page) -> dict[str, str]:
    """KPI tiles as {label: value}."""
    result = {}
    for tile in page.locator('[data-testid="stMetric"]').all():
        label = tile.locator('[data-testid="stMetricLabel"]').inner_text().strip()
        result[label] = tile.locator('[data-testid="stMetricValue"]').inner_text().strip()
    return result


def metric_deltas(page) -> dict[str, str]:
    """The small line under each KPI tile's value, as {label: text} (tiles without one are left out)."""
    result = {}
    for tile in page.locator('[data-testid="stMetric"]').all():
        delta = tile.locator('[data-testid="stMetricDelta"]')
        if delta.count():
            label = tile.locator('[data-testid="stMetricLabel"]').inner_text().strip()
            result[label] = delta.inner_text().strip()
    return result


def nav_titles(page) -> list[str]:
    return [link.inner_text().strip().splitlines()[-1].strip()
            for link in page.locator('[data-testid="stSidebarNav"] [data-testid="stSidebarNavLink"]').all()]


def current_nav_title(page) -> str | None:
    links = page.locator('[data-testid="stSidebarNavLink"][aria-current="page"]')
    return links.first.inner_text().strip().splitlines()[-1].strip() if links.count() else None


def sidebar_multiselect(page, label: str):
    return page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').filter(
        has=page.get_by_role("combobox", name=label, exact=True))


def chosen(page, label: str) -> list[str]:
    """The values chosen in a sidebar multiselect (its tags)."""
    box = sidebar_multiselect(page, label)
    return [t.get_attribute("aria-label") for t in box.locator('[aria-label="Selected values"] [data-tag]').all()]


def choose(page, label: str, option: str) -> None:
    """Picks one option in a sidebar multiselect the way a person does, then closes the list."""
    sidebar_multiselect(page, label).get_by_role("combobox").click()
    page.get_by_role("option", name=option, exact=True).click()
    page.keyboard.press("Escape")


def describe(page, shot: Path | None = None) -> str:
    """What a failure message should say about the page."""
    parts = [f"url: {page.url}"]
    if shot:
        parts.append(f"screenshot: {shot}")
    for title, texts in (("exceptions", exception_texts(page)), ("errors", error_texts(page))):
        if texts:
            parts.append(f"{title}:\n  " + "\n  ".join(t.replace("\n", "\n  ") for t in texts))
    return "\n".join(parts)
