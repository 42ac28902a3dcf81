"""A figure as a phone or a narrow window shows it: its texts broken into lines that fit, the plot as
tall as on the page.

Plotly never wraps a title: at a phone's width (a 360-390 px screen leaves the figure about
330-360 px) a subtitle written for the page's 900 px ran off the right edge, cut mid-sentence, a
long x-axis title lost its unit, and a legend name ran out of the chart. The browser does not tell
the server how wide it is by itself, and the same happened on a laptop: a 1,280 px window leaves a
chart 820 px, and a subtitle written for the page's 900 px lost its last words. The dashboard's page
tells the server the window's width in a cookie (clinic.web), from which clinic.ui.figure_px works
out the chart's; a phone without it says it is one (its User-Agent has "Mobi"; Chromium also sends
`Sec-CH-UA-Mobile: ?1`) and is taken for the narrowest common one. For a chart narrower than the
page's (clinic.ui.chart) the same figure is redrawn for that width (`for_width`):

- title, subtitle, axis titles, legend names and category labels get line breaks where they would
  pass the room they have (a y-axis title only when longer than the plot, where it would run up
  into the subtitle; labels beside the plot at a third of the figure's width);
- the top margin grows by the title block's new lines, and the title starts below the mode bar
  (the chart's tools, which span most of a phone's width above it);
- the bottom margin grows by the x-axis titles' new lines;
- the height grows by both, and by what the narrow width adds below the plot on its own: legend
  rows (items that stood in one row on the page stand one under another), month labels that Plotly
  turns upright, category labels of more lines; so the plot keeps its page height;
- a month-by-month or session-by-session axis spans its points (Plotly's padding for the markers
  reached an empty month past the as-of date on a narrow plot);
- evenly spaced numbers too close to stand side by side (the first-session histogram's −10 to 10)
  get a tick every 2, 5, 10... steps, where Plotly would turn them upright onto each other;
- on a phone's width (PHONE_ONLY_MOST_PX or less), a column of notes beside the plot (the Cohorts
  chart's n per group) is left to the hover text, and a heatmap's colour bar lies flat below the
  plot instead of standing beside it.

The data, hover text and title in a downloaded PNG stay the figure's.
"""
from __future__ import annotations

import math
import numbers
import re

import pandas as pd
import plotly.graph_objects as go

from clinic.charts import text_px

# The figure's width on the narrowest common phone: a 360 px screen less Streamlit's 16 px padding
# on each side. The title and subtitle start 4 px in and may come within 12 px of the right edge; an
# x-axis title is centred on the plot, which the y-axis labels narrow.
PHONE_FIGURE_PX = 328
TITLE_INSET_PX = 16
# Up to this width a chart is a phone's: the notes beside a plot and a colour bar beside a heatmap
# (together 110-140 px) would leave the plot too little.
PHONE_ONLY_MOST_PX = 480
# Font sizes as Streamlit's chart theme draws them (px) and the height of one more line of each.
TITLE_FONT, SUBTITLE_FONT, AXIS_FONT, LEGEND_FONT = 16, 11, 14, 12
TITLE_LINE_PX, SUBTITLE_LINE_PX, AXIS_LINE_PX, LEGEND_LINE_PX = 21, 15, 18, 16
# A legend item: its symbol (and the space after it), the gap to the next item, a one-line row.
LEGEND_SYMBOL_PX, LEGEND_GAP_PX, LEGEND_ROW_PX = 40, 10, 29
# Tick labels: 12 px, one line 16 px tall, at least this far apart side by side.
TICK_FONT, TICK_LINE_PX, TICK_GAP_PX = 12, 16, 10
# Numbers on an axis stay flat while about this far apart (Plotly turns them upright when closer).
NUMBER_GAP_PX = 4
# The widest a category label beside the plot may be: a third of the figure.
Y_LABEL_SHARE = 1 / 3
# The page's figure (a 1,400 px window beside the sidebar) and the height of Plotly's mode bar.
PAGE_FIGURE_PX, MODEBAR_PX = 900, 34
# The right margin of a plot with nothing beside it (clinic.charts.styled's), and the height a
# colour bar laid flat takes below the plot (its bar and tick labels)
PLAIN_RIGHT_PX, COLOUR_BAR_PX = 20, 50
# text_px measures 14 px text within a few per cent; bold titles run wider, so a line is kept this
# much short of the room it has.
SAFETY = 0.92

