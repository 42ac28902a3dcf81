"""Text from data or a URL is shown as text: never a link, an image, HTML, a colour or an icon.

Unit tests of clinic.text, then every data page opened on a tiny clinic whose therapist, site,
course id and note are hostile strings, with that therapist chosen in the sidebar. Streamlit
renders markdown in captions, messages, tab and metric labels; Plotly renders HTML in every text of
a figure. The page tests read what the pages send to the browser: no markdown element may carry
link or image syntax or raw HTML that a name brought in, and no figure may carry a tag from data.
Whether a browser then fetches nothing is for the browser tests.
"""
from __future__ import annotations

import csv
import datetime as dt
import json
import re
import string
from pathlib import Path

import pytest
import streamlit as st
from google.protobuf.json_format import MessageToDict
from page_support import open_page
from plotly_support import specs
from streamlit.testing.v1 import AppTest

from clinic.db import ROOT
from clinic.filters import Filters
from clinic.text import for_markdown, for_plotly, markdown_filters

THERAPIST = ('[phish](https://evil.example/login) ![b](http://127.0.0.9:9/beacon.png) '
             '<a href="https://evil.example/a">a</a> <span style="color:red">red</span> '
             'www.evil.example x@evil.example :red[x] :material/home: :streamlit:')
SITE = '<span style="color:red">North</span> [s](https://evil.example/site) ![s](http://127.0.0.9:9/site.png)'
COURSE = '[c](https://evil.example/c)<a href="https://evil.example/ca">c</a>'
NOTE = '<img src="http://127.0.0.9:9/note.png"> [n](https://evil.example/n)'
UNKNOWN_COURSE = '[u](https://evil.example/u) ![u](http://127.0.0.9:9/u.png) <a href="https://evil.example">u</a>'
AS_OF = "2026-03-20"


RAW_HTML = re.compile(r"(?<!\\)<(a|span|img)\b")      # a tag from data that no backslash escapes


def decoded(markdown: str) -> str:
    """The text a markdown parser hands to its later rewrites: backslash escapes resolved."""
    return re.sub(r"\\(.)", r"\1", markdown)


# ---------------------------------------------------------------- clinic.text


def test_every_ascii_punctuation_mark_is_escaped_for_markdown():
    shown = for_markdown(string.punctuation)
    assert re.sub(r"\\.", "", shown.replace("\u2060", "")) == ""           # nothing but escaped marks
    assert decoded(shown).replace("\u2060", "") == string.punctuation      # and they read as typed


def test_link_and_image_syntax_from_data_is_escaped():
    shown = for_markdown("[phish](https://evil.example/login) ![b](http://127.0.0.9:9/beacon.png)")
    assert "[phish](" not in shown and "![b](" not in shown
    assert shown.startswith(r"\[phish\]\(https\:")


def test_bare_addresses_shortcodes_and_arrows_stay_text_after_the_escapes_are_resolved():
    # Streamlit's markdown links https://…, www.… and name@host and draws :shortcodes: after the
    # backslash escapes have become plain characters again, so escaping alone does not stop them.
    shown = decoded(for_markdown("https://evil.example HTTP://EVIL.example www.evil.example WWW.evil.example "
                                 "mailto:x@evil.example :smile: :streamlit: :material/home: a -> b c >= d"))
    assert not re.search(r"(?i)https?://|www\.", shown)
    assert not re.search(r"@[-\w]", shown)
    assert not re.search(r":[\w+-]+:", shown) and ":material_" not in shown
    assert not re.search(r"(^|\s)(->|>=)(\s|$)", shown)
    assert shown.replace("\u2060", "") == ("https://evil.example HTTP://EVIL.example www.evil.example "
                                           "WWW.evil.example mailto:x@evil.example :smile: :streamlit: "
                                           ":material/home: a -> b c >= d")   # the characters as typed


def test_markdown_text_is_one_line_without_control_characters():
    shown = for_markdown("  first\nsecond\r\nthird\tfourth\x00\u2028fifth\u202e  ")
    assert shown == "first second third fourth fifth"


def test_plain_names_are_left_alone_and_our_own_markdown_still_works():
    assert for_markdown("Birch") == "Birch"
    assert for_markdown("Anna Lee") == "Anna Lee"
    assert f"**{for_markdown('Birch')}**" == "**Birch**"


def test_plotly_text_escapes_tags_and_entities_on_one_line():
    assert for_plotly('<a href="https://evil.example">x</a>') == '&lt;a href="https://evil.example"&gt;x&lt;/a&gt;'
    assert for_plotly("<span style='color:red'>r</span>") == "&lt;span style='color:red'&gt;r&lt;/span&gt;"
    assert for_plotly("Tom &amp; Jerry") == "Tom &amp;amp; Jerry"     # an entity of its own stays text
    assert for_plotly("one\ntwo<br>three") == "one two&lt;br&gt;three"
    assert for_plotly("Birch") == "Birch"


