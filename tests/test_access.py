"""Accounts, sign-in sessions, lockouts and the audit trail (clinic/access.py), and their command line.

Time is moved by hand (`clock`), so idle and lockout rules are checked to the minute without waiting.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
import subprocess
import sys

import pytest

from clinic import access
from clinic.access import AccessStore

PASSWORD = "correct horse battery"
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def clock(monkeypatch):
    """A settable clock for clinic.access: clock.now is what now_utc() returns."""
    class Clock:
        now = START

        def advance(self, **delta):
            self.now = self.now + dt.timedelta(**delta)

    c = Clock()
    monkeypatch.setattr(access, "now_utc", lambda: c.now)
    return c


@pytest.fixture
def store(tmp_path):
    s = AccessStore.for_database(tmp_path / "clinic.duckdb")
    s.add_user("boss", "director", PASSWORD, actor="test")
    s.add_user("birch", "therapist", "birch's own password", "Birch", actor="test")
    return s


def actions(s: AccessStore) -> list[str]:
    return [e["action"] for e in reversed(s.audit_entries())]


# --- accounts -----------------------------------------------------------------------------------

def test_the_access_file_sits_beside_the_database_and_only_its_owner_can_read_it(tmp_path, store):
    assert store.path == tmp_path / "clinic.access.sqlite"
    assert (store.path.stat().st_mode & 0o777) == 0o600


def test_a_password_is_stored_only_as_an_argon2_hash(store):
    raw = store.path.read_bytes()
    assert PASSWORD.encode() not in raw
    con = sqlite3.connect(store.path)
    [(stored,)] = con.execute("select password_hash from users where name = 'boss'").fetchall()
    con.close()
    assert stored.startswith("$argon2id$")


@pytest.mark.parametrize("name, role, password, therapist, message", [
    ("new", "director", "short", None, "12 characters"),
    ("new", "therapist", PASSWORD, None, "needs --therapist"),
    ("new", "director", PASSWORD, "Birch", "only for therapist"),
    ("Bad Name!", "director", PASSWORD, None, "user name"),
    ("boss", "director", PASSWORD, None, "already a user"),
    ("new", "admin", PASSWORD, None, "role"),
])
def test_accounts_that_would_be_unsafe_or_ambiguous_are_refused(store, name, role, password, therapist, message):
    with pytest.raises(access.AccessError, match=message):
        store.add_user(name, role, password, therapist, actor="test")


# --- signing in ---------------------------------------------------------------------------------

def test_a_right_password_opens_a_session_and_the_cookie_token_is_stored_only_as_a_hash(store):
    result = store.sign_in("BOSS ", PASSWORD)                  # names are matched trimmed, in any case
    assert result.token and result.user.name == "boss" and result.message == ""
    assert result.token not in store.path.read_text(errors="replace")
    signed_in = store.check_session(result.token)
    assert signed_in.user.name == "boss" and signed_in.scope is None
    therapist = store.check_session(store.sign_in("birch", "birch's own password").token)
    assert therapist.scope == "Birch"


def test_a_wrong_user_and_a_wrong_password_get_the_same_answer(store):
    unknown = store.sign_in("nobody", PASSWORD)
    wrong = store.sign_in("boss", "not the password")
    assert unknown.token is None and wrong.token is None
    assert unknown.message == wrong.message == access.SIGN_IN_FAILED


def test_five_failures_within_15_minutes_lock_the_name_for_15_minutes_even_against_the_right_password(store, clock):
    for minute in range(4):
        assert store.sign_in("boss", "wrong").message == access.SIGN_IN_FAILED
        clock.advance(minutes=3)                               # 4 failures within 12 minutes
    assert store.sign_in("boss", "wrong").message == access.LOCKED_MESSAGE       # the 5th, at minute 12
    clock.advance(minutes=14)
    assert store.sign_in("boss", PASSWORD).token is None                         # still locked at +14
    clock.advance(minutes=1, seconds=1)
    assert store.sign_in("boss", PASSWORD).token is not None                     # free after 15 minutes
    assert actions(store).count("lockout") == 1
    assert "sign-in refused (locked)" in actions(store)


def test_failures_spread_over_more_than_15_minutes_do_not_lock(store, clock):
    for _ in range(6):
        store.sign_in("boss", "wrong")
        clock.advance(minutes=4)                               # at most 4 failures in any 15 minutes
    assert store.sign_in("boss", PASSWORD).token is not None
    assert "lockout" not in actions(store)


def test_an_unknown_name_is_locked_like_a_real_one_so_locking_tells_nothing(store, clock):
    for _ in range(5):
        store.sign_in("ghost", "x")
    assert store.sign_in("ghost", "x").message == access.LOCKED_MESSAGE


# --- sessions ending ----------------------------------------------------------------------------

def test_a_session_ends_after_15_idle_minutes_and_activity_keeps_it_alive(store, clock, monkeypatch):
    monkeypatch.delenv("CLINIC_IDLE_MINUTES", raising=False)
    token = store.sign_in("boss", PASSWORD).token
    clock.advance(minutes=14)
    assert store.check_session(token) is not None              # a page at minute 14 counts as activity
    clock.advance(minutes=14)
    assert store.check_session(token, touch=False) is not None # 14 idle minutes since then; not counted
    clock.advance(minutes=1, seconds=1)
    assert store.check_session(token) is None                  # 15 min 1 s since the last page
    assert actions(store)[-1] == "idle sign-out"
    assert store.check_session(token) is None                  # and it stays ended


def test_the_idle_limit_is_a_setting(store, clock, monkeypatch):
    monkeypatch.setenv("CLINIC_IDLE_MINUTES", "2")
    token = store.sign_in("boss", PASSWORD).token
    clock.advance(minutes=2, seconds=1)
    assert store.check_session(token) is None


def test_signing_out_ends_only_that_session(store):
    first, second = store.sign_in("boss", PASSWORD).token, store.sign_in("boss", PASSWORD).token
    assert store.sign_out(first) is True
    assert store.check_session(first) is None and store.check_session(second) is not None
    assert "sign-out" in actions(store)


def test_disabling_an_account_or_resetting_its_password_ends_all_its_sessions_at_once(store):
    a, b = store.sign_in("birch", "birch's own password").token, store.sign_in("birch", "birch's own password").token
    boss = store.sign_in("boss", PASSWORD).token
    store.set_disabled("birch", True, actor="test")
    assert store.check_session(a) is None and store.check_session(b) is None
    assert store.check_session(boss) is not None
    assert store.sign_in("birch", "birch's own password").token is None          # disabled: no new session
    store.set_disabled("birch", False, actor="test")
    c = store.sign_in("birch", "birch's own password").token
    store.reset_password("birch", "a brand new password", actor="test")
    assert store.check_session(c) is None
    assert store.sign_in("birch", "birch's own password").token is None
    assert store.sign_in("birch", "a brand new password").token is not None


def test_the_account_list_shows_running_lockouts_live_sign_ins_and_the_newest_sign_in(store, clock):
    store.add_user("cedar", "therapist", "cedar's own password", "Cedar", actor="test")
    for _ in range(5):
        store.sign_in("cedar", "wrong")                        # locked until START + 15 min ...
    clock.advance(minutes=16)                                  # ... so no longer locked: a decoy
    store.sign_in("cedar", "cedar's own password")             # then left idle: not signed in now
    clock.advance(minutes=1)
    first = store.sign_in("boss", PASSWORD).token
    clock.advance(minutes=1)
    store.sign_in("boss", PASSWORD)                            # left idle from START + 18 min
    clock.advance(minutes=16)                                  # boss's newest sign-in: START + 34 min
    store.sign_in("boss", PASSWORD)
    store.sign_in("boss", PASSWORD)
    store.sign_out(first)                                      # an ended sign-in is not open
    for _ in range(5):
        store.sign_in("birch", "wrong")                        # locked from START + 34 until + 49 min
    rows = {a["name"]: a for a in store.accounts()}
    assert list(rows) == ["birch", "boss", "cedar"]
    assert rows["birch"]["locked_until"] == START + dt.timedelta(minutes=49)
    assert rows["boss"]["locked_until"] is None and rows["cedar"]["locked_until"] is None
    assert [rows[n]["open_sessions"] for n in rows] == [0, 2, 0]
    assert dt.datetime.fromisoformat(rows["boss"]["last_sign_in"]) == START + dt.timedelta(minutes=34)
    assert dt.datetime.fromisoformat(rows["cedar"]["last_sign_in"]) == START + dt.timedelta(minutes=16)
    assert rows["birch"]["last_sign_in"] is None
    assert rows["birch"]["therapist"] == "Birch" and rows["boss"]["role"] == "director"


def test_the_user_list_shows_its_times_to_the_minute_and_the_audit_log_to_the_second(store, clock):
    import pandas as pd

    from clinic import audit_view

    clock.advance(minutes=7, seconds=42)                       # 09:07:42 UTC
    store.sign_in("boss", PASSWORD)
    for _ in range(5):
        store.sign_in("birch", "wrong")                        # locked until 09:22:42
    users = audit_view.users(store).set_index("name")
    assert users.loc["boss", "last_sign_in"] == "2026-03-02 09:07"
    assert users.loc["birch", "locked_until"] == "2026-03-02 09:22"
    assert pd.isna(users.loc["birch", "last_sign_in"])                   # never signed in: shown as a dash
    assert list(users.reset_index().columns) == list(audit_view.USER_COLUMNS)
    log = audit_view.entries(store, "boss", ["sign-in"], None, None)
    assert list(log["at"]) == ["2026-03-02 09:07:42"]


def test_a_sign_in_kept_busy_past_the_longest_session_is_not_counted_as_signed_in(store, clock):
    token = store.sign_in("boss", PASSWORD).token
    for _ in range(51):                                        # busy every 14 minutes for 11 h 54 min
        clock.advance(minutes=14)
        assert store.check_session(token) is not None
    clock.advance(minutes=7)                                   # 12 h 1 min old, idle for 7 minutes
    store.sign_in("boss", PASSWORD)
    assert [a["open_sessions"] for a in store.accounts()] == [0, 1]


# --- the audit trail ----------------------------------------------------------------------------

def test_the_audit_chain_verifies_and_each_hash_follows_from_the_previous_one(store):
    store.sign_in("boss", PASSWORD)
    store.audit("boss", "export", {"file": "x.csv", "rows": 3})
    check = store.verify_audit()
    assert check.ok and check.intact == 4                      # two users added, a sign-in, an export
    rows = list(reversed(store.audit_entries()))
    previous = access.GENESIS_HASH
    for row in rows:                                           # recomputed here from the documented encoding
        fields = json.dumps([row["entry_id"], row["at"], row["user_name"], row["action"], row["detail"]],
                            ensure_ascii=False, separators=(",", ":"))
        assert row["hash"] == hashlib.sha256(f"{previous}\n{fields}".encode()).hexdigest()
        previous = row["hash"]


def test_the_audit_log_refuses_updates_and_deletes(store):
    con = sqlite3.connect(store.path)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute("update audit_log set detail = '{}' where entry_id = 1")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute("delete from audit_log where entry_id = 1")
    con.close()


def tamper(store, *statements):
    """Edits the access file as an attacker with write access would: triggers dropped first."""
    con = sqlite3.connect(store.path)
    con.execute("drop trigger audit_log_no_update")
    con.execute("drop trigger audit_log_no_delete")
    con.execute("drop trigger audit_head_no_delete")
    for sql in statements:
        con.execute(sql)
    con.commit()
    con.close()


@pytest.fixture
def logged(store):
    for n in range(4):
        store.audit("boss", "export", {"file": f"f{n}.csv", "rows": n})
    return store                                               # entries 1-2 users, 3-6 exports


def test_an_altered_entry_is_named(logged):
    tamper(logged, "update audit_log set detail = '{\"file\": \"other.csv\", \"rows\": 0}' where entry_id = 4")
    check = logged.verify_audit()
    assert (check.ok, check.first_bad, check.intact) == (False, 4, 3)
    assert "entry 4 was altered" in check.message


def test_a_removed_entry_in_the_middle_is_named(logged):
    tamper(logged, "delete from audit_log where entry_id = 3")
    check = logged.verify_audit()
    assert (check.ok, check.first_bad) == (False, 3)
    assert "entry 3 was removed" in check.message


def test_removed_entries_at_the_end_are_noticed_from_the_head_record(logged):
    tamper(logged, "delete from audit_log where entry_id >= 5")
    check = logged.verify_audit()
    assert (check.ok, check.first_bad) == (False, 5)
    assert "entry 5 was removed" in check.message


def test_an_inserted_entry_is_named(logged):
    # entries 4-6 moved up by one to make room; the new entry 4 carries a made-up hash
    tamper(logged,
           "update audit_log set entry_id = entry_id + 100 where entry_id >= 4",
           "update audit_log set entry_id = entry_id - 99 where entry_id >= 104",
           "insert into audit_log values (4, '2026-01-01T00:00:00+00:00', 'boss', 'export', '{}', "
           "(select hash from audit_log where entry_id = 3), 'ffff')")
    check = logged.verify_audit()
    assert (check.ok, check.first_bad) == (False, 4)


# --- the command line ---------------------------------------------------------------------------

def run_cli(*args, stdin: str = ""):
    return subprocess.run([sys.executable, "-m", "clinic", *map(str, args)], input=stdin, capture_output=True,
                          text=True, cwd=access.Path(__file__).resolve().parent.parent, timeout=60)


def test_users_are_added_listed_disabled_and_reset_from_the_command_line(tmp_path):
    db = tmp_path / "c.duckdb"
    added = run_cli("users", "add", "Head", "--role", "director", "--db", db, stdin="a long enough password\n")
    assert added.returncode == 0, added.stderr
    assert run_cli("users", "add", "t1", "--role", "therapist", "--therapist", "Birch", "--db", db,
                   stdin="short\n").returncode == 1
    assert run_cli("users", "add", "t1", "--role", "therapist", "--therapist", "Birch", "--db", db,
                   stdin="birch password ok\n").returncode == 0
    listed = json.loads(run_cli("users", "list", "--json", "--db", db).stdout)
    assert [(u["name"], u["role"], u["therapist"], u["disabled"]) for u in listed] == \
        [("head", "director", None, False), ("t1", "therapist", "Birch", False)]
    assert run_cli("users", "disable", "t1", "--db", db).returncode == 0
    assert json.loads(run_cli("users", "list", "--json", "--db", db).stdout)[1]["disabled"] is True
    assert run_cli("users", "reset-password", "t1", "--db", db, stdin="another good password\n").returncode == 0
    missing = run_cli("users", "disable", "nobody", "--db", db)
    assert missing.returncode == 1 and missing.stderr.startswith("error: there is no user named 'nobody'")
    store = AccessStore.for_database(db)
    assert [e["user_name"].startswith("cli:") for e in store.audit_entries()] == [True] * 4
    assert "another good password" not in store.path.read_text(errors="replace")


def test_audit_verify_exits_0_when_intact_and_1_naming_the_first_bad_entry(tmp_path):
    db = tmp_path / "c.duckdb"
    store = AccessStore.for_database(db)
    store.add_user("head", "director", PASSWORD, actor="test")
    store.audit("head", "export", {"file": "a.csv", "rows": 1})
    ok = run_cli("audit", "verify", "--db", db)
    assert ok.returncode == 0 and ok.stdout.strip() == "2 audit entries intact"
    tamper(store, "update audit_log set user_name = 'someone' where entry_id = 2")
    bad = run_cli("audit", "verify", "--db", db)
    assert bad.returncode == 1 and "entry 2 was altered" in bad.stderr


def test_a_demo_database_gets_demo_accounts_for_the_director_and_each_therapist(tmp_path, cli):
    db = tmp_path / "demo.duckdb"
    code, out = cli("demo", "--db", db, "--patients", "30", "--end-date", "2026-03-01")
    assert code == 0, out
    users = {u.name: u for u in AccessStore.for_database(db).users()}
    assert set(users) == {"director", "alder", "birch", "cedar", "juniper", "larch", "linden", "maple", "rowan",
                          "spruce", "sycamore"}
    assert all(u.demo for u in users.values())
    assert users["birch"].therapist == "Birch" and users["director"].role == "director"
    assert AccessStore.for_database(db).sign_in("birch", "demo").token is not None


def test_a_database_that_is_not_a_demo_has_no_accounts(db_from):
    db = db_from("""
    session_id,patient_id,session_date,therapist
    s1,p1,2026-03-01,Birch
    """)
    assert AccessStore.for_database(db).users() == []
