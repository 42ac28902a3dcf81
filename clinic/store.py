"""Where the dashboard's data lives: the database file, its demo default, its version, reading it.

No Streamlit here. The dashboard never holds the file open between reruns: the reads of one
script run share a read-only connection opened at the first read and closed when the run ends
(one_reader; waiting a little while an import holds the file), so an import from the command line
can run while the dashboard serves pages, and a run sees the data of one moment.
"""
from __future__ import annotations

import os
import threading
from contextlib import ExitStack, closing, contextmanager
from pathlib import Path
from typing import Iterator

import duckdb
import pyarrow as pa

from clinic import db

DEMO_PATIENTS = 2000
DEMO_SEED = 1
READ_WAIT_SECONDS = 15.0   # an import of a large file holds the database for a few seconds


def database_path() -> Path:
    return db.default_db_path()


_building = threading.Lock()    # one demo build at a time in this process (the temporary name is per process)


def ensure_database(path: Path, patients: int = DEMO_PATIENTS, seed: int = DEMO_SEED) -> bool:
    """Builds a demo database at `path` when there is none (see _ensure_database)."""
    with _building:
        return _ensure_database(Path(path), patients, seed)


def _ensure_database(path: Path, patients: int, seed: int) -> bool:
    """Builds a demo database at `path` when there is none. Returns True when it built one.

    The demo is written to a temporary file and linked into place in one step, so a reader never
    sees half a database and two processes starting at once cannot overwrite each other's file.
    """
    from clinic import demo

    path = Path(path)
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    building = path.with_name(f"{path.name}.building-{os.getpid()}")
    building.unlink(missing_ok=True)
    con = db.connect(building)
    try:
        demo.generate(con, patients=patients, seed=seed)
    finally:
        con.close()
    from clinic import access
    access.ensure_demo_accounts(path, demo.THERAPIST_NAMES)     # ready before the database appears
    try:
        os.link(building, path)
    except FileExistsError:
        return False  # another process finished first; its demo is as good as ours
    finally:
        building.unlink(missing_ok=True)
    return True


def data_version(path: Path) -> str:
    """Changes whenever the database file (or its write-ahead log) is written: a cache key.
    A Parquet dataset's version is its export id (clinic/dataset.py), new with every export."""
    if Path(path).is_dir():
        from clinic import dataset
        try:
            return dataset.version(path)
        except db.NotADatabase:
            return "-"
    parts = []
    for candidate in (Path(path), Path(f"{path}.wal")):
        try:
            stat = candidate.stat()
            parts.append(f"{stat.st_mtime_ns}:{stat.st_size}")
        except FileNotFoundError:
            parts.append("-")
    return "/".join(parts)


_reader = threading.local()      # this thread's one_reader scope: {"path", "con", "opened"}, or None


@contextmanager
def one_reader(path: Path) -> Iterator[None]:
    """Inside the block, every reading(path) on this thread shares one read-only connection, opened
    at the first read and closed at the end (one script run: a dozen queries, which then skip a
    connection and its macro definitions each, and read blocks the previous query decompressed)."""
    previous = getattr(_reader, "scope", None)
    _reader.scope = {"path": Path(path), "con": None, "opened": None}
    try:
        yield
    finally:
        release_reader()
        _reader.scope = previous
        # Arrow's memory pool keeps what a run freed (its query results: a row per course on some
        # pages, at 200,000 patients tens of MB) for reuse; given back now, the server's resident
        # memory returns to its idle level between runs instead of stacking on the next page's.
        pa.default_memory_pool().release_unused()


def release_reader() -> None:
    """Closes this thread's shared read connection now (the next read opens another): before this
    thread writes the database itself, which a read connection of the same process would block."""
    scope = getattr(_reader, "scope", None)
    if scope is not None and scope["con"] is not None:
        opened, scope["con"], scope["opened"] = scope["opened"], None, None
        opened.close()


@contextmanager
def reading(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection: this thread's shared one inside one_reader(path), else one for this
    read alone, closed straight after, so imports are not blocked."""
    scope = getattr(_reader, "scope", None)
    if scope is not None and scope["path"] == Path(path):
        if scope["con"] is None:
            opened = ExitStack()
            con = opened.enter_context(closing(db.connect(path, read_only=True, wait_seconds=READ_WAIT_SECONDS)))
            opened.enter_context(db.one_thread(con))
            scope["con"], scope["opened"] = con, opened
        yield scope["con"]
        return
    con = db.connect(path, read_only=True, wait_seconds=READ_WAIT_SECONDS)
    try:
        yield con
    finally:
        con.close()
