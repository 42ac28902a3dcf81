"""The audit log and the user list as tables for the director's pages (no Streamlit here)."""
from __future__ import annotations

import datetime as dt
from typing import Sequence

import pandas as pd

from clinic.access import AccessStore

LABELS = {"entry_id": "Entry", "at": "When (UTC)", "user_name": "User", "action": "Action", "detail": "Detail",
          "hash": "Hash"}
USER_LABELS = {"name": "User", "role": "Role", "therapist": "Therapist (as in the records)", "disabled": "Disabled",
               "demo": "Demo account", "locked_until": "Locked until (UTC)", "open_sessions": "Signed in now",
               "last_sign_in": "Last sign-in (UTC)", "created_at": "Created (UTC)",
               "password_changed_at": "Password set (UTC)"}


def _when(stamp: str | None) -> str | None:
    if not stamp:
        return None
    return dt.datetime.fromisoformat(stamp).strftime("%Y-%m-%d %H:%M:%S")


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
    rows = [{**a, "locked_until": _when(a["locked_until"].isoformat()) if a["locked_until"] else None,
             "last_sign_in": _when(a["last_sign_in"]), "created_at": _when(a["created_at"]),
             "password_changed_at": _when(a["password_changed_at"])}
            for a in store.accounts()]
    return pd.DataFrame(rows, columns=list(USER_LABELS))
