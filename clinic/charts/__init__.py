"""Plotly figures as pure functions of DataFrames (no Streamlit inside), so tests can check their data.

Every figure has a title that says how many courses are behind it, axis titles with units and
hover text. Page-specific figures live in the modules of this package (overview, pain, relief,
adherence, patients, cohorts); this module holds the shared look.

Plotly renders a subset of HTML in every text of a figure (titles, tick labels, legend names,
annotations, hover text), so text from data (names, ids) goes in through clinic.text.for_plotly,
and into hover text as data (hovertext, customdata), never inside a hovertemplate.
"""
from __future__ import annotations

import functools

import pandas as pd
import plotly.basedatatypes
import plotly.graph_objects as go
import plotly.io as pio

from clinic.filters import AGE_BANDS, DIAGNOSIS_LABELS, SEX_LABELS
from clinic.text import for_plotly

# How a cohort whose value is missing (no therapist yet, no site, no birth year ...) reads on every page.
NOT_RECORDED = "Not recorded"
# A colour-blind-safe palette (Okabe–Ito), in a fixed order so a cohort keeps its colour.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
BEFORE, AFTER = "#D55E00", "#0072B2"
GOOD, BAD, NEUTRAL = "#009E73", "#D55E00", "#7F7F7F"
BAND = "rgba(0, 114, 178, 0.15)"


# Plotly's "plotly_white" look, with the trace defaults of only the trace types drawn here (Box has
# none): the whole template carries defaults for 24 types, which every figure would copy and check.
_WHITE = pio.templates["plotly_white"]
pio.templates["clinic"] = go.layout.Template(
    layout=_WHITE.layout, data={"bar": _WHITE.data.bar, "heatmap": _WHITE.data.heatmap, "scatter": _WHITE.data.scatter})


def _keep_parsed_paths() -> None:
    """Plotly parses a property path ("legend.orientation", "title_text") each time a figure sets
    one, defining a class anew in every parse; a figure of these pages sets a hundred or more, so
    parsing took a sixth of its build time (16 % of the 26 figures of every page at 200,000
    patients). The parse depends on the text alone and its result is only read, so each is kept.
    Left as it is should a later Plotly name that function otherwise."""
    parse = getattr(plotly.basedatatypes, "_str_to_dict_path_full", None)
    if callable(parse) and not hasattr(parse, "cache_info"):
        plotly.basedatatypes._str_to_dict_path_full = functools.lru_cache(maxsize=4096)(parse)


_keep_parsed_paths()


# Cohort labels the dashboard writes itself, shown as they are (the age band "<30" is no tag).
OWN_LABELS = frozenset({*AGE_BANDS, *DIAGNOSIS_LABELS.values(), *SEX_LABELS.values()})


def cohort_text(label) -> str:
    """A cohort value as Plotly text: our own labels as they are, a name from data escaped."""
    return label if label in OWN_LABELS else for_plotly(label)


def pct_text(share, digits: int = 1) -> str:
    """A share (0-1) as every page writes one: the number, a space, then "%" ("66.7 %"), hover texts
    included (Python's and Plotly's own "%" formats write "66.7%")."""
    return f"{share * 100:.{digits}f} %"


def ci_text(low, high) -> str:
    """'95 % CI 74.1–77.6 %' for an interval of two shares (0–1); empty when there is none."""
    if low is None or high is None or pd.isna(low) or pd.isna(high):
        return ""
    return f"95 % CI {low * 100:.1f}–{high * 100:.1f} %"


_NARROW, _WIDE = set("ijlftr()/.,:;'!| -"), set("mwMW")


def text_px(text: str) -> float:
    """A table cell's text width in px, roughly (the dashboard's 14 px sans-serif)."""
    return sum(4 if c in _NARROW else 11 if c in _WIDE else 9 if c.isupper() else 7 for c in str(text))


# How a table's numbers are shown (the formats of ui.table_config): counts with thousands
# separators, per cents and ratios to a fixed number of decimals.
CELL_FORMATS = {"count": lambda v: f"{int(v):,}", "pct1": lambda v: f"{float(v):.1f}",
                "ratio2": lambda v: f"{float(v):.2f}", "date": lambda v: f"{pd.Timestamp(v):%Y-%m-%d}", "text": str}


TEXT_MOST_PX = 320        # the widest a text column is made for its cells
GREYED = "color: #9E9E9E"     # a table row of too few courses to judge


