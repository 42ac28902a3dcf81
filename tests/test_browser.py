"""The dashboard in a real browser: a Streamlit server on the page fixture (conftest.py, as of
2026-03-20) driven by headless Chromium through Playwright, signed in through the real /signin form
(as the director unless a test says otherwise; accounts in the access file beside the database copy).
What a signed-out or therapist browser may receive is tested in test_browser_security.py.

Skipped only when Chromium or playwright is missing and $CI is unset; under CI a missing browser
fails every test here. Screenshots go to test-output/browser/<page>.png (git-ignored).
Run just these: `pytest -m browser`; everything else: `pytest -m "not browser"`.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

pytest.register_assert_rewrite("browser_support")
import browser_support as bs  # noqa: E402
from browser_support import browser, playwright_driver  # noqa: E402,F401  (shared fixtures)

from clinic import ui  # noqa: E402

AS_OF = "as_of=2026-03-20"             # conftest.PAGE_AS_OF

MISSING = bs.missing_tools()
if MISSING and not os.environ.get("CI"):
    pytest.skip(f"browser tests need Chromium and playwright: {MISSING}", allow_module_level=True)


# One worker runs the module: its server (and its browser) start once, not once per worker.
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


# ---------------------------------------------------------------- fixtures



ACCOUNTS = {"director": None, "birch": "Birch", "cedar": "Cedar"}


def with_accounts(database):
    """The database copy, with the test accounts in the access file beside it."""
    bs.add_accounts(database, ACCOUNTS)
    return database


@pytest.fixture
def new_page(browser):
    """Opens pages in fresh browser contexts (each one a new browser: its own cookies and Streamlit
    session); closes them after.
    `new_page(storage_state)` starts the context with a signed-in browser's cookie."""
    contexts = []

    def make(storage_state=None):
        context = browser.new_context(viewport=bs.VIEWPORT, storage_state=storage_state)
        context.set_default_timeout(bs.PATIENCE_MS)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture(scope="module")
def server(page_db, tmp_path_factory):
    """The dashboard on a copy of the page fixture, shared by the read-only tests of this module."""
    folder = tmp_path_factory.mktemp("browser_server")
    with bs.streamlit_server(with_accounts(bs.copy_database(page_db, folder)), folder) as running:
        yield running


@pytest.fixture(scope="module")
def director(server, browser):
    """The director signs in once through the /signin form, landing on the Overview: this page is
    then moved from page to page through the menu (one Streamlit session, as a person does), and
    other tests start fresh browser contexts with its cookie."""
    context = browser.new_context(viewport=bs.VIEWPORT)
    context.set_default_timeout(bs.PATIENCE_MS)
    page = context.new_page()
    bs.sign_in(page, server, "director", next_path="/?" + AS_OF)
    yield {"cookie": context.storage_state(), "page": page}
    context.close()


@pytest.fixture
def page(new_page, director):
    """A page of a fresh browser context in which the director is signed in (on the module's server)."""
    return new_page(director["cookie"])


# ---------------------------------------------------------------- every page

