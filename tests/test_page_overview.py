"""The Overview page on the hand-computed page fixture (see conftest.py for the arithmetic).

As of 2026-03-20 the page fixture's courses stand so (days since the last visit = 03-20 minus it):
c1 (p1, Birch) completed 03-05; c2 (p2, Cedar) last visit 03-03: 17 days, dropped out;
p3:2026-03-15 (p3, Birch) last visit 03-18: 2 days, unfinished (3 of 10 days): to call today.
"""
from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
import streamlit as st
from page_support import check_tile_rows, metrics_of, press_download
from plotly_support import specs
from streamlit.proto.Metric_pb2 import Metric as MetricProto
from streamlit.testing.v1 import AppTest

from clinic.db import ROOT

LISTS = ["call_list", "not_seen", "numbness", "acute_inflammation", "no_conclusion"]   # in the order drawn
TAB_GROUPS = (("call_list", "not_seen"), ("numbness", "acute_inflammation", "no_conclusion"))
TITLES = {"call_list": "Call today", "not_seen": "Not seen for more than 7 days", "numbness": "Numbness reported",
          "acute_inflammation": "Acute inflammation", "no_conclusion": "No doctor's conclusion"}


def open_list(app, key: str):
    """Chooses the tab of list `key` as a person does (the page reruns) and returns that tab."""
    [group] = [g for g in TAB_GROUPS if key in g]
    [label] = [t.label for t in app.tabs if t.label.startswith(TITLES[key] + " (")]
    app.session_state[f"overview.tabs.{group[0]}"] = label
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    [tab] = [t for t in app.tabs if t.label == label]
    return tab


def lists_of(app) -> dict:
    """The Overview's tables by list (call list, recently dropped, then the red flags), each drawn
    by choosing its tab; None for an empty list (its tab says so instead)."""
    tabs = {key: open_list(app, key) for key in LISTS}
    return {key: tab.dataframe[0].value if tab.dataframe else None for key, tab in tabs.items()}


def test_only_the_open_tab_of_each_list_group_is_drawn_and_sent(app):
    app.run()
    # the first tab of each group is open: the call list (p3) and the numbness list (p3)
    assert [t.label for t in app.tabs if t.dataframe] == ["Call today (1)", "Numbness reported (1)"]
    assert len(app.dataframe) == 2
    open_list(app, "not_seen")
    assert [t.label for t in app.tabs if t.dataframe] == ["Not seen for more than 7 days (1)", "Numbness reported (1)"]
    assert [list(df.value.course_id) for df in app.dataframe] == [["c2"], ["p3:2026-03-15"]]
    app.run()                                             # the choice is kept on the next run
    assert [list(df.value.course_id) for df in app.dataframe] == [["c2"], ["p3:2026-03-15"]]


def opened_course(link: str) -> str:
    """The course a "Patient page" link opens (whatever else the link carries, such as the filters)."""
    parts = urlsplit(link)
    assert parts.path.endswith("patients"), link
    return parse_qs(parts.query)["patients.course"][0]


def benchmarks_of(app) -> dict[str, str]:
    """The line under each tile's figure ("clinic: 33 %"), by tile label; tiles without one left out."""
    found = {}
    for block in app.main.children.values():
        stack = [block]
        while stack:
            node = stack.pop()
            kids = list(getattr(node, "children", {}).values())
            metrics = [k for k in kids if getattr(k, "type", None) == "metric"]
            captions = [k for k in kids if getattr(k, "type", None) == "caption"]
            if metrics and captions:
                found[metrics[0].label] = captions[0].value
            stack += kids
    return found


