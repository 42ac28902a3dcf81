"""The Protocol safety page (AppTest) on the hand-computed clinic of tests/flags_fixture.py, as of
2026-03-20 (the counts are worked out there): the director's counts, trends and lists; a therapist's
view that sends nothing of another therapist's patients."""
from __future__ import annotations

import pytest

from clinic import ui
from clinic.charts.safety import PARTIAL
from flags_fixture import AS_OF, PATIENTS, SESSIONS
from page_support import check_tile_rows, metrics_of, open_page
from plotly_support import specs
from query_support import build_db
from conftest import dashboard_on
from test_page_access import everything_sent


PAGE = "pages/protocol_safety.py"


@pytest.fixture(scope="module")
def flags_db(tmp_path_factory):
    return build_db(tmp_path_factory.mktemp("flags_db"), SESSIONS, None, PATIENTS)


@pytest.fixture
def app(flags_db, monkeypatch, signed_in_as):
    return dashboard_on(flags_db, monkeypatch, AS_OF)


MONTHLY = "Download the monthly shares (CSV)"


def row_downloads(at) -> list:
    """The page's download buttons but the monthly shares' one: the listed rows'."""
    return [b for b in at.get("download_button") if b.proto.label != MONTHLY]


def texts(at) -> str:
    return "\n".join(e.value for kind in ("success", "info", "caption", "markdown") for e in getattr(at, kind))


def test_the_director_sees_each_check_as_a_count_with_its_share_and_interval(app):
    open_page(app, PAGE)
    assert app.title[0].value == "Protocol safety"
    assert metrics_of(app) == {"No doctor's conclusion": "3", "No imaging": "3", "No blood tests": "3",
                               "Sessions during acute inflammation": "2", "Sessions with numbness": "5",
                               "Pain rising over three visits": "2", "Failure to progress": "3",
                               "Baseline too low to judge": "1"}
    captions = [c.value for c in app.caption]
    # 3 of 8 courses = 37.5 %, Wilson 95 % interval 13.7–69.4 %; 5 of 33 sessions = 15.2 %, 3 referred
    assert "37.5 % of 8 courses (95 % CI 13.7–69.4 %)" in captions
    assert any(c.startswith("15.2 % of 33 attended sessions") and c.endswith("5 courses; referral noted for 3")
               for c in captions)
    assert "60.0 % of 5 courses judged (95 % CI 23.1–88.2 %)" in captions       # k1 k3 k8 of 5
    assert ("pain not fallen by 2 points (the minimal clinically important difference), or worse than three in "
            "four similar courses', judged after 3 sessions") \
        in texts(app)


def test_three_monthly_trend_charts_are_drawn(app):
    open_page(app, PAGE)
    assert len(app.get("plotly_chart")) == 3


@pytest.mark.parametrize("as_of, partial", [("2026-03-20", True), ("2026-03-31", False)])
def test_march_is_drawn_as_running_as_of_the_20th_and_whole_as_of_its_last_day_long_past(app, as_of, partial):
    app.query_params["as_of"] = as_of
    open_page(app, PAGE)
    charts = specs(app)
    assert len(charts) == 3
    for chart in charts:
        subtitle = chart["layout"]["title"]["subtitle"]["text"]
        assert ("March 2026 is a partial month" in subtitle) is partial
        assert any(t.get("name") == PARTIAL for t in chart["data"]) is partial


def test_a_link_with_the_list_in_its_address_opens_the_numbness_sessions_with_patient_links(app):
    app.query_params["safety.open"] = "numbness"
    open_page(app, PAGE)
    rows = app.dataframe[0].value
    # latest first: d1 03-10, e3 03-03, c2 03-02, b2 03-02 (id descending), h1 02-01
    assert list(rows.session_id) == ["d1", "e3", "c2", "b2", "h1"]
    assert list(rows.referral_noted) == [False, False, True, True, True]
    assert rows.link.iloc[0].startswith("./patients?as_of=2026-03-20&patients.course=k4")
    assert "All 5 sessions, the latest first." in texts(app)
    [download] = row_downloads(app)
    assert download.proto.label == "Download all 5 sessions (CSV)"



def test_a_long_list_is_prepared_as_the_same_file_its_download_would_write_at_once(app, monkeypatch):
    # The numbness list (5 sessions) written at once, then prepared on request as a longer list is:
    # the same bytes, the filters' line first, the sessions latest first.
    from clinic import flags
    from page_support import press_download

    app.query_params["safety.open"] = "numbness"
    open_page(app, PAGE)
    [at_once] = row_downloads(app)
    written = press_download(at_once)
    monkeypatch.setattr(flags, "CSV_AT_ONCE_ROWS", 4)
    app.run()
    assert row_downloads(app) == []
    app.button(key="safety.prepare").click().run()
    [prepared] = row_downloads(app)
    assert prepared.proto.label == "Download all 5 sessions (CSV)"
    assert press_download(prepared) == written
    lines = written.decode("utf-8").splitlines()
    assert lines[0].startswith('"# as of 20 Mar 2026;') and len(lines) == 7
    assert [line.split(",")[list(lines[1].split(",")).index("session_id")] for line in lines[2:]] == \
        ["d1", "e3", "c2", "b2", "h1"]

