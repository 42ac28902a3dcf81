"""Streamlit glue shared by dashboard.py and the pages: setup, sidebar filters, page guard, cached
reads and friendly errors.

Pages call only this module (and clinic.charts) to get data; they never open the database. Every
cached read takes the database path, its data version (so an import shows at once) and the whole
filter set as its key. Connections are read-only and live for one script run (store.one_reader), so
an import from the command line can run while the dashboard serves pages.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import pickle
import runpy
import threading
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import streamlit as st

from clinic import access, db, exports, facts, metrics, store
from clinic import settings as settings_mod
from clinic.text import for_markdown, markdown_filters
from clinic.filters import (AGE_BANDS, DIAGNOSES, DIAGNOSIS_LABELS, EARLIEST_DATE, LATEST_START_DATE,
                            RELIEF_RULE_LABELS, RELIEF_RULES, SEX_LABELS, SEXES, Filters, parse_url_date, url_label,
                            url_params)

ENTRY = "dashboard.py"
_run = threading.local()   # set by the entry for the length of one script run

FILTER_KEYS = ("as_of", "from", "to", "therapist", "site", "diagnosis", "age", "sex", "relief")


# ---------------------------------------------------------------- errors

@contextmanager
def friendly_errors():
    """Turns the ways a database can fail into a plain message instead of a traceback."""
    try:
        yield
    except db.DatabaseLocked:
        st.warning("The database is busy with an import right now. Reload the page in a few seconds.")
        st.stop()
    except db.NotADatabase as exc:
        st.error(f"CLINIC_DB does not name a database: {for_markdown(exc)}")
        st.stop()
    except FileNotFoundError:
        st.error("There is no database yet. Import session files on the Import page, "
                 "or build the demo with `python -m clinic demo`.")
        st.stop()
    except duckdb.Error as exc:
        st.error(f"The database could not be read: {for_markdown(str(exc).splitlines()[0])}")
        st.stop()


# ---------------------------------------------------------------- entry set-up

@st.cache_resource(show_spinner=False)
def _ensure_demo(path: str) -> bool:
    return store.ensure_database(Path(path))


@st.cache_resource(show_spinner=False, max_entries=8)
def _ensure_facts(path: str, data_version: str) -> bool:
    return facts.ensure(Path(path))


# (database, data version) pairs whose facts this process has found or brought up to date
_FACTS_READY: set[tuple[str, str]] = set()
FACTS_REBUILD_TEXT = ("Bringing the stored per-course facts up to date: once after an update of the dashboard "
                      "or a change made around it; a few seconds, up to a few minutes for a large network.")


def setup() -> Path:
    """The database path; on first start at the default path, builds the demo database there.

    An explicitly chosen database ($CLINIC_DB) that is missing is left to the Import page (the
    entry says so once someone has signed in). A database whose per-course facts are missing or out
    of date (written by an older version, or around the importer) gets them once per change.
    """
    path = store.database_path()
    if path.exists():
        ready = (str(path), store.data_version(path))
        if ready not in _FACTS_READY:
            # Facts of an older version are rebuilt once (8 s at 200,000 patients, about 2 minutes at
            # 2,000,000), by the server's warm-up or by the first run that asks, which then waits; the
            # spinner shows its text only when that takes more than half a second.
            with st.spinner(FACTS_REBUILD_TEXT, show_time=True), friendly_errors():
                _ensure_facts(*ready)
            _FACTS_READY.add(ready)
    if path.exists() or path != db.DEFAULT_DB:
        return path
    with st.spinner(f"First start: building a demo database of {store.DEMO_PATIENTS:,} synthetic patients…"):
        with friendly_errors():
            _ensure_demo(str(path))
    return path


@contextmanager
def entry_run(path: Path | None, filters: Filters | None, signed_in: access.SignedIn | None = None):
    """Marks this script run as started by the entry, with its database, filters and signed-in user."""
    _run.entry, _run.path, _run.filters, _run.signed_in = True, path, filters, signed_in
    try:
        yield
    finally:
        _run.entry, _run.path, _run.filters, _run.signed_in = False, None, None, None


# The pages: (file, title, icon, who may open it). Every data page is open to therapists, who see
# only the courses they treat; importing, the audit log and the user list are the director's.
PAGES = (
    ("pages/overview.py", "Overview", ":material/home:", "all"),
    ("pages/pain_trends.py", "Pain trends", ":material/trending_down:", "all"),
    ("pages/first_session.py", "First-session relief", ":material/bolt:", "all"),
    ("pages/time_to_relief.py", "Time to relief", ":material/timer:", "all"),
    ("pages/adherence.py", "Adherence", ":material/calendar_month:", "all"),
    ("pages/patients.py", "Patients", ":material/person:", "all"),
    ("pages/cohorts.py", "Cohorts", ":material/groups:", "all"),
    ("pages/fair_comparison.py", "Fair comparison", ":material/balance:", "all"),
    ("pages/protocol_safety.py", "Protocol safety", ":material/health_and_safety:", "all"),
    ("pages/record_session.py", "Record session", ":material/edit_note:", "all"),
    ("pages/import_data.py", "Import", ":material/upload_file:", "director"),
    ("pages/data_quality.py", "Data quality", ":material/rule:", "director"),
    ("pages/audit.py", "Audit log", ":material/policy:", "director"),
    ("pages/users.py", "Users", ":material/manage_accounts:", "director"),
)


# The director's pages that show no patient's figures (importing, the audit log, the user list):
# the sidebar's filters and clinical settings would change nothing there, so they are not drawn.
# What was set stays with the session and is back, in the sidebar and the address, on the next
# data page.
UNFILTERED = frozenset({"import_data", "audit", "users"})
UNFILTERED_NOTE = ("The patient filters and clinical settings do not apply to this page; those you set "
                   "come back on the data pages.")
# Record session reads the as-of date alone (the patients of the courses treated by then, the
# sessions up to then; its form has a therapist field of its own): the sidebar draws that date and
# its Today button, and the others wait for the next data page as above.
AS_OF_ONLY = frozenset({"record_session"})
AS_OF_ONLY_NOTE = ("The other patient filters and clinical settings do not apply to this page; those you set "
                   "come back on the data pages.")
# Data quality checks every stored record as it is now: of the sidebar's filters only the therapist
# and the site narrow its counts, so it draws those two alone (and no clinical settings: the one it
# names, the planned sessions, is the session's, as set on the data pages).
THERAPIST_SITE_ONLY = frozenset({"data_quality"})
THERAPIST_SITE_NOTE = ("The as-of date, the other patient filters and the clinical settings do not apply to this "
                       "page; those you set come back on the data pages.")


def _link_sets_the_view(but: tuple[str, ...] = ()) -> bool:
    """Whether the page's address names a filter or setting (other than those in `but`) this session
    has not set yet: a link to a page that draws fewer filters (UNFILTERED, AS_OF_ONLY,
    THERAPIST_SITE_ONLY) that carries a view (from before those pages left them out). That run draws
    every filter, so the link's view is taken (and said so where it matches nothing) and follows to
    the next page; the page's later runs leave them out."""
    return bool(_asked_in_link(tuple(k for k in (*FILTER_KEYS, *settings_mod.URL_KEYS.values()) if k not in but)))


def _url_path(page_file: str) -> str:
    return Path(page_file).stem


def require_director() -> None:
    """Stops a director's page (import, audit log, users) for anyone else, with a word on why."""
    signed_in = getattr(_run, "signed_in", None)
    if signed_in is not None and signed_in.user.is_director:
        return
    st.title("For the clinic director")
    st.info("Only the clinic director can open this page (importing data, the audit log and the user list). "
            "Your pages are in the menu on the left.")
    st.stop()


