"""Connections and the query runner: the only module that reads queries/*.sql.

Every query lives in its own file under queries/ with a header comment saying what it returns and
which parameters it takes. Values are always bound parameters (`$as_of`); a pandas DataFrame passed
as a parameter is registered on the cursor as a view of that name, so one query can read the
result of another without SQL being pasted together in Python.
"""
from __future__ import annotations

import os
import re
import threading
import time
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Iterator

import duckdb
import pandas as pd
import pyarrow as pa

ROOT = Path(__file__).resolve().parent.parent
QUERIES = ROOT / "queries"
DEFAULT_DB = ROOT / "data" / "clinic.duckdb"

_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_USES = re.compile(r"^--\s*uses:\s*(.+)$", re.MULTILINE)
_READS = re.compile(r"^--\s*reads:\s*(.+(?:\n--\s{2,}.+)*)", re.MULTILINE)


class DatabaseLocked(RuntimeError):
    """Another process holds the database file open for writing."""


class NotADatabase(ValueError):
    """The path names a data file (a CSV, a spreadsheet), not a database."""


class ReadOnlyDataset(NotADatabase):
    """A write (import, demo, backup, restore) aimed at a Parquet dataset, which is only ever read."""


# DuckDB opens some data files as a temporary in-memory database; writing "into" them would be lost.
DATA_FILE_SUFFIXES = {".csv", ".tsv", ".txt", ".xlsx", ".xls", ".xlsm", ".json", ".parquet"}

# Read-only connections (every dashboard page, `courses`, `metrics`) see the database and nothing
# else: no query can read or write a file (read_csv, COPY, ATTACH), install or load an extension,
# or switch these settings back on. DataFrames and Arrow tables registered on a cursor still work.
READ_ONLY_CONFIG = {
    "enable_external_access": False,
    "autoload_known_extensions": False,
    "autoinstall_known_extensions": False,
    "allow_community_extensions": False,
    "lock_configuration": True,
}


def default_db_path() -> Path:
    """`$CLINIC_DB` when set, else data/clinic.duckdb in the project folder."""
    env = os.environ.get("CLINIC_DB")
    return Path(env) if env else DEFAULT_DB


@lru_cache(maxsize=None)
def sql_text(name: str) -> str:
    path = QUERIES / f"{name}.sql"
    if not path.is_file():
        raise KeyError(f"no query named {name!r} in {QUERIES}")
    return path.read_text(encoding="utf-8")


def _strip_comments(sql: str) -> str:
    return "\n".join(line.split("--", 1)[0] for line in sql.splitlines())


@lru_cache(maxsize=None)
def _param_names(name: str) -> frozenset[str]:
    return frozenset(_PARAM.findall(_strip_comments(sql_text(name))))


@lru_cache(maxsize=None)
def _uses(name: str) -> tuple[str, ...]:
    """The macro files a query names in a `-- uses: a, b` header line, dependencies first."""
    found: list[str] = []
    for line in _USES.findall(sql_text(name)):
        for used in (u.strip() for u in line.split(",")):
            if used and used not in found:
                found.extend(u for u in _uses(used) + (used,) if u not in found)
    return tuple(found)


@lru_cache(maxsize=None)
def reads(name: str) -> frozenset[str]:
    """The tables a query, or a macro file it uses, names in a `-- reads: a, b (see ...)` header
    (continued on indented comment lines): the tables its caller registers."""
    found = set()
    for text in (sql_text(n) for n in (*_uses(name), name)):
        for block in _READS.findall(text):
            words = re.sub(r"\([^)]*\)?", "", block.replace("\n", " ").replace("--", " "))
            found.update(w.strip() for w in words.split(",") if w.strip())
    return frozenset(found)


_MACRO = re.compile(r"^\s*create\s+or\s+replace\s+temp\s+macro\s+(\w+)", re.IGNORECASE)


def _statements(file: str) -> list[str]:
    """The statements of a macro file, each with the comment lines before it, split where a line's
    code ends in `;` (tests/test_store.py checks the split against DuckDB's own)."""
    statements, current = [], []
    for line in sql_text(file).splitlines(keepends=True):
        current.append(line)
        if line.split("--", 1)[0].rstrip().endswith(";"):
            statements.append("".join(current))
            current = []
    statements.append("".join(current))
    return [s for s in statements if _strip_comments(s).strip()]


@lru_cache(maxsize=None)
def _macros_of(file: str) -> tuple[tuple[str, str, frozenset[str]], ...]:
    """The macros a macro file defines, in its order: (name, statement, the words of its body)."""
    found = []
    for statement in _statements(file):
        code = _strip_comments(statement)
        match = _MACRO.match(code)
        if match is None:       # a used file defines macros only: defining one runs nothing else
            raise ValueError(f"{file}.sql is used as a macro file but holds a statement that defines no "
                             f"macro: {code.strip()[:80]!r}")
        found.append((match.group(1), statement, frozenset(re.findall(r"\w+", code[match.end():]))))
    return tuple(found)


