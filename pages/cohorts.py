"""Cohorts: every metric compared across therapists, diagnoses, age bands, sexes, sites or start months."""
import streamlit as st

from clinic import exports, privacy, ui
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

least = filters.settings.min_cohort
frame = charts.cohort_frame(ui.cohort(group), group, least)
few = int(frame["few_courses"].sum())
st.markdown(f"**{charts.n_groups(len(frame))}** by {COHORT_FIELDS[group].lower()}, "
            f"{overall['courses']:,} courses of {overall['patients']:,} patients in all. "
            f"First-session relief means: {RELIEF_RULES[filters.relief_rule]}.")
if few:
    st.caption(f"{charts.n_groups(few)} with fewer than {least} courses: too few to judge (marked in the table, "
               "pale in the chart): their rates can swing widely by chance. The number is a clinical setting.")
if filters.scope and group == "therapist" and len(frame) > 1:
    st.caption("The courses you treat include those you gave a session in while a colleague is their therapist "
               "(the therapist of the first session): they are counted under that colleague's name here, so your "
               f"own row holds only the courses you are the therapist of, and the {overall['courses']:,} in all "
               "hold both.")

metric = st.segmented_control("Metric in the chart", list(charts.METRICS), default="relief", required=True,
                              format_func=lambda k: charts.METRICS[k].label, key="cohorts.metric",
                              **bound) or "relief"
# With therapists chosen in the sidebar (the director's filter, not a therapist's own scope) the dashed
# line is their own figure; the clinic's (the same filters without the therapist selection) stays beside it.
benchmark = None
if filters.therapists and not filters.scope:
    benchmark = charts.overall_values((ui.cohort(None, filters.with_(therapists=())) or [None])[0])
ui.chart(charts.comparison, frame, metric, overall, group, clinic=benchmark, width="stretch")
if group == "start_month":
    st.caption("Courses of the last weeks are still running: they cannot have completed or dropped out yet, "
               "so their completion and drop-out figures are not final.")

st.subheader(f"Every metric by {COHORT_FIELDS[group].lower()}")
st.caption("Click a column header to sort; hover a header for its definition. First-session relief counts the "
           "courses whose first session has both pain scores. Sustained improvement = pain before the first vs the "
           "last scored visit day; pain is scored in whole points, so the median sustained improvement often lands "
           "on the same value (such as 33 %) in every group, while the mean sustained improvement and the "
           "responders (≥ 30 % better) tell groups apart. Mean adherence = the mean share of a course's days so far "
           f"with a visit. Dropped out = not completed and no visit for more than {filters.settings.dropout_gap_days} "
           "days.")
table = charts.display_table(frame)
percent = {"format": "%.1f %%"}
widths = charts.table_widths(table)     # every header whole; through the drop-out rate at 1,400 px
config = {
    **{c: st.column_config.Column(label, help=charts.TABLE_HELP.get(c)) for c, label in charts.TABLE_LABELS.items()},
    **{c: st.column_config.NumberColumn(charts.TABLE_LABELS[c], format="localized", width=widths.get(c))
       for c in charts.COUNT_COLUMNS},
    **{c: st.column_config.NumberColumn(charts.TABLE_LABELS[c], help=charts.TABLE_HELP.get(c), width=widths.get(c),
                                        **percent) for c in charts.PERCENT_COLUMNS},
    # wide enough for the longest label ("Piriformis syndrome") and kept in view while scrolling
    "label": st.column_config.Column(charts.TABLE_LABELS["label"], pinned=True, width=widths["label"]),
}
st.dataframe(table, hide_index=True,
             placeholder=ui.MISSING, width="stretch", height=min(560, 38 + 35 * max(len(table), 1)),
             column_config=config, key="cohorts.table")

# The filters travel in the file names; the CSV's header stays on line 1, the XLSX says the rest on "About".
about = exports.About.of(f"Cohorts by {COHORT_FIELDS[group].lower()} (the Cohorts page; exact values: rates as "
                         "ratios 0–1, improvement in %)", filters, charts.column_meanings())