_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
# The tags Plotly draws (its subset of HTML); any other "<" is text, as in "(< 80 %)".
_TAG = re.compile(r"</?(?:a|b|br|em|i|s|span|sub|sup|u)\b[^>]*>", re.IGNORECASE)
_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|\w+);")
_COMPARISONS = ("<", ">", "≤", "≥", "=", "&lt;", "&gt;")


def shown_px(text: str, font_px: float) -> float:
    """How wide `text` (Plotly's pseudo-HTML: tags take no room, an entity is one character) is
    drawn at `font_px`, roughly."""
    return text_px(_ENTITY.sub("x", _TAG.sub("", text))) * font_px / 14


def _words(line: str) -> list[str]:
    """`line` split at its spaces, but not at a space inside a tag, before a per cent sign or after
    a comparison sign."""
    words = [""]
    for part in re.split(f"({_TAG.pattern})", line, flags=re.IGNORECASE):
        if _TAG.fullmatch(part):
            words[-1] += part
            continue
        first, *rest = part.split(" ")
        words[-1] += first
        for word in rest:       # a per cent sign stays with its number: "80 %" is never broken
            if word.startswith("%") and words[-1]:
                words[-1] += " " + word
            else:
                words.append(word)
    # and a comparison with what it compares to: "(< 80 %)", "≥ 30 %"
    joined: list[str] = []
    for word in words:
        if joined and joined[-1].endswith(_COMPARISONS):
            joined[-1] += " " + word
        else:
            joined.append(word)
    return joined


def wrap(text: str, most_px: float, font_px: float) -> str:
    """`text` with a <br> between words wherever a line would be wider than `most_px`; the breaks it
    already has are kept, a single word wider than the room stays whole, and a tag (even one with a
    space, `<span style="color: red">`) or an entity is never split."""
    lines = []
    for line in _BREAK.split(text):
        current = ""
        for word in _words(line):
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
            axis = fig.layout[_y_axis_name(trace)]
            written = axis.ticktext if axis.ticktext is not None and axis.tickvals is not None else values
            left = max(left, _widest_line([str(v) for v in written]) + 12)
    return left, right


def _y_axis_name(trace) -> str:
    anchor = getattr(trace, "yaxis", None) or "y"
    return "yaxis" + anchor[1:]             # y -> yaxis, y2 -> yaxis2


def axis_title_room(fig: go.Figure, figure_px: float = PHONE_FIGURE_PX) -> float:
    """How wide an x-axis title may be in a figure `figure_px` wide: it is centred on the plot, so it
    has the plot's width and twice the narrower of the two side margins."""
    left, right = _sides(fig)
    return figure_px - abs(left - right)


def _lines(text: str | None) -> int:
    return len(_BREAK.split(text)) if text else 0


def legend_rows_px(names: list[str], room: float) -> float:
    """How tall a horizontal legend of these names is when its items are laid in rows `room` px
    wide (Plotly's way: an item goes to the next row when it does not fit; a row is as tall as its
    tallest name)."""
    total = row_width = row_lines = 0
    for name in names:
        width = LEGEND_SYMBOL_PX + shown_px(max(_BREAK.split(name), key=len), LEGEND_FONT) + LEGEND_GAP_PX
        if row_width and row_width + width > room:
            total += LEGEND_ROW_PX + (row_lines - 1) * LEGEND_LINE_PX
            row_width = row_lines = 0
        row_width += width
        row_lines = max(row_lines, _lines(name))
    return total + (LEGEND_ROW_PX + (row_lines - 1) * LEGEND_LINE_PX if row_width else 0)


def _on_axis(trace, axis) -> bool:
    anchor = axis.plotly_name.replace("axis", "")          # xaxis -> x, yaxis2 -> y2
    letter = anchor[0]
    return getattr(trace, letter + "axis", None) in (anchor, None if anchor == letter else anchor)


def axis_categories(fig: go.Figure, axis) -> list[str]:
    """The categories of an x or y axis whose traces' values along it are all text, in the order
    Plotly puts them (first seen first); none for any other axis. Bars laid across the axis
    (horizontal ones on an x axis, upright ones on a y axis) give it their lengths and are passed over."""
    letter = axis.plotly_name[0]
    across = {"x": "h", "y": "v"}[letter]
    seen: dict[str, None] = {}
    for trace in fig.data:
        values = getattr(trace, letter, None)
        if _on_axis(trace, axis) and values is not None and getattr(trace, "orientation", None) != across:
            if not all(isinstance(v, str) for v in values):
                return []
            seen.update(dict.fromkeys(values))
    return list(seen)