@lru_cache(maxsize=None)
def _macros_for(name: str) -> tuple[tuple[str, str], ...]:
    """The macros a query calls, itself or through the macros it calls, from the files of its
    `-- uses:` header: (name, statement) in those files' order, dependencies first. DuckDB parses
    and binds a macro as it is defined (0.3-12 ms each), and a query calls about half of what its
    files define (Data quality's queries 2-4 of 27)."""
    offered = [macro for file in _uses(name) for macro in _macros_of(file)]
    words = {macro: body for macro, _, body in offered}
    wanted: set[str] = set()
    todo = [w for w in set(re.findall(r"\w+", _strip_comments(sql_text(name)))) if w in words]
    while todo:
        macro = todo.pop()
        if macro not in wanted:
            wanted.add(macro)
            todo.extend(w for w in words[macro] if w in words)
    return tuple((macro, statement) for macro, statement, _ in offered if macro in wanted)


def _define_macros(cur: duckdb.DuckDBPyConnection, name: str) -> None:
    # Temp macros belong to one connection, and every cursor is a connection of its own.
    defined = _own.get(id(cur), _kept.get(id(cur)))
    for macro, statement in _macros_for(name):
        if defined is None or macro not in defined:
            cur.execute(statement)
            if defined is not None:
                defined.add(macro)


# Connections that one thread uses alone (see one_thread): queries run on them directly instead of
# on a fresh cursor, and each macro is defined on them once. id(connection) -> macros defined.
_own: dict[int, set[str]] = {}


