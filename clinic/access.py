"""Who may use the dashboard: accounts, sign-in sessions, lockouts and the audit trail.

All of it lives in a SQLite file beside the database (`X.duckdb` -> `X.access.sqlite`), not in
DuckDB: the dashboard must record sign-ins and audit entries while a command-line import holds the
DuckDB file, and SQLite lets several processes write one small file safely.

- Passwords are hashed with Argon2id (argon2-cffi); the clear text is never stored or logged.
- A sign-in session is a random token kept only in the browser's HttpOnly cookie; the file holds
  its SHA-256, so a copy of the file cannot be used to sign in.
- Sessions end on sign-out, after CLINIC_IDLE_MINUTES (default 15) without a request, after
  MAX_SESSION_HOURS in all, and at once when the account is disabled or its password reset.
- Five failed sign-ins for one name within 15 minutes lock that name for 15 minutes. Unknown
  names are counted and locked the same way, so the answers never tell which accounts exist.
- The audit log is append-only (SQLite triggers refuse UPDATE and DELETE) and hash-chained: each
  entry's hash is the SHA-256 of the previous entry's hash and the entry's own fields in a fixed
  encoding, and a one-row head table remembers the last entry, so `verify_audit` finds the first
  entry that was altered, inserted or removed.

No Streamlit here; clinic/auth.py is the dashboard's side.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import secrets
import sqlite3
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterator

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

ROLES = ("director", "therapist")
MIN_PASSWORD_CHARS = 12          # real accounts; demo accounts are flagged and use "demo"
DEMO_PASSWORD = "demo"
MAX_FAILURES = 5
FAILURE_WINDOW = dt.timedelta(minutes=15)
LOCK_FOR = dt.timedelta(minutes=15)
MAX_SESSION_HOURS = 12
TOUCH_EVERY = dt.timedelta(seconds=10)    # how often a busy session's last-seen time is written
GENESIS_HASH = "0" * 64
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
SIGN_IN_FAILED = "Wrong user name or password."
LOCKED_MESSAGE = ("Too many failed sign-ins for this user name: it is locked for 15 minutes. "
                  "Try again later, or ask the director.")

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not a password of anyone")   # verified against for unknown names (same timing)

SCHEMA = """
create table if not exists users (
    name text primary key,
    role text not null check (role in ('director', 'therapist')),
    therapist text,
    password_hash text not null,
    disabled integer not null default 0 check (disabled in (0, 1)),
    demo integer not null default 0 check (demo in (0, 1)),
    created_at text not null,
    password_changed_at text not null,
    check (role = 'director' or therapist is not null)
);
create table if not exists sign_in_sessions (
    token_hash text primary key,
    user_name text not null references users (name),
    created_at text not null,
    last_seen_at text not null,
    ended_at text,
    end_reason text
);
create index if not exists sign_in_sessions_user on sign_in_sessions (user_name, ended_at);
create table if not exists failed_sign_ins (
    user_name text not null,
    at text not null
);
create index if not exists failed_sign_ins_user on failed_sign_ins (user_name, at);
create table if not exists lockouts (
    user_name text primary key,
    until text not null
);
create table if not exists audit_log (
    entry_id integer primary key,
    at text not null,
    user_name text,
    action text not null,
    detail text not null,
    prev_hash text not null,
    hash text not null
);
create table if not exists audit_head (
    id integer primary key check (id = 1),
    entry_id integer not null,
    hash text not null
);
create trigger if not exists audit_log_no_update before update on audit_log
begin
    select raise(abort, 'the audit log is append-only');
end;
create trigger if not exists audit_log_no_delete before delete on audit_log
begin
    select raise(abort, 'the audit log is append-only');
end;
create trigger if not exists audit_head_no_delete before delete on audit_head
begin
    select raise(abort, 'the audit log is append-only');
