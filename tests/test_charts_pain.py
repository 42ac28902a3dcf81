"""The Pain-trends figures and summaries (clinic/charts/pain.py) on tiny hand-made frames."""
from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from clinic.charts import AFTER, BEFORE, NEUTRAL, PALETTE
from clinic.charts import pain as charts

NAN = float("nan")


def by_session(key=None, numbers=(1, 2, 3), courses=(6, 5, 4), shown=(True, True, False), starting=6,
               least=5, last=2) -> pd.DataFrame:
    n = len(numbers)
    return pd.DataFrame({
        "key": [key] * n,
        "session_number": list(numbers),
        "courses_attended": list(courses),
        "courses": list(courses),
        "mean_pain_before": [7.0, 6.0, 5.0][:n],
        "sd_pain_before": [1.0] * n,
        "ci_low": [6.0, 5.5, NAN][:n],
        "ci_high": [8.0, 6.5, NAN][:n],
        "paired_sessions": list(courses),
        "mean_before_paired": [7.0, 6.0, 5.0][:n],
        "mean_after_paired": [4.0, 4.5, 4.0][:n],
        "mean_change_paired": [-3.0, -1.5, -1.0][:n],
        "starting_courses": [starting] * n,
        "min_courses": [least] * n,
        "shown": list(shown),
        "last_session_shown": [last] * n,
    })


def traces(fig, name):
    return [t for t in fig.data if t.name == name]


def test_the_session_chart_draws_only_the_points_before_the_cut_with_band_and_courses():
    fig = charts.pain_by_session(by_session())
    line = traces(fig, "Mean pain before session")[0]
    assert list(line.x) == [1, 2] and list(line.y) == [7.0, 6.0]           # session 3 is past the cut
    band = traces(fig, "95 % interval of the mean")[0]
    assert list(band.x) == [1, 2, 2, 1] and list(band.y) == [8.0, 6.5, 5.5, 6.0]
    bars = traces(fig, "Courses behind each point")[0]
    assert list(bars.y) == [6, 5] and bars.xaxis == "x2"                    # the panel underneath
    assert fig.layout.title.text == "Is pain going down over the course?"
    subtitle = fig.layout.title.subtitle.text
    assert "6 courses with an attended session" in subtitle
    assert "Cut after session 2 of 3 recorded" in subtitle
    assert "≥ 5 scored courses" in subtitle
    assert fig.layout.yaxis.title.text == charts.PAIN_AXIS
    assert fig.layout.xaxis2.title.text == charts.SESSION_AXIS
    assert tuple(fig.layout.yaxis.range) == (0, 10)


def test_the_hover_of_a_point_says_how_many_courses_are_behind_it():
    line = traces(charts.pain_by_session(by_session()), "Mean pain before session")[0]
    assert "courses scored" in line.hovertemplate
    assert [tuple(c) for c in line.customdata] == [(6, 6, "95 % interval 6.00 – 8.00"),
                                                   (5, 5, "95 % interval 5.50 – 6.50")]


def test_the_cut_is_stated_in_words_for_small_and_uncut_selections():
    small = by_session(courses=(3, 3, 2), starting=4, least=3)
    assert "a point needs all 3 courses scored at session 1 (fewer than 5 are)" in charts.cut_text(small)
    uncut = by_session(shown=(True, True, True), last=3)
    assert charts.cut_text(uncut).startswith("Sessions 1–3 shown, the last recorded")
    # 5 % of 200 starting courses is 10, more than 5
    assert "≥ 10 scored courses" in charts.cut_text(by_session(starting=200))


def test_a_split_draws_one_coloured_line_per_cohort_and_names_those_too_small_to_draw():
    frame = pd.concat([by_session(key="disc_herniation"), by_session(key=None, shown=(False,) * 3, last=None),
                       by_session(key="other")], ignore_index=True)
    fig = charts.pain_by_session(frame, "diagnosis")
    lines = [t for t in fig.data if t.showlegend is not False and t.yaxis == "y"]
    assert [t.name for t in lines] == ["Disc herniation", "Other"]
    # colours follow each value's place among all values, so "Other" keeps the third colour
    assert [t.line.color for t in lines] == [PALETTE[0], PALETTE[2]]
    assert not traces(fig, "95 % interval of the mean")
    assert "Not drawn, too few courses: Not recorded" in fig.layout.title.subtitle.text


