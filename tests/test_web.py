"""The HTTP layer in front of Streamlit (clinic/web.py), driven as ASGI apps without a browser.

The browser tests (tests/test_browser_security.py) repeat the important cases against a real
server; here each rule is checked on its own, quickly.
"""
from __future__ import annotations

import asyncio
import gc
from urllib.parse import parse_qs, urlsplit

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware

from clinic import ui, web
from clinic.access import AccessStore, token_hash
from conftest import freeze_loaded_objects

PASSWORD = "the director's password"


@pytest.fixture(autouse=True)
def loaded_objects_stay_frozen():
    """Tests of the server's warm-up unfreeze every object to see it freeze them (the test process
    froze what it had loaded: conftest.py): after each test here, what is alive then is frozen
    again. (Asking gc how many objects are frozen walks them all: 15 ms, so not after every test.)"""
    yield
    if gc.get_freeze_count() == 0:
        freeze_loaded_objects()


def call(app, *, path="/", method="GET", headers=None, body=b"", kind="http", query=b""):
    """Runs one request through an ASGI app; returns (status or close code, headers dict, body)."""
    headers = {"host": "localhost:8501", **(headers or {})}
    scope = {"type": kind, "path": path, "raw_path": path.encode(), "query_string": query, "method": method,
             "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()], "scheme": "http",
             "server": ("localhost", 8501), "client": ("127.0.0.1", 5555), "root_path": "", "http_version": "1.1"}
    if kind == "websocket":
        scope["scheme"] = "ws"
    sent, received = [], [{"type": "http.request", "body": body, "more_body": False}] if kind == "http" else \
        [{"type": "websocket.connect"}]

    async def receive():
        return received.pop(0) if received else {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    if kind == "websocket":
        return sent[0]["type"], {}, b""
    start = next(m for m in sent if m["type"] == "http.response.start")
    out_headers: dict[str, list[str]] = {}
    for k, v in start["headers"]:
        out_headers.setdefault(k.decode().lower(), []).append(v.decode())
    return start["status"], out_headers, b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


async def inner(scope, receive, send):
    """Stands for Streamlit: answers every request that gets through with 200 'streamlit'."""
    if scope["type"] == "websocket":
        await send({"type": "websocket.accept"})
        return
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"streamlit"})


@pytest.fixture
def accounts(tmp_path, monkeypatch):
    db = tmp_path / "clinic.duckdb"
    monkeypatch.setenv("CLINIC_DB", str(db))
    store = AccessStore.for_database(db)
    store.add_user("head", "director", PASSWORD, actor="test")
    return store


@pytest.fixture
def guarded():
    return web.HostGuard(web.SignInGuard(inner))


@pytest.fixture
def routes():
    return Starlette(routes=web.routes())


# --- where to go after signing in --------------------------------------------------------------

@pytest.mark.parametrize("asked, kept", [
    ("/patients?therapist=Birch&as_of=2026-03-20", "/patients?therapist=Birch&as_of=2026-03-20"),
    ("/", "/"),
    ("//evil.example/x", "/"),
    ("https://evil.example/", "/"),
    ("/\\evil.example", "/"),
    ("/signin?next=/x", "/"),
    ("/ok\r\nSet-Cookie: x=1", "/"),
    ("", "/"),
    (None, "/"),
])
def test_only_a_page_of_this_dashboard_is_a_place_to_return_to(asked, kept):
    assert web.safe_next(asked) == kept


@pytest.mark.parametrize("path, query, location", [
    ("/overview", b"as_of=2026-03-20&therapist=Birch", "./?as_of=2026-03-20&therapist=Birch"),
    ("/overview/", b"as_of=2026-03-20", "../?as_of=2026-03-20"),
    ("/overview", b"", "./"),
])
def test_the_overview_typed_by_its_page_name_goes_to_the_root_with_its_filters(routes, path, query, location):
    status, headers, _ = call(routes, path=path, query=query)
    assert (status, headers["location"]) == (302, [location])