def test_opening_the_failure_to_progress_list_puts_it_in_the_address_and_shows_baseline_and_pain_now(app):
    open_page(app, PAGE)
    assert app.button(key="safety.show.progress").disabled is False
    app.button(key="safety.show.progress").click().run()
    assert app.query_params.get("safety.open") == "progress"
    rows = app.dataframe[0].value
    assert list(rows.course_id) == ["k8", "k1", "k3"]        # judged 03-13, then 03-04 (k1 before k3 by id)
    assert [(r.baseline_pain, r.latest_pain, r.why) for r in rows.itertuples()] == [
        (4, 6, "MCID not met"), (8, 7, "MCID not met"), (3, 2, "MCID not met")]   # no similar courses here


def test_a_therapist_sees_only_their_own_courses_and_is_sent_nothing_of_the_others(app, signed_in_as):
    signed_in_as("birch")
    app.query_params["safety.open"] = "numbness"
    open_page(app, PAGE)
    # Birch: k7 (Cedar, p7) left out: 4 numbness sessions of 29, 1 acute, 7 courses
    shown = metrics_of(app)
    assert (shown["Sessions with numbness"], shown["Sessions during acute inflammation"]) == ("4", "1")
    assert list(app.dataframe[0].value.session_id) == ["d1", "e3", "c2", "b2"]
    sent = everything_sent(app)
    for other in ("k7", "p7", "Cedar", "numb foot"):
        assert other not in sent


HOSTILE = "[x](https://evil.example) ![b](http://127.0.0.9/b.png) <img src=x>"


def test_notes_and_names_from_the_data_stay_text(tmp_path, monkeypatch, signed_in_as):
    # one numbness session whose note and therapist are link and image markup: shown only in the table
    sessions = ("session_id,patient_id,course_id,session_date,therapist,status,pain_before,pain_after,numbness,"
                f"acute_inflammation,notes\nz1,p9,k9,2026-03-01,\"{HOSTILE}\",attended,6,5,true,true,\"{HOSTILE}\"")
    at = dashboard_on(build_db(tmp_path / "hostile", sessions), monkeypatch, AS_OF)
    at.query_params["safety.open"] = "numbness"
    open_page(at, PAGE)
    rows = at.dataframe[0].value
    assert list(rows.notes) == [HOSTILE] and list(rows.therapist) == [HOSTILE]     # as stored, in the table
    assert "evil.example" not in texts(at) and "127.0.0.9" not in texts(at)
    for chart in at.get("plotly_chart"):
        assert "evil.example" not in chart.proto.spec


def test_the_settings_panel_changes_what_is_judged(app):
    # judged after 2 sessions: k4 is judged too (6 -> 8 at session 3: fails), k6 still only against itself:
    # failing k1 k3 k4 k8 of judged k1 k2 k3 k4 k8 k7 = 4 of 6
    app.query_params["progress_after"] = "2"
    open_page(app, PAGE)
    assert metrics_of(app)["Failure to progress"] == "4"
    assert "66.7 % of 6 courses judged" in " ".join(c.value for c in app.caption)
    assert "judged after 2 sessions" in texts(app)


def test_on_a_phone_each_count_tile_is_as_wide_as_the_screen(app, monkeypatch):
    monkeypatch.setattr(ui, "on_phone", lambda: True)
    open_page(app, PAGE)
    assert check_tile_rows(app, "safety.tiles", phone=True)[0][0] == "No doctor's conclusion"


def test_the_counts_stand_in_two_wrapping_rows_of_tiles_paperwork_and_acute_then_numbness_and_progress(app):
    # columns of a fixed number cut a count to "36,7…" beside the open sidebar at 1,024 px
    open_page(app, PAGE)
    assert check_tile_rows(app, "safety.tiles") == [
        ["No doctor's conclusion", "No imaging", "No blood tests", "Sessions during acute inflammation"],
        ["Sessions with numbness", "Pain rising over three visits", "Failure to progress", "Baseline too low to judge"]]


def test_the_monthly_shares_download_with_the_running_month_and_thin_months_marked(app, flags_db):
    import json

    from page_support import press_download
    from statsmodels.stats.proportion import proportion_confint

    from clinic import access

    open_page(app, PAGE)
    [button] = [b for b in app.get("download_button") if b.proto.label == MONTHLY]
    lines = press_download(button).decode().splitlines()
    assert lines[0] == "flag,check,month,flagged,of_count,share,ci_low,ci_high,too_few_to_judge,month_complete"
    rows = {(r[0], r[2]): r for r in (line.split(",") for line in lines[1:])}
    # No doctor's conclusion, by the month the course started: February k7 (on file) 0 of 1, too few to
    # judge (under 5) and over; March k3 k4 k5 of k1-k6 and k8, 3 of 7, still running on 03-20.
    # Sessions during acute inflammation, by the session's month: February h2 of 4, March a2 of 29.
    expected = {("conclusion", "2026-02-01"): (0, 1, "True", "True"),
                ("conclusion", "2026-03-01"): (3, 7, "False", "False"),
                ("acute", "2026-02-01"): (1, 4, "True", "True"), ("acute", "2026-03-01"): (1, 29, "False", "False")}
    for (flag, month), (flagged, of_count, too_few, complete) in expected.items():
        row = rows[(flag, month)]
        low, high = proportion_confint(flagged, of_count, alpha=0.05, method="wilson")
        assert (int(row[3]), int(row[4]), row[8], row[9]) == (flagged, of_count, too_few, complete)
        assert [float(v) for v in row[5:8]] == pytest.approx([flagged / of_count, low, high], abs=1e-6)
    assert rows[("conclusion", "2026-03-01")][1] == "No doctor's conclusion"
    entry = access.AccessStore.for_database(flags_db).audit_entries(action="export")[0]
    assert json.loads(entry["detail"]) == {"file": "protocol-safety-by-month-as-of-2026-03-20.csv",
                                           "rows": len(lines) - 1}
