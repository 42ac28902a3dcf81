"""Backups: one zip holding the database, its access file and a manifest; and bringing one back.

`python -m clinic backup --to FILE` may run while the dashboard serves pages. It holds a read-only
connection for the whole copy: while that is open no process can write the database, so its bytes
are stable. The access file (accounts, sign-ins, audit trail) is copied with SQLite's online backup,
which is consistent even while the dashboard records a sign-in. The zip is written under a
temporary name beside FILE and renamed into place when complete; it is readable by its owner only.

`python -m clinic restore FILE` checks every member against the manifest's SHA-256 before anything
is touched, and refuses while another process uses the database. Nothing is deleted: the current
database and access file are kept beside it as `X.before-restore-<UTC time>`, and the backup's
files take their place in one step each, so a reader sees either the old data or the restored data.

The members have fixed names and are only ever read by those names: a zip's own paths are never
used to name a file on disk.
"""
from __future__ import annotations

import datetime as dt
import errno
import fcntl
import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import time
import zipfile
import zlib
from contextlib import closing, suppress
from pathlib import Path

import duckdb

from clinic import access, db

FORMAT = "clinic-backup"
VERSION = 1
MANIFEST = "manifest.json"
DB_MEMBER = "database.duckdb"
WAL_MEMBER = "database.duckdb.wal"       # only when the database had a write-ahead log at backup time
ACCESS_MEMBER = "access.sqlite"
REQUIRED = (DB_MEMBER, ACCESS_MEMBER)
COUNTED = ("patients", "courses", "sessions")
BACKUP_WAIT_SECONDS = 60.0      # an import holds the database while it runs; a backup waits its turn
RESTORE_WAIT_SECONDS = 3.0      # a restore only waits out the dashboard's short reads
MAX_MANIFEST_BYTES = 1 << 20
CHUNK = 1 << 20

# The database file is read by a child process. DuckDB guards the file with a POSIX record lock,
# and such a lock belongs to the whole process: closing any other descriptor of the same file in
# this process would silently drop it and let an import write mid-copy.
_CAT = ("import shutil, sys\n"
        "with open(sys.argv[1], 'rb') as f:\n"
        "    shutil.copyfileobj(f, sys.stdout.buffer, 1 << 20)\n")


