"""Audit log: who signed in, opened which patient, exported or imported what — for the director."""
import datetime as dt

import streamlit as st

from clinic import audit_view, ui

path, _filters = ui.require_entry(__file__, needs_data=False)
ui.require_director()

st.title("Audit log")
store = ui.access_store()
check = store.verify_audit()
if check.ok:
    st.success(f"The audit trail is intact: {check.intact:,} entries, each chained to the one before by its "
               "SHA-256, none altered, inserted or removed.", icon=":material/verified:")
else:
    st.error(f"The audit trail has been tampered with: {check.message}. {check.intact:,} entries before it are "
             "intact. Keep this database as it is and call the clinic's administrator.", icon=":material/gpp_bad:")
st.caption("Every sign-in (and failed one), lockout, sign-out, idle sign-out, opened patient, export, import, "
           "backup and change of an account is recorded here and cannot be edited from the dashboard. "
           "`python -m clinic audit verify` checks the chain from the command line.")

bound = {"persist_state": "session"}
users = ["(all users)"] + store.audit_users()
today = dt.date.today()
# A row that wraps: the dates keep the width their values need (as narrow columns of a laptop's
# window they showed "2026 - 11" without the day), the action list takes what is left.
with st.container(horizontal=True, wrap=True):
    user = st.selectbox("User", users, key="audit.user", width=ui.CHOICE_PX, **bound)
    actions = st.multiselect("Action", store.audit_actions(), key="audit.actions", placeholder="All actions",
                             width="stretch", **bound)
    since = st.date_input("From (UTC date)", value=today - dt.timedelta(days=30), key="audit.since",
                          format="YYYY-MM-DD", width=ui.DATE_PX, **bound)
    until = st.date_input("Until (UTC date)", value=today, key="audit.until", format="YYYY-MM-DD",
                          width=ui.DATE_PX, **bound)
if since and until and since > until:
    st.warning("The date range ends before it begins, so no entry can match.")

entries = audit_view.entries(store, None if user == users[0] else user, actions, since, until)
if entries.empty:
    ui.empty_state("No audit entry matches these filters. Choose another user or action, or widen the dates.")
SHOWN = 2000
st.caption(f"{len(entries):,} matching entries, newest first"
           + (f"; the first {SHOWN:,} are shown, the download holds all of them." if len(entries) > SHOWN else "."))
ui.show_table(entries.head(SHOWN), audit_view.LABELS, key="audit.table", height=520)
ui.download("Download these entries (CSV)", ui.csv(entries), f"audit-log-{today}.csv", rows=len(entries),
            key="audit.download")
