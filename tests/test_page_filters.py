"""The sidebar filters on the page fixture (conftest.py, figures worked out there by hand): the as-of
date and its "Today" button, the notice every data page shows when the figures are not today's, the
notes on link values that match nothing, Clear filters, and the Patients links that keep the view.

A page test runs signed in as the director unless it says otherwise (conftest.py). The `app` fixture
opens the dashboard with `?as_of=2026-03-20`; a test that wants another link sets app.query_params.
"""
from __future__ import annotations

import datetime as dt
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from page_support import open_page
from streamlit.testing.v1 import AppTest

from clinic import ui
from clinic.db import ROOT
from clinic.filters import Filters, url_params

DATA_PAGES = ["pages/overview.py", "pages/pain_trends.py", "pages/first_session.py", "pages/adherence.py",
              "pages/patients.py", "pages/cohorts.py"]
PATIENTS = "pages/patients.py"
NOTICE_20_MAR = "Figures as of 20 Mar 2026, not today: sessions after that date are left out"


def as_read(markdown: str) -> str:
    """Markdown as a person reads it: without backslash escapes, invisible word joiners and ** bold."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "").replace("**", "")


def shown(app, kind: str) -> list[str]:
    """The texts of the main area's boxes of one kind ("info", "warning", "error"), as read."""
    return [as_read(box.value) for box in getattr(app.main, kind)]


def caption_of_filters(app) -> str:
    """The filters caption under the title (the first caption of the main area that starts "as of")."""
    return next(as_read(c.value) for c in app.main.caption if c.value.startswith("as of"))


def today_words() -> str:
    return f"{dt.date.today():%d %b %Y}"


def run_on(app, page: str):
    if page == "pages/overview.py":
        app.run()
        assert not app.exception, [e.value for e in app.exception]
        return app
    return open_page(app, page)


def patients_count_caption(app) -> str:
    return next(c.value for c in app.main.caption if "courses match" in c.value)


# ---------------------------------------------------------------- the as-of date and its notice

@pytest.mark.parametrize("page", DATA_PAGES)
def test_every_data_page_says_plainly_when_its_figures_are_not_as_of_today(app, page):
    run_on(app, page)
    notices = [text for text in shown(app, "info") if text.startswith("Figures as of")]
    assert notices == [
        "Figures as of 20 Mar 2026, not today: sessions after that date are left out, courses that started later "
        "are not counted, and every course is shown as it stood then. Press Today beside the as-of date in the "
        "sidebar for today's figures."]


@pytest.mark.parametrize("page", DATA_PAGES)
def test_no_data_page_shows_the_notice_when_the_figures_are_todays(app, page):
    del app.query_params["as_of"]
    run_on(app, page)
    assert not [text for text in shown(app, "info") if "not today" in text]
    assert caption_of_filters(app).startswith(f"as of {today_words()}")


def test_the_today_button_puts_the_as_of_date_back_to_today_and_the_notice_goes(app):
    app.run()
    assert app.sidebar.date_input(key="as_of").value == dt.date(2026, 3, 20)
    assert any(NOTICE_20_MAR in text for text in shown(app, "info"))
    app.sidebar.button(key="filters.today").click().run()
    assert not app.exception
    assert app.sidebar.date_input(key="as_of").value == dt.date.today()
    assert not any("not today" in text for text in shown(app, "info"))
    assert caption_of_filters(app) == f"as of {today_words()}"
    assert "as_of" not in app.query_params                  # today is the default: the address drops it


def test_the_today_button_is_greyed_out_while_the_figures_are_already_todays(app):
    del app.query_params["as_of"]
    app.run()
    assert app.sidebar.button(key="filters.today").disabled
    app.sidebar.date_input(key="as_of").set_value(dt.date(2026, 3, 20)).run()
    assert not app.sidebar.button(key="filters.today").disabled


def test_the_as_of_picker_offers_no_day_after_today(app):
    app.run()
    assert app.sidebar.date_input(key="as_of").proto.max == dt.date.today().isoformat()


