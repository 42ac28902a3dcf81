"""Cohorts: every metric compared across therapists, diagnoses, age bands, sexes, sites or start months."""
import streamlit as st

from clinic import privacy, ui
from clinic.charts import cohorts as charts
from clinic.filters import COHORT_FIELDS, RELIEF_RULES
from clinic.text import for_markdown

path, filters = ui.require_entry(__file__)

st.title("Cohorts")
ui.filters_caption(filters)
if filters.scope:
    st.info(f"Signed in as therapist {for_markdown(filters.scope)}: the groups first hold only the courses you "
            "treat. The whole clinic follows below for comparison, with groups of too few patients hidden.")

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
ui.download("Download these numbers (CSV, unrounded)", charts.csv_bytes(frame, group, filters.describe()),
            f"cohorts-by-{group}-as-of-{filters.as_of}.csv", rows=len(frame), key="cohorts.download",
            help="Exact values: rates as ratios 0–1, improvement in %. The first line states the filters.")

if filters.scope:
    # The whole clinic for a therapist: aggregates only, and no group small enough to point at anyone.
    st.header("The whole clinic, for comparison")
    clinic_rows, clinic_total = ui.private_cohort(group)
    hidden_text = privacy.suppressed_text()
    st.caption(f"All matching courses of every therapist (the same filters, without the limit to your own). A group "
               f"covering {hidden_text} patients shows \"{hidden_text}\" and no figures, and so does a group "
               "that could otherwise be worked out from the others and the total (or from your own courses). "
               "Nothing here names a patient.")
    mine, clinic = charts.overall_values(overall), charts.overall_values(clinic_total)
    side = st.columns(2)
    side[0].metric("Your courses: first-session relief", ui.fmt_pct(mine.get("relief_rate")),
                   f"{mine['courses']:,} courses", delta_color="off", delta_arrow="off", border=True)
    if clinic_total.get("suppressed"):
        side[1].metric("The whole clinic", hidden_text, "patients: too few to show", delta_color="off",
                       delta_arrow="off", border=True)
    else:
        side[1].metric("The whole clinic: first-session relief", ui.fmt_pct(clinic.get("relief_rate")),
                       f"{clinic['courses']:,} courses of {clinic['patients']:,} patients", delta_color="off",
                       delta_arrow="off", border=True)
    shown_rows, hidden_labels = charts.split_suppressed(clinic_rows, group)
    if shown_rows and not clinic_total.get("suppressed"):
        st.plotly_chart(charts.comparison(charts.cohort_frame(shown_rows, group), metric, clinic_total, group),
                        width="stretch", key="cohorts.clinic_chart")
    if hidden_labels:
        st.caption(f"Hidden ({hidden_text} patients, or recoverable from the others): "
                   + ", ".join(for_markdown(label) for label in hidden_labels) + ".")
    st.dataframe(charts.private_display_table(clinic_rows, group, hidden_text), hide_index=True, width="stretch",
                 height=min(560, 38 + 35 * max(len(clinic_rows), 1)),
                 column_config={**{c: st.column_config.Column(label) for c, label in charts.TABLE_LABELS.items()},
                                "label": st.column_config.Column(charts.TABLE_LABELS["label"], pinned=True, width=170)},
                 key="cohorts.clinic_table")
    ui.download("Download the whole clinic's numbers (CSV)",
                charts.private_csv_bytes(clinic_rows, group, filters.with_(scope=None).describe()),
                f"clinic-cohorts-by-{group}-as-of-{filters.as_of}.csv", rows=len(clinic_rows),
                key="cohorts.clinic_download")