def grey_rows(frame: pd.DataFrame, greyed: pd.Series):
    """For st.dataframe: a Styler that greys the rows where `greyed` holds (too few to judge), or the
    frame itself when none does: Streamlit draws a Styler's every cell through pandas' own
    formatting, 20-30 ms of each run, for nothing to grey."""
    greyed = greyed.fillna(False).astype(bool)
    if not greyed.any():
        return frame
    return frame.style.apply(lambda row: [GREYED if greyed.loc[row.name] else "" for _ in row], axis=1)


def fitted_widths(frame: pd.DataFrame, columns: dict[str, tuple]) -> dict[str, int]:
    """Each column's width in px: its header (and sort arrow) or its widest cell as shown, whichever
    is wider, so a table of short headers fits its page instead of running past the edge, where a
    number cut in half (37.5 shown as "37") would read as another number. `columns` maps a column
    to (header, help, format), the format a key of CELL_FORMATS."""
    widths = {}
    for column, (header, _help, kind) in columns.items():
        shown = [CELL_FORMATS[kind](v) for v in frame[column] if v is not None and not pd.isna(v)] \
            if column in frame else []
        cells = [text_px(text) + 16 for text in shown]
        if kind == "text":      # free text (a note) is cut at a width; a double click on the cell shows it whole
            cells = [min(px, TEXT_MOST_PX) for px in cells]
        widths[column] = int(max([text_px(header) + 24, *cells]))
    return widths


def n_courses(count: int) -> str:
    return f"{count:,} course" + ("" if count == 1 else "s")


def period_running(last_day, as_of, today=None) -> bool:
    """Whether a week or month whose last day is `last_day` is still running as of `as_of`: it ends
    after the as-of date, or on it while that day is not over. `today` is the date it is now: the
    as-of day is in progress when it is today, as the adherence window treats it (a visit may still
    come), and over when it is a past day; None takes the as-of day for today."""
    last_day, as_of = pd.Timestamp(last_day).date(), pd.Timestamp(as_of).date()
    today = as_of if today is None else pd.Timestamp(today).date()
    return last_day > as_of or (last_day == as_of and as_of >= today)


def running_month(as_of, today=None) -> pd.Timestamp | None:
    """The first day of the as-of date's month while that month is still running (the as-of date is
    not its last day, or is and is today: period_running), else None."""
    if as_of is None:
        return None
    day = pd.Timestamp(as_of)
    month = day.to_period("M")
    return month.to_timestamp() if period_running(month.end_time, as_of, today) else None


LABEL_ROW_PX = 15     # a row of 11 px text (a reference line's label) between the subtitle and the plot


def label_rows_px(rows: int) -> int:
    """The px to add to a figure's top margin and height for `rows` rows of labels between the
    subtitle and the plot: twice theirs, as Plotly sets the title's baseline mid top margin (the
    subtitle below it), so half of what the margin gains goes above the title."""
    return 2 * LABEL_ROW_PX * rows


def _with_template(fig: go.Figure) -> None:
    """Gives `fig` the "clinic" template as Plotly gives every new figure its default one: taken as
    registered, without checking it again. Through update_layout it was checked and copied three
    times over, a fifth of a small figure's build time."""
    layout = fig.layout
    layout._validate = False
    try:
        layout.template = pio.templates["clinic"]
    finally:
        layout._validate = fig._validate


def styled(fig: go.Figure, title: str, x_title: str, y_title: str, subtitle: str | None = None,
           height: int = 420) -> go.Figure:
    """Applies the dashboard's look: a title (with the data behind it), axis titles and a legend.

    Call it after adding the traces: the room below the plot is kept only when a legend shows.
    """
    shown = [t for t in fig.data if t.showlegend is not False]
    legend = fig.layout.showlegend if fig.layout.showlegend is not None else len(shown) > 1
    _with_template(fig)
    fig.update_layout(
        title={"text": title, "subtitle": {"text": subtitle} if subtitle else None},
        height=height,
        margin={"l": 60, "r": 20, "t": 80 if subtitle else 60, "b": 110 if legend else 60},
        # Below the plot, so it never covers the title or subtitle, whatever the width.
        legend={"orientation": "h", "yref": "container", "y": 0.0, "yanchor": "bottom", "x": 0.0, "xanchor": "left"},
        hoverlabel={"align": "left"},
    )
    fig.update_xaxes(title_text=x_title)
    fig.update_yaxes(title_text=y_title)
    return fig
