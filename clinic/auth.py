"""The dashboard's side of signing in: who is signed in to this script run, and what they may open.

The session's token arrives in the HttpOnly cookie that `POST /signin` set (clinic/web.py);
Streamlit hands the cookies of the page's WebSocket to the script as `st.context.cookies`. Every
script run checks the session in the access file (clinic.access) and counts as activity; a small
fragment re-checks it every few seconds without counting, so an idle, signed-out or disabled
session leaves the screen at once instead of at the next click.
"""
from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode, urlsplit

import streamlit as st

from clinic import access
from clinic.web import COOKIE, SIGN_IN_PATH, note_streamlit_session, safe_next


def cookie_token() -> str | None:
    """The session token from the browser's cookie (None when there is none)."""
    try:
        value = st.context.cookies.get(COOKIE)
    except Exception:  # noqa: BLE001 - no browser context (bare runs)
        return None
    return value or None


def current(path) -> access.SignedIn | None:
    """The signed-in user of this run, or None. Counts the run as activity.

    The browser tab's Streamlit session is noted against the sign-in, so the files made for this
    tab (downloads) are served to this sign-in only (clinic.web's media guard).
    """
    signed_in = access.AccessStore.for_database(path).check_session(cookie_token(), touch=True)
    if signed_in is not None:
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        ctx = get_script_run_ctx()
        if ctx is not None:
            note_streamlit_session(ctx.session_id, signed_in.token_hash)
    return signed_in


def here() -> str:
    """This page's path and query (what to come back to after signing in)."""
    try:
        url = st.context.url
    except Exception:  # noqa: BLE001
        url = None
    if not url:
        return "/"
    parts = urlsplit(url)
    return safe_next(parts.path + (f"?{parts.query}" if parts.query else ""))


def sign_in_url() -> str:
    notice = "signed_out" if st.session_state.get("auth.signed_out") else "ended"
    return f"{SIGN_IN_PATH}?{urlencode({'next': here(), 'notice': notice})}"


def show_sign_in(path) -> None:
    """The only page a signed-out person gets: where to sign in (and, in a browser, off to it)."""
    store = access.AccessStore.for_database(path)
    st.title("Sign in")
    target = sign_in_url()
    if not store.has_users():
        st.warning("There are no accounts yet. On the dashboard's computer, add the first director with "
                   "`python -m clinic users add NAME --role director`, then sign in.")
    st.info("You are not signed in (or your session has ended). Sign in to see the clinic's data.")
    st.link_button("Sign in", target, type="primary")
    # Off to the sign-in form straight away, keeping this page's address (and its filters) to come back to.
    st.html(f"<script>window.location.replace({_js_string(target)});</script>", unsafe_allow_javascript=True)


def _js_string(text: str) -> str:
    import json

    return json.dumps(text).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def watch_interval_seconds() -> float:
    """How often an open page re-checks its session: a few times within the idle limit, at most 10 s."""
    return max(2.0, min(10.0, access.idle_limit().total_seconds() / 3))


def watch(path, token: str | None) -> None:
    """Re-checks the session every few seconds without counting as activity; when it has ended
    (idle, signed out elsewhere, account disabled) the whole page reruns and shows the sign-in."""
    interval = dt.timedelta(seconds=watch_interval_seconds())

    @st.fragment(run_every=interval)
    def session_watch():
        if access.AccessStore.for_database(path).check_session(token, touch=False) is None:
            st.rerun(scope="app")

    session_watch()


def sign_out(path) -> None:
    """Ends this browser's session (audited); the rerun that follows shows the sign-in page."""
    access.AccessStore.for_database(path).sign_out(cookie_token())
    st.session_state["auth.signed_out"] = True