@pytest.mark.parametrize("url_path, name, title, shows_data", bs.PAGES, ids=[p[1] for p in bs.PAGES])
def test_every_page_renders_without_an_exception_and_shows_its_data(server, director, url_path, name, title,
                                                                     shows_data):
    page = director["page"]
    if bs.current_nav_title(page) != title:
        bs.nav_to(page, title)
    shot = bs.screenshot(page, name)
    about = bs.describe(page, shot)

    assert bs.exception_texts(page) == [], f"{title} raised an exception\n{about}"
    assert bs.current_nav_title(page) == title, f"the navigation does not mark {title} as the current page\n{about}"
    assert bs.path_of(page.url) == "/" + url_path, f"{title} is not at its own address\n{about}"
    sidebar = page.locator('[data-testid="stSidebar"]').inner_text()
    if url_path in ui.UNFILTERED:
        # importing, the audit log, the users: no patient figures, so no filters (nor in the address);
        # they come back on the next data page, as they were set
        assert "as_of=" not in page.url and "As of" not in sidebar, f"{title} shows the filters\n{about}"
        assert ui.UNFILTERED_NOTE in sidebar.replace("\n", " "), about
    elif url_path in ui.THERAPIST_SITE_ONLY:
        # Data quality checks every record as it is now: the therapist and site filters alone
        assert "as_of=" not in page.url and "As of" not in sidebar, f"{title} shows the as-of date\n{about}"
        assert "Therapist" in sidebar and "Site" in sidebar and "Diagnosis" not in sidebar, about
        assert ui.THERAPIST_SITE_NOTE in sidebar.replace("\n", " "), about
    else:
        assert "as_of=2026-03-20" in page.url, f"the filters did not follow to {title}\n{about}"
        assert "As of" in sidebar and ui.UNFILTERED_NOTE not in sidebar, about
        # Record session reads the as-of date alone: the other filters wait for the next data page
        as_of_alone = url_path in ui.AS_OF_ONLY
        assert ("Therapist" not in sidebar) == as_of_alone, about
        assert (ui.AS_OF_ONLY_NOTE in sidebar.replace("\n", " ")) == as_of_alone, about
    if shows_data:
        charts = page.locator('[data-testid="stPlotlyChart"]').count()
        tables = page.locator('[data-testid="stDataFrame"]').count()
        assert charts + tables >= 1, f"{title} shows no chart and no table (still a placeholder?)\n{about}"
    assert bs.chart_texts_on_each_other(page) == [], about
    assert bs.tick_labels_on_each_other(page) == [], about


def test_a_link_to_the_audit_log_that_carries_a_view_hands_it_on_to_the_next_page(server, page):
    # The Audit log draws no filters; a link to it from before carries as-of date and therapist all
    # the same, and the Overview reached from the menu shows them (in its address and caption).
    bs.open_page(page, server.url("audit", "as_of=2026-03-18&therapist=Birch"))
    bs.nav_to(page, "Overview")
    about = bs.describe(page)
    assert "as_of=2026-03-18" in page.url and "therapist=Birch" in page.url, about
    assert "as of 18 Mar 2026; therapist: Birch" in page.locator('[data-testid="stMain"]').inner_text(), about
    bs.nav_to(page, "Audit log")                    # the session has the view now: no filters drawn
    assert "As of" not in page.locator('[data-testid="stSidebar"]').inner_text(), bs.describe(page)


def test_a_page_opened_at_its_own_address_connects_to_the_server_root_at_once(server, page):
    asked = []
    page.on("request", lambda request: asked.append(bs.path_of(request.url)))
    bs.open_page(page, server.url("cohorts", AS_OF))
    assert bs.current_nav_title(page) == "Cohorts", bs.describe(page)
    assert "/_stcore/health" in asked, asked
    # no try under the page's own address first (a 404, then the root 100 ms later)
    assert [path for path in asked if path.startswith("/cohorts/")] == [], asked


# ---------------------------------------------------------------- on a phone

PHONE_AGENT = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
               "Chrome/131.0.0.0 Mobile Safari/537.36")
# Every text of each chart outside its plot (title, subtitle, axis titles, legend names, notes) and
# how far past the chart's left or right edge it runs, in px.
_CHART_TEXTS_JS = """() => [...document.querySelectorAll('[data-testid="stPlotlyChart"] .main-svg:first-of-type')]
  .map(svg => { const box = svg.getBoundingClientRect(); const root = svg.closest('[data-testid="stPlotlyChart"]');
    return [...root.querySelectorAll('.infolayer text, .legendtext, .annotation-text')].map(t => {
      const r = t.getBoundingClientRect();
      return [t.textContent, Math.round(Math.max(box.left - r.left, r.right - box.right))]; }); })"""


def chart_texts_past_the_edge(page) -> list:
    return [(text, px) for chart in page.evaluate(_CHART_TEXTS_JS) for text, px in chart if px > 1]