end;
"""


class AccessError(ValueError):
    """A request about accounts that cannot be carried out (unknown user, weak password, ...)."""


@dataclass(frozen=True)
class User:
    name: str
    role: str
    therapist: str | None
    disabled: bool
    demo: bool
    created_at: str
    password_changed_at: str

    @property
    def is_director(self) -> bool:
        return self.role == "director"


@dataclass(frozen=True)
class SignedIn:
    """A valid sign-in session: who, and the scope their data is restricted to."""
    user: User
    token_hash: str

    @property
    def scope(self) -> str | None:
        """The therapist whose courses a therapist account sees; None (everything) for the director."""
        return None if self.user.is_director else self.user.therapist


@dataclass(frozen=True)
class SignInResult:
    token: str | None        # the new session's token (only ever put into the cookie), None on failure
    user: User | None
    message: str             # what the person is told on failure ("" on success)


@dataclass(frozen=True)
class AuditCheck:
    ok: bool
    intact: int              # entries verified before the first problem (all of them when ok)
    first_bad: int | None    # entry_id of the first entry that was altered, inserted or removed
    message: str


def access_path(db_path: str | os.PathLike) -> Path:
    """The access file of a database: `X.duckdb` -> `X.access.sqlite`, in the same folder; of a
    Parquet dataset folder DIR (whatever dots its name has): `DIR.access.sqlite` beside it."""
    path = Path(db_path)
    stem = path.name[: -len(path.suffix)] if path.suffix and not path.is_dir() else path.name
    return path.with_name(f"{stem}.access.sqlite")


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).isoformat(timespec="microseconds")


def _parse(stamp: str) -> dt.datetime:
    return dt.datetime.fromisoformat(stamp)


def idle_limit() -> dt.timedelta:
    """CLINIC_IDLE_MINUTES (default 15; fractions allowed, for drills and tests)."""
    text = os.environ.get("CLINIC_IDLE_MINUTES", "15")
    try:
        minutes = float(text)
    except ValueError:
        minutes = 15.0
    return dt.timedelta(minutes=minutes if minutes > 0 else 15.0)


def lapsed(moment: dt.datetime, created_at: dt.datetime, last_seen_at: dt.datetime) -> str | None:
    """Why a sign-in no longer lets its browser in at `moment`: "idle" (unused for longer than the
    idle limit), "session too old" (older than MAX_SESSION_HOURS), or None while it still does."""
    if moment - last_seen_at > idle_limit():
        return "idle"
    if moment - created_at > dt.timedelta(hours=MAX_SESSION_HOURS):
        return "session too old"
    return None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def entry_hash(prev_hash: str, entry_id: int, at: str, user_name: str | None, action: str, detail: str) -> str:
    """SHA-256 of the previous hash, a newline, and the entry's fields as a compact JSON array."""
    fields = json.dumps([entry_id, at, user_name, action, detail], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(f"{prev_hash}\n{fields}".encode("utf-8")).hexdigest()


def normalise_name(name: str) -> str:
    return str(name or "").strip().lower()


def check_password_strength(password: str, demo: bool = False) -> None:
    if demo:
        return
    if len(password) < MIN_PASSWORD_CHARS:
        raise AccessError(f"a password needs {MIN_PASSWORD_CHARS} characters or more (this one has {len(password)})")
    if password.strip() != password:
        raise AccessError("a password must not start or end with spaces")


class AccessStore:
    """The access file of one database. Cheap to create; every call opens its own connection."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self._ready = False

    @classmethod
    def for_database(cls, db_path: str | os.PathLike) -> "AccessStore":
        return cls(access_path(db_path))

    # ------------------------------------------------------------ connection

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        first = not self.path.exists()
        if first:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_CREAT | os.O_RDWR, 0o600)   # readable by its owner only
            os.close(fd)
        con = sqlite3.connect(self.path, timeout=15.0, isolation_level=None)
        try:
            con.row_factory = sqlite3.Row
            con.execute("pragma busy_timeout = 15000")
            con.execute("pragma foreign_keys = on")
            if not self._ready:
                con.execute("pragma journal_mode = wal")
                con.executescript(SCHEMA)
                self._ready = True
            yield con
        finally:
            con.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._connect() as con:
            con.execute("begin immediate")
            try:
                yield con
            except BaseException:
                con.execute("rollback")
                raise
            con.execute("commit")

    def exists(self) -> bool:
        return self.path.exists()

    # ------------------------------------------------------------ users

    @staticmethod
    def _user(row: sqlite3.Row | None) -> User | None:
        if row is None:
            return None
        return User(name=row["name"], role=row["role"], therapist=row["therapist"], disabled=bool(row["disabled"]),
                    demo=bool(row["demo"]), created_at=row["created_at"], password_changed_at=row["password_changed_at"])

    def get_user(self, name: str) -> User | None:
        if not self.path.exists():
            return None
        with self._connect() as con:
            return self._user(con.execute("select * from users where name = ?", [normalise_name(name)]).fetchone())

    def users(self) -> list[User]:
        if not self.path.exists():
            return []
        with self._connect() as con:
            return [self._user(r) for r in con.execute("select * from users order by name")]

    def has_users(self) -> bool:
        return bool(self.users())

    def has_demo_users(self) -> bool:
        return any(u.demo and not u.disabled for u in self.users())

    def add_user(self, name: str, role: str, password: str, therapist: str | None = None, *, demo: bool = False,
                 actor: str) -> User:
        name = normalise_name(name)
        if not NAME_PATTERN.match(name):
            raise AccessError("a user name is 1-64 characters: lower-case letters, digits, '.', '_' or '-', "
                              "starting with a letter or digit")
        if role not in ROLES:
            raise AccessError(f"the role is one of {', '.join(ROLES)}, not {role!r}")
        therapist = (therapist or "").strip() or None
        if role == "therapist" and therapist is None:
            raise AccessError("a therapist account needs --therapist: the therapist as written in the session records")
        if role == "director" and therapist is not None:
            raise AccessError("a director account sees every therapist; --therapist is only for therapist accounts")
        check_password_strength(password, demo)
        stamp = _stamp(now_utc())
        with self._transaction() as con:
            if con.execute("select 1 from users where name = ?", [name]).fetchone():
                raise AccessError(f"there is already a user named {name!r}")
            con.execute("insert into users (name, role, therapist, password_hash, disabled, demo, created_at, "
                        "password_changed_at) values (?, ?, ?, ?, 0, ?, ?, ?)",
                        [name, role, therapist, _hasher.hash(password), int(demo), stamp, stamp])
            self._append(con, actor, "user added",
                         {"user": name, "role": role, "therapist": therapist, "demo": demo})
        return self.get_user(name)

    def set_disabled(self, name: str, disabled: bool, *, actor: str) -> User:
        name = normalise_name(name)
        with self._transaction() as con:
            if not con.execute("select 1 from users where name = ?", [name]).fetchone():
                raise AccessError(f"there is no user named {name!r}")
            con.execute("update users set disabled = ? where name = ?", [int(disabled), name])
            ended = self._end_user_sessions(con, name, "account disabled") if disabled else 0
            self._append(con, actor, "user disabled" if disabled else "user enabled",
                         {"user": name, "sessions_ended": ended})
        return self.get_user(name)

    def reset_password(self, name: str, password: str, *, actor: str) -> User:
        name = normalise_name(name)
        user = self.get_user(name)
        if user is None:
            raise AccessError(f"there is no user named {name!r}")
        check_password_strength(password, demo=False)
        with self._transaction() as con:
            con.execute("update users set password_hash = ?, password_changed_at = ?, demo = 0 where name = ?",
                        [_hasher.hash(password), _stamp(now_utc()), name])
            ended = self._end_user_sessions(con, name, "password reset")
            con.execute("delete from lockouts where user_name = ?", [name])
            con.execute("delete from failed_sign_ins where user_name = ?", [name])
            self._append(con, actor, "password reset", {"user": name, "sessions_ended": ended})
        return self.get_user(name)

    # ------------------------------------------------------------ sign-in

    def sign_in(self, name: str, password: str, *, client: str = "") -> SignInResult:
        """Checks a name and password; on success opens a session and returns its token.

        Unknown names and wrong passwords get the same message and take the same time; five
        failures within 15 minutes lock the name for 15 minutes (audited).
        """
        name = normalise_name(name)[:64]
        moment = now_utc()
        with self._connect() as con:
            lock = con.execute("select until from lockouts where user_name = ?", [name]).fetchone()
            row = con.execute("select * from users where name = ?", [name]).fetchone()
        if lock is not None and _parse(lock["until"]) > moment:
            self.audit(name, "sign-in refused (locked)", {"client": client})
            return SignInResult(None, None, LOCKED_MESSAGE)
        good = False
        try:
            good = _hasher.verify(row["password_hash"] if row is not None else _DUMMY_HASH, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            good = False
        user = self._user(row)
        if good and user is not None and not user.disabled:
            token = secrets.token_urlsafe(32)
            with self._transaction() as con:
                con.execute("insert into sign_in_sessions (token_hash, user_name, created_at, last_seen_at) "
                            "values (?, ?, ?, ?)", [token_hash(token), name, _stamp(moment), _stamp(moment)])
                con.execute("delete from failed_sign_ins where user_name = ?", [name])
                con.execute("delete from lockouts where user_name = ?", [name])
                if _hasher.check_needs_rehash(row["password_hash"]):
                    con.execute("update users set password_hash = ? where name = ?", [_hasher.hash(password), name])
                self._append(con, name, "sign-in", {"client": client, "role": user.role})
            return SignInResult(token, user, "")
        with self._transaction() as con:
            since = _stamp(moment - FAILURE_WINDOW)
            con.execute("insert into failed_sign_ins (user_name, at) values (?, ?)", [name, _stamp(moment)])
            con.execute("delete from failed_sign_ins where at < ?", [since])
            failures = con.execute("select count(*) from failed_sign_ins where user_name = ? and at >= ?",
                                   [name, since]).fetchone()[0]
            reason = ("disabled account" if user is not None and user.disabled and good else
                      "unknown user" if user is None else "wrong password")
            self._append(con, name, "failed sign-in", {"client": client, "reason": reason, "failures": failures})
            if failures >= MAX_FAILURES:
                until = moment + LOCK_FOR
                con.execute("insert into lockouts (user_name, until) values (?, ?) "
                            "on conflict (user_name) do update set until = excluded.until", [name, _stamp(until)])
                con.execute("delete from failed_sign_ins where user_name = ?", [name])
                self._append(con, name, "lockout", {"client": client, "failures": failures,
                                                    "until": _stamp(until)})
                return SignInResult(None, None, LOCKED_MESSAGE)
        return SignInResult(None, None, SIGN_IN_FAILED)

    def locked_until(self, name: str) -> dt.datetime | None:
        if not self.path.exists():
            return None
        with self._connect() as con:
            row = con.execute("select until from lockouts where user_name = ?", [normalise_name(name)]).fetchone()
        if row is None or _parse(row["until"]) <= now_utc():
            return None
        return _parse(row["until"])

    def check_session(self, token: str | None, *, touch: bool = True) -> SignedIn | None:
        """The signed-in user behind a cookie's token, or None (ended, idle, disabled, unknown).

        An idle or over-long session is ended here (and audited as an idle sign-out). `touch`
        records activity: a page a person opened. The periodic idle check does not touch.
        """
        if not token or not self.path.exists() or len(token) > 200:
            return None
        digest = token_hash(token)
        moment = now_utc()
        with self._connect() as con:
            row = con.execute(
                "select s.*, u.name as u_name from sign_in_sessions as s join users as u on u.name = s.user_name "
                "where s.token_hash = ?", [digest]).fetchone()
            if row is None or row["ended_at"] is not None:
                return None
            user_row = con.execute("select * from users where name = ?", [row["user_name"]]).fetchone()
        user = self._user(user_row)
        last_seen = _parse(row["last_seen_at"])
        reason = "account disabled" if user.disabled else lapsed(moment, _parse(row["created_at"]), last_seen)
        if reason is not None:
            with self._transaction() as con:
                changed = con.execute("update sign_in_sessions set ended_at = ?, end_reason = ? "
                                      "where token_hash = ? and ended_at is null",
                                      [_stamp(moment), reason, digest]).rowcount
                if changed and reason in ("idle", "session too old"):
                    self._append(con, user.name, "idle sign-out",
                                 {"idle_minutes": round((moment - last_seen).total_seconds() / 60, 1),
                                  "reason": reason})
            return None
        if touch and moment - last_seen >= TOUCH_EVERY:
            with self._connect() as con:
                con.execute("update sign_in_sessions set last_seen_at = ? where token_hash = ? and ended_at is null",
                            [_stamp(moment), digest])
        return SignedIn(user=user, token_hash=digest)

    def sign_out(self, token: str | None, *, reason: str = "signed out") -> bool:
        if not token or not self.path.exists():
            return False
        digest = token_hash(token)
        with self._transaction() as con:
            row = con.execute("select user_name from sign_in_sessions where token_hash = ? and ended_at is null",
                              [digest]).fetchone()
            if row is None:
                return False
            con.execute("update sign_in_sessions set ended_at = ?, end_reason = ? where token_hash = ?",
                        [_stamp(now_utc()), reason, digest])
            self._append(con, row["user_name"], "sign-out", {"reason": reason})
        return True

    @staticmethod
    def _end_user_sessions(con: sqlite3.Connection, name: str, reason: str) -> int:
        return con.execute("update sign_in_sessions set ended_at = ?, end_reason = ? "
                           "where user_name = ? and ended_at is null", [_stamp(now_utc()), reason, name]).rowcount

    def accounts(self) -> list[dict]:
        """Every account with its sign-in state, from one connection (the user list's rows).

        Keys: the User fields, `locked_until` (a datetime while a lockout runs, else None),
        `open_sessions` (sign-ins that would still let their browser in: not ended and not `lapsed`;
        an abandoned one is ended only when its cookie comes back, so it is not counted from
        `ended_at` alone) and `last_sign_in` (the newest
        sign-in's stamp or None).
        """
        if not self.path.exists():
            return []
        moment = now_utc()
        with self._connect() as con:
            users = [self._user(r) for r in con.execute("select * from users order by name")]
            locks = {r["user_name"]: _parse(r["until"]) for r in con.execute("select user_name, until from lockouts")}
            unended = con.execute("select user_name, created_at, last_seen_at from sign_in_sessions "
                                  "where ended_at is null").fetchall()
            last = {r["user_name"]: r["at"] for r in con.execute(
                "select user_name, max(created_at) as at from sign_in_sessions group by user_name")}
        open_count: dict[str, int] = {}
        for r in unended:
            if lapsed(moment, _parse(r["created_at"]), _parse(r["last_seen_at"])) is None:
                open_count[r["user_name"]] = open_count.get(r["user_name"], 0) + 1
        return [{**asdict(u),
                 "locked_until": t if (t := locks.get(u.name)) is not None and t > moment else None,
                 "open_sessions": open_count.get(u.name, 0), "last_sign_in": last.get(u.name)}
                for u in users]

    # ------------------------------------------------------------ audit

    @staticmethod
    def _append(con: sqlite3.Connection, user_name: str | None, action: str, detail) -> int:
        """Appends one entry inside the caller's (immediate) transaction; returns its entry_id."""
        text = detail if isinstance(detail, str) else json.dumps(detail, ensure_ascii=False, sort_keys=True,
                                                                 default=str)
        head = con.execute("select entry_id, hash from audit_head where id = 1").fetchone()
        last_id, prev = (head["entry_id"], head["hash"]) if head is not None else (0, GENESIS_HASH)
        entry_id = last_id + 1
        at = _stamp(now_utc())
        digest = entry_hash(prev, entry_id, at, user_name, action, text)
        con.execute("insert into audit_log (entry_id, at, user_name, action, detail, prev_hash, hash) "
                    "values (?, ?, ?, ?, ?, ?, ?)", [entry_id, at, user_name, action, text, prev, digest])
        con.execute("insert into audit_head (id, entry_id, hash) values (1, ?, ?) "
                    "on conflict (id) do update set entry_id = excluded.entry_id, hash = excluded.hash",
                    [entry_id, digest])
        return entry_id

    def audit(self, user_name: str | None, action: str, detail=None) -> int:
        """Appends one audit entry (detail: a dict, written as sorted JSON, or a string)."""
        with self._transaction() as con:
            return self._append(con, user_name, action, detail if detail is not None else {})

    def audit_entries(self, user_name: str | None = None, action: str | None = None,
                      since: dt.date | None = None, until: dt.date | None = None, limit: int | None = None) -> list[dict]:
        """Entries, newest first, filtered by user, action and a date range (UTC dates, inclusive)."""
        if not self.path.exists():
            return []
        where, params = [], []
        if user_name:
            where.append("user_name = ?")
            params.append(user_name)
        if action:
            where.append("action = ?")
            params.append(action)
        if since:
            where.append("at >= ?")
            params.append(since.isoformat())
        if until:
            where.append("at < ?")
            params.append((until + dt.timedelta(days=1)).isoformat())
        sql = "select entry_id, at, user_name, action, detail, prev_hash, hash from audit_log"
        if where:
            sql += " where " + " and ".join(where)
        sql += " order by entry_id desc"
        if limit:
            sql += f" limit {int(limit)}"
        with self._connect() as con:
            return [dict(r) for r in con.execute(sql, params)]

    def audit_actions(self) -> list[str]:
        if not self.path.exists():
            return []
        with self._connect() as con:
            return [r[0] for r in con.execute("select distinct action from audit_log order by action")]

    def audit_users(self) -> list[str]:
        if not self.path.exists():
            return []
        with self._connect() as con:
            return [r[0] for r in con.execute("select distinct user_name from audit_log where user_name is not null "
                                              "order by user_name")]

    def verify_audit(self) -> AuditCheck:
        """Walks the chain from the first entry; names the first entry altered, inserted or removed."""
        if not self.path.exists():
            return AuditCheck(True, 0, None, f"no access file at {self.path}: no audit entries yet")
        with self._connect() as con:
            rows = con.execute("select entry_id, at, user_name, action, detail, prev_hash, hash "
                               "from audit_log order by entry_id").fetchall()
            head = con.execute("select entry_id, hash from audit_head where id = 1").fetchone()
        prev, expected_id, intact = GENESIS_HASH, 1, 0
        for row in rows:
            entry_id = row["entry_id"]
            if entry_id != expected_id:
                return AuditCheck(False, intact, expected_id,
                                  f"entry {expected_id} was removed (the log jumps from entry {expected_id - 1} "
                                  f"to entry {entry_id})")
            if row["prev_hash"] != prev:
                return AuditCheck(False, intact, entry_id,
                                  f"entry {entry_id} does not follow entry {entry_id - 1}: an entry was inserted "
                                  "or removed there, or the earlier entry was altered")
            if entry_hash(prev, entry_id, row["at"], row["user_name"], row["action"], row["detail"]) != row["hash"]:
                return AuditCheck(False, intact, entry_id, f"entry {entry_id} was altered (its hash does not match "
                                                           "its fields)")
            prev, expected_id, intact = row["hash"], expected_id + 1, intact + 1
        if head is None and rows:
            return AuditCheck(False, intact, None, "the log's head record is missing: entries may have been removed")
        if head is not None and (head["entry_id"] != intact or head["hash"] != prev):
            missing = intact + 1
            if head["entry_id"] > intact:
                return AuditCheck(False, intact, missing,
                                  f"entry {missing} was removed: the log ends at entry {intact}, but entry "
                                  f"{head['entry_id']} was written")
            return AuditCheck(False, intact, intact, f"entry {intact} does not match the log's head record: the end "
                                                     "of the log was altered or entries were inserted")
        return AuditCheck(True, intact, None, f"{intact} audit entries intact")


def cli_actor() -> str:
    """Who ran a command-line action, as the audit log names them."""
    try:
        import getpass
        who = getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name in this environment
        who = "unknown"
    return f"cli:{who}"


def record(db_path: str | os.PathLike, user_name: str | None, action: str, detail=None) -> int:
    """Appends one audit entry to the access file beside a database (creating the file if needed)."""
    return AccessStore.for_database(db_path).audit(user_name, action, detail)


def ensure_demo_accounts(db_path: str | os.PathLike, therapists: list[str] | tuple[str, ...]) -> list[str]:
    """Demo accounts for a demo database: `director` and one per therapist (lower-case name), all
    with the password "demo" and flagged as demo accounts. Existing accounts are left alone."""
    store = AccessStore.for_database(db_path)
    made = []
    wanted = [("director", "director", None)] + [(normalise_name(t), "therapist", t) for t in therapists]
    for name, role, therapist in wanted:
        if store.get_user(name) is None:
            store.add_user(name, role, DEMO_PASSWORD, therapist, demo=True, actor="demo")
            made.append(name)
    return made
