"""Clinic-wide cohorts for a therapist: small cells and recoverable cells are suppressed.

The rules are in clinic/privacy.py; every expected set of hidden cells below is worked out by hand.
"""
from __future__ import annotations

import datetime as dt

import pytest

from clinic import db, metrics
from clinic.filters import Filters
from clinic.privacy import Cell, suppress, unname_colleagues


def no_union(keys):
    raise AssertionError("the union should not be needed here")


# --- the rules on their own ---------------------------------------------------------------------

def test_a_cell_of_fewer_patients_than_the_limit_is_hidden_and_a_second_one_with_it_when_a_total_is_shown():
    cells = [Cell("a", 40, 40), Cell("b", 12, 12), Cell("c", 10, 10), Cell("d", 30, 30)]
    unions = {frozenset({"c", "b"}): (22, 22)}
    decision = suppress(cells, Cell(None, 92, 92), 11, lambda keys: unions[keys])
    # c (10 < 11) alone could be recovered as total − a − b − d: the smallest other cell, b, goes too
    assert decision.hidden == {"b", "c"}
    assert decision.reasons == {"c": "small", "b": "complement"}
    assert decision.total_hidden is False


def test_without_a_total_one_small_cell_is_hidden_alone():
    cells = [Cell("a", 40, 40), Cell("c", 10, 10)]
    decision = suppress(cells, None, 11, no_union)
    assert decision.hidden == {"c"}


def test_a_cell_whose_other_therapists_part_is_small_is_hidden_even_when_it_is_large():
    # 30 patients, 27 of them the viewer's own: the other 3 could be read off against the viewer's own table
    cells = [Cell("north", 30, 3), Cell("south", 50, 50), Cell("east", 60, 60)]
    unions = {frozenset({"north", "south"}): (80, 53)}
    decision = suppress(cells, Cell(None, 140, 113), 11, lambda keys: unions[keys])
    assert decision.reasons == {"north": "others", "south": "complement"}


def test_a_cell_entirely_of_the_viewers_own_patients_is_not_hidden_for_its_others_part():
    cells = [Cell("mine", 25, 0), Cell("theirs", 40, 40)]
    assert suppress(cells, Cell(None, 65, 40), 11, no_union).hidden == set()


def test_hidden_cells_that_together_are_still_too_few_pull_in_more_cells():
    cells = [Cell("a", 4, 4), Cell("b", 5, 5), Cell("c", 50, 50), Cell("d", 60, 60)]
    unions = {frozenset({"a", "b"}): (9, 9), frozenset({"a", "b", "c"}): (59, 59)}
    decision = suppress(cells, Cell(None, 119, 119), 11, lambda keys: unions[keys])
    assert decision.hidden == {"a", "b", "c"}          # a + b = 9 < 11 can be recovered: c (the smaller) too


def test_a_total_with_too_few_patients_is_hidden_and_a_small_total_of_others_too():
    assert suppress([Cell("a", 8, 8)], Cell(None, 8, 8), 11, no_union).total_hidden is True
    assert suppress([Cell("a", 30, 25)], Cell(None, 30, 5), 11, no_union).total_hidden is True   # 5 others


# --- on a database ------------------------------------------------------------------------------

SESSIONS = """
session_id,patient_id,course_id,session_date,therapist,status,pain_before,pain_after
s01,p01,c01,2026-03-01,A,attended,8,4
s02,p02,c02,2026-03-01,A,attended,8,4
s03,p03,c03,2026-03-01,A,attended,8,4
s04,p04,c04,2026-03-01,A,attended,8,4
s05,p05,c05,2026-03-01,B,attended,8,4
s06,p06,c06,2026-03-01,B,attended,8,4
s07,p07,c07,2026-03-01,B,attended,8,4
s08,p08,c08,2026-03-01,C,attended,8,4
s09,p09,c09,2026-03-01,C,attended,8,4
s10,p10,c10,2026-03-01,D,attended,8,4
s10b,p10,c10,2026-03-02,A,attended,6,4
s11,p11,c11,2026-03-01,D,attended,8,4
s12,p12,c12,2026-03-01,D,attended,8,4
s13,p13,c13,2026-03-01,D,attended,8,4
"""
PATIENTS = """
patient_id,site
p01,North
p02,North
p03,South
p04,South
p05,North
p06,South
p07,South
p08,South
p09,South
p10,South
p11,South
p12,South
p13,
"""
# Viewer: therapist A, who treats c01-c04 and stood in for one session of c10 (D's course).
# By therapist (k = 3): A 4 patients (0 others), B 3 (3), C 2 (2: too few), D 4 (3: p11-p13).
#   C alone could be recovered from the total: the smallest other cell, B (3 patients), goes too.
# By site: North p01, p02, p05: 3 patients but only 1 (p05) not A's -> hidden; unknown (p13) 1 patient
#   -> hidden; together 4 patients, 2 of them others' -> still recoverable, so South goes too.
# The total: 13 patients, 8 not A's (all but p01-p04 and p10): shown.