# How far each table's toolbar (shown at all times on a touch screen) reaches over the element
# above the table, in px.
_TOOLBAR_OVERLAP_JS = """() => [...document.querySelectorAll('[data-testid="stDataFrame"]')].map(table => {
  const box = table.closest('[data-testid="stElementContainer"]'); const above = box.previousElementSibling;
  const bar = table.querySelector('[data-testid="stElementToolbar"]');
  if (!above || !bar || getComputedStyle(bar).opacity === '0') return null;
  return Math.round(above.getBoundingClientRect().bottom - bar.getBoundingClientRect().top); })
  .filter(overlap => overlap !== null)"""


def test_on_a_phone_and_in_narrow_windows_every_charts_titles_and_legend_stay_inside_the_chart(
        browser, server, director):
    # Pain trends: three charts whose subtitles, written for a 900 px page, are two long lines each;
    # Cohorts: a column of counts beside the plot; Protocol safety: months and long legend names;
    # Fair comparison: a funnel plot's long subtitle; First-session relief: a histogram's 21 points
    # and the names of its dividing line's sides. A phone says it is one; a desktop browser's
    # window as narrow (360 px), then made a laptop's (1,100 px: a chart 640 px wide), only says
    # how wide it is, on each page it opens
    visits = {"phone": ((360, "pain_trends", 3), (360, "cohorts", 1), (360, "protocol_safety", 3),
                        (360, "first_session", 3)),
              "window": ((360, "pain_trends", 3), (1100, "fair_comparison", 1))}
    contexts, tables = [], 0
    try:
        for agent, name in ((PHONE_AGENT, "phone"), (None, "window")):
            context = browser.new_context(viewport={"width": 360, "height": 780}, user_agent=agent,
                                          is_mobile=bool(agent), has_touch=bool(agent),
                                          storage_state=director["cookie"])
            context.set_default_timeout(bs.PATIENCE_MS)
            contexts.append(context)
            page = context.new_page()
            sent = []          # what the page sends the server: the watch's width goes as its key
            page.on("websocket", lambda ws, sent=sent: ws.on("framesent", lambda data, sent=sent: sent.append(
                data if isinstance(data, bytes) else str(data).encode())))
            for width, path, charts in visits[name]:
                if width != page.viewport_size["width"]:
                    # a page resized while it shows sends its new width, rightly (below): left first
                    page.goto("about:blank")
                    page.set_viewport_size({"width": width, "height": 780})
                bs.open_page(page, server.url(path, AS_OF))
                assert page.locator('[data-testid="stPlotlyChart"]').count() == charts, bs.describe(page)
                shot = bs.screenshot(page, f"{path}-{name}-{width}")
                assert chart_texts_past_the_edge(page) == [], bs.describe(page, shot)
                assert bs.chart_texts_on_each_other(page) == [], bs.describe(page, shot)
                assert bs.tick_labels_on_each_other(page) == [], bs.describe(page, shot)
                if agent:
                    # a table's toolbar, always shown on a touch screen, covers nothing above it
                    overlaps = page.evaluate(_TOOLBAR_OVERLAP_JS)
                    assert all(px <= 0 for px in overlaps), (overlaps, bs.describe(page, shot))
                    tables += len(overlaps)
        assert tables >= 1, "no table's toolbar was measured on the phone"
        # every page so far was drawn for the width its charts have: none sent a width back (which
        # would have run it twice)
        assert not [data for data in sent if b"layout.window_watch" in data]
        # the laptop's window made narrower (900 px: a chart 440 px wide) on the page it shows: the
        # page runs again by itself and its charts fit the new width, without a reload
        page.set_viewport_size({"width": 900, "height": 780})
        deadline, past = time.monotonic() + bs.PATIENCE_MS / 1000, None
        while past != [] and time.monotonic() < deadline:
            page.wait_for_timeout(500)
            bs.wait_until_ready(page)
            past = chart_texts_past_the_edge(page)
        shot = bs.screenshot(page, "fair_comparison-window-resized-900")
        assert past == [], bs.describe(page, shot)
        assert [data for data in sent if b"layout.window_watch" in data]       # the new width, sent
        # a laptop's 1,400 px window (a chart 940 px wide: the page's own figures) whose sidebar is
        # dragged 150 px wider (Streamlit keeps that width for later visits): the charts are 790 px
        # wide; the page runs again by itself and fits them, and so does a reload
        page.set_viewport_size({"width": 1400, "height": 780})
        page.wait_for_timeout(1_000)
        bs.wait_until_ready(page)
        handle = page.locator('[data-testid="stSidebarResizeHandle"]').bounding_box()
        page.mouse.move(handle["x"] + handle["width"] / 2, 400)
        page.mouse.down()
        page.mouse.move(handle["x"] + handle["width"] / 2 + 150, 400, steps=10)
        page.mouse.up()
        # (the page may be running again meanwhile, its chart a moment out of the page: looked for again)
        deadline, chart_px = time.monotonic() + bs.PATIENCE_MS / 1000, None
        while not (chart_px and 780 <= chart_px <= 800) and time.monotonic() < deadline:
            box = page.locator('[data-testid="stPlotlyChart"]').first.bounding_box()
            chart_px = box and box["width"]
            if not (chart_px and 780 <= chart_px <= 800):
                page.wait_for_timeout(250)
        assert chart_px and 780 <= chart_px <= 800, chart_px
        for step in ("dragged", "reloaded"):
            if step == "reloaded":
                page.reload()
            deadline, past = time.monotonic() + bs.PATIENCE_MS / 1000, None
            while past != [] and time.monotonic() < deadline:
                page.wait_for_timeout(500)
                bs.wait_until_ready(page)
                past = chart_texts_past_the_edge(page)
            shot = bs.screenshot(page, f"fair_comparison-sidebar-{step}")
            assert past == [], bs.describe(page, shot)
    finally:
        for context in contexts:
            context.close()


