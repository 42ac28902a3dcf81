"""Patients: a searchable table of courses, and one patient's course in detail."""
import pandas as pd
import streamlit as st

from clinic import exports, report, trajectory, ui
from clinic import flags as protocol
from clinic.charts import patients as charts
from clinic.charts import trajectory as trajectory_charts
from clinic.filters import DIAGNOSIS_LABELS, RELIEF_RULES, SEX_LABELS
from clinic.text import for_markdown

path, filters = ui.require_entry(__file__)

st.title("Patients")
ui.filters_caption(filters)

SORTS = {   # the order of the whole matching list (the table's header sorts only the rows on screen)
    "recent": "Most recently started", "patient": "Patient id", "course": "Course id", "therapist": "Therapist",
    "adherence": "Adherence, lowest first", "improvement": "Sustained improvement, lowest first",
    "break": "Longest break, longest first", "last_visit": "Last visit, longest ago first",
}
PAGE_SIZES = (25, 50, 100, 200)
XLSX_MOST_ROWS = 50_000      # beyond this, the CSV (a spreadsheet of that size is slow to write and to open)

COURSE_LABELS = {
    "course_id": "Course", "patient_id": "Patient", "start_date": "Started", "planned_sessions": "Planned sessions",
    "therapist": "Therapist", "diagnosis": "Diagnosis", "site": "Site", "status": "Status",
    "sessions_attended": "Sessions attended", "attended_days": "Visit days",
    "first_session_pain_before": "1st session: pain before", "first_session_pain_after": "1st session: pain after",
    "first_session_relief": "First-session relief", "sustained_improvement_pct": "Sustained improvement (%)",
    "adherence": "Adherence", "adherent": "Adherent", "completed": "Completed", "dropped_out": "Dropped out",
    "longest_break_days": "Longest break (days)", "last_attended_date": "Last visit",
}
SESSION_LABELS = {
    "session_id": "Session", "session_date": "Date", "session_time": "Time", "course_day": "Day of course",
    "session_number": "Session no.", "therapist": "Therapist", "status": "Status", "pain_before": "Pain before",
    "pain_after": "Pain after", "pain_change": "Change (after − before)", "muscle_tension": "Muscle tension",
    "flags": "Flags", "numbness": "Numbness", "acute_inflammation": "Acute inflammation", "notes": "Notes",
}
XLSX_HELP = ("Opens in Excel: the same rows on the first sheet, and a second sheet, About, with the filters, the "
             "as-of date, the relief rule, when the file was made and what each column means.")
COUNTS = ("matched_courses", "filtered_courses")


def first_page() -> None:
    st.session_state["patients.page"] = 1


search_box, sort_box, size_box = st.columns([2.6, 2, 1], vertical_alignment="bottom")
search = search_box.text_input(
    "Search courses", key="patients.search", placeholder="Patient id, course id or therapist", on_change=first_page,
    help="Keeps the courses whose patient id, course id or therapist contains this text (any case). "
         "The search is kept in the page's link.", bind="query-params", persist_state="session")
sort = sort_box.selectbox("Sort by", list(SORTS), format_func=SORTS.get, key="patients.sort", on_change=first_page,
                          help="Orders every matching course, not only the rows on screen.",
                          bind="query-params", persist_state="session")
page_size = size_box.selectbox("Rows a page", PAGE_SIZES, index=1, key="patients.page_size", on_change=first_page,
                               bind="query-params", persist_state="session")
sort, page_size = sort or "recent", page_size or PAGE_SIZES[1]


def course_page(number: int):
    return ui.query("patients_courses", search=search, sort=sort, page_size=page_size,
                    page_offset=(number - 1) * page_size)


page_number = max(1, int(st.session_state.get("patients.page") or 1))
table = course_page(page_number)
if table.empty and page_number > 1:         # a page past the end (a shorter list since, or an old link)
    page_number = 1
    table = course_page(1)
matched = int(table.matched_courses.iloc[0]) if len(table) else 0
counted = int(table.filtered_courses.iloc[0]) if len(table) else \
    int(ui.query("patients_courses", search="", sort="recent", page_size=1, page_offset=0).filtered_courses.sum())
