"""The clinic's tables as a Parquet dataset: written by `python -m clinic export-parquet`, read by DuckDB.

A dataset folder DIR holds

    dataset.json                                   the manifest: format and version, export id, when,
                                                   from which file, each table's row count and files
    sessions/site=<site>/month=<YYYY-MM>/*.parquet hive-partitioned by the patient's site (a patient
                                                   with no site, or no row in patients:
                                                   site=__HIVE_DEFAULT_PARTITION__) and the session month
    patients/ courses/ import_batches/ course_facts/ course_facts_state/ course_facts_todo/
    course_pain_periods/ course_months/ course_score_months/   one file each

Writing: an export builds a new folder beside DIR (`.DIR.<export id>`), and DIR is a symbolic link
to it, swapped in one rename; so a reader sees the previous dataset or the new one, never half of
one. The previous folder stays until the next export, for readers still using it. Files are left
readable (not writable) by their owner only.

Reading: connect() gives an in-memory DuckDB connection whose views in schema `main` carry the
tables' names and exactly their columns and types (taken from queries/schema.sql, never from the
files), over read_parquet(..., hive_partitioning = true) of the files the manifest lists: every
query runs unchanged. The connection is sandboxed like a read-only database connection
(db.READ_ONLY_CONFIG): `allowed_paths` names exactly those files, file access is otherwise off, and
the configuration is locked, so no query reads anything else or creates a file.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import time
import uuid
from functools import lru_cache
from pathlib import Path

import duckdb

from clinic import db

FORMAT = "clinic-parquet-dataset"
FORMAT_VERSION = 1
MANIFEST = "dataset.json"
# course_facts_todo is empty outside a refresh; it travels so that the queries naming it bind.
TABLES = ("patients", "courses", "sessions", "import_batches", "course_facts", "course_facts_state",
          "course_facts_todo", "course_pain_periods", "course_months", "course_score_months")
# Stored counts added after the format's first exports: a dataset exported before them opens with
# the table empty. Its facts come from an older refresh and are not trusted (course_facts_fresh), so
# nothing reads the empty table: every count is taken from the sessions.
ADDED_LATER = ("course_months", "course_score_months")
# Columns derived from the data that a refresh of the facts writes: a dataset exported before one of
# them existed opens with it null (its facts are of an older version, not trusted, so nothing reads
# it). Any other column missing from a table's files means a damaged dataset.
DERIVED_TABLES = ("course_facts", "course_pain_periods", "course_months", "course_score_months",
                  "course_facts_todo")
DERIVED_COLUMNS = {"sessions": ("session_number", "course_no")}
PARTITIONS = {"sessions": ("site", "month")}
FILE_NAME = "data_0.parquet"
READ_WAIT_SECONDS = 15.0


class DatasetError(ValueError):
    """An export that cannot be written where it was asked to be (a plain sentence saying why)."""


# ---------------------------------------------------------------- what a dataset is

def is_dataset(path: str | os.PathLike) -> bool:
    """True when `path` is a folder (or a link to one) holding a dataset manifest."""
    path = Path(path)
    return path.is_dir() and (path / MANIFEST).is_file()


def read_manifest(path: str | os.PathLike) -> dict:
    """The manifest of the dataset at `path`; NotADatabase when there is none or it is not ours."""
    file = Path(path) / MANIFEST
    try:
        manifest = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise db.NotADatabase(f"{path} is a folder without {MANIFEST}: not a database file, nor a Parquet "
                              "dataset written by `python -m clinic export-parquet`") from None
    except (OSError, ValueError) as exc:
        raise db.NotADatabase(f"the dataset manifest {file} cannot be read ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise db.NotADatabase(f"{file} is not the manifest of a clinic Parquet dataset")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise db.NotADatabase(f"{path} is a dataset of format version {manifest.get('format_version')!r}; this "
                              f"version reads version {FORMAT_VERSION}: export it again")
    return manifest


def version(path: str | os.PathLike) -> str:
    """The dataset's version for caches: its export id, new with every export."""
    return f"dataset:{read_manifest(path)['export_id']}"


def refuse_write(path: str | os.PathLike) -> None:
    """Raises the plain reason why nothing can be written at the folder `path`."""
    path = Path(path)
    if not is_dataset(path):
        raise db.NotADatabase(f"{path} is a folder, not a database file: name a .duckdb file with --db")
    try:
        source = read_manifest(path).get("exported_from") or "FILE.duckdb"
    except db.NotADatabase:
        source = "FILE.duckdb"
    raise db.ReadOnlyDataset(
        f"{path} is a Parquet dataset, which is read-only: import into the DuckDB file it was exported from "
        f"({source}), then export again with `python -m clinic export-parquet --db {source} --to {path}`")


# ---------------------------------------------------------------- reading

