"""Demo data: reproducible, never overwrites real records, and obeys the import contract."""
from __future__ import annotations

import datetime as dt
import hashlib

import pandas as pd
import pytest

from clinic import db, demo

END = dt.date(2026, 3, 1)
TABLES = ("patients", "courses", "sessions")
KEYS = {"patients": "patient_id", "courses": "course_id", "sessions": "session_id"}


def _build(tmp_path, name="demo.duckdb", patients=300, seed=1, end_date=END):
    con = db.connect(tmp_path / name)
    counts = demo.generate(con, patients=patients, seed=seed, end_date=end_date)
    return con, counts


def _table(con, table: str) -> pd.DataFrame:
    return con.cursor().table(table).order(KEYS[table]).df()


def _fingerprint(con) -> dict[str, str]:
    """One hash per table of its full, key-ordered contents."""
    out = {}
    for table in TABLES:
        frame = _table(con, table).drop(columns="batch_id")
        out[table] = hashlib.sha256(frame.to_csv(index=False).encode()).hexdigest()
    return out


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """One 300-patient demo database shared by the read-only checks below."""
    con, counts = _build(tmp_path_factory.mktemp("demo"))
    yield con, counts
    con.close()


@pytest.fixture(scope="module")
def sessions(built):
    con, _ = built
    return con.execute("select * from sessions").df()


def test_the_same_seed_and_end_date_build_identical_tables(tmp_path):
    first, _ = _build(tmp_path, "a.duckdb")
    second, _ = _build(tmp_path, "b.duckdb")
    assert _fingerprint(first) == _fingerprint(second)


def test_a_different_seed_builds_different_data(tmp_path, built):
    other, _ = _build(tmp_path, seed=2)
    assert _fingerprint(other)["sessions"] != _fingerprint(built[0])["sessions"]
    assert _fingerprint(other)["patients"] != _fingerprint(built[0])["patients"]


def test_the_returned_counts_match_the_tables_and_one_batch_is_logged_per_table(built):
    con, counts = built
    for table in TABLES:
        assert counts[table] == con.table(table).aggregate("count(*)").fetchall()[0][0]
    inferred = con.execute("select count(distinct inferred_course_id) from sessions").fetchone()[0]
    assert counts["inferred_courses"] == inferred > 0
    batches = con.execute(
        "select file_kind, rows_read, rows_new, rows_rejected, batch_id from import_batches order by batch_id"
    ).fetchall()
    assert [(kind, read, new, rejected) for kind, read, new, rejected, _ in batches] == [
        (table, counts[table], counts[table], 0) for table in TABLES
    ]
    stamped = {table: con.table(table).select("batch_id").distinct().fetchall() for table in TABLES}
    assert stamped == {table: [(batch_id,)] for (table, *_, batch_id) in batches}


def test_a_database_that_already_holds_data_is_refused_and_left_unchanged(tmp_path):
    con, _ = _build(tmp_path, patients=50)
    before = _fingerprint(con)
    batches = con.execute("select count(*) from import_batches").fetchone()[0]
    with pytest.raises(demo.DemoRefused, match="already holds"):
        demo.generate(con, patients=50, seed=7, end_date=END)
    assert _fingerprint(con) == before
    assert con.execute("select count(*) from import_batches").fetchone()[0] == batches


def test_a_single_stored_patient_is_enough_to_refuse(tmp_path):
    con = db.connect(tmp_path / "real.duckdb")
    con.execute("insert into patients (patient_id) values ('p-real')")
    with pytest.raises(demo.DemoRefused):
        demo.generate(con, patients=20, seed=1, end_date=END)
    assert con.execute("select count(*) from sessions").fetchone()[0] == 0
    assert con.execute("select patient_id from patients").fetchall() == [("p-real",)]


def test_a_failure_halfway_leaves_the_database_empty(tmp_path, monkeypatch):
    con = db.connect(tmp_path / "broken.duckdb")
    real_execute = db.execute

    def failing_execute(con, name, **params):
        if name == "demo_insert_sessions":   # patients and courses are written by now
            raise RuntimeError("disk full")
        real_execute(con, name, **params)

    monkeypatch.setattr(db, "execute", failing_execute)
    with pytest.raises(RuntimeError, match="disk full"):
        demo.generate(con, patients=20, seed=1, end_date=END)
    held = [con.table(t).aggregate("count(*)").fetchall()[0][0] for t in (*TABLES, "import_batches")]
    assert held == [0, 0, 0, 0]


def test_the_refusal_is_a_value_error_with_a_plain_message():
    assert issubclass(demo.DemoRefused, ValueError)