def plotly_specs(frames: list[bytes]) -> list[dict]:
    """The figures of the charts among a page's websocket frames (Streamlit's ForwardMsg), as sent."""
    import json

    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    figures = []
    for data in frames:
        message = ForwardMsg.FromString(data)
        if message.WhichOneof("type") == "delta" and message.delta.WhichOneof("type") == "new_element" \
                and message.delta.new_element.WhichOneof("type") == "plotly_chart":
            figures.append(json.loads(message.delta.new_element.plotly_chart.spec))
    return figures


def test_every_chart_arrives_with_the_width_it_is_drawn_at_so_the_browser_draws_it_once(browser, server, director):
    # Streamlit draws a figure without a width of its own twice: hidden at Plotly's default width
    # while the page is laid out, then at the width measured. Pain trends' three charts in a 1,400 px
    # window (940 px each, the sidebar as Streamlit opens it), then in a window whose sidebar was
    # dragged 150 px wider on an earlier page (790 px each): the watch's cookie names that width
    context = browser.new_context(viewport={"width": 1400, "height": 900}, storage_state=director["cookie"])
    context.set_default_timeout(bs.PATIENCE_MS)
    try:
        page = context.new_page()
        received, sent = [], []
        page.on("websocket", lambda ws: (
            ws.on("framereceived", lambda data: received.append(data if isinstance(data, bytes) else data.encode())),
            ws.on("framesent", lambda data: sent.append(data if isinstance(data, bytes) else str(data).encode()))))
        for sidebar_px in (0, 150):
            if sidebar_px:
                handle = page.locator('[data-testid="stSidebarResizeHandle"]').bounding_box()
                page.mouse.move(handle["x"] + handle["width"] / 2, 400)
                page.mouse.down()
                page.mouse.move(handle["x"] + handle["width"] / 2 + sidebar_px, 400, steps=10)
                page.mouse.up()
                page.wait_for_timeout(1_500)               # the watch measures once the page holds still
                received.clear()
                sent.clear()
                page.reload()
            else:
                bs.open_page(page, server.url("pain_trends", AS_OF))
            bs.wait_until_ready(page)
            page.wait_for_timeout(1_000)
            bs.wait_until_ready(page)
            drawn = [round(page.locator('[data-testid="stPlotlyChart"]').nth(n).bounding_box()["width"])
                     for n in range(page.locator('[data-testid="stPlotlyChart"]').count())]
            widths = [figure["layout"].get("width") for figure in plotly_specs(received)]
            assert len(drawn) == 3 and widths == drawn, (widths, drawn, bs.describe(page))
            assert all(940 - sidebar_px - 10 <= px <= 940 - sidebar_px + 10 for px in drawn), drawn
            # the page ran once: it had the right width from the start, so the watch sent none back
            assert not [data for data in sent if b"layout.window_watch" in data]
    finally:
        context.close()


