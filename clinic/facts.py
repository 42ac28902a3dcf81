"""The stored per-course facts that let any as-of date be answered without recomputing every course.

`course_facts` holds each course's metrics over all its stored rows (queries/course_facts.sql says
which courses they settle as of a date). Every writer rebuilds them inside its own transaction with
refresh(), right after logging its batch, so the facts and the data they describe change together.
A database written some other way (or by an older version) is still answered correctly: the queries
trust the facts only while course_facts_state matches the data, and compute every course otherwise;
ensure() brings such a database's facts up to date once, when the dashboard or the command line
opens it. A Parquet dataset is read as exported and never written here.
"""
from __future__ import annotations

from pathlib import Path

import duckdb

from clinic import db


def note_changes(con: duckdb.DuckDBPyConnection, kind: str) -> None:
    """Notes, before a writer applies its merged rows of `kind` ('sessions' (also for a scores
    file), 'patients' or 'courses'; the temp table `merged`), the patients whose courses they can
    change, so that the refresh in the same transaction looks at those courses alone (every course
    when the facts were not up to date before the write): queries/refresh_scope_<kind>.sql."""
    db.execute(con, f"refresh_scope_{kind}")


def refresh(con: duckdb.DuckDBPyConnection) -> None:
    """Brings course_facts up to date with every stored row, inside the caller's transaction. It
    looks at the courses of the patients noted by note_changes() in this transaction, else at every
    course, and reads the rows of the courses that changed from the earliest of their dates on."""
    if not db.fetch(con, "refresh_scope_noted")[0][0]:
        db.execute(con, "refresh_scope_whole")
    whole = db.fetch(con, "refresh_looks_at_every_course")[0][0]
    db.execute(con, "refresh_rows_whole" if whole else "refresh_rows_scoped")
    db.execute(con, "refresh_course_facts")             # the courses to recompute, and those gone
    rows_from = db.fetch(con, "refresh_rows_from")[0][0]
    db.execute_each(con, "refresh_changed_courses", rows_from=rows_from)


def fresh(con: duckdb.DuckDBPyConnection) -> bool:
    """True when the database has course facts built from the data as it is now."""
    return bool(db.fetch(con, "course_facts_fresh")[0][0])


def ensure(path: str | Path, wait_seconds: float = 15.0) -> bool:
    """Brings the facts of the database at `path` up to date when they are missing or stale, and its
    tables when a newer version added some (the read-write connection does that).
    Returns True when it rebuilt them. A database in use by a writer is left alone (its writer
    rebuilds them when it commits; until then the queries compute every course). A Parquet dataset
    (a folder) is never written: its facts travel in the export, and stale ones are not trusted."""
    if Path(path).is_dir():
        return False
    try:
        con = db.connect(path, read_only=True, wait_seconds=wait_seconds)
    except db.DatabaseLocked:
        return False
    try:
        if fresh(con) and db.schema_current(con):
            return False
    except (duckdb.CatalogException, duckdb.BinderException):    # from before the facts, or their shape
        pass
    finally:
        con.close()
    try:
        con = db.connect(path, wait_seconds=wait_seconds)     # creates the tables when missing
    except db.DatabaseLocked:
        return False
    try:
        con.begin()
        try:
            if fresh(con):
                con.rollback()
                return False
            refresh(con)
            con.commit()
        except BaseException:
            con.rollback()
            raise
    finally:
        con.close()
    return True