@pytest.fixture
def clinic(db_from):
    return db_from(sessions=SESSIONS, patients=PATIENTS)


def private(path, group, k=3):
    with db.owned(db.connect(path, read_only=True)) as con:
        return metrics.private_cohort(con, Filters(as_of=dt.date(2026, 3, 31)), group, viewer="A", k=k)


def test_by_therapist_the_small_cell_and_the_next_smallest_are_suppressed_and_the_rest_shown(clinic):
    rows, total = private(clinic, "therapist")
    shown = {r["key"]: r for r in rows}
    assert {k for k, r in shown.items() if r["suppressed"]} == {"B", "C"}
    assert shown["C"]["patients"] is None and shown["C"]["relief_rate"] is None and shown["C"]["courses"] is None
    assert (shown["A"]["patients"], shown["D"]["patients"]) == (4, 4)
    assert shown["D"]["courses"] == 4
    assert total["suppressed"] is False and total["patients"] == 13 and total["courses"] == 13


def test_by_site_a_cell_with_one_other_patient_pulls_every_site_into_suppression_but_the_total_stays(clinic):
    rows, total = private(clinic, "site")
    assert [(r["key"], r["suppressed"]) for r in rows] == [("North", True), ("South", True), (None, True)]
    assert total["suppressed"] is False and total["patients"] == 13


def test_at_the_default_limit_of_eleven_the_whole_tiny_clinic_is_suppressed(clinic):
    rows, total = private(clinic, "therapist", k=11)
    assert all(r["suppressed"] for r in rows)
    assert total["suppressed"] is True                  # 13 patients, but only 8 are not A's: 8 < 11
    assert total["patients"] is None and total["relief_rate"] is None


# --- colleagues unnamed -------------------------------------------------------------------------

def test_by_therapist_the_viewer_is_named_first_and_every_colleague_numbered_by_caseload(clinic):
    rows, _total = private(clinic, "therapist")
    unnamed = unname_colleagues(rows, "therapist", "A")
    # A's own row first, named; D (4 courses, shown) is the first other; B and C (hidden) after it
    assert [(r["key"], r["courses"], r["suppressed"]) for r in unnamed[:2]] == [
        ("A", 4, False), ("Another therapist 1", 4, False)]
    assert {r["key"] for r in unnamed[2:]} == {"Another therapist 2", "Another therapist 3"}
    assert all(r["suppressed"] and r["courses"] is None for r in unnamed[2:])
    assert not {"B", "C", "D"} & {r["key"] for r in unnamed}


def made_up(key, courses, patients, suppressed=False):
    return {"key": key, "courses": None if suppressed else courses, "patients": None if suppressed else patients,
            "suppressed": suppressed}


def test_colleagues_with_the_same_caseload_are_not_put_in_the_order_of_their_names():
    tied = ("Alder", "Birch", "Cedar", "Juniper", "Larch")
    rows = [{**made_up(name, 20, 18), "who": name} for name in (*tied, "Maple")]
    rows += [made_up(None, 3, 3), made_up("Zed", 30, 25), made_up("Yew", 0, 0, suppressed=True)]
    unnamed = unname_colleagues(rows, "therapist", "Maple")
    assert unnamed[0]["key"] == "Maple"
    assert unnamed[1] == {**made_up("Zed", 30, 25), "key": "Another therapist 1"}          # the most courses
    assert [r["key"] for r in unnamed[2:7]] == [f"Another therapist {n}" for n in range(2, 7)]
    assert unnamed[7] == {**made_up("Yew", 0, 0, suppressed=True), "key": "Another therapist 7"}
    assert unnamed[8]["key"] is None                                   # courses without a therapist, last
    # the five tied at 20 courses (traced by a field the page never shows): the same order however
    # the rows came, and not the order of their names
    order = [r["who"] for r in unnamed[2:7]]
    assert sorted(order) == list(tied) and order != list(tied)
    assert [r.get("who") for r in unname_colleagues(list(reversed(rows)), "therapist", "Maple")][2:7] == order


def test_other_groupings_keep_their_names():
    rows = [made_up("North", 20, 18), made_up("South", 5, 5, suppressed=True)]
    assert unname_colleagues(rows, "site", "Maple") == rows