# What a page shows cut off, as [field or tile, pixels]: a date's segments wider than the box that
# clips them (each date has a visually hidden 1-px copy aside), a text field's value or hint wider
# than its box (measured in its own font), a tile's label cut by its ellipsis.
_CUT_FIELDS_JS = """() => {
  const main = document.querySelector('[data-testid="stMain"]'), cut = [];
  const pen = document.createElement('canvas').getContext('2d');
  const name = e => (e.closest('[data-testid="stDateInput"], [data-testid="stTextInput"], [data-testid="stMetric"]')
                     || e).innerText.split('\\n')[0];
  for (const box of main.querySelectorAll('[data-testid="stDateInput"] *')) {
    if (getComputedStyle(box).overflowX !== 'visible' && box.clientWidth > 1 && box.scrollWidth > box.clientWidth)
      cut.push([name(box), box.scrollWidth - box.clientWidth]);
  }
  for (const input of main.querySelectorAll('[data-testid="stTextInput"] input')) {
    const style = getComputedStyle(input);
    pen.font = style.font;
    const text = Math.max(...[input.value, input.placeholder].map(t => pen.measureText(t).width));
    const over = Math.ceil(text + parseFloat(style.paddingLeft) + parseFloat(style.paddingRight) - input.clientWidth);
    if (over > 0) cut.push([name(input), over]);
  }
  for (const label of main.querySelectorAll('[data-testid="stMetricLabel"], [data-testid="stMetricLabel"] *')) {
    if (getComputedStyle(label).overflowX !== 'visible' && label.scrollWidth > label.clientWidth)
      cut.push([name(label), label.scrollWidth - label.clientWidth]);
  }
  return cut; }"""


@pytest.mark.parametrize("path", ["record_session", "audit", "time_to_relief"])
def test_in_a_narrow_laptop_window_no_date_field_or_tile_label_is_cut(browser, server, director, path):
    # At 1,000 px with the sidebar open the main column is about 540 px wide. As columns, Record
    # session's date showed "2026 - " and its time hint "HH:M", the Audit log's dates "2026 - 11",
    # a tile of Time to relief "Courses on the c…"; the rows now wrap rather than cut them.
    context = browser.new_context(viewport={"width": 1000, "height": 800}, storage_state=director["cookie"])
    context.set_default_timeout(bs.PATIENCE_MS)
    try:
        page = context.new_page()
        bs.open_page(page, server.url(path, AS_OF))
        cut = page.evaluate(_CUT_FIELDS_JS)
        shot = bs.screenshot(page, f"{path}-1000")
        assert cut == [], (cut, bs.describe(page, shot))
    finally:
        context.close()


# ---------------------------------------------------------------- the Overview and its filters