def test_cohort_values_read_as_words():
    assert charts.cohort_label("sex", "F") == "Female"
    assert charts.cohort_label("diagnosis", "spinal_stenosis") == "Spinal stenosis"
    assert charts.cohort_label("site", None) == "Not recorded"
    assert charts.cohort_label("therapist", "Birch") == "Birch"


def test_lines_beyond_the_palette_differ_by_dash_and_marker():
    first, ninth = charts.line_style(0), charts.line_style(len(PALETTE))
    assert first["color"] == ninth["color"]
    assert (first["dash"], first["symbol"]) != (ninth["dash"], ninth["symbol"])


def test_the_before_after_chart_pairs_the_two_means_of_each_shown_session():
    fig = charts.before_after(by_session())
    before, after = traces(fig, "Before the session")[0], traces(fig, "After the session")[0]
    assert list(before.x) == [1, 2] and list(before.y) == [7.0, 6.0]
    assert list(after.y) == [4.0, 4.5]
    assert before.line.color == BEFORE and after.line.color == AFTER
    connector = fig.data[0]
    assert list(connector.x) == [1, 1, None, 2, 2, None]
    assert list(connector.y) == [7.0, 4.0, None, 6.0, 4.5, None]
    assert "11 sessions with both scores (6 courses at session 1)" in fig.layout.title.subtitle.text
    assert fig.layout.yaxis.title.text == "Mean pain (NRS 0–10)"


def by_month(shown=(True, True), complete=(True, False), key=None, months=None, means=None) -> pd.DataFrame:
    months = months or [dt.date(2026, 2, 1), dt.date(2026, 3, 1)]
    n = len(months)
    means = means or [6.5, 5.5, 5.0][:n]
    return pd.DataFrame({
        "key": [key] * n,
        "month_start": pd.to_datetime(months),
        "sessions": [12, 8, 6][:n],
        "courses": [6, 5, 5][:n],
        "mean_pain_before": means,
        "ci_low": [m - 0.5 for m in means],
        "ci_high": [m + 0.5 for m in means],
        "key_courses": [7] * n,
        "month_complete": list(complete),
        "shown": list(shown),
    })


def test_the_month_chart_leaves_a_gap_for_thin_months():
    fig = charts.pain_by_month(by_month(shown=(False, True), complete=(True, True)))
    line = traces(fig, charts.MONTH_LINE)[0]
    assert math.isnan(line.y[0]) and line.y[1] == 5.5              # February has too few courses
    assert line.marker.symbol == "circle"                            # whole months: filled markers
    assert list(line.error_y.array) == [0, 0.5] and list(line.error_y.arrayminus) == [0, 0.5]   # 6.0 – 6.0
    assert not traces(fig, charts.PARTIAL)                         # both months are over
    assert "20 scored sessions of 7 courses; each course counts once a month; bar = 95 % interval of the " \
           "monthly mean" in fig.layout.title.subtitle.text
    assert "Mean pain before %{y:.2f} / 10 (each course's own mean, then their mean)" in line.hovertemplate
    assert fig.layout.xaxis.title.text == "Month of the session"
    assert fig.layout.yaxis.title.text == charts.PAIN_AXIS


def test_the_running_month_is_an_open_marker_on_a_dotted_segment_named_in_legend_and_subtitle():
    # as of 2026-03-20: January and February are whole months, March is partial (20 of its 31 days)
    frame = by_month(shown=(True, True, True), complete=(True, True, False),
                     months=[dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 3, 1)], means=[6.5, 6.0, 5.0])
    fig = charts.pain_by_month(frame, as_of=dt.date(2026, 3, 20))
    full = traces(fig, charts.MONTH_LINE)[0]
    assert [pd.Timestamp(x).month for x in full.x] == [1, 2] and list(full.y) == [6.5, 6.0]   # solid: whole months
    [segment] = [t for t in fig.data if t.line.dash == "dot"]
    assert [pd.Timestamp(x).month for x in segment.x] == [2, 3] and list(segment.y) == [6.0, 5.0]
    assert segment.showlegend is False and segment.hoverinfo == "skip"
    [partial] = traces(fig, charts.PARTIAL)
    assert [pd.Timestamp(x).month for x in partial.x] == [3] and list(partial.y) == [5.0]
    assert partial.marker.symbol == "circle-open" and partial.showlegend is True     # named in the legend
    assert [c[2] for c in partial.customdata] == [" (so far: the month is still running)"]
    assert list(partial.error_y.array) == [0.5]                                       # its interval stays
    assert ("March 2026 is a partial month, sessions up to 20 Mar: open marker, dotted line"
            in fig.layout.title.subtitle.text)