def test_only_the_overview_is_sent_to_the_root_and_it_is_the_dashboards_first_page():
    from pathlib import Path

    from clinic import ui

    assert web.OVERVIEW_ALIAS == "/" + Path(ui.PAGES[0][0]).stem
    status, headers, _ = call(Starlette(routes=web.routes()), path="/patients", query=b"as_of=2026-03-20")
    assert status == 404 and "location" not in headers          # every other page is Streamlit's own


# --- host names ----------------------------------------------------------------------------------

@pytest.mark.parametrize("host, allowed", [
    ("localhost:8501", True), ("127.0.0.1:8501", True), ("[::1]:8501", True), ("LOCALHOST", True),
    ("dashboard.clinic.lan", True), ("a.clinic.lan", True), ("evil.example", False),
    ("localhost.evil.example", False), ("", False), (None, False), ("127.0.0.2", True),
    ("localhost:1@evil.example", False), ("localhost:port", False), ("evil.example#localhost", False),
])
def test_only_this_servers_names_are_answered(host, allowed):
    assert web.host_allowed(host, ["localhost", "127.0.0.1", "::1", "dashboard.clinic.lan", "*.clinic.lan"]) is allowed


def test_a_request_naming_another_host_gets_421_and_a_websocket_is_closed(guarded, accounts):
    status, _, body = call(guarded, path="/", headers={"host": "evil.example"})
    assert status == 421 and b"streamlit" not in body
    assert call(guarded, path="/_stcore/stream", kind="websocket", headers={"host": "evil.example"})[0] == \
        "websocket.close"


def test_clinic_allowed_hosts_adds_a_name(guarded, accounts, monkeypatch):
    monkeypatch.setenv("CLINIC_ALLOWED_HOSTS", "dashboard.clinic.lan, other.lan")
    status, headers, _ = call(guarded, path="/", headers={"host": "dashboard.clinic.lan"})
    assert status == 303                                      # answered (to the sign-in), not refused


# --- nothing without a session -------------------------------------------------------------------

def test_a_page_request_without_a_session_goes_to_the_sign_in_form_keeping_its_address(guarded, accounts):
    status, headers, body = call(guarded, path="/patients", query=b"patients.course=c1&therapist=Birch")
    assert status == 303 and body == b""
    location = urlsplit(headers["location"][0])
    assert location.path == "/signin"
    assert parse_qs(location.query)["next"] == ["/patients?patients.course=c1&therapist=Birch"]


@pytest.mark.parametrize("path", ["/media/abc.csv", "/_stcore/upload_file/x/y", "/_stcore/metrics",
                                  "/component/x", "/_stcore/agent/interact"])
def test_data_routes_without_a_session_get_401_and_nothing_else(guarded, accounts, path):
    status, _, body = call(guarded, path=path)
    assert status == 401 and b"streamlit" not in body


def test_the_websocket_without_a_session_is_closed_before_it_opens(guarded, accounts):
    assert call(guarded, path="/_stcore/stream", kind="websocket")[0] == "websocket.close"
    forged = {"cookie": f"{web.COOKIE}=made-up-token"}
    assert call(guarded, path="/_stcore/stream", kind="websocket", headers=forged)[0] == "websocket.close"


def test_static_code_and_the_health_check_need_no_session(guarded, accounts):
    assert call(guarded, path="/static/js/index.js")[0] == 200
    assert call(guarded, path="/_stcore/health")[0] == 200


def test_with_a_valid_session_everything_gets_through_with_no_caching_and_no_framing(guarded, accounts):
    token = accounts.sign_in("head", PASSWORD).token
    cookie = {"cookie": f"{web.COOKIE}={token}"}
    status, headers, body = call(guarded, path="/_stcore/upload_file/a/b", headers=cookie)
    assert (status, body) == (200, b"streamlit")
    assert headers["cache-control"] == ["no-store"]
    assert headers["x-frame-options"] == ["SAMEORIGIN"] and headers["x-content-type-options"] == ["nosniff"]
    assert call(guarded, path="/_stcore/stream", kind="websocket", headers=cookie)[0] == "websocket.accept"
    accounts.sign_out(token)
    assert call(guarded, path="/_stcore/stream", kind="websocket", headers=cookie)[0] == "websocket.close"