@contextmanager
def one_thread(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Marks `con` as used by the calling thread alone while the block runs: run(), arrow() and
    records() then skip the cursor and the macro definitions a cursor needs each time (a few
    milliseconds a query, which a page of a dozen queries feels)."""
    _own[id(con)] = set()
    try:
        yield con
    finally:
        _own.pop(id(con), None)


# Write connections on which statements (execute, execute_each, fetch) define each macro once
# (keep_macros): id(connection) -> macros defined. A write defined them again for every
# statement, about two dozen times per import or recorded session, 2-3 ms each.
_kept: dict[int, set[str]] = {}


@contextmanager
def keep_macros(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """While the block runs, each macro is defined on the write connection `con` once. Its
    transactions must end in rollback(con), not con.rollback(): a rollback takes back the macros
    defined since its begin, so they are defined again."""
    _kept[id(con)] = set()
    try:
        yield con
    finally:
        _kept.pop(id(con), None)


def rollback(con: duckdb.DuckDBPyConnection) -> None:
    """con.rollback(), and the macros keep_macros had noted on `con` forgotten (a rollback takes back
    those defined in its transaction)."""
    con.rollback()
    if id(con) in _kept:
        _kept[id(con)].clear()


@contextmanager
def owned(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """one_thread(con) for a connection the block owns: closed when the block ends."""
    try:
        with one_thread(con):
            yield con
    finally:
        con.close()


@contextmanager
def _cursor(con: duckdb.DuckDBPyConnection, params: dict) -> Iterator[duckdb.DuckDBPyConnection]:
    """A fresh cursor of `con`, closed after; or `con` itself when one thread owns it (one_thread),
    with the table params' views dropped after, so none outlives its query."""
    if id(con) in _own:
        try:
            yield con
        finally:
            for view in _tables(params):
                con.unregister(view)
        return
    cur = con.cursor()
    try:
        yield cur
    finally:
        cur.close()


def _bind(cur: duckdb.DuckDBPyConnection, name: str, params: dict) -> dict:
    """Registers table-valued params as views and returns the scalar params the query uses."""
    wanted = _param_names(name)
    bound = {}
    for key, value in params.items():
        if isinstance(value, (pd.DataFrame, pa.Table)):
            cur.register(key, value)
        elif key in wanted:
            bound[key] = value
        else:
            raise TypeError(f"query {name!r} takes no parameter ${key}")
    missing = wanted - bound.keys()
    if missing:
        raise TypeError(f"query {name!r} needs parameters: {', '.join(sorted('$' + m for m in missing))}")
    return bound


# At most this many queries of the process run at once; the others wait their turn. DuckDB gives
# one query every core, so queries side by side only share them, each holding its working memory
# meanwhile. With ten sessions at 200,000 patients asking for pages in views of their own (every
# read a cache miss: scripts/bench_views.py), the server peaked at 0.89-0.91 GB with no limit and at
# 0.70-0.72 GB with two at a time, and pages came no later (median 2.5-2.6 s with no limit, 2.3-2.5 s
# with two). One at a time saved a little more memory, but leaves everyone behind one long read.
QUERIES_AT_ONCE = 2
_RUNNING = threading.BoundedSemaphore(QUERIES_AT_ONCE)


def run(con: duckdb.DuckDBPyConnection, name: str, **params) -> pd.DataFrame:
    """Runs queries/<name>.sql on a fresh cursor and returns the result as a DataFrame."""
    with _cursor(con, params) as cur:
        bound = _bind(cur, name, params)   # register table params first: macros bind to them
        _define_macros(cur, name)
        with _RUNNING:
            return cur.execute(sql_text(name), bound).df()


def arrow(con: duckdb.DuckDBPyConnection, name: str, **params) -> pa.Table:
    """Like run(), but returns an Arrow table: exact column types, cheap to cache and re-register."""
    with _cursor(con, params) as cur:
        bound = _bind(cur, name, params)
        _define_macros(cur, name)
        with _RUNNING:
            return cur.sql(sql_text(name), params=bound).to_arrow_table()


# frame(): Arrow types -> pandas dtypes, the same whatever the data holds (DuckDB's own conversion,
# run(), picks a nullable dtype for a column only when it has a null).
PANDAS_TYPES = {
    pa.bool_(): pd.BooleanDtype(),
    pa.int8(): pd.Int8Dtype(), pa.int16(): pd.Int16Dtype(), pa.int32(): pd.Int32Dtype(), pa.int64(): pd.Int64Dtype(),
    pa.uint8(): pd.UInt8Dtype(), pa.uint16(): pd.UInt16Dtype(), pa.uint32(): pd.UInt32Dtype(),
    pa.uint64(): pd.UInt64Dtype(),
    pa.string(): pd.StringDtype(na_value=float("nan")), pa.large_string(): pd.StringDtype(na_value=float("nan")),
}


def frame(con: duckdb.DuckDBPyConnection, name: str, **params) -> pd.DataFrame:
    """Like run(), but built from the Arrow result: booleans and integers always as pandas' nullable
    dtypes, text as pandas' str. For results of hundreds of thousands of rows it needs well under
    half the memory of DuckDB's own conversion at its peak."""
    return arrow(con, name, **params).to_pandas(types_mapper=PANDAS_TYPES.get)


def records(con: duckdb.DuckDBPyConnection, name: str, **params) -> list[dict]:
    """Like run(), but returns plain Python values (int, bool, date, None) keyed by column name."""
    with _cursor(con, params) as cur:
        bound = _bind(cur, name, params)   # register table params first: macros bind to them
        _define_macros(cur, name)
        with _RUNNING:
            result = cur.execute(sql_text(name), bound)
            columns = [d[0] for d in result.description]
            return [dict(zip(columns, row)) for row in result.fetchall()]


@contextmanager
def batches(con: duckdb.DuckDBPyConnection, name: str, batch_rows: int = 100_000,
            **params) -> Iterator[pa.RecordBatchReader]:
    """Like arrow(), but streams the result as Arrow record batches of `batch_rows` rows (for results
    too big to hold)."""
    cur = con.cursor()
    try:
        bound = _bind(cur, name, params)
        _define_macros(cur, name)
        yield cur.sql(sql_text(name), params=bound).to_arrow_reader(batch_size=batch_rows)
    finally:
        cur.close()


def _tables(params: dict) -> list[str]:
    return [k for k, v in params.items() if isinstance(v, (pd.DataFrame, pa.Table))]


def fetch(con: duckdb.DuckDBPyConnection, name: str, **params) -> list[tuple]:
    """Runs a query on `con` itself (inside the caller's transaction) and returns its rows."""
    try:
        bound = _bind(con, name, params)
        _define_macros(con, name)
        return con.execute(sql_text(name), bound).fetchall()
    finally:
        for view in _tables(params):
            con.unregister(view)


def execute(con: duckdb.DuckDBPyConnection, name: str, **params) -> None:
    """Runs a statement file (no result) on `con` itself, so it joins the caller's transaction."""
    try:
        if params:
            bound = _bind(con, name, params)   # register table params first: macros bind to them
            _define_macros(con, name)
            con.execute(sql_text(name), bound)
        else:
            _define_macros(con, name)
            con.execute(sql_text(name))
    finally:
        for view in _tables(params):
            con.unregister(view)


def execute_each(con: duckdb.DuckDBPyConnection, name: str, **params) -> None:
    """Like execute(), but statement by statement, each bound to the named parameters it uses
    (DuckDB binds parameters to the last statement of a script alone). Table params are not taken."""
    unknown = params.keys() - _param_names(name)
    if unknown:
        raise TypeError(f"query {name!r} takes no parameter {', '.join(sorted('$' + k for k in unknown))}")
    missing = _param_names(name) - params.keys()
    if missing:
        raise TypeError(f"query {name!r} needs parameters: {', '.join(sorted('$' + m for m in missing))}")
    _define_macros(con, name)
    for statement in con.extract_statements(sql_text(name)):
        used = set(_PARAM.findall(_strip_comments(statement.query)))
        con.execute(statement.query, {k: v for k, v in params.items() if k in used} or None)


@lru_cache(maxsize=None)
def schema_tables() -> tuple[str, ...]:
    """The tables schema.sql creates."""
    return tuple(re.findall(r"create table if not exists (\w+)", _strip_comments(sql_text("schema"))))


def schema_current(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the database has every table of schema.sql in its current shape; a read-write
    connection (connect) brings an older one up to date."""
    tables = list(schema_tables())
    [(found,)] = fetch(con, "tables_present", tables=tables)
    return (found == len(tables) and not fetch(con, "import_batches_outdated")[0][0]
            and not fetch(con, "courses_planned_outdated")[0][0])


# DuckDB's Python client shares one database per file among a process's connections, and gives a
# new one its scans of Python objects (the Arrow tables and DataFrames handed to queries) just after
# creating it. A connection that another thread opened in between got the database without them, and
# its first query reading a handed-over table failed ("python_arrow_scan does not exist"): about one
# in a hundred opens when several threads open a closed file at once (a server's first page beside
# its warm-up, sessions that start together, a download beside its page). One open at a time.
_OPENING = threading.Lock()


@lru_cache(maxsize=None)
def _schema_objects() -> frozenset[tuple[str, str, str]]:
    """What schema.sql makes, as schema_objects.sql lists it: every table's columns and the sequence.
    schema.sql only makes what is missing, so on a database that has all of these it changes nothing."""
    con = duckdb.connect()
    try:
        con.execute(sql_text("schema"))
        return frozenset(con.execute(sql_text("schema_objects")).fetchall())
    finally:
        con.close()


def connect(path: str | os.PathLike, read_only: bool = False, wait_seconds: float = 0.0) -> duckdb.DuckDBPyConnection:
    """Opens the database; a read-write open creates the schema if it is missing.

    DuckDB lets one process write a file and no other process open it meanwhile, so a busy file is
    tried again for up to `wait_seconds`. Raises DatabaseLocked with a plain message after that.
    A read-only connection is also sandboxed (READ_ONLY_CONFIG): it reads this database only.

    A folder holding a Parquet dataset (`python -m clinic export-parquet`) opens read-only as an
    in-memory connection whose views carry the tables' names (clinic/dataset.py); a write to it
    raises ReadOnlyDataset.
    """
    path = Path(path)
    if path.is_dir():
        from clinic import dataset
        if not read_only:
            dataset.refuse_write(path)
        return dataset.connect(path)
    if path.suffix.lower() in DATA_FILE_SUFFIXES:
        raise NotADatabase(f"{path} is a {path.suffix} data file, not a database: name a .duckdb file with --db")
    if read_only and not path.exists():
        raise FileNotFoundError(f"no database at {path}")
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait_seconds
    pause = 0.05
    while True:
        try:
            with _OPENING:
                if read_only:
                    con = duckdb.connect(str(path), read_only=True, config=dict(READ_ONLY_CONFIG))
                else:
                    con = duckdb.connect(str(path))
            break
        except (duckdb.IOException, duckdb.ConnectionException) as exc:
            # Another process holds the file ("Could not set lock"), or this process has it open
            # the other way round (read-only vs read-write: "different configuration").
            text = str(exc).lower()
            if "lock" not in text and "different configuration" not in text:
                raise
            if time.monotonic() + pause > deadline:
                raise DatabaseLocked(
                    f"the database {path} is in use by another process (an import or the dashboard); "
                    "try again in a moment"
                ) from exc
            time.sleep(pause)
            pause = min(pause * 2, 0.5)
    if not read_only:
        if not _schema_objects() <= set(con.execute(sql_text("schema_objects")).fetchall()):
            con.execute(sql_text("schema"))     # tables or columns missing: made (10-15 ms; the check 2)
        if con.execute(sql_text("import_batches_outdated")).fetchone()[0]:
            con.begin()                 # a database from before scores files: its batch log allows them
            con.execute(sql_text("retire_import_batches"))
            con.execute(sql_text("schema"))              # import_batches as schema.sql has it now
            con.execute(sql_text("migrate_import_batches"))
            con.commit()
        if con.execute(sql_text("courses_planned_outdated")).fetchone()[0]:
            con.begin()                 # a database from before the planned-sessions setting
            con.execute(sql_text("migrate_courses_planned"))
            con.commit()
    return con