def month_labels(fig: go.Figure, axis) -> list[str]:
    """The month tick labels of a date axis with a tick every month ("Dec 2025"), one for each month
    its traces' x values span; none for any other axis."""
    if axis.dtick != "M1" or not axis.tickformat:
        return []
    months = set()
    for trace in fig.data:
        if _on_axis(trace, axis) and trace.x is not None:
            months.update(pd.Timestamp(x).strftime(axis.tickformat) for x in trace.x if x is not None and not pd.isna(x))
    return sorted(months)


def for_phone(fig: go.Figure) -> go.Figure:
    """A copy of `fig` drawn to fit the narrowest common phone (for_width)."""
    return for_width(fig, PHONE_FIGURE_PX)


def for_width(fig: go.Figure, figure_px: float) -> go.Figure:
    """A copy of `fig` drawn to fit `figure_px` (see the module's docstring); `fig` itself is left as
    it is (it may be shared by every person's page). A width the page's figures are written for
    (PAGE_FIGURE_PX) or more gets `fig` itself."""
    if figure_px >= PAGE_FIGURE_PX:
        return fig
    fitted = go.Figure(fig)
    layout = fitted.layout
    t0 = layout.margin.t if layout.margin.t is not None else 80
    b0 = layout.margin.b if layout.margin.b is not None else 80
    h0 = layout.height if layout.height is not None else 450
    noted = below_plot = 0
    if figure_px <= PHONE_ONLY_MOST_PX:
        noted = _leave_out_side_column(fitted)
        below_plot = _colour_bar_below(fitted)
    _fit_y_categories(fitted, plot_px=h0 - t0 - b0, figure_px=figure_px)
    top, title_top = _fit_title(fitted, t0, figure_px)
    top += noted
    bottom, below = _fit_x_axes(fitted, figure_px)
    _fit_y_titles(fitted, plot_px=h0 - t0 - b0)
    below += _fit_legend(fitted, figure_px)
    if top or bottom or below or below_plot:
        height = h0 + top + bottom + below + below_plot
        # the legend's extra rows and turned or broken tick labels take their room from the height
        # alone: Plotly widens the bottom margin by what they need, and the plot keeps the rest
        layout.update(height=height, margin={"t": t0 + top, "b": b0 + bottom + below_plot})
        if top:
            # Plotly draws a title of two or more lines anchored at its top 11 px higher than one
            drawn = 3 if _lines(layout.title.text) == 1 else 14
            layout.title.update(yref="container", y=1 - (title_top + drawn) / height, yanchor="top")
    return fitted


def _leave_out_side_column(fig: go.Figure) -> float:
    """Leaves out a column of notes written beside the plot, to its right (the Cohorts chart's n per
    group), and the right margin that held it: on a phone it took 110-140 of the figure's 328 px and
    left the plot 80-110. Each row's counts stay in its hover text (and the page's table), which a
    line added to the subtitle says; returns the px that line needs above the plot."""
    annotations = list(fig.layout.annotations)
    beside = [a.xref == "paper" and a.x is not None and a.x >= 1 and a.xanchor == "left" for a in annotations]
    if not any(beside):
        return 0
    fig.layout.annotations = [a for a, out in zip(annotations, beside) if not out]
    fig.layout.margin.r = PLAIN_RIGHT_PX
    note = "Counts per row: in its hover text"
    subtitle = fig.layout.title.subtitle.text if fig.layout.title.subtitle else None
    fig.layout.title.subtitle.text = f"{subtitle}<br>{note}" if subtitle else note
    return SUBTITLE_LINE_PX


def _colour_bar_below(fig: go.Figure) -> float:
    """Lays a heatmap's upright colour bar (about 80 px beside the plot, with its title) flat along
    the bottom of the figure, so the grid has the screen's width; returns the px it takes there.
    The figure's subtitle must say what the colour stands for (Data quality's does)."""
    bars = [t for t in fig.data if t.type == "heatmap" and t.showscale is not False]
    if not bars:
        return 0
    for trace in bars:
        # without its title, which Plotly draws over a flat bar: the subtitle says what the colour is
        trace.colorbar.update(orientation="h", yref="container", y=0, yanchor="bottom", thickness=12,
                              title={"text": ""})
    fig.layout.margin.r = PLAIN_RIGHT_PX
    return COLOUR_BAR_PX


