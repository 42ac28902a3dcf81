"""Test databases built from CSV texts through the real importer, and one filtered query
(queries/<name>.sql) run on them as the dashboard runs it."""
from __future__ import annotations

import atexit
import datetime as dt
import os
import shutil
import tempfile
import textwrap
from pathlib import Path

import duckdb

from clinic import db, importer, metrics
from clinic.filters import Filters


# Databases this test process has built, by their inputs: a later build of the same texts copies the
# file instead of importing them again (the suite's fixtures build the same small clinics hundreds
# of times). A copy is a fresh file (a new modification time, owner-only like the importer's).
_BUILT: dict[tuple, Path] = {}
_BUILT_FOLDER: list[Path] = []


def keep_built(key: tuple, path: Path) -> None:
    """Keeps a copy of the database just built at `path` from the inputs `key`."""
    if not _BUILT_FOLDER:
        _BUILT_FOLDER.append(Path(tempfile.mkdtemp(prefix="built_dbs_")))
        atexit.register(shutil.rmtree, _BUILT_FOLDER[0], True)
    kept = _BUILT_FOLDER[0] / f"{len(_BUILT)}.duckdb"
    shutil.copyfile(path, kept)
    _BUILT[key] = kept


def copy_of_built(key: tuple, target: Path) -> bool:
    """Copies the database built before from the inputs `key` to `target` (a path where no file
    is), if there is one: a fresh owner-only file, as the importer makes."""
    if key not in _BUILT or target.exists():
        return False
    shutil.copyfile(_BUILT[key], target)
    os.chmod(target, 0o600)
    return True


def build_db(folder: Path, sessions: str | None = None, courses: str | None = None, patients: str | None = None,
             today: dt.date = dt.date(2026, 3, 31)) -> Path:
    """folder/clinic.duckdb from the given CSV texts (dedented), imported patients, courses, sessions,
    with every row accepted; "today" (for the future-attended rule) defaults to 2026-03-31. The same
    texts built before in this test process are copied from that build."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for name, text in (("patients.csv", patients), ("courses.csv", courses), ("sessions.csv", sessions)):
        if text is not None:
            files.append(folder / name)
            files[-1].write_text(textwrap.dedent(text).strip() + "\n", encoding="utf-8")
    target = folder / "clinic.duckdb"
    key, new = ("importer", sessions, courses, patients, today), not target.exists()
    if copy_of_built(key, target):
        return target
    results = importer.import_files(files, target, today=today)
    assert all(r.rejected == 0 and not r.refused for r in results), [r.as_dict() for r in results]
    if new:
        keep_built(key, target)
    return target


def import_text(folder: Path, path, name: str, text: str) -> None:
    """Imports one more CSV text (folder/name) into the database at `path`, every row accepted."""
    file = Path(folder) / name
    file.write_text(text.strip() + "\n", encoding="utf-8")
    [result] = importer.import_files([file], path, today=dt.date(2026, 3, 31))
    assert result.rejected == 0 and not result.refused, result.as_dict()


def run_filtered(source, name: str, filters: Filters, **extra):
    """queries/<name>.sql over the course summary for `filters`, on `source`: an open connection, or the
    path of a database, opened read-only for this query alone."""
    if isinstance(source, duckdb.DuckDBPyConnection):
        return db.run(source, name, open_courses=metrics.open_courses(source, filters), **filters.params(), **extra)
    with db.owned(db.connect(source, read_only=True)) as con:
        return run_filtered(con, name, filters, **extra)


def every_stored_text(path) -> list[str]:
    """Every text cell of every table of the database at `path` (each table read whole through
    DuckDB's relation API: no SQL is built from its name)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        texts = []
        for (table,) in con.execute("select table_name from duckdb_tables() "
                                    "where database_name = current_database() and schema_name = 'main'").fetchall():
            for row in con.table(table).fetchall():
                texts += [cell for cell in row if isinstance(cell, str)]
        return texts
    finally:
        con.close()


def read(path, fn, *args, **kwargs):
    """fn(connection, *args, **kwargs) on a read-only connection to the database at `path`, closed after."""
    with db.owned(db.connect(path, read_only=True)) as con:
        return fn(con, *args, **kwargs)