stem = f"cohorts-by-{group}"
data = charts.export_frame(frame)
buttons = st.container(horizontal=True)      # side by side, wrapping in a narrow window
with buttons:
    ui.download("Download these numbers (CSV, unrounded)", ui.later(charts.csv_bytes, frame),
                exports.file_name(stem, filters, "csv"), rows=len(frame), key="cohorts.download",
                help="Exact values: rates as ratios 0–1, improvement in %. The file name states the as-of date "
                     "and the filters.")
    ui.download("Download for Excel (XLSX)", ui.later(exports.frame_xlsx, data, about, sheet="Cohorts"),
                exports.file_name(stem, filters, "xlsx"), rows=len(frame), key="cohorts.download_xlsx",
                mime=exports.XLSX_MIME,
                help="The same numbers; a second sheet, About, states the filters, the as-of date, the relief "
                     "rule, when the file was made and what each column means.")
    ui.download("What the numbers hold (CSV)", ui.later(exports.about_csv, about, len(frame)),
                exports.file_name(f"{stem}-about", filters, "csv"), rows=exports.about_csv_rows(about),
                key="cohorts.download_about",
                help="A small side file for the CSV: the filters in words, the as-of date, the relief rule, the "
                     "row count and the meaning of each column.")

if filters.scope:
    # The whole clinic for a therapist: aggregates only, and no group small enough to point at anyone.
    st.header("The whole clinic, for comparison")
    clinic_rows, clinic_total = ui.private_cohort(group)
    clinic_rows = privacy.unname_colleagues(clinic_rows, group, filters.scope)
    hidden_text = privacy.HIDDEN
    st.caption(f"All matching courses of every therapist (the same filters, without the limit to your own). A group "
               f"shows \"{hidden_text}\" and no figures when {privacy.why_hidden()}. Nothing here names a patient"
               + (", and no colleague: by therapist, yours is named and the others are numbered by caseload, "
                  "as on Fair comparison." if group == "therapist" else "."))
    mine, clinic = charts.overall_values(overall), charts.overall_values(clinic_total)
    side = st.columns(2)
    side[0].metric("Your courses: first-session relief", ui.fmt_pct(mine.get("relief_rate")),
                   f"{mine['courses']:,} courses", delta_color="off", delta_arrow="off", border=True)
    if clinic_total.get("suppressed"):
        side[1].metric("The whole clinic", hidden_text.capitalize(), "too few patients to show", delta_color="off",
                       delta_arrow="off", border=True)
    else:
        side[1].metric("The whole clinic: first-session relief", ui.fmt_pct(clinic.get("relief_rate")),
                       f"{clinic['courses']:,} courses of {clinic['patients']:,} patients", delta_color="off",
                       delta_arrow="off", border=True)
    shown_rows, hidden_labels = charts.split_suppressed(clinic_rows, group)
    if shown_rows and not clinic_total.get("suppressed"):
        ui.chart(charts.comparison, charts.cohort_frame(shown_rows, group, least), metric, clinic_total, group,
                 width="stretch", key="cohorts.clinic_chart")
    if hidden_labels:
        st.caption("Hidden (too few patients, or recoverable from the others): "
                   + ", ".join(for_markdown(label) for label in hidden_labels) + ".")
    clinic_table = charts.private_display_table(clinic_rows, group, hidden_text)
    clinic_widths = charts.table_widths(clinic_table)
    st.dataframe(clinic_table, hide_index=True,
                 placeholder=ui.MISSING, width="stretch", height=min(560, 38 + 35 * max(len(clinic_rows), 1)),
                 column_config={**{c: st.column_config.Column(label, help=charts.TABLE_HELP.get(c),
                                                              width=clinic_widths.get(c))
                                   for c, label in charts.TABLE_LABELS.items()},
                                "label": st.column_config.Column(charts.TABLE_LABELS["label"], pinned=True,
                                                                 width=clinic_widths["label"])},
                 key="cohorts.clinic_table")
    clinic_filters = filters.with_(scope=None)
    clinic_about = exports.About.of(f"The whole clinic by {COHORT_FIELDS[group].lower()}, groups of too few patients "
                                    "hidden (the Cohorts page)", clinic_filters,
                                    charts.column_meanings(private=True))
    clinic_data = charts.private_export_frame(clinic_rows, group)
    clinic_stem = f"clinic-cohorts-by-{group}"
    clinic_buttons = st.container(horizontal=True)
    with clinic_buttons:
        ui.download("Download the whole clinic's numbers (CSV)", ui.later(charts.private_csv_bytes, clinic_rows, group),
                    exports.file_name(clinic_stem, clinic_filters, "csv"), rows=len(clinic_rows),
                    key="cohorts.clinic_download")
        ui.download("The whole clinic's numbers for Excel (XLSX)",
                    ui.later(exports.frame_xlsx, clinic_data, clinic_about, sheet="Clinic cohorts"),
                    exports.file_name(clinic_stem, clinic_filters, "xlsx"), rows=len(clinic_rows),
                    key="cohorts.clinic_download_xlsx", mime=exports.XLSX_MIME)
