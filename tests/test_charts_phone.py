"""Charts on a phone or in a narrow window: titles, subtitles, x-axis titles and legend names broken
into lines that fit (clinic.charts.phone), for the width the browser's window reported or, for a
browser that says it is a phone and reported none, the narrowest common phone (ui.figure_px).

Widths are worked out by hand from text_px's rule (14 px text: a lowercase letter 7 px, a space
4 px, an upper-case letter 9 px, m and w 11 px) scaled to the font, against the room a 360 px phone
leaves, less the 8 % kept in hand (SAFETY = 0.92).
"""
from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import plotly.graph_objects as go
import pytest

from clinic import ui
from clinic.charts import phone, relief


def words(n: int, word: str = "aaaaa") -> str:
    return " ".join([word] * n)


# ------------------------------------------------------------------ wrap

def test_a_line_breaks_before_the_word_that_would_pass_the_room():
    # "aaaa" 28 px, "aaaa bbbb" 28 + 4 + 28 = 60 px, all three 92 px (14 px text)
    assert phone.wrap("aaaa bbbb cccc", 70, 14) == "aaaa bbbb<br>cccc"      # room 70 x 0.92 = 64.4
    assert phone.wrap("aaaa bbbb cccc", 50, 14) == "aaaa<br>bbbb<br>cccc"   # 46: one word a line
    assert phone.wrap("aaaa bbbb cccc", 110, 14) == "aaaa bbbb cccc"        # 101.2: all of it


def test_a_larger_font_takes_more_room():
    # at 28 px "aaaa" is 56 px and "aaaa bbbb" 120 px, against 64.4
    assert phone.wrap("aaaa bbbb cccc", 70, 28) == "aaaa<br>bbbb<br>cccc"


def test_tags_take_no_room_and_an_entity_takes_one_character():
    # shown as "aaaa bbbb" (60 px): counted as typed, "<b>aaaa</b> bbbb" would be far over 64.4
    assert phone.wrap("<b>aaaa</b> bbbb cccc", 70, 14) == "<b>aaaa</b> bbbb<br>cccc"
    # "&lt;" is one character (7 px), not four (19 px): "<<<< bbbb" is 60 px
    assert phone.wrap("&lt;&lt;&lt;&lt; bbbb cccc", 70, 14) == "&lt;&lt;&lt;&lt; bbbb<br>cccc"
    # a "<" that opens no tag Plotly knows is text: N 9 + "ot" 11 + 4 + "adherent" 50 + 4 + "(<" 11
    # + 4 + "80" 14 + 4 + "%)" 11 = 122 px
    assert phone.shown_px("<b>Not adherent (< 80 %)</b>", 14) == 122
    # nor is the space before a per cent sign: "aaa 80" (39 px) fits 50 x 0.92 = 46, "aaa 80 %" (50) not
    assert phone.wrap("aaa 80 %", 50, 14) == "aaa<br>80 %"
    # nor after a comparison sign: "aaa (<" (36 px) fits 46, "aaa (< 80 %)" (69) does not
    assert phone.wrap("aaa (&lt; 80 %)", 50, 14) == "aaa<br>(&lt; 80 %)"
    # a space inside a tag is no place for a line break
    styled = '<span style="color: red">aaaa</span> bbbb cccc'
    assert phone.wrap(styled, 70, 14) == '<span style="color: red">aaaa</span> bbbb<br>cccc'


def test_breaks_already_there_are_kept_and_a_word_wider_than_the_room_stays_whole():
    assert phone.wrap("aaaa<br>bbbb cccc", 70, 14) == "aaaa<br>bbbb cccc"
    assert phone.wrap("aaaa<BR/>bbbb", 70, 14) == "aaaa<br>bbbb"
    assert phone.wrap("aaaaaaaaaaaaaaaaaaaa", 20, 14) == "aaaaaaaaaaaaaaaaaaaa"


# ------------------------------------------------------------------ for_phone

def figure() -> go.Figure:
    fig = go.Figure([
        go.Scatter(x=[1, 2], y=[3, 4], name=words(7)),
        go.Scatter(x=[1, 2], y=[4, 5], name="after"),
        go.Scatter(x=[1, 2], y=[2, 2], name=words(12), showlegend=False),     # decoy: not in the legend
    ])
    fig.update_layout(title={"text": words(8), "subtitle": {"text": words(20)}}, height=420,
                      margin={"l": 60, "r": 20, "t": 80, "b": 110})
    fig.update_xaxes(title_text=words(7))
    fig.update_yaxes(title_text=words(6))
    return fig


