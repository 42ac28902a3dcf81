"""The Time-to-relief page's figures and tables (clinic/charts/relief_time.py), from hand-written
report documents in the shape of clinic.relief_time.report and clinic.relief_lasting.report."""
from __future__ import annotations

import pytest

from clinic.charts import relief_time as charts


def step(sessions, at_risk, events, censored, survival, low, high):
    return {"sessions": sessions, "at_risk": at_risk, "events": events, "censored": censored, "survival": survival,
            "ci_low": low, "ci_high": high}


def block(key, courses, steps, median, too_few=False, low=None, high=None):
    return {"key": key, "courses": courses, "relieved": sum(s["events"] for s in steps), "not_assessable": 1,
            "no_attended_session": 0, "too_few": too_few, "median_sessions": median, "median_ci_low": low,
            "median_ci_high": high, "steps": steps}


# Birch: 6 courses, relief 3 at session 1 (S 1/2), 3 at session 2 (S 0). "<b>X</b>": 2 courses, one censored at 1.
BIRCH = block("Birch", 6, [step(1, 6, 3, 0, 0.5, 0.2, 0.75), step(2, 3, 3, 0, 0.0, None, None)], 2, low=1, high=2)
HOSTILE = block("<b>X</b>", 2, [step(1, 2, 0, 1, 1.0, 1.0, 1.0), step(3, 1, 1, 0, 0.0, None, None)], 3, too_few=True)
REPORT = {"as_of": "2026-04-10", "by": "therapist", "unit": "sessions", "relief_rule": "pct30", "settings": {},
          "overall": block(None, 8, [], 2), "groups": [BIRCH, HOSTILE]}


def test_each_curve_starts_at_all_courses_and_steps_down_with_its_band():
    fig = charts.km_chart(REPORT, "sessions")
    lines = [t for t in fig.data if t.showlegend is not False]
    assert [t.name for t in lines] == ["Birch", "&lt;b&gt;X&lt;/b&gt; (too few to judge)"]   # data text escaped
    birch = lines[0]
    assert list(birch.x) == [0, 1, 2] and list(birch.y) == [100.0, 50.0, 0.0]
    assert birch.line.shape == "hv"
    bands = [t for t in fig.data if t.showlegend is False and t.legendgroup == birch.legendgroup]
    assert [list(b.y) for b in bands] == [[100.0, 75.0, None], [100.0, 20.0, None]]     # high, then low filled to it
    assert lines[1].line.color == charts.GREY and lines[1].line.dash == "dot"
    assert fig.layout.title.text == "How many sessions until relief? By therapist"
    assert "8 courses on the curves" in fig.layout.title.subtitle.text
    assert fig.layout.yaxis.title.text == charts.SURVIVAL_AXIS


def test_the_median_table_has_one_row_per_curve_and_says_when_a_group_is_too_few():
    table = charts.median_table(REPORT, "sessions", "the settings")
    assert list(table.cohort) == ["Birch", "<b>X</b>"]        # a table shows text as text
    assert list(table.courses) == [6, 2]
    assert list(table["median"]) == [2, 3]
    assert list(table.median_ci_low.astype("object").where(table.median_ci_low.notna(), None)) == [1, None]
    assert list(table.note) == ["", "too few to judge"]
    assert set(table.settings) == {"the settings"}
    styled = charts.grey_too_few(table.drop(columns=["settings"]))
    greyed = {cell for cell, css in styled._compute().ctx.items() if ("color", "#9E9E9E") in css}
    assert greyed == {(1, column) for column in range(len(table.columns) - 1)}     # the second row, every cell


def test_a_median_not_reached_is_said_in_words():
    report = {**REPORT, "by": None, "groups": [], "overall": block(None, 4, [step(1, 4, 1, 3, 0.75, 0.3, 0.9)], None)}
    assert list(charts.median_table(report, "sessions").note) == [
        "median not reached: fewer than half reached relief"]


def test_the_steps_table_lists_every_step_in_per_cent():
    frame = charts.steps_frame(REPORT, "sessions")
    assert list(frame.columns) == ["cohort", "sessions", "at_risk", "events", "censored", "survival_pct",
                                   "ci_low_pct", "ci_high_pct"]
    assert list(frame.sessions) == [1, 2, 1, 3]
    assert list(frame.survival_pct) == [50.0, 0.0, 100.0, 0.0]
    assert frame.ci_low_pct.isna().tolist() == [False, True, False, True]


