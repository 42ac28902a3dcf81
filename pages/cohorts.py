"""Cohorts: every metric compared across therapists, diagnoses, age bands, sexes, sites or start months."""
import streamlit as st

from clinic import ui
from clinic.charts import cohorts as charts
from clinic.filters import COHORT_FIELDS, RELIEF_RULES
from clinic.text import for_markdown

path, filters = ui.require_entry(__file__)

st.title("Cohorts")
ui.filters_caption(filters)
if filters.scope:
    st.info(f"Signed in as {for_markdown(filters.scope)}: the groups below hold only your own courses.")

bound = {"bind": "query-params", "persist_state": "session"}
group = st.segmented_control("Compare by", list(COHORT_FIELDS), default="therapist", required=True,
                             format_func=COHORT_FIELDS.get, key="cohorts.by", **bound) or "therapist"

overall = charts.overall_values((ui.cohort() or [None])[0])
if not overall.get("courses"):
    ui.empty_state(ui.no_courses_message(filters))

frame = charts.cohort_frame(ui.cohort(group), group)
few = int(frame["few_courses"].sum())
st.markdown(f"**{charts.n_groups(len(frame))}** by {COHORT_FIELDS[group].lower()}, "
            f"{overall['courses']:,} courses of {overall['patients']:,} patients in all. "
            f"First-session relief means: {RELIEF_RULES[filters.relief_rule]}.")
if few:
    st.caption(f"{charts.n_groups(few)} with fewer than {charts.FEW_COURSES} courses "
               "(marked in the table, pale in the chart): their rates can swing widely by chance.")

metric = st.segmented_control("Metric in the chart", list(charts.METRICS), default="relief", required=True,
                              format_func=lambda k: charts.METRICS[k].label, key="cohorts.metric",
                              **bound) or "relief"
st.plotly_chart(charts.comparison(frame, metric, overall, group), width="stretch")
if group == "start_month":
    st.caption("Courses of the last weeks are still running: they cannot have completed or dropped out yet, "
               "so their completion and drop-out figures are not final.")

st.subheader(f"Every metric by {COHORT_FIELDS[group].lower()}")
st.caption("Click a column header to sort. Relief = first-session relief, over the courses whose first session has "
           "both pain scores. Improvement = pain before the first vs the last scored visit day; pain is scored in "
           "whole points, so the median often lands on the same value (such as 33 %) in every group, while the "
           "mean and the share ≥ 30 % better tell groups apart. Adherence = share of the course's days so far with "
           "a visit. Drop-out = not completed and no visit for 8 days or more.")
table = charts.display_table(frame)
percent = {"format": "%.1f %%"}
st.dataframe(
    table, hide_index=True, width="stretch", height=min(560, 38 + 35 * max(len(table), 1)),
    column_config={
        **{c: st.column_config.Column(label) for c, label in charts.TABLE_LABELS.items()},
        **{c: st.column_config.NumberColumn(charts.TABLE_LABELS[c], format="localized") for c in charts.COUNT_COLUMNS},
        **{c: st.column_config.NumberColumn(charts.TABLE_LABELS[c], **percent) for c in charts.PERCENT_COLUMNS},
        # wide enough for the longest diagnosis ("Piriformis syndrome") and kept in view while scrolling
        "label": st.column_config.Column(charts.TABLE_LABELS["label"], pinned=True, width=170),
    },
    key="cohorts.table",
)
st.download_button(
    "Download these numbers (CSV, unrounded)", charts.csv_bytes(frame, group, filters.describe()),
    file_name=f"cohorts-by-{group}-as-of-{filters.as_of}.csv", mime="text/csv", key="cohorts.download",
    help="Exact values: rates as ratios 0–1, improvement in %. The first line states the filters.",
)
