"""The sidebar filters in a real browser (headless Chromium through Playwright, see browser_support.py)
on the page fixture (conftest.py, as of 2026-03-20): the as-of date's "Today" button, Clear filters,
the notes on link values that match nothing, and the Overview's "Open" links to the Patients page,
which keep the view. Skipped without Chromium unless $CI is set (then they fail).
Run: `CI=1 pytest -m browser tests/test_browser_filters.py`. Screenshots: test-output/browser/filters-*.png.
"""
from __future__ import annotations

import datetime as dt
import os
from urllib.parse import parse_qsl, urlsplit

import pytest

pytest.register_assert_rewrite("browser_support")
import browser_support as bs  # noqa: E402
from browser_support import browser, playwright_driver  # noqa: E402,F401  (shared fixtures)

AS_OF = "as_of=2026-03-20"             # conftest.PAGE_AS_OF, a past day: the dashboard's default is today

MISSING = bs.missing_tools()
if MISSING and not os.environ.get("CI"):
    pytest.skip(f"browser tests need Chromium and playwright: {MISSING}", allow_module_level=True)

# One worker runs the module: its server (and its browser) start once, not once per worker.
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser_filters")]

ACCOUNTS = {"director": None, "birch": "Birch"}


@pytest.fixture(scope="module")
def server(page_db, tmp_path_factory):
    folder = tmp_path_factory.mktemp("browser_filters")
    database = bs.copy_database(page_db, folder)
    bs.add_accounts(database, ACCOUNTS)
    with bs.streamlit_server(database, folder) as running:
        yield running


@pytest.fixture(scope="module")
def director_cookie(server, browser):
    """The director signs in once through the /signin form; tests open fresh contexts with the cookie."""
    context = browser.new_context(viewport=bs.VIEWPORT)
    page = context.new_page()
    bs.sign_in(page, server, "director", next_path="/?" + AS_OF)
    state = context.storage_state()
    context.close()
    return state


@pytest.fixture
def context(browser, director_cookie):
    """A fresh browser (its own Streamlit sessions) in which the director is signed in."""
    context = browser.new_context(viewport=bs.VIEWPORT, storage_state=director_cookie)
    context.set_default_timeout(bs.PATIENCE_MS)
    yield context
    context.close()


@pytest.fixture
def page(context):
    return context.new_page()


# ---------------------------------------------------------------- what the page shows

def sidebar(page):
    return page.locator('[data-testid="stSidebar"]')


def date_value(page, label: str) -> str:
    """The text of a sidebar date input ("" when empty), e.g. "2026-03-20"."""
    box = sidebar(page).locator('[data-testid="stDateInput"]').filter(has=page.get_by_text(label, exact=True))
    return box.locator("input").input_value()


def alerts(page, kind: str) -> list[str]:
    """The texts of the main area's boxes: kind "Info", "Warning" or "Error"."""
    boxes = page.locator(f'[data-testid="stMain"] [data-testid="stAlertContent{kind}"]').all()
    return [b.inner_text().replace("\u2060", "").strip() for b in boxes]     # word joiners are invisible


def filters_caption(page) -> str:
    captions = page.locator('[data-testid="stMain"] [data-testid="stCaptionContainer"]').all_inner_texts()
    return next(c.strip() for c in captions if c.strip().startswith("as of"))