def test_a_future_as_of_date_in_a_link_is_refused_with_an_error_and_today_is_shown_instead(app):
    future = dt.date.today() + dt.timedelta(days=45)
    app.query_params["as_of"] = future.isoformat()
    app.run()
    assert not app.exception
    assert app.sidebar.date_input(key="as_of").value == dt.date.today()
    assert shown(app, "error") == [
        f"The link asks for figures as of {future:%d %b %Y}, a day still to come. Figures cannot be as of a future "
        "date: every course still running would count as dropped out, because no visit after today can be on "
        f"record yet. Showing today's figures ({today_words()}) instead."]
    assert caption_of_filters(app) == f"as of {today_words()}"      # computed as of today, not the future date


def test_the_refusal_of_a_future_date_goes_once_the_as_of_date_is_chosen(app):
    app.query_params["as_of"] = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    app.run()
    assert len(shown(app, "error")) == 1
    app.sidebar.date_input(key="as_of").set_value(dt.date(2026, 3, 20)).run()
    assert shown(app, "error") == []


# ---------------------------------------------------------------- link values that match nothing

@pytest.mark.parametrize("key, value, message", [
    ("therapist", "Nobody", "The link asks for therapist 'Nobody', who has no courses here: showing all therapists."),
    ("site", "Nowhere", "The link asks for site 'Nowhere', which no course here has: showing all sites."),
    ("sex", "Q", "The link asks for sex 'Q', which is not among Female, Male, X (other / not stated): "
                 "showing patients of every sex."),
    ("age", "200", "The link asks for age band '200', which is not among <30, 30-44, 45-59, 60+: showing all ages."),
    ("diagnosis", "sciatica", "The link asks for diagnosis 'sciatica', which is not among Disc herniation, "
                              "Piriformis syndrome, Spinal stenosis, Other: showing all diagnoses."),
    ("relief", "zzz", "The link asks for relief rule 'zzz', which is not among ≥ 30 % drop, ≥ 2 points, "
                      "≥ 50 % drop: showing ≥ 30 % drop (the default)."),
    ("as_of", "2026-13-45", "The link asks for figures as of '2026-13-45', which is not a date (the dashboard writes "
                            "dates as YYYY-MM-DD): showing today's figures ({today})."),
    ("from", "yesterday", "The link asks for courses started from 'yesterday', which is not a date (the dashboard "
                          "writes dates as YYYY-MM-DD): showing courses from the first one."),
    ("to", "1899-12-31", "The link asks for courses started until 31 Dec 1899, outside the dates the dashboard offers "
                         "(01 Jan 1990 to 31 Dec 2099): showing courses up to the latest."),
])
def test_a_link_value_that_matches_nothing_is_reported_with_what_is_shown_instead(app, key, value, message):
    app.query_params[key] = value
    app.run()
    assert not app.exception
    assert shown(app, "warning") == [message.format(today=today_words())]


def test_a_link_value_that_matches_nothing_leaves_the_filter_at_its_default(app):
    app.query_params["therapist"] = "Nobody"
    app.query_params["relief"] = "zzz"
    app.query_params["from"] = "yesterday"
    app.run()
    assert app.sidebar.multiselect(key="therapist").value == []
    assert app.sidebar.radio(key="relief").value == "pct30"
    assert app.sidebar.date_input(key="from").value is None
    assert caption_of_filters(app) == "as of 20 Mar 2026"          # the view as if the link had not named them


def test_a_date_given_twice_in_a_link_with_one_malformed_is_reported_and_not_taken(app):
    app.query_params["from"] = ["2026-03-10", "soon"]
    app.run()
    assert app.sidebar.date_input(key="from").value is None
    assert shown(app, "warning") == ["The link asks for courses started from 'soon', which is not a date (the "
                                     "dashboard writes dates as YYYY-MM-DD): showing courses from the first one."]


