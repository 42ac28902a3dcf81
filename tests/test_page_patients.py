"""The Patients page on the hand-computed page fixture (see conftest.py for the arithmetic).

As of 2026-03-20 the courses are c1 (p1, Birch, completed), c2 (p2, Cedar, dropped out) and
p3:2026-03-15 (p3, Birch, ongoing); c4 starts after the as-of date and never shows.
"""
from __future__ import annotations

import pytest
import streamlit as st
from page_support import open_page, press_download
from streamlit.testing.v1 import AppTest

from clinic.db import ROOT

PAGE = "pages/patients.py"


def tiles(app) -> dict[str, str]:
    return {m.label: m.value for m in app.metric}


def table(app, key: str):
    """The course table (a selectable dataframe, keyed) or the session notes (the table with session ids)."""
    if key == "patients.table":
        return next(df.value for df in app.dataframe if key in df.proto.id)
    return next(df.value for df in app.dataframe if "session_id" in df.value.columns)


def test_the_table_lists_every_matching_course_most_recent_first(app):
    open_page(app, PAGE)
    courses = table(app, "patients.table")
    assert list(courses.course_id) == ["p3:2026-03-15", "c1", "c2"]     # c1 and c2 both start 03-01
    assert list(courses.status) == ["ongoing", "completed", "dropped out"]
    assert list(courses.diagnosis) == ["Other", "Disc herniation", "Piriformis syndrome"]
    assert any("3 of 3 courses match" in c.value for c in app.caption)


def test_adherence_is_shown_in_per_cent_as_everywhere_else_in_the_dashboard(app):
    import json

    open_page(app, PAGE)
    [frame] = [df for df in app.dataframe if "patients.table" in df.proto.id]
    # p3 3 attended of its 5 window days (0.6), c1 5 of 5, c2 2 of 10: shown as 60 %, 100 %, 20 %
    assert list(frame.value.adherence) == pytest.approx([60.0, 100.0, 20.0])
    assert json.loads(frame.proto.columns)["adherence"]["type_config"]["format"] == "%.0f %%"


def test_the_search_box_narrows_the_table_by_therapist_patient_or_course(app):
    open_page(app, PAGE)
    app.text_input(key="patients.search").input("ced").run()           # therapist Cedar, any case
    assert list(table(app, "patients.table").course_id) == ["c2"]
    assert any("1 of 3 courses match" in c.value for c in app.caption)
    app.text_input(key="patients.search").input("P3").run()
    assert list(table(app, "patients.table").course_id) == ["p3:2026-03-15"]


def test_choosing_a_course_shows_its_metrics_paperwork_and_notes_unrendered(app):
    open_page(app, PAGE)
    app.text_input(key="patients.course").input("c1").run()
    assert not app.exception
    shown = tiles(app)
    assert shown["First-session relief"] == "Yes"              # 8 -> 4: 50 % >= 30 %
    assert shown["Sustained improvement"] == "62.5 %"          # (8 - 3) / 8
    assert shown["Adherence"] == "100 %"                       # 5 of 5 days
    assert shown["Longest break"] == "0 days"
    assert shown["Status"] == "Completed"
    assert shown["Sessions attended"] == "5"
    assert (shown["Doctor's conclusion"], shown["Imaging"], shown["Blood tests"], shown["Referral date"]) == \
        ("Yes", "MRI", "Yes", "20 Feb 2026")
    notes = table(app, "patients.sessions")
    assert list(notes.session_id) == ["s01", "s02", "s03", "s04", "s05"]
    assert notes.notes.iloc[4] == "<b>bold?</b> & done"        # shown as text by st.dataframe
    assert list(notes.notes.iloc[1:4]) == ["", "", ""]         # no note: a blank cell, not "None"
    assert set(notes.session_time) == {"09:00"}                # HH:MM, no seconds
    assert list(notes.pain_change) == ["-4", "-3", "-2", "-2", "-1"]   # 4-8, 3-6, 3-5, 2-4, 2-3: less pain
    assert not any("bold?" in m.value for m in [*app.markdown, *app.caption, *app.text])