def _fit_title(fig: go.Figure, t0: float, figure_px: float) -> tuple[float, float]:
    """Breaks the title and subtitle into lines; returns the px the top margin needs more and where
    the title's top goes. Plotly sets the title's first baseline mid top margin; on a phone the
    mode bar (the chart's tools, shown at all times on a touch screen) spans most of the width above
    it, so the title starts below it."""
    title = fig.layout.title
    if not title.text:
        return 0, 0
    most_px = figure_px - TITLE_INSET_PX
    wrapped = wrap(title.text, most_px, TITLE_FONT)
    top = (_lines(wrapped) - _lines(title.text)) * TITLE_LINE_PX
    title.text = wrapped
    if title.subtitle and title.subtitle.text:
        wrapped = wrap(title.subtitle.text, most_px, SUBTITLE_FONT)
        top += (_lines(wrapped) - _lines(title.subtitle.text)) * SUBTITLE_LINE_PX
        title.subtitle.text = wrapped
    title_top = t0 / 2 - TITLE_FONT
    lowered = max(0, MODEBAR_PX - title_top) if figure_px <= PHONE_ONLY_MOST_PX else 0
    return top + lowered, title_top + lowered


def _fit_x_axes(fig: go.Figure, figure_px: float) -> tuple[float, float]:
    """Breaks x-axis titles and category labels into lines; returns the px the bottom margin needs
    more for the titles, and the px the figure needs more below the plot for its tick labels."""
    left, right = _sides(fig)
    plot_width = figure_px - left - right
    room = axis_title_room(fig, figure_px)
    bottom = below = 0
    for axis in fig.select_xaxes():
        if axis.title.text:
            wrapped = wrap(axis.title.text, room, AXIS_FONT)
            bottom = max(bottom, (_lines(wrapped) - _lines(axis.title.text)) * AXIS_LINE_PX)
            axis.title.text = wrapped
        # category labels too wide to stand side by side are broken into lines instead of being
        # slanted across the space below the plot (hover text keeps them whole); labels of one long
        # word are left to Plotly, which thins or turns them
        written = axis.ticktext is not None and axis.tickvals is not None and len(axis.tickvals) > 0
        categories = [] if written else axis_categories(fig, axis)
        if categories:
            each = plot_width / len(categories) - TICK_GAP_PX
            labels = [wrap(c, each, TICK_FONT) for c in categories]
            if labels != categories and _widest_line(labels) <= each:
                axis.update(tickmode="array", tickvals=categories, ticktext=labels)
                gained = max(_lines(label) for label in labels) - max(_lines(c) for c in categories)
                below = max(below, gained * TICK_LINE_PX)
        _keep_range(fig, axis)
        # tick labels the chart wrote itself (a session's number over its date, "1<br>06 Dec"):
        # a line wider than the space between ticks is broken at its spaces ("06<br>Dec")
        if written:
            each = plot_width / len(axis.tickvals)
            labels = [wrap(str(t), each, TICK_FONT) for t in axis.ticktext]
            if _widest_line(labels) < _widest_line([str(t) for t in axis.ticktext]):
                gained = max(_lines(t) for t in labels) - max(_lines(str(t)) for t in axis.ticktext)
                axis.ticktext = labels
                below = max(below, gained * TICK_LINE_PX)
        _thin_number_ticks(fig, axis, plot_width)
        # month labels that stood side by side on the page stand upright on a phone (Plotly turns
        # them), taking their width in height below the plot
        months = month_labels(fig, axis)
        widest = max((shown_px(label, TICK_FONT) for label in months), default=0)
        if months and len(months) * (widest + TICK_GAP_PX) > plot_width:
            below = max(below, widest - TICK_LINE_PX)
    return bottom, below


def number_ticks(fig: go.Figure, axis) -> list[float]:
    """The values of a numeric axis's evenly spaced ticks (a number `dtick` from `tick0`, 0 by
    default) over its range, or over its traces' values when it has none; none for any other axis."""
    step = axis.dtick
    if not isinstance(step, numbers.Real) or isinstance(step, bool) or step <= 0:
        return []
    if axis.range is not None:
        low, high = (float(v) for v in axis.range)
    else:
        values = [x for x in _x_values(fig, axis) if _is_number(x)]
        if not values:
            return []
        low, high = min(values), max(values)
    start = float(axis.tick0) if isinstance(axis.tick0, numbers.Real) else 0.0
    first = math.ceil((low - start) / step - 1e-9)
    last = math.floor((high - start) / step + 1e-9)
    return [start + k * step for k in range(first, last + 1)]


def _tick_label(value: float, axis) -> str:
    number = f"{value:g}".replace("-", "−")          # Plotly writes a minus sign, not a hyphen
    return f"{axis.tickprefix or ''}{number}{axis.ticksuffix or ''}"