def test_the_values_of_a_link_that_match_are_kept_and_those_that_do_not_are_named(app):
    app.query_params["therapist"] = ["Birch", "Nobody"]
    open_page(app, PATIENTS)
    assert app.sidebar.multiselect(key="therapist").value == ["Birch"]
    assert shown(app, "warning") == ["The link asks for therapist 'Nobody', who has no courses here: "
                                     "showing Birch only."]
    assert patients_count_caption(app).startswith("2 of 2 courses match")     # Birch's c1 and p3


def test_several_values_that_match_nothing_are_listed_in_one_warning(app):
    app.query_params["site"] = "Nowhere"
    app.query_params["sex"] = "Q"
    app.run()
    [warning] = shown(app, "warning")
    assert warning == ("Some values of this link match nothing here:\n\n"
                       "- The link asks for site 'Nowhere', which no course here has: showing all sites.\n"
                       "- The link asks for sex 'Q', which is not among Female, Male, X (other / not stated): "
                       "showing patients of every sex.")


def test_a_link_whose_values_all_match_warns_about_nothing(app):
    app.query_params.update({"therapist": "Birch", "site": "North", "sex": "Female", "age": "45-59",
                             "diagnosis": "Disc herniation", "relief": "≥ 2 points", "from": "2026-03-01",
                             "to": "2026-03-31"})
    app.run()
    assert shown(app, "warning") == [] and shown(app, "error") == []
    # Birch, North, female, 45-59, disc herniation, started in March: c1 (p1) only
    assert caption_of_filters(app) == ("as of 20 Mar 2026; courses started 01 Mar 2026 – 31 Mar 2026; therapist: "
                                       "Birch; site: North; diagnosis: Disc herniation; age: 45-59; sex: Female")


def test_a_link_value_is_shown_as_text_never_as_markdown(app):
    app.query_params["site"] = "[x](https://evil.example) **bold**"
    app.run()
    [warning] = [box.value for box in app.main.warning]
    assert "'\\[x\\]\\(https\\:\u2060\\/\\/evil\\.example\\) \\*\\*bold\\*\\*'" in warning


def test_the_note_stays_on_every_page_until_that_filter_is_changed(app):
    app.query_params["therapist"] = "Nobody"
    app.run()
    app.switch_page("pages/cohorts.py").run()
    assert any("therapist 'Nobody'" in text for text in shown(app, "warning"))
    app.sidebar.multiselect(key="therapist").select("Cedar").run()
    assert not any("Nobody" in text for text in shown(app, "warning"))


def test_a_therapist_following_a_link_that_names_another_therapist_is_told_the_account_shows_only_their_own(
        app, signed_in_as):
    signed_in_as("birch")
    app.query_params["therapist"] = "Cedar"
    open_page(app, PATIENTS)
    assert app.sidebar.multiselect(key="therapist").value == []
    assert shown(app, "warning") == ["The link asks for another therapist's courses, but your account shows only the "
                                     "courses you treat (Birch): showing your courses."]
    # Birch's c1 and p3 only: the scope is never widened, and Cedar's name is not echoed back
    assert patients_count_caption(app).startswith("2 of 2 courses match")
    assert not any("Cedar" in box.value for box in [*app.main.warning, *app.main.caption])


# ---------------------------------------------------------------- the director's pages with no patient figures

UNFILTERED_PAGES = ["pages/import_data.py", "pages/audit.py", "pages/users.py"]


def sidebar_filter_keys(app) -> list[str]:
    return [w.key for kind in ("date_input", "multiselect", "radio") for w in getattr(app.sidebar, kind)]


@pytest.mark.parametrize("page", UNFILTERED_PAGES)
def test_importing_the_audit_log_and_the_user_list_draw_no_patient_filters_and_say_why(app, page):
    app.query_params["therapist"] = "Birch"
    app.run()                               # the Overview first: the session has taken the link's view
    open_page(app, page)
    assert sidebar_filter_keys(app) == []
    assert not [b for b in app.sidebar.button if b.label in ("Clear filters", "Today")]
    assert [c.value for c in app.sidebar.caption if "do not apply" in c.value] == [ui.UNFILTERED_NOTE]


