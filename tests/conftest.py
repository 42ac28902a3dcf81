"""Shared fixtures: tiny databases built from hand-written CSV text through the real importer."""
from __future__ import annotations

import gc
import json
import textwrap
from datetime import date
from pathlib import Path

import pytest

from clinic.cli import main


def _write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text).strip() + "\n", encoding="utf-8")
    return path


@pytest.fixture
def csv_file(tmp_path):
    """Writes dedented CSV text to tmp_path/<name> and returns the path."""
    def make(text: str, name: str = "sessions.csv") -> Path:
        return _write(tmp_path / name, text)
    return make


@pytest.fixture
def cli(capsys):
    """Runs `python -m clinic ...` in-process; returns (exit code, parsed JSON or raw stdout).

    What the command wrote to stderr is kept in `cli.err`.
    """
    def call(*args: str):
        capsys.readouterr()
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        out = captured.out
        call.err = captured.err
        try:
            return code, json.loads(out)
        except json.JSONDecodeError:
            return code, out
    call.err = ""
    return call


@pytest.fixture
def db_from(tmp_path, cli):
    """Builds a database from CSV texts via `python -m clinic import` and returns its path. The same
    texts imported before in this test process (on the same day) are copied from that build: the
    tests of the metrics build the same small clinics many times."""
    from query_support import copy_of_built, keep_built

    def make(sessions: str | None = None, patients: str | None = None, courses: str | None = None) -> Path:
        db = tmp_path / "clinic.duckdb"
        files = []
        for name, text in (("patients.csv", patients), ("courses.csv", courses), ("sessions.csv", sessions)):
            if text is not None:
                files.append(_write(tmp_path / name, text))
        key, new = ("cli", sessions, patients, courses, date.today()), not db.exists()
        if copy_of_built(key, db):
            return db
        code, out = cli("import", *files, "--db", db)
        assert code == 0, out
        if new:
            keep_built(key, db)
        return db
    return make


# ---------------------------------------------------------------- the dashboard's page fixture
# One tiny clinic, as of 2026-03-20, whose figures are worked out by hand below. Page tests
# (AppTest and the browser) open the dashboard on it.
#
# c1  p1 Birch  North    disc_herniation F 1970 (45-59)  planned 5, 03-01..03-05 attended daily:
#     completed; adherence 5/5; relief (8-4)/8 = 50 % >= 30 %; sustained (8-3)/8 = 62.5 %
# c2  p2 Cedar  Central  piriformis      M 1990 (30-44)  planned 10: 03-01 attended 6->5, 03-02
#     no-show, 03-03 attended 6->5; last visit 17 days before 03-20: dropped out;
#     adherence 2/10; relief 1/6 < 30 %; sustained (6-6)/6 = 0 %
# p3:2026-03-15  p3 Birch  North  other  F 2000 (<30)  no course_id (inferred), planned 10 by default:
#     03-15 7->7 (acute inflammation), 03-16 7->6 (numbness), 03-18 6->4; ongoing (2 days);
#     window 03-15..03-19 = 5 days (the as-of day 03-20 has no visit yet, so it leaves the window),
#     3 attended: adherence 0.6; relief 0 %; sustained (7-6)/7
#     no doctor's conclusion
# decoys: p3's 03-21 session (after as-of), c4 of p4 starting 03-25 (after as-of)
#
# As of 2026-03-20: 3 courses, 3 patients; relief 1 of 3; active 1 (c1 completed, c2 dropped);
# median sustained improvement of {62.5, 0, 100/7} = 100/7 = 14.3 %; mean adherence
# (1 + 0.2 + 0.6) / 3 = 0.6; drop-out rate 1/3.
# Therapist Birch only: c1 and p3: relief 1 of 2; median (62.5 + 100/7) / 2 = 38.4 %;
# mean adherence (1 + 0.6) / 2 = 0.8; drop-out 0 of 2.
PAGE_AS_OF = "2026-03-20"
PAGE_PATIENTS = """
patient_id,birth_year,sex,diagnosis,referral_date,doctor_conclusion,imaging,blood_tests,site
p1,1970,F,disc_herniation,2026-02-20,true,mri,true,North
p2,1990,M,piriformis_syndrome,2026-02-25,true,none,true,Central
p3,2000,F,other,,false,xray,,North
p4,1985,M,spinal_stenosis,2026-03-20,true,ct,true,Central
"""
PAGE_COURSES = """
course_id,patient_id,start_date,planned_sessions
c1,p1,2026-03-01,5
c2,p2,2026-03-01,10
c4,p4,2026-03-25,10
"""
PAGE_SESSIONS = """
session_id,patient_id,course_id,session_date,session_time,therapist,status,pain_before,pain_after,numbness,acute_inflammation,notes
s01,p1,c1,2026-03-01,09:00,Birch,attended,8,4,false,false,first visit
s02,p1,c1,2026-03-02,09:00,Birch,attended,6,3,false,false,
s03,p1,c1,2026-03-03,09:00,Birch,attended,5,3,false,false,
s04,p1,c1,2026-03-04,09:00,Birch,attended,4,2,false,false,
s05,p1,c1,2026-03-05,09:00,Birch,attended,3,2,false,false,<b>bold?</b> & done
s06,p2,c2,2026-03-01,17:00,Cedar,attended,6,5,false,false,
s07,p2,c2,2026-03-02,17:00,Cedar,no_show,,,,,
s08,p2,c2,2026-03-03,17:00,Cedar,attended,6,5,false,false,
s09,p3,,2026-03-15,10:00,Birch,attended,7,7,false,true,flare-up
s10,p3,,2026-03-16,10:00,Birch,attended,7,6,true,false,numb toes
s11,p3,,2026-03-18,10:00,Birch,attended,6,4,false,false,
s12,p3,,2026-03-21,10:00,Birch,attended,4,2,false,false,after the as-of date
s13,p4,c4,2026-03-25,10:00,Cedar,attended,9,5,false,false,after the as-of date
"""