@pytest.mark.parametrize("today, running", [(dt.date(2026, 3, 31), True), (None, True), (dt.date(2026, 4, 1), False)])
def test_a_month_whose_last_day_is_the_as_of_date_runs_while_that_day_is_today(today, running):
    # the query calls March complete as of its last day; seen on that day (or with no today: the as-of
    # day taken for today) its sessions may still come, seen the day after it is a month like February
    frame = by_month(shown=(True, True, True), complete=(True, True, True),
                     months=[dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 3, 1)], means=[6.5, 6.0, 5.0])
    fig = charts.pain_by_month(frame, as_of=dt.date(2026, 3, 31), today=today)
    full = traces(fig, charts.MONTH_LINE)[0]
    assert [pd.Timestamp(x).month for x in full.x] == ([1, 2] if running else [1, 2, 3])
    assert [pd.Timestamp(x).month for x in (t.x[0] for t in traces(fig, charts.PARTIAL))] == ([3] if running else [])
    subtitle = fig.layout.title.subtitle.text
    assert ("March 2026 is a partial month, sessions up to 31 Mar" in subtitle) is running
    assert ("partial" in subtitle) is running


def test_a_partial_month_after_a_thin_month_gets_no_segment_and_a_thin_partial_month_no_marker():
    gap = by_month(shown=(True, False, True), complete=(True, True, False),
                   months=[dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 3, 1)])
    fig = charts.pain_by_month(gap, as_of=dt.date(2026, 3, 20))
    assert not [t for t in fig.data if t.line.dash == "dot"]       # February is not drawn: nothing to join
    assert len(traces(fig, charts.PARTIAL)) == 1
    thin = charts.pain_by_month(by_month(shown=(True, False)), as_of=dt.date(2026, 3, 20))
    assert not traces(thin, charts.PARTIAL) and "partial" not in thin.layout.title.subtitle.text


def test_split_the_partial_months_share_one_grey_legend_entry():
    frame = pd.concat([by_month(key="North"), by_month(key="South")], ignore_index=True)
    fig = charts.pain_by_month(frame, "site", as_of=dt.date(2026, 3, 20))
    partials = traces(fig, charts.PARTIAL)
    shown = [t for t in partials if t.showlegend is not False]
    assert len(partials) == 3 and len(shown) == 1                  # a marker per line, plus one legend entry
    assert shown[0].marker.color == NEUTRAL and shown[0].x == (None,)
    assert [t.marker.color for t in partials if t.showlegend is False] == [PALETTE[0], PALETTE[1]]


def test_the_kpis_read_the_overall_block():
    summary = {"courses": 3, "patients": 3, "sustained_improvement": {
        "assessable": 3, "median_pct": 100 / 7, "responders_30": 1, "responders_50": 1}}
    values = {label: value for label, value, _, _ in charts.kpis(summary)}
    assert values == {"Courses": "3", "Median sustained improvement": "14 %", "Responders (≥ 30 % better)": "33.3 %",
                      "≥ 50 % better": "33.3 %"}
    nothing = {"courses": 1, "patients": 1, "sustained_improvement": {
        "assessable": 0, "median_pct": None, "responders_30": 0, "responders_50": 0}}
    assert {v for _, v, _, _ in charts.kpis(nothing)} == {"1", "—"}
    assert [note for _, _, note, _ in charts.kpis(nothing)] == ["1 patients", None, None, None]