def test_on_a_phone_each_text_gets_the_lines_it_needs_and_the_figure_the_room_for_them():
    # n words of "aaaaa" are 39n - 4 px at 14 px.
    # title, 16 px, room 312 x 0.92 = 287.04: (39n - 4) x 16/14 fits for n <= 6 -> 8 words: 6 + 2
    # subtitle, 11 px, same room: n <= 9 -> 20 words: 9 + 9 + 2
    # x-axis title, 14 px, room 328 - |60 - 20| = 288 x 0.92 = 264.96: n <= 6 -> 7 words: 6 + 1
    # y-axis title, 14 px, longer (230 px) than the page's plot less 20 (420 - 80 - 110 - 20 = 210):
    #   room 210 x 0.92 = 193.2: n <= 5 -> 6 words: 5 + 1
    # legend name, 12 px, room 328 - 60 - 40 - 8 = 220 x 0.92 = 202.4: n <= 6 -> 7 words: 6 + 1
    shown = phone.for_phone(figure())
    assert shown.layout.title.text == words(6) + "<br>" + words(2)
    assert shown.layout.title.subtitle.text == "<br>".join([words(9), words(9), words(2)])
    assert shown.layout.xaxis.title.text == words(6) + "<br>aaaaa"
    assert shown.layout.yaxis.title.text == words(5) + "<br>aaaaa"
    assert [t.name for t in shown.data] == [words(6) + "<br>aaaaa", "after", words(12)]
    # top: one title line (21 px), two subtitle lines (15 px each), and the title's top from
    # 80 / 2 - 16 = 24 px down to below the mode bar, 34 px: 21 + 30 + 10 = 61
    # bottom margin: one axis title line, 18 px
    # legend: on the page one row (29 px): "aaaaa x 7" 40 + 230.57 + 10 and "after" 40 + 22.29 + 10
    #   in 900 - 60 px; on the phone, in 328 - 60 = 268 px, the first item (247.14 px wide, its
    #   longer line "aaaaa x 6" 197.14) leaves no room for "after": rows of 29 + 16 and 29 px = 74,
    #   45 more, which the height takes on its own
    assert (shown.layout.margin.t, shown.layout.margin.b, shown.layout.height) == (141, 128, 420 + 61 + 18 + 45)
    # the title's top 34 px down; Plotly draws a title of two lines 14 px above its anchor
    assert shown.layout.title.yref == "container" and shown.layout.title.yanchor == "top"
    assert shown.layout.title.y == pytest.approx(1 - (34 + 14) / 544)


def test_the_figure_given_is_left_as_it_was():
    fig = figure()
    phone.for_phone(fig)
    assert fig.layout.title.text == words(8) and "<br>" not in fig.layout.title.subtitle.text
    assert (fig.layout.margin.t, fig.layout.height, fig.data[0].name) == (80, 420, words(7))


def test_in_a_narrow_window_the_texts_are_broken_to_the_charts_own_width():
    # a 1,100 px window: a chart 640 px wide, drawn for 600 (figure_px rounds down, FIGURE_STEP_PX)
    # room for the title and subtitle: (600 - 16) x 0.92 = 537.28 px
    # title, 16 px: (39n - 4) x 16/14 fits for n <= 12 -> its 8 words stay on one line
    # subtitle, 11 px: (39n - 4) x 11/14 fits for n <= 17 -> 20 words: 17 + 3
    # x-axis title, 14 px, room (600 - 40) x 0.92 = 515.2: n <= 13 -> 7 words on one line
    # legend name, 12 px, room (600 - 60 - 40 - 8) x 0.92 = 452.64: n <= 13 -> 7 words on one line;
    #   both items (280.57 + 72.29 px) still share one row of 540 px
    shown = phone.for_width(figure(), 600)
    assert shown.layout.title.text == words(8)
    assert shown.layout.title.subtitle.text == words(17) + "<br>" + words(3)
    assert shown.layout.xaxis.title.text == words(7)
    assert [t.name for t in shown.data] == [words(7), "after", words(12)]
    # one subtitle line more (15 px); the title stays where the page has it, 80 / 2 - 16 = 24 px
    # down: the mode bar spans a phone's width, not a window's
    assert (shown.layout.margin.t, shown.layout.margin.b, shown.layout.height) == (95, 110, 435)
    assert shown.layout.title.y == pytest.approx(1 - (24 + 3) / 435)
    # a window whose chart is as wide as the page's figures, or wider, gets the figure itself
    fig = figure()
    assert phone.for_width(fig, 900) is fig and phone.for_width(fig, 1460) is fig


