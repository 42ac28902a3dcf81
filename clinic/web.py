"""The dashboard's HTTP layer around Streamlit: the sign-in and sign-out routes and request guards.

`dashboard.py` hands these to `st.App`, which `streamlit run` serves:

- `GET /signin` shows a small sign-in form (plain HTML, no Streamlit, no data), whose prefetch
  links have the browser fetch Streamlit's code into its cache while the person types; `POST /signin`
  checks the name and password (clinic.access), sets an HttpOnly, SameSite=Strict cookie holding
  only the session's random token, and sends the browser on to the page it asked for, with its
  URL filters. `POST /signout` ends the session and clears the cookie.
- `HostGuard` answers only requests whose Host header names this server (localhost, the
  configured `server.address`, `server.allowedHosts` and `CLINIC_ALLOWED_HOSTS`), so a page on
  another site cannot reach a dashboard on localhost through DNS rebinding.
- `SignInGuard` lets nothing but the sign-in page and Streamlit's static code through without a
  valid session: no page, WebSocket (where every chart and table travels), download, upload or
  media request. A page request is sent to the sign-in form with its address kept. The script
  checks the session again on every run (clinic.auth), so both layers must agree to show data.
- Every response carries headers that keep the pages out of other sites' frames, out of caches
  and out of other sites' Referer headers.
- Streamlit's page gets one line first: the server's base address for its frontend
  (`window.__streamlit.BACKEND_BASE_URL`), which otherwise tries the page's own address first.
"""
from __future__ import annotations

import gc
import gzip
import html
import ipaddress
import os
import re
import threading
from collections import OrderedDict
from contextlib import asynccontextmanager
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote, urlencode

from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from clinic import access, store

COOKIE = "clinic_session"
SIGN_IN_PATH = "/signin"
SIGN_OUT_PATH = "/signout"
# Reachable without a session: the sign-in routes, Streamlit's own static code (JavaScript, CSS,
# fonts: the same for everyone, no data) and its health checks.
OPEN_PREFIXES = ("/static/", "/_stcore/health", "/_stcore/host-config", "/favicon", "/robots.txt")
OPEN_PATHS = (SIGN_IN_PATH, SIGN_OUT_PATH)
MAX_FORM_BYTES = 4096
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")


# ---------------------------------------------------------------- helpers

def _database() -> Path:
    return store.database_path()


def _store() -> access.AccessStore:
    return access.AccessStore.for_database(_database())


def _cookie_token(cookies: dict) -> str | None:
    value = cookies.get(COOKIE)
    return value if value else None


def session_of(cookies: dict) -> access.SignedIn | None:
    """The valid session behind a request's cookie (without counting the request as activity)."""
    token = _cookie_token(cookies)
    if token is None:
        return None
    try:
        return _store().check_session(token, touch=False)
    except Exception:  # noqa: BLE001 - an unreadable access file signs nobody in
        return None


def safe_next(value: str | None) -> str:
    """A page of this dashboard to go on to after signing in: a local path (and its query), never
    another site (`//evil`, `https://…`, back-slashes) nor the sign-in routes themselves."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        return "/"
    if value.split("?", 1)[0].rstrip("/") in (SIGN_IN_PATH, SIGN_OUT_PATH):
        return "/"
    return value[:2000]


def _client(request: Request) -> str:
    host = request.client.host if request.client else "?"
    agent = (request.headers.get("user-agent") or "")[:120]
    return f"{host} {agent}".strip()


def _secure(request: Request) -> bool:
    if os.environ.get("CLINIC_SECURE_COOKIE", "").lower() in ("1", "true", "yes"):
        return True
    return request.url.scheme == "https"


def _same_origin(request: Request) -> bool:
    """A form post from this dashboard's own page (browsers send Origin with every POST)."""
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    host = request.headers.get("host", "")
    return origin.split("://", 1)[-1].rstrip("/") == host


# ---------------------------------------------------------------- the code the dashboard loads

# The parts of Streamlit's frontend that the pages draw besides its start-up code (index.html's own
# scripts): one file each (the name before the content hash), which imports the rest. A name a
# later Streamlit no longer has is left out.
WIDGET_CODE = ("PlotlyChart", "DataFrame", "Metric", "DateInput", "Selectbox", "Multiselect", "Radio",
               "Checkbox", "Slider", "NumberInput", "TextInput", "TextArea", "ButtonGroup", "Button",
               "DownloadButton", "FileUploader", "PageLink", "Html", "BidiComponent")
