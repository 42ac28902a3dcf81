"""Time to relief: how many sessions until relief, and does first-session relief last?"""
import streamlit as st

from clinic import exports, relief_time, settings, ui
from clinic.charts import relief_time as charts
from clinic.filters import COHORT_FIELDS

path, filters = ui.require_entry(__file__)

st.title("Time to relief")
ui.filters_caption(filters)

SPLITS = ("none", *COHORT_FIELDS)


picks = st.columns(2)
by = picks[0].selectbox("One curve per", SPLITS, format_func=lambda f: "All matching courses" if f == "none"
                        else COHORT_FIELDS[f], key="relief_time.by", bind="query-params", persist_state="session")
unit = picks[1].segmented_control("Count time in", list(charts.UNIT_WORD), format_func=str.capitalize,
                                  default="sessions", key="relief_time.unit", bind="query-params",
                                  persist_state="session") or "sessions"
by = None if by == "none" else by

report = relief_time.dashboard_report(filters, by, unit)
settings_line = settings.describe_line(filters.settings, filters.relief_rule)
st.markdown(charts.definition_text(filters.relief_rule, filters.settings.adherence_pct, unit))

whole = report["overall"]
if whole["courses"] + whole["not_assessable"] + whole["no_attended_session"] == 0:
    ui.empty_state(ui.no_courses_message(filters))

st.subheader("Sessions until relief" if unit == "sessions" else "Days until relief")
if whole["courses"] == 0:
    st.info(f"None of the {whole['not_assessable'] + whole['no_attended_session']:,} matching courses can be put on "
            f"the curve: {whole['not_assessable']:,} have a first session that cannot be judged (a missing score, or "
            f"pain 0 before it) and {whole['no_attended_session']:,} have no attended session yet.")
else:
    tiles = st.columns(3)       # labels short enough to stay whole three a row beside the open sidebar
    median = whole[f"median_{unit}"]
    tiles[0].metric(f"Median {charts.UNIT_WORD[unit]}", "not reached" if median is None else f"{median:,}",
                    help=f"The median {charts.UNIT_WORD[unit]} to relief: half of the courses on the curve had "
                         "relief by then (Kaplan–Meier).", border=True)
    low, high = whole["median_ci_low"], whole["median_ci_high"]
    tiles[1].metric("95 % interval",
                    "—" if low is None and high is None else f"{low if low is not None else '—'} – "
                    f"{high if high is not None else 'not reached'}",
                    help="The median's 95 % interval (Brookmeyer–Crowley); \"not reached\" when the curve does not "
                         "fall far enough to set its high end.", border=True)
    tiles[2].metric("On the curve", f"{whole['courses']:,}",
                    help=f"Courses on the curve; {whole['relieved']:,} reached relief. Left out: "
                         f"{whole['not_assessable']:,} not assessable at the first session, "
                         f"{whole['no_attended_session']:,} with no attended session.",
                    border=True)
    st.caption(f"Left out of the curve: {whole['not_assessable']:,} courses whose first session cannot be judged "
               f"(a missing score, or pain 0 before it) and {whole['no_attended_session']:,} with no attended "
               "session yet.")
    ui.chart(charts.km_chart, report, unit, width="stretch")

medians = charts.median_table(report, unit, settings_line)
shown = medians.drop(columns=["settings"])
if len(shown):
    st.markdown(f"**Median {charts.UNIT_WORD[unit]} to relief per curve** (greyed: fewer than "
                f"{filters.settings.min_cohort} courses, too few to judge)")
    st.dataframe(charts.grey_too_few(shown), column_config=ui.table_config(shown, charts.MEDIAN_COLUMNS),
                 hide_index=True,
                 placeholder=ui.MISSING,
                 width="stretch", key="relief_time.medians")
    ui.download("Download the medians (CSV)", ui.csv(medians.rename(columns=charts.MEDIAN_LABELS)),
                exports.file_name(f"time-to-relief-medians-{unit}-by-{by or 'all'}", filters, "csv"),
                rows=len(medians), key="relief_time.download.medians",
                help="The file name states the as-of date and the filters; a column states the settings.")
    steps = charts.steps_frame(report, unit, settings_line)
    with st.expander("The curve step by step"):
        ui.show_table(steps.drop(columns=["settings"]), charts.STEP_LABELS, key="relief_time.steps")
        ui.download("Download the steps (CSV)", ui.csv(steps.rename(columns=charts.STEP_LABELS)),
                    exports.file_name(f"time-to-relief-steps-{unit}-by-{by or 'all'}", filters, "csv"),
                    rows=len(steps), key="relief_time.download.steps",
                    help="At risk = courses still without relief and still seen just before this time.")

st.subheader("Does the relief last?")
st.markdown("The clinic promises relief after the first session *provided that you follow the recommendations and "
            "continue the course*. For courses with first-session relief: pain before session 1 (b1), after it "
            "(a1) and before session 2 (b2).")
lasting = relief_time.dashboard_lasting(filters)
drop = lasting["drop_kept"]
st.caption(charts.left_out_text(drop))
if drop["courses"] == 0:
    st.info("No matching course with first-session relief has a scored second visit yet, so there is nothing to "
            "compare.")
else:
    st.markdown(charts.share_text(drop))
    ui.chart(charts.lasting_chart, drop, width="stretch")
    outcomes = charts.outcome_table(drop)
    ui.show_table(outcomes, {"outcome": "At the next visit", "courses": "Courses", "share_pct": "Share (%)"},
                  key="relief_time.outcomes")
    ui.download("Download the next-visit table (CSV)",
                ui.csv(outcomes.assign(settings=settings_line).rename(
                    columns={"outcome": "At the next visit", "courses": "Courses", "share_pct": "Share (%)",
                             "settings": "Settings"})),
                exports.file_name("relief-at-next-visit", filters, "csv"), rows=len(outcomes),
                key="relief_time.download.outcomes")

st.markdown("**Sustained improvement, adherent against not adherent courses** (first against last pain score; "
            "responder = improved by at least 30 %; courses whose window has not begun are in neither group)")
adherence = charts.adherence_table(lasting["sustained_by_adherence"], settings_line)
if adherence.assessable.sum() == 0:
    st.info("No matching course has two pain scores on different days yet, so sustained improvement cannot be "
            "compared.")
else:
    ui.chart(charts.adherence_chart, lasting["sustained_by_adherence"], filters.settings.adherence_pct, width="stretch")
shown_adherence = adherence.drop(columns=["settings"])
st.dataframe(charts.grey_too_few(shown_adherence),
             column_config=ui.table_config(shown_adherence, charts.ADHERENCE_COLUMNS), hide_index=True,
             placeholder=ui.MISSING, width="stretch", key="relief_time.adherence")
ui.download("Download the adherence comparison (CSV)",
            ui.csv(adherence.rename(columns=charts.ADHERENCE_LABELS)),
            exports.file_name("sustained-improvement-by-adherence", filters, "csv"), rows=len(adherence),
            key="relief_time.download.adherence")
st.caption(f"Settings: {settings_line}.")