def main() -> None:
    """The entry script's body: page set-up, the database, the sign-in, the sidebar, navigation."""
    from clinic import auth

    st.set_page_config(page_title="Patient progress", page_icon="📈", layout="wide")
    path = setup()
    with friendly_access():
        signed_in = auth.current(path)
    if signed_in is None:
        # Signed out: the navigation holds only the sign-in page, at every page's address, so a deep
        # link shows it (not a "page not found" box) and nothing else runs.
        pages = [st.Page(lambda: auth.show_sign_in(path), title="Sign in", url_path=_url_path(f),
                         default=(n == 0)) for n, (f, *_rest) in enumerate(PAGES)]
        st.navigation(pages, position="hidden").run()
        return
    director = signed_in.user.is_director
    pages = []
    for file, title, icon, who in PAGES:
        # A director's page stays reachable by its address for everyone else, hidden from the menu,
        # and says it is the director's (each such page checks the role itself before anything else).
        visible = who == "all" or director
        pages.append(st.Page(file, title=title, icon=icon, default=file == PAGES[0][0],
                             visibility="visible" if visible else "hidden"))
    if not path.exists():     # no database yet: only the Import page can help (the director's)
        if director:
            st.error(f"There is no database at {for_markdown(path)} (set by CLINIC_DB). Import session files on the "
                     "Import page to create it, or build the demo with `python -m clinic demo --db PATH`.")
        pages = [p for p in pages if p.title == "Import" and director] or [
            st.Page(lambda: st.info("There is no database yet. The clinic director imports the first files."),
                    title="No data yet", url_path="no_data", default=True)]
    navigation = st.navigation(pages, expanded=True)     # every page in view: 14 for the director
    with store.one_reader(path):        # every read of this run on one connection, closed at its end
        signed_in_box(path, signed_in)
        if navigation.url_path in UNFILTERED and not _link_sets_the_view():
            filters = None
            st.sidebar.caption(UNFILTERED_NOTE)
        elif navigation.url_path in AS_OF_ONLY and not _link_sets_the_view(but=("as_of",)):
            filters = sidebar_filters(path, scope=signed_in.scope, only="as_of")
        elif navigation.url_path in THERAPIST_SITE_ONLY and not _link_sets_the_view(but=("therapist", "site")):
            filters = sidebar_filters(path, scope=signed_in.scope, only="therapist_site")
        else:
            filters = sidebar_filters(path, scope=signed_in.scope)
        window_watch()
        with entry_run(path, filters, signed_in):
            navigation.run()


@contextmanager
def friendly_access():
    """An unreadable access file is a plain message, never a traceback."""
    import sqlite3

    try:
        yield
    except sqlite3.Error as exc:
        st.error(f"The list of accounts could not be read ({for_markdown(str(exc).splitlines()[0])}). Ask the clinic's "
                 "administrator to check the access file beside the database.")
        st.stop()


def signed_in_box(path: Path, signed_in: access.SignedIn) -> None:
    """Who is signed in, a sign-out button, and the session watch (automatic sign-out when idle)."""
    from clinic import auth

    user = signed_in.user
    with st.sidebar:
        role = "clinic director" if user.is_director else f"therapist {user.therapist}"
        left, right = st.columns([3, 2], vertical_alignment="center")
        left.caption(f"Signed in as **{for_markdown(user.name)}** ({for_markdown(role)})",
                     help=f"Signed out automatically after {access.idle_limit().total_seconds() / 60:g} minutes "
                          "without a click.")
        right.button("Sign out", key="auth.sign_out", on_click=auth.sign_out, args=(path,), width="stretch")
        auth.watch(path, auth.cookie_token())
        st.divider()


def require_entry(page_file: str, needs_data: bool = True) -> tuple[Path, Filters | None]:
    """The first call of every page: returns (database path, filters) set up by the entry.

    On a fresh server, a first request for a page's link runs that file alone (Streamlit's older
    pages-directory mode), skipping dashboard.py and all it sets up (database, filters, later the
    sign-in). Such a run is sent through dashboard.py, which sets everything up and then runs the
    page that was asked for at the same URL; the lone run then stops.
    A page that needs data stops here (the entry has said why) when there is no database.
    """
    if not getattr(_run, "entry", False):
        runpy.run_path(str(db.ROOT / ENTRY), run_name="__main__")
        st.stop()
    if getattr(_run, "signed_in", None) is None:
        st.stop()
    if needs_data and _run.filters is None:
        st.stop()
    return _run.path, _run.filters


def signed_in() -> access.SignedIn:
    """The signed-in user of this run (pages run only after the entry has checked the sign-in)."""
    return _run.signed_in


# ---------------------------------------------------------------- audit

def audit(action: str, detail: dict | None = None) -> None:
    """Appends an entry to the audit log (beside the database) for the person signed in to this run."""
    signed_in = getattr(_run, "signed_in", None)
    access.record(_run.path, signed_in.user.name if signed_in else None, action, detail or {})


def access_store() -> access.AccessStore:
    """The accounts and audit log of this run's database (for the director's pages)."""
    return access.AccessStore.for_database(_run.path)


def share_note(share, of: int, low, high) -> str:
    """'76.0 % of 2,304 · 95 % CI 74.1–77.8 %': a share under a tile's count, its n and its interval.
    The share has the interval's one decimal, so it never reads as lying outside it (66 % beside
    65.3–65.7 %)."""
    from clinic.charts import ci_text

    interval = ci_text(low, high)
    return f"{fmt_pct(share, 1 if interval else 0)} of {of:,}" + (f" · {interval}" if interval else "")


# ---------------------------------------------------------------- charts

# Building a Plotly figure (validating every property it sets) is most of a warm page run's Python
# time: the Overview's three charts take about 40 ms of its 100 ms. The chart builders are pure
# functions of what they are given, so a figure is built once per distinct input and shared by
# every person and rerun that draws the same thing (st.plotly_chart only reads it). The input is
# looked up by a digest of its pickle (_input_digest), not by Streamlit's own hashing, which walks
# lists and dicts an item at a time in Python: the funnel plot's input (a curve of 293 points) took
# 23 ms a run to hash that way, and 0.1 ms to pickle and digest.
@st.cache_resource(max_entries=256, ttl=600, show_spinner=False)
def _figure(digest: str, _build, _args: tuple, _kwargs: dict, _width_px: int | None = None):
    return _built(_build, _args, _kwargs, _width_px)


def _input_digest(build, args: tuple, kwargs: dict, width_px: int | None) -> str | None:
    """A digest of everything a chart is drawn from: the builder's name, its arguments (a pickle
    holds every value, every row of a frame, so two inputs share a digest only when they are the
    same) and the width; None when an argument cannot be pickled."""
    try:
        data = pickle.dumps((f"{build.__module__}.{build.__qualname__}", args, kwargs, width_px), protocol=5)
    except Exception:       # noqa: BLE001 - a lock, a lambda, an open file...: drawn uncached, never an error
        return None
    return hashlib.blake2b(data, digest_size=32).hexdigest()


def _built(build, args: tuple, kwargs: dict, width_px: int | None):
    figure = build(*args, **kwargs)
    if width_px is None:
        return figure
    from clinic.charts.phone import for_width
    return for_width(figure, width_px)


def on_phone() -> bool:
    """Whether this run's browser says it is a phone (its User-Agent has "Mobi", the convention
    browsers follow, or Chromium's `Sec-CH-UA-Mobile: ?1`): its tiles stand one under another. A
    tablet or a narrow desktop window is not one (figure_px fits their charts)."""
    try:
        headers = st.context.headers
        agent, mobile = headers.get("User-Agent") or "", headers.get("Sec-CH-UA-Mobile") or ""
    except Exception:       # no browser behind the run (a test's or the bench's script run)
        return False
    return "Mobi" in agent or mobile.strip() == "?1"


# Streamlit 1.67's layout around a chart drawn width="stretch" in the wide layout, measured in
# Chromium: up to a 768 px window the sidebar is folded away and the page has 16 px on each side;
# wider, the sidebar takes 300 px, and the page has 16 px on each side below an 864 px window, 80 px
# from there on.
SIDEBAR_FOLDS_PX, SIDEBAR_PX, WIDE_PAD_FROM_PX, NARROW_PAD_PX, WIDE_PAD_PX = 768, 300, 864, 16, 80
# Widths are rounded down to this step, so that windows a few px apart share one drawn figure.
FIGURE_STEP_PX = 20