@lru_cache(maxsize=1)
def table_columns() -> dict[str, tuple[tuple[str, str], ...]]:
    """Each exported table's columns and types as queries/schema.sql defines them."""
    con = duckdb.connect(":memory:", config=dict(db.READ_ONLY_CONFIG))
    try:
        db.execute(con, "schema")
        return {t: tuple((r["column_name"], r["data_type"]) for r in db.records(con, "table_columns", table_name=t))
                for t in TABLES}
    finally:
        con.close()


def _files(root: Path, manifest: dict, table: str) -> list[Path]:
    """The files of one table, as the manifest lists them; each must lie inside the dataset."""
    try:
        listed = manifest["tables"][table]["files"]
    except (KeyError, TypeError):
        raise db.NotADatabase(f"the dataset {root} has no table {table} in its manifest: export it again") from None
    files = []
    for name in listed:
        file = (root / str(name)).resolve()
        if not file.is_relative_to(root) or not file.is_file() or "\x00" in str(file):
            raise db.NotADatabase(f"the dataset {root} is damaged: {name} is missing or outside it; export it again")
        files.append(file)
    if not files:
        raise db.NotADatabase(f"the dataset {root} lists no file for {table}: export it again")
    return files


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _view_sql(table: str, files: list[Path], present: set[str]) -> str:
    # A view definition cannot take bound parameters: the file names (found on disk, inside the
    # dataset) are quoted literals, the columns and types come from schema.sql. A column the files
    # lack (added to the facts after the export: the facts are then of an older version and not
    # trusted, so nothing reads it) is null.
    if not files:           # a table the dataset's export did not have yet (ADDED_LATER): empty
        columns = ",\n    ".join(f"cast(null as {t}) as {_identifier(c)}" for c, t in table_columns()[table])
        return f"create view main.{_identifier(table)} as\nselect\n    {columns}\nwhere false"
    columns = ",\n    ".join(f"cast({_identifier(c) if c in present else 'null'} as {t}) as {_identifier(c)}"
                              for c, t in table_columns()[table])
    listing = ", ".join(_literal(str(f)) for f in files)
    return (f"create view main.{_identifier(table)} as\nselect\n    {columns}\n"
            f"from read_parquet([{listing}], hive_partitioning = true)")


_SANDBOX_SETTINGS = {   # the only settings _sandbox sets, each a fixed statement with its value bound
    "allowed_paths": "set allowed_paths = $value",
    "allowed_directories": "set allowed_directories = $value",
}


def _columns_present(con: duckdb.DuckDBPyConnection, root: Path, table: str, files: list[Path]) -> set[str]:
    """The schema columns of `table` its files hold; NotADatabase when one they need is missing."""
    if not files:
        return set()
    present = set(con.read_parquet([str(f) for f in files], hive_partitioning=True).columns)
    for column, _type in table_columns()[table]:
        if column not in present and table not in DERIVED_TABLES and column not in DERIVED_COLUMNS.get(table, ()):
            raise db.NotADatabase(f"the dataset {root} is damaged: its {table} files have no column {column}; "
                                  "export it again")
    return present


def _sandbox(con: duckdb.DuckDBPyConnection, **allowed) -> None:
    """Turns file access off except for `allowed` (allowed_paths or allowed_directories), for good.
    (These two settings cannot be given to duckdb.connect, nor changed once file access is off.)"""
    for setting, value in allowed.items():
        con.execute(_SANDBOX_SETTINGS[setting], {"value": value})     # KeyError for any other name
    con.execute("set enable_external_access = false")


_CONNECT_CONFIG = {k: v for k, v in db.READ_ONLY_CONFIG.items() if k not in ("enable_external_access",
                                                                            "lock_configuration")}


def connect(path: str | os.PathLike) -> duckdb.DuckDBPyConnection:
    """A read-only, sandboxed connection to the dataset at `path`: views named like the tables."""
    root = Path(path).resolve()
    manifest = read_manifest(root)
    files = {table: [] if table in ADDED_LATER and table not in (manifest.get("tables") or {})
             else _files(root, manifest, table) for table in TABLES}
    con = duckdb.connect(":memory:", config=dict(_CONNECT_CONFIG))
    try:
        _sandbox(con, allowed_paths=sorted(str(f) for listed in files.values() for f in listed))
        for table in TABLES:
            con.execute(_view_sql(table, files[table], _columns_present(con, root, table, files[table])))
        con.execute("set lock_configuration = true")
    except BaseException:
        con.close()
        raise
    return con


# ---------------------------------------------------------------- writing

def _check_target(to: Path) -> None:
    if is_dataset(to):
        return
    if to.is_dir() and not to.is_symlink() and not any(to.iterdir()):
        return      # an empty folder: nothing to lose
    if to.exists() or to.is_symlink():
        raise DatasetError(f"{to} exists and is not a Parquet dataset written by export-parquet: nothing was "
                           "written (name a new folder, or an earlier export to replace it)")


STALE_PARTIAL_SECONDS = 24 * 3600


