"""The settings panel in the sidebar: its values reach every page, stay in the page's address, and
nothing out of range gets in (the page fixture of conftest.py, as of 2026-03-20).

Adherence: c1 5 of 5 days (1.0), c2 2 of 10 (0.2), p3 3 of 5 (0.6). Days since the last visit: c2 17
(not completed), p3 2 (not completed), c1 completed.
"""
from __future__ import annotations

from page_support import open_page

PAGE = "pages/adherence.py"


def tiles(app) -> dict[str, tuple[str, str]]:
    return {m.label: (m.value, m.delta) for m in app.metric}


def test_a_lower_adherence_threshold_counts_more_courses_adherent(app):
    open_page(app, PAGE)
    app.sidebar.number_input(key="adherent_at").set_value(60).run()
    # at 60 %: c1 (1.0) and p3 (100 x 3 >= 60 x 5, exactly at the threshold); c2 (0.2) is not
    assert tiles(app)["Adherent (≥ 60 %)"] == ("2", "66.7 % of 3 · 95 % CI 20.8–93.9 %")


def test_a_longer_drop_out_gap_keeps_a_course_ongoing(app):
    open_page(app, PAGE)
    assert tiles(app)["Dropped out"] == ("1", "33.3 % of 3 · 95 % CI 6.1–79.2 %")           # c2: 17 days > 7
    app.sidebar.number_input(key="dropout_gap").set_value(20).run()
    assert tiles(app)["Dropped out"] == ("0", "0.0 % of 3 · 95 % CI 0.0–56.1 %")   # 17 days is not more than 20
    assert tiles(app)["Ongoing"] == ("2", "66.7 % of 3 · 95 % CI 20.8–93.9 %")               # c2 and p3


def test_a_setting_in_the_address_is_applied_on_a_first_visit(app):
    app.query_params["adherent_at"] = "60"
    open_page(app, PAGE)
    assert app.sidebar.number_input(key="adherent_at").value == 60
    assert tiles(app)["Adherent (≥ 60 %)"][0] == "2"
    assert any(c.value.startswith("1 threshold differs from the clinic's defaults: adherent at.")
               for c in app.sidebar.caption)


def test_a_setting_out_of_range_in_the_address_is_not_taken(app):
    app.query_params["adherent_at"] = "30"         # below the lowest threshold offered (50 %)
    open_page(app, PAGE)
    assert app.sidebar.number_input(key="adherent_at").value == 80
    assert tiles(app)["Adherent (≥ 80 %)"][0] == "1"


def test_the_panel_says_how_many_settings_changed_and_puts_them_back(app):
    open_page(app, PAGE)
    app.sidebar.number_input(key="min_cohort").set_value(8).run()
    app.sidebar.number_input(key="dropout_gap").set_value(10).run()
    assert any(c.value == "2 thresholds differ from the clinic's defaults: dropped out after, fewest courses to "
                          "judge." for c in app.sidebar.caption)
    app.sidebar.button(key="settings.reset").click().run()
    assert app.sidebar.number_input(key="min_cohort").value == 5
    assert app.sidebar.number_input(key="dropout_gap").value == 7
    assert not any("from the clinic's defaults" in c.value for c in app.sidebar.caption)


def test_the_planned_sessions_setting_changes_only_courses_without_a_plan(app):
    open_page(app, PAGE)
    app.sidebar.number_input(key="planned").set_value(3).run()
    # p3's inferred course (no courses.csv row) now plans 3 sessions: 3 visit days, completed; c1 keeps
    # its 5 (completed), c2 its 10 (dropped out)
    assert tiles(app)["Completed"] == ("2", "66.7 % of 3 · 95 % CI 20.8–93.9 %")
    assert tiles(app)["Dropped out"] == ("1", "33.3 % of 3 · 95 % CI 6.1–79.2 %")
