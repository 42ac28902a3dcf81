"""Overview: who to call and what to check today, then the three questions at a glance."""
import streamlit as st

from clinic import exports, flags, metrics, privacy, ui
from clinic.charts import overview as charts
from clinic.filters import RELIEF_RULE_LABELS, RELIEF_RULES

path, filters = ui.require_entry(__file__)

st.title("Patient progress")
ui.filters_caption(filters)

summary = ui.overall()
if summary["courses"] == 0:
    ui.empty_state(ui.no_courses_message(filters))

CALL_AFTER_DAYS = ui.OVERVIEW_CALL_AFTER_DAYS      # no visit yesterday; 8 or more days is a drop-out (DESIGN.md)
RECENT_DAYS = ui.OVERVIEW_RECENT_DAYS
LABELS = {
    "patient_id": "Patient", "link": "Patient page", "days_since_last_visit": "Days since visit",
    "therapist": "Therapist", "last_attended_date": "Last visit", "sessions_attended": "Attended",
    "sessions_left": "Sessions left", "planned_sessions": "Planned", "start_date": "Started", "course_id": "Course",
    "flagged_sessions": "Flagged", "last_flagged_date": "Last flagged", "ongoing": "Ongoing",
}
# Short headers, their meaning on hover, so a list of twelve columns fits the page without scrolling.
CONFIG = {
    "patient_id": st.column_config.Column(LABELS["patient_id"], pinned=True,
                                          help="The patient's id, to look up in the booking system."),
    "link": st.column_config.LinkColumn(LABELS["link"], display_text="Open", pinned=True),
    "days_since_last_visit": st.column_config.NumberColumn(
        LABELS["days_since_last_visit"], format="localized",
        help="Days since the last visit: the as-of date minus its date (or the start's, with no visit yet): "
             "2 = seen the day before yesterday, no visit yesterday."),
    "sessions_attended": st.column_config.NumberColumn(
        LABELS["sessions_attended"], format="localized", help="Sessions attended so far in the course."),
    "flagged_sessions": st.column_config.NumberColumn(
        LABELS["flagged_sessions"], format="localized",
        help="Sessions of the course with this flag: numbness reported at any of its sessions (a cancelled one "
             "too), acute inflammation at its attended sessions."),
    "ongoing": st.column_config.CheckboxColumn(
        LABELS["ongoing"], help="Neither completed nor dropped out: still being treated."),
    "baseline_pain": st.column_config.NumberColumn(
        "Baseline", help="Pain before the first session that has a score (NRS 0–10)."),
    "latest_pain": st.column_config.NumberColumn(
        "Pain now", help="Pain before the latest scored session (NRS 0–10): the score the course is judged on."),
    "expected_q75_pain": st.column_config.NumberColumn(
        "Expected", help="Three in four similar courses (completed, same diagnosis and band of starting pain) "
                         "were at this pain or lower at the same session (their 75th percentile): above it is "
                         "below expected."),
    "latest_session": st.column_config.NumberColumn(
        "At session", help="The number of the latest scored session: where the course is judged."),
    "sessions_left": st.column_config.NumberColumn(
        LABELS["sessions_left"], format="localized",
        help="Planned sessions minus the days with a visit so far (the course is daily, one session a day)."),
}


def table(rows, columns, key: str) -> None:
    """A list of courses to act on: the patient and the link first (pinned), then what decides."""
    shown = charts.ordered(rows.assign(link=ui.patient_links(rows.course_id)), columns)
    ui.show_table(shown, LABELS, key=key, config={c: CONFIG[c] for c in CONFIG if c in shown.columns},
                  height=ui.list_height(len(shown)))
    scrolled(len(shown))


def scrolled(rows: int) -> None:
    """Says under a list's table when some of its rows are out of view until it is scrolled."""
    if rows > ui.LIST_VISIBLE_ROWS:
        st.caption(f"{ui.LIST_VISIBLE_ROWS} of these {rows:,} rows at a time: scroll inside the table for the rest.")