def query_pairs(url: str, leave_out: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """The (name, value) pairs of an address, decoded, sorted (the order of a repeated name aside)."""
    return sorted((k, v) for k, v in parse_qsl(urlsplit(url).query, keep_blank_values=True) if k not in leave_out)


def press(page, name: str) -> None:
    sidebar(page).get_by_role("button", name=name, exact=True).click()
    page.wait_for_timeout(300)
    bs.wait_until_ready(page)


def today_iso() -> str:
    return dt.date.today().isoformat()


# ---------------------------------------------------------------- the as-of date

def test_the_today_button_sets_the_as_of_date_back_to_today_and_takes_it_out_of_the_address(server, page):
    bs.open_page(page, server.url("", AS_OF + "&therapist=Birch"))
    assert date_value(page, "As of") == "2026-03-20", bs.describe(page)
    notices = [n for n in alerts(page, "Info") if n.startswith("Figures as of 20 Mar 2026, not today")]
    assert len(notices) == 1, bs.describe(page)
    press(page, "Today")
    shot = bs.screenshot(page, "filters-after-today")
    about = bs.describe(page, shot)
    assert date_value(page, "As of") == today_iso(), about
    assert "as_of=" not in page.url and "therapist=Birch" in page.url, about      # the other filters stay
    assert not [n for n in alerts(page, "Info") if "not today" in n], about
    assert filters_caption(page) == f"as of {dt.date.today():%d %b %Y}; therapist: Birch", about
    assert sidebar(page).get_by_role("button", name="Today", exact=True).is_disabled(), about


def test_the_as_of_date_stays_today_after_a_reload_once_today_was_pressed(server, page):
    bs.open_page(page, server.url("patients", AS_OF))
    press(page, "Today")
    bs.open_page(page, page.url)                      # the address, as it now is, in a new session
    assert date_value(page, "As of") == today_iso(), bs.describe(page)
    assert bs.current_nav_title(page) == "Patients", bs.describe(page)


def test_clear_filters_puts_the_as_of_date_back_to_today_and_empties_the_start_range(server, page):
    bs.open_page(page, server.url("", AS_OF + "&from=2026-03-10&to=2026-03-31&therapist=Birch"))
    assert (date_value(page, "As of"), date_value(page, "Courses started from"),
            date_value(page, "Courses started until")) == ("2026-03-20", "2026-03-10", "2026-03-31"), bs.describe(page)
    press(page, "Clear filters")
    shot = bs.screenshot(page, "filters-after-clear")
    about = bs.describe(page, shot)
    assert (date_value(page, "As of"), date_value(page, "Courses started from"),
            date_value(page, "Courses started until")) == (today_iso(), "", ""), about
    assert bs.chosen(page, "Therapist") == [], about
    assert query_pairs(page.url) == [], about
    assert filters_caption(page) == f"as of {dt.date.today():%d %b %Y}", about


# ---------------------------------------------------------------- link values that match nothing

def test_a_link_whose_values_match_nothing_says_which_as_plain_text_and_uses_today_for_a_future_date(server, page):
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    future = dt.date.today() + dt.timedelta(days=30)
    hostile = "[x](https://evil.example) ![b](http://127.0.0.9/b.png)"
    bs.open_page(page, server.url("", f"as_of={future}&therapist=Nobody&therapist=Birch&site=" + hostile.replace(
        " ", "%20") + "&age=200"))
    shot = bs.screenshot(page, "filters-link-values-that-match-nothing")
    about = bs.describe(page, shot)
    assert date_value(page, "As of") == today_iso(), about
    assert bs.chosen(page, "Therapist") == ["Birch"], about
    [error] = [e for e in alerts(page, "Error") if e.startswith("The link asks")]
    assert error.startswith(f"The link asks for figures as of {future:%d %b %Y}, a day still to come."), about
    assert error.endswith(f"Showing today's figures ({dt.date.today():%d %b %Y}) instead."), about
    [warning] = [w for w in alerts(page, "Warning") if w.startswith("Some values of this link")]
    assert [line for line in warning.splitlines() if line.strip()] == [
        "Some values of this link match nothing here:",
        "The link asks for therapist 'Nobody', who has no courses here: showing Birch only.",
        f"The link asks for site '{hostile}', which no course here has: showing all sites.",
        "The link asks for age band '200', which is not among <30, 30-44, 45-59, 60+: showing all ages.",
    ], about
    main = page.locator('[data-testid="stMain"]')
    assert main.locator('a[href*="evil.example"]').count() == 0, about
    assert main.locator('img[src*="127.0.0.9"]').count() == 0, about
    assert not [url for url in requests if urlsplit(url).hostname in ("127.0.0.9", "evil.example")], requests
    assert filters_caption(page) == f"as of {dt.date.today():%d %b %Y}; therapist: Birch", about


def test_a_therapist_following_a_link_that_names_another_therapist_is_told_and_sees_only_their_own(server, browser):
    context = browser.new_context(viewport=bs.VIEWPORT)
    try:
        page = context.new_page()
        bs.sign_in(page, server, "birch", next_path="/patients?" + AS_OF + "&therapist=Cedar")
        shot = bs.screenshot(page, "filters-therapist-link-to-another-therapist")
        about = bs.describe(page, shot)
        assert bs.current_nav_title(page) == "Patients", about
        assert alerts(page, "Warning")[:1] == [
            "The link asks for another therapist's courses, but your account shows only the courses you treat "
            "(Birch): showing your courses."], about
        assert bs.chosen(page, "Therapist") == [], about
        # Birch treats c1 and p3 as of 03-20 (c2 is Cedar's)
        assert page.get_by_text("2 of 2 courses match", exact=False).count() == 1, about
    finally:
        context.close()


# ---------------------------------------------------------------- the Overview's links keep the view

def open_first_link(context, page, grid):
    """Clicks the "Open" link in the first row of a table the way a person does (the table is drawn on
    a canvas: the pointer turns into a hand over a link) and returns the page the link opened."""
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    y = box["y"] + 35 + 17                              # the header row, then the middle of the first row
    for x in range(int(box["x"]) + 4, int(box["x"] + box["width"]) - 4, 6):
        page.mouse.move(x, y)
        page.wait_for_timeout(30)
        if page.evaluate("([x, y]) => getComputedStyle(document.elementFromPoint(x, y)).cursor", [x, y]) == "pointer":
            with context.expect_page() as opened:
                page.mouse.click(x + 3, y)
            new = opened.value
            new.wait_for_load_state("domcontentloaded")
            bs.wait_until_ready(new)
            return new
    shot = bs.screenshot(page, "filters-no-link")
    raise AssertionError(f"no link in the first row of the table\n{bs.describe(page, shot)}")


def test_an_overview_open_link_opens_the_course_on_the_patients_page_in_the_same_view(server, context, page):
    bs.open_page(page, server.url("", AS_OF))
    bs.choose_by_typing(page, "Therapist", "Birch")     # below the fold under a longer menu
    bs.wait_until_ready(page)
    bs.choose_by_typing(page, "Therapist", "Cedar")
    bs.wait_until_ready(page)
    sidebar(page).get_by_text("≥ 2 points", exact=True).click()
    page.wait_for_timeout(300)
    bs.wait_until_ready(page)
    overview_url = page.url
    # Streamlit writes a multiple choice as its name repeated, and the rule by its label
    assert query_pairs(overview_url) == [("as_of", "2026-03-20"), ("relief", "≥ 2 points"), ("therapist", "Birch"),
                                         ("therapist", "Cedar")], bs.describe(page)
    overview_caption = filters_caption(page)

    tables = page.locator('[data-testid="stMain"] [data-testid="stDataFrame"]').filter(
        has=page.locator('th:text-is("Patient page")'))
    assert tables.count() >= 1, bs.describe(page, bs.screenshot(page, "filters-overview-no-list"))
    patients = open_first_link(context, page, tables.first)
    shot = bs.screenshot(patients, "filters-patients-from-an-overview-link")
    about = bs.describe(patients, shot)

    assert bs.path_of(patients.url) == "/patients", about
    assert bs.current_nav_title(patients) == "Patients", about
    # The link carries exactly the Overview's filters (as Streamlit wrote them), plus the course
    assert query_pairs(patients.url, leave_out=("patients.course",)) == query_pairs(overview_url), about
    course = dict(parse_qsl(urlsplit(patients.url).query))["patients.course"]
    assert bs.exception_texts(patients) == [], about
    assert date_value(patients, "As of") == "2026-03-20", about
    assert bs.chosen(patients, "Therapist") == ["Birch", "Cedar"], about
    assert sidebar(patients).get_by_role("radio", name="≥ 2 points", exact=True).is_checked(), about
    assert filters_caption(patients) == overview_caption == "as of 20 Mar 2026; therapist: Birch, Cedar", about
    assert [n for n in alerts(patients, "Info") if n.startswith("Figures as of 20 Mar 2026, not today")], about
    course_box = patients.get_by_role("textbox", name="Course id", exact=True)
    assert course_box.input_value() == course == "p3:2026-03-15", about
    assert patients.locator('[data-testid="stMetric"]').count() > 0, about      # the course's own figures
    assert bs.chart_texts_on_each_other(patients) == [], about                   # its trajectory and calendar