def test_the_filters_in_words_escape_names_and_keep_our_own_labels():
    filters = Filters(as_of=dt.date(2026, 3, 20), therapists=(THERAPIST, "Birch"), sites=(SITE,),
                      diagnoses=("disc_herniation",), age_bands=("<30",), sexes=("F",), scope="[s](https://x.example)")
    words = markdown_filters(filters).describe()
    assert "[phish](" not in words and "![b](" not in words and not RAW_HTML.search(words)
    assert "[s](" not in words
    assert words.startswith(r"as of 20 Mar 2026; therapist: Birch, \[phish\]\(https\:")
    assert "diagnosis: Disc herniation" in words and "age: <30" in words and "sex: Female" in words
    assert filters.therapists == tuple(sorted((THERAPIST, "Birch")))      # the filters themselves are unchanged


# ---------------------------------------------------------------- the pages on hostile data


def _csv(path: Path, rows: list[list]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return path


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory) -> Path:
    """Six courses of the hostile therapist at the hostile site (enough for a pain line of their
    own), one with the hostile course id and the hostile note; one course of Birch as a decoy."""
    from clinic import importer

    folder = tmp_path_factory.mktemp("hostile_db")
    patients = [["patient_id", "birth_year", "sex", "diagnosis", "doctor_conclusion", "site"]]
    courses = [["course_id", "patient_id", "start_date", "planned_sessions"]]
    sessions = [["session_id", "patient_id", "course_id", "session_date", "therapist", "status",
                 "pain_before", "pain_after", "notes"]]
    for n in range(1, 7):
        course = COURSE if n == 1 else f"h{n}"
        patients.append([f"p{n}", 1970 + n, "F", "disc_herniation", "true", SITE])
        courses.append([course, f"p{n}", f"2026-03-0{n}", 5])
        for day, (before, after) in enumerate(((8, 5), (6, 4), (5, 3))):
            sessions.append([f"s{n}{day}", f"p{n}", course, f"2026-03-{n + day:02d}", THERAPIST, "attended",
                             before, after, NOTE if n == 1 else ""])
    patients.append(["b1", 1960, "M", "other", "true", "North"])
    courses.append(["b1c", "b1", "2026-03-02", 5])
    sessions.append(["sb1", "b1", "b1c", "2026-03-02", "Birch", "attended", 7, 4, ""])
    files = [_csv(folder / "patients.csv", patients), _csv(folder / "courses.csv", courses),
             _csv(folder / "sessions.csv", sessions)]
    results = importer.import_files(files, folder / "clinic.duckdb", today=dt.date(2026, 3, 31))
    assert all(r.rejected == 0 and not r.refused for r in results), [r.as_dict() for r in results]
    return folder / "clinic.duckdb"


@pytest.fixture
def hostile_app(hostile_db, monkeypatch, request):
    """An AppTest of dashboard.py on the hostile clinic, as of AS_OF (not yet run); built like the
    shared `app` fixture, signed in as the director when the dashboard has a sign-in."""
    try:
        request.getfixturevalue("signed_in_as")
    except pytest.FixtureLookupError:
        pass
    monkeypatch.setenv("CLINIC_DB", str(hostile_db))
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.query_params["as_of"] = AS_OF
    return at


def open_with_hostile_therapist(at, page: str):
    open_page(at, page)
    at.sidebar.multiselect(key="therapist").select(THERAPIST).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


# Proto fields that Streamlit renders as markdown: bodies of text, alerts and toasts, the label,
# value, delta and help of a metric, every widget's label and help, tab and expander labels, and
# the options of radio buttons and segmented controls (selectbox and multiselect options are plain).
MARKDOWN_FIELDS = {"body", "label", "help", "delta", "content"}


def _strings(value, key=None):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v, key)
    elif isinstance(value, str) and key in MARKDOWN_FIELDS:
        yield value


def markdown_texts(at) -> list[str]:
    """Every text on the page (main area and sidebar) that Streamlit renders as markdown."""
    texts, stack = [], [at._tree]
    while stack:
        node = stack.pop()
        proto = getattr(node, "proto", None)
        if proto is not None and getattr(node, "type", None) not in ("plotly_chart", "arrow_data_frame"):
            found = MessageToDict(proto)
            if getattr(node, "type", None) in ("radio", "button_group"):
                found = {**found, "content": found.get("options", [])}
            texts += list(_strings(found))
        stack += list(getattr(node, "children", {}).values())
    return texts


def assert_inert(at) -> None:
    texts = markdown_texts(at)
    assert texts
    for text in texts:
        assert "[phish](" not in text and "![b](" not in text, text
        assert "[s](" not in text and "![s](" not in text and "[c](" not in text and "[u](" not in text, text
        assert not RAW_HTML.search(text), text
        assert not re.search(r"(?i)(https?://|www\.)[^\s]*(evil\.example|127\.0\.0\.9)|@evil", decoded(text)), text
        assert not re.search(r":(red|material[/_]home|streamlit):?", decoded(text)), text
    for spec in specs(at):
        dumped = json.dumps(spec)
        assert not re.search(r"<(a|span|img)\b", dumped)