def test_the_overview_shows_the_hand_computed_kpis_as_of_the_chosen_date(app):
    app.run()
    assert not app.exception
    assert metrics_of(app) == {
        "Courses": "3",
        "Patients": "3",
        "First-session relief": "33 %",          # 1 of 3
        "Median sustained improvement": "14 %",  # median of 62.5, 0 and 100/7
        "Mean adherence": "60 %",                # (1 + 0.2 + 0.6) / 3
        "Drop-out rate": "33 %",                 # 1 of 3
    }
    deltas = {m.label: m.delta for m in app.metric}
    assert deltas["Courses"] == "1 active now"   # c1 completed, c2 dropped out, p3 ongoing
    assert deltas["Patients"] == "1.00 courses each"                         # 3 courses / 3 patients
    assert deltas["Median sustained improvement"] == "Responders (≥ 30 % better): 33 %"   # only c1: 1 of 3
    assert "1 of those 3 courses improved by 30 % or more" in \
        next(m.help for m in app.metric if m.label == "Median sustained improvement")


TILE_LABELS = ["Courses", "Patients", "First-session relief", "Median sustained improvement", "Mean adherence",
               "Drop-out rate"]


def test_the_six_tiles_stand_in_one_wrapping_row_of_fixed_width_boxes(app):
    from clinic.charts import overview
    app.run()
    assert check_tile_rows(app, "overview.tiles", width_px=overview.TILE_WIDTH_PX) == [TILE_LABELS]


def test_on_a_phone_the_six_tiles_stand_one_under_another_as_wide_as_the_screen(app, monkeypatch):
    from clinic import ui
    monkeypatch.setattr(ui, "on_phone", lambda: True)
    app.run()
    assert check_tile_rows(app, "overview.tiles", phone=True) == [TILE_LABELS]


@pytest.mark.parametrize("chart_px, stacked", [(320, True), (480, True), (500, False), (None, False)])
def test_in_a_window_as_narrow_as_a_phone_the_tiles_stand_one_under_another_too(app, monkeypatch,
                                                                              chart_px, stacked):
    # a desktop browser's window whose charts are a phone's width (480 px at most) holds one tile a
    # row as a phone's screen does; a wider one, or one that said nothing, keeps the wrapping row
    from clinic import ui
    from clinic.charts import overview
    monkeypatch.setattr(ui, "figure_px", lambda: chart_px)
    app.run()
    width = None if stacked else overview.TILE_WIDTH_PX
    assert check_tile_rows(app, "overview.tiles", phone=stacked, width_px=width) == [TILE_LABELS]


def test_no_tile_shows_an_arrow_because_no_tile_shows_a_change(app):
    # "↑ 1 of 3 courses" under the drop-out rate would read as "drop-outs are rising"
    app.run()
    assert len(app.metric) == 6
    assert all(m.proto.direction == MetricProto.MetricDirection.NONE for m in app.metric)


def test_without_a_therapist_filter_the_tiles_show_no_clinic_benchmark(app):
    app.run()
    assert benchmarks_of(app) == {}                  # it would only repeat the figure


def test_choosing_a_therapist_in_the_sidebar_changes_the_kpis(app):
    app.run()
    app.sidebar.multiselect(key="therapist").select("Birch").run()
    assert metrics_of(app)["First-session relief"] == "50 %"        # c1 yes, p3 no
    assert metrics_of(app)["Median sustained improvement"] == "38 %"   # (62.5 + 100/7) / 2
    assert metrics_of(app)["Mean adherence"] == "80 %"              # (1 + 0.6) / 2
    assert metrics_of(app)["Drop-out rate"] == "0 %"


def test_a_director_choosing_a_therapist_sees_the_whole_clinic_beside_each_figure(app):
    app.run()
    app.sidebar.multiselect(key="therapist").select("Birch").run()
    # The same filters without the therapist: the clinic's figures of the first test.
    assert benchmarks_of(app) == {
        "Courses": "clinic: 3",
        "Patients": "clinic: 3",
        "First-session relief": "clinic: 33 %",                     # 1 of 3
        "Median sustained improvement": "clinic: 14 %",             # median of 62.5, 0, 100/7
        "Mean adherence": "clinic: 60 %",                           # (1 + 0.2 + 0.6) / 3
        "Drop-out rate": "clinic: 33 %",                            # c2 of 3
    }
    assert metrics_of(app)["Courses"] == "2"                        # Birch's own: c1, p3


