"""Adherence: do patients keep to the recommended daily course?"""
import streamlit as st

from clinic import exports, ui
from clinic.charts import adherence as charts
from clinic.charts import n_courses
from clinic.filters import COHORT_FIELDS, DIAGNOSIS_LABELS, SEX_LABELS

path, filters = ui.require_entry(__file__)

st.title("Adherence to the daily course")
ui.filters_caption(filters)

summary = ui.query("adherence_summary").to_dict("records")[0]
courses = summary["courses"]
if courses == 0:
    ui.empty_state(ui.no_courses_message(filters))


rated = summary["rated_courses"]


def interval(name: str) -> str:
    """The Wilson 95 % interval of a share of the summary, in words (nothing when there is none)."""
    low, high = ui.fmt_pct(summary[name + "_ci_low"], 1), ui.fmt_pct(summary[name + "_ci_high"], 1)
    return "" if "—" in (low, high) else f" 95 % Wilson interval {low} – {high}."


def share_of(name: str, of: int) -> str:
    """A share under its count: of how many courses, and its 95 % Wilson interval (short enough for
    half of the page's width beside the open sidebar at 1,024 px)."""
    return ui.share_note(summary[name + "_share"], of, summary[name + "_ci_low"], summary[name + "_ci_high"])


SHARE = {"delta_color": "off", "delta_arrow": "off", "border": True}
tiles = st.columns(2) + st.columns(2) + st.columns(2)     # two a row: shares and intervals stay whole
tiles[0].metric("Mean adherence", ui.fmt_pct(summary["mean_adherence"]), f"over {n_courses(rated)}", **SHARE,
                help=f"Over {n_courses(rated)}: the share of each daily course's days so far (from its start to "
                     "its planned last day, or to the as-of date when earlier) with at least one visit. The as-of "
                     "day counts only once it has a visit (the day is not over yet), so a course that starts on "
                     "the as-of day without a visit yet has no adherence and is left out here.")
threshold, gap = filters.settings.adherence_pct, filters.settings.dropout_gap_days
tiles[1].metric(f"Adherent (≥ {threshold} %)", f"{summary['adherent']:,}",
                share_of("adherent", rated),
                **SHARE, help=f"Courses with a visit on {threshold} % of their days so far or more (a setting)."
                + interval("adherent"))
tiles[2].metric("Completed", f"{summary['completed']:,}", share_of("completed", courses), **SHARE,
                help="Courses with as many visit days as planned sessions." + interval("completed"))
tiles[3].metric("Dropped out", f"{summary['dropped_out']:,}", share_of("dropped_out", courses), **SHARE,
                help=f"Courses not completed whose last visit (or start, without a visit) was more than {gap} days "
                     "before the as-of date (a setting)." + interval("dropped_out"))
tiles[4].metric("Ongoing", f"{summary['ongoing']:,}", share_of("ongoing", courses), **SHARE,
                help="Courses neither completed nor dropped out." + interval("ongoing"))
st.caption("Completed can exceed adherent: completed counts visit days against the plan over the whole course, "
           "however late they came (10 planned, 10 visit days); adherent counts only the visits within the planned "
           f"daily window (the 10 days from the start) and needs {threshold} % of those days."
           + (f" Mean adherence and adherent are over {n_courses(rated)}, the other three over all {courses:,}: "
              f"{n_courses(courses - rated)} started on the as-of day with no visit yet, and that day is "
              "not over, so there is no adherence to rate yet." if rated != courses else ""))

# One chart a row: side by side, a narrow window squeezed their titles and axes.
bands = ui.query("adherence_distribution")
ui.chart(charts.distribution, bands, threshold, width="stretch")
steps = ui.query("adherence_dropout_after")
if steps.empty:
    st.info("No course among these has dropped out, so there is no drop-out timing to show.")
else:
    ui.chart(charts.dropout_after, steps, gap, width="stretch")

outcome = ui.query("adherence_outcome")
if outcome.assessable.sum() == 0:
    st.info("No course has pain scores on two different visit days yet, so pain outcomes cannot be compared.")
else:
    ui.chart(charts.outcome_by_adherence, outcome, threshold, width="stretch")
    parts = []
    for group in outcome.itertuples():
        name = "adherent courses" if group.adherent else "the other courses"
        if group.assessable:
            parts.append(f"{ui.fmt_pct(group.responder_share)} of {name} ({group.responders_30:,} of "
                         f"{group.assessable:,}) improved by 30 % or more")
        else:
            parts.append(f"none of {name} can be judged yet")
    st.markdown("**Responders (≥ 30 % better) and adherence:** " + "; ".join(parts) + ". Courses that end early "
                "have fewer scored days, so this shows association, not cause.")