# Where the width the page's charts are drawn at, as the browser measured it after its page
# connected, is kept (window_watch), and the watch itself: an invisible element at the foot of the
# sidebar that measures the main block's content width (a chart's width) and, once it has held still
# 300 ms at 20 px or more from the width this run drew for (`known`, or the last one it sent), sends
# it, which reruns the page. It follows the window's resizing and the sidebar's: dragged wider (which
# Streamlit keeps in the browser's storage, for every later visit) or folded away.
CHART_KEY = "layout.chart_px"
# The cookie in which the watch keeps the last width it measured, with the window's width then
# ("1400x790"), for the page's next connection (reported_chart_px).
CHART_COOKIE = "clinic_chart"
WINDOW_WATCH_JS = """
export default function (component) {
  const { data, setTriggerValue } = component;
  const state = window.__clinicLayout || (window.__clinicLayout = { sent: null });
  const known = data && Number.isInteger(data.known) ? data.known : null;
  const measure = () => {
    const main = document.querySelector('[data-testid="stMainBlockContainer"]');
    if (!main || !main.clientWidth) return null;
    const style = getComputedStyle(main);
    return Math.round(main.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight));
  };
  let timer;
  const remember = (width) => {
    if (!data || !data.cookie) return;
    document.cookie = `${data.cookie}=${Math.round(innerWidth)}x${width};path=${data.path || "/"};SameSite=Strict`
      + (location.protocol === "https:" ? ";Secure" : "");
  };
  const check = () => {
    const width = measure();
    if (width !== null) remember(width);
    const last = state.sent !== null ? state.sent : known;
    if (width !== null && (last === null || Math.abs(width - last) >= 20)) {
      state.sent = width;
      setTriggerValue("chart", width);
    }
  };
  const later = () => { clearTimeout(timer); timer = setTimeout(check, 300); };
  const observer = new ResizeObserver(later);
  for (const id of ["stSidebar", "stMain"]) {
    const element = document.querySelector(`[data-testid="${id}"]`);
    if (element) observer.observe(element);
  }
  window.addEventListener("resize", later);
  later();
  return () => { clearTimeout(timer); observer.disconnect(); window.removeEventListener("resize", later); };
}
"""


@functools.cache
def _window_watch_component():
    return st.components.v2.component("clinic_window_watch", js=WINDOW_WATCH_JS)


def window_watch() -> None:
    """Keeps the charts fitted to the width they are drawn at: the window's width the page reported
    as it connected (clinic.web.WINDOW_COOKIE) is read once, and from it Streamlit's layout with a
    sidebar of its own width is assumed, so a window resized since, or a sidebar dragged wider, kept
    charts fitted to another width (their titles cut). An invisible element in the sidebar measures
    the width and sends it when it differs (WINDOW_WATCH_JS); this run keeps it for the session
    (CHART_KEY), where figure_px finds it first. Each width it measures it also keeps in a cookie
    (CHART_COOKIE), so that the page's next connection in a window as wide starts with it."""
    from clinic.web import _base_path

    with st.sidebar:
        result = _window_watch_component()(key="layout.window_watch",
                                           data={"known": reported_chart_px(), "cookie": CHART_COOKIE,
                                                 "path": _base_path()},
                                           on_chart_change=lambda: None)
    width = getattr(result, "chart", None)
    if _chart_width(width) is not None:
        st.session_state[CHART_KEY] = width


def _chart_width(value) -> int | None:
    """`value` when it is a chart's width in px as the watch sends it, else None."""
    return value if isinstance(value, int) and not isinstance(value, bool) and 100 <= value <= 20_000 else None


def chart_px(window_px: int) -> int:
    """How wide a chart is in a browser window `window_px` wide (the sidebar open where Streamlit
    opens it)."""
    if window_px <= SIDEBAR_FOLDS_PX:
        return window_px - 2 * NARROW_PAD_PX
    padding = NARROW_PAD_PX if window_px < WIDE_PAD_FROM_PX else WIDE_PAD_PX
    return window_px - SIDEBAR_PX - 2 * padding


def reported_chart_px() -> int | None:
    """How wide this run's charts are in its browser: as the browser measured it since its page
    connected (window_watch), else as the watch last measured it in a window as wide as this one
    (CHART_COOKIE: a sidebar dragged wider, or a scroll bar beside the page, are in that figure),
    else worked out from the window's width it reported as it connected (clinic.web.WINDOW_COOKIE,
    chart_px); None when none is known (no browser behind the run)."""
    from clinic.web import WINDOW_COOKIE

    try:
        measured, cookies = st.session_state.get(CHART_KEY), st.context.cookies
        window, remembered = cookies.get(WINDOW_COOKIE), cookies.get(CHART_COOKIE)
    except Exception:       # no browser behind the run
        return None
    if _chart_width(measured) is not None:
        return measured
    window_px = _px(window)
    if window_px is None or not 200 <= window_px <= 20_000:
        return None
    seen_in, _x, seen = str(remembered or "").partition("x")
    if _px(seen_in) == window_px and _chart_width(_px(seen)) is not None:
        return _px(seen)
    return chart_px(window_px)


def _px(text) -> int | None:
    """A cookie's number of px, or None when it is not one (at most five digits)."""
    text = str(text) if text is not None else ""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 5 else None


def figure_px() -> int | None:
    """The width this run's charts are drawn for when it is narrower than the page's figures are
    written for (clinic.charts.phone.PAGE_FIGURE_PX, reached in a 1,360 px window with Streamlit's
    sidebar); None otherwise. The chart's width as the browser reported it (reported_chart_px),
    rounded down to FIGURE_STEP_PX; without it, a phone (on_phone) is taken for the narrowest
    common one."""
    from clinic.charts import phone

    chart = reported_chart_px()
    if chart is None:
        return phone.PHONE_FIGURE_PX if on_phone() else None
    width = chart // FIGURE_STEP_PX * FIGURE_STEP_PX
    return max(width, 200) if width < phone.PAGE_FIGURE_PX else None


def chart(build, *args, width="stretch", key: str | None = None, **kwargs):
    """st.plotly_chart(build(*args, **kwargs)), the figure built once per distinct input (`build` is
    a pure chart function of clinic.charts), and once more for each narrower width a browser draws
    it at, whose titles are broken into lines that fit (figure_px). An input that cannot be pickled,
    or holds a frame of CACHED_FRAME_ROWS rows or more, is built every time. The figure goes to the
    browser with the width it is drawn at, when that is known (drawn_px)."""
    width_px = figure_px()
    if width_px is not None and isinstance(width, int):
        width_px = min(width_px, width)
    digest = _input_digest(build, args, kwargs, width_px) if _small(*args, *kwargs.values()) else None
    drawn = drawn_px(width)
    if digest is None:
        figure = _built(build, args, kwargs, width_px)
        if drawn is not None and figure.layout.width is None:
            figure.layout.width = drawn             # this run's own figure
        return st.plotly_chart(figure, width=width, key=key)
    figure = _figure(digest, build, args, kwargs, width_px)
    with _SENDING:                                  # shared with every session: sized only while sent
        sized = drawn is not None and figure.layout.width is None
        if sized:
            figure.layout.width = drawn
        try:
            return st.plotly_chart(figure, width=width, key=key)
        finally:
            if sized:
                figure.layout.width = None


# Streamlit's chart draws a figure without a width of its own twice as a page is drawn: first hidden
# at Plotly's default width, while the page's layout is still being measured, then again, shown, at
# the width measured (on the Overview at 200,000 patients its charts were all shown 0.2 s later than
# they are now). A figure that comes with the width it ends up at is drawn once. The cached figures
# are shared, so one of them is given its width only for the moment Streamlit writes it out (a
# figure that sets a width of its own keeps it).
_SENDING = threading.Lock()


def drawn_px(width="stretch") -> int | None:
    """The width in px a chart is drawn at in this run's browser when it goes straight into the
    page's main column: that column's width (reported_chart_px) for `width="stretch"`, the smaller
    of it and `width` for a width in px. None for a chart inside a column, tab, expander or other
    container (narrower than the main column), for `width="content"`, or when no browser has
    reported its width."""
    if width != "stretch" and (not isinstance(width, int) or isinstance(width, bool)):
        return None
    try:
        from streamlit.delta_generator_singletons import context_dg_stack
        inside = len(context_dg_stack.get()) > 1
    except Exception:       # noqa: BLE001 - Streamlit's own stack, read where it is: unknown, not sized
        return None
    column = None if inside else reported_chart_px()
    return column if column is None or width == "stretch" else min(width, column)


# A chart drawn from a frame this large is built every time rather than pickled on every run to be
# looked up (no chart of the pages is drawn from one: they are drawn from counts and summaries).
CACHED_FRAME_ROWS = 50_000


def _small(*values) -> bool:
    return all(len(v) < CACHED_FRAME_ROWS for v in values if isinstance(v, (pd.DataFrame, pd.Series)))


def later(make, *args, **kwargs):
    """A download's file, made by `make(*args, **kwargs)` when its button is pressed (on a thread of
    its own, while the browser waits), not on every run of the page: a page with three download
    buttons used to write three files each time it was drawn. `make` returns the file's bytes and
    must not call Streamlit; what it reads is what this run shows."""
    return functools.partial(make, *args, **kwargs)