def test_only_a_phones_width_leaves_out_the_notes_beside_the_plot_and_lays_the_colour_bar_flat():
    def noted():
        fig = go.Figure([go.Scatter(x=[50, 60], y=["Alder", "Birch"], mode="markers")])
        fig.add_annotation(x=1.0, xref="paper", xanchor="left", y="Alder", yref="y", text="n = 9 of 10")
        fig.update_layout(height=420, margin={"l": 60, "r": 140, "t": 100, "b": 60})
        return fig

    def heatmap():
        fig = go.Figure([go.Heatmap(z=[[1, 2], [3, 4]], x=["Jan", "Feb"], y=["Alder", "Birch"])])
        fig.update_layout(height=420, margin={"l": 60, "r": 20, "t": 60, "b": 60})
        return fig
    # 480 px (PHONE_ONLY_MOST_PX) is a phone's, 500 a window's
    assert len(phone.for_width(noted(), 480).layout.annotations) == 0
    kept = phone.for_width(noted(), 500)
    assert [a.text for a in kept.layout.annotations] == ["n = 9 of 10"] and kept.layout.margin.r == 140
    assert phone.for_width(heatmap(), 480).data[0].colorbar.orientation == "h"
    assert phone.for_width(heatmap(), 500).data[0].colorbar.orientation is None


def fitting(top_margin: int) -> go.Figure:
    fig = go.Figure([go.Scatter(x=[1], y=[1], name="before"), go.Scatter(x=[1], y=[2], name="after")])
    fig.update_layout(title={"text": "Pain", "subtitle": {"text": "12 courses"}}, height=420,
                      margin={"l": 60, "r": 20, "t": top_margin, "b": 110})
    fig.update_xaxes(title_text="Session")
    fig.update_yaxes(title_text="Mean pain")
    return fig


def test_a_figure_whose_texts_fit_below_the_mode_bar_comes_back_the_same():
    # the title's top at 120 / 2 - 16 = 44 px, below the mode bar's 34
    shown = phone.for_phone(fitting(120))
    assert (shown.layout.margin.t, shown.layout.margin.b, shown.layout.height) == (120, 110, 420)
    assert shown.layout.title.y is None and shown.layout.title.text == "Pain"


def test_a_title_under_the_mode_bar_goes_below_it_on_a_phone_only():
    # its top at 80 / 2 - 16 = 24 px: 10 px down, to 34; one line is drawn 3 px above its anchor
    shown = phone.for_phone(fitting(80))
    assert (shown.layout.margin.t, shown.layout.height) == (90, 430)
    assert shown.layout.title.y == pytest.approx(1 - (34 + 3) / 430)
    # in a window's 500 px the mode bar leaves the title's side free: nothing moves
    wide = phone.for_width(fitting(80), 500)
    assert (wide.layout.margin.t, wide.layout.height, wide.layout.title.y) == (80, 420, None)


def test_a_hidden_legend_adds_no_room_and_keeps_its_names():
    fig = go.Figure([go.Scatter(x=[1], y=[1], name=words(7))])       # one trace: no legend drawn
    fig.update_layout(height=420, margin={"l": 60, "r": 20, "t": 60, "b": 60})
    shown = phone.for_phone(fig)
    assert shown.data[0].name == words(7) and shown.layout.height == 420


def months_figure(months: int) -> go.Figure:
    fig = go.Figure([go.Scatter(x=pd.date_range("2026-01-01", periods=months, freq="MS"), y=[1] * months)])
    fig.update_layout(height=420, margin={"l": 60, "r": 20, "t": 60, "b": 60})
    fig.update_xaxes(dtick="M1", tickformat="%b %Y")
    return fig


def test_month_labels_that_no_longer_fit_side_by_side_get_room_to_stand_upright():
    # "May 2026" is the widest: (11 + 7 + 7 + 4 + 28) x 12/14 = 48.86 px; five months need
    # 5 x (48.86 + 10) = 294.3 px of a 328 - 60 - 20 = 248 px plot: upright, 48.86 - 16 px taller
    assert phone.month_labels(months_figure(5), months_figure(5).layout.xaxis)[-1] == "May 2026"
    assert phone.for_phone(months_figure(5)).layout.height == pytest.approx(420 + 48.86 - 16, abs=0.01)
    # January to March: "Jan 2026" and "Feb 2026" 47.14 px, 3 x 57.14 = 171.4 px fit
    assert phone.for_phone(months_figure(3)).layout.height == 420