def test_a_link_to_the_audit_log_that_carries_a_view_takes_it_once_and_it_follows_to_the_next_data_page(app):
    # a link from before these pages left the filters out: its first run draws them (so the view is
    # taken, as a link to any page takes it), the page's next run does not
    app.query_params["therapist"] = "Cedar"                 # with the fixture's as_of=2026-03-20
    open_page(app, "pages/audit.py")
    assert app.sidebar.multiselect(key="therapist").value == ["Cedar"]
    app.run()
    assert sidebar_filter_keys(app) == []
    open_page(app, "pages/cohorts.py")
    assert app.sidebar.multiselect(key="therapist").value == ["Cedar"]
    assert caption_of_filters(app).startswith("as of 20 Mar 2026; therapist: Cedar")


# ---------------------------------------------------------------- Data quality: therapist and site alone

QUALITY = "pages/data_quality.py"


def quality_help_of(app, label: str) -> str:
    """The help of a Data quality count (on its label above the tile's number)."""
    return next(m.help for m in app.main.markdown if m.value == f"**{label}**")


def test_data_quality_draws_the_therapist_and_site_filters_alone_and_says_why(app):
    app.query_params["therapist"] = "Birch"
    app.run()                               # the Overview first: the session has taken the link's view
    open_page(app, QUALITY)
    assert sidebar_filter_keys(app) == ["therapist", "site"]
    assert app.sidebar.multiselect(key="therapist").value == ["Birch"]
    assert not app.sidebar.number_input                     # nor the clinical settings' thresholds
    assert not [b for b in app.sidebar.button if b.label in ("Clear filters", "Today")]
    assert [c.value for c in app.sidebar.caption if "do not apply" in c.value] == [ui.THERAPIST_SITE_NOTE]
    assert any(c.value.startswith("Filtered by therapist Birch.") for c in app.main.caption)   # the counts follow
    # a decoy: the Overview draws them all, with no note
    app.switch_page("pages/overview.py").run()
    assert {"as_of", "therapist", "site", "relief"} <= set(sidebar_filter_keys(app))
    assert not [c for c in app.sidebar.caption if "do not apply" in c.value]


def test_a_therapist_chosen_on_data_quality_and_the_filters_set_before_are_on_the_next_data_page(app):
    app.run()
    app.sidebar.radio(key="relief").set_value("points2").run()
    open_page(app, QUALITY)
    app.sidebar.multiselect(key="therapist").select("Cedar").run()
    assert sidebar_filter_keys(app) == ["therapist", "site"]
    open_page(app, "pages/cohorts.py")
    assert app.sidebar.multiselect(key="therapist").value == ["Cedar"]
    assert app.sidebar.radio(key="relief").value == "points2"
    assert caption_of_filters(app).startswith("as of 20 Mar 2026; therapist: Cedar")     # as_of from the link


def test_data_quality_names_the_planned_sessions_setting_the_session_chose_on_a_data_page(app):
    app.run()
    open_page(app, QUALITY)
    assert "so 10 daily sessions (the planned-sessions setting) are assumed" in \
        quality_help_of(app, "Courses without a planned length")
    open_page(app, "pages/cohorts.py")
    app.sidebar.number_input(key=ui.SETTING_KEYS["planned_sessions"]).set_value(12).run()
    open_page(app, QUALITY)
    assert not app.sidebar.number_input
    assert "so 12 daily sessions (the planned-sessions setting) are assumed" in \
        quality_help_of(app, "Courses without a planned length")


def test_a_link_to_data_quality_naming_a_therapist_who_matches_nothing_is_told_on_the_next_data_page(app):
    # a link that names only the two filters the page draws: its first run draws those alone
    del app.query_params["as_of"]
    app.query_params["therapist"] = "Nobody"
    open_page(app, QUALITY)
    assert sidebar_filter_keys(app) == ["therapist", "site"]
    assert app.sidebar.multiselect(key="therapist").value == []
    open_page(app, "pages/cohorts.py")
    assert shown(app, "warning") == ["The link asks for therapist 'Nobody', who has no courses here: showing all "
                                     "therapists."]