def test_no_session_lies_after_the_end_date_and_all_lie_within_about_a_year(sessions):
    assert sessions.session_date.max() <= pd.Timestamp(END)
    assert sessions.session_date.min() >= pd.Timestamp(END - dt.timedelta(days=366))


def test_every_session_belongs_to_its_courses_patient_or_to_an_inferred_course(built):
    con, _ = built
    mismatched, orphans, without_course, inferred, both = con.execute("""
        select
            count(*) filter (where c.course_id is not null and c.patient_id <> s.patient_id),
            count(*) filter (where s.course_id is not null and c.course_id is null),
            count(*) filter (where s.course_id is null),
            count(s.inferred_course_id) filter (where s.course_id is null
                                                  and starts_with(s.inferred_course_id, s.patient_id || ':')),
            count(*) filter (where s.course_id is not null and s.inferred_course_id is not null)
        from sessions s left join courses c using (course_id)
    """).fetchone()
    assert (mismatched, orphans, both) == (0, 0, 0)
    assert without_course > 0, "a few patients come from a booking system that keeps no courses"
    assert inferred == without_course


def test_a_patient_without_course_records_has_no_course_row_and_none_of_their_sessions_a_course_id(built):
    con, _ = built
    mixed = con.execute("""
        select count(*) from (
            select patient_id from sessions group by patient_id
            having count(course_id) > 0 and count(*) > count(course_id)
        )
    """).fetchone()[0]
    listed_anyway = con.execute("""
        select count(*) from courses
        where patient_id in (select patient_id from sessions where course_id is null)
    """).fetchone()[0]
    assert (mixed, listed_anyway) == (0, 0)


def test_a_returning_patient_without_course_records_starts_a_second_inferred_course_after_the_gap(tmp_path):
    con, _ = _build(tmp_path, patients=2000)
    gaps = con.execute("""
        with inferred as (
            select patient_id, inferred_course_id, min(session_date) as first_day, max(session_date) as last_day
            from sessions where inferred_course_id is not null group by all
        )
        select first_day - lag(last_day) over (partition by patient_id order by first_day) as gap
        from inferred qualify gap is not null
    """).fetchall()
    assert gaps, "some returning patients come from the booking system without courses"
    assert min(gap for (gap,) in gaps) >= 31


def test_the_patients_without_course_records_leave_every_other_row_as_it_was(monkeypatch):
    some = demo.build(patients=300, seed=1, end_date=END)
    monkeypatch.setattr(demo, "UNLISTED_SHARE", 0.0)
    none = demo.build(patients=300, seed=1, end_date=END)
    pd.testing.assert_frame_equal(some["patients"], none["patients"])
    unlisted = some["sessions"].course_no == 0
    assert 0 < unlisted.sum() < 0.05 * len(unlisted)
    pd.testing.assert_frame_equal(some["sessions"].drop(columns="course_no"), none["sessions"].drop(columns="course_no"))
    assert (some["sessions"].course_no[~unlisted] == none["sessions"].course_no[~unlisted]).all()
    kept = none["courses"].loc[none["courses"].course_no.isin(some["courses"].course_no)].reset_index(drop=True)
    pd.testing.assert_frame_equal(some["courses"].reset_index(drop=True), kept)
    left_out = set(none["courses"].course_no) - set(some["courses"].course_no)
    assert left_out == set(none["sessions"].course_no[unlisted])


def test_every_course_and_session_patient_exists(built):
    con, _ = built
    unknown = con.execute("""
        select count(*) from (
            select patient_id from courses union all select patient_id from sessions
        ) where patient_id not in (select patient_id from patients)
    """).fetchone()[0]
    assert unknown == 0


def test_planned_sessions_lie_between_8_and_15(built):
    con, _ = built
    low, high = con.execute("select min(planned_sessions), max(planned_sessions) from courses").fetchone()
    assert 8 <= low and high <= 15


def test_ids_are_pseudonymous_and_unique(built, sessions):
    con, _ = built
    assert sessions.session_id.str.fullmatch(r"S\d{8}").all()
    assert sessions.session_id.is_unique
    patients = _table(con, "patients")
    assert patients.patient_id.str.fullmatch(r"P\d{6}").all()


def test_there_are_cancelled_and_no_show_rows_and_none_of_them_carries_a_pain_score(sessions):
    statuses = sessions.status.value_counts()
    assert statuses["cancelled"] > 0 and statuses["no_show"] > 0
    missed = sessions[sessions.status != "attended"]
    assert missed.pain_before.isna().all() and missed.pain_after.isna().all()


def test_some_days_carry_two_sessions_at_distinct_times(sessions):
    attended = sessions[sessions.status == "attended"]
    per_day = attended.groupby(["course_id", "session_date"])
    doubles = per_day.filter(lambda day: len(day) > 1)
    assert len(doubles) > 0
    assert doubles.session_time.notna().all()
    times = doubles.groupby(["course_id", "session_date"]).session_time.agg(["count", "nunique"])
    assert (times["count"] == times["nunique"]).all()          # never two rows at the same time


