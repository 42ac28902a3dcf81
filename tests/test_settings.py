"""The clinical settings: validated where they are made, the same on the command line and in words."""
from __future__ import annotations

import argparse

import duckdb
import pytest

from clinic import settings
from clinic.filters import Filters
from clinic.settings import Settings, SettingsError


def _parsed(*argv: str) -> Settings:
    parser = argparse.ArgumentParser()
    settings.add_flags(parser)
    return settings.from_args(parser.parse_args(list(argv)))


def test_the_defaults_are_the_clinic_protocols():
    chosen = Settings()
    assert (chosen.mcid, chosen.progress_after, chosen.adherence_pct, chosen.dropout_gap_days,
            chosen.course_gap_days, chosen.planned_sessions, chosen.min_cohort) == ("points2", 3, 80, 7, 30, 10, 5)
    assert str(chosen.adherence_threshold) == "0.8"


@pytest.mark.parametrize("change", [{"progress_after": 0}, {"adherence_pct": 49}, {"adherence_pct": 101},
                                    {"dropout_gap_days": 0}, {"course_gap_days": 366}, {"planned_sessions": 61},
                                    {"min_cohort": 0}, {"mcid": "points3"}, {"min_cohort": 2.5},
                                    {"min_cohort": True}])
def test_a_setting_out_of_range_or_of_the_wrong_kind_is_refused_with_its_name(change):
    with pytest.raises(SettingsError) as refused:
        Settings(**change)
    assert next(iter(change)) in str(refused.value)


@pytest.mark.parametrize("written, percent", [("0.8", 80), ("0.85", 85), ("80%", 80), ("90 %", 90), ("75", 75),
                                              ("1", 100)])
def test_an_adherence_threshold_is_read_as_a_ratio_or_a_percent(written, percent):
    assert settings.threshold_pct(written) == percent


@pytest.mark.parametrize("written", ["0.855", "eighty", "nan", "inf", ""])
def test_an_adherence_threshold_that_is_not_a_whole_percent_is_refused(written):
    with pytest.raises(SettingsError):
        settings.threshold_pct(written)


def test_the_flags_have_the_settings_names_and_defaults():
    assert _parsed() == Settings()
    assert _parsed("--mcid", "pct30", "--progress-after", "4", "--adherence-threshold", "0.9",
                   "--dropout-gap-days", "14", "--course-gap-days", "60", "--planned-sessions", "12",
                   "--min-cohort", "8") == Settings(mcid="pct30", progress_after=4, adherence_pct=90,
                                                    dropout_gap_days=14, course_gap_days=60,
                                                    planned_sessions=12, min_cohort=8)


def test_a_flag_out_of_range_is_refused_by_from_args():
    with pytest.raises(SettingsError, match="min_cohort must be between 1 and 100"):
        _parsed("--min-cohort", "0")


def test_the_settings_are_part_of_the_filters_and_so_of_every_cache_key():
    plain, stricter = Filters(), Filters(settings=Settings(adherence_pct=90))
    assert plain != stricter and hash(plain) != hash(stricter)
    assert plain == Filters(settings=Settings())


def test_every_setting_is_described_in_words_for_exported_tables():
    words = dict(settings.describe(Settings(adherence_pct=85, min_cohort=7), "points2"))
    assert words["First-session relief"] == "≥ 2 points"
    assert words["Adherent at"] == "85 % of the window's days"
    assert words["Fewest courses to judge"] == "7"
    assert len(words) == 8


# c1: planned 10, attended 03-01, 02, 03, 05, 06, 07 (03-04 missed). As of 03-08 (no visit that day,
#     inside the window) the window is 03-01..03-07 = 7 days, 6 attended: adherence 6/7 = 0.857;
#     adherent at 80 % (600 >= 560) and 85 % (600 >= 595), not at 90 % (600 < 630).
# c2: planned 10, attended 03-01 only: 7 days without a visit on 03-08. Ongoing with the default gap
#     (7 is not more than 7), dropped out with a gap of 6 or 5.
# c3 (decoy): planned 2, attended 03-01 and 03-02: completed, never dropped out whatever the gap.
SETTINGS_SESSIONS = """
session_id,patient_id,course_id,session_date,therapist,status,pain_before,pain_after
a1,p1,c1,2026-03-01,t1,attended,8,4
a2,p1,c1,2026-03-02,t1,attended,7,4
a3,p1,c1,2026-03-03,t1,attended,6,4
a5,p1,c1,2026-03-05,t1,attended,6,4
a6,p1,c1,2026-03-06,t1,attended,5,4
a7,p1,c1,2026-03-07,t1,attended,5,3
b1,p2,c2,2026-03-01,t1,attended,6,5
d1,p3,c3,2026-03-01,t1,attended,6,5
d2,p3,c3,2026-03-02,t1,attended,5,5
"""
SETTINGS_COURSES = """
course_id,patient_id,start_date,planned_sessions
c1,p1,2026-03-01,10
c2,p2,2026-03-01,10
c3,p3,2026-03-01,2
"""


