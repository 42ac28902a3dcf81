"""Reading the database: the reads of one script run share a read-only connection, which is closed
when the run ends (or before this thread writes), so writers are never kept out for long."""
from __future__ import annotations

import datetime as dt
import threading

import duckdb
import pandas as pd
import pytest

from clinic import db, store
from clinic.filters import Filters

AS_OF = dt.date(2026, 3, 20)


def can_write(path) -> bool:
    """Whether a read-write connection opens now (a read connection of this process keeps it out)."""
    try:
        db.connect(path).close()
        return True
    except (db.DatabaseLocked, duckdb.Error):
        return False


def test_the_reads_of_one_run_share_a_connection_that_is_closed_when_the_run_ends(page_db):
    with store.one_reader(page_db):
        with store.reading(page_db) as first:
            first_count = db.records(first, "table_counts")
        with store.reading(page_db) as second:
            assert second is first                      # the same connection: opened once
            assert db.records(second, "table_counts") == first_count
        assert not can_write(page_db)                   # held for the rest of the run
    assert can_write(page_db)                           # and let go when the run ends


def test_without_a_run_every_read_has_a_connection_of_its_own(page_db):
    with store.reading(page_db) as first:
        pass
    with store.reading(page_db) as second:
        assert second is not first
    assert can_write(page_db)


def test_releasing_the_reader_lets_this_thread_write_and_the_next_read_opens_another(page_db):
    with store.one_reader(page_db):
        with store.reading(page_db) as first:
            db.records(first, "table_counts")
        store.release_reader()
        assert can_write(page_db)
        with store.reading(page_db) as again:
            assert again is not first
            assert db.records(again, "table_counts")
    assert can_write(page_db)


def test_a_table_handed_to_a_query_on_the_shared_connection_is_gone_after_the_query(page_db):
    # The page fixture's courses as of 03-20 (conftest.py): c1, c2 and p3's inferred course; a decoy
    # table in place of open_courses must not linger for the next query to read.
    with store.one_reader(page_db):
        with store.reading(page_db) as con:
            table = db.arrow(con, "open_courses", as_of=AS_OF, relief_rule="pct30", rows_from=None)
            rows = db.records(con, "courses", open_courses=table, **Filters(as_of=AS_OF).params())
            assert sorted(r["course_id"] for r in rows) == ["c1", "c2", "p3:2026-03-15"]
            with pytest.raises(duckdb.CatalogException):
                con.execute("select * from open_courses")
            # The next query reads the table it is handed, not the last one: with no open course,
            # p3's course (started 03-15, ten days planned: still running on 03-20) is not there,
            # and c1 (completed 03-05, read from the stored facts) still is.
            rows = db.records(con, "courses", open_courses=table.slice(0, 0), **Filters(as_of=AS_OF).params())
            ids = [r["course_id"] for r in rows]
            assert "p3:2026-03-15" not in ids and "c1" in ids


def test_a_frame_read_through_arrow_has_duckdbs_values_and_the_same_dtypes_whatever_the_data_holds(page_db):
    # db.frame (used for results of a row per course) against DuckDB's own conversion (db.run),
    # which picks a nullable dtype for a column only when it holds a null.
    with store.one_reader(page_db):
        with store.reading(page_db) as con:
            table = db.arrow(con, "open_courses", as_of=AS_OF, relief_rule="pct30", rows_from=None)
            params = dict(open_courses=table, **Filters(as_of=AS_OF).params())
            own, through_arrow = db.run(con, "funnel_casemix", **params), db.frame(con, "funnel_casemix", **params)
    # the query's rows come in no particular order
    own, through_arrow = (f.sort_values("course_id", ignore_index=True) for f in (own, through_arrow))
    assert through_arrow.course_id.tolist() == ["c1", "c2", "p3:2026-03-15"]
    pd.testing.assert_frame_equal(through_arrow, own, check_dtype=False)
    assert str(through_arrow.dtypes["baseline_pain"]) == "Int32"
    assert str(through_arrow.dtypes["first_session_relief"]) == "boolean"
    assert str(through_arrow.dtypes["therapist"]) == "str"


