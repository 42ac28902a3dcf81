"""The Cohorts page on the hand-computed page fixture (see conftest.py for its courses).

As of 2026-03-20 there are three courses: c1 (p1, Birch, 45-59, disc herniation, North), c2 (p2, Cedar,
30-44, piriformis, Central) and p3:2026-03-15 (p3, Birch, <30, other, North).
By therapist:
  Birch: c1 and p3 -> 2 courses, 2 patients; relief c1 yes (8->4 = 50 %), p3 no (7->7): 1 of 2 = 50 %;
         Wilson 1 of 2: centre 0.5, half-width z*sqrt(0.25/2 + z²/16)/(1 + z²/2) = 0.4055 -> 9.5 % – 90.5 %;
         median improvement (62.5 + 100/7) / 2 = 38.39 %; adherence (1 + 0.6) / 2 = 80 %;
         adherent 1 (c1), completed 1 (c1), dropped out 0 -> 0 %.
  Cedar: c2 -> 1 course; relief 6->5 = 1/6 < 30 %: 0 of 1; Wilson 0 of 1: 0 % – z²/(1 + z²) = 79.3 %;
         median (6 - 6) / 6 = 0 %; adherence 2/10 = 20 %; dropped out 1 of 1 = 100 %.
"""
from __future__ import annotations

import json
import re

import pytest
import streamlit as st
from streamlit.proto.Metric_pb2 import Metric
from streamlit.testing.v1 import AppTest

from clinic import access
from page_support import press_download
from clinic.db import ROOT


def open_cohorts(app, **query):
    app.switch_page("pages/cohorts.py")
    for key, value in query.items():
        app.query_params[key] = value
    return app.run()


def table(at):
    return at.dataframe[0].value.set_index("label")


def chart(at) -> dict:
    return json.loads(at.get("plotly_chart")[0].proto.spec)


def test_the_therapists_are_compared_on_every_metric_with_hand_computed_numbers(app):
    at = open_cohorts(app)
    assert not at.exception
    rows = table(at)
    assert list(rows.index) == ["Birch", "Cedar"]
    assert rows.loc["Birch", ["courses", "patients", "relieved", "relief_assessable"]].tolist() == [2, 2, 1, 2]
    assert rows.loc["Birch", "relief_pct"] == pytest.approx(50.0)
    assert rows.loc["Birch", "relief_interval"] == "9.5 % – 90.5 %"
    assert rows.loc["Birch", "median_improvement_pct"] == pytest.approx((62.5 + 100 / 7) / 2)
    assert rows.loc["Birch", "adherence_pct"] == pytest.approx(80.0)      # (1 + 3/5) / 2
    assert rows.loc["Birch", ["adherent", "completed", "dropped_out"]].tolist() == [1, 1, 0]
    assert rows.loc["Birch", "dropout_pct"] == pytest.approx(0.0)
    assert rows.loc["Cedar", "relief_pct"] == pytest.approx(0.0)
    assert rows.loc["Cedar", "relief_interval"] == "0.0 % – 79.3 %"
    assert rows.loc["Cedar", "median_improvement_pct"] == pytest.approx(0.0)
    assert rows.loc["Cedar", "adherence_pct"] == pytest.approx(20.0)
    assert rows.loc["Cedar", "dropout_pct"] == pytest.approx(100.0)


def test_groups_this_small_are_flagged_in_the_table_and_the_caption(app):
    at = open_cohorts(app)
    assert set(table(at)["note"]) == {"too few to judge (< 5 courses)"}
    assert any("2 groups with fewer than 5 courses" in c.value for c in at.caption)


def test_the_chart_shows_the_relief_rate_per_therapist_against_the_overall_rate(app):
    at = open_cohorts(app)
    spec = chart(at)
    assert spec["layout"]["title"]["text"] == "First-session relief by therapist"
    [dots] = spec["data"]                                   # every group is small, so one pale trace
    assert dots["y"] == ["Birch", "Cedar"] and dots["x"] == pytest.approx([50.0, 0.0])
    assert spec["layout"]["shapes"][0]["x0"] == pytest.approx(100 / 3)   # 1 of 3 assessable overall
    # n = assessable courses of all: Birch 2 of 2, Cedar 1 of 1
    assert {"n = 2 of 2 · too few to judge", "n = 1 of 1 · too few to judge"} <= {a["text"] for a in spec["layout"]["annotations"]}