def test_a_therapist_account_gets_no_clinic_figure_when_the_clinic_has_fewer_than_11_patients(app, signed_in_as):
    signed_in_as("birch")
    app.run()
    assert not app.exception
    assert metrics_of(app)["First-session relief"] == "50 %"        # Birch's own: c1 yes, p3 no
    # The clinic has 3 patients (and only p2 is not Birch's): suppressed, no figure at all.
    shown = benchmarks_of(app)
    assert set(shown) == set(metrics_of(app))
    assert set(shown.values()) == {"clinic: hidden"}


def test_a_link_with_filters_in_its_url_reproduces_the_view(app):
    # The URL carries what the sidebar shows: therapist names and the rule's label.
    app.query_params["therapist"] = "Birch"
    app.query_params["relief"] = "≥ 2 points"
    app.query_params["diagnosis"] = "Other"
    app.run()
    assert app.sidebar.multiselect(key="therapist").value == ["Birch"]
    assert app.sidebar.radio(key="relief").value == "points2"
    assert app.sidebar.multiselect(key="diagnosis").value == ["other"]
    # Birch and diagnosis "other": only p3's course, 7 -> 7: not relieved under the 2-point rule
    assert metrics_of(app)["Patients"] == "1"
    assert metrics_of(app)["First-session relief"] == "0 %"


def test_filters_survive_a_page_switch(app):
    app.run()
    app.sidebar.multiselect(key="therapist").select("Cedar").run()
    app.switch_page("pages/cohorts.py").run()
    app.switch_page("pages/overview.py").run()
    assert not app.exception
    assert app.sidebar.multiselect(key="therapist").value == ["Cedar"]
    assert metrics_of(app)["Patients"] == "1"


def test_a_therapist_account_filtering_on_itself_is_told_how_to_get_the_clinic_back(app, signed_in_as):
    # The clinic-wide total keeps the sidebar's filters except the account's scope, so with the
    # therapist filter on Birch it would be Birch's own courses again: no benchmark, and a word why.
    signed_in_as("birch")
    app.run()
    app.sidebar.multiselect(key="therapist").select("Birch").run()
    assert not app.exception
    assert benchmarks_of(app) == {}
    assert any("Clear the therapist filter" in c.value for c in app.caption)


# A clinic of three patients where a therapist may see the clinic's figures once the smallest cell
# shown is 2 patients (CLINIC_MIN_CELL_PATIENTS=2): Birch treats p1; Cedar p2 and p3, so 2 patients
# are not Birch's. Every course is planned for 2 days and attended on 03-10 and 03-11 (completed,
# adherence 1, no drop-out).
#   b1 p1 Birch  8->4 (relieved: 4/8 = 50 %), then pain before 6: sustained (8 - 6) / 8 = 25 %
#   c2 p2 Cedar  6->5 (1/6, not relieved),    then 6:              (6 - 6) / 6 = 0 %
#   c3 p3 Cedar  5->2 (3/5 = 60 %, relieved), then 4:              (5 - 4) / 5 = 20 %
# Clinic: relief 2 of 3 = 67 %, median of {25, 0, 20} = 20 %, adherence 100 %, drop-out 0 %.
SMALL_CLINIC_COURSES = """
course_id,patient_id,start_date,planned_sessions
b1,p1,2026-03-10,2
c2,p2,2026-03-10,2
c3,p3,2026-03-10,2
"""
SMALL_CLINIC_SESSIONS = """
session_id,patient_id,course_id,session_date,therapist,status,pain_before,pain_after
s1,p1,b1,2026-03-10,Birch,attended,8,4
s2,p1,b1,2026-03-11,Birch,attended,6,3
s3,p2,c2,2026-03-10,Cedar,attended,6,5
s4,p2,c2,2026-03-11,Cedar,attended,6,5
s5,p3,c3,2026-03-10,Cedar,attended,5,2
s6,p3,c3,2026-03-11,Cedar,attended,4,2
"""


