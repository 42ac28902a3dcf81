"""Pain trends: is pain going down? By session number, within each session, and over the calendar."""
import datetime as dt

import pandas as pd
import streamlit as st

from clinic import exports, ui
from clinic.charts import pain as charts

path, filters = ui.require_entry(__file__)

st.title("Pain trends")
ui.filters_caption(filters)

summary = ui.overall()
if summary["courses"] == 0:
    ui.empty_state(ui.no_courses_message(filters))

tiles = st.columns(2) + st.columns(2)      # two a row: the numbers stay whole in a narrow window
for tile, (label, value, note, help_text) in zip(tiles, charts.kpis(summary, (ui.cohort() or [None])[0])):
    tile.metric(label, value, delta=note, delta_color="off", delta_arrow="off", help=help_text, border=True)

overall = ui.query("pain_by_session", split="none")
if overall.empty or overall.courses.sum() == 0:
    ui.empty_state("No attended session with a pain score in the matching courses yet, so there is no trend to draw.")

last_shown = overall.last_session_shown.iloc[0]
paired = None
if not pd.isna(last_shown) and last_shown >= 2:    # the last session the chart below draws
    paired = ui.query("pain_reached_session", session_number=int(last_shown)).iloc[0].to_dict()
sentence = charts.headline(summary, paired)
if sentence:
    st.markdown(sentence)

picks = st.columns(2)
split = picks[0].selectbox("Draw one line per", charts.SPLITS, format_func=charts.SPLIT_LABELS.get,
                           key="pain.split", bind="query-params", persist_state="session",
                           help="Splits the session-number and the month-by-month charts by a cohort field; "
                                "the before/after chart always shows all matching courses.")

by_session = overall if split == "none" else ui.query("pain_by_session", split=split)
by_month = ui.query("pain_by_month", split=split)
# Split into many lines (ten therapists), one can be drawn against the rest, which turn thin and grey.
highlight = None
choices = list(dict.fromkeys([*charts.line_labels(by_session, split), *charts.line_labels(by_month, split)]))
if len(choices) > 1:
    highlight = picks[1].selectbox(
        "Highlight one against the rest", [None, *choices], key=f"pain.highlight.{split}",
        format_func=lambda label: "None: every line in its own colour" if label is None else label,
        help=f"Draws one {charts.SPLIT_LABELS[split].lower()} thick and in colour, and the others thin and grey, "
             "in both charts split below.", persist_state="session")

if not overall.shown.any():
    st.info("Too few courses have a pain score at their first session to draw a trend by session number. "
            "Widen the filters.")
else:
    if by_session.shown.any():
        ui.chart(charts.pain_by_session, by_session, split, highlight=highlight, width="stretch")
    else:
        st.info(f"No {charts.SPLIT_LABELS[split].lower()} has the 5 scored courses a line needs. "
                "Choose another split, or widen the filters.")
    ui.download("Download pain by session number (CSV)", ui.csv(charts.for_file(by_session, split)),
                exports.file_name("pain-by-session" + ("" if split == "none" else f"-by-{split}"), filters, "csv"),
                rows=len(by_session),
                key="pain.download.by_session", help="The file name states the as-of date and the filters.")
    ui.chart(charts.before_after, overall, width="stretch")

today = dt.date.today()
if by_month.empty:
    st.info("No scored session in the matching courses yet, so there is no month-by-month trend.")
elif not by_month.shown.any():
    st.info(f"No {charts.SPLIT_LABELS[split].lower()} has a month with the 5 scored courses a point needs. "
            "Choose another split, or widen the filters.")
else:
    st.caption(charts.MONTH_CAPTION)
    ui.chart(charts.pain_by_month, by_month, split, highlight=highlight, as_of=filters.as_of, today=today,
             width="stretch")
if not by_month.empty:      # the months too thin to draw too, as the session numbers' file has them
    months = by_month.assign(month_complete=charts.month_complete(by_month, filters.as_of, today))
    ui.download("Download pain month by month (CSV)", ui.csv(charts.for_file(months, split)),
                exports.file_name("pain-by-month" + ("" if split == "none" else f"-by-{split}"), filters, "csv"),
                rows=len(months), key="pain.download.by_month",
                help="Every month, drawn or not (shown: it has the scored courses a point needs); "
                     "mean_pain_before counts each course once, with its own mean that month, and ci_low and "
                     "ci_high are over those course means; month_complete is false for the month still running. "
                     "The file name states the as-of date and the filters.")