def _thin_number_ticks(fig: go.Figure, axis, plot_width: float) -> None:
    """A numeric axis with a tick every `dtick` whose labels no longer fit side by side gets a tick
    every 2, 5, 10... `dtick`s instead, the fewest that fit, from its first tick; Plotly would turn
    them upright, where close numbers (a histogram's −10 to 10 on a phone) lie on each other."""
    ticks = number_ticks(fig, axis)
    if len(ticks) < 2:
        return
    widest = max(shown_px(_tick_label(v, axis), TICK_FONT) for v in ticks)
    for times in (1, 2, 5, 10, 20, 50):
        if math.ceil(len(ticks) / times) * (widest + NUMBER_GAP_PX) <= plot_width:
            break
    if times > 1:
        # counted from the first tick shown, so a session axis still starts at session 1
        axis.update(tick0=ticks[0], dtick=axis.dtick * times)


def _is_number(x) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def _x_values(fig: go.Figure, axis) -> list:
    """The x values of the traces on `axis`, without the missing ones."""
    return [x for trace in fig.data if _on_axis(trace, axis) and getattr(trace, "x", None) is not None
            for x in trace.x if x is not None and not (isinstance(x, numbers.Real) and pd.isna(x))]


def _keep_range(fig: go.Figure, axis) -> None:
    """Fixes a month-by-month or session-by-session axis to the span of its points, as the page
    shows it. Plotly pads an axis by its markers' size in px, which on a narrow plot is a longer
    stretch of the axis: an empty month after the as-of date ("Jan 2027" beside December) or a
    session 16 after the last, 15."""
    if axis.range is not None or axis.autorange is False or axis.dtick not in ("M1", 1):
        return
    values = _x_values(fig, axis)
    if not values:
        return
    if axis.dtick == "M1":
        dates = [pd.Timestamp(x) for x in values]
        axis.range = [(min(dates) - pd.Timedelta(days=16)).isoformat(), (max(dates) + pd.Timedelta(days=16)).isoformat()]
    elif all(_is_number(x) for x in values):
        axis.range = [min(values) - 0.6, max(values) + 0.6]


def _widest_line(labels: list[str]) -> float:
    return max((shown_px(line, TICK_FONT) for label in labels for line in _BREAK.split(label)), default=0)


def _fit_y_categories(fig: go.Figure, plot_px: float, figure_px: float) -> None:
    """Breaks the category labels beside the plot (a horizontal chart's) into lines at most a third
    of the figure wide: Plotly widens the left margin to the longest label, and the relief chart's
    one label took half a phone's width from its plot. Left as they are where the lines would not
    fit between the categories, or where a label is one long word."""
    for axis in fig.select_yaxes():
        if axis.ticktext is not None and axis.tickvals is not None:
            continue
        categories = axis_categories(fig, axis)
        if not categories:
            continue
        most_px = figure_px * Y_LABEL_SHARE
        labels = [wrap(c, most_px, TICK_FONT) for c in categories]
        tallest = max(_lines(label) for label in labels)
        if labels != categories and _widest_line(labels) <= most_px \
                and tallest * TICK_LINE_PX <= plot_px / len(categories):
            axis.update(tickmode="array", tickvals=categories, ticktext=labels)


def _fit_y_titles(fig: go.Figure, plot_px: float) -> None:
    """Breaks a y-axis title longer than the plot's page height into lines: it would otherwise run
    up into the subtitle above the plot. An empty one is left out."""
    for axis in fig.select_yaxes():
        if axis.title.text == "":       # Plotly keeps an empty title's room (25 px) beside the labels
            axis.title.text = None
        if axis.title.text and shown_px(axis.title.text, AXIS_FONT) > plot_px - 20:
            axis.title.text = wrap(axis.title.text, plot_px - 20, AXIS_FONT)


def _fit_legend(fig: go.Figure, figure_px: float) -> float:
    """Breaks the legend's names into lines; returns how much taller the legend is than on the page
    (items that stood in one row stand one under another)."""
    listed = [trace for trace in fig.data if trace.showlegend is not False and trace.name]
    shown = fig.layout.showlegend if fig.layout.showlegend is not None else len(listed) > 1
    if not shown:
        return 0
    left = 0 if fig.layout.legend.xref == "container" else _sides(fig)[0]
    on_page = legend_rows_px([trace.name for trace in listed], PAGE_FIGURE_PX - left)
    for trace in listed:
        trace.name = wrap(trace.name, figure_px - left - LEGEND_SYMBOL_PX - 8, LEGEND_FONT)
    return max(0, legend_rows_px([trace.name for trace in listed], figure_px - left) - on_page)
