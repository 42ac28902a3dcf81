"""Protocol safety: paperwork before the course, sessions during acute inflammation, numbness and
referrals, rising pain, failure to progress; each a count, a monthly trend and the rows behind it."""
import datetime as dt

import pandas as pd
import streamlit as st

from clinic import exports, flags, ui
from clinic.charts import safety as charts
from clinic.settings import describe_line

path, filters = ui.require_entry(__file__)

st.title("Protocol safety")
ui.filters_caption(filters)
st.caption("The clinic's protocol: massage only with a doctor's conclusion, imaging and blood tests on file, only "
           "after acute inflammation has subsided; numbness or loss of sensation means seeing a doctor. Each count below "
           "opens the courses or sessions behind it.")
st.caption(flags.settings_caption(filters.settings))


def read(name: str, **extra):
    return ui.query(name, **extra)          # cached per database version, filters (settings included) and params


OPEN = "safety.open"                        # which check's rows are listed below (also in the page's address)
checks = flags.checks(read, filters)
if checks["conclusion"].of == 0:
    ui.empty_state(ui.no_courses_message(filters))


def open_check(key: str) -> None:
    st.session_state[OPEN] = key
    st.query_params[OPEN] = key


if OPEN not in st.session_state and st.query_params.get(OPEN) in flags.KEYS:     # a link to one list
    st.session_state[OPEN] = st.query_params.get(OPEN)
opened = st.session_state.get(OPEN)
min_cohort = filters.settings.min_cohort
for group, row_keys in enumerate((flags.KEYS[:4], flags.KEYS[4:])):   # paperwork and acute; numbness and progress
    row = ui.check_tiles(f"safety.tiles.{group}")
    for key in row_keys:
        check = checks[key]
        with row, ui.check_tile():
            st.markdown(f"**{check.label}**", help=check.help)
            st.metric(check.label, f"{check.count:,}", label_visibility="collapsed")
            st.caption(flags.tile_caption(check, min_cohort))
            ui.list_button(check.count, flags.ROW_WORDS[key], f"safety.show.{key}", open_check, (key,),
                           opened == key)

# ---------------------------------------------------------------- month by month

st.subheader("Month by month")
months = flags.by_month(read)
today = dt.date.today()
for title, keys, y_title, x_title in charts.TRENDS:
    if months.loc[months.flag.isin(keys)].empty:
        st.info(f"{title}: nothing to count yet among the courses that match the filters.")
        continue
    ui.chart(charts.trend, months, keys, title, y_title, x_title, min_cohort, as_of=filters.as_of,
             today=today, width="stretch", key=f"safety.trend.{keys[0]}")
if not months.empty:        # the charts' numbers, the running month as they draw it
    running = charts.running_month(filters.as_of, today)
    shares = months.assign(check=months.flag.map(charts.NAMES), too_few_to_judge=months.of_count < min_cohort,
                           month_complete=pd.to_datetime(months.month) != running)
    shares = shares[["flag", "check", "month", "flagged", "of_count", "share", "ci_low", "ci_high", "too_few_to_judge",
                     "month_complete"]]
    ui.download("Download the monthly shares (CSV)", ui.csv(shares),
                exports.file_name("protocol-safety-by-month", filters, "csv"), rows=len(shares),
                key="safety.download.months",
                help="Every check's month: flagged of of_count, the share and its Wilson 95 % interval (0–1); "
                     "too_few_to_judge below the smallest cohort setting; month_complete false for the month "
                     "still running. The file name states the as-of date and the filters.")

# ---------------------------------------------------------------- the rows of one check

st.subheader("Rows")
if opened not in flags.KEYS:
    st.info("Press **List them** under a count above to see its courses or sessions here, with a CSV download of "
            "all of them.")
    st.stop()
check = checks[opened]
one, many = flags.ROW_WORDS[opened]
st.markdown(f"**{check.label}**: {check.help}")
if check.count == 0:
    st.success(check.empty)
    st.stop()

shown = flags.rows(read, opened)
total = int(shown.total.iloc[0]) if len(shown) else 0
st.caption(flags.shown_caption(opened, len(shown), total))
columns = flags.ROW_COLUMNS[opened]
table = shown.assign(link=ui.patient_links(shown.course_id))[list(columns)]
config = {"patient_id": st.column_config.Column(flags.LABELS["patient_id"], pinned=True),
          "link": st.column_config.LinkColumn(flags.LABELS["link"], display_text="Open", pinned=True)}
ui.show_table(table, flags.LABELS, key=f"safety.rows.{opened}", height=ui.rows_height(len(table)),
              config=config)

name = flags.file_name(opened, filters)
first_line = f"{filters.describe()}; {describe_line(filters.settings, filters.relief_rule)}"
signature = (ui.version(path), filters, opened)
prepared = st.session_state.get("safety.csv")
data = prepared[1] if prepared and prepared[0] == signature else None
if data is None and total <= flags.CSV_AT_ONCE_ROWS:
    data = ui.csv(flags.export_frame(flags.rows(read, opened, limit=None), opened), first_line)
if data is None:
    if st.button(f"Prepare all {total:,} {many} as CSV", key="safety.prepare",
                 help="Writes every row of this list to a file."):
        # read for the file alone: a cached copy of a network's every such session would stay for minutes
        everything = flags.export_frame(flags.rows(ui.query_now, opened, limit=None), opened)
        st.session_state["safety.csv"] = (signature, exports.csv_on_disk(everything, first_line).read)
        st.rerun()
else:
    label = f"Download this {one} (CSV)" if total == 1 else f"Download all {total:,} {many} (CSV)"
    ui.download(label, data, name, rows=total, key="safety.download",
                help="Every row of this list, not only those shown. Its first line states the filters and settings.")