def csv(frame: pd.DataFrame, first_line: str | None = None):
    """The CSV of `frame` (exports.frame_csv), written when its download button is pressed (later)."""
    return later(exports.frame_csv, frame, first_line)


def download(label: str, data, file_name: str, rows: int, key: str, mime: str = "text/csv", **kwargs):
    """A download button (CSV unless `mime` says otherwise) whose every use is written to the audit
    log (which file, how many rows), by the person signed in to this run. `data` is the file's
    bytes, or (better) a `later(...)` that makes them.

    Either way the file is made, and the entry written, when the button is pressed: Streamlit calls
    the button's function on a thread of its own (only for the browser tab the button was sent to)
    and the browser then fetches the file (clinic/web.py lets only this sign-in have it). Pressing
    it does not rerun the page: a rerun at that moment could drop the file's address on its way to
    the browser, leaving the button spinning. A sign-in that ended since the page was drawn (signed
    out in another tab, disabled, idle) gets no file and no entry: the press fails with a message."""
    from clinic import auth

    path, signed_in = _run.path, getattr(_run, "signed_in", None)
    who = signed_in.user.name if signed_in else None
    token = auth.cookie_token()
    make = data if callable(data) else (lambda: data)

    def made_and_recorded() -> bytes:
        if access.AccessStore.for_database(path).check_session(token, touch=False) is None:
            raise PermissionError("the sign-in of this page has ended: sign in again to download")
        content = make()
        access.record(path, who, "export", {"file": file_name, "rows": int(rows)})
        return content

    return st.download_button(label, made_and_recorded, file_name=file_name, mime=mime, key=key,
                              on_click="ignore", **kwargs)


def list_button(count: int, words: tuple[str, str], key: str, on_click, args: tuple, chosen: bool):
    """A count's "List them" button (Data quality, Protocol safety): disabled with nothing to list,
    primary while its list is the one shown below."""
    one, many = words
    return st.button(f"List {'it' if count == 1 else 'them'}" if count else "Nothing to list", key=key,
                     on_click=on_click, args=args, disabled=not count, type="primary" if chosen else "secondary",
                     width="stretch", help=f"Lists the {count:,} {one if count == 1 else many} below, with a CSV "
                                       "download.")


def regroup_courses(days: int):
    """Re-groups the database's rows without a course id with a new gap (clinic.grouping), audited;
    a plain message instead of a traceback when the database cannot be written now. None then."""
    from clinic import grouping

    path, signed_in = _run.path, getattr(_run, "signed_in", None)
    who = signed_in.user.name if signed_in else None
    store.release_reader()          # this run's read connection would hold the file against the write
    try:
        outcome = grouping.regroup(path, days, who)
    except db.DatabaseLocked:
        st.warning("The database is busy with an import right now. Try again in a few seconds; nothing was changed.")
        return None
    except (settings_mod.SettingsError, db.NotADatabase) as exc:
        st.error(for_markdown(str(exc)))
        return None
    access.record(path, who, "course gap changed", outcome.as_dict())
    return outcome


def opened_course(course_id: str, patient_id: str) -> None:
    """Writes "patient opened" to the audit log once per course and browser session (not on every rerun)."""
    seen = st.session_state.setdefault("audit.opened_courses", set())
    if course_id in seen:
        return
    seen.add(course_id)
    audit("patient opened", {"course_id": course_id, "patient_id": patient_id})


# ---------------------------------------------------------------- cached reads

def version(path: Path) -> str:
    return store.data_version(path)


# A resource, not data: the table is handed out as it is, never copied (an Arrow table cannot be
# changed), where st.cache_data would unpickle a copy for every read. The Overview reads it on every
# run (its downloads' tables), and it holds every course whose planned sessions courses.csv does not
# give when the planned-sessions setting is not 10: 2.3 million at 2,000,000 patients, whose copy took
# 0.5 s of each run.
@st.cache_resource(ttl=3600, max_entries=32, show_spinner=False)
def _open_courses(path: str, data_version: str, as_of: dt.date, relief_rule: str, planned: int) -> pa.Table:
    """metrics.open_courses, cached by what it depends on (the planned-sessions default among the
    settings). Every caller passes every argument, so the warm-up and a visit share one cache key."""
    chosen = settings_mod.DEFAULT.with_(planned_sessions=planned)
    with store.reading(Path(path)) as con:
        return metrics.open_courses(con, Filters(as_of=as_of, relief_rule=relief_rule, settings=chosen))


def open_courses_table(path: str, data_version: str, filters: Filters) -> pa.Table:
    """The `open_courses` table of every filtered query for `filters` (cached; see metrics.open_courses)."""
    return _open_courses(path, data_version, filters.as_of, filters.relief_rule, filters.settings.planned_sessions)


@st.cache_data(ttl=3600, max_entries=32, show_spinner=False)
def _expected_paths(path: str, data_version: str, as_of: dt.date, relief_rule: str, planned: int,
                    fewest: int) -> pa.Table:
    """metrics.expected_paths, cached by what it depends on: one computation over the whole clinic's
    sessions per as-of date serves every course judged against its expected course."""
    chosen = settings_mod.DEFAULT.with_(planned_sessions=planned, min_cohort=fewest)
    table = _open_courses(path, data_version, as_of, relief_rule, planned)
    with store.reading(Path(path)) as con:
        return metrics.expected_paths(con, Filters(as_of=as_of, relief_rule=relief_rule, settings=chosen), table)


def tables_for(path: str, data_version: str, name: str, filters: Filters) -> dict[str, pa.Table]:
    """The registered tables query `name` reads for `filters`, from the caches (see metrics.tables_for)."""
    found = {"open_courses": open_courses_table(path, data_version, filters)}
    if "expected_paths" in db.reads(name):
        found["expected_paths"] = _expected_paths(path, data_version, filters.as_of, filters.relief_rule,
                                                  filters.settings.planned_sessions,
                                                  filters.settings.fewest_courses(bool(filters.scope)))
    return found


def read(path: str, name: str, tables: dict[str, pa.Table], filters: Filters, **extra) -> pd.DataFrame:
    """Runs queries/<name>.sql with these registered tables (tables_for) and filters, uncached and
    without a Streamlit call: what a download's own thread may do."""
    with store.reading(Path(path)) as con:
        return db.run(con, name, **tables, **filters.params(), **extra)


@st.cache_data(ttl=600, max_entries=256, show_spinner=False)
def _query(path: str, data_version: str, name: str, filters: Filters, extra: tuple) -> pd.DataFrame:
    return read(path, name, tables_for(path, data_version, name, filters), filters, **dict(extra))


@st.cache_data(ttl=600, max_entries=256, show_spinner=False)
def _cohort(path: str, data_version: str, filters: Filters, group: str | None) -> list[dict]:
    table = open_courses_table(path, data_version, filters)
    with store.reading(Path(path)) as con:
        return metrics.cohort_rows(con, filters, group, table)


@st.cache_data(ttl=600, max_entries=64, show_spinner=False)
def _plain(path: str, data_version: str, name: str, extra: tuple) -> pd.DataFrame:
    with store.reading(Path(path)) as con:
        return db.run(con, name, **dict(extra))


def query(name: str, filters: Filters | None = None, **extra) -> pd.DataFrame:
    """Runs queries/<name>.sql for the current database and filters (cached)."""
    path, current = _run.path, _run.filters
    with friendly_errors():
        return _query(str(path), version(path), name, filters or current, tuple(sorted(extra.items())))


def query_now(name: str, filters: Filters | None = None, **extra) -> pd.DataFrame:
    """Like query(), but read now and not kept: for a whole list written once to a file (a cached
    copy of a network's every course would stay in memory for minutes, for no later reader)."""
    path, current = _run.path, _run.filters
    filters = filters or current
    tables = tables_for(str(path), version(path), name, filters)
    with friendly_errors(), store.reading(Path(path)) as con:
        # through Arrow: for hundreds of thousands of rows well under half the memory (db.frame)
        return db.frame(con, name, **tables, **filters.params(), **extra)


CSV_PART_ROWS = 50_000      # rows of a long list turned into CSV at a time (query_csv)


