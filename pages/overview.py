"""Overview: the three questions at a glance, and who needs attention today."""
import streamlit as st

from clinic import exports, ui
from clinic.charts import overview as charts
from clinic.filters import RELIEF_RULES

path, filters = ui.require_entry(__file__)

st.title("Patient progress")
st.caption(filters.describe())

summary = ui.overall()
if summary["courses"] == 0:
    ui.empty_state(ui.no_courses_message(filters))

relief = summary["first_session_relief"]
improvement = summary["sustained_improvement"]
adherence = summary["adherence"]
courses = summary["courses"]
active = courses - adherence["completed"] - adherence["dropped_out"]
verdict = charts.claim_verdict(relief["ci_low"], relief["ci_high"])

tiles = st.columns(3) + st.columns(3)
tiles[0].metric("Active courses", f"{active:,}", help="Courses neither completed nor dropped out "
                f"(of {courses:,} courses that match the filters).", border=True)
tiles[1].metric("Patients", f"{summary['patients']:,}", help="Distinct patients among the matching courses.", border=True)
tiles[2].metric("First-session relief", ui.fmt_pct(relief["rate"]),
                help=f"{relief['relieved']:,} of {relief['assessable']:,} assessable courses: "
                     f"{RELIEF_RULES[filters.relief_rule]}. 95 % Wilson interval "
                     f"{ui.fmt_pct(relief['ci_low'], 1)} – {ui.fmt_pct(relief['ci_high'], 1)}.", border=True)
tiles[3].metric("Median pain reduction",
                "—" if improvement["median_pct"] is None else f"{improvement['median_pct']:.0f} %",
                help=f"From the first to the last scored visit day, over {improvement['assessable']:,} courses "
                     f"with two such days; {improvement['responders_30']:,} improved by 30 % or more.", border=True)
tiles[4].metric("Mean adherence", ui.fmt_pct(adherence["mean"]),
                help=f"Share of the days of each daily course (so far) with a visit. "
                     f"{adherence['adherent']:,} courses reached 80 %.", border=True)
tiles[5].metric("Drop-out rate", ui.fmt_pct(adherence["dropped_out"] / courses),
                help=f"{adherence['dropped_out']:,} of {courses:,} courses: not completed and no visit for "
                     "8 days or more.", border=True)

message = {
    "met": "**The claim holds:** even the low end of the 95 % interval is above 50 %.",
    "not met": "**The claim does not hold:** even the high end of the 95 % interval is at or below 50 %.",
    "undecided": "**Undecided:** the 95 % interval straddles 50 %; more courses are needed to tell.",
    None: "**No first session can be judged yet** (no course has both pain scores with pain above 0).",
}[verdict]
st.markdown(f"Does relief come after the first session in most cases? {message}")
if relief["rate"] is not None:
    st.plotly_chart(charts.relief_claim(relief, RELIEF_RULES[filters.relief_rule]), width="stretch")

weeks = ui.query("overview_weekly_pain")
if weeks.empty:
    st.info("No scored sessions in the matching courses yet, so there is no weekly trend to draw.")
else:
    st.plotly_chart(charts.weekly_pain(weeks, courses), width="stretch")

st.subheader("Needs attention")
LAPSE_DAYS = 30
attention = ui.query("overview_attention", lapse_days=LAPSE_DAYS)
TABS = {
    "not_seen": (f"Not seen for 8–{LAPSE_DAYS} days mid-course",
                 "Courses not completed whose last visit was 8 or more days ago: a call may bring them back. "
                 "Longer absences count as drop-outs and are not listed."),
    "no_conclusion": ("No doctor's conclusion", "Courses started without a doctor's conclusion on file "
                      "(the protocol asks for one before the course)."),
    "acute_inflammation": ("Treated during acute inflammation", "Courses with an attended session recorded "
                           "during acute inflammation (the protocol says: massage only after it has subsided)."),
    "numbness": ("Numbness reported", "Courses where numbness was reported: a red flag to check and refer."),
}
COLUMNS = {
    "patient_id": "Patient", "course_id": "Course", "therapist": "Therapist", "start_date": "Started",
    "last_attended_date": "Last visit", "days_since_last_visit": "Days since last visit",
    "sessions_attended": "Sessions attended", "planned_sessions": "Planned",
    "flagged_sessions": "Flagged sessions", "last_flagged_date": "Last flagged", "ongoing": "Ongoing",
}
tabs = st.tabs([f"{label} ({(attention.reason == key).sum():,})" for key, (label, _) in TABS.items()])
for tab, (key, (label, explanation)) in zip(tabs, TABS.items()):
    with tab:
        rows = attention.loc[attention.reason == key].drop(columns="reason")
        st.caption(explanation)
        if rows.empty:
            st.success("Nothing here for the matching courses.")
            continue
        if key in ("not_seen", "no_conclusion"):
            rows = rows.drop(columns=["flagged_sessions", "last_flagged_date"])
        if key == "not_seen":
            rows = rows.drop(columns=["ongoing"])
        ui.show_table(rows, COLUMNS)
        st.download_button("Download this list (CSV)", exports.frame_csv(rows),
                           file_name=f"attention-{key}-{filters.as_of}.csv", mime="text/csv", key=f"overview.download.{key}")