PAGE = b"<!DOCTYPE html>\n<html lang=\"en\">\n  <head>\n    <title>Streamlit</title>\n  </head><body></body></html>"
# the server's root, and the window's width kept in a cookie for the server to draw its charts to
SCRIPT = (b'<script>window.__streamlit={BACKEND_BASE_URL:location.origin+"/"};'
          b"(function(){function w(){document.cookie='clinic_window='+Math.round(innerWidth)"
          b"+';path=/;SameSite=Strict'+(location.protocol==='https:'?';Secure':'')}"
          b"w();addEventListener('resize',w)})();</script>")
# a table keeps room above it for its toolbar, which a touch screen shows at all times
STYLE = (b"<style>@media (hover: none){.stElementContainer:has(>[data-testid=stFullScreenFrame]"
         b">[data-testid=stDataFrame]){margin-top:28px}}</style>")


def serving(body: bytes, content_type: bytes, gzipped: bool = False):
    """Stands for Streamlit serving a file: its body in two parts, with the file's length and tags."""
    import gzip

    sent = gzip.compress(body) if gzipped else body
    headers = [(b"content-type", content_type), (b"content-length", str(len(sent)).encode()),
               (b"etag", b'"file-tag"'), (b"last-modified", b"Wed, 02 Dec 2026 09:53:10 GMT")]
    if gzipped:
        headers.append((b"content-encoding", b"gzip"))

    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": sent[:40], "more_body": True})
        await send({"type": "http.response.body", "body": sent[40:]})
    return web.HostGuard(web.SignInGuard(app))


@pytest.mark.parametrize("gzipped", [False, True])
def test_a_page_names_the_servers_root_so_the_browser_connects_there_first(accounts, gzipped):
    # Without it Streamlit's frontend at /cohorts first asks /cohorts/_stcore/health, gets 404 and
    # tries the root 100 ms later, on every reload.
    import gzip

    cookie = {"cookie": f"{web.COOKIE}={accounts.sign_in('head', PASSWORD).token}",
              **({"accept-encoding": "gzip"} if gzipped else {})}
    status, headers, body = call(serving(PAGE, b"text/html; charset=utf-8", gzipped), path="/cohorts",
                                 headers=cookie)
    page = gzip.decompress(body) if gzipped else body
    assert status == 200 and page == PAGE.replace(b"<head>", b"<head>" + SCRIPT + STYLE, 1)
    assert headers["content-length"] == [str(len(body))]
    assert "etag" not in headers and "last-modified" not in headers      # no longer the file's
    assert headers.get("content-encoding") == (["gzip"] if gzipped else None)
    assert headers["cache-control"] == ["no-store"]


def test_static_code_and_other_answers_are_passed_on_unchanged(accounts):
    cookie = {"cookie": f"{web.COOKIE}={accounts.sign_in('head', PASSWORD).token}"}
    # decoys: an HTML file under /static/, a page-like text answer, Streamlit's own routes
    for path, kind in (("/static/js/page.html", b"text/html"), ("/cohorts", b"text/plain"),
                       ("/_stcore/host-config", b"text/html")):
        status, headers, body = call(serving(PAGE, kind), path=path, headers=cookie)
        assert (status, body, headers["etag"]) == (200, PAGE, ['"file-tag"']), path


def test_the_sign_in_form_gets_no_script(accounts):
    # its own page, under a policy that runs no script: nothing is added to it
    app = web.HostGuard(web.SignInGuard(Starlette(routes=web.routes())))
    status, headers, body = call(app, path=web.SIGN_IN_PATH)
    assert status == 200 and b"<form" in body and b"<head>" in body
    assert b"__streamlit" not in body and b"<script" not in body


def test_the_script_goes_in_once_and_a_body_without_a_head_is_left_alone():
    once = web._with_base_url(PAGE)
    assert once.count(SCRIPT) == 1 and once.count(STYLE) == 1 and web._with_base_url(once) == once
    assert web._with_base_url(b"no head here") == b"no head here"