def test_a_therapist_account_sees_the_whole_clinic_beside_its_own_figures_when_the_clinic_is_large_enough(
        db_from, monkeypatch, signed_in_as):
    database = db_from(sessions=SMALL_CLINIC_SESSIONS, courses=SMALL_CLINIC_COURSES)
    monkeypatch.setenv("CLINIC_DB", str(database))
    monkeypatch.setenv("CLINIC_MIN_CELL_PATIENTS", "2")
    signed_in_as("birch")
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.query_params["as_of"] = "2026-03-20"
    at.run()
    assert not at.exception
    assert metrics_of(at)["First-session relief"] == "100 %"                   # b1 only, relieved
    assert metrics_of(at)["Median sustained improvement"] == "25 %"            # b1 only
    assert benchmarks_of(at) == {
        "Courses": "clinic: 3",
        "Patients": "clinic: 3",
        "First-session relief": "clinic: 67 %",                                # 2 of 3
        "Median sustained improvement": "clinic: 20 %",                        # middle of 0, 20, 25
        "Mean adherence": "clinic: 100 %",
        "Drop-out rate": "clinic: 0 %",
    }


def test_the_call_list_comes_first_and_names_the_course_that_missed_yesterday(app):
    app.run()
    assert [t.label for t in app.tabs] == [
        "Call today (1)", "Not seen for more than 7 days (1)",           # p3 (2 days); c2 (17 days)
        "Numbness reported (1)", "Acute inflammation (1)", "No doctor's conclusion (1)"]   # all p3
    calls = lists_of(app)["call_list"]
    assert list(calls.course_id) == ["p3:2026-03-15"]
    row = calls.iloc[0]
    assert (row.patient_id, row.therapist, str(row.last_attended_date.date())) == ("p3", "Birch", "2026-03-18")
    assert row.days_since_last_visit == 2                           # 03-20 - 03-18
    assert (row.sessions_attended, row.sessions_left) == (3, 7)     # 03-15, 03-16, 03-18 of 10 planned
    assert opened_course(row.link) == "p3:2026-03-15"


def test_the_days_questions_come_before_the_headline_figures(app):
    app.run()
    headings = [h.value for h in app.subheader]
    assert headings[:4] == ["Today: who to call", "Red flags to check", "The three questions at a glance",
                            "Relief after the first session: is it the rule?"]


def test_the_lists_put_the_patient_and_the_link_first_and_pin_them(app):
    app.run()
    tables = lists_of(app)
    assert list(tables["call_list"].columns[:5]) == [
        "patient_id", "link", "days_since_last_visit", "therapist", "last_attended_date"]
    assert list(tables["not_seen"].columns[:4]) == ["patient_id", "link", "days_since_last_visit", "therapist"]
    assert list(tables["numbness"].columns[:4]) == ["patient_id", "link", "last_flagged_date", "therapist"]
    assert list(tables["no_conclusion"].columns[:4]) == ["patient_id", "link", "start_date", "therapist"]
    for key in LISTS:
        config = json.loads(open_list(app, key).dataframe[0].proto.columns)
        assert config["patient_id"].get("pinned") is True and config["link"].get("pinned") is True


def test_the_red_flag_lists_have_short_headers_with_their_meaning_on_hover(app):
    # twelve columns fit the page only with short headers; what each means is in its help
    app.run()
    config = json.loads(open_list(app, "numbness").dataframe[0].proto.columns)
    headers = {column: (config[column]["label"], config[column].get("help", "")) for column in
               ("flagged_sessions", "sessions_attended", "days_since_last_visit", "ongoing")}
    assert headers["flagged_sessions"][0] == "Flagged"
    assert headers["flagged_sessions"][1].startswith("Sessions of the course with this flag: numbness reported")
    assert headers["sessions_attended"] == ("Attended", "Sessions attended so far in the course.")
    assert headers["days_since_last_visit"][0] == "Days since visit"
    assert headers["days_since_last_visit"][1].startswith("Days since the last visit")
    assert headers["ongoing"] == ("Ongoing", "Neither completed nor dropped out: still being treated.")


def test_the_recently_dropped_and_red_flag_lists_name_the_current_courses(app):
    app.run()
    tables = lists_of(app)
    assert list(tables["not_seen"].course_id) == ["c2"]              # last visit 03-03, 17 days before 03-20
    assert list(tables["numbness"].course_id) == ["p3:2026-03-15"]
    assert list(tables["acute_inflammation"].course_id) == ["p3:2026-03-15"]
    assert list(tables["no_conclusion"].course_id) == ["p3:2026-03-15"]
    assert opened_course(tables["not_seen"].link.iloc[0]) == "c2"