WIDGET_FONTS = ("MaterialSymbols-Rounded", "SourceSansVF-Italic", "SourceCodeVF-Upright")
_IMPORTED = re.compile(r'(?:\bfrom|\bimport)\s*"\./([\w.-]+\.js)"')
_IN_INDEX = re.compile(r'(?:src|href)="\./(static/[\w./-]+)"')


def _static_root() -> Path:
    import streamlit

    return Path(streamlit.__file__).parent / "static"


def _imports(path: Path) -> list[str]:
    """The modules `path` imports statically. A bundled module of Streamlit's states them first
    thing (after, at most, a list of the files it loads later), so only its first 64 kB are read,
    not its megabytes."""
    with path.open(encoding="utf-8", errors="replace") as file:
        return _IMPORTED.findall(file.read(65536))


@lru_cache(maxsize=1)
def code_to_prefetch() -> tuple[str, ...]:
    """Streamlit's files (paths under its static folder) that the dashboard's pages load: index.html's
    scripts, styles and fonts, the code of each widget in WIDGET_CODE with every module it imports
    and its styles, and the fonts in WIDGET_FONTS. The sign-in page has the browser fetch them into
    its cache while the person types, so that a browser which never opened the dashboard does not
    wait for about 150 files after signing in. They are the same for everyone (no data), and
    immutable: each is named by its content."""
    try:
        root = _static_root()
        found = dict.fromkeys(_IN_INDEX.findall((root / "index.html").read_text(encoding="utf-8")))
        scripts = root / "static" / "js"
        todo = [p for stem in WIDGET_CODE for p in sorted(scripts.glob(f"{stem}.*.js"))
                if p.name.split(".")[0] == stem]
        seen: set[Path] = set()
        while todo:
            path = todo.pop()
            if path in seen or not path.is_file():
                continue
            seen.add(path)
            found.setdefault(f"static/js/{path.name}")
            todo += [scripts / name for name in _imports(path)]
        for stem in WIDGET_CODE:                 # a widget's own styles, which its code asks for
            for path in sorted((root / "static" / "css").glob(f"{stem}.*.css")):
                found.setdefault(f"static/css/{path.name}")
        for stem in WIDGET_FONTS:
            for path in sorted((root / "static" / "media").glob(f"{stem}.*.woff2")):
                found.setdefault(f"static/media/{path.name}")
        return tuple(p for p in found if (root / p).is_file())
    except (OSError, ValueError):  # no such folder, or a file that is not text: nothing fetched ahead
        return ()


def _prefetch_links() -> str:
    """The sign-in page's links that fetch code_to_prefetch() into the cache (crossorigin, as
    Streamlit's page asks for its modules, so that the cached copies are the ones it uses)."""
    prefix, kinds = _base_path(), {".js": "script", ".css": "style", ".woff2": "font"}
    return "".join(f'<link rel="prefetch" href="{html.escape(prefix + path)}" '
                   f'as="{kinds.get(Path(path).suffix, "fetch")}" crossorigin>\n' for path in code_to_prefetch())