def test_a_download_is_served_only_to_the_sign_in_whose_page_it_was_made_for(guarded, accounts, monkeypatch):
    mine = accounts.sign_in("head", PASSWORD)
    other = accounts.sign_in("head", PASSWORD)                 # the same account in another browser
    made_for = {"abc123": {token_hash(mine.token)}}
    monkeypatch.setattr(web, "media_sign_ins", lambda file_id: made_for.get(file_id, set()))
    own = call(guarded, path="/media/abc123.csv", headers={"cookie": f"{web.COOKIE}={mine.token}"})
    assert own[0] == 200 and own[2] == b"streamlit"
    for token, path in ((other.token, "/media/abc123.csv"), (mine.token, "/media/zzz999.csv")):
        status, _, body = call(guarded, path=path, headers={"cookie": f"{web.COOKIE}={token}"})
        assert status == 404 and b"streamlit" not in body


# --- the sign-in and sign-out routes -------------------------------------------------------------

def form(**fields) -> bytes:
    from urllib.parse import urlencode
    return urlencode(fields).encode()


FORM = {"content-type": "application/x-www-form-urlencoded", "origin": "http://localhost:8501"}


def test_the_sign_in_form_holds_no_data_and_says_how_to_add_the_first_director(routes, tmp_path, monkeypatch):
    monkeypatch.setenv("CLINIC_DB", str(tmp_path / "new.duckdb"))        # a database without accounts
    status, headers, body = call(routes, path="/signin", query=b"next=/patients")
    text = body.decode()
    assert status == 200 and 'name="password"' in text and 'value="/patients"' in text
    assert "users add NAME --role director" in text
    assert "frame-ancestors 'none'" in headers["content-security-policy"][0]


# --- the code the sign-in page fetches ahead ----------------------------------------------------

@pytest.fixture
def static_folder(tmp_path, monkeypatch):
    """A stand-in for Streamlit's static folder: index.html naming two scripts and a font, a widget
    of the dashboard (PlotlyChart) whose code imports a module that imports another, its styles, and
    decoys no page of the dashboard loads."""
    root = tmp_path / "static"
    for folder in ("js", "css", "media"):
        (root / "static" / folder).mkdir(parents=True)
    (root / "index.html").write_text(
        '<link rel="preload" href="./static/media/SourceSansVF-Upright.ttf.f1.woff2" as="font" crossorigin />'
        '<script type="module" crossorigin src="./static/js/index.a1.js"></script>'
        '<link rel="modulepreload" crossorigin href="./static/js/runtime.a2.js">'
        '<link rel="stylesheet" href="https://fonts.example/elsewhere.css">')
    files = {
        "js/index.a1.js": 'import{a}from"./runtime.a2.js";import("./PlotlyChart.p1.js");import("./DeckGl.d1.js")',
        "js/runtime.a2.js": "export const a=1",
        "js/PlotlyChart.p1.js": 'import{a}from"./index.a1.js";import{o}from"./opacities.o1.js";',
        "js/opacities.o1.js": 'import"./deep.x1.js";export const o=1',
        "js/deep.x1.js": "export const d=1",
        "js/DeckGl.d1.js": 'import{z}from"./deckOnly.z1.js"',            # decoy: a widget no page draws
        "js/deckOnly.z1.js": "export const z=1",
        "js/PlotlyChartLegacy.q1.js": "export const q=1",                  # decoy: only starts with a name
        "css/PlotlyChart.c1.css": ".plot{}",
        "css/DeckGl.c2.css": ".deck{}",                                    # decoy
        "media/SourceSansVF-Upright.ttf.f1.woff2": "font",
        "media/MaterialSymbols-Rounded.m1.woff2": "font",
        "media/KaTeX_Main-Regular.k1.woff2": "font",                       # decoy
    }
    for name, text in files.items():
        (root / "static" / name).write_text(text)
    monkeypatch.setattr(web, "_static_root", lambda: root)
    web.code_to_prefetch.cache_clear()
    yield root
    web.code_to_prefetch.cache_clear()


def test_the_sign_in_page_fetches_ahead_the_start_up_code_and_the_dashboards_widgets_with_what_they_import(
        static_folder):
    assert set(web.code_to_prefetch()) == {
        "static/media/SourceSansVF-Upright.ttf.f1.woff2", "static/js/index.a1.js", "static/js/runtime.a2.js",
        "static/js/PlotlyChart.p1.js", "static/js/opacities.o1.js", "static/js/deep.x1.js",
        "static/css/PlotlyChart.c1.css", "static/media/MaterialSymbols-Rounded.m1.woff2"}