table = table.drop(columns=list(COUNTS))
table = protocol.with_flags(ui.query, table)           # failure to progress, ceiling, pain rising (clinic/flags.py)
pages = max(1, -(-matched // page_size))
if counted == 0:
    ui.empty_state(ui.no_courses_message(filters))


def open_selected_row(course_ids: list[str]) -> None:
    rows = st.session_state["patients.table"].selection.rows
    if rows:
        st.session_state["patients.course"] = course_ids[rows[0]]


if table.empty:
    if counted:
        st.info("No course matches this search. Search by part of a patient id, course id or therapist name.")
else:
    first_row = (page_number - 1) * page_size + 1
    st.caption(f"{matched:,} of {counted:,} courses match, sorted by {SORTS[sort].lower()}; rows {first_row:,}–"
               f"{first_row + len(table) - 1:,} are shown. Select a row to open the patient below. Clicking a column "
               "header sorts only the rows on screen; *Sort by* orders them all.")
    shown_ids = list(table.course_id)
    shown = charts.course_table(table.assign(diagnosis=table.diagnosis.map(DIAGNOSIS_LABELS)))
    pinned = {c: st.column_config.Column(COURSE_LABELS[c], pinned=True) for c in ("course_id", "patient_id")}
    ui.show_table(shown, {**COURSE_LABELS, **protocol.PATIENT_LABELS}, key="patients.table",
                  on_select=lambda: open_selected_row(shown_ids), selection_mode="single-row", config=pinned)
    if pages > 1:
        pager = st.container(horizontal=True, vertical_alignment="center")
        with pager:
            st.session_state["patients.page"] = page_number     # within 1 .. pages (a shorter list resets it)
            st.number_input("Page", min_value=1, max_value=pages, step=1, key="patients.page", width=140,
                            help="The table shows one page of the matching courses at a time.")
            st.caption(f"of {pages:,} pages")

    # The file names carry the as-of date and the filters (a search too); the XLSX says the rest on "About".
    stem = "courses" + (f"-matching-{exports.safe_part(search.strip(), 24)}" if search.strip() else "")
    courses_about = exports.About.of("Courses (the Patients page)" + (f", matching the search '{search.strip()}'"
                                                                      if search.strip() else ""),
                                     filters, COURSE_LABELS)
    signature = (ui.version(path), filters, search, sort)      # what the whole list depends on

    def whole_list(read=ui.query):
        """Every matching course in this order; `read` ui.query_now for a list prepared as a file."""
        return protocol.with_flags(read, read("patients_courses", search=search, sort=sort, page_size=None,
                                              page_offset=0).drop(columns=list(COUNTS)))

    def prepared(kind: str):
        kept = st.session_state.get(f"patients.{kind}")
        return kept[1] if kept and kept[0] == signature else None

    def prepare(kind: str) -> None:
        if kind == "csv":       # written part by part: a network's every course is never one frame
            found = protocol.patient_columns(ui.query_now)

            def finish(part):
                return protocol.add_columns(part.drop(columns=list(COUNTS)), found)
            data = ui.query_csv("patients_courses", finish, search=search, sort=sort, page_size=None,
                                page_offset=0).read     # the file stays on disk until it is downloaded
        else:
            data = exports.frame_xlsx(whole_list(ui.query_now), courses_about, sheet="Courses")
        st.session_state[f"patients.{kind}"] = (signature, data)

    downloads = st.container(horizontal=True)      # side by side, wrapping in a narrow window
    with downloads:
        csv_name, xlsx_name = exports.file_name(stem, filters, "csv"), exports.file_name(stem, filters, "xlsx")
        everything = whole_list() if matched <= exports.CSV_AT_ONCE_ROWS else None
        csv_data = ui.csv(everything) if everything is not None else prepared("csv")
        if csv_data is None:
            if st.button(f"Prepare these {matched:,} courses as CSV", key="patients.prepare_csv",
                         help="Writes every matching course, in this order, to a file."):
                prepare("csv")
                st.rerun()
        else:
            ui.download("Download these courses (CSV)", csv_data, csv_name, rows=matched, key="patients.download",
                        help="Every matching course in this order (not only this page). The file name states the "
                             "as-of date and the filters.")
        # An XLSX of thousands of courses takes a while to write: built when asked for, then kept for as long
        # as the list stays the same.
        if matched > XLSX_MOST_ROWS:
            st.caption(f"For Excel, narrow the list to {XLSX_MOST_ROWS:,} courses or fewer, or open the CSV.")
        elif matched > exports.XLSX_AT_ONCE_ROWS and prepared("xlsx") is None:
            if st.button(f"Prepare these {matched:,} courses for Excel (XLSX)", key="patients.prepare_xlsx",
                         help=XLSX_HELP):
                prepare("xlsx")
                st.rerun()
        else:
            data = prepared("xlsx") if matched > exports.XLSX_AT_ONCE_ROWS else \
                ui.later(exports.frame_xlsx, everything, courses_about, sheet="Courses")
            ui.download("Download these courses for Excel (XLSX)", data, xlsx_name, rows=matched,
                        key="patients.download_xlsx", mime=exports.XLSX_MIME, help=XLSX_HELP)

st.header("One patient's course")
course_id = st.text_input("Course id", key="patients.course", placeholder="Type a course id, or select a row above",
                          help="The chosen course is kept in the page's link, so the link opens this patient.",
                          bind="query-params", persist_state="session")
course_id = (course_id or "").strip() or None
if course_id is None:
    st.info("Choose a course to see its pain trajectory, attendance calendar, flags, notes and paperwork.")
    st.stop()

found = ui.query("patients_course", course_id=course_id)
if found.empty:
    st.warning(f"Course '{for_markdown(course_id)}' is not among the courses these filters let you see (another "
               "therapist's patient, a course that starts after the as-of date, or a mistyped id). Clear a filter, "
               "or type or select another course.")
    st.stop()
course = found.iloc[0]
ui.opened_course(str(course.course_id), str(course.patient_id))     # the audit log: who opened which patient


def yes_no(value) -> str:
    return "not on file" if value is None or pd.isna(value) else ("Yes" if value else "No")


def days(count: int) -> str:
    return f"{count:,} day" + ("" if count == 1 else "s")


def sessions_text(count: int) -> str:
    return f"{count:,} session" + ("" if count == 1 else "s")


ABOUT_LABELS = {"patient_id": "Patient", "course_id": "Course", "therapist": "Therapist", "start_date": "Started",
                "planned_sessions": "Planned sessions", "diagnosis": "Diagnosis", "site": "Site", "sex": "Sex",
                "age_band": "Age band"}
about = found[list(ABOUT_LABELS)].astype("object").where(found[list(ABOUT_LABELS)].notna(), "not on file")
about.loc[:, "diagnosis"] = about.diagnosis.map(lambda d: DIAGNOSIS_LABELS.get(d, d))
about.loc[:, "sex"] = about.sex.map(lambda x: SEX_LABELS.get(x, x))
about.loc[:, "start_date"] = f"{course.start_date:%Y-%m-%d}"
ui.show_table(about, ABOUT_LABELS, key="patients.about")

# The progress report for the patient and the referring doctor (pseudonymous ids, no names, no notes):
# its buttons stand here and are filled below, once the course view has read what the report is made
# of, so it holds what the page shows and reads nothing of its own; each file is written when its
# button is pressed, and the download is audited.
report_buttons = st.container(horizontal=True)

st.subheader("The course's metrics")
# Two a row: a status such as "Dropped out" stays whole in a narrow window (three a row cut it).
tiles = st.columns(2) + st.columns(2) + st.columns(2)
relief = course.first_session_relief
before, after = course.first_session_pain_before, course.first_session_pain_after
tiles[0].metric("First-session relief", "—" if pd.isna(relief) else ("Yes" if relief else "No"), border=True)
if pd.isna(course.first_session_date):
    tiles[0].caption("No attended session yet.")
else:
    first_scores = f"{'?' if pd.isna(before) else before} → {'?' if pd.isna(after) else after}"
    judged = "" if not pd.isna(relief) else " Not assessable: it needs both scores and pain above 0 before."
    tiles[0].caption(f"Relief = {RELIEF_RULES[filters.relief_rule]}. First session "
                     f"{course.first_session_date:%d %b}: pain {first_scores}.{judged}")
improvement = course.sustained_improvement_pct
tiles[1].metric("Sustained improvement", "—" if pd.isna(improvement) else f"{improvement:.1f} %", border=True)
tiles[1].caption("Needs pain scores on two different visit days." if pd.isna(improvement) else
                 f"Pain before the first vs the last scored visit: {course.baseline_pain} → {course.last_pain} "
                 "(negative = worse).")
tiles[2].metric("Adherence", ui.fmt_pct(course.adherence), border=True)
if course.window_days == 0:
    tiles[2].caption("Not rated yet: the course starts on the as-of day, which has no visit yet (the day is "
                     "not over).")
else:
    tiles[2].caption(f"{course.window_attended_days:,} of {days(int(course.window_days))} of the daily course so far "
                     f"had a visit; adherent from {filters.settings.adherence_pct} % "
                     f"({'yes' if course.adherent else 'no'}). The as-of day "
                     "counts once it has a visit.")
tiles[3].metric("Longest break", days(int(course.longest_break_days)), border=True)
tiles[3].caption("Most consecutive days without a visit between two visits.")
tiles[4].metric("Status", str(course.status).capitalize(), border=True)
since = "start" if pd.isna(course.last_attended_date) else "last visit"
tiles[4].caption(
    f"Attended {days(int(course.attended_days))} of {course.planned_sessions} planned." if course.completed else
    f"Not completed; {days(int(course.days_since_last_visit))} since the {since} "
    f"({'more than' if course.dropped_out else 'not more than'} {filters.settings.dropout_gap_days}: "
    f"{'dropped out' if course.dropped_out else 'still ongoing'}).")
tiles[5].metric("Sessions attended", f"{course.sessions_attended:,}", border=True)
tiles[5].caption(f"On {days(int(course.attended_days))}, of {course.planned_sessions} planned daily sessions; "
                 f"{course.sessions_booked:,} booked in all.")

sessions = ui.query("patients_sessions", course_id=course_id)
calendar = ui.query("patients_calendar", course_id=course_id)
course_label = f"Course {course.course_id} of patient {course.patient_id}"
if (sessions.status == "attended").any():
    expected = trajectory.expected_course(ui.query, filters, course_id)
    ui.chart(trajectory_charts.over_expected, sessions, expected, course_label, width="stretch")
    st.caption(expected.sentence() if expected is not None else "No expected course.")  # our own words
    verdict = expected.verdict if expected is not None else None
    if verdict is not None and verdict.below_expected:
        st.warning(verdict.sentence(filters.settings.progress_after))
    elif verdict is not None:
        st.caption(verdict.sentence(filters.settings.progress_after))
else:
    st.info("No attended session yet, so there is no pain trajectory.")

# Full width (up to a calendar's natural size): squeezed into a column it became unreadable.
ui.chart(charts.attendance_calendar, calendar, course_label, width=820)

st.subheader("Flags")
flags = st.columns(2) + st.columns(2)
flags[0].metric("Numbness reported", sessions_text(int(course.numbness_sessions)), border=True,
                help="Sessions where numbness was recorded: a red flag to check and refer.")
flags[1].metric("Acute inflammation", sessions_text(int(course.acute_sessions)), border=True,
                help="Attended sessions recorded during acute inflammation (the protocol says: massage only "
                     "after it has subsided).")
flags[2].metric("Missing pain scores", sessions_text(int(course.missing_score_sessions)), border=True,
                help="Attended sessions without a pain score before or after.")
flags[3].metric("Cancelled / no-show", f"{course.cancelled_sessions:,} / {course.no_show_sessions:,}", border=True,
                help="Booked sessions that were cancelled, and those the patient did not come to.")
if course.numbness_sessions:
    st.warning("Numbness was reported during this course: check it and refer the patient to the doctor.")
if course.acute_sessions:
    st.warning("Treated during acute inflammation: the protocol allows massage only after it has subsided.")
progress = protocol.course_flags(ui.query, course_id)
if progress:
    more = st.columns(2)
    words = (("Failure to progress", protocol.progress_words(progress, filters.settings)),
             ("Pain rising over three visits", protocol.rising_words(progress)))
    for tile, (label, (value, note)) in zip(more, words):
        tile.metric(label, value, border=True)
        tile.caption(note)
    if progress["failure_to_progress"]:
        st.warning("Failing to progress: review the plan, and consider sending the patient back to the doctor.")
    if progress["red_flag_rising"]:
        st.warning("Pain rose over three scored sessions in a row: check and refer the patient to the doctor.")

course_report = report.build(ui.query, filters, course_id)        # this run's reads, from the cache
report_name = report.file_stem(course_report)
with report_buttons:
    ui.download("Report (PDF)", ui.later(report.render, course_report, "pdf"), f"{report_name}.pdf", rows=1,
                key="patients.report_pdf", mime=report.PDF_MIME,
                help="A one-page progress report for the patient and the referring doctor: the pain trajectory "
                     "against the expected course, sessions, first-session result, adherence, flags and the "
                     "definitions used. Pseudonymous ids only; no names, no notes.")
    ui.download("Report (HTML)", ui.later(report.render, course_report, "html"), f"{report_name}.html", rows=1,
                key="patients.report_html", mime=report.HTML_MIME,
                help="The same report as a web page to print (A4).")

st.subheader("Doctor's paperwork")
IMAGING = {"mri": "MRI", "ct": "CT", "xray": "X-ray", "none": "None done"}
paper = st.columns(2) + st.columns(2)
paper[0].metric("Doctor's conclusion", yes_no(course.doctor_conclusion), border=True)
paper[1].metric("Imaging", "not on file" if pd.isna(course.imaging)
                else IMAGING.get(course.imaging) or for_markdown(course.imaging),
                border=True)
paper[2].metric("Blood tests", yes_no(course.blood_tests), border=True)
paper[3].metric("Referral date", "not on file" if pd.isna(course.referral_date)
                else f"{course.referral_date:%d %b %Y}", border=True)

st.subheader("Sessions and notes")
if sessions.empty:
    st.info("No session has been booked for this course up to the as-of date.")
else:
    session_rows = charts.sessions_table(sessions)
    flagged = int((session_rows["flags"] != "").sum())
    if flagged:
        st.caption(f"{sessions_text(flagged)} with a flag (numbness or acute inflammation): see the Flags column.")
    shown_columns = {c: v for c, v in charts.SESSION_COLUMNS.items() if c in session_rows.columns}
    config = ui.table_config(session_rows, shown_columns, right=(*charts.NUMBER_COLUMNS, "pain_change"),
                             pinned=("session_date",))
    ui.show_table(session_rows, SESSION_LABELS, key="patients.sessions", config=config,
                  height=min(38 + 35 * len(sessions), 38 + 35 * 25))       # up to 25 rows without scrolling
    sessions_name = f"sessions-{exports.safe_part(str(course.course_id))}-{filters.as_of}"
    sessions_about = exports.About.of(f"Sessions of course {course.course_id} of patient {course.patient_id} "
                                      "(the Patients page)", filters,
                                      {c: SESSION_LABELS.get(c, c) for c in sessions.columns})
    downloads = st.container(horizontal=True)
    with downloads:
        ui.download("Download this course's sessions (CSV)", ui.csv(sessions), f"{sessions_name}.csv",
                    rows=len(sessions), key="patients.download_sessions")
        ui.download("Download this course's sessions for Excel (XLSX)",
                    ui.later(exports.frame_xlsx, sessions, sessions_about, sheet="Sessions"), f"{sessions_name}.xlsx",
                    rows=len(sessions), key="patients.download_sessions_xlsx", mime=exports.XLSX_MIME, help=XLSX_HELP)