def test_a_list_longer_than_a_days_work_shows_its_most_urgent_rows_and_downloads_them_all(app, page_db,
                                                                                         monkeypatch):
    from clinic import access, ui

    monkeypatch.setattr(ui, "LIST_SHOWN_ROWS", 1)
    app.query_params["as_of"] = "2026-04-05"          # two courses not seen for 8+ days: c4, then p3
    app.run()
    tab = open_list(app, "not_seen")
    assert list(tab.dataframe[0].value.course_id) == ["c4"]               # the shorter absence only
    assert [c.value for c in app.caption if c.value.startswith("The first 1 of")] == [
        "The first 1 of 2 are shown, in this order; the download has them all, and the Patients page finds any "
        "course."]                                        # the red-flag lists hold one course each: nothing cut
    [button] = [b for b in app.get("download_button") if b.proto.label == "Download this list (CSV)"
                and "not_seen" in b.proto.id]
    assert press_download(button).count(b"\n") == 1 + 2          # the header, c4 and p3
    entry = access.AccessStore.for_database(page_db).audit_entries(action="export")[0]
    assert json.loads(entry["detail"]) == {"file": "attention-not-seen-as-of-2026-04-05.csv", "rows": 2}


@pytest.mark.parametrize("rows, px", [(0, 73), (1, 73), (12, 458), (20, 738), (200, 738)])
def test_a_list_to_act_on_shows_up_to_20_rows_without_scrolling(rows, px):
    # 38 px of header and border, 35 px a row: 12 rows are 38 + 420 = 458 px; from 20 rows on, 738 px
    from clinic import ui

    assert ui.list_height(rows) == px


@pytest.mark.parametrize("rows, px", [(0, 73), (2, 108), (10, 388), (11, 420), (300, 420)])
def test_a_checks_rows_stand_in_a_table_as_tall_as_them_up_to_eleven_rows(rows, px):
    # Protocol safety's and Data quality's lists: 38 + 35 px a row, at most 420 px (11 rows: 423 px)
    from clinic import ui

    assert ui.rows_height(rows) == px


def test_a_list_longer_than_its_table_says_it_scrolls(app, monkeypatch):
    from clinic import ui

    monkeypatch.setattr(ui, "LIST_VISIBLE_ROWS", 1)
    app.query_params["as_of"] = "2026-04-05"          # two courses not seen for 8+ days: c4, then p3
    app.run()
    open_list(app, "not_seen")
    assert [c.value for c in app.caption if "rows at a time" in c.value] == [
        "1 of these 2 rows at a time: scroll inside the table for the rest."]
    open_list(app, "call_list")                       # no course to call as of 04-05: no such line
    assert not [c.value for c in app.caption if "rows at a time" in c.value]


def test_a_lists_file_is_named_after_the_as_of_date_and_the_filters_as_on_every_other_page(app, page_db):
    # Birch's call list as of 03-20: p3:2026-03-15 (unfinished, last visit 03-18).
    from clinic import access

    app.query_params["therapist"] = "Birch"
    app.run()
    [button] = [b for b in app.get("download_button") if b.proto.label == "Download this list (CSV)"
                and "call_list" in b.proto.id]
    assert press_download(button).count(b"\n") == 1 + 1          # the header and p3
    entry = access.AccessStore.for_database(page_db).audit_entries(action="export")[0]
    assert json.loads(entry["detail"]) == {"file": "call-list-as-of-2026-03-20-therapist-birch.csv", "rows": 1}


