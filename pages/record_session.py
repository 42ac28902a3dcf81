"""Record session: therapists (and the director) enter a session here instead of in a file, and
correct one entered earlier.

The rules (who may record what, the importer's checks, the history of corrections) are in
clinic/recording.py; this page only draws. Patient ids, notes and the importer's reasons come from
people, so they are shown with st.text and in tables, never as markdown.
Built for the keyboard: one form (Tab between fields, Enter in a field saves); after a save the
date stays, the next patient of the list is chosen, the scores and notes are cleared and the
patient field has the focus again.
"""
import datetime as dt

import streamlit as st

from clinic import recording, store, ui
from clinic.filters import EARLIEST_DATE
from clinic.text import for_markdown

path, filters = ui.require_entry(__file__, needs_data=False)
signed_in = ui.signed_in()
scope = signed_in.scope
who = recording.Recorder(signed_in.user.name, scope)

st.title("Record a session")
if not path.exists():
    ui.empty_state("There is no database yet. The clinic director imports the first files on the Import page; "
                   "sessions can be recorded here after that.")
if (reason := recording.read_only_reason(path)) is not None:
    st.info("This dashboard reads a Parquet dataset, an exported copy that is never written to.")
    st.text(reason)                     # the path, as text
    st.stop()

# As on every page, only what happened up to the sidebar's as-of date counts: the patients of the
# courses treated by then, the sessions of days up to then.
as_of = filters.as_of if filters is not None else dt.date.today()
K = "record."                       # this page's session-state keys
KEPT = ("date", "patient", "therapist", "day")
DAY_ROWS = ui.LIST_SHOWN_ROWS            # the day's sessions sent to the browser at a time
CLEARED = {"time": "", "status": "attended", "pain_before": None, "pain_after": None, "tension": None,
           "numbness": "unknown", "acute": "unknown", "notes": "", "course": "", "new_patient": ""}
# The fields that are cleared after a save are new widgets each time (their key carries a generation):
# the browser forgets what was typed into the old ones, which it would otherwise send with the next save.
generation = st.session_state.setdefault(K + "generation", 0)


def key(name: str) -> str:
    return K + name if name in KEPT else f"{K}{name}.{generation}"


def next_run(values: dict) -> None:
    """Values for the next run's widgets (fields by name), drawn as new widgets."""
    st.session_state[K + "next"] = values
    st.session_state[K + "generation"] = generation + 1


# Values set by the previous run (after a save, or to load a session to correct) go into the widgets
# before they are drawn: a widget's value cannot change once it is on the page.
for name, value in {**CLEARED, **st.session_state.pop(K + "next", {})}.items():
    if name in KEPT or key(name) not in st.session_state:
        st.session_state[key(name)] = value
    if name == "day":                   # another day's list starts at its first page
        st.session_state.pop(K + "day_page", None)
st.session_state.setdefault(key("date"), dt.date.today())
st.session_state.setdefault(key("day"), st.session_state[key("date")])
editing = st.session_state.get(K + "editing")

with ui.friendly_errors():
    listed = ui.plain_query("record_patients", scope=scope, as_of=as_of, patient_id=None,
                            most=recording.LISTED_PATIENTS)          # cached by user, date and data
    therapists = [scope] if scope else recording.therapists(path, ui.plain_query("filter_options"))
patient_ids, last_visit = recording.listing(listed)
if editing and st.session_state.get(key("patient")) not in patient_ids + [None]:
    patient_ids.append(st.session_state[key("patient")])      # the session's patient, to correct it
# No patient is chosen on arrival (nor when the one chosen is not listed for the sidebar's date): a
# session saved without a look at this field would otherwise go to whoever heads the list. After a
# save the next patient is chosen (next_run below). Streamlit gives a field that starts empty a
# clear button, one more stop for Tab after the first patient is chosen; no index=None, so a field
# with the next patient chosen after a save has none.
if st.session_state.get(key("patient")) not in patient_ids:
    st.session_state[key("patient")] = None

if scope:
    st.caption("You record sessions as yourself, for the patients of the courses you treat, or for a new patient.")
    st.text(f"Therapist: {scope}")
else:
    st.caption("As the director you record sessions for any patient and therapist.")
st.caption(f"The patient list holds the {recording.LISTED_PATIENTS} patients seen most recently (type to search "
           "it); for any other, type the id in the field below the notes.")

past = as_of < dt.date.today()
if past:
    st.caption(f"The patient list follows the sidebar's as-of date, {as_of:%d %b %Y}: the patients of the courses "
               "treated by then. Press Today beside the as-of date for today's patients.")
if not patient_ids and past:
    st.info(f"No patient {'of yours ' if scope else ''}had a course by {as_of:%d %b %Y}, the sidebar's as-of date. "
            "Press Today beside the as-of date to list today's patients, or type a new patient's pseudonymous id "
            "(such as P-1042) in **Other or new patient id** below: never a name.")