def query_csv(name: str, finish, filters: Filters | None = None, **extra) -> exports.PartFile:
    """queries/<name>.sql read now and written as CSV (exports.write_csv) into a file on disk, in parts
    of CSV_PART_ROWS rows, each frame passed through `finish` first: one part in memory at a time,
    never the whole list as one frame nor the file itself (it is read when downloaded)."""
    path, current = _run.path, _run.filters
    filters = filters or current
    tables = tables_for(str(path), version(path), name, filters)
    file = exports.PartFile()
    with friendly_errors(), store.reading(Path(path)) as con:
        with db.batches(con, name, batch_rows=CSV_PART_ROWS, **tables, **filters.params(), **extra) as reader:
            for number, batch in enumerate(reader):
                exports.write_csv(finish(batch.to_pandas(types_mapper=db.PANDAS_TYPES.get)), file.stream,
                                  header=number == 0)
            if not file.size():         # no row: the header alone
                empty = reader.schema.empty_table().to_pandas(types_mapper=db.PANDAS_TYPES.get)
                exports.write_csv(finish(empty), file.stream)
    return file


def plain_query(name: str, **extra) -> pd.DataFrame:
    """Runs a query that takes no filters (for example the filter options), cached."""
    path = _run.path
    with friendly_errors():
        return _plain(str(path), version(path), name, tuple(sorted(extra.items())))


def cohort(group: str | None = None, filters: Filters | None = None) -> list[dict]:
    """Cohort metrics rows (see queries/cohort_metrics.sql) for the current filters."""
    path, current = _run.path, _run.filters
    with friendly_errors():
        return _cohort(str(path), version(path), filters or current, group)


# The Overview (the first page) lists courses to call 2 to 7 days after their last visit, and
# attention lists of the last 30 days; OVERVIEW_READS is every query it runs for a view, so that the
# warm-up can run them for the director's default view before the first visit (warm_overview).
OVERVIEW_CALL_AFTER_DAYS = 2
OVERVIEW_RECENT_DAYS = 30
# A list to act on longer than this shows its most urgent rows (the Overview's lists are cut to them
# in DuckDB); its download has all.
LIST_SHOWN_ROWS = 200
# A list to act on shows this many rows without scrolling (a day's call list, whole); a longer one
# scrolls inside its table, and says so under it.
LIST_VISIBLE_ROWS = 20


def list_height(rows: int) -> int:
    """The px height of a list's table that shows its rows, up to LIST_VISIBLE_ROWS, without scrolling
    (Streamlit's header and rows are 35 px each, plus 3 px of border)."""
    return 38 + 35 * max(1, min(rows, LIST_VISIBLE_ROWS))


# A check's rows (Protocol safety, Data quality) stand in a table at most this tall (11 rows), which
# scrolls past them; a shorter list's table is as tall as its rows, no empty rows below them.
ROWS_TABLE_MOST_PX = 420


def rows_height(rows: int) -> int:
    """The px height of a check's table of `rows` rows: list_height, at most ROWS_TABLE_MOST_PX."""
    return min(ROWS_TABLE_MOST_PX, list_height(rows))


OVERVIEW_READS = (
    ("overview_call_list", (("min_days", OVERVIEW_CALL_AFTER_DAYS),)),
    ("overview_attention", (("list_rows", LIST_SHOWN_ROWS), ("recent_days", OVERVIEW_RECENT_DAYS))),
    ("pain_by_session", (("split", "none"),)),
    ("overview_weekly_pain", ()),
)


# The count tiles of Protocol safety and Data quality: a wrapping row of tiles this wide, four a row
# at 1,400 px with the sidebar open (4 x 220 + 3 gaps of 16 = 928 of 940 px) and two at 1,024 px,
# each wide enough for a count of a network of 2,000,000 patients ("2,652,140", about 150 px) to stay
# whole, where columns of a fixed number cut it to "36,7…".
CHECK_TILE_PX = 220


def narrow_screen() -> bool:
    """Whether this run's page is a phone's or as narrow (figure_px: a chart of a phone's width at
    most), whose screen holds one tile a row."""
    from clinic.charts.phone import PHONE_ONLY_MOST_PX

    if on_phone():
        return True
    width = figure_px()
    return width is not None and width <= PHONE_ONLY_MOST_PX


def tile_row(key: str, **row):
    """A wrapping row of tiles (`tile`), laid out by `row` (st.container's options; a small gap by
    default); on a narrow screen (narrow_screen), which holds one tile a row, a column of tiles as
    wide as the screen (tiles of a fixed width left the rest of the row empty, and tiles stretched
    in a row shared it, two narrower still)."""
    gap = row.pop("gap", "small")
    if narrow_screen():
        return st.container(gap=gap, key=key)
    return st.container(horizontal=True, wrap=True, gap=gap, key=key, **row)


def tile(width_px: int, **box):
    """One bordered tile of a tile_row, `width_px` wide (as wide as the screen on a narrow one)."""
    return st.container(border=True, width="stretch" if narrow_screen() else width_px, **box)


def check_tiles(key: str):
    """The left-aligned row of Protocol safety's and Data quality's count tiles (`check_tile`)."""
    return tile_row(key)


def check_tile():
    """One count tile of a check_tiles row."""
    return tile(CHECK_TILE_PX)


def warm_overview(path: Path, filters: Filters) -> None:
    """Runs, into the shared caches, what the Overview and the sidebar read for `filters`: a
    visit with those filters then queries nothing."""
    key, data_version = str(path), version(path)
    with store.one_reader(path):
        _plain(key, data_version, "filter_options", ())
        _course_gap(key, data_version)
        _cohort(key, data_version, filters, None)
        for name, extra in OVERVIEW_READS:
            _query(key, data_version, name, filters, extra)
    reads = dict(OVERVIEW_READS)
    made = overview_charts(metrics.block((_cohort(key, data_version, filters, None) or [None])[0]),
                           _query(key, data_version, "pain_by_session", filters, reads["pain_by_session"]),
                           _query(key, data_version, "overview_weekly_pain", filters, reads["overview_weekly_pain"]),
                           filters)
    for build, *args in filter(None, made):
        # built as a wide window's page draws them (figure_px None), from the cached copies the page
        # gets: the same digest, so the first visit finds them made
        digest = _input_digest(build, tuple(args), {}, None)
        if digest is not None:
            _figure(digest, build, tuple(args), {}, None)


def overview_charts(summary: dict, by_session: pd.DataFrame, weeks: pd.DataFrame, filters: Filters) -> tuple:
    """The Overview's three charts, each as (builder, *its arguments) for chart(), or None when it
    has nothing to draw: the first-session relief rate against the claim (None when no first session
    can be judged), pain session by session (None when no session number has enough scored courses)
    and pain week by week (None without a scored week; its week of the as-of date in progress while
    that date is today or its week is not over). The page draws them; the warm-up builds them
    ahead."""
    from clinic.charts import overview, pain
    from clinic.filters import RELIEF_RULES

    relief = summary["first_session_relief"]
    return ((overview.relief_claim, relief, RELIEF_RULES[filters.relief_rule]) if relief["rate"] is not None else None,
            (pain.pain_by_session, by_session, "none") if not by_session.empty and by_session.shown.any() else None,
            (overview.weekly_pain, weeks, int(weeks.scored_courses.iloc[0]), filters.as_of, dt.date.today())
            if not weeks.empty else None)


@st.cache_data(ttl=600, max_entries=128, show_spinner=False)
def _private_cohort(path: str, data_version: str, filters: Filters, group: str | None, viewer: str,
                    k: int) -> tuple[list[dict], dict]:
    table = open_courses_table(path, data_version, filters)
    with store.reading(Path(path)) as con:
        return metrics.private_cohort(con, filters, group, viewer, table, k)


def private_cohort(group: str | None) -> tuple[list[dict], dict]:
    """The whole clinic's cohort rows and total as the signed-in therapist may see them: the current
    filters without the scope, small or recoverable cells suppressed (clinic.privacy)."""
    from clinic import privacy

    path, filters = _run.path, _run.filters
    with friendly_errors():
        return _private_cohort(str(path), version(path), filters, group, filters.scope, privacy.min_cell_patients())


def overall(filters: Filters | None = None) -> dict:
    """The nested cohort block (as in `metrics --json`) for all courses that pass the filters."""
    rows = cohort(None, filters)
    return metrics.block(rows[0] if rows else None)


# ---------------------------------------------------------------- the Fair comparison page's reads

@st.cache_data(ttl=600, max_entries=128, show_spinner=False)
def _unit_report(path: str, data_version: str, module: str, filters: Filters, by: str, measure: str,
                 viewer: str | None, k: int) -> dict:
    import importlib

    found = importlib.import_module(f"clinic.{module}")
    table = open_courses_table(path, data_version, filters)
    # The case mix reads a row per course, then fits its model: this run's connection is let go in
    # between, so that the memory DuckDB held for the read is given back before the fit needs its own.
    released = {"read_done": store.release_reader} if module == "casemix" else {}
    with store.reading(Path(path)) as con:
        if viewer:
            return found.private_report(con, filters, by, measure, viewer, table, k, **released)
        return found.report(con, filters, by, measure, table, **released)