def test_a_link_to_data_quality_that_carries_a_view_takes_it_once_and_it_follows_to_the_next_data_page(app):
    app.query_params["diagnosis"] = "Disc herniation"      # with the fixture's as_of=2026-03-20
    open_page(app, QUALITY)
    assert app.sidebar.multiselect(key="diagnosis").value == ["disc_herniation"]
    app.run()
    assert sidebar_filter_keys(app) == ["therapist", "site"]
    open_page(app, "pages/cohorts.py")
    assert app.sidebar.multiselect(key="diagnosis").value == ["disc_herniation"]
    assert caption_of_filters(app).startswith("as of 20 Mar 2026; diagnosis: Disc herniation")


def test_filters_chosen_before_the_audit_log_are_back_on_the_next_data_page(app):
    app.run()
    app.sidebar.multiselect(key="therapist").select("Cedar").run()
    app.sidebar.radio(key="relief").set_value("points2").run()
    open_page(app, "pages/audit.py")
    assert sidebar_filter_keys(app) == []
    open_page(app, "pages/cohorts.py")
    assert app.sidebar.multiselect(key="therapist").value == ["Cedar"]
    assert app.sidebar.radio(key="relief").value == "points2"
    assert app.sidebar.date_input(key="as_of").value == dt.date(2026, 3, 20)     # from the link
    assert caption_of_filters(app).startswith("as of 20 Mar 2026; therapist: Cedar")


# ---------------------------------------------------------------- Record session: the as-of date alone

RECORD = "pages/record_session.py"


def record_patients(app) -> list[str]:
    """The Record session page's patient list, each "id  ·  last visit date" as shown."""
    return list(app.selectbox(key="record.patient").options)


def with_last_visit(**days: str) -> list[str]:
    return [f"{patient}  ·  last visit 2026-{day}" for patient, day in days.items()]


def test_record_session_draws_the_as_of_date_and_its_today_button_alone_and_says_why(app):
    app.query_params["therapist"] = "Birch"
    app.run()                               # the Overview first: the session has taken the link's view
    open_page(app, RECORD)
    assert sidebar_filter_keys(app) == ["as_of"]
    assert app.sidebar.date_input(key="as_of").value == dt.date(2026, 3, 20)
    assert not app.sidebar.number_input                     # nor the clinical settings' thresholds
    assert [b.label for b in app.sidebar.button if b.label in ("Clear filters", "Today")] == ["Today"]
    assert [c.value for c in app.sidebar.caption if "do not apply" in c.value] == [ui.AS_OF_ONLY_NOTE]
    # a decoy: the Overview draws them all, with no note
    app.switch_page("pages/overview.py").run()
    assert {"as_of", "therapist", "site", "relief"} <= set(sidebar_filter_keys(app))
    assert not [c for c in app.sidebar.caption if "do not apply" in c.value]


def test_the_patient_list_follows_the_as_of_date_of_the_record_session_sidebar(app):
    # As of 20 Mar: the patients of the courses treated by then, p1, p2 and p3, each with their last
    # session row up to then (p3's of 21 Mar comes later, p4's course starts on 25 Mar: the decoys).
    # Today: all four, p3 last seen on 21 Mar.
    open_page(app, RECORD)
    assert record_patients(app) == with_last_visit(p1="03-05", p2="03-03", p3="03-18")
    next(b for b in app.sidebar.button if b.label == "Today").click().run()
    assert app.sidebar.date_input(key="as_of").value == dt.date.today()
    assert record_patients(app) == with_last_visit(p1="03-05", p2="03-03", p3="03-21", p4="03-25")