@pytest.fixture(scope="session")
def page_db(tmp_path_factory) -> Path:
    """The page fixture's database (built once per test run through the real importer)."""
    from query_support import build_db

    return build_db(tmp_path_factory.mktemp("page_db"), PAGE_SESSIONS, PAGE_COURSES, PAGE_PATIENTS)


# ---------------------------------------------------------------- signing in

TEST_PASSWORD = "a test password, long enough"


@pytest.fixture(scope="session", autouse=True)
def quick_password_hashing():
    """Argon2 with its lightest settings: the tests hash many passwords (never used outside tests)."""
    from argon2 import PasswordHasher

    from clinic import access

    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(access, "_hasher", cheap)
        patch.setattr(access, "_DUMMY_HASH", cheap.hash("not a password of anyone"))
        yield


def pytest_collection_finish(session):
    """The objects loaded by the time the tests are collected (pandas, Plotly, Streamlit, DuckDB,
    the clinic's modules and the tests': a few hundred thousand) are frozen out of the garbage
    collector, as the dashboard's server freezes them after its warm-up (clinic/web.py): each full
    collection during the tests walked them all again, 7-8 % of the page and query tests'
    processor time. Objects the tests make are collected as before."""
    freeze_loaded_objects()


def freeze_loaded_objects() -> None:
    gc.collect()
    gc.freeze()