def _versions(to: Path) -> list[Path]:
    """The folders that exports to `to` have written beside it: finished ones, and unfinished ones
    left by an export that died a day or more ago (a younger one may be another export at work)."""
    prefix, now = f".{to.name}.", time.time()
    found = []
    for p in to.parent.iterdir():
        if not p.name.startswith(prefix) or p.is_symlink() or not p.is_dir():
            continue
        if p.name.endswith(".partial") and now - p.stat().st_mtime < STALE_PARTIAL_SECONDS:
            continue
        found.append(p)
    return found


def _remove(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


def _write_tables(source: duckdb.DuckDBPyConnection, folder: Path) -> dict:
    """Writes every table into `folder` through an in-memory DuckDB that may write there only."""
    writer = duckdb.connect(":memory:", config=dict(_CONNECT_CONFIG))
    try:
        _sandbox(writer, allowed_directories=[f"{folder}{os.sep}"])
        writer.execute("set lock_configuration = true")
        tables = {}
        for table in TABLES:
            query, params = ("export_sessions", {}) if table == "sessions" else ("export_table", {"table_name": table})
            target = folder / table
            keys = PARTITIONS.get(table, ())
            with db.batches(source, query, **params) as reader:
                schema = reader.schema
                if keys:
                    writer.from_arrow(reader).to_parquet(str(target), partition_by=list(keys))
                else:
                    target.mkdir(mode=0o700)
                    writer.from_arrow(reader).to_parquet(str(target / FILE_NAME))
            files = sorted(target.rglob("*.parquet")) if target.is_dir() else []
            if not files:       # an empty partitioned table: one empty file keeps its columns
                target.mkdir(mode=0o700, exist_ok=True)
                empty = schema.empty_table().drop_columns(list(keys))
                writer.from_arrow(empty).to_parquet(str(target / FILE_NAME))
                files = [target / FILE_NAME]
            rows = writer.read_parquet([str(f) for f in files]).aggregate("count(*)").fetchall()[0][0]
            tables[table] = {"rows": int(rows), "files": [f.relative_to(folder).as_posix() for f in files]}
            if keys:
                tables[table]["partitioned_by"] = list(keys)
        return tables
    finally:
        writer.close()


def export(db_path: str | os.PathLike, to: str | os.PathLike, ensure_facts: bool = True,
           now: dt.datetime | None = None) -> dict:
    """Writes the database at `db_path` as a Parquet dataset at `to` (see the module's docstring),
    replacing an earlier dataset there in one step. Returns the manifest.

    `ensure_facts` first brings the database's per-course facts up to date (as `courses` and
    `metrics` do), so the dataset carries facts that match its sessions."""
    from clinic import facts

    db_path, to = Path(db_path), Path(to).absolute()
    if db_path.is_dir():
        raise DatasetError(f"{db_path} is a folder: export from a DuckDB database file (--db FILE.duckdb)")
    if not db_path.is_file():
        raise FileNotFoundError(f"no database at {db_path}")
    _check_target(to)
    to.parent.mkdir(parents=True, exist_ok=True)
    if ensure_facts:
        facts.ensure(db_path)
    export_id = uuid.uuid4().hex
    moment = (now or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc)
    folder = to.parent / f".{to.name}.{moment:%Y%m%dT%H%M%SZ}-{export_id[:12]}"
    partial = folder.with_name(folder.name + ".partial")
    partial.mkdir(mode=0o700)
    try:
        source = db.connect(db_path, read_only=True, wait_seconds=READ_WAIT_SECONDS)
        try:
            tables = _write_tables(source, partial)
        finally:
            source.close()
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "export_id": export_id,
            "exported_at": moment.isoformat(timespec="seconds").replace("+00:00", "Z"),
            "exported_from": str(db_path.resolve()),
            "tables": tables,
        }
        (partial / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        for file in partial.rglob("*"):
            if file.is_file():
                os.chmod(file, 0o400)
        os.rename(partial, folder)
    except BaseException:
        _remove(partial)
        raise
    _swap_in(to, folder)
    return manifest


def _swap_in(to: Path, folder: Path) -> None:
    """Points `to` at `folder` in one rename; removes the exports before the one it replaces."""
    previous = to.resolve() if to.is_symlink() else None
    link = folder.with_name(folder.name + ".link")
    os.symlink(folder.name, link)
    try:
        if to.is_dir() and not to.is_symlink():
            # A dataset folder copied here by hand, or an empty folder: it is moved aside first,
            # so for a moment there is no dataset at `to` (an export's own link never does this).
            previous = to.with_name(f".{to.name}.replaced-{folder.name.rsplit('.', 1)[-1]}")
            os.rename(to, previous)
        os.replace(link, to)
    except BaseException:
        link.unlink(missing_ok=True)
        raise
    for old in _versions(to):
        if old != folder and old != previous:
            _remove(old)