def test_the_sign_in_page_links_the_code_into_the_cache_as_streamlits_page_asks_for_it(routes, accounts,
                                                                                        static_folder):
    status, headers, body = call(routes, path="/signin")
    text = body.decode()
    assert status == 200
    assert '<link rel="prefetch" href="/static/js/PlotlyChart.p1.js" as="script" crossorigin>' in text
    assert '<link rel="prefetch" href="/static/css/PlotlyChart.c1.css" as="style" crossorigin>' in text
    assert '<link rel="prefetch" href="/static/media/MaterialSymbols-Rounded.m1.woff2" as="font" crossorigin>' \
        in text
    assert text.count('rel="prefetch"') == 8 and "DeckGl" not in text and "<script" not in text
    # the policy lets the prefetches through (default-src) and still refuses scripts, fetches and frames
    policy = dict(d.strip().split(" ", 1) for d in headers["content-security-policy"][0].split(";"))
    assert policy["default-src"] == "'self'"
    assert all(policy[d] == "'none'" for d in ("script-src", "connect-src", "img-src", "font-src", "object-src",
                                               "frame-src", "worker-src", "frame-ancestors", "base-uri"))


def test_behind_a_base_path_the_sign_in_page_fetches_the_code_from_there(routes, accounts, static_folder,
                                                                         monkeypatch):
    import streamlit as st

    real = st.get_option
    monkeypatch.setattr(st, "get_option", lambda key: "clinic/" if key == "server.baseUrlPath" else real(key))
    body = call(routes, path="/signin")[2].decode()
    assert '<link rel="prefetch" href="/clinic/static/js/index.a1.js"' in body
    assert 'href="/static/' not in body
    # and the dashboard's page connects there and keeps the window's width for its pages alone
    script = web._base_url_script()
    assert b'BACKEND_BASE_URL:location.origin+"/clinic/"' in script and b";path=/clinic/;" in script


def test_without_streamlits_static_folder_the_sign_in_page_fetches_nothing_ahead(routes, accounts, tmp_path,
                                                                                 monkeypatch):
    monkeypatch.setattr(web, "_static_root", lambda: tmp_path / "nowhere")
    web.code_to_prefetch.cache_clear()
    try:
        status, _headers, body = call(routes, path="/signin")
    finally:
        web.code_to_prefetch.cache_clear()
    assert status == 200 and b'name="password"' in body and b"prefetch" not in body


def test_every_widget_and_font_named_for_fetching_ahead_is_in_the_installed_streamlit():
    # a Streamlit that renamed one would leave it out silently: this says so instead
    web.code_to_prefetch.cache_clear()
    files = web.code_to_prefetch()
    for stem in web.WIDGET_CODE:
        assert any(f.startswith(f"static/js/{stem}.") for f in files), stem
    for stem in web.WIDGET_FONTS:
        assert any(f.startswith(f"static/media/{stem}.") for f in files), stem
    assert all((web._static_root() / f).is_file() for f in files)
    assert not any("DeckGlJsonChart" in f or "GraphVizChart" in f for f in files)     # charts no page draws


def test_signing_in_sets_an_httponly_strict_cookie_and_returns_to_the_page_asked_for(routes, accounts):
    body = form(username="Head", password=PASSWORD, next="/cohorts?cohorts.by=site")
    status, headers, _ = call(routes, path="/signin", method="POST", headers=FORM, body=body)
    assert status == 303 and headers["location"] == ["/cohorts?cohorts.by=site"]
    [cookie] = headers["set-cookie"]
    attributes = [a.strip().lower() for a in cookie.split(";")]
    assert attributes[0].startswith(f"{web.COOKIE}=") and "httponly" in attributes
    assert "samesite=strict" in attributes and "path=/" in attributes
    token = cookie.split(";")[0].split("=", 1)[1]
    assert accounts.check_session(token).user.name == "head"