def test_a_few_attended_sessions_miss_a_pain_score(sessions):
    attended = sessions[sessions.status == "attended"]
    missing = (attended.pain_before.isna() | attended.pain_after.isna()).mean()
    assert 0.005 < missing < 0.05


def test_a_few_sessions_are_recorded_during_acute_inflammation_and_notes_include_markup(sessions):
    assert sessions.acute_inflammation.eq(True).sum() > 0
    assert sessions.notes.str.contains("<b>", regex=False).fillna(False).any()


def test_most_courses_show_relief_after_the_first_session(sessions):
    attended = sessions[sessions.status == "attended"].sort_values(
        ["session_date", "session_time", "session_id"], na_position="first"
    )
    first = attended.groupby("course_id").head(1)
    assessable = first[(first.pain_before > 0) & first.pain_after.notna()]
    relieved = 10 * (assessable.pain_before - assessable.pain_after) >= 3 * assessable.pain_before
    assert len(assessable) > 250
    assert 0.5 <= relieved.mean() <= 0.85


def test_first_visits_mostly_start_between_5_and_9_and_a_handful_start_pain_free(sessions):
    attended = sessions[sessions.status == "attended"].sort_values(
        ["session_date", "session_time", "session_id"], na_position="first"
    )
    first = attended.groupby("course_id").head(1).pain_before.dropna()
    assert first.between(5, 9).mean() > 0.7
    assert 1 <= (first == 0).sum() <= 10


def test_some_patients_come_back_for_a_second_course(built):
    con, _ = built
    returning = con.execute(
        "select count(*) from (select patient_id from courses group by 1 having count(*) = 2)"
    ).fetchone()[0]
    assert returning > 0


def test_an_earlier_end_date_moves_the_whole_year_back(tmp_path):
    con, _ = _build(tmp_path, patients=40, end_date=dt.date(2024, 6, 30))
    latest, = con.execute("select max(session_date) from sessions").fetchone()
    assert latest <= dt.date(2024, 6, 30)


def test_a_demo_built_today_holds_no_session_later_today_than_the_moment_it_was_built(tmp_path):
    morning = dt.datetime(2026, 3, 1, 10, 15)            # END, at 10:15
    con = db.connect(tmp_path / "morning.duckdb")
    demo.generate(con, patients=300, seed=1, end_date=END, now=morning)
    today = con.execute("select session_time from sessions where session_date = ?", [END]).fetchall()
    assert today, "the fixture should have sessions on its last day to check"
    assert all(t is None or t <= dt.time(10, 15) for (t,) in today)
    # the same data as a demo of the whole last day, but for the sessions timed after 10:15 on it
    whole_day = _table(built_whole := _build(tmp_path, "whole.duckdb")[0], "sessions")
    kept = _table(con, "sessions")
    dropped = set(whole_day.session_id) - set(kept.session_id)
    assert dropped, "some sessions were timed after 10:15 on the last day"
    later = whole_day.loc[whole_day.session_id.isin(dropped)]
    assert (later.session_date == pd.Timestamp(END)).all()
    assert (later.session_time > dt.time(10, 15)).all()
    built_whole.close()
    con.close()


def test_a_few_courses_are_listed_a_day_or_two_after_their_first_visit_and_the_rest_on_it(built):
    con, counts = built
    lead = con.execute("""
        select c.start_date - min(s.session_date) as days, count(*) filter (where s.status = 'attended'
               and s.session_date < c.start_date) > 0 as attended_before_start
        from courses c join sessions s using (course_id)
        group by c.course_id, c.start_date
    """).df()
    late = lead.loc[lead.days != 0]
    assert set(late.days) <= {1, 2}
    assert 1 <= len(late) <= 0.02 * counts["courses"]
    assert late.attended_before_start.all()


def test_the_late_listings_leave_every_session_as_it_was(monkeypatch):
    with_late = demo.build(patients=300, seed=1, end_date=END)
    monkeypatch.setattr(demo, "LATE_LISTING_SHARE", 0.0)
    without = demo.build(patients=300, seed=1, end_date=END)
    pd.testing.assert_frame_equal(with_late["sessions"], without["sessions"])
    pd.testing.assert_frame_equal(with_late["patients"], without["patients"])
    moved = with_late["courses"].start_day != without["courses"].start_day
    assert 1 <= moved.sum() <= 0.02 * len(moved)
    assert ((with_late["courses"].start_day - without["courses"].start_day)[moved].isin([1, 2])).all()