def test_the_responder_rate_and_mean_improvement_are_shown_with_their_interval(app):
    # sustained improvement: c1 (8 - 3) / 8 = 62.5 %, p3 (7 - 6) / 7 = 14.29 %, c2 0 %
    # Birch: c1 and p3 -> mean (62.5 + 100/7) / 2 = 38.39 %; 1 of 2 at >= 30 % -> 50 %, Wilson 9.5 % – 90.5 %
    # Cedar: c2 -> mean 0 %; 0 of 1 -> 0 %, Wilson 0 % – z²/(1 + z²) = 79.3 %
    at = open_cohorts(app)
    rows = table(at)
    assert rows.loc["Birch", "mean_improvement_pct"] == pytest.approx((62.5 + 100 / 7) / 2)
    assert rows.loc["Birch", "responder_pct"] == pytest.approx(50.0)
    assert rows.loc["Birch", "responder_interval"] == "9.5 % – 90.5 %"
    assert rows.loc["Cedar", "responder_pct"] == pytest.approx(0.0)
    assert rows.loc["Cedar", "responder_interval"] == "0.0 % – 79.3 %"
    assert list(at.dataframe[0].value.columns[:3]) == ["label", "courses", "patients"]
    assert at.dataframe[0].value.columns[-1] == "note"
    at.segmented_control(key="cohorts.metric").set_value("responders").run()
    spec = chart(at)
    assert spec["layout"]["title"]["text"] == "Responders (≥ 30 % better) by therapist"
    assert spec["data"][0]["x"] == pytest.approx([50.0, 0.0])
    # overall 1 of 3 assessable courses (c1) improved by 30 % or more
    assert spec["layout"]["shapes"][0]["x0"] == pytest.approx(100 / 3)
    assert {"n = 2 of 2 · too few to judge", "n = 1 of 1 · too few to judge"} <= {a["text"] for a in spec["layout"]["annotations"]}


def test_a_link_chooses_the_grouping_and_age_bands_read_youngest_first(app):
    at = open_cohorts(app, **{"cohorts.by": "Age band"})
    assert at.segmented_control(key="cohorts.by").value == "age_band"
    rows = table(at)
    assert list(rows.index) == ["<30", "30-44", "45-59"]    # p3 born 2000, p2 1990, p1 1970
    assert rows["courses"].tolist() == [1, 1, 1]


def test_choosing_the_drop_out_rate_redraws_the_chart(app):
    at = open_cohorts(app)
    at.segmented_control(key="cohorts.metric").set_value("dropout").run()
    spec = chart(at)
    assert spec["layout"]["title"]["text"] == "Drop-out rate by therapist"
    assert spec["data"][0]["x"] == pytest.approx([0.0, 100.0])          # Birch 0 of 2, Cedar 1 of 1
    assert spec["layout"]["shapes"][0]["x0"] == pytest.approx(100 / 3)   # 1 of 3 courses overall


def test_choosing_a_therapist_in_the_sidebar_narrows_every_group(app):
    at = open_cohorts(app)
    at.segmented_control(key="cohorts.by").set_value("diagnosis").run()
    assert list(table(at).index) == ["Disc herniation", "Piriformis syndrome", "Other"]
    at.sidebar.multiselect(key="therapist").select("Birch").run()
    rows = table(at)
    assert list(rows.index) == ["Disc herniation", "Other"]              # c1 and p3 only
    assert rows["relief_pct"].tolist() == pytest.approx([100.0, 0.0])
    assert any("therapist: Birch" in c.value for c in at.caption)


def test_a_signed_in_therapist_sees_only_their_own_courses_and_never_a_patient_id(app, signed_in_as):
    signed_in_as("cedar")
    at = open_cohorts(app)
    assert not at.exception
    assert list(table(at).index) == ["Cedar"]
    assert "Birch" not in json.dumps(chart(at))
    at.segmented_control(key="cohorts.by").set_value("site").run()
    assert list(table(at).index) == ["Central"]                          # c2 only; North holds Birch's patients
    shown = [str(v) for df in at.dataframe for v in [*df.value.columns, *df.value.to_numpy().ravel()]]
    assert not [v for v in shown if re.fullmatch(r"p\d+(:.*)?|c\d+", v)]


