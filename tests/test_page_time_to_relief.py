"""The Time-to-relief page on the hand-computed page fixture (see conftest.py for the data).

As of 2026-03-20, rule pct30, relief at k: 10 × (b0 − after k) ≥ 3 × b0, b0 = pain before session 1:
  c1 (Birch)  8->4 at session 1: 40 >= 24, relief at 1 (day 0)
  c2 (Cedar)  6->5, 6->5: 10 < 18 twice: censored at 2 sessions (start 03-01, last visit 03-03: day 2)
  p3 (Birch)  7->7, 7->6, 6->4: at 3, 10 × 3 = 30 >= 21: relief at 3 (03-18 − 03-15: day 3);
              its 03-21 session is after the as-of date
Everyone: k=1: n 3, d 1 (S 2/3); k=2: n 2, d 0, c 1 (S 2/3); k=3: n 1, d 1 (S 0). Median 3.
In days: t=0: n 3, d 1; t=2: n 2, c 1; t=3: n 1, d 1. Median 3 days.
Birch alone (c1, p3): k=1: n 2, d 1 (S 1/2, not below a half); k=3: n 1, d 1 (S 0). Median 3.
Does it last: only c1 had first-session relief: b1 8, a1 4, b2 6: share kept (8 − 6) / (8 − 4) = 50 %,
one course, too few to judge. Adherent (80 %): c1 (5 of 5 days; sustained 62.5 %, a responder);
not adherent: c2 (2 of 10 days, 0 %), p3 (3 of 5 days, 14.3 %): 0 responders of 2.
"""
from __future__ import annotations

import json

import pytest
from page_support import metrics_of, open_page
from plotly_support import figures
from test_text_is_inert import hostile_app, hostile_db  # noqa: F401 - the hostile clinic's fixtures

PAGE = "pages/time_to_relief.py"


def text_of(at) -> str:
    return " ".join([m.value for m in at.markdown] + [c.value for c in at.caption] + [i.value for i in at.info])


def curves(at) -> dict:
    """{legend name: (x, y)} of the Kaplan–Meier figure (the first chart)."""
    fig = figures(at)[0]
    return {t.name: (list(t.x), [round(v, 6) for v in t.y]) for t in fig.data if t.showlegend is not False}


def test_the_page_shows_the_hand_computed_curve_median_and_definitions(app):
    open_page(app, PAGE)
    assert metrics_of(app)["Median sessions"] == "3"
    assert metrics_of(app)["On the curve"] == "3"
    # three courses, fewer than the 5 a cohort needs: drawn grey, "too few to judge"
    assert curves(app) == {"All matching courses (too few to judge)": (
        [0, 1, 2, 3], [100.0, round(200 / 3, 6), round(200 / 3, 6), 0.0])}
    assert "10 × (b0 − after k) ≥ 3 × b0" in text_of(app)
    medians = app.dataframe[0].value
    medians = getattr(medians, "data", medians)
    assert list(medians.courses) == [3] and list(medians.note) == ["too few to judge"]   # 3 courses < 5
    config = json.loads(app.dataframe[0].proto.columns)      # counts as every table shows them: 226,731
    assert config["courses"]["label"] == "On the curve" and config["courses"]["type_config"]["format"] == "localized"
    labels = [b.label for b in app.get("download_button")]
    assert "Download the medians (CSV)" in labels and "Download the adherence comparison (CSV)" in labels


def test_time_can_be_counted_in_days_since_the_course_start(app):
    open_page(app, PAGE)
    app.segmented_control(key="relief_time.unit").set_value("days").run()
    assert not app.exception
    assert metrics_of(app)["Median days"] == "3"
    assert curves(app)["All matching courses (too few to judge)"] == ([0, 0, 2, 3], [100.0, round(200 / 3, 6),
                                                                                    round(200 / 3, 6), 0.0])


def test_one_curve_per_therapist(app):
    open_page(app, PAGE)
    app.selectbox(key="relief_time.by").set_value("therapist").run()
    assert not app.exception
    assert set(curves(app)) == {"Birch (too few to judge)", "Cedar (too few to judge)"}
    assert curves(app)["Birch (too few to judge)"] == ([0, 1, 3], [100.0, 50.0, 0.0])


def test_a_therapist_sees_only_the_courses_they_treat(app, signed_in_as):
    signed_in_as("birch")
    open_page(app, PAGE)
    assert metrics_of(app)["On the curve"] == "2"              # c1 and p3
    app.selectbox(key="relief_time.by").set_value("therapist").run()
    assert set(curves(app)) == {"Birch (too few to judge)"}
    medians = app.dataframe[0].value
    assert list(getattr(medians, "data", medians).cohort) == ["Birch"]
    adherence = app.dataframe[-1].value
    adherence = getattr(adherence, "data", adherence)
    assert list(adherence.courses) == [1, 1]                            # c1 adherent; p3 not (c2 is Cedar's)
    assert "Cedar" not in str([f.to_dict() for f in figures(app)])


def test_whether_relief_lasts_is_shown_with_its_numbers(app):
    open_page(app, PAGE)
    assert "kept **50 %** of its first-session drop" in text_of(app)
    assert "*Too few to judge.*" in text_of(app)
    lasting = figures(app)[1]
    assert list(lasting.data[0].y) == pytest.approx([8.0, 4.0, 6.0])
    adherence = app.dataframe[-1].value
    adherence = getattr(adherence, "data", adherence)
    assert list(adherence.courses) == [1, 2]
    assert list(adherence.responders) == [1, 0]
    assert list(adherence.note) == ["too few to judge", "too few to judge"]


def test_no_matching_course_is_explained(app):
    app.query_params["as_of"] = "2026-02-01"                         # before any course started
    open_page(app, PAGE)
    assert "No courses match these filters" in text_of(app)
    assert not figures(app)


def test_a_therapist_name_from_the_data_stays_text_in_the_curves_and_on_the_page(hostile_app):
    from test_text_is_inert import THERAPIST, assert_inert, for_plotly, open_with_hostile_therapist

    at = open_with_hostile_therapist(hostile_app, PAGE)
    at.selectbox(key="relief_time.by").set_value("therapist").run()
    assert not at.exception
    names = [t.name for t in figures(at)[0].data if t.showlegend is not False]
    assert names == [for_plotly(THERAPIST)]                     # six courses: a legend entry, escaped
    assert_inert(at)