def test_category_labels_too_wide_side_by_side_are_broken_into_lines():
    # two categories on a 248 px plot: 248 / 2 - 10 = 114 px each, x 0.92 = 104.88 at 12 px:
    # (39n - 4) x 12/14 fits for n <= 3; the longest line then 96.86 px
    fig = go.Figure([go.Bar(x=[words(4), words(2, "bbbbb")], y=[1, 2])])
    fig.update_layout(height=420, margin={"l": 60, "r": 20, "t": 60, "b": 60})
    shown = phone.for_phone(fig)
    assert list(shown.layout.xaxis.ticktext) == [words(3) + "<br>aaaaa", words(2, "bbbbb")]
    assert list(shown.layout.xaxis.tickvals) == [words(4), words(2, "bbbbb")]     # the data as it was
    assert shown.layout.height == 420 + 16                                          # one more line
    # a label of one long word cannot be broken: left to Plotly
    single = go.Figure([go.Bar(x=["a" * 30, "b"], y=[1, 2])])
    single.update_layout(height=420, margin={"l": 60, "r": 20, "t": 60, "b": 60})
    assert phone.for_phone(single).layout.xaxis.ticktext is None


def test_category_labels_beside_the_plot_are_broken_at_a_third_of_the_figure_and_the_plot_widens():
    # a third of 328 px, x 0.92 = 100.59 px at 12 px = 117.35 at 14: (39n - 4) fits for n <= 3
    fig = go.Figure([go.Bar(x=[1, 2], y=[words(4), words(2, "bbbbb")], orientation="h")])
    fig.update_layout(height=420, margin={"l": 60, "r": 20, "t": 60, "b": 60})
    shown = phone.for_phone(fig)
    assert list(shown.layout.yaxis.ticktext) == [words(3) + "<br>aaaaa", words(2, "bbbbb")]
    assert list(shown.layout.yaxis.tickvals) == [words(4), words(2, "bbbbb")]      # the data as it was
    assert shown.layout.height == 420                                               # the lines fit
    # the left margin follows the longest line, 113 px at 14 = 96.86 at 12, + 12; the page's
    # label of 152 px at 14 had 130.29 + 12
    assert phone.axis_title_room(shown) == pytest.approx(328 - (113 * 12 / 14 + 12 - 20))
    assert phone.axis_title_room(fig) == pytest.approx(328 - (152 * 12 / 14 + 12 - 20))


def test_category_labels_beside_the_plot_stay_whole_where_they_fit_or_cannot_be_broken_or_would_crowd():
    def horizontal(labels, height=420):
        fig = go.Figure([go.Bar(x=list(range(len(labels))), y=labels, orientation="h")])
        fig.update_layout(height=height, margin={"l": 60, "r": 20, "t": 60, "b": 60})
        return phone.for_phone(fig).layout.yaxis.ticktext

    assert horizontal([words(2), words(1)]) is None                 # they fit
    assert horizontal(["a" * 30, "b"]) is None                      # one long word
    # twelve labels of two lines on a 300 px plot: 25 px a category, 32 needed
    assert horizontal([words(4, f"a{n:03}a") for n in range(12)]) is None
    # decoy: upright bars name their categories below the plot, and their y axis holds numbers
    upright = go.Figure([go.Bar(x=[words(4)], y=[1])])
    assert phone.for_phone(upright).layout.yaxis.ticktext is None


def test_an_axis_takes_its_categories_from_its_own_traces_in_the_order_first_seen():
    # a horizontal chart's second y axis: its bars' labels, then the new one of its markers; the
    # first y axis's labels and the bars' lengths (the x axis) are no categories of it
    fig = go.Figure([
        go.Bar(x=[3, 4], y=["knee", "hip"], orientation="h", yaxis="y2"),
        go.Scatter(x=[1, 2], y=["hip", "back"], yaxis="y2"),
        go.Bar(x=[5], y=["decoy"], orientation="h"),
    ])
    fig.update_layout(yaxis2={"overlaying": "y"})
    assert phone.axis_categories(fig, fig.layout.yaxis2) == ["knee", "hip", "back"]
    assert phone.axis_categories(fig, fig.layout.yaxis) == ["decoy"]
    assert phone.axis_categories(fig, fig.layout.xaxis) == []
    # upright bars are passed over on a y axis, as horizontal ones are on an x axis; a trace of
    # numbers along the axis leaves it without categories
    upright = go.Figure([go.Bar(x=["a", "b"], y=[1, 2], orientation="v"),
                         go.Bar(x=[1], y=["c"], orientation="h")])
    assert phone.axis_categories(upright, upright.layout.yaxis) == ["c"]
    assert phone.axis_categories(upright, upright.layout.xaxis) == ["a", "b"]
    upright.add_trace(go.Scatter(x=[1], y=[0.5]))
    assert phone.axis_categories(upright, upright.layout.yaxis) == []