# 1. Today: who to call, who has just dropped out, and the red flags to check
calls = ui.query("overview_call_list", min_days=CALL_AFTER_DAYS)
GAP = filters.settings.dropout_gap_days
# each reason's first rows only (a network's lists hold tens of thousands); its download reads the whole list
attention = ui.query("overview_attention", recent_days=RECENT_DAYS, list_rows=ui.LIST_SHOWN_ROWS)
LISTS = {
    "call_list": ("Call today",
                  f"Unfinished courses whose last visit (or start, with no visit yet) was {CALL_AFTER_DAYS} to "
                  f"{GAP} days before {filters.as_of:%d %b %Y}: no visit yesterday, not yet a drop-out (more than "
                  f"{GAP} days). The most days "
                  "since the last visit first. Look the patient up by id in the booking system.",
                  "Nobody to call: every unfinished course that matches the filters had a visit yesterday or later, "
                  "or has dropped out (next tab)."),
    "not_seen": (f"Not seen for more than {GAP} days",
                 f"Dropped out in the last weeks: not completed and no visit for {GAP + 1} to {RECENT_DAYS} days. "
                 "A call may "
                 "still bring the patient back. The shortest absences first.",
                 "Nobody has dropped out recently among the courses that match the filters."),
    "numbness": ("Numbness reported",
                 "Numbness was reported: a red flag to check and refer to the doctor. The latest flag first.",
                 None),
    "acute_inflammation": ("Acute inflammation",
                           "Treated during acute inflammation: an attended session was recorded during it (the "
                           "protocol says: massage only after it has subsided). The latest first.", None),
    "no_conclusion": ("No doctor's conclusion",
                      "Started without a doctor's conclusion on file (the protocol asks for one before the course). "
                      "The latest start first.", None),
}
lists = {"call_list": calls, **{key: attention.loc[attention.reason == key].drop(columns="reason")
                                for key in LISTS if key != "call_list"}}
counts = {key: len(rows) if key == "call_list" else int(rows.current_courses.iloc[0]) if len(rows) else 0
          for key, rows in lists.items()}
attention_tables = ui.tables_for(str(path), ui.version(path), "overview_attention", filters)


def whole_attention_csv(reason: str, columns) -> bytes:
    """One reason's whole list as CSV, read when its download button is pressed (no Streamlit call:
    it runs on the download's own thread, with this run's filters and open courses)."""
    rows = ui.read(str(path), "overview_attention", attention_tables, filters, recent_days=RECENT_DAYS, list_rows=None)
    rows = rows.loc[rows.reason == reason].drop(columns=["reason", "all_time", "current_courses"])
    return exports.frame_csv(charts.ordered(rows, columns))


def list_tabs(keys: tuple[str, ...]) -> None:
    """One tab per list, its size in the label; the open tab's list drawn as a table with its
    download. Only the open tab is drawn and sent: choosing another tab reruns the page, which
    keeps the choice while the tab's label (its count) stays the same."""
    tabs = st.tabs([f"{LISTS[key][0]} ({counts[key]:,})" for key in keys], key=f"overview.tabs.{keys[0]}",
                   on_change="rerun")
    for tab, key in zip(tabs, keys):
        if not tab.open:
            continue
        rows = lists[key]
        _label, explanation, nobody = LISTS[key]
        with tab:
            st.caption(explanation)
            if rows.empty:
                st.success(nobody or "Nothing here among the current courses that match the filters.")
                continue
            columns = charts.CALL_COLUMNS if key == "call_list" else charts.ATTENTION_COLUMNS[key]
            if key == "call_list":
                file_name = exports.file_name("call-list", filters, "csv")
                data = ui.csv(charts.ordered(rows, columns))
            else:
                st.caption(f"Current courses only (a visit, or the start, within the last {RECENT_DAYS} days): "
                           f"{counts[key]:,} of {int(rows.all_time.iloc[0]):,} such courses since the data starts.")
                rows = rows.drop(columns=["all_time", "current_courses"])
                file_name = exports.file_name(f"attention-{key}", filters, "csv")
                data = ui.later(whole_attention_csv, key, columns)
            table(rows.head(ui.LIST_SHOWN_ROWS), columns, f"overview.table.{key}")
            if counts[key] > ui.LIST_SHOWN_ROWS:
                st.caption(f"The first {ui.LIST_SHOWN_ROWS:,} of {counts[key]:,} are shown, in this order; the download "
                           "has them all, and the Patients page finds any course.")
            ui.download("Download this list (CSV)", data, file_name, rows=counts[key], key=f"overview.download.{key}")


st.subheader("Today: who to call")
list_tabs(("call_list", "not_seen"))
st.subheader("Red flags to check")
list_tabs(("numbness", "acute_inflammation", "no_conclusion"))
# Courses failing to progress, or whose pain keeps rising (clinic/flags.py, with the settings' MCID)
# Each list is read only while its section is open (a lazy expander): judging progress reads every
# session of the current courses, which would slow every visit of the first page.
progress_lists = None
for reason, title in flags.ATTENTION.items():
    box = st.expander(title, key=f"overview.open.{reason}", on_change="rerun")
    with box:
        if not box.open:
            continue
        if progress_lists is None:
            progress_lists = flags.attention(ui.query, RECENT_DAYS)
        rows = progress_lists[reason]
        st.caption(f"{len(rows):,} current course{'' if len(rows) == 1 else 's'}. "
                   + flags.attention_caption(reason, filters.settings, RECENT_DAYS))
        if rows.empty:
            st.success("Nothing here among the current courses that match the filters.")
            continue
        columns = flags.ATTENTION_COLUMNS[reason]
        head = rows.head(ui.LIST_SHOWN_ROWS)
        shown = charts.ordered(head.assign(link=ui.patient_links(head.course_id)), columns)
        ui.show_table(shown, {**LABELS, **flags.LABELS}, key=f"overview.table.{reason}",
                      config={c: CONFIG[c] for c in CONFIG if c in shown.columns}, height=ui.list_height(len(shown)))
        scrolled(len(shown))
        if len(rows) > len(head):
            st.caption(f"Showing the first {len(head):,} of {len(rows):,}, in this order; the download has them all.")
        ui.download("Download this list (CSV)", ui.csv(charts.ordered(rows, columns)),
                    exports.file_name(f"attention-{reason}", filters, "csv"), rows=len(rows),
                    key=f"overview.download.{reason}")

