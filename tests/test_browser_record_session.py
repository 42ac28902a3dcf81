"""The Record session page in a real browser, with the keyboard alone: a therapist signs in, and
two sessions are typed one after the other (the first patient typed into the empty patient field,
Tab between fields, Enter saves); after each save the date stays, the next patient is chosen and has
the focus, and nothing typed for the previous session comes back into the next one.

Skipped like tests/test_browser.py when Chromium or playwright is missing and $CI is unset.
"""
from __future__ import annotations

import datetime as dt
import os

import pytest

pytest.register_assert_rewrite("browser_support")
import browser_support as bs  # noqa: E402
from browser_support import browser, playwright_driver  # noqa: E402,F401  (shared fixtures)

from clinic import db  # noqa: E402

MISSING = bs.missing_tools()
if MISSING and not os.environ.get("CI"):
    pytest.skip(f"browser tests need Chromium and playwright: {MISSING}", allow_module_level=True)

pytestmark = pytest.mark.browser

FOCUSED_KEY = """() => { const k = document.activeElement && document.activeElement.closest('[class*="st-key-"]');
  return k ? [...k.classList].find(c => c.startsWith('st-key-')) : null; }"""


def focused(page) -> str | None:
    return page.evaluate(FOCUSED_KEY)


def wait_for_focus(page, key: str) -> None:
    page.wait_for_function(f"() => ({FOCUSED_KEY})() === {key!r}", timeout=bs.PATIENCE_MS)


def type_session(page, time: str, before: str, after: str | None) -> None:
    """From the patient field: Tab to the time, past the status (attended), the pain scores, Enter."""
    keys = page.keyboard
    keys.press("Tab")
    keys.type(time)
    keys.press("Tab")            # status: attended, as it is
    keys.press("Tab")
    keys.type(before)
    if after is not None:
        keys.press("Tab")
        keys.type(after)
    keys.press("Enter")


def saved_messages(page) -> list[str]:
    return page.locator(".st-key-record-saved").all_inner_texts()


def test_a_therapist_records_two_sessions_in_a_row_with_the_keyboard_alone(page_db, tmp_path, browser):
    database = bs.copy_database(page_db, tmp_path / "db")
    bs.add_accounts(database, {"birch": "Birch"})
    today = dt.date.today().isoformat()
    with bs.streamlit_server(database, tmp_path) as live:
        context = browser.new_context(viewport=bs.VIEWPORT)
        context.set_default_timeout(bs.PATIENCE_MS)
        page = context.new_page()
        try:
            bs.sign_in(page, live, "birch", next_path="/record_session")
            wait_for_focus(page, "st-key-record-patient")        # arriving puts the focus on the patient
            patient = page.locator(".st-key-record-patient input")
            assert patient.input_value() == "", bs.describe(page)     # no patient chosen on arrival
            page.keyboard.type("p1")
            page.keyboard.press("Enter")                             # the one match, chosen
            page.wait_for_function("() => document.querySelector('.st-key-record-patient input').value"
                                   ".startsWith('p1')", timeout=bs.PATIENCE_MS)
            page.keyboard.press("Tab")       # past the button that clears a patient chosen in an empty field

            type_session(page, "09:30", "6", "3")
            page.wait_for_function("() => document.querySelector('.st-key-record-saved') !== null",
                                   timeout=bs.PATIENCE_MS)
            bs.wait_until_ready(page)
            wait_for_focus(page, "st-key-record-patient")
            first = saved_messages(page)
            # the fixture's courses ended in March: each session today starts a course of its own
            assert len(first) == 1, first
            assert first[0].endswith(f"for p1 on {today} in course p1:{today}: attended, pain 6 → 3"), first
            assert patient.input_value().startswith("p3"), bs.describe(page)     # the next of Birch's patients
            shown_date = "".join(c for c in page.locator(".st-key-record-date").inner_text() if c.isdigit())
            assert shown_date == today.replace("-", ""), bs.describe(page)           # the date stays

            # no pain after this time: the 3 typed for the first session must not come back
            type_session(page, "10:15", "7", None)
            page.wait_for_function("() => [...document.querySelectorAll('.st-key-record-saved')]"
                                   ".some(e => e.innerText.includes('for p3 on'))", timeout=bs.PATIENCE_MS)
            bs.wait_until_ready(page)
            shot = bs.screenshot(page, "record_session-keyboard")
            second = saved_messages(page)
            assert second[0].endswith(f"for p3 on {today} in course p3:{today}: attended, pain 7 → –"), \
                bs.describe(page, shot)
            assert bs.exception_texts(page) == [], bs.describe(page, shot)
        finally:
            context.close()
    con = db.connect(database, read_only=True, wait_seconds=10)
    try:
        rows = con.execute("select patient_id, session_date, session_time, therapist, status, "
                           "pain_before, pain_after from sessions where session_id like 'R-%' order by session_id"
                           ).fetchall()
    finally:
        con.close()
    day = dt.date.today()
    assert rows == [("p1", day, dt.time(9, 30), "Birch", "attended", 6, 3),
                    ("p3", day, dt.time(10, 15), "Birch", "attended", 7, None)]