def test_an_as_of_date_chosen_on_record_session_and_the_filters_set_before_are_on_the_next_data_page(app):
    app.run()
    app.sidebar.multiselect(key="therapist").select("Cedar").run()
    open_page(app, RECORD)
    app.sidebar.date_input(key="as_of").set_value(dt.date(2026, 3, 18)).run()
    assert sidebar_filter_keys(app) == ["as_of"]
    open_page(app, "pages/cohorts.py")
    assert app.sidebar.multiselect(key="therapist").value == ["Cedar"]
    assert caption_of_filters(app).startswith("as of 18 Mar 2026; therapist: Cedar")


def test_a_link_to_record_session_that_carries_a_view_takes_it_once_and_it_follows_to_the_next_data_page(app):
    app.query_params["therapist"] = "Cedar"                 # with the fixture's as_of=2026-03-20
    open_page(app, RECORD)
    assert app.sidebar.multiselect(key="therapist").value == ["Cedar"]
    app.run()
    assert sidebar_filter_keys(app) == ["as_of"]
    open_page(app, "pages/cohorts.py")
    assert caption_of_filters(app).startswith("as of 20 Mar 2026; therapist: Cedar")


def test_a_future_as_of_date_in_a_link_to_record_session_lists_todays_patients_and_is_refused_on_the_next_page(app):
    future = dt.date.today() + dt.timedelta(days=45)
    app.query_params["as_of"] = future.isoformat()
    open_page(app, RECORD)
    assert sidebar_filter_keys(app) == ["as_of"]            # the link names no other filter
    assert app.sidebar.date_input(key="as_of").value == dt.date.today()
    assert record_patients(app) == with_last_visit(p1="03-05", p2="03-03", p3="03-21", p4="03-25")
    open_page(app, "pages/cohorts.py")
    assert [e for e in shown(app, "error") if e.startswith(f"The link asks for figures as of {future:%d %b %Y}")]


def test_a_note_on_another_filter_of_a_link_waits_through_record_session_for_the_next_data_page(app):
    app.query_params["therapist"] = "Nobody"
    app.run()
    assert shown(app, "warning") == ["The link asks for therapist 'Nobody', who has no courses here: showing all "
                                     "therapists."]
    open_page(app, RECORD)
    open_page(app, "pages/cohorts.py")
    assert shown(app, "warning") == ["The link asks for therapist 'Nobody', who has no courses here: showing all "
                                     "therapists."]


# ---------------------------------------------------------------- Clear filters

def clear_filters(app):
    return next(b for b in app.sidebar.button if b.label == "Clear filters")


def test_clear_filters_puts_the_as_of_date_back_to_today_and_empties_the_start_range(app):
    app.query_params["from"] = "2026-03-10"
    app.query_params["to"] = "2026-03-31"
    app.query_params["therapist"] = "Birch"
    open_page(app, PATIENTS)
    # As of 03-20, started 03-10..03-31, Birch: only p3 (started 03-15)
    assert patients_count_caption(app).startswith("1 of 1 courses match")
    clear_filters(app).click().run()
    assert not app.exception
    assert app.sidebar.date_input(key="as_of").value == dt.date.today()
    assert (app.sidebar.date_input(key="from").value, app.sidebar.date_input(key="to").value) == (None, None)
    assert app.sidebar.multiselect(key="therapist").value == []
    assert caption_of_filters(app) == f"as of {today_words()}"
    assert not any("not today" in text for text in shown(app, "info"))
    # As of today every course has started: c1, c2, p3 and c4 (starts 2026-03-25)
    assert patients_count_caption(app).startswith("4 of 4 courses match")
    assert not {"as_of", "from", "to", "therapist"} & set(app.query_params)


def test_clear_filters_also_drops_the_notes_on_the_links_values(app):
    app.query_params["site"] = "Nowhere"
    app.run()
    assert shown(app, "warning")
    clear_filters(app).click().run()
    assert shown(app, "warning") == []


# ---------------------------------------------------------------- links to the Patients page keep the view