def unit_report(module: str, filters: Filters, by: str, measure: str) -> dict:
    """clinic.<module>.report (funnel or casemix) for this run's database, or its private_report for
    a therapist's account (filters.scope), cached by every input."""
    from clinic import privacy

    path = _run.path
    with friendly_errors():
        return _unit_report(str(path), version(path), module, filters, by, measure, filters.scope,
                            privacy.min_cell_patients())


# ---------------------------------------------------------------- sidebar

_LINK_NOTES = "filters.link_notes"    # what the page's address asked for and did not get (see _link_notes)


def _defaults() -> dict:
    return {"as_of": dt.date.today(), "from": None, "to": None, "therapist": [], "site": [], "diagnosis": [],
            "age": [], "sex": [], "relief": "pct30"}


def _forget_link_notes(*keys: str) -> None:
    """Drops the notes about the link's values for these filters (all of them when none is named)."""
    notes = st.session_state.get(_LINK_NOTES, [])
    st.session_state[_LINK_NOTES] = [n for n in notes if keys and n["key"] not in keys]


def _reset_filters() -> None:
    """Sets every sidebar filter back to its default. The widgets are bound to the page's address,
    so they are given their default values (which also takes them out of the address); removing
    their state alone would let the address put the old values straight back."""
    defaults = _defaults()
    for key in FILTER_KEYS:
        st.session_state[key] = defaults[key]
    _forget_link_notes()


def _as_of_today() -> None:
    """The "Today" button: the as-of date back to today (through its state, as the address is bound)."""
    st.session_state["as_of"] = dt.date.today()
    _forget_link_notes("as_of")


def _asked_in_link(keys: tuple[str, ...] = FILTER_KEYS) -> dict[str, list[str]]:
    """The filter values the page's address asks for, read before the widgets exist: Streamlit drops a
    value that is not among a widget's options when the widget binds to the address, silently.

    Only for filters this browser session has not set yet, i.e. the first run after a link was opened
    (later the address only mirrors the widgets, and may lag behind them). Empty values are no wish.
    """
    asked = {}
    for key in keys:
        if key in st.session_state:
            continue
        values = [v for v in st.query_params.get_all(key) if v != ""]
        if values:
            asked[key] = values
    return asked


def _quoted(values) -> str:
    return ", ".join(f"'{for_markdown(v)}'" for v in values)


def _listed(labels) -> str:
    return ", ".join(for_markdown(v) for v in labels)


_DATE_WORDS = {"as_of": "figures as of", "from": "courses started from", "to": "courses started until"}
_CHOICE_WORDS = {   # key: (singular, plural, who/which, "showing all …")
    "therapist": ("therapist", "therapists", "who", "all therapists"),
    "site": ("site", "sites", "which", "all sites"),
    "diagnosis": ("diagnosis", "diagnoses", "which", "all diagnoses"),
    "age": ("age band", "age bands", "which", "all ages"),
    "sex": ("sex", "sexes", "which", "patients of every sex"),
}


def _date_note(key: str, texts: list[str], today: dt.date) -> dict | None:
    """The note on a date the link asks for that the date picker does not take (None when it takes it).
    Streamlit reads every value given for a date and drops them all when one is not a date it offers."""
    instead = {"as_of": f"showing today's figures ({today:%d %b %Y})", "from": "showing courses from the first one",
               "to": "showing courses up to the latest"}[key]
    latest = today if key == "as_of" else LATEST_START_DATE
    for text in texts:
        day = parse_url_date(text)
        if key == "as_of" and day is not None and day > today:
            return {"key": key, "level": "error", "text": (
                f"The link asks for figures as of **{day:%d %b %Y}**, a day still to come. Figures cannot be as of "
                "a future date: every course still running would count as dropped out, because no visit after "
                f"today can be on record yet. {instead[0].upper()}{instead[1:]} instead.")}
        if day is None:
            reason = "which is not a date (the dashboard writes dates as YYYY-MM-DD)"
        elif not EARLIEST_DATE <= day <= latest:
            reason = f"outside the dates the dashboard offers ({EARLIEST_DATE:%d %b %Y} to {latest:%d %b %Y})"
        else:
            continue
        shown = f"'{for_markdown(text)}'" if day is None else f"{day:%d %b %Y}"
        return {"key": key, "level": "warning",
                "text": f"The link asks for {_DATE_WORDS[key]} {shown}, {reason}: {instead}."}
    return None


def _choice_note(key: str, asked: list[str], offered: list[str], chosen: list[str], scope: str | None) -> dict | None:
    """The note on values of a multiple choice the link asks for that are not among its options."""
    unmatched = [v for v in dict.fromkeys(asked) if v not in offered]
    if not unmatched:
        return None
    one, many, pronoun, everything = _CHOICE_WORDS[key]
    asked_for = f"{one if len(unmatched) == 1 else many} {_quoted(unmatched)}"
    if key == "therapist" and scope:
        # The link's names are not repeated: a therapist's page names no other therapist.
        text = (f"The link asks for another therapist's courses, but your account shows only the courses you treat "
                f"(**{for_markdown(scope)}**): showing your courses.")
        return {"key": key, "level": "warning", "text": text}
    if key == "therapist":
        why = f"{pronoun} {'has' if len(unmatched) == 1 else 'have'} no courses here"
    elif key == "site":
        why = f"{pronoun} no course here has"
    else:
        why = f"{pronoun} {'is' if len(unmatched) == 1 else 'are'} not among {_listed(offered)}"
    instead = f"showing {_listed(chosen)} only" if chosen else f"showing {everything}"
    return {"key": key, "level": "warning", "text": f"The link asks for {asked_for}, {why}: {instead}."}


def _link_notes(asked: dict[str, list[str]], offered: dict[str, list[str]], shown: dict[str, list[str]],
                scope: str | None, today: dt.date) -> list[dict]:
    """Notes, in words, on each value of the page's address that matched nothing (and what is shown
    instead): {"key", "level" ("warning", or "error" for a future as-of date), "text" (markdown, the
    link's values escaped)}. `offered` and `shown` hold the labels the widgets offer and show."""
    notes = []
    for key, values in asked.items():
        if key in _DATE_WORDS:
            note = _date_note(key, values, today)
        elif key == "relief":
            note = None if values[-1] in offered[key] else {"key": key, "level": "warning", "text": (
                f"The link asks for relief rule '{for_markdown(values[-1])}', which is not among "
                f"{_listed(offered[key])}: showing {for_markdown(shown[key][0])} (the default).")}
        else:
            note = _choice_note(key, values, offered[key], shown[key], scope)
        if note:
            notes.append(note)
    return notes


_BOUND = {"bind": "query-params", "persist_state": "session"}   # the filters' widgets: in the address, kept


def _as_of_picker(today: dt.date) -> dt.date | None:
    """The sidebar's as-of date and its Today button (under the Filters heading)."""
    with st.sidebar:
        st.subheader("Filters")
        left, right = st.columns([3, 2], vertical_alignment="bottom")
        as_of = left.date_input("As of", value=today, min_value=EARLIEST_DATE, max_value=today, key="as_of",
                                format="YYYY-MM-DD",
                                help="Figures use only sessions up to this date; courses count when they started on "
                                     "or before it. It cannot be later than today.", **_BOUND)
        right.button("Today", key="filters.today", on_click=_as_of_today, disabled=as_of == today,
                     help="Back to today's figures.", width="stretch")
    return as_of


def _note_drawn_filters(values: dict, asked: dict[str, list[str]], offered: dict[str, list[str]],
                        scope: str | None, today: dt.date) -> None:
    """The link notes of a sidebar that draws only the filters in `values` (key: value shown): theirs
    from the link when it asked for them (see _link_notes), else kept while the value is unchanged;
    the other filters' notes stay for the next data page, which draws them."""
    notes = st.session_state.get(_LINK_NOTES, [])
    others = [n for n in notes if n["key"] not in values]
    if asked:
        drawn = [{**n, "value": values[n["key"]]} for n in _link_notes(asked, offered, values, scope, today)]
    else:
        drawn = [n for n in notes if n["key"] in values and values[n["key"]] == n["value"]]
    st.session_state[_LINK_NOTES] = others + drawn