# ---------------------------------------------------------------- the sign-in page

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>Sign in · Patient progress</title>
{prefetch}<style>
body {{ font-family: "Source Sans Pro", system-ui, -apple-system, "Segoe UI", sans-serif; background: #f6f7f9;
       color: #262730; margin: 0; }}
main {{ max-width: 380px; margin: 9vh auto; background: #fff; border: 1px solid #e3e5e8; border-radius: 10px;
        padding: 28px 32px; box-shadow: 0 1px 3px rgba(0,0,0,.06); }}
h1 {{ font-size: 1.5rem; margin: 0 0 4px; }}
p.lead {{ color: #555; margin: 0 0 18px; }}
label {{ display: block; font-weight: 600; margin: 12px 0 4px; }}
input[type=text], input[type=password] {{ width: 100%; box-sizing: border-box; padding: 9px 10px; font-size: 1rem;
       border: 1px solid #c9ccd1; border-radius: 6px; }}
button {{ margin-top: 18px; width: 100%; padding: 10px; font-size: 1rem; font-weight: 600; color: #fff;
         background: #ff4b4b; border: 0; border-radius: 6px; cursor: pointer; }}
.message {{ padding: 10px 12px; border-radius: 6px; margin: 0 0 14px; }}
.error {{ background: #fdecea; color: #8a1c12; }}
.info {{ background: #e8f1fb; color: #0b3f73; }}
.note {{ font-size: .9rem; color: #555; margin-top: 18px; border-top: 1px solid #eee; padding-top: 12px; }}
code {{ background: #f0f2f6; padding: 1px 4px; border-radius: 4px; }}
@media (max-width: 440px) {{ main {{ margin: 5vh 12px; padding: 22px 20px; }} }}
</style></head>
<body><main>
<h1>Patient progress</h1>
<p class="lead">Sign in to see the clinic's patients and outcomes.</p>
{message}
<form method="post" action="{action}" autocomplete="on">
<input type="hidden" name="next" value="{next}">
<label for="username">User name</label>
<input type="text" id="username" name="username" autocomplete="username" autocapitalize="none" spellcheck="false"
       required autofocus value="{username}">
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>
{note}
</main></body></html>
"""

NOTICES = {
    "signed_out": ("info", "You have signed out."),
    "ended": ("info", "Your session has ended (signed out, idle for too long, or the account was changed). "
                      "Sign in again to go on."),
}


def _page(request: Request, *, message: str = "", kind: str = "error", username: str = "", next_path: str = "/",
          status: int = 200) -> HTMLResponse:
    try:
        accounts = _store()
        has_users, has_demo = accounts.has_users(), accounts.has_demo_users()
    except Exception:  # noqa: BLE001 - shown as "no accounts" below
        has_users, has_demo = False, False
    notice = request.query_params.get("notice")
    if not message and notice in NOTICES:
        kind, message = NOTICES[notice]
    box = f'<p class="message {kind}" role="alert">{html.escape(message)}</p>' if message else ""
    if not has_users:
        note = ('<p class="note">There are no accounts yet. On the dashboard\'s computer, add the first director:'
                f' <code>python -m clinic users add NAME --role director --db {html.escape(str(_database()))}</code>'
                ' (it asks for a password of 12 characters or more).</p>')
    elif has_demo:
        note = ('<p class="note">This is a demo database with demo accounts: <code>director</code>, and one per '
                'therapist named after them in lower case (for example <code>birch</code>), each with the '
                'password <code>demo</code>. Real databases have no demo accounts.</p>')
    else:
        note = '<p class="note">Forgot your password? The clinic director can set a new one.</p>'
    body = PAGE.format(message=box, action=html.escape(SIGN_IN_PATH), next=html.escape(next_path),
                       username=html.escape(username), note=note, prefetch=_prefetch_links())
    return HTMLResponse(body, status_code=status, headers={
        "Cache-Control": "no-store",
        # Prefetching falls under default-src alone; everything else this page might load or run is
        # refused by name (it runs no script and shows no image or font of the server).
        "Content-Security-Policy": "default-src 'self'; script-src 'none'; connect-src 'none'; img-src 'none'; "
                                   "font-src 'none'; media-src 'none'; object-src 'none'; frame-src 'none'; "
                                   "worker-src 'none'; manifest-src 'none'; style-src 'unsafe-inline'; "
                                   "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    })


BUILDING_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="2">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Starting · Patient progress</title>
<style>body {{ font-family: system-ui, sans-serif; background: #f6f7f9; color: #262730; }}
main {{ max-width: 420px; margin: 12vh auto; background: #fff; border: 1px solid #e3e5e8; border-radius: 10px;
padding: 28px 32px; }} h1 {{ font-size: 1.4rem; }} .bar {{ height: 6px; background: #eee; border-radius: 3px;
overflow: hidden; }} .bar span {{ display: block; height: 100%; width: 40%; background: #ff4b4b;
animation: move 1.4s ease-in-out infinite; }} @keyframes move {{ from {{ margin-left: -40%; }}
to {{ margin-left: 100%; }} }} @media (max-width: 470px) {{ main {{ margin: 8vh 12px; padding: 22px 20px; }} }}
</style></head>
<body><main role="status"><h1>Patient progress is starting</h1>
<p>{text}</p><div class="bar"><span></span></div>
<p style="color:#555;font-size:.9rem">This page refreshes by itself and shows the sign-in when it is ready.</p>
</main></body></html>
"""


def _first_start_page() -> HTMLResponse | None:
    """While the first start builds the demo database: a page that says so (and refreshes)."""
    state = FIRST_START["state"]
    if state == "building":
        text = (f"First start: building a demo database of {store.DEMO_PATIENTS:,} synthetic patients with demo "
                "accounts. This takes a few seconds.")
    elif state == "failed":
        text = ("The demo database could not be built: " + FIRST_START["message"] + ". See the terminal where the "
                "dashboard runs.")
    else:
        return None
    return HTMLResponse(BUILDING_PAGE.format(text=html.escape(text)), status_code=503 if state == "building" else 500,
                        headers={"Cache-Control": "no-store", "Retry-After": "2",
                                 "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                                                            "frame-ancestors 'none'"})


async def sign_in(request: Request) -> Response:
    starting = _first_start_page()
    if starting is not None:
        return starting
    if request.method == "GET":
        return _page(request, next_path=safe_next(request.query_params.get("next")))
    if not _same_origin(request):
        return PlainTextResponse("Sign-in forms are only accepted from this dashboard's own page.", status_code=403)
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > MAX_FORM_BYTES):
        return PlainTextResponse("The sign-in form is too large.", status_code=413)
    try:
        form = await request.form(max_files=0, max_fields=5, max_part_size=MAX_FORM_BYTES)
    except Exception:  # noqa: BLE001 - a malformed body is a failed sign-in, not a traceback
        return _page(request, message="The sign-in form could not be read; try again.", status=400)
    username = str(form.get("username") or "")[:200]
    password = str(form.get("password") or "")[:1000]
    next_path = safe_next(str(form.get("next") or "/"))
    result = _store().sign_in(username, password, client=_client(request))
    if result.token is None:
        return _page(request, message=result.message, username=username, next_path=next_path, status=401)
    response = RedirectResponse(next_path, status_code=303)
    response.set_cookie(COOKIE, result.token, httponly=True, samesite="strict", secure=_secure(request), path="/")
    response.headers["Cache-Control"] = "no-store"
    return response


async def sign_out(request: Request) -> Response:
    if request.method == "POST" and not _same_origin(request):
        return PlainTextResponse("Sign-out is only accepted from this dashboard's own page.", status_code=403)
    token = _cookie_token(request.cookies)
    if request.method == "POST" and token:
        _store().sign_out(token)
    if request.method == "GET" and session_of(request.cookies) is not None:
        # A link cannot sign anyone out (another site could embed it): show a button that posts.
        return HTMLResponse(
            '<!doctype html><meta charset="utf-8"><title>Sign out</title>'
            f'<form method="post" action="{SIGN_OUT_PATH}"><button type="submit">Sign out</button></form>',
            headers={"Cache-Control": "no-store",
                     "Content-Security-Policy": "default-src 'none'; form-action 'self'; frame-ancestors 'none'"})
    response = RedirectResponse(f"{SIGN_IN_PATH}?notice=signed_out", status_code=303)
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict", secure=_secure(request))
    return response


# The Overview is the dashboard's first page, at its root address; people who type the name of its
# page instead (that of pages/overview.py, the first of clinic.ui.PAGES) are sent there.
OVERVIEW_ALIAS = "/overview"


async def overview_alias(request: Request) -> Response:
    """/overview (and /overview/) goes to the dashboard's root with its filters, where Streamlit
    would say "Page not found" over the Overview. The address is relative, so a server with a base
    path sends it to its own root."""
    target = "../" if request.url.path.endswith("/") else "./"
    query = request.url.query
    return RedirectResponse(target + (f"?{query}" if query else ""), status_code=302)


def routes() -> list[Route]:
    return [Route(SIGN_IN_PATH, sign_in, methods=["GET", "POST"]),
            Route(SIGN_OUT_PATH, sign_out, methods=["GET", "POST"]),
            Route(OVERVIEW_ALIAS, overview_alias), Route(OVERVIEW_ALIAS + "/", overview_alias)]


# ---------------------------------------------------------------- guards

def _header(scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return None


_HOST = re.compile(r"^(?:\[(?P<v6>[0-9a-f:.]+)\]|(?P<name>[a-z0-9._-]+))(?::(?P<port>[0-9]{1,5}))?$")


def _host_name(host_header: str) -> str:
    """The name in a Host header ("" when it is not a plain name, address or [v6], with a numeric port)."""
    host = host_header.strip().lower()
    if host.count(":") > 1 and not host.startswith("["):      # a bare IPv6 address
        return host
    match = _HOST.match(host)
    if match is None:
        return ""
    return (match.group("v6") or match.group("name")).rstrip(".")


def allowed_hosts() -> list[str]:
    """Host names this dashboard answers to (see the module docstring)."""
    from streamlit import config

    names = list(LOCAL_HOSTS)
    address = (config.get_option("server.address") or "").strip().lower()
    if address and address not in ("0.0.0.0", "::", "[::]"):
        names.append(address.strip("[]"))
    names += [str(h).strip().lower() for h in (config.get_option("server.allowedHosts") or []) if str(h).strip()]
    names += [h.strip().lower() for h in os.environ.get("CLINIC_ALLOWED_HOSTS", "").split(",") if h.strip()]
    return names


def host_allowed(host_header: str | None, names: list[str]) -> bool:
    if not host_header:
        return False
    host = _host_name(host_header)
    for name in names:
        if name == "*" or name == host:
            return True
        if name.startswith("*.") and host.endswith(name[1:]):
            return True
    try:
        return ipaddress.ip_address(host).is_loopback and any(n in LOCAL_HOSTS for n in names)
    except ValueError:
        return False


class _Guard:
    """An ASGI middleware that judges HTTP and WebSocket requests (`check`) and passes anything else on."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] in ("http", "websocket"):
            await self.check(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def check(self, scope, receive, send):
        raise NotImplementedError

    @staticmethod
    async def refuse(scope, receive, send, response: Response) -> None:
        """A WebSocket is closed before it opens; an HTTP request gets `response`, never cached."""
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        response.headers["Cache-Control"] = "no-store"
        await response(scope, receive, send)


class HostGuard(_Guard):
    """Refuses HTTP and WebSocket requests whose Host header is not one of this server's names."""

    async def check(self, scope, receive, send):
        if host_allowed(_header(scope, b"host"), allowed_hosts()):
            await self.app(scope, receive, send)
            return
        await self.refuse(scope, receive, send, PlainTextResponse(
            "This dashboard does not answer to that host name. Ask the clinic's administrator to add it to "
            "CLINIC_ALLOWED_HOSTS.", status_code=421))


SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),   # other sites never see a page address
    (b"x-frame-options", b"SAMEORIGIN"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]


# Which sign-in each Streamlit session belongs to (Streamlit session id -> the session token's
# hash), noted by every script run; the media guard below reads it.
_owners: "OrderedDict[str, str]" = OrderedDict()
_owners_lock = threading.Lock()
MAX_NOTED_SESSIONS = 20000


# Media files (downloads) -> the Streamlit sessions whose pages were sent them, noted as each is
# added. Streamlit forgets a session's files when its next run starts and maps them again as the
# page is redrawn, and a download made when its button is pressed (ui.download) is mapped to no
# session at all, so without this note the guard below could refuse a person the file their own
# page holds.
_sent: "OrderedDict[str, set[str]]" = OrderedDict()
MAX_NOTED_FILES = 20000


def note_streamlit_session(streamlit_session_id: str, token_hash: str) -> None:
    """Remembers that a Streamlit session (one browser tab) runs under this sign-in."""
    with _owners_lock:
        _owners[streamlit_session_id] = token_hash
        _owners.move_to_end(streamlit_session_id)
        while len(_owners) > MAX_NOTED_SESSIONS:
            _owners.popitem(last=False)
    _note_files_sent()


def _media_id(url_or_path: str) -> str:
    """The media file id in a /media/<id>.<ext> address."""
    return url_or_path.rsplit("/", 1)[-1].split(".", 1)[0]


def _note_sent(file_id: str, session_id: str) -> None:
    with _owners_lock:
        _sent.setdefault(file_id, set()).add(session_id)
        _sent.move_to_end(file_id)
        while len(_sent) > MAX_NOTED_FILES:
            _sent.popitem(last=False)


def _note_files_sent() -> None:
    """Makes the runtime's media manager note which session each file it adds was sent to
    (_sent): a file added during a script run, and a download made when its button is pressed
    (ui.later; the session that registered it, whose page holds the button). Done once per runtime."""
    try:
        from streamlit.runtime import Runtime
        from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

        if not Runtime.exists():
            return
        manager = Runtime.instance().media_file_mgr
    except Exception:  # noqa: BLE001 - no runtime: nothing is served, nothing to note
        return
    add, execute = manager.add, manager.execute_deferred
    if getattr(add, "clinic_notes_sessions", False):
        return

    def noting_add(*args, **kwargs) -> str:
        url = add(*args, **kwargs)
        ctx = get_script_run_ctx()
        if ctx is not None:
            _note_sent(_media_id(url), ctx.session_id)
        return url

    def noting_execute(file_id: str) -> str:
        # The file made is stored under an id of its own, mapped to no session: without this note
        # nobody could fetch it. Its maker's session is the one the button was sent to.
        with manager._lock:
            entry = manager._deferred_callables.get(file_id)
        url = execute(file_id)
        if entry is not None:
            _note_sent(_media_id(url), entry["session_id"])
        return url

    noting_add.clinic_notes_sessions = True
    manager.add, manager.execute_deferred = noting_add, noting_execute


def media_sign_ins(file_id: str) -> set[str]:
    """The sign-ins (token hashes) whose pages were sent this media file (a download, an image)."""
    try:
        from streamlit.runtime import Runtime

        if not Runtime.exists():
            return set()
        manager = Runtime.instance().media_file_mgr
        with manager._lock:
            sessions = [sid for sid, files in manager._files_by_session_and_coord.items() if file_id in files.values()]
            sessions += [sid for sid, ids in manager._deferred_ids_by_session.items() if file_id in ids]
    except Exception:  # noqa: BLE001 - without the runtime's records nobody owns the file
        return set()
    with _owners_lock:
        sessions += _sent.get(file_id, ())
        return {_owners[sid] for sid in sessions if sid in _owners}


class SignInGuard(_Guard):
    """Lets only the sign-in routes and static code through without a valid session, and a media
    file (a download) only to the sign-in whose page it was made for."""

    async def check(self, scope, receive, send):
        path = scope.get("path", "")
        if path in OPEN_PATHS or path.startswith(OPEN_PREFIXES):
            await self.app(scope, receive, _with_headers(send, scope))
            return
        cookies = Request(scope).cookies if scope["type"] == "http" else _websocket_cookies(scope)
        signed_in = session_of(cookies)
        if signed_in is not None and path.startswith("/media/"):
            file_id = _media_id(path)
            if signed_in.token_hash not in media_sign_ins(file_id):
                # someone else's download (a shared or guessed link): as if it did not exist
                await self.refuse(scope, receive, send, PlainTextResponse("Not found.", status_code=404))
                return
        if signed_in is not None:
            await self.app(scope, receive, _with_headers(send, scope))
            return
        if scope.get("method", "GET") == "GET" and not path.startswith(("/_stcore/", "/media/", "/component/", "/app/")):
            query = scope.get("query_string", b"").decode("latin-1")
            target = quote(path, safe="/") + (f"?{query}" if query else "")
            response: Response = RedirectResponse(f"{SIGN_IN_PATH}?{urlencode({'next': safe_next(target)})}",
                                                  status_code=303)
        else:
            response = PlainTextResponse("Sign in first.", status_code=401)
        await self.refuse(scope, receive, send, response)


def _websocket_cookies(scope) -> dict:
    from http.cookies import SimpleCookie

    jar = SimpleCookie()
    try:
        jar.load(_header(scope, b"cookie") or "")
    except Exception:  # noqa: BLE001 - a malformed cookie header carries no session
        return {}
    return {key: morsel.value for key, morsel in jar.items()}


def _base_path() -> str:
    """The server's base path, "/" or "/base/" (Streamlit's server.baseUrlPath)."""
    try:
        import streamlit as st

        base = (st.get_option("server.baseUrlPath") or "").strip("/")
    except Exception:  # noqa: BLE001 - outside a configured server: the root
        base = ""
    return f"/{quote(base)}/" if base else "/"


# The cookie in which the dashboard's page keeps the browser window's width in px (_base_url_script).
WINDOW_COOKIE = "clinic_window"


def _base_url_script() -> bytes:
    """The script put first in the dashboard's page: it names the server's base address, so that
    Streamlit's frontend connects to it at once (without it, a page opened at /cohorts first asks
    /cohorts/_stcore/health (404) and tries the root 100 ms later, on every reload and link), and it
    keeps the window's width in a cookie (WINDOW_COOKIE), which the server reads as the
    page connects, to draw its charts for that width (clinic.ui.figure_px). The width, a number of
    px, is all the cookie holds."""
    base = _base_path()
    return (b"<script>window.__streamlit={BACKEND_BASE_URL:location.origin+" + f'"{base}"'.encode() + b"};"
            b"(function(){function w(){document.cookie='" + WINDOW_COOKIE.encode() + b"='+Math.round(innerWidth)"
            + f"+';path={base};SameSite=Strict'".encode()
            + b"+(location.protocol==='https:'?';Secure':'')}w();addEventListener('resize',w)})();</script>")


# On a touch screen (no hover) Streamlit shows a table's toolbar (search, download, full screen) at
# all times, 44 px above the table, over the end of the text before it ("Look the patient up by
# id in the bo…"): there the table keeps that much room above it (16 px of it the usual gap).
TOUCH_STYLE = (b"<style>@media (hover: none){.stElementContainer:has(>[data-testid=stFullScreenFrame]"
               b">[data-testid=stDataFrame]){margin-top:28px}}</style>")


def _with_base_url(body: bytes) -> bytes:
    """Streamlit's page with the base address script (_base_url_script) and TOUCH_STYLE first in
    its head."""
    head = body.find(b"<head>")
    if head < 0 or b"window.__streamlit" in body:
        return body
    at = head + len(b"<head>")
    return body[:at] + _base_url_script() + TOUCH_STYLE + body[at:]


def _with_headers(send, scope):
    """Adds the security headers (and no caching of pages, data and downloads) to HTTP responses,
    and the base address script and the touch-screen style (_with_base_url) to Streamlit's page."""
    if scope["type"] != "http":
        return send
    path = scope.get("path", "")
    private = not path.startswith("/static/")
    held: dict = {}

    async def sending(message):
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            present = {k.lower() for k, _ in headers}
            headers += [(k, v) for k, v in SECURITY_HEADERS if k not in present]
            if private:
                headers = [(k, v) for k, v in headers if k.lower() != b"cache-control"]
                headers.append((b"cache-control", b"no-store"))
            message = {**message, "headers": headers}
            kind = dict((k.lower(), v) for k, v in headers)
            if (scope.get("method") == "GET" and kind.get(b"content-type", b"").startswith(b"text/html")
                    and kind.get(b"content-encoding", b"gzip") == b"gzip"
                    and path not in OPEN_PATHS and not path.startswith(("/static/", "/_stcore/"))):
                held["start"], held["body"] = message, []      # the page: sent whole once read
                held["gzip"] = b"content-encoding" in kind
                return
        elif message["type"] == "http.response.body" and "start" in held:
            held["body"].append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = b"".join(held.pop("body"))
            if held["gzip"]:
                body = gzip.compress(_with_base_url(gzip.decompress(body)), mtime=0) if body else body
            else:
                body = _with_base_url(body)
            start = held.pop("start")
            # the body is no longer the file's: its length changed, and its file tags no longer name it
            headers = [(k, v) for k, v in start["headers"]
                       if k.lower() not in (b"content-length", b"etag", b"last-modified")]
            headers.append((b"content-length", str(len(body)).encode()))
            await send({**start, "headers": headers})
            message = {"type": "http.response.body", "body": body, "more_body": False}
        await send(message)

    return sending


def middleware() -> list[Middleware]:
    return [Middleware(HostGuard), Middleware(SignInGuard)]


# The demo database a first start builds: "idle", "building", "failed" (with a message) or "done".
FIRST_START = {"state": "idle", "message": ""}


def start_first_build(path: Path) -> threading.Thread:
    """Builds the demo database (and its demo accounts) at `path` in the background; meanwhile the
    sign-in page says so and refreshes itself."""
    FIRST_START.update(state="building", message="")
    print(f"First start: building a demo database of {store.DEMO_PATIENTS:,} synthetic patients at {path} …",
          flush=True)

    def build() -> None:
        try:
            store.ensure_database(path)
        except Exception as exc:  # noqa: BLE001 - said on the sign-in page and in the terminal
            FIRST_START.update(state="failed", message=str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
            print(f"The demo database could not be built: {FIRST_START['message']}", flush=True)
            return
        FIRST_START.update(state="done")
        print("The demo database is ready: sign in as director / demo.", flush=True)

    thread = threading.Thread(target=build, name="first-start-demo", daemon=True)
    thread.start()
    return thread


def start_warm_up(path: Path) -> threading.Thread:
    """Readies what every first page needs while the server waits for its first visitor: the
    dashboard's modules (pandas, Plotly and the pages' helpers load in a few seconds), the database's
    per-course facts, today's open courses (shared by every page and every user through
    st.cache_data) and the Overview as the director first sees it, so the first page after a start
    costs what any other does."""
    def warm() -> None:
        code_to_prefetch()      # the sign-in page's list of Streamlit's files, read once, off the event loop
        try:
            import datetime as dt

            # what the Overview imports, loaded now rather than on the first visit
            from clinic import exports, flags, privacy, ui  # noqa: F401
            from clinic.charts import overview, pain  # noqa: F401

            # Streamlit's own first-use costs, paid once per process (0.2 s each on this machine):
            # the emoji pattern behind the page icon, and the check for a Python prompt (a look at
            # every frame of the stack) before the first element is sent.
            from streamlit import delta_generator, string_util

            string_util.is_emoji("\N{STETHOSCOPE}")
            getattr(delta_generator, "_maybe_print_use_warning", lambda: None)()

            if path.exists():
                from clinic.filters import Filters

                version = store.data_version(path)
                ui._ensure_facts(str(path), version)
                today = Filters(as_of=dt.date.today())
                ui._open_courses(str(path), store.data_version(path), today.as_of, today.relief_rule,
                                 today.settings.planned_sessions)
                ui.warm_overview(path, today)       # the director's default Overview, read ahead
        except Exception as exc:  # noqa: BLE001 - a first visit then does the work itself, and says why
            print(f"Warming up the dashboard did not finish ({exc}); the first page will take longer.", flush=True)
        try:
            # then what the other pages need, which a first visit to the Overview does not wait for:
            # their charts, statistics (statsmodels loads in about a second) and helpers
            from clinic.charts import adherence, cohorts, patients, relief  # noqa: F401
            from clinic import casemix, funnel, relief_time, report, trajectory  # noqa: F401
            from statsmodels.genmod import families, generalized_linear_model  # noqa: F401
        except Exception as exc:  # noqa: BLE001 - each page imports what it needs anyway
            print(f"Loading the pages' modules ahead did not finish ({exc}).", flush=True)
        try:
            # and last, the expected course of every group as of today, which Patients and Protocol
            # safety judge the director's courses against: a pass over every completed course's
            # scores (1-1.5 s at 2,000,000 patients) that their first visits then skip
            if path.exists():
                import datetime as dt

                from clinic import ui
                from clinic.filters import Filters

                today = Filters(as_of=dt.date.today())
                ui._expected_paths(str(path), store.data_version(path), today.as_of, today.relief_rule,
                                   today.settings.planned_sessions, today.settings.fewest_courses(False))
        except Exception as exc:  # noqa: BLE001 - those pages compute it themselves
            print(f"Reading the expected courses ahead did not finish ({exc}).", flush=True)
        # Streamlit collects garbage fully after every script run. With pandas, Plotly, SciPy and
        # statsmodels loaded that meant looking at about 200,000 long-lived objects each time, 0.1 s
        # of every page, more than the page itself. Frozen, the modules' objects are left out of
        # those collections (objects made later, such as cached results, are not).
        gc.collect()
        gc.freeze()

    thread = threading.Thread(target=warm, name="warm-up", daemon=True)
    thread.start()
    return thread


@asynccontextmanager
async def lifespan(app):
    """On first start at the default path, starts building the demo database (with its demo
    accounts), so the two-command start works without any set-up; otherwise starts warming up
    (start_warm_up). Either way the server answers at once."""
    from streamlit.runtime.pages_manager import PagesManager

    from clinic import db

    os.umask(0o077)     # the database, its access file and reports are readable by their owner only
    # The menu is the one dashboard.py builds with st.navigation. Streamlit only learns that when the
    # first script run calls it; until then a fresh server treats pages/ as its old pages directory
    # (a lowercase list of the files as the menu, and a page file run on its own). Say it up front.
    PagesManager.uses_pages_directory = False
    path = _database()
    if not path.exists() and path == db.DEFAULT_DB:
        start_first_build(path)
    else:
        start_warm_up(path)
    yield