elif not patient_ids:
    st.info("You have no patients on record yet. To start, type a new patient's pseudonymous id (such as P-1042) "
            "in **Other or new patient id** below: never a name. The session then starts their course.")

saved = st.session_state.pop(K + "saved", None)
if saved:
    with st.container(border=True, key="record-saved"):
        st.text("✓ " + saved["text"])
if not editing:
    # The patient field takes the focus on arrival (when nothing else has it) and after each save, so
    # sessions are typed one after another without the mouse. Each save's script is new (its count),
    # so it runs again; it tries for up to 1.5 s while the page settles, and stops once the field has the focus.
    force = "true" if saved else "false"
    st.html(f"<script>/* {saved['count'] if saved else 0} */ (() => {{ let tries = 0; const again = setInterval(() => {{"
            "const d = window.parent.document; const f = d.querySelector('.st-key-record-patient input');"
            f"const free = !d.activeElement || d.activeElement === d.body; if (f && ({force} || free)) f.focus();"
            "if ((f && d.activeElement === f) || ++tries >= 15) clearInterval(again); }, 100); })();</script>", unsafe_allow_javascript=True)

if editing:
    st.warning("Correcting a stored session. The version it replaces is kept in the session history.")
    st.text(f"Session {editing}")

ID_PX = 240      # an id field of the form's last row: its hint whole

with st.form("record.form", border=True, enter_to_submit=True):
    # Date (and the director's therapist) first: they stay from one session to the next, so after a
    # save the focus goes to the patient and Tab runs on through time, status and the scores.
    # A row that wraps: the date and the time keep the width their values need (in columns of a
    # narrow window they were cut to "2026-…" and "HH:M…"), the patient takes what is left.
    with st.container(horizontal=True, wrap=True):
        session_date = st.date_input("Date", key=key("date"), min_value=EARLIEST_DATE, format="YYYY-MM-DD",
                                     width=ui.DATE_PX)
        therapist = scope
        if not scope:
            therapist = st.selectbox("Therapist", therapists, key=key("therapist"), index=None,
                                     placeholder="Choose", width=ui.CHOICE_PX)
        patient = st.selectbox(
            "Patient", patient_ids, key=key("patient"), placeholder="Type to search", width="stretch",
            format_func=lambda p: f"{p}  ·  last visit {last_visit[p]}" if last_visit.get(p) else str(p))
        session_time = st.text_input("Time", key=key("time"), placeholder="HH:MM", max_chars=5, width=ui.TIME_PX)
    second = st.columns([2.6, 1, 1, 1])
    status = second[0].radio("Status", recording.STATUSES, key=key("status"), horizontal=True,
                             format_func=lambda s: s.replace("_", "-"))
    score = {"min_value": 0, "max_value": 10, "step": 1, "placeholder": "0–10"}
    pain_before = second[1].number_input("Pain before", key=key("pain_before"), **score)
    pain_after = second[2].number_input("Pain after", key=key("pain_after"), **score)
    tension = second[3].number_input("Muscle tension", key=key("tension"), **score)
    flags = st.columns([1, 1, 1])
    numbness = flags[0].radio("Numbness", recording.FLAG_CHOICES, key=key("numbness"), horizontal=True)
    acute = flags[1].radio("Acute inflammation", recording.FLAG_CHOICES, key=key("acute"), horizontal=True)
    notes = st.text_area("Notes", key=key("notes"), height=68, max_chars=5000, placeholder="Never a patient's name")
    # the ids keep the width their hints need; in a narrow window the button goes to the next line
    with st.container(horizontal=True, wrap=True, vertical_alignment="bottom"):
        new_patient = st.text_input("Other or new patient id", key=key("new_patient"), width=ID_PX,
                                    placeholder="e.g. P-1042 — never a name", disabled=bool(editing))
        course_id = st.text_input("Course id (optional)", key=key("course"), placeholder="empty: the course going on",
                                  width=ID_PX)
        submitted = st.form_submit_button("Save correction" if editing else "Save session", type="primary",
                                          width="stretch")
st.caption(f"{recording.NEW_PATIENT_RULE[0].upper()}{recording.NEW_PATIENT_RULE[1:]}. "
           "An empty course id puts the session in the patient's course going on: that of their latest session or "
           "listed course start up to that day, unless that was longer ago than the course gap (31 days or more by "
           "default: then a new course starts, inferred as for imports). To start a new course sooner, type its id. "
           "Time is on a 24-hour clock and optional. Tab moves between fields; Enter in a field (Ctrl+Enter in the "
           "notes) saves.")