def test_the_relief_charts_one_label_takes_two_lines_on_a_phone():
    from clinic.charts import overview
    relief = {"rate": 0.6, "ci_low": 0.5, "ci_high": 0.7, "relieved": 60, "assessable": 100}
    fig = overview.relief_claim(relief, "a drop of 30 % or more")
    # "Relief after the first" is 114 px at 14 (97.71 at 12), " session" 50 more
    shown = phone.for_phone(fig)
    assert shown.layout.yaxis.ticktext == ("Relief after the first<br>session",)
    assert shown.layout.yaxis.title.text is None                    # its empty title's room given back
    assert fig.layout.yaxis.ticktext is None and fig.layout.yaxis.title.text == ""  # the page's, as it was
    # decoy: a y-axis title with words stays
    titled = go.Figure([go.Bar(x=[1], y=[2])])
    titled.update_layout(yaxis_title="Courses")
    assert phone.for_phone(titled).layout.yaxis.title.text == "Courses"


def test_an_axis_title_has_less_room_beside_long_category_labels():
    # ten W are 110 px at 14 px, 94.29 at 12; + 12 = 106.29 px of left margin against the right's 20:
    # the title, centred on the plot, has 328 - 86.29 = 241.71 px
    fig = go.Figure([go.Bar(x=[0.5], y=["WWWWWWWWWW"], orientation="h")])
    fig.update_layout(margin={"l": 60, "r": 20})
    assert phone.axis_title_room(fig) == pytest.approx(328 - (110 * 12 / 14 + 12 - 20))
    # decoy: upright bars name their categories below the plot, not beside it
    upright = go.Figure([go.Bar(x=["WWWWWWWWWW"], y=[0.5])])
    upright.update_layout(margin={"l": 60, "r": 20})
    assert phone.axis_title_room(upright) == 328 - 40


# ------------------------------------------------------------------ on_phone

ANDROID = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
           "Chrome/131.0.0.0 Mobile Safari/537.36")
IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Version/17.5 Mobile/15E148 Safari/604.1")
DESKTOP = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 "
           "Safari/537.36")
ANDROID_TABLET = ("Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) "
                  "Chrome/131.0.0.0 Safari/537.36")


@pytest.mark.parametrize("headers, expected", [
    ({"User-Agent": ANDROID}, True),
    ({"User-Agent": IPHONE}, True),
    ({"User-Agent": DESKTOP, "Sec-CH-UA-Mobile": "?1"}, True),      # Chromium's own hint
    ({"User-Agent": DESKTOP, "Sec-CH-UA-Mobile": "?0"}, False),
    ({"User-Agent": DESKTOP}, False),
    ({"User-Agent": ANDROID_TABLET}, False),                         # a tablet is wide enough
    ({}, False),
], ids=["android", "iphone", "hint", "hint-no", "desktop", "tablet", "none"])
def test_a_browser_is_a_phone_when_it_says_so(monkeypatch, headers, expected):
    monkeypatch.setattr(ui.st, "context", SimpleNamespace(headers=headers))
    assert ui.on_phone() is expected


class NoBrowser:
    """st.context outside a script run (a test's or the bench's)."""
    @property
    def headers(self):
        raise RuntimeError("no script run context")

    @property
    def cookies(self):
        raise RuntimeError("no script run context")


def test_a_run_without_a_browser_is_not_a_phone_and_draws_the_pages_figures(monkeypatch):
    monkeypatch.setattr(ui.st, "context", NoBrowser())
    assert ui.on_phone() is False
    assert ui.figure_px() is None


@pytest.mark.parametrize("window, chart", [
    (300, 268), (360, 328), (768, 736),     # the sidebar folded away, 16 px either side
    (769, 437), (800, 468), (863, 531),     # the sidebar's 300 px, 16 px either side
    (864, 404), (900, 440), (1280, 820), (1400, 940),   # the sidebar's 300 px, 80 px either side
])
def test_a_charts_width_follows_streamlits_layout_as_measured_in_chromium(window, chart):
    assert ui.chart_px(window) == chart