def clinic_table(at):
    return at.dataframe[1].value.set_index("label")


def test_a_therapist_sees_the_whole_clinic_only_where_no_group_is_small_enough_to_point_at_anyone(app, signed_in_as):
    # The whole clinic as of 03-20: Birch 2 patients, Cedar 1; 3 in all, 2 of them not Cedar's.
    # At the default limit of 11 every group and the total are too small: nothing but "hidden".
    signed_in_as("cedar")
    at = open_cohorts(app)
    rows = clinic_table(at)
    # Cedar's own group first, named; Birch unnamed, as on Fair comparison (the page names no colleague)
    assert list(rows.index) == ["Cedar", "Another therapist 1"]
    assert list(rows.courses) == ["hidden"] * 2 and list(rows.patients) == ["hidden"] * 2
    drawn = [str(e.value) for e in (*at.caption, *at.markdown, *at.header, *at.metric)]
    drawn += [v for df in at.dataframe for v in map(str, [*df.value.index, *df.value.to_numpy().ravel()])]
    assert not [text for text in drawn if "Birch" in text]
    assert set(rows.relief_pct) == {"—"} and set(rows.adherence_pct) == {"—"}
    tiles = {m.label: m.value for m in at.metric}
    assert tiles["Your courses: first-session relief"] == "0 %"          # c2: 6 -> 5, 1/6 < 30 %
    assert tiles["The whole clinic"] == "Hidden"
    assert len(at.get("plotly_chart")) == 1                               # no clinic-wide chart to draw


def test_with_a_lower_cell_limit_the_clinic_total_shows_but_a_lone_small_group_hides_its_neighbour(
        app, signed_in_as, monkeypatch):
    # Limit 2: Cedar's group covers 1 patient (< 2): hidden; hiding it alone would let total − Birch
    # give it back, so Birch's group goes too. The total covers 3 patients, 2 of them not Cedar's: shown.
    # Both say "hidden", not a size: Birch's group covers 2 patients, so "fewer than 2" would be false.
    monkeypatch.setenv("CLINIC_MIN_CELL_PATIENTS", "2")
    signed_in_as("cedar")
    at = open_cohorts(app)
    rows = clinic_table(at)
    assert list(rows.courses) == ["hidden"] * 2 and list(rows.patients) == ["hidden"] * 2
    assert not [c.value for c in at.caption if "fewer than 2 patients shows" in c.value]
    tiles = {m.label: (m.value, m.delta) for m in at.metric}
    assert tiles["The whole clinic: first-session relief"] == ("33 %", "3 courses of 3 patients")   # c1 of c1, c2, p3
    # the deltas are counts, not changes: no arrow
    assert {m.proto.direction for m in at.metric if m.proto.delta} == {Metric.MetricDirection.NONE}


def test_the_director_has_no_clinic_wide_section_because_nothing_is_hidden_from_them(app):
    at = open_cohorts(app)
    assert len(at.dataframe) == 1
    assert not [h for h in at.header if "whole clinic" in h.value]


def test_an_empty_database_says_so_in_words(empty_db, monkeypatch):
    monkeypatch.setenv("CLINIC_DB", str(empty_db))
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.switch_page("pages/cohorts.py")
    at.run()
    assert not at.exception
    assert any("No courses match" in i.value for i in at.info)
    assert not at.get("plotly_chart") and not at.dataframe


def test_the_numbers_can_be_downloaded_as_csv_xlsx_and_a_side_file_named_after_the_filters(app, page_db):
    at = open_cohorts(app)
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["Download these numbers (CSV, unrounded)", "Download for Excel (XLSX)",
                      "What the numbers hold (CSV)"]
    at.sidebar.multiselect(key="therapist").select("Birch").run()
    names = {}                      # what the audit log records of each: the file's name and its rows
    for label in labels:
        [button] = [b for b in at.get("download_button") if b.proto.label == label]
        press_download(button)
        names[label] = json.loads(access.AccessStore.for_database(page_db).audit_entries(action="export")[0]["detail"])
    assert names == {
        "Download these numbers (CSV, unrounded)": {"file": "cohorts-by-therapist-as-of-2026-03-20-therapist-birch.csv",
                                                    "rows": 1},
        "Download for Excel (XLSX)": {"file": "cohorts-by-therapist-as-of-2026-03-20-therapist-birch.xlsx", "rows": 1},
        "What the numbers hold (CSV)": {"file": "cohorts-by-therapist-about-as-of-2026-03-20-therapist-birch.csv",
                                        "rows": 7 + 1 + 27}}    # seven fields, a header, the meanings of 27 columns