if submitted:
    typed = (new_patient or "").strip()
    row = recording.form_row(
        session_id=editing, patient_id=typed or patient, session_date=session_date, session_time=session_time,
        therapist=therapist, status=status, pain_before=pain_before, pain_after=pain_after, muscle_tension=tension,
        numbness=numbness, acute_inflammation=acute, notes=notes, course_id=course_id)
    store.release_reader()      # this run's read connection would hold the file against the write
    try:
        outcome = recording.record(path, row, who, correcting=bool(editing), new_patient=bool(typed))
    except recording.RecordingBusy:
        st.warning(recording.BUSY_MESSAGE)
        outcome = None
    if outcome is not None and outcome.saved:
        stored = outcome.row
        detail = {"session_id": outcome.session_id, "patient_id": stored["patient_id"],
                  "session_date": stored["session_date"].isoformat()}
        ui.audit("session corrected" if editing else "session recorded", detail)
        listed = sorted(set(patient_ids) | {stored["patient_id"]})
        count = st.session_state.get(K + "saves", 0) + 1
        st.session_state[K + "saves"] = count
        st.session_state[K + "saved"] = {"text": recording.saved_text(outcome), "count": count}
        next_run({"patient": recording.next_patient(listed, stored["patient_id"]), "day": stored["session_date"]})
        st.session_state[K + "editing"] = None
        st.rerun()
    elif outcome is not None and outcome.change == "unchanged":
        st.info("Nothing changed: the session is stored as it is. Nothing was saved.")
    elif outcome is not None:
        st.error("Nothing was saved: the session was refused for the reason(s) below. Correct them and save again.")
        ui.show_table(recording.problems_frame(outcome), recording.PROBLEM_LABELS, key="record.problems")

if editing and st.button("Cancel the correction", key=K + "cancel"):
    next_run({})
    st.session_state[K + "editing"] = None
    st.rerun()

# ---------------------------------------------------------------- the day's sessions, to correct one
st.subheader("Sessions of a day")


def first_day_page() -> None:
    st.session_state.pop(K + "day_page", None)


with st.container(horizontal=True, wrap=True, vertical_alignment="bottom"):
    day = st.date_input("Day", key=key("day"), min_value=EARLIEST_DATE, format="YYYY-MM-DD", on_change=first_day_page,
                        help="After a save, the day of the session saved.", width=ui.DATE_PX) or dt.date.today()
    find = st.text_input("Find a session of that day", key=K + "day_search", placeholder="Patient id or session id",
                         on_change=first_day_page, width="stretch",
                         help="Keeps the sessions whose patient id or session id contains this text (any case).")
# A network's day holds tens of thousands of sessions: the server sends one page of them
page_number = max(1, int(st.session_state.get(K + "day_page") or 1))
with ui.friendly_errors():
    sessions = recording.read_day(path, day, scope, as_of, find, DAY_ROWS, (page_number - 1) * DAY_ROWS)
    if sessions.empty and page_number > 1:        # past the end (the day has fewer sessions since)
        page_number = 1
        first_day_page()
        sessions = recording.read_day(path, day, scope, as_of, find, DAY_ROWS, 0)
if day > as_of:
    st.caption(f"The sidebar shows figures as of {as_of:%d %b %Y}: sessions after that day are not listed. "
               "Press Today beside the as-of date to list them.")
elif sessions.empty and find.strip():
    st.caption("No session of this day" + (" given by you" if scope else "") + " has a patient id or session id "
               "containing that text.")
elif sessions.empty:
    st.caption("No sessions on this day" + (" given by you." if scope else "."))
else:
    matched, first = int(sessions.matched_sessions.iloc[0]), (page_number - 1) * DAY_ROWS + 1
    whose = "Your sessions of that day" if scope else "Every session of that day"
    if matched <= DAY_ROWS and not find.strip():
        st.caption(f"{whose}: choose one to correct it.")
    else:
        st.caption(f"{whose} in time order" + (f" matching “{for_markdown(find.strip())}”" if find.strip() else "")
                   + f": {first:,}–{first + len(sessions) - 1:,} of {matched:,}"
                   + (f" ({int(sessions.day_sessions.iloc[0]):,} that day)" if find.strip() else "")
                   + ". Choose one to correct it, or find it by patient or session id.")
    day = recording.day_frame(sessions)
    ui.show_table(day, recording.DAY_LABELS, key="record.day",
                  config=ui.table_config(day, recording.day_columns(scope)))
    if matched > DAY_ROWS:
        pages = -(-matched // DAY_ROWS)
        st.columns([1, 4])[0].number_input(f"Page (of {pages:,})", min_value=1, max_value=pages, step=1,
                                           key=K + "day_page")
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    chosen = left.selectbox("Correct a session", sessions.session_id.tolist(), index=None, key=K + "to_correct",
                            placeholder="Choose a session id of this day")
    if right.button("Correct it", key=K + "correct", disabled=chosen is None, width="stretch"):
        stored = recording.read_session(path, chosen)
        if stored is not None:
            next_run(recording.form_values(stored))
            st.session_state[K + "editing"] = chosen
            st.rerun()

if editing:
    with ui.friendly_errors():
        earlier = recording.read_history(path, editing)
    if not earlier.empty:
        st.caption("Earlier versions of this session (newest first):")
        ui.show_table(earlier, key="record.history")