@pytest.mark.parametrize("cookies, headers, expected", [
    ({"clinic_window": "1280"}, {"User-Agent": DESKTOP}, 820),       # a laptop's window: 820 px
    ({"clinic_window": "1100"}, {"User-Agent": DESKTOP}, 640),
    ({"clinic_window": "1250"}, {"User-Agent": DESKTOP}, 780),       # 790 rounded down to 20 px
    ({"clinic_window": "1359"}, {"User-Agent": DESKTOP}, 880),       # 899 -> 880
    ({"clinic_window": "1360"}, {"User-Agent": DESKTOP}, None),      # 900: the page's own figures
    ({"clinic_window": "1920"}, {"User-Agent": DESKTOP}, None),
    ({"clinic_window": "412"}, {"User-Agent": ANDROID}, 380),        # a phone says how wide it is
    ({"clinic_window": "844"}, {"User-Agent": IPHONE}, 500),         # turned sideways: 512 -> 500
    ({}, {"User-Agent": ANDROID}, 328),                              # or is taken for the narrowest
    ({}, {"User-Agent": DESKTOP}, None),
    ({"clinic_window": "wide"}, {"User-Agent": DESKTOP}, None),      # what is not a width is not used
    ({"clinic_window": "wide"}, {"User-Agent": IPHONE}, 328),
    ({"clinic_window": "99999"}, {"User-Agent": DESKTOP}, None),
    ({"clinic_window": "150"}, {"User-Agent": ANDROID}, 328),
], ids=["laptop", "1100", "rounded", "just-under", "page", "wide", "phone", "sideways", "phone-no-cookie",
        "desktop-no-cookie", "garbage", "garbage-phone", "too-wide", "too-narrow"])
def test_a_run_draws_its_charts_for_the_width_its_window_reported(monkeypatch, cookies, headers, expected):
    monkeypatch.setattr(ui.st, "context", SimpleNamespace(headers=headers, cookies=cookies))
    assert ui.figure_px() == expected


def test_a_charts_width_the_browser_measured_since_the_page_connected_counts_before_the_cookie(monkeypatch):
    # the page connected in a 1,400 px window (a chart 940 px: the page's figures); since, the window
    # was made 900 px (a chart 440), or the sidebar dragged 146 px wider (a chart 794)
    context = SimpleNamespace(headers={"User-Agent": DESKTOP}, cookies={"clinic_window": "1400"})
    monkeypatch.setattr(ui.st, "context", context)
    monkeypatch.setattr(ui.st, "session_state", {})
    assert (ui.reported_chart_px(), ui.figure_px()) == (940, None)
    for measured, drawn in ((440, 440), (794, 780), (1_100, None)):     # the sidebar folded away: 1,100
        monkeypatch.setattr(ui.st, "session_state", {ui.CHART_KEY: measured})
        assert (ui.reported_chart_px(), ui.figure_px()) == (measured, drawn)
    for garbage in ("794", True, 40, 99_999):                   # what the watch does not send is not used
        monkeypatch.setattr(ui.st, "session_state", {ui.CHART_KEY: garbage})
        assert ui.reported_chart_px() == 940


def test_a_width_the_watch_measured_in_a_window_as_wide_counts_before_the_one_worked_out(monkeypatch):
    # a 1,400 px window whose sidebar was dragged 150 px wider on an earlier page: its charts are 790
    # px wide, not the 940 Streamlit's own layout gives; the watch kept "1400x790" in its cookie
    def reported(**cookies):
        monkeypatch.setattr(ui.st, "context", SimpleNamespace(headers={"User-Agent": DESKTOP}, cookies=cookies))
        return ui.reported_chart_px()

    monkeypatch.setattr(ui.st, "session_state", {})
    assert reported(clinic_window="1400", clinic_chart="1400x790") == 790
    assert reported(clinic_window="1400", clinic_chart="1400x923") == 923      # a scroll bar beside the page
    # decoys: measured in a window of another width (made narrower since), or not a measure at all
    assert reported(clinic_window="1280", clinic_chart="1400x790") == 820
    for garbage in ("1400x", "x790", "1400x40", "1400x790x2", "1400x 790", "1400", "", "1400x99999"):
        assert reported(clinic_window="1400", clinic_chart=garbage) == 940, garbage
    assert reported(clinic_chart="1400x790") is None              # no window reported: nothing to match
    # what the watch measured since this page connected counts first
    monkeypatch.setattr(ui.st, "session_state", {ui.CHART_KEY: 600})
    assert reported(clinic_window="1400", clinic_chart="1400x790") == 600