# The charts' numbers as files: shares as ratios 0-1, improvement in %; the file names carry the
# as-of date and the filters.
with st.container(horizontal=True):
    ui.download("Download the adherence bands (CSV)", ui.csv(bands),
                exports.file_name("adherence-bands", filters, "csv"), rows=len(bands), key="adherence.download.bands",
                help="Courses in each 10 % band of adherence; share of the courses with an adherence, 0–1.")
    if not steps.empty:
        ui.download("Download the drop-out timing (CSV)", ui.csv(steps),
                    exports.file_name("adherence-dropout-after", filters, "csv"), rows=len(steps),
                    key="adherence.download.dropouts",
                    help="Dropped-out courses by the attended sessions they had; share of all dropped-out, 0–1.")
    if outcome.assessable.sum():
        ui.download("Download the outcome by adherence (CSV)", ui.csv(outcome),
                    exports.file_name("adherence-outcome", filters, "csv"), rows=len(outcome),
                    key="adherence.download.outcome",
                    help="Sustained improvement (%) of adherent and other courses: percentiles and responders.")

st.subheader("Day by day, course by course")
SPLITS = {"all": "All matching courses", **COHORT_FIELDS}
STATUSES = {"all": "Any status", "ongoing": "Ongoing", "dropped_out": "Dropped out", "completed": "Completed"}
VALUE_LABELS = {"diagnosis": DIAGNOSIS_LABELS, "sex": SEX_LABELS}
kept = {"persist_state": "session"}

pick_split, pick_value = st.columns([1, 1.4])
pick_status, pick_limit = st.columns([1, 1.4])
split = pick_split.selectbox("Cohort by", list(SPLITS), format_func=SPLITS.get, key="adherence.split", **kept)
cohort_value, cohort_text = None, "All matching courses"
if split != "all":
    groups = ui.cohort(split)
    counts = {row["key"]: row["courses"] for row in groups}
    names = VALUE_LABELS.get(split, {})

    def value_label(key) -> str:
        shown = charts.NOT_RECORDED if key is None else names.get(key, key)
        return f"{shown} ({counts.get(key, 0):,} courses)"

    latest_first = len(counts) - 1 if split == "start_month" else 0     # the latest month, else the first value
    cohort_value = pick_value.selectbox(COHORT_FIELDS[split], list(counts), index=latest_first, format_func=value_label,
                                        key=f"adherence.cohort.{split}", **kept)
    shown_value = charts.NOT_RECORDED if cohort_value is None else names.get(cohort_value, cohort_value)
    cohort_text = f"{COHORT_FIELDS[split]} {shown_value}"
status = pick_status.selectbox("Status", list(STATUSES), format_func=STATUSES.get, key="adherence.status", **kept)
limit = pick_limit.slider("Most recent courses", min_value=10, max_value=100, value=40, step=10,
                          key="adherence.limit", **kept)
whole_plan_only = st.checkbox("Only courses whose planned days have all passed", value=True,
                              key="adherence.whole_plan", **kept,
                              help="Leaves out courses still inside their planned days, whose rows would end in "
                                   "days not yet reached. The as-of day is still in progress: a course whose last "
                                   "planned day it is shows once it has a visit that day.")
if whole_plan_only:
    st.caption("Ticked, this leaves out the courses still inside their planned days, so the calendar's counts "
               "(drop-outs too) can be lower than the tiles above, which count every matching course.")
if status != "all":
    cohort_text += f", {STATUSES[status].lower()}"

days = ui.query("adherence_calendar", split=split, cohort_value=cohort_value, status=status,
                whole_plan_only=whole_plan_only, limit=limit)
if days.empty:
    st.info("No course matches this cohort and status" + (" among those whose planned days have all passed"
            if whole_plan_only else "") + ". Pick another cohort value or status, or untick the box above.")
else:
    ui.chart(charts.calendar, days, cohort_text, limit, width="stretch")
    st.caption("Columns run over each course's planned days (one session a day). Sessions before a course's "
               "start date or after its planned last day are not shown here; open the Patients page for one "
               "patient's full calendar.")