def test_a_patient_link_carries_every_filter_urlencoded_as_the_sidebar_writes_them():
    view = Filters(as_of=dt.date(2026, 3, 20), start_from=dt.date(2026, 3, 1), start_to=dt.date(2026, 3, 31),
                   therapists=("Cedar", "Birch"), sites=("North",), diagnoses=("other",), age_bands=("<30",),
                   sexes=("F", "X"), relief_rule="points2")
    assert ui.patient_links(["p3:2026-03-15"], view) == [
        "./patients?as_of=2026-03-20&from=2026-03-01&to=2026-03-31&therapist=Birch&therapist=Cedar&site=North"
        "&diagnosis=Other&age=%3C30&sex=Female&sex=X+%28other+%2F+not+stated%29&relief=%E2%89%A5+2+points"
        "&patients.course=p3%3A2026-03-15"]


def test_a_patient_link_leaves_out_the_defaults_as_the_address_does():
    today = Filters(as_of=dt.date.today())
    assert ui.patient_links(["c1", "a b&c"], today) == ["./patients?patients.course=c1",
                                                        "./patients?patients.course=a+b%26c"]
    assert url_params(Filters(as_of=dt.date(2026, 3, 20), relief_rule="pct30"), dt.date(2026, 3, 20)) == []


def overview_links(app) -> set[str]:
    """The "Patient page" links of every list on the Overview."""
    return {link for frame in app.main.dataframe if "link" in frame.value.columns for link in frame.value["link"]}


def test_the_overviews_links_carry_the_as_of_date_and_the_therapist_chosen(app):
    app.query_params["therapist"] = "Birch"
    app.run()
    # Birch's courses that need attention as of 03-20 are all p3's (c1 completed on 03-05)
    assert overview_links(app) == {"./patients?as_of=2026-03-20&therapist=Birch&patients.course=p3%3A2026-03-15"}


def test_a_patient_link_opened_in_a_new_session_shows_the_same_view_and_that_course(app):
    app.query_params.update({"therapist": "Birch", "relief": "≥ 50 % drop", "from": "2026-03-10"})
    app.run()
    [link] = overview_links(app)
    assert link == ("./patients?as_of=2026-03-20&from=2026-03-10&therapist=Birch&relief=%E2%89%A5+50+%25+drop"
                    "&patients.course=p3%3A2026-03-15")
    fresh = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)     # a new tab: a new session
    for key, values in parse_qs(urlsplit(link).query).items():
        fresh.query_params[key] = values if len(values) > 1 else values[0]
    open_page(fresh, PATIENTS)
    assert fresh.sidebar.date_input(key="as_of").value == dt.date(2026, 3, 20)
    assert fresh.sidebar.date_input(key="from").value == dt.date(2026, 3, 10)
    assert fresh.sidebar.multiselect(key="therapist").value == ["Birch"]
    assert fresh.sidebar.radio(key="relief").value == "pct50"
    assert fresh.text_input(key="patients.course").value == "p3:2026-03-15"
    assert not [text for text in shown(fresh, "warning") if text.startswith(("The link asks", "Some values"))]
    assert caption_of_filters(fresh) == caption_of_filters(app)        # the same view in words



def test_the_stored_facts_are_checked_once_per_version_of_the_database_not_on_every_run(own_db, monkeypatch):
    # A facts check opens the file (and rebuilds the facts of an older version, behind a message);
    # the runs after it, of the same database unchanged, skip it. A write (here the file touched
    # with a later time) is a new version: checked again.
    import os

    from conftest import dashboard_on
    from clinic import facts

    checked = []
    ensure = facts.ensure
    monkeypatch.setattr(facts, "ensure", lambda path, *a, **k: checked.append(str(path)) or ensure(path, *a, **k))
    at = dashboard_on(own_db, monkeypatch)
    at.run()
    at.run()
    at.run()
    assert not at.exception and checked == [str(own_db)]
    stamp = os.stat(own_db).st_mtime_ns + 5_000_000_000
    os.utime(own_db, ns=(stamp, stamp))
    at.run()
    assert not at.exception and checked == [str(own_db)] * 2
