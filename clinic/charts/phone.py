"""A figure as a phone shows it: titles, subtitles and x-axis titles broken into lines that fit.

Plotly never wraps a title: at a phone's width (a 360-390 px screen leaves the figure about
330-360 px) a subtitle written for the page's 900 px ran off the right edge, cut mid-sentence,
and a long x-axis title lost its unit. The browser does not tell the server how wide it is, but a
phone says it is one (its User-Agent has "Mobi"; Chromium also sends `Sec-CH-UA-Mobile: ?1`), and
for a phone the same figure gets line breaks at the narrowest common width and room for the lines
they add: the top margin grows by what the title block gained, the bottom by what the x-axis
titles gained, and the figure's height by both, so the plot itself keeps its size. Nothing else
changes: same data, same hover text, the same title in the PNG a person downloads.
"""
from __future__ import annotations

import re

import plotly.graph_objects as go

from clinic.charts import text_px

# The figure's width on the narrowest common phone: a 360 px screen less Streamlit's 16 px padding
# on each side. The title and subtitle start 4 px in; an x-axis title is centred on the plot, which
# the y-axis labels narrow.
PHONE_FIGURE_PX = 328
TITLE_MOST_PX = PHONE_FIGURE_PX - 16
# Font sizes as Streamlit's chart theme draws them (px) and the height of one more line of each.
TITLE_FONT, SUBTITLE_FONT, AXIS_FONT, LEGEND_FONT = 16, 11, 14, 12
TITLE_LINE_PX, SUBTITLE_LINE_PX, AXIS_LINE_PX, LEGEND_LINE_PX = 21, 15, 18, 16
LEGEND_SYMBOL_PX = 40
# text_px measures 14 px text within a few per cent; bold titles run wider, so a line is kept this
# much short of the room it has.
SAFETY = 0.92

_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")
_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|\w+);")


def shown_px(text: str, font_px: float) -> float:
    """How wide `text` (Plotly's pseudo-HTML: tags take no room, an entity is one character) is
    drawn at `font_px`, roughly."""
    return text_px(_ENTITY.sub("x", _TAG.sub("", text))) * font_px / 14


def wrap(text: str, most_px: float, font_px: float) -> str:
    """`text` with a <br> between words wherever a line would be wider than `most_px`; the breaks it
    already has are kept, a single word wider than the room stays whole, and tags and entities are
    never split (they sit inside words)."""
    lines = []
    for line in _BREAK.split(text):
        current = ""
        for word in line.split(" "):
            longer = f"{current} {word}" if current else word
            if current and shown_px(longer, font_px) > most_px * SAFETY:
                lines.append(current)
                current = word
            else:
                current = longer
        lines.append(current)
    return "<br>".join(lines)


def _sides(fig: go.Figure) -> tuple[float, float]:
    """The plot's left and right margins in px: the left at least as wide as a category axis's
    longest label (12 px) needs."""
    margin = fig.layout.margin
    left = margin.l if margin.l is not None else 80
    right = margin.r if margin.r is not None else 80
    for trace in fig.data:
        values = getattr(trace, "y", None)
        if getattr(trace, "orientation", None) != "v" and values is not None and len(values) \
                and all(isinstance(v, str) for v in values):
            left = max(left, max(shown_px(v, 12) for v in values) + 12)
    return left, right


def axis_title_room(fig: go.Figure) -> float:
    """How wide an x-axis title may be on a phone: it is centred on the plot, so it has the plot's
    width and twice the narrower of the two side margins."""
    left, right = _sides(fig)
    return PHONE_FIGURE_PX - abs(left - right)


def legend_room(fig: go.Figure) -> float:
    """How wide a legend entry's name may be on a phone: the legend starts at the plot's left edge
    (unless it is placed in the figure's own coordinates) and each name follows its 40 px symbol."""
    legend = fig.layout.legend
    left = 0 if legend.xref == "container" else _sides(fig)[0]
    return PHONE_FIGURE_PX - left - LEGEND_SYMBOL_PX - 8


def _lines(text: str | None) -> int:
    return len(_BREAK.split(text)) if text else 0


def for_phone(fig: go.Figure) -> go.Figure:
    """A copy of `fig` whose title, subtitle and x-axis titles fit a phone's width (see the module's
    docstring); `fig` itself is left as it is (it may be shared by every person's page)."""
    phone = go.Figure(fig)
    layout = phone.layout
    top = bottom = 0
    title = layout.title.text
    if title:
        wrapped = wrap(title, TITLE_MOST_PX, TITLE_FONT)
        top += (_lines(wrapped) - _lines(title)) * TITLE_LINE_PX
        layout.title.text = wrapped
    subtitle = layout.title.subtitle.text if layout.title.subtitle else None
    if subtitle:
        wrapped = wrap(subtitle, TITLE_MOST_PX, SUBTITLE_FONT)
        top += (_lines(wrapped) - _lines(subtitle)) * SUBTITLE_LINE_PX
        layout.title.subtitle.text = wrapped
    room = axis_title_room(phone)
    added_below = []
    for axis in phone.select_xaxes():
        axis_title = axis.title.text
        if axis_title:
            wrapped = wrap(axis_title, room, AXIS_FONT)
            added_below.append((_lines(wrapped) - _lines(axis_title)) * AXIS_LINE_PX)
            axis.title.text = wrapped
    bottom = max(added_below, default=0)
    listed = [trace for trace in phone.data if trace.showlegend is not False and trace.name]
    legend_shown = layout.showlegend if layout.showlegend is not None else len(listed) > 1
    names = legend_room(phone)
    for trace in listed if legend_shown else []:
        wrapped = wrap(trace.name, names, LEGEND_FONT)
        bottom += (_lines(wrapped) - _lines(trace.name)) * LEGEND_LINE_PX
        trace.name = wrapped
    if top or bottom:
        margin = layout.margin
        t0 = margin.t if margin.t is not None else 80
        height = (layout.height if layout.height is not None else 450) + top + bottom
        layout.update(height=height, margin={"t": t0 + top, "b": (margin.b if margin.b is not None else 80) + bottom})
        if top:     # the title's first line stays where it was (Plotly puts its baseline mid top margin)
            layout.title.update(yref="container", y=1 - (t0 / 2 - TITLE_FONT) / height, yanchor="top")
    return phone
