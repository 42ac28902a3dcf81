"""Text from data or a URL, made inert before the dashboard shows it.

Therapist and site names, ids, notes and values read from the page's address are user data.
Streamlit renders markdown in st.markdown, st.caption, st.info / st.warning / st.success /
st.error, tab and expander labels and st.metric (label, value, delta, help); Plotly renders a
subset of HTML in titles, axis titles, tick labels, legend names, annotations and hover text. Such
text goes through `for_markdown` or `for_plotly` before it is put into one of those, and only the
data part of a sentence does: our own markdown (**bold**) and our own labels stay as they are.
Tables (st.dataframe), st.text, st.code and the options of a selectbox or multiselect show text
as text and need neither.
"""
from __future__ import annotations

import html
import re
from dataclasses import replace

from clinic.filters import AGE_BANDS, DIAGNOSES, SEXES, Filters

# Newlines, tabs and other control characters, the Unicode line and paragraph separators and the
# bidirectional overrides (which reorder the text around them on screen): shown as a space.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_SPACES = re.compile(" {2,}")
_ASCII_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")

# Streamlit's markdown also rewrites plain text after parsing, where a backslash escape has
# already turned back into the character it escapes: it links https://…, www.… and name@host,
# draws :shortcodes: (:streamlit: as an image), and turns a lone -> into an arrow. An invisible
# word joiner (U+2060) inside each of those patterns keeps the characters as typed.
_JOIN = "\u2060"
_BREAK_AFTER = re.compile("([:@])")                   # https://, mailto:, :shortcode:, name@host
_WWW = re.compile(r"(?i)(www)(?=\.)")                  # www.example
_ARROW = re.compile(r"(?<!\S)([-<>~])(?=(?:->|-|>|=)(?!\S))")   # -> <- <-> -- >= <= ~= on their own


def _one_line(value) -> str:
    return _CONTROL.sub(" ", str(value))


def for_markdown(value) -> str:
    """`value` as literal text inside Streamlit markdown: no link, image, emphasis, heading, list,
    table, HTML, math, colour, icon or emoji comes out of it, and it stays on one line.

    Every ASCII punctuation character is backslash-escaped (CommonMark allows that for all of
    them), the patterns Streamlit rewrites after parsing are broken with an invisible word joiner,
    control characters become spaces, runs of spaces one space and the ends are trimmed (HTML shows
    no more than that anyway, and a space next to our own ** would undo the bold).
    """
    text = _SPACES.sub(" ", _one_line(value)).strip()
    text = _BREAK_AFTER.sub(r"\1" + _JOIN, text)
    text = _WWW.sub(r"\1" + _JOIN, text)
    text = _ARROW.sub(r"\1" + _JOIN, text)
    return _ASCII_PUNCTUATION.sub(r"\\\1", text)


# A session's flags as its tables write them ("numbness, acute"; acute = acute inflammation, said on
# hover): Patients' sessions of a course and Record session's day.
FLAG_WORDS = {"numbness": "numbness", "acute_inflammation": "acute"}


def flags_in_words(numbness, acute_inflammation) -> str:
    """The flags recorded true, in words; empty when neither was (false and unknown say nothing).
    Each value is True, False, None or pandas' NA: a column's values after `.astype(object)`."""
    values = {"numbness": numbness, "acute_inflammation": acute_inflammation}
    return ", ".join(word for column, word in FLAG_WORDS.items() if values[column] is True)


def for_plotly(value) -> str:
    """`value` as literal text inside a Plotly title, label, legend name, annotation or hover text:
    `<`, `>` and `&` as entities (so no tag and no entity of its own), on one line."""
    return html.escape(_one_line(value), quote=False)


def markdown_filters(filters: Filters) -> Filters:
    """The filters with every value that came from data or the URL made inert for markdown, for
    `describe()` in a caption or message. Only for words: never run a query with it.

    Diagnosis, age-band and sex values the dashboard knows keep their own labels.
    """
    def inert(values, known=()):
        return tuple(v if v in known else for_markdown(v) for v in values)

    return replace(filters, therapists=inert(filters.therapists), sites=inert(filters.sites),
                   diagnoses=inert(filters.diagnoses, DIAGNOSES), age_bands=inert(filters.age_bands, AGE_BANDS),
                   sexes=inert(filters.sexes, SEXES),
                   scope=None if filters.scope is None else for_markdown(filters.scope))
