"""Simultaneous sessions at the server's own level: each one a websocket speaking Streamlit's protocol.

A browser session costs its own drawing too (on a 2-core machine, ten Chromium tabs compete with the
server for the same cores), so the bench also drives the server as ten browsers would, without the
browsers: each session opens /_stcore/stream with a signed-in cookie, as the frontend does, and asks
for one page after another (a BackMsg `rerun_script` naming the page), timing each request until
the server says the script run finished. Pages that raise, or show an error box (a database that
could not be read, as the browser part counts them too), are counted as errors.

    sessions = run_sessions(port, cookie, users=10, rounds=1)   # after one_session for the baseline
"""
from __future__ import annotations

import random
import statistics
import threading
import time

from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

PAGE_TIMEOUT_S = 180.0


class SessionError(RuntimeError):
    """The server closed the session or did not finish a page in time."""


def _connect(port: int, cookie: str):
    from websockets.sync.client import connect

    return connect(f"ws://127.0.0.1:{port}/_stcore/stream", subprotocols=["streamlit"],
                   additional_headers={"Cookie": cookie}, open_timeout=30, max_size=None)


def _run_page(ws, page_hash: str | None, query_string: str = "") -> tuple[float, dict]:
    """Asks for one page (with the page address's `query_string`, such as "as_of=2026-11-30") and
    waits for its script run to finish: (seconds, what arrived)."""
    message = BackMsg()
    message.rerun_script.query_string = query_string
    if page_hash:
        message.rerun_script.page_script_hash = page_hash
    start = time.perf_counter()
    ws.send(message.SerializeToString())
    seen = {"exceptions": 0, "pages": {}}
    deadline = start + PAGE_TIMEOUT_S
    while True:
        remaining = deadline - time.perf_counter()
        if remaining <= 0:
            raise SessionError(f"no end of the script run after {PAGE_TIMEOUT_S:.0f} s")
        data = ws.recv(timeout=remaining)
        forward = ForwardMsg.FromString(data if isinstance(data, bytes) else data.encode())
        kind = forward.WhichOneof("type")
        if kind == "navigation":
            seen["pages"] = {p.url_pathname: p.page_script_hash for p in forward.navigation.app_pages
                             if not p.is_hidden}      # the menu (a therapist's hides the director's pages)
        elif kind == "delta" and forward.delta.WhichOneof("type") == "new_element":
            element = forward.delta.new_element
            if element.WhichOneof("type") == "exception" or (
                    element.WhichOneof("type") == "alert" and element.alert.format == Alert.ERROR):
                seen["exceptions"] += 1
        elif kind == "script_finished":
            return time.perf_counter() - start, seen


def one_session(port: int, cookie: str, rounds: int = 1, pages: dict[str, str] | None = None,
                start: threading.Barrier | None = None, reading_s: float = 0.0, seed: int = 0,
                only=None, query_string: str = "") -> dict:
    """One signed-in session: the first page, then every page of the menu `rounds` times, pausing
    before each click for a reading time drawn evenly from [reading_s / 2, 3 * reading_s / 2]
    (0: clicks back to back). `pages` (url path -> page hash): the pages to ask for, by default every
    page of the menu, or those whose url path `only(path)` accepts. `query_string`: the view every
    page after the first is asked in (the sidebar's filters, as the page's address holds them).
    Returns {"times": {page: [seconds, ...]}, "errors": n, "pages": {url path: page hash}}."""
    times: dict[str, list[float]] = {}
    errors = 0
    pause = random.Random(seed)
    with _connect(port, cookie) as ws:
        _seconds, seen = _run_page(ws, None)            # the session's first run names the pages
        pages = pages or {path: page for path, page in seen["pages"].items() if only is None or only(path)}
        if start is not None:
            start.wait(timeout=PAGE_TIMEOUT_S)
        for _ in range(rounds):
            for path, page_hash in pages.items():
                if reading_s > 0:
                    time.sleep(pause.uniform(reading_s / 2, 3 * reading_s / 2))
                seconds, seen = _run_page(ws, page_hash, query_string)
                times.setdefault(path or "overview", []).append(seconds)
                errors += seen["exceptions"]
    return {"times": times, "errors": errors, "pages": pages}


def run_sessions(port: int, cookies: list[str], rounds: int = 1, reading_s: float = 0.0,
                 pages: dict[str, str] | None = None) -> dict:
    """len(cookies) sessions at once (one thread each, released together after their first page).
    Returns every page time, the median and 90th percentile, and the errors (a failed session counts
    one error per page it did not finish)."""
    barrier = threading.Barrier(len(cookies))
    results: list[dict] = []
    failures: list[str] = []

    def session(cookie: str) -> None:
        try:
            results.append(one_session(port, cookie, rounds, pages, start=barrier, reading_s=reading_s,
                                       seed=cookies.index(cookie)))
        except Exception as exc:  # noqa: BLE001 - a session that fails is counted, not fatal
            failures.append(f"{type(exc).__name__}: {exc}")
            barrier.abort()

    threads = [threading.Thread(target=session, args=(c,), daemon=True) for c in cookies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=PAGE_TIMEOUT_S * 20)
    samples = [s for r in results for page in r["times"].values() for s in page]
    return {
        "sessions": len(cookies), "finished_sessions": len(results), "page_runs": len(samples),
        "errors": sum(r["errors"] for r in results) + len(failures), "failures": failures[:5],
        "median_s": statistics.median(samples) if samples else None,
        "p90_s": statistics.quantiles(samples, n=10)[-1] if len(samples) >= 2 else None,
    }
