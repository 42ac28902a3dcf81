"""Helpers for the real-browser tests (tests/test_browser.py, tests/test_browser_security.py): a
Streamlit server in a subprocess, accounts in the access file beside its database, signing in through
the real /signin form, headless Chromium through Playwright, a robust "the page has finished" wait,
and a recorder of everything the browser receives (WebSocket frames, HTTP responses, downloads).
"""
from __future__ import annotations

import http.client
import shutil
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator

import pytest
from urllib.parse import urlencode, urlsplit

from clinic import bench

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "test-output" / "browser"
# Chromium, its flags, the window size, the Streamlit server and the "page drawn" check are shared
# with `python -m clinic bench` (clinic/bench.py), which times the same pages the same way.
CHROMIUM, CHROMIUM_ARGS, VIEWPORT = bench.CHROMIUM, bench.CHROMIUM_ARGS, bench.VIEWPORT

# (url path, screenshot name, nav title, shows data) — the pages dashboard.py registers, in menu
# order, as the director sees them (the audit log and the user list show a table of entries).
PAGES = [
    ("", "overview", "Overview", True),
    ("pain_trends", "pain_trends", "Pain trends", True),
    ("first_session", "first_session", "First-session relief", True),
    ("time_to_relief", "time_to_relief", "Time to relief", True),
    ("adherence", "adherence", "Adherence", True),
    ("patients", "patients", "Patients", True),
    ("cohorts", "cohorts", "Cohorts", True),
    ("fair_comparison", "fair_comparison", "Fair comparison", True),
    ("protocol_safety", "protocol_safety", "Protocol safety", True),
    ("record_session", "record_session", "Record session", False),
    ("import_data", "import_data", "Import", False),
    ("data_quality", "data_quality", "Data quality", False),
    ("audit", "audit", "Audit log", True),
    ("users", "users", "Users", True),
]
NAV_TITLES = [title for _, _, title, _ in PAGES]                 # the director's menu
DIRECTOR_ONLY = ("Import", "Data quality", "Audit log", "Users")
THERAPIST_NAV_TITLES = [t for t in NAV_TITLES if t not in DIRECTOR_ONLY]

# How long one browser step (a page drawn, a download, a form shown) may take before a test calls it
# stuck. Not a bound on speed: alone a page is drawn in 2-5 s, but beside the suite's other workers,
# their servers and browsers on two cores, 10-22 s were seen (the page's polls starved of the main
# thread), so anything short of a hang must pass.
PATIENCE_MS = 90_000

# Accounts of the browser tests: passwords of 12 characters or more, as real accounts need.
TEST_PASSWORD = "browser tests' long password"
SIGN_IN_PATH = "/signin"


def missing_tools() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    return bench.browser_missing()


# ---------------------------------------------------------------- the server

free_port = bench.free_port