def test_the_attention_lists_leave_out_courses_not_seen_for_more_than_30_days(app):
    # As of 2026-04-05: c2's last visit (03-03) is 33 days back, so it is no longer current;
    # c1 (completed 03-05, 31 days back) neither; p3 was last seen 03-21 (15 days back) and c4,
    # started 03-25, on 03-25 (11 days back): the shorter absence comes first. Nobody to call.
    app.query_params["as_of"] = "2026-04-05"
    app.run()
    labels = [t.label for t in app.tabs]
    assert labels == ["Call today (0)", "Not seen for more than 7 days (2)", "Numbness reported (1)",
                      "Acute inflammation (1)", "No doctor's conclusion (1)"]
    assert any("Nobody to call" in s.value for s in app.success)
    assert list(open_list(app, "not_seen").dataframe[0].value["course_id"]) == ["c4", "p3:2026-03-15"]


@pytest.mark.parametrize("who, expected", [("director", ["c2"]), ("birch", [])])
def test_a_therapist_account_does_not_see_another_therapists_patient_on_the_call_list(app, signed_in_as, who,
                                                                                    expected):
    # As of 2026-03-07: c2 (Cedar) was last seen 03-03, 4 days before: to call. c1 (Birch) completed on
    # 03-05 and is never called; p3 has not started yet. Birch's account must not see Cedar's c2.
    signed_in_as(who)
    app.query_params["as_of"] = "2026-03-07"
    app.run()
    assert not app.exception
    assert app.tabs[0].label == f"Call today ({len(expected)})"
    if expected:
        assert list(lists_of(app)["call_list"].course_id) == expected
    else:
        assert any("Nobody to call" in s.value for s in app.success)
        assert all("c2" not in list(df.value["course_id"]) for df in app.dataframe if "course_id" in df.value)


def test_a_therapist_account_is_listed_its_own_patient_to_call(app, signed_in_as):
    signed_in_as("birch")
    app.run()
    assert list(lists_of(app)["call_list"].course_id) == ["p3:2026-03-15"]    # 2 days since 03-18


def test_the_weekly_pain_chart_marks_the_week_in_progress_as_partial(app):
    # As of Friday 2026-03-20 the week of Monday 03-16 has 5 of its 7 days: p3's 03-16 (7) and 03-18 (6)
    app.run()
    weekly = next(s for s in specs(app) if s["layout"]["title"]["text"] == "Pain before sessions, week by week")
    partial = [t for t in weekly["data"] if t.get("name", "").startswith("This week so far")]
    assert len(partial) == 1
    assert partial[0]["name"] == "This week so far (5 of 7 days, partial)"
    assert partial[0]["marker"]["symbol"] == "circle-open"
    assert partial[0]["y"] == [6.5]
    full = next(t for t in weekly["data"] if t.get("name") == "Mean pain before sessions")
    assert [x[:10] for x in full["x"]] == ["2026-02-23", "2026-03-02", "2026-03-09"]


def test_a_week_that_ended_on_a_past_sunday_as_of_date_is_drawn_as_a_full_week(app):
    # As of Sunday 2026-03-15, a day long over: the week of 03-09 holds p3's 03-15 (7) and is complete.
    # Week of 02-23: c1 8 and c2 6 on 03-01 -> 7.0; week of 03-02: c1 (6+5+4+3)/4 = 4.5 and c2 6 -> 5.25.
    app.query_params["as_of"] = "2026-03-15"
    app.run()
    weekly = next(s for s in specs(app) if s["layout"]["title"]["text"] == "Pain before sessions, week by week")
    assert not [t for t in weekly["data"] if t.get("name", "").startswith("This week so far")]
    full = next(t for t in weekly["data"] if t.get("name") == "Mean pain before sessions")
    assert [x[:10] for x in full["x"]] == ["2026-02-23", "2026-03-02", "2026-03-09"]
    assert full["y"] == pytest.approx([7.0, 5.25, 7.0])
    assert "partial" not in weekly["layout"]["title"]["subtitle"]["text"]


