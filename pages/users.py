"""Users: who may sign in, with which role — read-only; accounts are changed on the command line."""
import datetime as dt

import streamlit as st

from clinic import audit_view, ui

path, _filters = ui.require_entry(__file__, needs_data=False)
ui.require_director()

st.title("Users")
st.caption("Read-only. Accounts are added, disabled, enabled and given new passwords on the dashboard's computer "
           "(`python -m clinic users add NAME --role director|therapist [--therapist NAME]`, `users disable NAME`, "
           "`users enable NAME`, `users reset-password NAME`); disabling an account or resetting its password signs "
           "it out at once. Every change is in the audit log.")
users = audit_view.users(ui.access_store())
if users.empty:
    ui.empty_state("There are no accounts yet.")
demo = int(users.demo.sum())
if demo:
    st.warning(f"{demo:,} demo accounts with the password `demo` can sign in. They belong to demo databases only: "
               "on real data, disable them (`python -m clinic users disable NAME`).")
st.caption("Times are UTC, to the minute (the audit log has them to the second). Point at a column's name for "
           "what it means.")
ui.show_table(users, audit_view.USER_LABELS, key="users.table", config=ui.table_config(users, audit_view.USER_COLUMNS))
# For an access review: the list as shown (never a password or its hash), its export audited as
# every download is.
ui.download("Download the account list (CSV)", ui.csv(users), f"users-{dt.date.today().isoformat()}.csv",
            rows=len(users), key="users.download",
            help="Every account as listed above, times in UTC; no password, nor anything made from one.")