def test_a_link_with_a_course_opens_that_patient_with_flags_and_missing_paperwork(app):
    app.query_params["patients.course"] = "p3:2026-03-15"
    open_page(app, PAGE)
    assert app.text_input(key="patients.course").value == "p3:2026-03-15"
    shown = tiles(app)
    assert shown["First-session relief"] == "No"               # 7 -> 7
    assert shown["Sustained improvement"] == "14.3 %"          # (7 - 6) / 7
    assert shown["Adherence"] == "60 %"                        # 3 of 5 days, 03-15 .. 03-19 (03-20 not over)
    assert shown["Longest break"] == "1 day"                   # 03-17
    assert shown["Status"] == "Ongoing"                        # last visit 2 days before 03-20
    assert (shown["Numbness reported"], shown["Acute inflammation"], shown["Missing pain scores"]) == \
        ("1 session", "1 session", "0 sessions")
    assert (shown["Doctor's conclusion"], shown["Imaging"], shown["Blood tests"], shown["Referral date"]) == \
        ("No", "X-ray", "not on file", "not on file")
    assert len(app.warning) == 2                               # numbness and acute inflammation
    assert list(table(app, "patients.sessions").session_id) == ["s09", "s10", "s11"]   # s12 is after 03-20


def test_a_dropped_out_course_counts_its_no_show(app):
    app.query_params["patients.course"] = "c2"
    open_page(app, PAGE)
    shown = tiles(app)
    assert shown["Status"] == "Dropped out"                    # 17 days since 03-03
    assert shown["Cancelled / no-show"] == "0 / 1"
    assert shown["Adherence"] == "20 %"                        # 2 of 10 days


def test_a_therapist_filter_hides_other_therapists_patients_from_the_detail_view(app):
    app.query_params["patients.course"] = "c2"                 # Cedar's patient
    app.query_params["therapist"] = "Birch"
    open_page(app, PAGE)
    assert list(table(app, "patients.table").course_id) == ["p3:2026-03-15", "c1"]
    assert "Sustained improvement" not in tiles(app)
    assert not any(df for df in app.dataframe if "session_id" in df.value.columns)     # none of c2's sessions
    assert any("Course 'c2' is not among the courses these filters let you see" in w.value for w in app.warning)


def test_a_link_to_a_course_that_does_not_exist_says_so(app):
    app.query_params["patients.course"] = "c99"
    open_page(app, PAGE)
    assert "Sustained improvement" not in tiles(app)
    assert [w.value for w in app.warning if "Course 'c99' is not among the courses" in w.value]
    # (a link to a course that is there warns about nothing: see the p3 test, which counts two warnings)


def test_an_empty_database_says_so_in_words(empty_db, monkeypatch):
    monkeypatch.setenv("CLINIC_DB", str(empty_db))
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    open_page(at, PAGE)
    assert any("No courses match" in i.value for i in at.info)
    assert not at.dataframe


def test_the_course_table_pins_the_course_and_patient_and_leads_with_the_deciding_metrics(app):
    import json

    open_page(app, PAGE)
    [frame] = [df for df in app.dataframe if "patients.table" in df.proto.id]
    assert list(frame.value.columns[:8]) == ["course_id", "patient_id", "start_date", "status", "therapist",
                                             "first_session_relief", "sustained_improvement_pct", "adherence"]
    config = json.loads(frame.proto.columns)
    assert config["course_id"]["pinned"] is True and config["patient_id"]["pinned"] is True
    assert config["first_session_relief"]["label"] == "First-session relief"


def test_a_flagged_session_says_so_in_a_flags_column_before_the_notes(app):
    # p3: s09 during acute inflammation, s10 with numbness, s11 without a flag
    app.query_params["patients.course"] = "p3:2026-03-15"
    open_page(app, PAGE)
    sessions = table(app, "patients.sessions")
    assert list(sessions["flags"]) == ["acute", "numbness", ""]              # acute inflammation: "acute"
    columns = list(sessions.columns)
    assert columns.index("flags") < columns.index("numbness") < columns.index("notes") and columns[-1] == "notes"
    assert any(c.value.startswith("2 sessions with a flag") for c in app.caption)