def test_the_overview_relief_kpi_is_hand_computed_and_choosing_birch_changes_it_and_the_url(server, page):
    bs.open_page(page, server.url("", AS_OF))
    assert bs.nav_titles(page) == bs.NAV_TITLES, bs.describe(page)
    # c1 8->4 relieved, c2 6->5 not, p3 7->7 not: 1 of 3 courses
    assert bs.metrics(page)["First-session relief"] == "33 %", bs.describe(page)
    assert "therapist=" not in page.url, bs.describe(page)

    bs.choose_by_typing(page, "Therapist", "Birch")     # below the fold under a longer menu
    # Birch treats c1 (relieved) and p3 (not): 1 of 2
    page.wait_for_function("""() => [...document.querySelectorAll('[data-testid="stMetric"]')].some(
        m => m.innerText.includes('First-session relief') && m.innerText.includes('50 %'))""", timeout=bs.PATIENCE_MS)
    bs.wait_until_ready(page)
    shot = bs.screenshot(page, "overview-therapist-birch")
    assert bs.metrics(page)["First-session relief"] == "50 %", bs.describe(page, shot)
    assert "therapist=Birch" in page.url, bs.describe(page, shot)
    assert "as_of=2026-03-20" in page.url, bs.describe(page, shot)
    assert bs.chosen(page, "Therapist") == ["Birch"], bs.describe(page, shot)


def test_a_link_with_the_therapist_in_its_url_reproduces_that_view(server, page):
    bs.open_page(page, server.url("", AS_OF + "&therapist=Birch"))
    assert bs.chosen(page, "Therapist") == ["Birch"], bs.describe(page)
    assert bs.metrics(page)["First-session relief"] == "50 %", bs.describe(page)


def test_the_overview_typed_by_its_page_name_opens_at_the_root_with_its_filters_and_no_warning(server, page):
    bs.open_page(page, server.url("overview", AS_OF + "&therapist=Birch"))
    assert bs.path_of(page.url) == "/" and "therapist=Birch" in page.url and AS_OF in page.url, page.url
    assert "Page not found" not in page.inner_text("body"), bs.describe(page)
    assert bs.chosen(page, "Therapist") == ["Birch"], bs.describe(page)


def test_clear_filters_empties_the_sidebar_filters_and_the_address(server, page):
    bs.open_page(page, server.url("", AS_OF + "&therapist=Birch&site=North"))
    assert (bs.chosen(page, "Therapist"), bs.chosen(page, "Site")) == (["Birch"], ["North"]), bs.describe(page)
    page.locator('[data-testid="stSidebar"]').get_by_role("button", name="Clear filters").click()
    page.wait_for_timeout(500)
    bs.wait_until_ready(page)
    shot = bs.screenshot(page, "overview-after-clear-filters")
    assert (bs.chosen(page, "Therapist"), bs.chosen(page, "Site")) == ([], []), bs.describe(page, shot)
    assert "therapist=" not in page.url and "site=" not in page.url, bs.describe(page, shot)


# ---------------------------------------------------------------- deep links on a fresh server

def test_a_page_link_as_the_first_request_of_a_fresh_server_gets_the_entrys_set_up(page_db, tmp_path, new_page):
    # On a fresh server Streamlit runs pages/cohorts.py alone for the first page request (here the
    # one the sign-in sends the browser on to); clinic.ui.require_entry must send that run through
    # dashboard.py (navigation, filters).
    page = new_page()
    with bs.streamlit_server(with_accounts(bs.copy_database(page_db, tmp_path)), tmp_path) as fresh:
        page.goto(fresh.url("cohorts", AS_OF + "&therapist=Birch"), wait_until="domcontentloaded")
        assert bs.on_sign_in_form(page), bs.describe(page)
        bs.sign_in(page, fresh, "director")     # the form the link was sent to, with its own next
        shot = bs.screenshot(page, "cohorts-deep-link-fresh-server")
        about = bs.describe(page, shot)
        assert bs.exception_texts(page) == [], about
        assert bs.nav_titles(page) == bs.NAV_TITLES, about
        assert bs.current_nav_title(page) == "Cohorts", about
        assert "/cohorts" in page.url, about
        sidebar = page.locator('[data-testid="stSidebar"]')
        assert sidebar.get_by_role("heading", name="Filters").count() == 1, about
        assert bs.chosen(page, "Therapist") == ["Birch"], about
        assert "Traceback" not in fresh.log_tail(200), fresh.log_tail(200)


# ---------------------------------------------------------------- imports while pages are served