def test_without_a_browser_no_charts_width_is_reported(monkeypatch):
    monkeypatch.setattr(ui.st, "context", NoBrowser())
    assert ui.reported_chart_px() is None


def test_a_month_or_session_axis_spans_its_points_instead_of_the_markers_padding():
    # Plotly pads by the markers' px, a longer stretch on a narrow plot: an empty month after the
    # last; half a month (16 days) either side, as on the page
    months = phone.for_phone(months_figure(5)).layout.xaxis.range
    assert list(months) == ["2025-12-16T00:00:00", "2026-05-17T00:00:00"]     # 1 Jan - 16 d, 1 May + 16 d
    sessions = go.Figure([go.Scatter(x=pd.Series([1, 2, 15]), y=[5, 4, 3])])      # numpy integers
    sessions.update_xaxes(dtick=1)
    assert list(phone.for_phone(sessions).layout.xaxis.range) == pytest.approx([0.4, 15.6])
    # decoys: a range the chart set stays, and an axis without a tick per month or session is Plotly's
    fixed = go.Figure([go.Scatter(x=[1, 2], y=[1, 2])])
    fixed.update_xaxes(dtick=1, range=[0, 10])
    assert list(phone.for_phone(fixed).layout.xaxis.range) == [0, 10]
    assert phone.for_phone(go.Figure([go.Scatter(x=[1, 2], y=[1, 2])])).layout.xaxis.range is None


def test_a_column_of_notes_beside_the_plot_is_left_to_the_hover_text():
    fig = go.Figure([go.Scatter(x=[50, 60], y=["Alder", "Birch"], mode="markers")])
    for label in ("Alder", "Birch"):         # the Cohorts chart's n per group, right of the plot
        fig.add_annotation(x=1.0, xref="paper", xanchor="left", y=label, yref="y", text="n = 9 of 10")
    fig.add_annotation(x=0.5, xref="paper", y=1, yref="paper", text="the claim")          # decoy: above
    fig.add_annotation(x=1.0, xref="paper", xanchor="right", y=0, yref="paper", text="in")  # decoy: inside
    fig.update_layout(title={"text": "Pain", "subtitle": {"text": "12 courses"}}, height=420,
                      margin={"l": 60, "r": 140, "t": 100, "b": 60})
    shown = phone.for_phone(fig)
    assert [a.text for a in shown.layout.annotations] == ["the claim", "in"]
    assert shown.layout.margin.r == 20
    assert shown.layout.title.subtitle.text == "12 courses<br>Counts per row: in its hover text"
    # one subtitle line more (15 px); the title's top at 100 / 2 - 16 = 34 px, clear of the mode bar
    assert (shown.layout.margin.t, shown.layout.height) == (115, 435)
    assert len(fig.layout.annotations) == 4 and fig.layout.margin.r == 140        # the page's figure


def test_tick_labels_the_chart_wrote_are_broken_at_their_spaces_where_the_ticks_stand_close():
    # 15 sessions on a 328 - 60 - 20 = 248 px plot: 16.53 px a tick, x 0.92 = 15.2 px a line.
    # "06 Dec" is (7 + 7 + 4 + 9 + 7 + 7) x 12/14 = 35.1 px: "06" (12 px) and "Dec" (19.7 px, one
    # word, left whole) on lines of their own; "07" and the session numbers fit as they are
    fig = go.Figure([go.Scatter(x=list(range(1, 16)), y=[5] * 15)])
    fig.update_layout(height=420, margin={"l": 60, "r": 20, "t": 60, "b": 60})
    ticks = ["1<br>06 Dec"] + [f"{n}<br>{n + 5:02d}" for n in range(2, 16)]
    fig.update_xaxes(tickvals=list(range(1, 16)), ticktext=ticks)
    shown = phone.for_phone(fig)
    assert list(shown.layout.xaxis.ticktext) == ["1<br>06<br>Dec"] + ticks[1:]
    assert shown.layout.height == 420 + 16                     # a third line of tick labels
    # decoy: five ticks have 49.6 px each, room for "06 Dec" as it is
    few = go.Figure([go.Scatter(x=[1, 2, 3, 4, 5], y=[5] * 5)])
    few.update_layout(height=420, margin={"l": 60, "r": 20, "t": 60, "b": 60})
    few.update_xaxes(tickvals=[1, 2, 3, 4, 5], ticktext=ticks[:5])
    assert list(phone.for_phone(few).layout.xaxis.ticktext) == ticks[:5]