def test_the_session_table_has_short_headers_explained_on_hover_and_its_date_pinned(app):
    import json

    app.query_params["patients.course"] = "p3:2026-03-15"
    open_page(app, PAGE)
    [frame] = [df for df in app.dataframe if "session_id" in df.value.columns]
    config = json.loads(frame.proto.columns)
    assert [config[c]["label"] for c in ("pain_before", "pain_after", "pain_change", "muscle_tension")] == \
        ["Before", "After", "Change", "Tension"]
    assert "0–10 (NRS)" in config["pain_before"]["help"] and "minus pain before" in config["pain_change"]["help"]
    assert config["session_date"]["pinned"] is True and config["notes"].get("pinned") is not True
    # numbers written as text read right-aligned; a status, a flag and a note do not
    assert config["pain_before"]["alignment"] == "right" and config["course_day"]["alignment"] == "right"
    assert config["status"].get("alignment") is None and config["flags"].get("alignment") is None
    # as wide as their widest cell or header: the dates "2026-03-..." 8 digits x 7 + 2 hyphens x 4 + 16 = 80 px
    # (the header "Date" 27 + 24 is narrower); a note no wider than charts.TEXT_MOST_PX
    from clinic.charts import TEXT_MOST_PX

    assert config["session_date"]["width"] == 80
    assert 0 < config["notes"]["width"] <= TEXT_MOST_PX


def test_the_downloads_are_named_after_the_as_of_date_and_the_filters_with_an_xlsx_beside_each_csv(app, page_db):
    import json

    from clinic import access

    def downloaded(label) -> dict:
        [button] = [b for b in app.get("download_button") if b.proto.label == label]
        press_download(button)
        return json.loads(access.AccessStore.for_database(page_db).audit_entries(action="export")[0]["detail"])

    app.query_params["patients.course"] = "p3:2026-03-15"
    app.query_params["therapist"] = "Birch"
    open_page(app, PAGE)
    assert downloaded("Download these courses (CSV)") == {"file": "courses-as-of-2026-03-20-therapist-birch.csv",
                                                          "rows": 2}           # c1 and p3
    assert downloaded("Download these courses for Excel (XLSX)") == {
        "file": "courses-as-of-2026-03-20-therapist-birch.xlsx", "rows": 2}
    # one course's sessions: its id (the colon of an inferred id as a hyphen) and the as-of date
    assert downloaded("Download this course's sessions for Excel (XLSX)") == {
        "file": "sessions-p3-2026-03-15-2026-03-20.xlsx", "rows": 3}          # s09..s11; s12 is after 03-20
    app.text_input(key="patients.search").input("p1").run()
    assert downloaded("Download these courses (CSV)") == {
        "file": "courses-matching-p1-as-of-2026-03-20-therapist-birch.csv", "rows": 1}


def test_a_long_course_list_is_prepared_for_excel_on_request_then_downloaded(app, page_db, monkeypatch):
    import json

    from clinic import access, exports

    monkeypatch.setattr(exports, "XLSX_AT_ONCE_ROWS", 2)           # the 3 courses count as a long list
    open_page(app, PAGE)
    labels = [b.proto.label for b in app.get("download_button")]
    assert "Download these courses for Excel (XLSX)" not in labels
    app.button(key="patients.prepare_xlsx").click().run()
    [button] = [b for b in app.get("download_button") if b.proto.label == "Download these courses for Excel (XLSX)"]
    assert press_download(button).startswith(b"PK")             # an XLSX is a zip file
    entry = access.AccessStore.for_database(page_db).audit_entries(action="export")[0]
    assert json.loads(entry["detail"]) == {"file": "courses-as-of-2026-03-20.xlsx", "rows": 3}
    app.text_input(key="patients.search").input("ced").run()        # another table: to be prepared again
    assert [b.proto.label for b in app.button if b.key == "patients.prepare_xlsx"] == []   # 1 course: at once
    assert "Download these courses for Excel (XLSX)" in [b.proto.label for b in app.get("download_button")]