@pytest.fixture
def settings_db(db_from):
    return db_from(SETTINGS_SESSIONS, courses=SETTINGS_COURSES)


def _courses(cli, db, *flags):
    code, rows = cli("courses", "--db", db, "--as-of", "2026-03-08", "--json", *flags)
    assert code == 0, cli.err
    return {r["course_id"]: (r["adherent"], r["dropped_out"]) for r in rows}


@pytest.mark.parametrize("flags, c1_adherent", [((), True), (("--adherence-threshold", "0.85"), True),
                                                (("--adherence-threshold", "90%"), False)])
def test_the_adherence_threshold_decides_who_is_adherent(cli, settings_db, flags, c1_adherent):
    assert _courses(cli, settings_db, *flags)["c1"][0] is c1_adherent


@pytest.mark.parametrize("gap, c2_dropped", [("7", False), ("6", True), ("5", True)])
def test_the_drop_out_gap_decides_who_has_dropped_out_but_never_a_completed_course(cli, settings_db, gap, c2_dropped):
    rows = _courses(cli, settings_db, "--dropout-gap-days", gap)
    assert rows["c2"][1] is c2_dropped
    assert rows["c3"][1] is False


def test_the_cohort_counts_follow_the_settings(cli, settings_db):
    code, default = cli("metrics", "--db", settings_db, "--as-of", "2026-03-08", "--json")
    code, strict = cli("metrics", "--db", settings_db, "--as-of", "2026-03-08", "--json",
                       "--adherence-threshold", "0.9", "--dropout-gap-days", "5")
    # adherent by default: c1 (6/7), c3 (2/2); c2 has 1 of 7 days. At 90 %: only c3.
    assert (default["overall"]["adherence"]["adherent"], default["overall"]["adherence"]["dropped_out"]) == (2, 0)
    assert (strict["overall"]["adherence"]["adherent"], strict["overall"]["adherence"]["dropped_out"]) == (1, 1)


def test_settled_courses_read_from_the_stored_facts_follow_the_settings_too(cli, settings_db):
    # As of 04-30 every window has ended, so the courses come from the stored facts. c1: window
    # 03-01..03-10, 6 of 10 days = 0.6: adherent at 50 % (600 >= 500), not at 80 %. c2: 60 days
    # without a visit: dropped out with the default gap, not with a gap of 90 days.
    def rows(*flags):
        code, found = cli("courses", "--db", settings_db, "--as-of", "2026-04-30", "--json", *flags)
        return {r["course_id"]: (r["adherent"], r["dropped_out"]) for r in found}

    assert rows()["c1"][0] is False and rows()["c2"][1] is True
    assert rows("--adherence-threshold", "0.5")["c1"][0] is True
    assert rows("--dropout-gap-days", "90")["c2"][1] is False


def test_the_settings_that_differ_from_the_defaults_travel_in_a_pages_address_as_the_panel_writes_them():
    import datetime as dt

    from clinic.filters import url_params

    chosen = Settings(mcid="pct30", adherence_pct=60, min_cohort=5)       # min_cohort is the default
    assert settings.url_params(chosen) == [("mcid", "30 %"), ("adherent_at", "60")]
    today = dt.date(2026, 3, 20)
    assert url_params(Filters(as_of=today, settings=chosen), today) == [("mcid", "30 %"), ("adherent_at", "60")]
    assert url_params(Filters(as_of=today), today) == []


# Planned sessions when not given: c1 and c2 are in courses.csv (10 planned), p4's course is not
# (inferred from its rows: p4:2026-03-01). p4 attended 03-01..03-04 daily. As of 03-10 with the
# default of 10 its window is 03-01..03-09 (the as-of day, inside the window, has no visit): 4 of 9
# days, not completed, 6 days since its last visit: ongoing. With 4 planned sessions its window is
# 03-01..03-04: 4 of 4 days, completed, adherent. c1 and c2 keep their 10.
PLANNED_SESSIONS = SETTINGS_SESSIONS.rstrip() + """
e1,p4,,2026-03-01,t1,attended,7,5
e2,p4,,2026-03-02,t1,attended,6,5
e3,p4,,2026-03-03,t1,attended,6,4
e4,p4,,2026-03-04,t1,attended,5,4
"""