def test_a_failed_sign_in_says_the_same_for_a_wrong_user_and_a_wrong_password_and_sets_no_cookie(routes, accounts):
    answers = []
    for user, password in (("nobody", PASSWORD), ("head", "wrong password")):
        status, headers, body = call(routes, path="/signin", method="POST", headers=FORM,
                                     body=form(username=user, password=password, next="/"))
        assert status == 401 and "set-cookie" not in headers
        answers.append(body.decode().replace(f'value="{user}"', ""))
    assert answers[0] == answers[1]
    assert "Wrong user name or password." in answers[0]


def test_a_sign_in_posted_from_another_site_is_refused(routes, accounts):
    status, headers, _ = call(routes, path="/signin", method="POST",
                              headers={**FORM, "origin": "https://evil.example"},
                              body=form(username="head", password=PASSWORD, next="/"))
    assert status == 403 and "set-cookie" not in headers


def test_a_sign_in_cannot_send_the_browser_to_another_site(routes, accounts):
    status, headers, _ = call(routes, path="/signin", method="POST", headers=FORM,
                              body=form(username="head", password=PASSWORD, next="//evil.example/phish"))
    assert status == 303 and headers["location"] == ["/"]


def test_signing_out_ends_the_session_and_clears_the_cookie(routes, accounts):
    token = accounts.sign_in("head", PASSWORD).token
    status, headers, _ = call(routes, path="/signout", method="POST",
                              headers={"cookie": f"{web.COOKIE}={token}", "origin": "http://localhost:8501"})
    assert status == 303 and headers["location"] == ["/signin?notice=signed_out"]
    assert any(c.startswith(f'{web.COOKIE}=""') or c.startswith(f"{web.COOKIE}=;") for c in headers["set-cookie"])
    assert accounts.check_session(token) is None


# --- the first start ----------------------------------------------------------------------------

def test_while_the_first_start_builds_the_demo_the_sign_in_page_says_so_and_refreshes(routes, tmp_path, monkeypatch):
    import threading

    from clinic import store

    release = threading.Event()
    monkeypatch.setattr(store, "ensure_database", lambda path: release.wait(10))
    monkeypatch.setattr(web, "FIRST_START", {"state": "idle", "message": ""})
    monkeypatch.setenv("CLINIC_DB", str(tmp_path / "clinic.duckdb"))
    worker = web.start_first_build(tmp_path / "clinic.duckdb")
    status, headers, body = call(routes, path="/signin")
    assert status == 503 and headers["retry-after"] == ["2"]
    assert b"building a demo database of 2,000 synthetic patients" in body
    assert b'http-equiv="refresh"' in body and b'name="password"' not in body
    release.set()
    worker.join(10)
    assert web.FIRST_START["state"] == "done"
    assert call(routes, path="/signin")[0] == 200


def test_the_first_start_builds_the_demo_database_with_its_demo_accounts(tmp_path, monkeypatch):
    monkeypatch.setattr(web, "FIRST_START", {"state": "idle", "message": ""})
    path = tmp_path / "clinic.duckdb"
    web.start_first_build(path).join(120)
    assert web.FIRST_START["state"] == "done" and path.exists()
    assert AccessStore.for_database(path).sign_in("director", "demo").token is not None


def test_a_failed_first_build_is_reported_on_the_sign_in_page(routes, tmp_path, monkeypatch):
    from clinic import store

    def broken(path):
        raise OSError("No space left on device")

    monkeypatch.setattr(store, "ensure_database", broken)
    monkeypatch.setattr(web, "FIRST_START", {"state": "idle", "message": ""})
    web.start_first_build(tmp_path / "clinic.duckdb").join(10)
    status, _, body = call(routes, path="/signin")
    assert status == 500 and b"No space left on device" in body