class BackupError(ValueError):
    """A backup or restore that cannot be carried out; the message says why in one line."""


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _file_stamp(moment: dt.datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%SZ")


def _fsync_folder(folder: Path) -> None:
    with suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _new_private_file(path: Path) -> int:
    """Creates `path` (it must not exist yet) readable and writable by its owner only."""
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


# ---------------------------------------------------------------- backup

def _member_info(name: str, size: int, moment: dt.datetime) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=moment.timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    info.file_size = size                  # lets zipfile choose ZIP64 for a database over 2 GB
    info.external_attr = 0o600 << 16
    return info


def _add_database_file(zf: zipfile.ZipFile, name: str, path: Path, moment: dt.datetime) -> dict:
    """Streams a file of the open database into the zip (read by a child process, see _CAT)."""
    before = os.stat(path)
    digest, size = hashlib.sha256(), 0
    child = subprocess.Popen([sys.executable, "-I", "-c", _CAT, str(path)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        with zf.open(_member_info(name, before.st_size, moment), "w") as out:
            for chunk in iter(lambda: child.stdout.read(CHUNK), b""):
                digest.update(chunk)
                out.write(chunk)
                size += len(chunk)
        problem = child.stderr.read().decode("utf-8", "replace").strip()
    finally:
        child.stdout.close()
        child.stderr.close()
        code = child.wait()
    if code != 0:
        last = problem.splitlines()[-1] if problem else f"exit code {code}"
        raise BackupError(f"could not read {path}: {last}")
    after = os.stat(path)
    if (size, before.st_ino, before.st_mtime_ns) != (after.st_size, after.st_ino, after.st_mtime_ns):
        raise BackupError(f"{path} changed while it was being copied; nothing was written, try again")
    return {"sha256": digest.hexdigest(), "bytes": size}


def _access_snapshot(db_path: Path) -> bytes:
    """A consistent image of the access file, taken with SQLite's online backup.

    A database that has no access file yet gets an empty one (no accounts, no audit entries).
    """
    live = access.access_path(db_path)
    with closing(sqlite3.connect(":memory:")) as image:
        if live.exists():
            with closing(sqlite3.connect(live, timeout=15.0)) as source:
                source.execute("pragma busy_timeout = 15000")
                source.backup(image)
        else:
            image.executescript(access.SCHEMA)
        return image.serialize()


def _add_bytes(zf: zipfile.ZipFile, name: str, data: bytes, moment: dt.datetime) -> dict:
    zf.writestr(_member_info(name, len(data), moment), data)
    return {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}


def _backup_target(to: Path, db_path: Path, moment: dt.datetime) -> Path:
    if to.is_dir():
        to = to / f"{db_path.stem}-backup-{_file_stamp(moment)}.zip"
    if to.exists() or to.is_symlink():
        raise BackupError(f"{to} already exists; a backup never overwrites a file: name a new one")
    if not to.parent.is_dir():
        raise BackupError(f"the folder {to.parent} does not exist")
    return to


def backup(db_path: str | os.PathLike, to: str | os.PathLike) -> dict:
    """Writes a backup zip of the database and its access file to `to`; returns what it wrote."""
    db_path, to = Path(db_path), Path(to)
    moment = _utc_now()
    if db_path.suffix.lower() in db.DATA_FILE_SUFFIXES:
        raise db.NotADatabase(f"{db_path} is a {db_path.suffix} data file, not a database: name a .duckdb file with --db")
    if db_path.is_dir():
        from clinic import dataset
        dataset.refuse_write(db_path)     # a Parquet dataset is backed up as the DuckDB file it comes from
    if not db_path.is_file():
        raise BackupError(f"no database at {db_path}: nothing to back up")
    to = _backup_target(to, db_path, moment)
    partial = to.with_name(f".{to.name}.partial-{os.getpid()}")
    fd = _new_private_file(partial)
    try:
        with os.fdopen(fd, "wb") as raw:
            con = db.connect(db_path, read_only=True, wait_seconds=BACKUP_WAIT_SECONDS)
            try:
                counts = dict(zip(COUNTED, db.fetch(con, "table_counts")[0]))
                with zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_DEFLATED) as zf:
                    files = {DB_MEMBER: _add_database_file(zf, DB_MEMBER, db_path, moment)}
                    wal = Path(f"{db_path}.wal")
                    if wal.exists():
                        files[WAL_MEMBER] = _add_database_file(zf, WAL_MEMBER, wal, moment)
                    files[ACCESS_MEMBER] = _add_bytes(zf, ACCESS_MEMBER, _access_snapshot(db_path), moment)
                    manifest = {"format": FORMAT, "version": VERSION, "created_at": moment.isoformat(),
                                "source": str(db_path.resolve()), "duckdb_version": duckdb.__version__,
                                "counts": counts, "files": files}
                    zf.writestr(_member_info(MANIFEST, 0, moment),
                                json.dumps(manifest, indent=2, sort_keys=True) + "\n")
            finally:
                con.close()
            raw.flush()
            os.fsync(raw.fileno())
        sha256 = _sha256_file(partial)
        try:
            os.link(partial, to)                   # complete, in one step; never over another file
        except FileExistsError:
            raise BackupError(f"{to} appeared while the backup was written; it was left alone: "
                              "name a new file") from None
        _fsync_folder(to.parent)
    finally:
        partial.unlink(missing_ok=True)
    access.record(db_path, access.cli_actor(), "backup",
                  {"to": str(to), "sha256": sha256, "sessions": counts["sessions"]})
    return {"backup": str(to), "db": str(db_path), "sha256": sha256, "bytes": to.stat().st_size,
            "created_at": moment.isoformat(), **counts}


# ---------------------------------------------------------------- reading a backup

def _refuse(file: Path, why: str) -> BackupError:
    return BackupError(f"{file} cannot be restored: {why}; nothing was changed")


def _is_sha256(text) -> bool:
    return isinstance(text, str) and len(text) == 64 and all(c in "0123456789abcdef" for c in text)


def _read_manifest(zf: zipfile.ZipFile, file: Path) -> dict:
    try:
        info = zf.getinfo(MANIFEST)
    except KeyError:
        raise _refuse(file, "it is not a clinic backup (no manifest.json)") from None
    if info.file_size > MAX_MANIFEST_BYTES:
        raise _refuse(file, "it is not a clinic backup (manifest.json is too large)")
    try:
        with zf.open(info) as f:
            manifest = json.loads(f.read(MAX_MANIFEST_BYTES + 1).decode("utf-8"))
    except (ValueError, zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError):
        raise _refuse(file, "its manifest.json is damaged or not JSON") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _refuse(file, "it is not a clinic backup (manifest.json is of another kind)")
    if manifest.get("version") != VERSION:
        raise _refuse(file, f"it is a backup of format version {manifest.get('version')!r}; "
                            f"this program reads version {VERSION}")
    files = manifest.get("files")
    if (not isinstance(files, dict) or not set(REQUIRED) <= files.keys()
            or not files.keys() <= {*REQUIRED, WAL_MEMBER}
            or not all(isinstance(v, dict) and _is_sha256(v.get("sha256")) and type(v.get("bytes")) is int
                       and v["bytes"] >= 0 for v in files.values())):
        raise _refuse(file, "its manifest does not list the database and access file with their SHA-256")
    counts = manifest.get("counts")
    if not isinstance(counts, dict) or not all(type(counts.get(k)) is int for k in COUNTED):
        raise _refuse(file, "its manifest has no record counts")
    return manifest


def _copy_member(zf: zipfile.ZipFile, file: Path, name: str, expected: dict, out=None) -> None:
    """Reads one member by its fixed name, checking size and SHA-256; writes it to `out` if given."""
    try:
        info = zf.getinfo(name)
    except KeyError:
        raise _refuse(file, f"the member {name} is missing") from None
    if info.file_size != expected["bytes"]:
        raise _refuse(file, f"{name} is {info.file_size} bytes, the manifest says {expected['bytes']}")
    digest, size = hashlib.sha256(), 0
    try:
        with zf.open(info) as f:
            for chunk in iter(lambda: f.read(CHUNK), b""):
                size += len(chunk)
                if size > expected["bytes"]:
                    raise _refuse(file, f"{name} is longer than the manifest says")
                digest.update(chunk)
                if out is not None:
                    out.write(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError) as exc:
        raise _refuse(file, f"{name} is damaged ({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})") from None
    if size != expected["bytes"] or digest.hexdigest() != expected["sha256"]:
        raise _refuse(file, f"{name} does not match the SHA-256 in its manifest (the file was damaged or altered)")


def verify(file: str | os.PathLike) -> dict:
    """Checks a backup zip against its manifest without writing anything; returns the manifest."""
    file = Path(file)
    if not file.is_file():
        raise BackupError(f"no backup file at {file}")
    try:
        with zipfile.ZipFile(file) as zf:
            manifest = _read_manifest(zf, file)
            for name, expected in manifest["files"].items():
                _copy_member(zf, file, name, expected)
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise _refuse(file, f"it is not a readable zip file ({exc})") from None
    return manifest


# ---------------------------------------------------------------- restore

def _aside(path: Path, stamp: str, put) -> Path:
    """Finds a free `path.before-restore-<stamp>[-n]` name and calls put(name) to fill it."""
    for n in range(1, 1000):
        candidate = path.with_name(f"{path.name}.before-restore-{stamp}" + (f"-{n}" if n > 1 else ""))
        try:
            put(candidate)
        except FileExistsError:
            continue
        os.chmod(candidate, 0o600)
        return candidate
    raise BackupError(f"no free name to keep {path} under; nothing was changed")


def _lock(path: Path, wait_seconds: float) -> int:
    """An exclusive lock on the database file at `path`, held by this process until the fd is closed.

    DuckDB takes the same kind of lock, so while this is held no other process can open the file,
    not even to read. The fd must stay open: closing any descriptor of the file drops the lock.
    """
    deadline = time.monotonic() + wait_seconds
    while True:
        fd = os.open(path, os.O_RDWR)
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            if os.fstat(fd).st_ino == os.stat(path).st_ino:   # still the file at this name
                return fd
        except OSError as exc:
            if exc.errno not in (errno.EACCES, errno.EAGAIN):
                os.close(fd)
                raise
        os.close(fd)
        if time.monotonic() > deadline:
            raise _in_use(path)
        time.sleep(0.1)


def _in_use(path: Path) -> BackupError:
    return BackupError(f"the database {path} is in use by another process (an import, or the dashboard "
                       "reading it); nothing was changed: try again when it is done")


def _check_extracted_database(path: Path, file: Path, counts: dict) -> None:
    try:
        con = db.connect(path, read_only=True)
    except (duckdb.Error, db.DatabaseLocked) as exc:
        raise _refuse(file, f"its database does not open ({str(exc).splitlines()[0]})") from None
    try:
        found = dict(zip(COUNTED, db.fetch(con, "table_counts")[0]))
    except duckdb.Error as exc:
        raise _refuse(file, f"its database cannot be read ({str(exc).splitlines()[0]})") from None
    finally:
        con.close()
    if found != {k: counts[k] for k in COUNTED}:
        raise _refuse(file, f"its database holds {found}, the manifest says {counts}")


def _check_extracted_access(path: Path, file: Path) -> None:
    try:
        with closing(sqlite3.connect(path)) as con:
            ok = con.execute("pragma integrity_check").fetchone()[0]
            pages = con.execute("pragma page_count").fetchone()[0]
            con.execute("select count(*) from audit_log").fetchone()
    except sqlite3.Error as exc:
        raise _refuse(file, f"its access file is not a readable access file ({exc})") from None
    if ok != "ok" or pages < 2:
        raise _refuse(file, "its access file is damaged")


def _restore_access(extracted: Path, live: Path, stamp: str) -> Path | None:
    """Replaces the live access file's contents with the backup's; returns where the old ones were kept.

    This goes through SQLite's backup API rather than a file rename, because the dashboard may hold
    the access file open. The copy into the live file is one write transaction; the first step takes
    the file's write lock, and the old contents are saved aside right then, so no sign-in or audit
    entry can land between the saved copy and the restore.
    """
    try:
        os.close(_new_private_file(live))
    except FileExistsError:
        pass
    else:                                          # there was no access file: nothing to keep
        try:
            with closing(sqlite3.connect(extracted)) as source, \
                    closing(sqlite3.connect(live, timeout=15.0)) as target:
                source.backup(target)
        except BaseException:
            live.unlink(missing_ok=True)
            _remove_sqlite_sidecars(live)
            raise
        return None
    kept: list[Path] = []

    def keep_old(status: int, remaining: int, total: int) -> None:
        if kept or status != sqlite3.SQLITE_OK:    # the write lock is held only after a successful step
            return
        aside = _aside(live, stamp, lambda name: os.close(_new_private_file(name)))
        kept.append(aside)
        with closing(sqlite3.connect(live, timeout=15.0)) as reader, closing(sqlite3.connect(aside)) as copy:
            reader.backup(copy)

    try:
        with closing(sqlite3.connect(extracted)) as source, \
                closing(sqlite3.connect(live, timeout=15.0, isolation_level=None)) as target:
            target.execute("pragma busy_timeout = 15000")
            source.backup(target, pages=1, progress=keep_old)
    except BaseException:
        for aside in kept:                         # the live file is unchanged: the copy is not needed
            aside.unlink(missing_ok=True)
        raise
    if not kept:
        raise BackupError(f"{live} was restored but its old contents could not be kept")  # pages >= 2 prevents this
    return kept[0]


def _extract(zf: zipfile.ZipFile, file: Path, manifest: dict, names: dict[str, Path]) -> None:
    for member, target in names.items():
        if member not in manifest["files"]:
            continue
        with os.fdopen(_new_private_file(target), "wb") as out:
            _copy_member(zf, file, member, manifest["files"][member], out)
            out.flush()
            os.fsync(out.fileno())


def _remove_sqlite_sidecars(path: Path) -> None:
    for suffix in ("-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _swap_database(db_path: Path, temp_db: Path, temp_wal: Path | None, stamp: str, undo: list) -> list[Path]:
    """Keeps the current database (and any write-ahead log) aside and puts the extracted one in place.

    Each step pushes the step that reverses it onto `undo`. Returns the names the old files are kept under.
    """
    kept = []
    wal = Path(f"{db_path}.wal")
    old_db = None
    if db_path.exists():
        old_db = _aside(db_path, stamp, lambda name: os.link(db_path, name))
        kept.append(old_db)
        undo.append(old_db.unlink)
    if wal.exists():
        old_wal = _aside(wal, stamp, lambda name: os.link(wal, name))
        kept.append(old_wal)
        undo.append(old_wal.unlink)
        wal.unlink()
        undo.append(lambda: os.link(old_wal, wal))
    if temp_wal is not None:
        os.replace(temp_wal, wal)
        undo.append(wal.unlink)
    if old_db is not None:
        os.replace(temp_db, db_path)              # one step: a reader opens the old file or the restored one
        undo.append(lambda: _put_back(old_db, db_path))
    else:
        os.link(temp_db, db_path)                 # fails, rather than replaces, if a database appeared meanwhile
        undo.append(db_path.unlink)
    return kept


def _put_back(old: Path, path: Path) -> None:
    back = path.with_name(f".{path.name}.put-back-{os.getpid()}")
    os.link(old, back)
    os.replace(back, path)


def restore(file: str | os.PathLike, db_path: str | os.PathLike) -> dict:
    """Brings back a backup written by backup(): verified first, the current files kept aside."""
    file, db_path = Path(file), Path(db_path)
    if db_path.suffix.lower() in db.DATA_FILE_SUFFIXES:
        raise db.NotADatabase(f"{db_path} is a {db_path.suffix} data file, not a database: name a .duckdb file with --db")
    if db_path.is_dir():
        from clinic import dataset
        dataset.refuse_write(db_path)
    if not db_path.parent.is_dir():
        raise BackupError(f"the folder {db_path.parent} does not exist")
    manifest = verify(file)
    stamp = _file_stamp(_utc_now())
    live_access = access.access_path(db_path)
    temp_db = db_path.with_name(f".{db_path.name}.restoring-{os.getpid()}")
    temps = {DB_MEMBER: temp_db, WAL_MEMBER: Path(f"{temp_db}.wal"),
             ACCESS_MEMBER: live_access.with_name(f".{live_access.name}.restoring-{os.getpid()}")}
    locks: list[int] = []
    try:
        with zipfile.ZipFile(file) as zf:
            _extract(zf, file, manifest, temps)
        _check_extracted_database(temp_db, file, manifest["counts"])
        _check_extracted_access(temps[ACCESS_MEMBER], file)

        # Both database files stay locked until the access file is restored too: no other process
        # can open either of them meanwhile, so the database swap can still be undone.
        locks.append(_lock(temp_db, 0))
        if db_path.exists():
            try:
                db.connect(db_path, wait_seconds=RESTORE_WAIT_SECONDS).close()
            except db.DatabaseLocked:
                raise _in_use(db_path) from None
            except duckdb.Error:
                pass          # a damaged database is replaced all the same (and kept); the lock below still applies
            locks.append(_lock(db_path, RESTORE_WAIT_SECONDS))
        undo: list = []
        try:
            kept = _swap_database(db_path, temp_db, temps[WAL_MEMBER] if WAL_MEMBER in manifest["files"] else None,
                                  stamp, undo)
            kept_access = _restore_access(temps[ACCESS_MEMBER], live_access, stamp)
        except BaseException:
            for step in reversed(undo):
                step()
            raise
        if kept_access is not None:
            kept.append(kept_access)
        _fsync_folder(db_path.parent)
    finally:
        for fd in locks:
            os.close(fd)
        for temp in temps.values():
            temp.unlink(missing_ok=True)
            _remove_sqlite_sidecars(temp)
    access.record(db_path, access.cli_actor(), "restore", {"from": str(file), "kept": [str(k) for k in kept]})
    return {"restored": str(db_path), "from": str(file), "backup_created_at": manifest.get("created_at"),
            "kept": [str(k) for k in kept], **manifest["counts"]}


# ---------------------------------------------------------------- the command line

def _plain(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if isinstance(exc, sqlite3.Error):
        return f"the access file could not be used: {text}"
    return text


def cmd_backup(args) -> int:
    from clinic.cli import CliError
    try:
        summary = backup(args.db or db.default_db_path(), args.to)
    except (BackupError, sqlite3.Error, OSError) as exc:
        raise CliError(_plain(exc)) from None
    print(json.dumps(summary, sort_keys=True))
    return 0


def cmd_restore(args) -> int:
    from clinic.cli import CliError
    try:
        summary = restore(args.file, args.db or db.default_db_path())
    except (BackupError, sqlite3.Error, OSError) as exc:
        raise CliError(_plain(exc)) from None
    print(json.dumps(summary, sort_keys=True))
    return 0