def test_the_planned_sessions_setting_applies_to_courses_that_courses_csv_does_not_list(cli, db_from):
    db = db_from(PLANNED_SESSIONS, courses=SETTINGS_COURSES)

    def rows(*flags):
        code, found = cli("courses", "--db", db, "--as-of", "2026-03-10", "--json", *flags)
        assert code == 0, cli.err
        return {r["course_id"]: (r["planned_sessions"], r["adherence"], r["completed"]) for r in found}

    default, short = rows(), rows("--planned-sessions", "4")
    assert default["p4:2026-03-01"] == (10, 4 / 9, False)
    assert short["p4:2026-03-01"] == (4, 1.0, True)
    assert default["c1"] == short["c1"] and short["c1"][0] == 10 and short["c3"][0] == 2
    # and the facts-settled path as of a late date agrees with the computed one
    code, late = cli("metrics", "--db", db, "--as-of", "2026-05-01", "--json", "--planned-sessions", "4")
    assert late["overall"]["adherence"]["completed"] == 2           # c3 (2 of 2) and p4 (4 of 4)


# A courses.csv row with an empty planned_sessions (q1, p5) is stored without one, so the setting
# reaches it as it reaches p4's unlisted course: p5 attended 03-01..03-04 daily, exactly like p4.
# c1's written 10 is a decoy: it stays 10 whatever the setting.
EMPTY_PLANNED_COURSES = SETTINGS_COURSES.rstrip() + """
q1,p5,2026-03-01,
"""
EMPTY_PLANNED_SESSIONS = SETTINGS_SESSIONS.rstrip() + """
f1,p5,q1,2026-03-01,t1,attended,7,5
f2,p5,q1,2026-03-02,t1,attended,6,5
f3,p5,q1,2026-03-03,t1,attended,6,4
f4,p5,q1,2026-03-04,t1,attended,5,4
"""


def test_an_empty_planned_sessions_in_courses_csv_follows_the_setting_and_a_written_one_does_not(cli, db_from):
    db = db_from(EMPTY_PLANNED_SESSIONS, courses=EMPTY_PLANNED_COURSES)
    con = duckdb.connect(str(db), read_only=True)
    try:
        stored = con.table("courses").select("course_id, planned_sessions").order("course_id").fetchall()
    finally:
        con.close()
    assert stored == [("c1", 10), ("c2", 10), ("c3", 2), ("q1", None)]

    def rows(*flags):
        code, found = cli("courses", "--db", db, "--as-of", "2026-03-10", "--json", *flags)
        assert code == 0, cli.err
        return {r["course_id"]: (r["planned_sessions"], r["adherence"], r["completed"]) for r in found}

    default, short = rows(), rows("--planned-sessions", "4")
    assert default["q1"] == (10, 4 / 9, False)                      # empty means 10 by default
    assert short["q1"] == (4, 1.0, True)
    assert short["c1"][0] == 10
    code, late = cli("metrics", "--db", db, "--as-of", "2026-05-01", "--json", "--planned-sessions", "4")
    assert late["overall"]["adherence"]["completed"] == 2           # c3 (2 of 2) and q1 (4 of 4)


def test_a_database_from_before_keeps_every_course_and_then_stores_an_empty_planned_sessions_as_empty(
        cli, db_from, tmp_path):
    from clinic import db, facts

    path = db_from(SETTINGS_SESSIONS, courses=SETTINGS_COURSES)
    con = duckdb.connect(str(path))                      # planned_sessions as it was created before
    con.execute("alter table courses alter column planned_sessions set not null")
    con.execute("alter table courses alter column planned_sessions set default 10")
    assert con.execute(db.sql_text("courses_planned_outdated")).fetchall() == [(True,)]
    before = con.table("courses").order("course_id").fetchall()
    con.close()
    facts.ensure(path)                                   # what the dashboard does when it opens a database
    con = duckdb.connect(str(path), read_only=True)
    try:
        assert con.execute(db.sql_text("courses_planned_outdated")).fetchall() == [(False,)]
        assert con.table("courses").order("course_id").fetchall() == before
    finally:
        con.close()
    more = tmp_path / "more_courses.csv"
    more.write_text("course_id,patient_id,start_date,planned_sessions\nq1,p5,2026-03-01,\n")
    code, _out = cli("import", more, "--db", path)
    assert code == 0, cli.err
    con = duckdb.connect(str(path), read_only=True)
    try:
        assert con.table("courses").filter("course_id = 'q1'").select("planned_sessions").fetchall() == [(None,)]
    finally:
        con.close()