def test_each_share_on_a_tile_has_its_interval_and_n_and_the_median_its_spread():
    summary = {"courses": 3, "patients": 3, "sustained_improvement": {
        "assessable": 3, "median_pct": 100 / 7, "responders_30": 1, "responders_50": 1}}
    # the Wilson interval of 1 of 3: centre (1/3 + 1.96²/6) / (1 + 1.96²/3) = 0.4269, half width
    # 1.96 · √(2/27 + 1.96²/36) / (1 + 1.96²/3) = 0.3654: 6.1 % to 79.2 %
    notes = {label: note for label, _, note, _ in charts.kpis(summary, {"improvement_q1_pct": 50 / 7,
                                                                        "improvement_q3_pct": 38.39})}
    assert notes == {"Courses": "3 patients", "Median sustained improvement": "IQR 7.1–38.4 % · n = 3",
                     "Responders (≥ 30 % better)": "95 % CI 6.1–79.2 % · n = 3",
                     "≥ 50 % better": "95 % CI 6.1–79.2 % · n = 3"}
    assert [note for label, _, note, _ in charts.kpis(summary)][1] == "n = 3"     # no row: no spread


def summary(assessable=4, median=25.0, r30=2, r50=1) -> dict:
    return {"courses": 5, "patients": 5, "sustained_improvement": {
        "assessable": assessable, "median_pct": median, "responders_30": r30, "responders_50": r50}}


def test_the_headline_leads_with_the_change_within_each_course():
    text = charts.headline(summary())
    assert text == ("Within each course, **pain fell by a median of 25 %** from the first to the last scored visit "
                    "(4 courses with pain scored on two different days); **50.0 %** improved by 30 % or more "
                    "and **25.0 %** by 50 % or more.")                # 2 of 4 and 1 of 4, to one decimal as the tiles
    # 2 of 3 is 66.7 %, as its tile reads, where a whole per cent (67 %) would differ from the tile beside it
    assert "**66.7 %** improved by 30 % or more and **33.3 %** by 50 % or more" in \
        charts.headline(summary(assessable=3, r30=2, r50=1))
    assert "**pain rose by a median of 10 %**" in charts.headline(summary(median=-10.0))
    assert "(0 %)" in charts.headline(summary(median=0.0))


def test_the_headline_adds_the_paired_figure_of_the_courses_that_reached_the_last_session():
    paired = {"session_number": 12, "courses": 40, "mean_pain_first": 6.86, "mean_pain_at_session": 3.6,
              "mean_change_points": -3.26}
    text = charts.headline(summary(), paired)
    assert text.endswith("The 40 courses that reached session 12 (scored at both) went from **6.9 / 10** before "
                         "session 1 to **3.6 / 10** before session 12 (down 3.3 points); in the chart below, later "
                         "sessions hold only the courses that got that far.")   # 3.6 - 6.86 = -3.26
    assert charts.headline(summary(), {**paired, "courses": 0}) == charts.headline(summary())
    # means of 6.55 and 4.04 read 6.6 (6.55 is stored a hair above) and 4.0: the change said is that of the
    # numbers shown, 2.6, not the unrounded 2.51 that would read as 2.5 beside them
    close = charts.headline(summary(), {**paired, "mean_pain_first": 6.5500001, "mean_pain_at_session": 4.04})
    assert "went from **6.6 / 10** before session 1 to **4.0 / 10** before session 12 (down 2.6 points)" in close
    same = {**paired, "mean_pain_first": 4.04, "mean_pain_at_session": 3.96}            # 4.0 and 4.0
    assert "(no change)" in charts.headline(summary(), same)
    up = {**paired, "mean_pain_first": 3.96, "mean_pain_at_session": 4.06}              # 4.0 and 4.1
    assert "(up 0.1 points)" in charts.headline(summary(), up)
    assert charts.headline(summary(assessable=0, median=None, r30=0, r50=0)) is None


@pytest.mark.parametrize("split", charts.SPLITS)
def test_every_split_has_a_label(split):
    assert charts.SPLIT_LABELS[split]


HOSTILE = '<a href="https://evil.example">Birch</a> <span style="color:red">%{y}</span>'


def test_a_name_from_data_is_text_in_the_legend_the_hover_and_the_not_drawn_line():
    frame = pd.concat([by_session(key=HOSTILE), by_session(key="<b>thin</b>", shown=(False, False, False))])
    fig = charts.pain_by_session(frame, "therapist")
    [line] = traces(fig, '&lt;a href="https://evil.example"&gt;Birch&lt;/a&gt; '
                         '&lt;span style="color:red"&gt;%{y}&lt;/span&gt;')
    assert HOSTILE not in line.hovertemplate and "%{hovertext}" in line.hovertemplate   # the name is data, not template
    assert list(line.hovertext) == [line.name, line.name]
    assert "Not drawn, too few courses: &lt;b&gt;thin&lt;/b&gt;" in fig.layout.title.subtitle.text
    assert "<a " not in fig.to_json() and "<span" not in fig.to_json() and "<b>thin" not in fig.to_json()