@pytest.fixture(scope="session", autouse=True)
def one_duckdb_thread_per_connection():
    """Each DuckDB database the tests open works on one thread. Their tables hold a few rows, too
    few for a second thread to help, and the suite runs three test processes on two cores, where
    every query's threads waited for each other: a tenth of the suite's time. The answers are the
    same on any number of threads; the dashboard and the command line keep DuckDB's default."""
    import duckdb

    connect = duckdb.connect

    def on_one_thread(*args, config=None, **kwargs):
        return connect(*args, config={"threads": 1, **(config or {})}, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(duckdb, "connect", on_one_thread)
        yield


@pytest.fixture(scope="session", autouse=True)
def apptest_waits_for_its_script_without_polling():
    """AppTest waits for a script run by waking every millisecond to look (its
    require_widgets_deltas): a tenth of a page test's samples, and 1-3 % of its processor time,
    taken from the other test processes. This waits on the script's thread instead, which ends
    right after the run (SHUTDOWN is recorded first), with the same time limit and the same error."""
    import time

    from streamlit.testing.v1 import local_script_runner

    def require_widgets_deltas(runner, timeout: float = 3) -> None:
        deadline = time.monotonic() + timeout
        while not runner.script_stopped():
            left = deadline - time.monotonic()
            if left <= 0:
                runner.request_stop()
                runner.join()
                raise RuntimeError(f"AppTest script run timed out after {timeout}(s)")
            thread = getattr(runner, "_script_thread", None)      # (a Streamlit without it: polled as before)
            if thread is not None and thread.is_alive():
                thread.join(min(left, 0.05))
            else:
                time.sleep(0.001)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(local_script_runner, "require_widgets_deltas", require_widgets_deltas)
        yield


@pytest.fixture(scope="session", autouse=True)
def one_compilation_of_each_page_per_test_process():
    """Every new AppTest has a script cache of its own, so each test compiled its pages again
    (Streamlit's magic rewrites a page's syntax tree first): 6 % of a page test's processor time.
    A page's code is kept for the rest of the process while its file is unchanged (the same path,
    modification time and size)."""
    import os

    from streamlit.runtime.scriptrunner import script_cache

    real = script_cache.ScriptCache.get_bytecode
    compiled: dict[tuple, object] = {}

    def get_bytecode(cache, script_path: str):
        from streamlit import config

        stat = os.stat(script_path)
        key = (os.path.abspath(script_path), stat.st_mtime_ns, stat.st_size,
               config.get_option("runner.magicEnabled"))
        if key not in compiled:
            compiled[key] = real(cache, script_path)
        return compiled[key]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(script_cache.ScriptCache, "get_bytecode", get_bytecode)
        yield


@pytest.fixture(scope="session", autouse=True)
def one_component_scan_per_test_process():
    """Every new AppTest scans the metadata of every installed package for Streamlit components
    (about 0.35 s, half of a page test's run on the tiny fixture). What is installed does not change
    while the tests run, so the first scan's answer is kept for the rest of the process."""
    import functools

    try:
        from streamlit.components.v2 import manifest_scanner
        scan = manifest_scanner.scan_component_manifests
    except (ImportError, AttributeError):      # a Streamlit without it: the tests only run slower
        yield
        return
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(manifest_scanner, "scan_component_manifests", functools.cache(scan))
        yield


def account_for(db_path, name: str):
    """The account `name` in the access file beside db_path, made when missing: `director` is the
    director, any other name a therapist of that name capitalised (`birch` treats as "Birch")."""
    from clinic.access import AccessStore

    store = AccessStore.for_database(db_path)
    if store.get_user(name) is None:
        if name == "director":
            store.add_user(name, "director", TEST_PASSWORD, actor="test")
        else:
            store.add_user(name, "therapist", TEST_PASSWORD, name.capitalize(), actor="test")
    return store


@pytest.fixture
def signed_in_as(monkeypatch):
    """Signs the AppTest browser in as the director (call it with another name to switch).

    AppTest cannot send cookies, so the cookie reader is replaced by one that returns a real
    session token of that account, opened through the real sign-in in the access file beside
    $CLINIC_DB; the dashboard then checks it as it checks a browser's cookie.
    """
    import os

    from clinic import auth

    state = {"name": "director"}
    tokens: dict = {}

    def cookie():
        db_path = os.environ["CLINIC_DB"]
        key = (db_path, state["name"])
        if key not in tokens:
            store = account_for(db_path, state["name"])
            tokens[key] = store.sign_in(state["name"], TEST_PASSWORD).token
        return tokens[key]

    def switch(name: str) -> None:
        state["name"] = name

    monkeypatch.setattr(auth, "cookie_token", cookie)
    return switch


def dashboard_on(path, monkeypatch, as_of: str | None = PAGE_AS_OF):
    """An AppTest of dashboard.py on the database at `path` (CLINIC_DB), Streamlit's caches cleared,
    its address asking for `as_of` (not yet run)."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from clinic.db import ROOT

    monkeypatch.setenv("CLINIC_DB", str(path))
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    if as_of:
        at.query_params["as_of"] = as_of
    return at


@pytest.fixture
def app(page_db, monkeypatch, signed_in_as):
    """An AppTest of dashboard.py on the page fixture, as of PAGE_AS_OF, signed in as the director
    (not yet run). `signed_in_as("birch")` before the first run signs in as therapist Birch."""
    return dashboard_on(page_db, monkeypatch)


@pytest.fixture
def empty_db(tmp_path) -> Path:
    """A database with the schema and no rows."""
    from clinic import db

    path = tmp_path / "empty.duckdb"
    db.connect(path).close()
    return path


def pytest_collection_modifyitems(items):
    """Page tests (tests/test_page_*.py) run signed in, as the director unless a test says otherwise."""
    for item in items:
        if item.module.__name__.rsplit(".", 1)[-1].startswith("test_page_"):
            item.fixturenames.append("signed_in_as") if "signed_in_as" not in item.fixturenames else None



@pytest.fixture
def own_db(page_db, tmp_path, monkeypatch):
    """A copy of the page fixture's database that an import may change (13 sessions s01..s13)."""
    import shutil

    import streamlit as st

    path = tmp_path / "clinic.duckdb"
    shutil.copy(page_db, path)
    monkeypatch.setenv("CLINIC_DB", str(path))
    st.cache_data.clear()
    return path