def test_the_server_declares_its_own_menu_so_no_page_file_runs_alone_or_lists_itself(tmp_path, monkeypatch):
    from streamlit.runtime.pages_manager import PagesManager

    monkeypatch.setenv("CLINIC_DB", str(tmp_path / "elsewhere.duckdb"))      # not the default: nothing to build
    monkeypatch.setattr(PagesManager, "uses_pages_directory", None)
    # the warm-up it starts is left out: a thread outliving this test read Streamlit's files into the
    # list the sign-in page fetches ahead while a later test of that list was reading its own
    warmed = []
    monkeypatch.setattr(web, "start_warm_up", warmed.append)

    async def start():
        async with web.lifespan(None):
            return PagesManager.uses_pages_directory

    assert asyncio.run(start()) is False
    assert warmed == [tmp_path / "elsewhere.duckdb"]


def warmed_up_counting(tmp_path, monkeypatch, reader: str):
    """A one-session clinic dated today, warmed up as a started server does, with every call of
    clinic.metrics.<reader> recorded (its filters); returns (the database, those filters)."""
    import datetime as dt

    import streamlit as st

    from clinic import metrics
    from query_support import build_db

    path = build_db(tmp_path, "session_id,patient_id,session_date,therapist\ns1,p1,2026-03-01,Birch\n",
                    today=dt.date.today())
    st.cache_data.clear()
    st.cache_resource.clear()
    computed = []
    real = getattr(metrics, reader)
    monkeypatch.setattr(metrics, reader, lambda con, filters, *rest: computed.append(filters) or real(con, filters,
                                                                                                       *rest))
    web.start_warm_up(path).join(timeout=120)
    gc.unfreeze()                                              # the warm-up froze this test process's objects
    return path, computed


def test_a_started_server_readies_todays_open_courses_before_the_first_visit(tmp_path, monkeypatch):
    import datetime as dt

    import streamlit as st

    from clinic import store, ui

    path, computed = warmed_up_counting(tmp_path, monkeypatch, "open_courses")
    assert [(f.as_of, f.relief_rule) for f in computed] == [(dt.date.today(), "pct30")]
    table = ui._open_courses(str(path), store.data_version(path), dt.date.today(), "pct30", 10)  # the first visit
    assert len(computed) == 1 and table.num_rows == 0          # served from the cache; p1's course is settled
    st.cache_data.clear()


def test_a_started_server_lists_the_code_the_sign_in_page_fetches_ahead_before_anyone_asks(tmp_path, monkeypatch,
                                                                                          static_folder):
    # the list is read from Streamlit's files once, in the warm-up, not on the first sign-in request
    read = []
    monkeypatch.setattr(web, "_imports", lambda path: read.append(path.name) or [])
    warmed_up_counting(tmp_path, monkeypatch, "open_courses")
    assert web.code_to_prefetch.cache_info().currsize == 1 and "PlotlyChart.p1.js" in read
    read.clear()
    call(Starlette(routes=web.routes()), path="/signin")
    assert read == []


def test_a_started_server_reads_todays_expected_courses_ahead_for_the_directors_first_visits(tmp_path, monkeypatch):
    import datetime as dt

    import streamlit as st

    from clinic import store, ui
    from clinic.filters import Filters

    path, computed = warmed_up_counting(tmp_path, monkeypatch, "expected_paths")
    assert [f.as_of for f in computed] == [dt.date.today()]
    # a director's page that judges courses against them (Protocol safety, Patients) computes nothing
    ui.tables_for(str(path), store.data_version(path), "flags_course_flags", Filters(as_of=dt.date.today()))
    assert len(computed) == 1
    # another as-of date is its own
    ui.tables_for(str(path), store.data_version(path), "flags_course_flags",
                  Filters(as_of=dt.date.today() - dt.timedelta(days=1)))
    assert len(computed) == 2
    st.cache_data.clear()