def test_the_weekly_pain_numbers_download_with_the_week_in_progress_marked(app, page_db):
    # As of Friday 03-20, z = 1.959963984540054. Week of 02-23: c1 8 and c2 6 on 03-01 -> 7.0, interval
    # 7 ± z * sd(8, 6) / √2 = 7 ± z; of 03-02: c1 (6+5+4+3)/4 = 4.5, c2 6 -> 5.25 ± z * (1.5/√2) / √2
    # = ± 0.75 z; of 03-09: p3's 03-15 alone, 7.0 (one course: no interval); of 03-16: p3's 7 and 6
    # -> 6.5, 5 of 7 days so far.
    from page_support import press_download

    from clinic import access

    app.run()
    [button] = [b for b in app.get("download_button") if b.proto.label == "Download pain week by week (CSV)"]
    lines = press_download(button).decode().splitlines()
    assert lines[0] == "week_start,sessions,courses,mean_pain,ci_low,ci_high,days_counted,week_complete"
    rows = [line.split(",") for line in lines[1:]]
    assert [(r[0], r[1], r[2], r[6], r[7]) for r in rows] == [
        ("2026-02-23", "2", "2", "7", "True"), ("2026-03-02", "5", "2", "7", "True"),
        ("2026-03-09", "1", "1", "7", "True"), ("2026-03-16", "2", "1", "5", "False")]
    assert [float(r[3]) for r in rows] == pytest.approx([7.0, 5.25, 7.0, 6.5])
    z = 1.959963984540054
    assert [float(v) for v in rows[0][4:6]] == pytest.approx([7 - z, 7 + z])
    assert [float(v) for v in rows[1][4:6]] == pytest.approx([5.25 - 0.75 * z, 5.25 + 0.75 * z])
    assert rows[2][4:6] == rows[3][4:6] == ["", ""]
    entry = access.AccessStore.for_database(page_db).audit_entries(action="export")[0]
    assert json.loads(entry["detail"]) == {"file": "pain-by-week-as-of-2026-03-20.csv", "rows": 4}


def test_the_claim_verdict_is_undecided_with_three_courses(app):
    app.run()
    text = " ".join(m.value for m in app.markdown)
    assert "Undecided" in text           # Wilson interval for 1 of 3 straddles 50 %
    # the rate to the interval's one decimal, so it never reads as outside it
    assert "**Undecided:** 33.3 % of 3 courses (95 % interval 6.1 % – 79.2 %)" in text
    helps = {m.label: m.proto.help for m in app.metric}
    assert "1 of 3 assessable courses (33.3 %)" in helps["First-session relief"]


def test_an_empty_database_says_so_in_words(empty_db, monkeypatch):
    monkeypatch.setenv("CLINIC_DB", str(empty_db))
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60).run()
    assert not at.exception
    assert any("No courses match" in i.value for i in at.info)


def test_a_missing_database_named_by_clinic_db_is_explained_and_only_import_is_offered(tmp_path, monkeypatch):
    monkeypatch.setenv("CLINIC_DB", str(tmp_path / "nowhere.duckdb"))
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60).run()
    assert not at.exception
    assert any("There is no database at" in e.value for e in at.error)
    assert not (tmp_path / "nowhere.duckdb").exists()


def test_a_database_busy_with_an_import_gives_a_plain_message_not_a_traceback(app, monkeypatch):
    from clinic import db, store

    def busy(path):
        raise db.DatabaseLocked("the database is in use by another process")

    monkeypatch.setattr(store, "reading", busy)
    app.run()
    assert not app.exception
    assert any("busy with an import" in w.value for w in app.warning)


def test_the_tiles_help_states_the_spread_and_the_intervals_of_the_page_fixture(app):
    app.run()                                    # the Overview is the first page
    assert not app.exception
    helps = {m.label: m.proto.help for m in app.metric}
    # sustained improvement of c1, c2, p3: 0, 100/7 = 14.29, 62.5 %: q1 = 0 + 0.5 x 14.29 = 7.1 %,
    # q3 = 14.29 + 0.5 x (62.5 - 14.29) = 38.4 %
    assert "Interquartile range 7.1 % – 38.4 %" in helps["Median sustained improvement"]
    # drop-outs 1 of 3 (c2): Wilson 6.1 % – 79.2 %; adherent 1 of 3 rated (c1): the same interval
    assert "95 % Wilson interval 6.1 % – 79.2 %." in helps["Drop-out rate"]
    assert "Adherent: 1 of 3 rated courses. 95 % Wilson interval 6.1 % – 79.2 %." in helps["Mean adherence"]