def test_a_heatmaps_colour_bar_lies_flat_below_the_plot():
    fig = go.Figure([go.Heatmap(z=[[1, 2], [3, 4]], x=["Jan", "Feb"], y=["Alder", "Birch"],
                                colorbar={"title": {"text": "% of attended<br>sessions"}})])
    fig.update_layout(height=420, margin={"l": 60, "r": 20, "t": 60, "b": 60})
    shown = phone.for_phone(fig)
    bar = shown.data[0].colorbar
    assert (bar.orientation, bar.yref, bar.y, bar.yanchor, bar.title.text) == ("h", "container", 0, "bottom", "")
    # 50 px below the plot for the bar and its ticks; nothing stands beside the plot any more
    assert (shown.layout.margin.b, shown.layout.height, shown.layout.margin.r) == (110, 470, 20)
    assert fig.data[0].colorbar.orientation is None                                  # the page's figure
    # decoy: a heatmap drawn without its scale keeps its size
    plain = go.Figure([go.Heatmap(z=[[1]], showscale=False)])
    plain.update_layout(height=420, margin={"l": 60, "r": 20, "t": 60, "b": 60})
    assert phone.for_phone(plain).layout.height == 420


def _numbers_figure(**xaxis) -> go.Figure:
    fig = go.Figure([go.Bar(x=list(range(1, 16)), y=[1] * 15)])
    fig.update_layout(height=420, margin={"l": 60, "r": 20, "t": 60, "b": 60})
    fig.update_xaxes(**xaxis)
    return fig


def test_close_numbers_on_an_axis_get_a_tick_every_few_instead_of_standing_upright_on_each_other():
    # A plot 328 - 60 - 20 = 248 px wide. Digits and the minus sign are 7 px at 14 px, 6 px at the
    # ticks' 12 px, and numbers need 4 px between them. The first-session histogram's -10 to 10:
    # "−10" is 18 px, 22 px a tick; 21 ticks need 462 px, every second one 11 x 22 = 242 px
    changes = pd.DataFrame({"pain_change_points": [-3, 1], "courses": [4, 1], "outcome": ["relieved", "not_relieved"]})
    histogram = relief.first_change_histogram(changes, "pct30")
    shown = phone.for_phone(histogram).layout.xaxis
    assert (shown.dtick, shown.tick0) == (2, -10)
    assert phone.for_width(histogram, 440).layout.xaxis.dtick == 2          # a 360 px plot: 462 px do not fit
    assert phone.for_width(histogram, 640).layout.xaxis.dtick == 1          # a 560 px plot: they do
    assert histogram.layout.xaxis.dtick == 1                                # the page's figure is left alone
    # "100 %" is (3 x 7 + 4 + 7) x 12/14 = 27.4 px, 31.4 px a tick: 11 ticks 345.6 px, 6 ticks 188.6 px
    percent = phone.for_phone(_numbers_figure(range=[-2, 102], tick0=0, dtick=10, ticksuffix=" %")).layout.xaxis
    assert (percent.dtick, percent.tick0) == (20, 0)
    # a calendar of 31 days from day 1: "31" is 12 px, 16 px a tick; 31 ticks 496 px, 16 ticks 256 px,
    # 7 ticks 112 px: a tick every 5 days from day 1
    days = phone.for_phone(_numbers_figure(tickmode="linear", range=[0.5, 31.5], dtick=1)).layout.xaxis
    assert (days.dtick, days.tick0) == (5, 1)


def test_numbers_that_fit_side_by_side_keep_a_tick_each():
    # decoys: 15 sessions need 15 x (12 + 4) = 240 px of the 248; an axis of months or categories,
    # or without a tick step, is not one of evenly spaced numbers
    assert phone.for_phone(_numbers_figure(dtick=1)).layout.xaxis.dtick == 1
    assert phone.for_phone(_numbers_figure()).layout.xaxis.dtick is None
    months = go.Figure([go.Scatter(x=pd.date_range("2025-01-01", periods=24, freq="MS"), y=[1] * 24)])
    months.update_xaxes(dtick="M1", tickformat="%b %Y")
    assert phone.for_phone(months).layout.xaxis.dtick == "M1"
    assert phone.number_ticks(months, months.layout.xaxis) == []