DROP = {"relieved_courses": 7, "courses": 5, "no_second_session": 1, "second_score_missing": 1, "too_few": False,
        "share_kept": {"median": 0.6, "q1": 0.0, "q3": 1.0},
        "pain_before_1": {"n": 5, "mean": 7.6, "ci_low": 5.0, "ci_high": 10.0},
        "pain_after_1": {"n": 5, "mean": 4.2, "ci_low": 3.0, "ci_high": 5.4},
        "pain_before_2": {"n": 5, "mean": 5.0, "ci_low": 2.5, "ci_high": 7.5},
        "outcomes": {"whole": 2, "part": 1, "returned": 2}}


def test_the_next_visit_chart_draws_b1_a1_b2_means_with_their_intervals():
    fig = charts.lasting_chart(DROP)
    trace = fig.data[0]
    assert list(trace.x) == ["Before session 1 (b1)", "After session 1 (a1)", "Before session 2 (b2)"]
    assert list(trace.y) == [7.6, 4.2, 5.0]
    assert list(trace.error_y.array) == pytest.approx([2.4, 1.2, 2.5])
    assert list(trace.error_y.arrayminus) == pytest.approx([2.6, 1.2, 2.5])
    assert "5 courses with first-session relief" in fig.layout.title.subtitle.text


def test_the_next_visit_chart_says_its_dots_are_orange_before_a_session_and_blue_after_it():
    # the colours of the pain trends' before/after chart (BEFORE, AFTER), here without a legend
    fig = charts.lasting_chart(DROP)
    assert list(fig.data[0].marker.color) == [charts.BEFORE, charts.AFTER, charts.BEFORE]
    assert charts.BEFORE == "#D55E00" and charts.AFTER == "#0072B2"        # orange, blue
    assert "orange before a session, blue after it" in fig.layout.title.subtitle.text


def test_the_next_visit_outcomes_and_the_share_kept_in_words():
    table = charts.outcome_table(DROP)
    assert list(table.courses) == [2, 1, 2]
    assert list(table.share_pct) == pytest.approx([40.0, 20.0, 40.0])
    text = charts.share_text(DROP)
    assert "**60 %**" in text and "quartiles 0 % – 100 %" in text and "n = 5" in text
    assert "2 without a second" not in charts.left_out_text(DROP)
    assert "1 without a second attended session yet" in charts.left_out_text(DROP)


ADHERENCE = [
    {"adherent": True, "courses": 10, "assessable": 9, "responders": 6, "responder_rate": 6 / 9, "ci_low": 0.35,
     "ci_high": 0.88, "median_pct": 40.0, "q1_pct": 20.0, "q3_pct": 55.0, "too_few": False},
    {"adherent": False, "courses": 3, "assessable": 2, "responders": 0, "responder_rate": 0.0, "ci_low": 0.0,
     "ci_high": 0.66, "median_pct": -5.0, "q1_pct": -10.0, "q3_pct": 0.0, "too_few": True},
]


def test_the_adherence_comparison_shows_each_rate_with_its_interval_and_greys_a_small_group():
    table = charts.adherence_table(ADHERENCE, "the settings")
    assert list(table.group) == ["Adherent", "Not adherent"]
    assert list(table.responder_rate_pct) == pytest.approx([600 / 9, 0.0])
    assert list(table.note) == ["", "too few to judge"]
    fig = charts.adherence_chart(ADHERENCE, 80)
    assert [t.name for t in fig.data] == ["Adherent", "Not adherent (too few to judge)"]
    assert fig.data[1].marker.color == charts.GREY
    assert list(fig.data[0].error_x.array) == pytest.approx([88 - 600 / 9])
    assert "at least 80 %" in fig.layout.title.subtitle.text


def test_the_definitions_state_the_rule_in_use_exactly():
    text = charts.definition_text("points2", 80, "days")
    assert "b0 − after k ≥ 2" in text and "at least 2 points" in text
    assert "censored at the day of its last attended session" in text


def test_a_table_with_no_row_too_few_to_judge_is_drawn_as_it_is_without_a_styler():
    table = charts.median_table(REPORT, "sessions")
    judged = table.iloc[:1]                                # Birch's 6 courses alone
    assert charts.grey_too_few(judged) is judged
    assert charts.grey_too_few(table) is not table        # with the "<b>X</b>" row of 2: a Styler