def copy_database(source: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "clinic.duckdb"
    shutil.copy2(source, target)
    wal = Path(f"{source}.wal")
    if wal.exists():
        shutil.copy2(wal, Path(f"{target}.wal"))
    return target


Server = bench.Server


@contextmanager
def streamlit_server(database: Path, log_folder: Path, timeout: float = 30.0,
                     env: dict[str, str] | None = None) -> Iterator[Server]:
    """`streamlit run dashboard.py` on a free port with CLINIC_DB=database (and `env` on top, e.g.
    CLINIC_IDLE_MINUTES); always stopped after."""
    with bench.streamlit_server(ROOT / "dashboard.py", log_folder, {"CLINIC_DB": str(database), **(env or {})},
                                timeout) as (server, _seconds):
        yield server


# ---------------------------------------------------------------- the browser

def launch(playwright):
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


# Ready = connected, the script run has finished (no running icon), every lazily loaded element
# has replaced its skeleton and every Plotly chart has drawn its SVG — and all that has held for
# STABLE_MS, so a rerun that is about to start (after a click) is not mistaken for the end
# (bench.READY_JS, here without a page title or content to wait for).
STABLE_MS = bench.STABLE_MS
_STATE_JS = """() => { const a = document.querySelector('[data-testid="stApp"]');
  return a ? `script ${a.getAttribute('data-test-script-state')}, connection ${a.getAttribute('data-test-connection-state')}, `
    + `${document.querySelectorAll('[data-testid="stSkeleton"]').length} skeletons, `
    + `running icon ${document.querySelector('[data-testid="stStatusWidgetRunningIcon"]') ? 'shown' : 'not shown'}, `
    + `${[...document.querySelectorAll('[data-testid="stPlotlyChart"]')].filter(c => !c.querySelector('.main-svg')).length}`
    + ` of ${document.querySelectorAll('[data-testid="stPlotlyChart"]').length} charts not drawn; `
    + `while waiting, polls by the first check failed: ${JSON.stringify(window.__benchSeen || {})}`
    : 'no stApp yet'; }"""


def wait_until_ready(page, timeout_ms: float = PATIENCE_MS) -> None:
    """Waits until the app has finished its script run and drawn everything (see bench.READY_JS)."""
    page.evaluate(bench.RESET_READY_JS)
    try:
        page.wait_for_function(bench.READY_JS, arg=[STABLE_MS, None, bench.APP], timeout=timeout_ms, polling=100)
    except Exception as exc:  # playwright's TimeoutError; say where the app was stuck, show it
        state = page.evaluate(_STATE_JS)
        name = "timeout-" + (page.url.split("://", 1)[-1].split("?")[0].split("/", 1)[-1].strip("/") or "overview")
        try:
            shot = f"; screenshot: {screenshot(page, name)}"
        except Exception:
            shot = ""
        raise AssertionError(f"{page.url} did not finish within {timeout_ms / 1000:g} s ({state}){shot}\n"
                             f"{describe(page)}") from exc


def open_page(page, url: str, timeout_ms: float = PATIENCE_MS) -> None:
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


def nav_to(page, title: str, timeout_ms: float = PATIENCE_MS) -> None:
    """Clicks a page in the sidebar menu (the same Streamlit session, as a person moves between pages)
    and waits until it is the current page and has finished drawing."""
    page.locator('[data-testid="stSidebarNav"] [data-testid="stSidebarNavLink"]').filter(has_text=title).first.click()
    page.wait_for_function("(title) => { const a = document.querySelector("
                           "'[data-testid=\"stSidebarNavLink\"][aria-current=\"page\"]');"
                           " return !!a && a.innerText.trim().split('\\n').pop().trim() === title; }",
                           arg=title, timeout=timeout_ms)
    wait_until_ready(page, timeout_ms)


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


def choose_by_typing(page, label: str, option: str) -> None:
    """Picks one option in a sidebar multiselect with the keyboard (type, Enter), which also works for
    a box below the fold, where clicking the option scrolls the sidebar and closes the list."""
    box = sidebar_multiselect(page, label).get_by_role("combobox")
    box.scroll_into_view_if_needed()
    box.click()
    page.keyboard.type(option)
    page.get_by_role("option", name=option, exact=True).wait_for(state="attached", timeout=PATIENCE_MS)
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    deadline = time.monotonic() + PATIENCE_MS / 1000
    while option not in chosen(page, label):
        if time.monotonic() > deadline:
            raise AssertionError(f"{option!r} was not chosen in {label!r}: {chosen(page, label)}\n{describe(page)}")
        page.wait_for_timeout(100)


def describe(page, shot: Path | None = None) -> str:
    """What a failure message should say about the page."""
    parts = [f"url: {page.url}"]
    if shot:
        parts.append(f"screenshot: {shot}")
    for title, texts in (("exceptions", exception_texts(page)), ("errors", error_texts(page))):
        if texts:
            parts.append(f"{title}:\n  " + "\n  ".join(t.replace("\n", "\n  ") for t in texts))
    return "\n".join(parts)


# ---------------------------------------------------------------- accounts and signing in

def add_accounts(database: Path, accounts: dict[str, str | None], password: str = TEST_PASSWORD):
    """Accounts in the access file beside `database` (`X.duckdb` -> `X.access.sqlite`), made through
    clinic.access as `python -m clinic users add` makes them: {name: therapist}, None = the director.
    Existing names are left alone. Returns the AccessStore."""
    from clinic.access import AccessStore

    store = AccessStore.for_database(database)
    for name, therapist in accounts.items():
        if store.get_user(name) is None:
            role = "director" if therapist is None else "therapist"
            store.add_user(name, role, password, therapist, actor="test")
    return store


def access_store(database: Path):
    from clinic.access import AccessStore

    return AccessStore.for_database(database)


def audit_entries(database: Path, user: str | None = None, action: str | None = None) -> list[dict]:
    """The audit log beside `database` (newest first), read with clinic.access."""
    return access_store(database).audit_entries(user_name=user, action=action)


def run_cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    """`python -m clinic ARGS` in a subprocess (as a person at the dashboard's computer runs it)."""
    return subprocess.run([sys.executable, "-m", "clinic", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def path_of(url: str) -> str:
    return urlsplit(url).path


def on_sign_in_form(page) -> bool:
    """The browser shows the plain /signin form (not a Streamlit page)."""
    return path_of(page.url) == SIGN_IN_PATH and page.locator("#username").count() == 1


def wait_for_sign_in_form(page, timeout_ms: float = PATIENCE_MS) -> None:
    """Waits until the browser has gone to the /signin form by itself (after a sign-out, an idle
    time-out, a disabled account)."""
    try:
        page.wait_for_url(lambda url: path_of(url) == SIGN_IN_PATH, timeout=timeout_ms)
        page.locator("#username").wait_for(state="visible", timeout=timeout_ms)
    except Exception as exc:
        shot = screenshot_quietly(page, "timeout-sign-in-form")
        raise AssertionError(f"the page did not go to the sign-in form within {timeout_ms / 1000:.0f} s\n"
                             f"{describe(page, shot)}") from exc


def sign_in_message(page) -> str:
    """The message box of the sign-in form ("" when there is none)."""
    box = page.locator('p.message[role="alert"]')
    return box.inner_text().strip() if box.count() else ""


def submit_sign_in(page, name: str, password: str) -> None:
    """Fills the /signin form the browser is on and sends it (whatever the answer)."""
    page.locator("#username").fill(name)
    page.locator("#password").fill(password)
    with page.expect_navigation(wait_until="domcontentloaded"):
        page.locator('button[type="submit"]').click()


def sign_in_url(server: Server, next_path: str = "/") -> str:
    return f"{server.base}{SIGN_IN_PATH}?{urlencode({'next': next_path})}"


def sign_in(page, server: Server, name: str, password: str = TEST_PASSWORD, next_path: str | None = None,
            timeout_ms: float = PATIENCE_MS) -> None:
    """Signs in through the real /signin form and waits until the browser is back on the dashboard
    (the page `next_path`, default "/", has finished drawing).

    When the browser already shows the form (sent there by the dashboard, with its own `next`), that
    form is used as it is; otherwise the form is opened first.
    """
    if not (next_path is None and on_sign_in_form(page)):
        page.goto(sign_in_url(server, next_path or "/"), wait_until="domcontentloaded", timeout=timeout_ms)
    submit_sign_in(page, name, password)
    if path_of(page.url) == SIGN_IN_PATH:
        shot = screenshot_quietly(page, f"sign-in-failed-{name}")
        raise AssertionError(f"signing in as {name!r} failed: {sign_in_message(page)!r}\n{describe(page, shot)}")
    wait_until_ready(page, timeout_ms)


# ---------------------------------------------------------------- what the browser receives

def unpacked(data: bytes) -> bytes:
    """The bytes to search in a body: a zip (an XLSX download) with every member inflated after it,
    since ids inside a compressed sheet are not in its raw bytes."""
    import io
    import zipfile

    if not data.startswith(b"PK\x03\x04"):
        return data
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return data + b"".join(archive.read(member) for member in archive.namelist())
    except zipfile.BadZipFile:
        return data


class Traffic:
    """Everything a browser context receives: the WebSocket frames of each of its pages (protobuf
    bytes; a table travels as Arrow bytes in them, a chart as JSON), every HTTP response with its
    body, and downloaded files. Searched as bytes for ids that must (not) be there.

    Attach before the first navigation: `Traffic.of(context)`.
    """

    def __init__(self):
        self.frames: list[tuple[str, bytes]] = []          # (socket url, payload)
        self.sockets: list[dict] = []                      # {"url", "frames", "closed", "error"}
        self.responses: list[tuple[str, int, bytes]] = []  # (url, status, body)
        self.downloads: list[tuple[str, bytes, str]] = []  # (url, content, suggested file name)

    @classmethod
    def of(cls, context) -> "Traffic":
        traffic = cls()
        for page in context.pages:
            traffic.watch(page)
        context.on("page", traffic.watch)
        context.on("response", traffic._response)
        return traffic

    def watch(self, page) -> None:
        page.on("websocket", self._socket)

    def _socket(self, ws) -> None:
        record = {"url": ws.url, "frames": 0, "closed": False, "error": None}
        self.sockets.append(record)

        def received(payload):
            data = payload if isinstance(payload, bytes) else str(payload).encode("utf-8")
            record["frames"] += 1
            self.frames.append((ws.url, data))

        ws.on("framereceived", received)
        ws.on("close", lambda _ws: record.update(closed=True))
        ws.on("socketerror", lambda error: record.update(error=str(error)))

    def _response(self, response) -> None:
        if path_of(response.url).startswith("/static/"):
            # Streamlit's own code (JavaScript, CSS, fonts): served to everyone without a session,
            # the same bytes for all, no data. Its megabytes are not read back, to keep tests quick.
            self.responses.append((response.url, response.status, b""))
            return
        try:
            body = response.body()
        except Exception:  # noqa: BLE001 - redirects and aborted downloads have no body
            body = b""
        self.responses.append((response.url, response.status, body))

    def add_download(self, download) -> bytes:
        content = Path(download.path()).read_bytes()
        self.downloads.append((download.url, content, download.suggested_filename))
        return content

    def data_frames(self) -> list[bytes]:
        return [data for _, data in self.frames]

    def sources(self) -> Iterator[tuple[str, bytes]]:
        for url, data in self.frames:
            yield f"WebSocket frame from {url}", data
        for url, status, body in self.responses:
            yield f"HTTP {status} {url}", unpacked(body)
        for url, content, name in self.downloads:
            yield f"download {name} from {url}", unpacked(content)

    def hits(self, tokens: Iterable[str]) -> dict[str, list[str]]:
        """{token: [where it was received]} for each token found (case-sensitive, as bytes)."""
        found: dict[str, list[str]] = {}
        needles = [(t, t.encode("utf-8")) for t in tokens]
        for where, data in self.sources():
            for token, needle in needles:
                if needle in data:
                    found.setdefault(token, []).append(where)
        return found

    def summary(self) -> str:
        return (f"{len(self.sockets)} WebSocket(s) ({sum(s['frames'] for s in self.sockets)} frames), "
                f"{len(self.responses)} HTTP responses, {len(self.downloads)} downloads")


def press_download(page, button, traffic: Traffic | None = None, timeout_ms: float = PATIENCE_MS) -> tuple[str, bytes]:
    """Presses a download button the way a person does; returns (the file's /media/ URL, its bytes)."""
    with page.expect_download(timeout=timeout_ms) as info:
        button.click()
    download = info.value
    content = traffic.add_download(download) if traffic else Path(download.path()).read_bytes()
    return download.url, content


def download_buttons(page):
    return page.locator('[data-testid="stDownloadButton"] button').all()


# ---------------------------------------------------------------- requests without a browser

def http_request(server: Server, path: str, *, method: str = "GET", headers: dict | None = None,
                 body: bytes | None = None) -> tuple[int, dict, bytes]:
    """One plain HTTP request (no cookies unless given, no redirects followed): (status, headers, body)."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def websocket_attempt(server: Server, *, cookie: str | None = None, host: str | None = None,
                      wait_s: float = 3.0) -> tuple[str, list[bytes]]:
    """Opens /_stcore/stream as the Streamlit frontend does (subprotocol "streamlit"), optionally with
    a cookie header and a Host header, and collects what arrives for a moment.

    Returns ("refused: <why>" | "open", received messages)."""
    from websockets.exceptions import ConnectionClosed, InvalidHandshake
    from websockets.sync.client import connect

    headers = {"Cookie": cookie} if cookie else {}
    received: list[bytes] = []
    # The Host header comes from the address asked for; the connection itself always goes to the
    # server on 127.0.0.1 (as after a DNS rebinding).
    address = host or f"127.0.0.1:{server.port}"
    try:
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        socket_ = connect(f"ws://{address}/_stcore/stream", sock=sock, subprotocols=["streamlit"],
                          additional_headers=headers, open_timeout=10)
    except InvalidHandshake as exc:
        return f"refused: {exc}", received
    except (OSError, ConnectionClosed) as exc:
        return f"refused: {type(exc).__name__}: {exc}", received
    with socket_:
        deadline = time.monotonic() + wait_s
        try:
            while time.monotonic() < deadline:
                try:
                    message = socket_.recv(timeout=max(0.05, deadline - time.monotonic()))
                except TimeoutError:
                    break
                received.append(message if isinstance(message, bytes) else message.encode("utf-8"))
        except ConnectionClosed as exc:
            return f"open, then closed: {exc}", received
    return "open", received


def cookie_header(context, name: str = "clinic_session") -> str | None:
    """`clinic_session=<token>` from a browser context (the HttpOnly cookie the sign-in set)."""
    for cookie in context.cookies():
        if cookie["name"] == name:
            return f"{name}={cookie['value']}"
    return None


# The texts of a chart (`chart.querySelectorAll(selector)`) as [text, box], and the pairs of two
# such lists whose boxes overlap by more than a pixel both ways.
_TEXT_BOXES_JS = """
  const boxes = (chart, selector) => [...chart.querySelectorAll(selector)]
    .filter(t => t.textContent.trim() && getComputedStyle(t).display !== 'none' && t.getAttribute('opacity') !== '0')
    .map(t => [t.textContent, t.getBoundingClientRect()]);
  const overlapping = (pairs, [a, r], [b, q]) => {
    const across = Math.min(r.right, q.right) - Math.max(r.left, q.left);
    const down = Math.min(r.bottom, q.bottom) - Math.max(r.top, q.top);
    if (across > 1 && down > 1) pairs.push([a, b, Math.round(across), Math.round(down)]); };"""

# Each chart's texts around its plot (title, subtitle, axis titles, legend names, notes) that
# overlap each other, or a tick label, by more than a pixel both ways, as pairs: a long y-axis title
# on a short plot reaches up into the subtitle, a line's label over a row's note, a subtitle's third
# line down onto the top tick ("100 %"). Tick labels with each other: tick_labels_on_each_other.
_OVERLAPS_JS = """() => {""" + _TEXT_BOXES_JS + """
  return [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].flatMap(chart => {
    const texts = boxes(chart, '.infolayer text, .legendtext, .annotation-text');
    const ticks = boxes(chart, '.xaxislayer-above text, .yaxislayer-above text');
    const pairs = [];
    texts.forEach((one, i) => texts.slice(i + 1).forEach(other => overlapping(pairs, one, other)));
    texts.forEach(one => ticks.forEach(tick => overlapping(pairs, one, tick)));
    return pairs; }); }"""


def chart_texts_on_each_other(page) -> list:
    return page.evaluate(_OVERLAPS_JS)


# Each chart's x-axis tick labels that lie on each other by more than a pixel both ways, as pairs:
# numbers too close to stand side by side, turned upright by Plotly onto their neighbours.
_TICKS_OVERLAP_JS = """() => {""" + _TEXT_BOXES_JS + """
  return [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].flatMap(chart => {
    const ticks = boxes(chart, '.xaxislayer-above text');
    const pairs = [];
    ticks.forEach((one, i) => ticks.slice(i + 1).forEach(other => overlapping(pairs, one, other)));
    return pairs; }); }"""


def tick_labels_on_each_other(page) -> list:
    return page.evaluate(_TICKS_OVERLAP_JS)


def screenshot_quietly(page, name: str) -> Path | None:
    try:
        return screenshot(page, name)
    except Exception:  # noqa: BLE001 - a failure message must not fail on its screenshot
        return None


# ---------------------------------------------------------------- fixtures shared by the browser test modules

@pytest.fixture(scope="module")
def playwright_driver():
    missing = missing_tools()
    if missing:   # only reached under CI (the modules skip otherwise), which must run these tests
        pytest.fail(f"CI is set but the browser tests cannot run: {missing}", pytrace=False)
    from playwright.sync_api import sync_playwright
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright_driver):
    chromium = launch(playwright_driver)
    yield chromium
    chromium.close()