def test_a_long_course_list_is_prepared_as_a_csv_in_parts_with_the_rows_of_the_list_written_at_once(
        app, page_db, monkeypatch):
    # Birch's courses, most recent first: p3:2026-03-15 (ongoing), then c1 (completed); Cedar's c2 is
    # the decoy the therapist filter leaves out. Written at once (the list is short), then prepared on
    # request as a long list is, one row a part: the same file, its header once.
    from clinic import exports, ui

    app.query_params["therapist"] = "Birch"
    open_page(app, PAGE)
    [at_once] = [b for b in app.get("download_button") if b.proto.label == "Download these courses (CSV)"]
    written = press_download(at_once)
    monkeypatch.setattr(exports, "CSV_AT_ONCE_ROWS", 1)             # 2 courses: a long list
    monkeypatch.setattr(ui, "CSV_PART_ROWS", 1)
    app.run()
    assert "Download these courses (CSV)" not in [b.proto.label for b in app.get("download_button")]
    app.button(key="patients.prepare_csv").click().run()
    [prepared] = [b for b in app.get("download_button") if b.proto.label == "Download these courses (CSV)"]
    in_parts = press_download(prepared)
    assert in_parts == written
    lines = in_parts.decode("utf-8").splitlines()
    header = lines[0].split(",")
    assert len(lines) == 3 and header[:2] == ["patient_id", "course_id"]
    assert [line.split(",")[1] for line in lines[1:]] == ["p3:2026-03-15", "c1"]
    assert header[-3:] == ["failure_to_progress", "ceiling", "red_flag_rising"]


def test_the_search_is_kept_in_the_link_so_a_shared_link_shows_the_same_courses(app):
    app.query_params["patients.search"] = "p3"                 # p3's inferred course only, of c1, c2, p3:…
    open_page(app, PAGE)
    assert app.text_input(key="patients.search").value == "p3"
    assert list(table(app, "patients.table").patient_id) == ["p3"]
    assert any(c.value.startswith("1 of 3 courses match") for c in app.caption)


@pytest.fixture
def many_courses(tmp_path, monkeypatch):
    """60 courses, c01 .. c60, one visit each, c60 started last (2026-01-01 + 59 days); as of 03-20."""
    import datetime as dt

    import streamlit as st

    from query_support import build_db

    start = dt.date(2026, 1, 1)
    rows = [f"s{n:02d},p{n:02d},c{n:02d},{start + dt.timedelta(days=n - 1)},Birch,attended,6,3" for n in range(1, 61)]
    sessions = "session_id,patient_id,course_id,session_date,therapist,status,pain_before,pain_after\n" + \
        "\n".join(rows)
    path = build_db(tmp_path, sessions=sessions)
    monkeypatch.setenv("CLINIC_DB", str(path))
    st.cache_data.clear()
    return path


def test_a_long_course_list_is_shown_a_page_at_a_time_in_the_chosen_order(app, many_courses):
    open_page(app, PAGE)
    courses = table(app, "patients.table")
    assert len(courses) == 50                                          # the page, not all 60
    assert list(courses.course_id[:2]) == ["c60", "c59"] and courses.course_id.iloc[-1] == "c11"
    assert any(c.value.startswith("60 of 60 courses match") and "rows 1–50" in c.value for c in app.caption)
    app.number_input(key="patients.page").set_value(2).run()
    assert list(table(app, "patients.table").course_id) == [f"c{n:02d}" for n in range(10, 0, -1)]
    assert any("rows 51–60" in c.value for c in app.caption)
    app.selectbox(key="patients.sort").set_value("course").run()      # a new order starts at page 1
    assert list(table(app, "patients.table").course_id[:3]) == ["c01", "c02", "c03"]
    assert app.number_input(key="patients.page").value == 1


def test_selecting_a_row_on_a_later_page_opens_that_course(app, many_courses):
    open_page(app, PAGE)
    app.number_input(key="patients.page").set_value(2).run()
    app.text_input(key="patients.course").input("c05").run()         # what a row selection sets
    assert tiles(app)["Sessions attended"] == "1"
    assert not app.warning