NEW_COURSE = """\
session_id,patient_id,course_id,session_date,session_time,therapist,status,pain_before,pain_after
s20,p5,c5,2026-03-19,11:00,Alder,attended,8,7
"""


def test_an_import_from_the_command_line_succeeds_while_pages_load_and_shows_without_a_restart(
        page_db, tmp_path, new_page):
    database = with_accounts(bs.copy_database(page_db, tmp_path / "db"))
    sessions = tmp_path / "sessions.csv"
    sessions.write_text(NEW_COURSE, encoding="utf-8")
    page = new_page()
    with bs.streamlit_server(database, tmp_path) as live:
        bs.sign_in(page, live, "director", next_path="/?" + AS_OF)
        assert bs.metrics(page)["Patients"] == "3", bs.describe(page)

        # Keep the server reading the file (page loads) while the importer writes to it.
        cycle = [path for path, *_ in bs.PAGES[:6]]
        page.goto(live.url(cycle[1], AS_OF), wait_until="commit")
        importer = subprocess.Popen([sys.executable, "-m", "clinic", "import", str(sessions), "--db", str(database)],
                                    cwd=bs.ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        loads, deadline = 0, time.monotonic() + bs.PATIENCE_MS / 1000
        try:
            while loads < 8 and time.monotonic() < deadline:
                bs.wait_until_ready(page)
                loads += 1
                if importer.poll() is not None:
                    break
                page.goto(live.url(cycle[(loads + 1) % len(cycle)], AS_OF), wait_until="commit")
            out, err = importer.communicate(timeout=max(5.0, deadline - time.monotonic()))
        finally:
            if importer.poll() is None:
                importer.kill()
                importer.wait()
        assert importer.returncode == 0, f"import failed while {loads} page(s) loaded:\n{out}\n{err}"
        assert bs.exception_texts(page) == [], bs.describe(page)

        bs.open_page(page, live.url("", AS_OF))
        shot = bs.screenshot(page, "overview-after-import")
        kpis = bs.metrics(page)
        # The new course c5 (p5, 03-19, 8->7): 4 patients; relief 1 of 4 (8->7 is below 30 %);
        # 4 courses, active c5 and p3 (c1 completed, c2 dropped out).
        deltas = bs.metric_deltas(page)
        assert (kpis["Patients"], kpis["First-session relief"], kpis["Courses"], deltas.get("Courses")) == \
            ("4", "25 %", "4", "2 active now"), bs.describe(page, shot)
        assert "Alder" in _options(page, "Therapist"), bs.describe(page, shot)


# ---------------------------------------------------------------- who sees which pages

def test_a_therapist_signs_in_through_the_form_and_sees_only_the_data_pages_in_the_menu(server, new_page):
    page = new_page()
    page.goto(server.url("", AS_OF), wait_until="domcontentloaded")
    assert bs.on_sign_in_form(page), bs.describe(page)
    bs.sign_in(page, server, "birch")
    shot = bs.screenshot(page, "overview-therapist-birch-signed-in")
    about = bs.describe(page, shot)
    assert bs.exception_texts(page) == [], about
    assert bs.nav_titles(page) == bs.THERAPIST_NAV_TITLES, about
    assert bs.current_nav_title(page) == "Overview", about
    assert "as_of=2026-03-20" in page.url, about
    # Birch treats c1 (relieved) and p3 (not): 1 of 2, the same as the director filtering on Birch
    assert bs.metrics(page)["First-session relief"] == "50 %", about
    assert "Signed in as" in page.locator('[data-testid="stSidebar"]').inner_text(), about


def _options(page, label: str) -> list[str]:
    box = bs.sidebar_multiselect(page, label).get_by_role("combobox")
    box.scroll_into_view_if_needed()          # below the fold a click scrolls the sidebar and closes the list
    box.click()
    page.get_by_role("option").first.wait_for(state="attached", timeout=bs.PATIENCE_MS)
    names = page.get_by_role("option").all_inner_texts()
    page.keyboard.press("Escape")
    return names