def captions(at) -> str:
    return " ".join(c.value for c in at.caption)


PAGES = ["pages/overview.py", "pages/pain_trends.py", "pages/first_session.py", "pages/adherence.py",
         "pages/patients.py", "pages/cohorts.py", "pages/data_quality.py"]


@pytest.mark.parametrize("page", PAGES)
def test_the_chosen_therapist_reads_as_text_in_the_caption_of_every_page(hostile_app, page):
    at = open_with_hostile_therapist(hostile_app, page)
    assert r"\[phish\]\(https\:" in captions(at)               # the name is there, escaped
    assert_inert(at)


def test_pain_lines_named_after_the_therapist_keep_the_name_as_text(hostile_app):
    at = open_with_hostile_therapist(hostile_app, "pages/pain_trends.py")
    at.selectbox(key="pain.split").set_value("therapist").run()
    assert not at.exception
    names = [t.get("name", "") for spec in specs(at) for t in spec["data"]]
    assert for_plotly(THERAPIST) in names                      # a legend entry, escaped
    assert_inert(at)
    at.selectbox(key="pain.split").set_value("site").run()
    assert for_plotly(SITE) in [t.get("name", "") for spec in specs(at) for t in spec["data"]]
    assert_inert(at)


def test_relief_by_cohort_draws_names_as_text_categories(hostile_app):
    at = open_with_hostile_therapist(hostile_app, "pages/first_session.py")
    cohort_chart = next(s for s in specs(at) if s["layout"]["title"]["text"].startswith("First-session relief by"))
    assert for_plotly(THERAPIST) in [y for t in cohort_chart["data"] for y in t.get("y", [])]
    assert_inert(at)
    at.selectbox(key="relief.by").set_value("site").run()
    assert_inert(at)


def test_the_adherence_calendar_shows_ids_names_and_the_cohort_as_text(hostile_app):
    at = open_with_hostile_therapist(hostile_app, "pages/adherence.py")
    assert_inert(at)
    at.selectbox(key="adherence.split").set_value("therapist").run()
    assert not at.exception
    calendar = next(s for s in specs(at) if s["layout"]["title"]["text"].startswith("Day by day"))
    assert "&lt;a href" in calendar["layout"]["title"]["subtitle"]["text"]     # the cohort, escaped
    assert any("&lt;a href" in y for y in calendar["data"][0]["y"])            # the hostile course id
    assert_inert(at)


def test_a_hostile_course_opens_with_its_id_as_text(hostile_app):
    hostile_app.query_params["patients.course"] = COURSE
    at = open_with_hostile_therapist(hostile_app, "pages/patients.py")
    assert at.text_input(key="patients.course").value == COURSE
    assert any("&lt;a href" in s["layout"]["title"]["subtitle"]["text"] for s in specs(at))
    assert_inert(at)


def test_an_unknown_course_in_the_link_is_quoted_as_text(hostile_app):
    # The therapist comes from the link too.
    hostile_app.query_params["patients.course"] = UNKNOWN_COURSE
    hostile_app.query_params["therapist"] = THERAPIST
    at = open_page(hostile_app, "pages/patients.py")
    assert at.sidebar.multiselect(key="therapist").value == [THERAPIST]
    [warning] = [w.value for w in at.warning if "is not among the courses these filters let you see" in w.value]
    assert r"\[u\]\(https\:" in warning
    assert_inert(at)


def test_cohorts_by_therapist_and_by_site_draw_names_as_text(hostile_app):
    at = open_with_hostile_therapist(hostile_app, "pages/cohorts.py")
    chart = specs(at)[0]
    assert for_plotly(THERAPIST) in chart["data"][0]["y"]
    assert for_plotly(THERAPIST) in [a.get("y") for a in chart["layout"]["annotations"]]
    assert_inert(at)
    at.segmented_control(key="cohorts.by").set_value("site").run()
    assert for_plotly(SITE) in specs(at)[0]["data"][0]["y"]
    assert_inert(at)


def test_the_data_quality_lists_and_heatmap_keep_names_and_ids_as_text(hostile_app):
    at = open_with_hostile_therapist(hostile_app, "pages/data_quality.py")
    assert_inert(at)
    assert at.metric[3].value == "6"               # the hostile clinic's patients lack paperwork: a list with the site
    for key in ("pain", "unplanned", "diagnosis", "paperwork", "gaps"):
        button = at.button(key=f"quality.show.{key}")
        if button.disabled:
            continue
        button.click().run()
        assert not at.exception, [e.value for e in at.exception]
        assert_inert(at)