# 2. The three questions at a glance, with the clinic beside a therapist's figures
relief = summary["first_session_relief"]
rule = RELIEF_RULES[filters.relief_rule]
by_session = ui.query("pain_by_session", split="none")
weeks = ui.query("overview_weekly_pain")
relief_chart, sessions_chart, weeks_chart = ui.overview_charts(summary, by_session, weeks, filters)
verdict = charts.claim_verdict(relief["ci_low"], relief["ci_high"])
benchmark, benchmark_note = {}, None
if filters.scope and filters.therapists:
    benchmark_note = "Clear the therapist filter in the sidebar to see the whole clinic beside your figures."
elif filters.scope:
    _rows, clinic = ui.private_cohort(None)
    hidden = clinic.get("suppressed")
    benchmark = charts.benchmarks(None if hidden else metrics.block(clinic),
                                  privacy.HIDDEN if hidden else None)
    benchmark_note = ("Under each figure: the whole clinic (every therapist's courses, the same filters) for "
                      "comparison, hidden when it covers too few patients to show without pointing at anyone.")
elif filters.therapists:
    benchmark = charts.benchmarks(ui.overall(filters.with_(therapists=())))
    benchmark_note = "Under each figure: the whole clinic (all therapists, the same other filters) for comparison."

st.subheader("The three questions at a glance")
if benchmark_note:
    st.caption(benchmark_note)
# Tiles of a fixed width in a wrapping row: three a row at 1,400 px, two at 1,000 px, each wide
# enough for the longest name ("Median sustained improvement") and its line under the figure (on a
# phone, one column as wide as the screen).
with ui.tile_row("overview.tiles", gap="xsmall", horizontal_alignment="distribute",
                 vertical_alignment="distribute"):
    for tile in charts.tiles(summary, RELIEF_RULE_LABELS[filters.relief_rule], rule, filters.settings,
                             (ui.cohort() or [None])[0]):
        with ui.tile(charts.TILE_WIDTH_PX, gap=None):
            st.metric(tile.label, tile.value, delta=tile.note, delta_color="off", delta_arrow="off", help=tile.help)
            if tile.label in benchmark:
                st.caption(benchmark[tile.label])

# Does relief come after the first session in most cases?
st.subheader("Relief after the first session: is it the rule?")
interval = (f"{ui.fmt_pct(relief['rate'], 1)} of {relief['assessable']:,} courses (95 % interval "
            f"{ui.fmt_pct(relief['ci_low'], 1)} – {ui.fmt_pct(relief['ci_high'], 1)})")
message = {
    "met": f"**The claim holds:** {interval}; even the low end is above 50 %.",
    "not met": f"**The claim does not hold:** {interval}; even the high end is at or below 50 %.",
    "undecided": f"**Undecided:** {interval}; the interval straddles 50 %, so more courses are needed to tell.",
    None: "**No first session can be judged yet** (no course has both pain scores with pain above 0).",
}[verdict]
st.markdown(f"Relief here means **{rule}** (change the rule in the sidebar). {message}")
if relief_chart is not None:
    ui.chart(*relief_chart, width="stretch")

# Is pain going down?
st.subheader("Is pain going down?")
if sessions_chart is None:
    st.info("Too few courses have pain scores to draw pain session by session.")
else:
    ui.chart(*sessions_chart, width="stretch")
    st.page_link("pages/pain_trends.py", label="Pain session by session, before vs after, and by cohort",
                 icon=":material/trending_down:")
if weeks_chart is not None:
    st.caption("Calendar weeks mix patients at every stage of their course (new patients arrive in pain every "
               "week), so this line stays level even when every course improves; the chart above follows courses.")
    ui.chart(*weeks_chart, width="stretch")
    # the chart's own rows, as-of date and today: the file calls complete what the chart draws so
    _build, weekly, _courses, as_of, today = weeks_chart
    weekly = weekly.assign(week_complete=~charts.week_in_progress(weekly, as_of, today))
    ui.download("Download pain week by week (CSV)", ui.csv(weekly.drop(columns="scored_courses")),
                exports.file_name("pain-by-week", filters, "csv"), rows=len(weekly), key="overview.download.weeks",
                help="Each week (from Monday): scored sessions, courses, the mean of the courses' weekly means and "
                     "its 95 % interval; days_counted up to the as-of date, week_complete false for the week in "
                     "progress.")
