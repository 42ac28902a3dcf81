"""The audit log and the user list as tables for the director's pages (no Streamlit here)."""
from __future__ import annotations

import datetime as dt
from typing import Sequence

import pandas as pd

from clinic.access import AccessStore

LABELS = {"entry_id": "Entry", "at": "When (UTC)", "user_name": "User", "action": "Action", "detail": "Detail",
          "hash": "Hash"}
# The user list's columns: (header, meaning on hover, format of clinic.charts.CELL_FORMATS). Short
# headers and times to the minute, so that all ten fit the page instead of running past its edge.
USER_COLUMNS = {
    "name": ("User", "The name the account signs in with.", "text"),
    "role": ("Role", "director: every page and every patient; therapist: the data pages, with that therapist's "
                     "own patients only.", "text"),
    "therapist": ("Therapist", "A therapist account's name as it is written in the session records.", "text"),
    "disabled": ("Disabled", "A disabled account cannot sign in.", "text"),
    "demo": ("Demo", "A demo account (password demo), made with a demo database.", "text"),
    "locked_until": ("Locked until", "After five failed sign-ins within 15 minutes the name is locked for 15 "
                                     "minutes, until this time (UTC).", "text"),
    "open_sessions": ("Signed in", "Sign-ins of this account open now (browsers that have not signed out or "
                                   "timed out).", "count"),
    "last_sign_in": ("Last sign-in", "The account's latest sign-in (UTC).", "text"),
    "created_at": ("Created", "When the account was added (UTC).", "text"),
    "password_changed_at": ("Password set", "When the password was last set (UTC).", "text"),
}
USER_LABELS = {column: header for column, (header, _help, _kind) in USER_COLUMNS.items()}


def _when(stamp: str | None, to_the: str = "second") -> str | None:
    if not stamp:
        return None
    return dt.datetime.fromisoformat(stamp).strftime("%Y-%m-%d %H:%M" + (":%S" if to_the == "second" else ""))


def entries(store: AccessStore, user: str | None, actions: Sequence[str], since: dt.date | None,
            until: dt.date | None) -> pd.DataFrame:
    """Matching audit entries, newest first (several actions: any of them)."""
    rows = []
    for action in (list(actions) or [None]):
        rows += store.audit_entries(user_name=user, action=action, since=since, until=until)
    frame = pd.DataFrame(rows, columns=["entry_id", "at", "user_name", "action", "detail", "prev_hash", "hash"])
    frame = frame.sort_values("entry_id", ascending=False).drop(columns="prev_hash").reset_index(drop=True)
    frame.loc[:, "at"] = frame["at"].map(_when)
    return frame


def users(store: AccessStore) -> pd.DataFrame:
    """Every account, its times in UTC to the minute (the audit log has them to the second)."""
    rows = [{**a, "locked_until": _when(a["locked_until"].isoformat(), "minute") if a["locked_until"] else None,
             "last_sign_in": _when(a["last_sign_in"], "minute"), "created_at": _when(a["created_at"], "minute"),
             "password_changed_at": _when(a["password_changed_at"], "minute")}
            for a in store.accounts()]
    return pd.DataFrame(rows, columns=list(USER_LABELS))
