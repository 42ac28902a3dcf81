"""Overview: the three questions at a glance, and who needs attention today."""
import datetime as dt

import streamlit as st

from clinic import exports, ui
from clinic.charts import overview as charts
from clinic.charts import pain as pain_charts
from clinic.filters import RELIEF_RULE_LABELS, RELIEF_RULES

path, filters = ui.require_entry(__file__)

st.title("Patient progress")
ui.filters_caption(filters)
if filters.as_of != dt.date.today():
    st.info(f"Figures as of **{filters.as_of:%d %b %Y}**, not today: sessions after that date are left out, and "
            "the attention lists below are as they stood then. Clear the as-of date in the sidebar for today.")

summary = ui.overall()
if summary["courses"] == 0:
    ui.empty_state(ui.no_courses_message(filters))

relief = summary["first_session_relief"]
improvement = summary["sustained_improvement"]
adherence = summary["adherence"]
courses = summary["courses"]
active = courses - adherence["completed"] - adherence["dropped_out"]
rule = RELIEF_RULES[filters.relief_rule]
verdict = charts.claim_verdict(relief["ci_low"], relief["ci_high"])

tiles = st.columns(3) + st.columns(3)
tiles[0].metric("Courses", f"{courses:,}", delta=f"{active:,} active now", delta_color="off",
                help="Courses that match the filters and started by the as-of date; active = neither completed "
                     "nor dropped out.", border=True)
tiles[1].metric("Patients", f"{summary['patients']:,}", help="Distinct patients among those courses.", border=True)
tiles[2].metric("First-session relief", ui.fmt_pct(relief["rate"]),
                delta=f"rule: {RELIEF_RULE_LABELS[filters.relief_rule]}", delta_color="off",
                help=f"{relief['relieved']:,} of {relief['assessable']:,} assessable courses: {rule}. 95 % Wilson "
                     f"interval {ui.fmt_pct(relief['ci_low'], 1)} – {ui.fmt_pct(relief['ci_high'], 1)}.", border=True)
tiles[3].metric("Median pain reduction",
                "—" if improvement["median_pct"] is None else f"{improvement['median_pct']:.0f} %",
                delta=f"{improvement['responders_30']:,} of {improvement['assessable']:,} improved ≥ 30 %",
                delta_color="off",
                help="Within each course: pain before the first scored visit vs the last scored visit day, over "
                     f"{improvement['assessable']:,} courses with two such days.", border=True)
tiles[4].metric("Mean adherence", ui.fmt_pct(adherence["mean"]),
                delta=f"{adherence['adherent']:,} courses at 80 % or more", delta_color="off",
                help="Share of the days of each daily course (so far) with a visit.", border=True)
tiles[5].metric("Drop-out rate", ui.fmt_pct(adherence["dropped_out"] / courses),
                delta=f"{adherence['dropped_out']:,} of {courses:,} courses", delta_color="off",
                help="Not completed and no visit for 8 days or more.", border=True)

# 1. Does relief come after the first session in most cases?
st.subheader("Relief after the first session: is it the rule?")
interval = (f"{ui.fmt_pct(relief['rate'])} of {relief['assessable']:,} courses (95 % interval "
            f"{ui.fmt_pct(relief['ci_low'], 1)} – {ui.fmt_pct(relief['ci_high'], 1)})")
message = {
    "met": f"**The claim holds:** {interval}; even the low end is above 50 %.",
    "not met": f"**The claim does not hold:** {interval}; even the high end is at or below 50 %.",
    "undecided": f"**Undecided:** {interval}; the interval straddles 50 %, so more courses are needed to tell.",
    None: "**No first session can be judged yet** (no course has both pain scores with pain above 0).",
}[verdict]
st.markdown(f"Relief here means **{rule}** (change the rule in the sidebar). {message}")
if relief["rate"] is not None:
    st.plotly_chart(charts.relief_claim(relief, rule), width="stretch")

# 2. Is pain going down?
st.subheader("Is pain going down?")
by_session = ui.query("pain_by_session", split="none")
if by_session.empty or not by_session.shown.any():
    st.info("Too few courses have pain scores to draw pain session by session.")
else:
    st.plotly_chart(pain_charts.pain_by_session(by_session, "none"), width="stretch")
    st.page_link("pages/pain_trends.py", label="Pain session by session, before vs after, and by cohort",
                 icon=":material/trending_down:")
weeks = ui.query("overview_weekly_pain")
if not weeks.empty:
    st.caption("Calendar weeks mix patients at every stage of their course (new patients arrive in pain every "
               "week), so this line stays level even when every course improves; the chart above follows courses.")
    st.plotly_chart(charts.weekly_pain(weeks, courses), width="stretch")

# 3. Who needs attention?
st.subheader("Needs attention")
RECENT_DAYS = 30
attention = ui.query("overview_attention", recent_days=RECENT_DAYS)
st.caption(f"Current courses only: a visit (or the start) within the last {RECENT_DAYS} days before the as-of date. "
           "Open a patient from the last column.")
TABS = {
    "not_seen": ("Not seen for 8 or more days",
                 f"Not completed and no visit for 8 to {RECENT_DAYS} days: these count as drop-outs now, but a call "
                 "may still bring the patient back. The shortest absences come first."),
    "no_conclusion": ("No doctor's conclusion", "Started without a doctor's conclusion on file "
                      "(the protocol asks for one before the course)."),
    "acute_inflammation": ("Treated during acute inflammation", "An attended session was recorded during acute "
                           "inflammation (the protocol says: massage only after it has subsided)."),
    "numbness": ("Numbness reported", "Numbness was reported: a red flag to check and refer to the doctor."),
}
COLUMNS = {
    "patient_id": "Patient", "course_id": "Course", "therapist": "Therapist", "start_date": "Started",
    "last_attended_date": "Last visit", "days_since_last_visit": "Days since last visit",
    "sessions_attended": "Sessions attended", "planned_sessions": "Planned",
    "flagged_sessions": "Flagged sessions", "last_flagged_date": "Last flagged", "ongoing": "Ongoing",
    "link": "Patient page",
}
tabs = st.tabs([f"{label} ({(attention.reason == key).sum():,})" for key, (label, _) in TABS.items()])
for tab, (key, (label, explanation)) in zip(tabs, TABS.items()):
    with tab:
        rows = attention.loc[attention.reason == key].drop(columns="reason")
        st.caption(explanation)
        if rows.empty:
            st.success("Nothing here among the current courses that match the filters.")
            continue
        st.caption(f"{len(rows):,} current of {int(rows.all_time.iloc[0]):,} such courses since the data starts.")
        rows = rows.drop(columns="all_time")
        if key in ("not_seen", "no_conclusion"):
            rows = rows.drop(columns=["flagged_sessions", "last_flagged_date"])
        if key == "not_seen":
            rows = rows.drop(columns=["ongoing"])
        shown = rows.assign(link=ui.patient_links(rows.course_id))
        ui.show_table(shown, COLUMNS, key=f"overview.table.{key}",
                      config={"link": st.column_config.LinkColumn(COLUMNS["link"], display_text="Open")})
        ui.download("Download this list (CSV)", exports.frame_csv(rows), f"attention-{key}-{filters.as_of}.csv",
                    rows=len(rows), key=f"overview.download.{key}")