def test_each_thread_has_its_own_run_connection(page_db):
    seen = {}

    def run(name):
        with store.one_reader(page_db):
            with store.reading(page_db) as con:
                seen[name] = id(con)
                db.records(con, "table_counts")
                barrier.wait(timeout=10)                 # both runs hold their reader at once

    barrier = threading.Barrier(2)
    threads = [threading.Thread(target=run, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=20)
    assert len(seen) == 2 and seen["a"] != seen["b"]
    assert can_write(page_db)


def test_threads_that_open_the_closed_database_at_the_same_moment_can_all_read_a_table_they_hand_over(page_db):
    # Four threads, 150 times over, wait for each other and then open the database while no other
    # connection has it open, and each hands a query a table of its own (as every page's reads do
    # with the open courses). Opened unguarded, about one such open in a hundred got a database
    # whose scan of Python tables was not there yet, and its query failed.
    import pyarrow as pa

    threads_n, rounds = 4, 150
    barrier = threading.Barrier(threads_n)
    counted, failures = [], []

    def run(n):
        table = pa.table({"x": list(range(n + 1))})
        for _ in range(rounds):
            barrier.wait(timeout=30)
            try:
                con = db.connect(page_db, read_only=True)
                try:
                    con.register("handed", table)
                    counted.append(con.execute("select count(*) from handed").fetchone()[0] == n + 1)
                finally:
                    con.close()
            except duckdb.Error as exc:
                failures.append(str(exc).splitlines()[0])
            barrier.wait(timeout=30)                  # every connection closed before the next round

    threads = [threading.Thread(target=run, args=(n,)) for n in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert failures == []
    assert len(counted) == threads_n * rounds and all(counted)


class SlowConnection:
    """A stand-in connection whose queries take 50 ms each; it notes how many run at once."""

    def __init__(self):
        self.lock, self.running, self.most = threading.Lock(), 0, 0

    def cursor(self):
        return self

    def close(self):
        pass

    def register(self, name, value):
        pass

    def _query(self):
        import time

        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        time.sleep(0.05)
        with self.lock:
            self.running -= 1
        return self

    description = [("patients",), ("courses",), ("sessions",)]

    def execute(self, sql, params=None):
        return self._query()

    def sql(self, sql, params=None):
        return self._query()

    def fetchall(self):
        return [(1, 2, 3)]

    def df(self):
        return pd.DataFrame({"patients": [1]})

    def to_arrow_table(self):
        import pyarrow as pa

        return pa.table({"patients": [1]})


def test_no_more_than_two_queries_of_the_process_run_at_once_whichever_way_their_rows_come_back():
    # Eight threads ask at once, each once as rows, once as a DataFrame and once as an Arrow table;
    # every query is answered, never more than two of them running at the same moment.
    con = SlowConnection()
    answers = []

    def ask():
        answers.append(db.records(con, "table_counts"))
        answers.append(db.run(con, "table_counts"))
        answers.append(db.arrow(con, "table_counts"))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(answers) == 24 and con.running == 0
    assert con.most == db.QUERIES_AT_ONCE == 2


def temp_macros(con) -> set[str]:
    return {name for (name,) in con.execute(
        "select function_name from duckdb_functions() where function_type in ('macro', 'table_macro')"
        " and schema_name = 'main' and database_name = 'temp'").fetchall()}


def test_a_query_defines_the_macros_it_calls_and_those_they_call_from_other_files_and_no_others(empty_db):
    # quality_course_counts.sql uses course_rules, course_facts and quality_rules (27 macros); it
    # calls quality_courses, which calls quality_course_list (same file), course_facts_fresh
    # (course_facts.sql) and course_order_key (course_rules.sql)
    with db.owned(db.connect(empty_db, read_only=True)) as con:
        assert db.records(con, "quality_course_counts", therapists=None, sites=None)
        defined = temp_macros(con)
    assert defined == {"quality_courses", "quality_course_list", "course_facts_fresh", "course_order_key"}
    # decoys: a macro of each of its files that it does not call
    assert not defined & {"quality_patients", "open_course_ids", "first_session_relief"}


def test_each_macro_file_splits_into_the_statements_duckdb_reads_each_defining_one_macro():
    used = sorted({file for query in db.QUERIES.glob("*.sql") for file in db._uses(query.stem)})
    assert len(used) > 20 and "course_rules" in used
    parser = duckdb.connect()
    try:
        for file in used:
            theirs = [s.query for s in parser.extract_statements(db.sql_text(file))]
            ours = db._macros_of(file)
            assert len(ours) == len(theirs), file
            for (name, statement, _), their in zip(ours, theirs):
                assert db._strip_comments(statement).strip().rstrip(";").strip() == \
                    db._strip_comments(their).strip().rstrip(";").strip(), (file, name)
                assert f"temp macro {name}" in " ".join(their.split()), (file, name)
    finally:
        parser.close()


def test_a_write_defines_each_macro_once_and_again_after_a_rollback_took_it_back(tmp_path):
    con = db.connect(tmp_path / "clinic.duckdb")
    try:
        with db.keep_macros(con):
            con.begin()
            assert db.fetch(con, "course_facts_fresh") == [(False,)]      # no facts built yet
            assert "course_facts_fresh" in temp_macros(con)
            db.rollback(con)
            assert "course_facts_fresh" not in temp_macros(con)           # taken back with the transaction
            assert db.fetch(con, "course_facts_fresh") == [(False,)]      # so defined again
            # defined once: the next statement does not define it again (dropped behind its back, it fails)
            con.execute("drop macro temp.main.course_facts_fresh")
            with pytest.raises(duckdb.CatalogException):
                db.fetch(con, "course_facts_fresh")
        # without keep_macros, every statement defines the macros it uses
        assert db.fetch(con, "course_facts_fresh") == [(False,)]
    finally:
        con.close()


def test_a_write_connection_runs_the_schema_only_on_a_database_missing_one_of_its_tables_or_columns(
        tmp_path, monkeypatch):
    path = tmp_path / "clinic.duckdb"
    db.connect(path).close()                        # a new file: everything made
    asked = []
    text = db.sql_text
    monkeypatch.setattr(db, "sql_text", lambda name: asked.append(name) or text(name))
    db.connect(path).close()
    assert "schema_objects" in asked and "schema" not in asked
    con = duckdb.connect(str(path))
    con.execute("alter table course_facts drop column latest_pain")      # one column of a table is missing
    con.close()
    asked.clear()
    con = db.connect(path)
    try:
        assert "schema" in asked
        assert ("course_facts", "latest_pain") in con.execute(
            "select table_name, column_name from duckdb_columns() where column_name = 'latest_pain'").fetchall()
    finally:
        con.close()
    asked.clear()
    db.connect(path, read_only=True).close()         # a reader never looks
    assert asked == []


def test_what_the_schema_makes_is_every_tables_columns_and_the_import_batch_sequence():
    made = db._schema_objects()
    assert ("sequence", "import_batch_seq", "") in made
    assert {("column", "sessions", "session_number"), ("column", "course_facts", "therapists_since"),
            ("column", "course_facts_state", "facts_version")} <= made
    assert {name for kind, name, _ in made if kind == "column"} == set(db.schema_tables())