def test_the_deciding_columns_come_first_and_the_group_stays_pinned(app):
    at = open_cohorts(app)
    columns = list(at.dataframe[0].value.columns)
    assert columns[:8] == ["label", "courses", "patients", "relief_pct", "responder_pct", "median_improvement_pct",
                           "adherence_pct", "dropout_pct"]
    assert columns.index("relief_interval") > columns.index("dropout_pct")
    assert columns.index("relieved") > columns.index("relief_interval")
    config = json.loads(at.dataframe[0].proto.columns)
    assert config["label"]["pinned"] is True
    assert config["median_improvement_pct"]["label"] == "Median sustained improvement"
    assert config["responder_pct"]["label"] == "Responders (≥ 30 % better)"
    assert config["dropout_pct"]["label"] == "Drop-out rate"


def test_with_one_therapist_chosen_the_chart_keeps_the_clinic_as_a_second_benchmark(app):
    # Birch alone: relief 1 of 2 = 50 % (the dashed line); the clinic, the same filters without the
    # therapist: c1 of c1, c2, p3 = 1 of 3 = 33.3 % (the dotted line, labelled "clinic").
    at = open_cohorts(app)
    assert len(chart(at)["layout"]["shapes"]) == 1                       # no therapist chosen: one line
    at.sidebar.multiselect(key="therapist").select("Birch").run()
    spec = chart(at)
    dashed, dotted = spec["layout"]["shapes"]
    assert (dashed["line"]["dash"], dashed["x0"]) == ("dash", pytest.approx(50.0))
    assert (dotted["line"]["dash"], dotted["x0"]) == ("dot", pytest.approx(100 / 3))
    texts = [a["text"] for a in spec["layout"]["annotations"]]
    assert "dashed: all matching courses, 50.0 %" in texts and "dotted: clinic, 33.3 %" in texts
    at.segmented_control(key="cohorts.metric").set_value("dropout").run()
    dashed, dotted = chart(at)["layout"]["shapes"]
    assert dashed["x0"] == pytest.approx(0.0) and dotted["x0"] == pytest.approx(100 / 3)   # 0 of 2; c2 of 3


def test_a_therapist_is_told_why_a_colleague_appears_among_their_own_courses(tmp_path, monkeypatch, signed_in_as):
    # c1 is Birch's (its first session), and Cedar gave its second: Cedar treats it, so Cedar's own
    # groups by therapist hold Birch (c1) and Cedar (c2): 2 courses in all. By diagnosis, and for
    # the director, there is nothing to explain.
    from conftest import dashboard_on
    from query_support import build_db

    path = build_db(tmp_path, """
        session_id,patient_id,course_id,session_date,therapist,status,pain_before,pain_after
        s1,p1,c1,2026-03-01,Birch,attended,6,4
        s2,p1,c1,2026-03-02,Cedar,attended,5,3
        s3,p2,c2,2026-03-01,Cedar,attended,7,5
        s4,p3,c3,2026-03-01,Birch,attended,7,5
    """)
    signed_in_as("cedar")
    at = open_cohorts(dashboard_on(path, monkeypatch))
    assert list(table(at).index) == ["Birch", "Cedar"]                    # c3 (Birch's alone) is not Cedar's
    said = [c.value for c in at.caption if c.value.startswith("The courses you treat include")]
    assert said == ["The courses you treat include those you gave a session in while a colleague is their "
                    "therapist (the therapist of the first session): they are counted under that colleague's name "
                    "here, so your own row holds only the courses you are the therapist of, and the 2 in all hold "
                    "both."]
    at.segmented_control(key="cohorts.by").set_value("diagnosis").run()
    assert not [c.value for c in at.caption if c.value.startswith("The courses you treat include")]
    signed_in_as("director")
    at = open_cohorts(dashboard_on(path, monkeypatch))
    assert not [c.value for c in at.caption if c.value.startswith("The courses you treat include")]
