"""Streamlit glue shared by dashboard.py and the pages: setup, cached reads, friendly errors.

Pages call only this module (and clinic.charts) to get data; they never open the database.
Cached functions take everything they depend on as arguments, including the data version, so a
new import shows at once.
"""
from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from pathlib import Path

import duckdb
import streamlit as st

from clinic import db, metrics, store


@st.cache_resource(show_spinner=False)
def _ensure(path: str) -> bool:
    return store.ensure_database(Path(path))


def setup() -> Path:
    """Makes sure a database exists (building the demo one on first start) and returns its path."""
    path = store.database_path()
    if not path.exists():
        with st.spinner(f"First start: building a demo database of {store.DEMO_PATIENTS:,} synthetic patients…"):
            _ensure(str(path))
    return path


@contextmanager
def friendly_errors():
    """Turns the ways a database can fail into a plain message instead of a traceback."""
    try:
        yield
    except db.DatabaseLocked:
        st.warning("The database is busy with an import right now. Reload the page in a few seconds.")
        st.stop()
    except FileNotFoundError:
        st.error("There is no database yet. Import session files on the Import page, "
                 "or build the demo with `python -m clinic demo`.")
        st.stop()
    except duckdb.Error as exc:
        st.error(f"The database could not be read: {str(exc).splitlines()[0]}")
        st.stop()


@st.cache_data(ttl=600, max_entries=256, show_spinner=False)
def cohort_report(path: str, version: str, as_of: dt.date, by: str | None, relief_rule: str) -> dict:
    with store.reading(Path(path)) as con:
        return metrics.cohort_report(con, metrics.Filters(as_of=as_of, relief_rule=relief_rule), by)


def report(path: Path, as_of: dt.date, by: str | None = None, relief_rule: str = "pct30") -> dict:
    with friendly_errors():
        return cohort_report(str(path), store.data_version(path), as_of, by, relief_rule)
