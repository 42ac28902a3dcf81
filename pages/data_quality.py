"""Data quality (director): what the records lack, each count opening the rows behind it."""
import datetime as dt

import pandas as pd
import streamlit as st

from clinic import exports, grouping, quality, ui
from clinic.charts import quality as charts

path, filters = ui.require_entry(__file__)
ui.require_director()

st.title("Data quality")
st.caption("What the records lack, at a glance. Each count opens the rows behind it below, with the ids to find "
           "them in the practice's records.")
st.caption(quality.filters_note(filters))

read = ui.plain_query            # cached per database version and parameters
today = dt.date.today()          # the records as they are now: this month is still running
OPEN = "quality.open"            # which check's rows are listed below
grid = quality.pain_grid(read, filters)
checks = quality.checks(read, filters, grid)
if not grid.attended_sessions.sum() and not checks["unplanned"].of and not checks["diagnosis"].of:
    ui.empty_state("No sessions, courses or patients match these filters. Clear the therapist or site filter in the "
                   "sidebar.")


def open_check(key: str) -> None:
    st.session_state[OPEN] = key
    st.query_params[OPEN] = key          # the page's address opens the same list
    st.session_state.pop("quality.pain_therapist", None)
    st.session_state.pop("quality.pain_month", None)


if OPEN not in st.session_state and st.query_params.get(OPEN) in quality.KEYS:     # a link to one list
    st.session_state[OPEN] = st.query_params.get(OPEN)
opened = st.session_state.get(OPEN)
tiles = ui.check_tiles("quality.tiles")
for key in quality.KEYS:
    check = checks[key]
    with tiles, ui.check_tile():
        st.markdown(f"**{check.label}**", help=check.help)     # wraps in a narrow tile, as a metric's label does not
        st.metric(check.label, f"{check.count:,}", label_visibility="collapsed")
        if not check.of:
            st.caption(f"no {check.of_label}")
        else:
            share = f"{check.share * 100:.1f} % of " if check.count else "none of "
            st.caption(f"{share}{check.of:,} {check.of_label}")
        ui.list_button(check.count, quality.ROW_WORDS[key], f"quality.show.{key}", open_check, (key,), opened == key)

# ---------------------------------------------------------------- pain scores by therapist and month

st.subheader("Pain scores by therapist and month")
if checks["pain"].count == 0:
    st.success(checks["pain"].empty if len(grid) else "No attended session matches these filters.")
else:
    ui.chart(charts.missing_pain_heatmap, grid, today, width="stretch", key="quality.heatmap")
    table = quality.grid_table(grid, today)
    with st.expander(f"The table: {len(table):,} therapist-months"):
        ui.show_table(table, quality.GRID_LABELS, key="quality.grid", shares={"missing_share": 1})
        ui.download("Download this table (CSV)", ui.csv(table), quality.file_name("grid", filters, today),
                    rows=len(table), key="quality.download.grid",
                    help="Every therapist-month: attended sessions, those without both scores and their share "
                         "(0–1), which score is missing, and month_complete false for this month, still running. "
                         "The file name states the day it was made and the therapist and site filters.")

# ---------------------------------------------------------------- how rows become courses

gap = filters.settings.course_gap_days
with st.expander(f"Course grouping: a new inferred course after more than {gap} days"):
    st.markdown(f"A patient's sessions without a course id are grouped into courses: a new course starts when a "
                f"session comes more than **{gap} days** after the previous one. Changing the gap re-groups every "
                "such session at once (sessions with a course id never move), for every page and export. It is "
                "written to the audit log.")
    if path.is_dir():
        st.caption("This is a read-only Parquet dataset: its courses were grouped by the database it was exported from.")
    else:
        with st.form("quality.gap_form", border=False):
            asked = st.number_input("New course after more than (days)", min_value=grouping.LOWEST,
                                    max_value=grouping.HIGHEST, value=gap, step=1, key="quality.gap_days")
            go = st.form_submit_button("Re-group the courses")
        if go:
            outcome = ui.regroup_courses(int(asked))
            if outcome is not None:
                st.session_state["quality.regrouped"] = outcome.sentence()
                st.rerun()
    if (said := st.session_state.pop("quality.regrouped", None)) is not None:
        st.success(said)

# ---------------------------------------------------------------- the rows of one check

st.subheader("Rows")
if opened not in quality.KEYS:
    st.info("Press **List them** under a count above to see its rows here, with a CSV download of all of them.")
    st.stop()
check = checks[opened]
one, many = quality.ROW_WORDS[opened]
st.markdown(f"**{check.label}**: {check.help}")
if check.count == 0:
    st.success(check.empty)
    st.stop()

therapist = month = None
total = check.count
if opened == "pain":
    cells = grid[grid.missing_pain_sessions > 0]
    therapists = [None, *sorted(cells.therapist.unique())]
    months = [None, *sorted(pd.to_datetime(cells.month).dt.date.unique(), reverse=True)]
    for key, options in (("quality.pain_therapist", therapists), ("quality.pain_month", months)):
        if st.session_state.get(key) not in options:      # a choice the filters have since left out
            st.session_state.pop(key, None)
    left, right, _rest = st.columns([1, 1, 2])
    therapist = left.selectbox("Therapist", therapists, key="quality.pain_therapist",
                               format_func=lambda t: "All therapists" if t is None else t)
    running = quality.running_month(today, today).date()
    month = right.selectbox("Month", months, key="quality.pain_month",
                            format_func=lambda m: "All months" if m is None else
                            f"{m:%B %Y}" + (" (so far)" if m == running else ""))
    total = quality.cell_count(grid, therapist, month)
    if total == 0:
        st.success("Every attended session of this therapist in this month has both pain scores.")
        st.stop()

shown = quality.rows(read, opened, filters, therapist=therapist, month=month)
st.caption(quality.shown_caption(opened, len(shown), total))
ui.show_table(shown, quality.LABELS, key=f"quality.rows.{opened}", height=ui.rows_height(len(shown)))

narrowed = filters if therapist is None else filters.with_(therapists=(therapist,))
name = quality.file_name(opened, narrowed, today)
if month is not None:
    name = name.replace(".csv", f"-month-{month:%Y-%m}.csv")
signature = (ui.version(path), filters, opened, therapist, month)
prepared = st.session_state.get("quality.csv")
data = prepared[1] if prepared and prepared[0] == signature else None
if data is None and total <= quality.CSV_AT_ONCE_ROWS:
    data = ui.csv(quality.rows(read, opened, filters, limit=None, therapist=therapist, month=month))
if data is None:
    if st.button(f"Prepare all {total:,} {many} as CSV", key="quality.prepare",
                 help="Writes every row of this list to a file."):
        everything = quality.rows(read, opened, filters, limit=None, therapist=therapist, month=month)
        st.session_state["quality.csv"] = (signature, exports.frame_csv(everything))
        st.rerun()
else:
    label = f"Download this {one} (CSV)" if total == 1 else f"Download all {total:,} {many} (CSV)"
    ui.download(label, data, name, rows=total,
                key="quality.download", help="Every row of this list, not only those shown. The file name states the "
                                             "day it was made and the therapist and site filters.")