def _as_of_alone(scope: str | None, today: dt.date) -> Filters:
    """sidebar_filters(only="as_of"): the as-of date alone, its link note kept as on every page;
    the other filters' notes stay for the next data page, which draws them."""
    asked = _asked_in_link(("as_of",))
    as_of = _as_of_picker(today)
    st.sidebar.caption(AS_OF_ONLY_NOTE)
    _note_drawn_filters({"as_of": as_of}, asked, {}, scope, today)
    if as_of is None or as_of > today:
        as_of = today
    return Filters(as_of=as_of, scope=scope)


def _therapist_and_site(path: Path, scope: str | None, today: dt.date, therapists: list[str],
                        sites: list[str]) -> Filters:
    """sidebar_filters(only="therapist_site"): the therapist and site filters alone, their link notes
    kept as on every page, the other filters' notes left for the next data page. The Filters hold
    today, those two filters, the scope and the clinical settings as this session last set them."""
    asked = _asked_in_link(("therapist", "site"))
    with st.sidebar:
        st.subheader("Filters")
        chosen_therapists, chosen_sites = _therapist_and_site_pickers(therapists, sites, scope)
        st.caption(THERAPIST_SITE_NOTE)
    _note_drawn_filters({"therapist": chosen_therapists, "site": chosen_sites}, asked,
                        {"therapist": therapists, "site": sites}, scope, today)
    return Filters(as_of=today, therapists=tuple(t for t in chosen_therapists if t in therapists),
                   sites=tuple(chosen_sites), scope=scope, settings=_kept_settings(course_gap(path)))


def _therapist_and_site_pickers(therapists: list[str], sites: list[str], scope: str | None) -> tuple[list, list]:
    """The sidebar's therapist and site filters (in the sidebar block the caller opened)."""
    chosen_therapists = st.multiselect(
        "Therapist", therapists, key="therapist", **_BOUND,
        placeholder=f"Your courses ({scope})" if scope else "All therapists",
        help="Your account shows the courses you treat: those you are the therapist of, or gave a session "
             "of." if scope else None)
    chosen_sites = st.multiselect("Site", sites, key="site", placeholder="All sites", **_BOUND)
    return chosen_therapists, chosen_sites


def sidebar_filters(path: Path, scope: str | None = None, only: str | None = None) -> Filters | None:
    """The shared filters: in the sidebar on every page of figures, kept across pages and in the URL.

    `scope` (a therapist's own account) restricts every query to that therapist's courses; the
    therapist filter then offers only them, and a URL naming another therapist is dropped (and said so).
    None when there is no database to filter yet. `only="as_of"` draws the as-of date alone (AS_OF_ONLY
    pages), and the Filters it returns hold that date and the scope, every other filter at its default;
    `only="therapist_site"` draws the therapist and site filters alone (THERAPIST_SITE_ONLY pages), as
    of today, with the clinical settings the session last set (see _therapist_and_site).

    A value of the page's address that matches nothing (a name no course has, a malformed or future
    date) is not taken, and a note says which and what is shown instead: filters_caption shows it on
    every data page until that filter is changed.
    """
    if not path.exists():
        return None
    today = dt.date.today()
    if only == "as_of":
        return _as_of_alone(scope, today)
    with friendly_errors():
        options = _plain(str(path), version(path), "filter_options", ())
    therapists = [scope] if scope else sorted(options.loc[options.field == "therapist", "value"].tolist())
    sites = sorted(options.loc[options.field == "site", "value"].tolist())
    if only == "therapist_site":
        return _therapist_and_site(path, scope, today, therapists, sites)
    asked = _asked_in_link()
    as_of = _as_of_picker(today)
    with st.sidebar:
        dates = {"min_value": EARLIEST_DATE, "max_value": LATEST_START_DATE, "format": "YYYY-MM-DD"}
        start_from = st.date_input("Courses started from", value=None, key="from", **dates, **_BOUND)
        start_to = st.date_input("Courses started until", value=None, key="to", **dates,
                                 help="Leave either date empty for no limit on that side.", **_BOUND)
        chosen_therapists, chosen_sites = _therapist_and_site_pickers(therapists, sites, scope)
        diagnoses = st.multiselect("Diagnosis", DIAGNOSES, key="diagnosis", placeholder="All diagnoses",
                                   format_func=DIAGNOSIS_LABELS.get, **_BOUND)
        age_bands = st.multiselect("Age band", AGE_BANDS, key="age", placeholder="All ages",
                                   help="Age in the year the course started.", **_BOUND)
        sexes = st.multiselect("Sex", SEXES, key="sex", placeholder="All", format_func=SEX_LABELS.get, **_BOUND)
        st.button("Clear filters", on_click=_reset_filters, width="stretch")
        st.subheader("Clinical settings")
        relief_rule = st.radio("First-session relief means", list(RELIEF_RULES), key="relief",
                               format_func=RELIEF_RULE_LABELS.get, help=RELIEF_RULES["pct30"] + " (the default)",
                               **_BOUND)
        chosen_settings = settings_panel(course_gap(path))
    if start_from and start_to and start_from > start_to:
        st.sidebar.warning("The start range ends before it begins, so no course can match.")
    values = {"as_of": as_of, "from": start_from, "to": start_to, "therapist": chosen_therapists,
              "site": chosen_sites, "diagnosis": diagnoses, "age": age_bands, "sex": sexes, "relief": relief_rule}
    if asked:
        offered = {"therapist": therapists, "site": sites, "diagnosis": [url_label("diagnosis", d) for d in DIAGNOSES],
                   "age": list(AGE_BANDS), "sex": [url_label("sex", s) for s in SEXES],
                   "relief": [url_label("relief", r) for r in RELIEF_RULES]}
        shown = {key: [url_label(key, v) for v in (value if isinstance(value, list) else [value])]
                 for key, value in values.items() if key in offered}
        notes = _link_notes(asked, offered, shown, scope, today)
        # Each note stays with the value shown instead of the link's, until the filter is changed.
        st.session_state[_LINK_NOTES] = [{**n, "value": values[n["key"]]} for n in notes]
    else:
        st.session_state[_LINK_NOTES] = [n for n in st.session_state.get(_LINK_NOTES, [])
                                         if values.get(n["key"]) == n["value"]]
    if as_of is None or as_of > today:    # never computes with a future date (the picker ends today)
        as_of = today
    return Filters(as_of=as_of, start_from=start_from, start_to=start_to,
                   therapists=tuple(t for t in chosen_therapists if t in therapists), sites=tuple(chosen_sites),
                   diagnoses=tuple(diagnoses), age_bands=tuple(age_bands), sexes=tuple(sexes),
                   relief_rule=relief_rule or "pct30", scope=scope, settings=chosen_settings)


# The settings panel's widgets: setting -> the key (and the name in the page's address) of its widget.
SETTING_KEYS = settings_mod.URL_KEYS


def _reset_settings() -> None:
    """The "Default settings" button: every setting of the panel back to the clinic's protocol."""
    for name, key in SETTING_KEYS.items():
        st.session_state[key] = getattr(settings_mod.DEFAULT, name)


def _kept_settings(gap_days: int = settings_mod.DEFAULT.course_gap_days) -> settings_mod.Settings:
    """The clinical settings as the panel last set them in this session (its widgets keep their
    values while a page does not draw them), with the database's course gap; the defaults for any
    the session has not set, and all of them if what is kept does not make valid settings."""
    default = settings_mod.DEFAULT
    values = {name: st.session_state.get(key) for name, key in SETTING_KEYS.items()}
    values = {name: getattr(default, name) if value is None else value for name, value in values.items()}
    try:
        return settings_mod.Settings(**values, course_gap_days=gap_days)
    except settings_mod.SettingsError:
        return settings_mod.Settings(course_gap_days=gap_days)


@st.cache_data(ttl=3600, max_entries=16, show_spinner=False)
def _course_gap(path: str, data_version: str) -> int:
    from clinic import grouping
    with store.reading(Path(path)) as con:
        return grouping.stored_gap(con)


def course_gap(path: Path) -> int:
    """The database's course gap (clinic.grouping): rows without a course id start a new course after more days."""
    with friendly_errors():
        return _course_gap(str(path), version(path))