def test_a_name_from_data_is_text_in_the_month_chart():
    fig = charts.pain_by_month(by_month(key=HOSTILE), "site")
    [line] = [t for t in fig.data if t.name and "evil.example" in t.name]
    assert line.name.startswith("&lt;a href=") and "%{hovertext}" in line.hovertemplate
    assert "<a " not in fig.to_json() and "<span" not in fig.to_json()


def three_therapists(frame_of) -> pd.DataFrame:
    return pd.concat([frame_of(key="Alder"), frame_of(key="Birch"), frame_of(key="Cedar")], ignore_index=True)


def test_highlighting_one_therapist_draws_it_on_top_in_colour_and_the_others_thin_and_grey():
    fig = charts.pain_by_session(three_therapists(by_session), "therapist", highlight="Birch")
    lines = [t for t in fig.data if t.yaxis == "y"]
    assert [t.hovertext[0] for t in lines] == ["Alder", "Cedar", "Birch"]          # Birch last: on top
    birch = lines[-1]
    assert (birch.name, birch.line.color, birch.line.width) == ("Birch", PALETTE[0], 3.5)
    grey = lines[:2]
    assert {(t.line.color, t.line.width) for t in grey} == {(charts.OTHERS, 1)}
    assert [t.name for t in grey] == ["Other therapists"] * 2
    assert [t.showlegend for t in grey] == [True, False]                           # one legend entry for the rest
    assert {t.legendgroup for t in grey} == {"others"}
    courses = [t for t in fig.data if t.yaxis == "y2"]                             # the panel underneath too
    assert [t.line.color for t in courses] == [charts.OTHERS, charts.OTHERS, PALETTE[0]]
    assert "Birch highlighted against the 2 other therapists (grey)" in fig.layout.title.subtitle.text


def test_without_a_highlight_every_line_keeps_its_own_colour():
    fig = charts.pain_by_session(three_therapists(by_session), "therapist")
    lines = [t for t in fig.data if t.yaxis == "y"]
    assert [t.name for t in lines] == ["Alder", "Birch", "Cedar"]
    assert [t.line.color for t in lines] == PALETTE[:3]
    assert "highlighted" not in fig.layout.title.subtitle.text
    # a highlight that is not among the drawn lines (a stale choice) highlights nothing
    stale = charts.pain_by_session(three_therapists(by_session), "therapist", highlight="Rowan")
    assert [t.line.color for t in stale.data if t.yaxis == "y"] == PALETTE[:3]


def test_the_month_chart_highlights_the_same_way_and_offers_the_drawn_lines():
    frame = three_therapists(by_month)
    assert charts.line_labels(frame, "therapist") == ["Alder", "Birch", "Cedar"]
    fig = charts.pain_by_month(frame, "therapist", highlight="Cedar", as_of=dt.date(2026, 3, 20))
    full = [t for t in fig.data if t.mode == "lines+markers" and t.x != (None,)]
    assert [(t.hovertext[0], t.line.color) for t in full] == [
        ("Alder", charts.OTHERS), ("Birch", charts.OTHERS), ("Cedar", PALETTE[0])]
    running = [t for t in traces(fig, charts.PARTIAL) if t.x != (None,)]
    assert [t.marker.color for t in running] == [charts.OTHERS, charts.OTHERS, PALETTE[0]]
    assert "Cedar highlighted against the 2 other therapists (grey)" in fig.layout.title.subtitle.text
    assert charts.line_labels(frame, "none") == []


def test_a_highlighted_name_from_data_is_text_in_the_subtitle():
    frame = pd.concat([by_session(key=HOSTILE), by_session(key="Cedar")], ignore_index=True)
    fig = charts.pain_by_session(frame, "therapist", highlight=HOSTILE)
    assert fig.layout.title.subtitle.text.count("&lt;a href=") == 1
    assert "<a " not in fig.to_json() and "<span" not in fig.to_json()