def test_after_the_warm_up_the_loaded_modules_are_left_out_of_the_collection_after_every_run(tmp_path):
    # Streamlit runs a full garbage collection after every script run; the objects of the modules
    # loaded by then (pandas, Plotly, statsmodels: about 200,000) are frozen out of it.
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    web.start_warm_up(tmp_path / "no-database-yet.duckdb").join(timeout=120)
    try:
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_the_server_runs_no_full_garbage_collection_after_every_script_run():
    # That pass walked every cached result on every page: up to a third of a warm page's time, and
    # half the throughput of ten simultaneous sessions (README, "Scale").
    import tomllib
    from pathlib import Path

    config = tomllib.loads((Path(__file__).parents[1] / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["runner"]["postScriptGC"] is False


def drawn_by_magic(source: str) -> list[int]:
    """The lines of `source` whose statement Streamlit's magic would draw (st.write): an expression
    standing alone that is not a call, a yield or an await, nor a module's or function's docstring."""
    import ast

    lines = []
    for node in ast.walk(ast.parse(source)):
        for field in ("body", "orelse", "finalbody"):
            statements = getattr(node, field, None)
            if not isinstance(statements, list):      # a lambda's body is one expression
                continue
            for i, statement in enumerate(statements):
                if not isinstance(statement, ast.Expr):
                    continue
                value = statement.value
                docstring = (i == 0 and isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef))
                             and isinstance(value, ast.Constant) and isinstance(value.value, str))
                if not docstring and not isinstance(value, (ast.Call, ast.Yield, ast.YieldFrom, ast.Await)):
                    lines.append(statement.lineno)
    return sorted(lines)


def test_what_magic_would_draw_is_found_in_a_sample_script():
    sample = '"""The module\'s docstring."""\nimport streamlit as st\nst.title("Drawn by a call")\n' \
             'total = 3\ntotal\n"a note in the middle"\nif total:\n    f"{total} courses"\n' \
             'def helper():\n    """Its docstring."""\n    st.write(total)\n    total, 2\n'
    assert drawn_by_magic(sample) == [5, 6, 8, 12]


def test_the_pages_draw_nothing_by_magic_which_the_server_leaves_off():
    # Without magic Streamlit compiles a page in a fifth of the time (it compiles again whenever the
    # last open session closes: a lone director's every reload); a bare expression would then be
    # silently left undrawn, so no page has one.
    import tomllib
    from pathlib import Path

    root = Path(__file__).parents[1]
    config = tomllib.loads((root / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["runner"]["magicEnabled"] is False
    scripts = [root / "dashboard.py", *sorted((root / "pages").glob("*.py"))]
    assert {str(s.relative_to(root)) for s in scripts[1:]} == {file for file, *_ in ui.PAGES}    # every page
    assert {str(s.relative_to(root)): drawn_by_magic(s.read_text(encoding="utf-8")) for s in scripts} == \
        {str(s.relative_to(root)): [] for s in scripts}


def test_a_warm_up_whose_database_cannot_be_read_still_freezes_the_loaded_modules(tmp_path, capsys):
    broken = tmp_path / "clinic.duckdb"
    broken.write_text("not a database")
    gc.unfreeze()
    web.start_warm_up(broken).join(timeout=120)
    try:
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
    assert "Warming up the dashboard did not finish" in capsys.readouterr().out


def test_after_the_warm_up_of_the_overview_the_directors_first_visit_queries_nothing(app, monkeypatch):
    # The warm-up reads the Overview for the director's default view (today, no filter); the app
    # fixture's view is the page fixture's as-of date, read ahead the same way.
    import datetime as dt
    import os
    from pathlib import Path

    from conftest import PAGE_AS_OF

    from clinic import db, ui
    from clinic.filters import Filters

    ui.warm_overview(Path(os.environ["CLINIC_DB"]), Filters(as_of=dt.date.fromisoformat(PAGE_AS_OF)))
    ran, built = [], []
    for name in ("run", "arrow", "records"):
        real = getattr(db, name)
        monkeypatch.setattr(db, name, lambda con, query, _real=real, **params: ran.append(query) or _real(
            con, query, **params))
    real_built = ui._built
    monkeypatch.setattr(ui, "_built", lambda build, *rest: built.append(build.__name__) or real_built(build, *rest))
    app.run()
    assert not app.exception
    assert app.title[0].value == "Patient progress" and len(app.get("plotly_chart")) == 3   # the whole page drawn
    assert ran == []
    assert built == []          # its three charts were built ahead too, from the same input
    app.sidebar.multiselect(key="therapist").select("Birch").run()      # a decoy: another view is not read ahead
    assert not app.exception
    assert "cohort_metrics" in ran and "pain_by_session" in ran
    assert sorted(built) == ["pain_by_session", "relief_claim", "weekly_pain"]