def settings_panel(gap_days: int = settings_mod.DEFAULT.course_gap_days) -> settings_mod.Settings:
    """The clinical settings (beside the relief rule), in the sidebar, kept across pages and in the
    page's address like the filters. Each widget holds only values in range; the panel returns them
    as one validated Settings, with the database's course gap (`gap_days`), which only the director
    changes (Data quality page) because it decides which courses exist."""
    default = settings_mod.DEFAULT
    chosen = {}
    with st.expander("Thresholds", expanded=False):
        chosen["mcid"] = st.radio("Minimal clinically important difference", list(settings_mod.MCID_RULES),
                                  key=SETTING_KEYS["mcid"], format_func=settings_mod.MCID_LABELS.get,
                                  help="How much pain must fall for progress: " + settings_mod.MCID_RULES["points2"]
                                       + " (the default), or " + settings_mod.MCID_RULES["pct30"] + ".", **_BOUND)
        for name in ("progress_after", "adherence_pct", "dropout_gap_days", "planned_sessions", "min_cohort"):
            low, high, unit, text, help_text = settings_mod.RANGES[name]
            chosen[name] = st.number_input(f"{text} ({unit})", min_value=low, max_value=high,
                                           value=getattr(default, name), step=1, key=SETTING_KEYS[name],
                                           help=f"{help_text} Default {getattr(default, name)}.", **_BOUND)
        st.caption(f"New inferred course after a gap of more than {gap_days} days: the database's own, as it "
                   "decides which courses exist. The clinic director changes it on the Data quality page.")
        values = {name: (getattr(default, name) if value is None else value) for name, value in chosen.items()}
        changed = [name for name, value in values.items() if value != getattr(default, name)]
        st.button("Default settings", key="settings.reset", on_click=_reset_settings, disabled=not changed,
                  width="stretch")
    if changed:         # said outside the folded panel, so a link's settings are never applied unseen
        st.caption(f"{len(changed)} threshold{'s differ' if len(changed) > 1 else ' differs'} from the clinic's "
                   "defaults: " + ", ".join(settings_mod.RANGES[n][3].lower() if n in settings_mod.RANGES else "MCID"
                                            for n in changed) + ".")
    values["course_gap_days"] = gap_days
    try:
        return settings_mod.Settings(**values)
    except settings_mod.SettingsError:        # never reached through the widgets' ranges; defaults if it were
        return default


# ---------------------------------------------------------------- small drawing helpers

# Widths (px) that keep a field's value whole in a row that wraps (st.container(horizontal=True,
# wrap=True)): a date "2026-12-07" with its calendar icon, a short choice (a user or therapist
# name), a time "HH:MM". As columns of a laptop's window (1,000 px, the sidebar open) they were cut.
DATE_PX, CHOICE_PX, TIME_PX = 150, 170, 90


def fmt_pct(value, digits: int = 0) -> str:
    return "—" if value is None or pd.isna(value) else f"{value * 100:.{digits}f} %"


# What a table shows in an empty cell (Streamlit's own default is the word "None").
MISSING = "—"


def table_config(frame: pd.DataFrame, columns: dict[str, tuple], right: tuple[str, ...] = (),
                 pinned: tuple[str, ...] = ()) -> dict:
    """st.dataframe's column_config for a table described by `columns`: column -> (header, help,
    format), the format one of clinic.charts.CELL_FORMATS, each column as wide as its header or its
    widest cell (charts.fitted_widths). Columns of `frame` not named are hidden; the text columns in
    `right` (numbers written as text) are aligned right, and those in `pinned` stay in view when the
    table scrolls sideways."""
    from clinic.charts import fitted_widths

    widths = fitted_widths(frame, columns)
    formats = {"count": "localized", "pct1": "%.1f", "ratio2": "%.2f"}
    config = {column: None for column in frame.columns if column not in columns}
    for column, (header, help_text, kind) in columns.items():
        if kind == "date":
            config[column] = st.column_config.DateColumn(header, help=help_text, format="YYYY-MM-DD",
                                                         width=widths[column], pinned=column in pinned)
        elif kind == "text":
            config[column] = st.column_config.Column(header, help=help_text, width=widths[column],
                                                     alignment="right" if column in right else None,
                                                     pinned=column in pinned)
        else:
            config[column] = st.column_config.NumberColumn(header, help=help_text, format=formats[kind],
                                                           width=widths[column])
    return config


# Columns holding a share (0-1) that a table shows as per cent, with this many decimals.
SHARE_COLUMNS = {"adherence": 0}


def show_table(frame: pd.DataFrame, labels: dict[str, str] | None = None, height: int | None = None,
               key: str | None = None, config: dict | None = None, shares: dict[str, int] | None = None,
               **kwargs):
    """A read-only table with readable column names and dates shown as dates (not timestamps).

    Text cells are shown as text by st.dataframe (never as HTML), so notes need no extra escaping.
    `config` overrides the column settings of the columns it names. A share (0-1) in a column of
    SHARE_COLUMNS or `shares` (name: decimals) is shown as per cent as the dashboard writes it
    everywhere, "67 %" (Streamlit's own percent format writes "67%").
    """
    labels = labels or {}
    overrides = config or {}
    config = {}
    shares = {**SHARE_COLUMNS, **(shares or {})}
    scaled = {c: frame[c] * 100 for c in shares if c in frame.columns and c not in overrides}
    if scaled:
        frame = frame.assign(**scaled)
    for column in frame.columns:
        label = labels.get(column, column)
        if column in overrides:
            config[column] = overrides[column]
            continue
        if pd.api.types.is_datetime64_any_dtype(frame[column]):
            config[column] = st.column_config.DateColumn(label, format="YYYY-MM-DD")
        elif pd.api.types.is_integer_dtype(frame[column]) and not column.endswith(("_year", "_no", "number")):
            config[column] = st.column_config.NumberColumn(label, format="localized")
        elif column in scaled:
            config[column] = st.column_config.NumberColumn(label, format=f"%.{shares[column]}f %%")
        elif column.endswith("_pct"):
            config[column] = st.column_config.NumberColumn(label, format="%.1f")
        else:
            config[column] = st.column_config.Column(label)
    if height is None:
        height = min(420, 38 + 35 * max(len(frame), 1))
    kwargs.setdefault("placeholder", MISSING)
    return st.dataframe(frame, column_config=config, hide_index=True, width="stretch", height=height, key=key, **kwargs)


def filters_query(filters: Filters | None = None) -> str:
    """The filters (this run's by default) as the sidebar writes them in the page's address, URL-encoded
    the way Streamlit encodes it: a multiple choice as the name repeated once per chosen value."""
    from urllib.parse import urlencode

    return urlencode(url_params(filters or _run.filters, dt.date.today()))


def patient_links(course_ids, filters: Filters | None = None) -> list[str]:
    """Links that open each course on the Patients page (relative to the dashboard's address) in the
    same view: the as-of date, start range, relief rule and every sidebar filter of `filters` (this
    run's by default) travel with the course, so the patient's page tells the same story."""
    from urllib.parse import urlencode

    view = filters_query(filters)
    return [f"./patients?{view + '&' if view else ''}{urlencode({'patients.course': str(c)})}" for c in course_ids]


def empty_state(message: str) -> None:
    """Says in words why there is nothing to show, then stops the page."""
    st.info(message)
    st.stop()


def filters_caption(filters: Filters) -> None:
    """The filters in words under a page's title (names from data shown as text); then what a link
    asked for and did not get (see sidebar_filters), and, when the figures are not today's, a plain
    notice that says so."""
    st.caption(markdown_filters(filters).describe())
    notes = st.session_state.get(_LINK_NOTES, [])
    for note in notes:
        if note["level"] == "error":
            st.error(note["text"])
    warnings = [note["text"] for note in notes if note["level"] != "error"]
    if len(warnings) == 1:
        st.warning(warnings[0])
    elif warnings:
        st.warning("Some values of this link match nothing here:\n\n" + "\n".join(f"- {w}" for w in warnings))
    if filters.as_of != dt.date.today():
        st.info(as_of_notice(filters.as_of))


def as_of_notice(as_of: dt.date) -> str:
    """The notice every data page shows when its figures are not as of today."""
    return (f"Figures as of **{as_of:%d %b %Y}**, not today: sessions after that date are left out, courses that "
            "started later are not counted, and every course is shown as it stood then. Press **Today** beside "
            "the as-of date in the sidebar for today's figures.")


def no_courses_message(filters: Filters) -> str:
    later = ", or move the as-of date later" if filters.as_of < dt.date.today() else ""
    return (f"No courses match these filters ({markdown_filters(filters).describe()}). Widen the start-date range "
            f"or clear a filter in the sidebar{later}.")
