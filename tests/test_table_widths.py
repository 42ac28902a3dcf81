"""Tables sized to what they show (clinic.charts.fitted_widths, ui.table_config), so they fit the
page: a table running past the page's edge cut its last visible number in half (37.5 read "37").

Widths follow the dashboard's rough text measure (charts.text_px): 4 px for narrow characters
(i j l f t r ( ) / . , : ; ' ! | - and space), 11 for m w M W, 9 for other capitals, 7 for the rest.
"""
from __future__ import annotations

import pandas as pd
import pytest

from clinic.charts import fairness, fitted_widths, relief_time, text_px

# The page's content is 940 px wide in a 1,400 px window with the sidebar open.
CONTENT_PX = 940


def test_a_column_is_as_wide_as_its_header_or_its_widest_cell_as_shown():
    frame = pd.DataFrame({"rate": [59.4, 100.0, None], "courses": [1_751, 12_345_678, 3]})
    widths = fitted_widths(frame, {"rate": ("Rate (%)", None, "pct1"), "courses": ("Courses", None, "count")})
    # "Rate (%)": R 9, a 7, t 4, e 7, space 4, ( 4, % 7, ) 4 = 46 + 24 for the header's padding and
    # arrow; its widest cell "100.0" is 7 + 7 + 7 + 4 + 7 = 32 + 16: the header wins. The empty cell is
    # skipped.
    assert text_px("Rate (%)") == 46 and widths["rate"] == 70
    # "Courses": C 9 + o u s e s 5 x 7 + r 4 = 48 + 24 = 72; "12,345,678": 8 digits x 7 + 2 commas x 4
    # = 64 + 16 = 80: the cell wins
    assert widths["courses"] == 80


def test_the_table_config_hides_what_it_does_not_name_and_keeps_each_columns_header_help_and_format():
    from clinic import ui

    frame = pd.DataFrame({"courses": [5], "ratio": [1.234], "too_few": [False]})
    config = ui.table_config(frame, {"courses": ("Courses", "Assessable courses.", "count"),
                                     "ratio": ("O/E", None, "ratio2")})
    assert config["too_few"] is None
    assert config["courses"]["label"] == "Courses" and config["courses"]["help"] == "Assessable courses."
    assert config["courses"]["type_config"]["format"] == "localized"
    assert config["ratio"]["type_config"]["format"] == "%.2f"
    assert config["ratio"]["width"] == int(text_px("O/E") + 24)      # its cell "1.23" is narrower


@pytest.mark.parametrize("columns", [relief_time.ADHERENCE_COLUMNS, relief_time.MEDIAN_COLUMNS, fairness.OE_COLUMNS],
                         ids=["time to relief: adherence", "time to relief: medians",
                              "fair comparison: observed and expected"])
def test_the_wide_tables_fit_the_page_with_numbers_of_a_network(columns):
    # a network's widest figures in every column: 7-digit counts, 100.0 %, O/E 10.00, the longest texts
    widest = {"count": 2_345_678, "pct1": 100.0, "ratio2": 10.0}
    texts = {"group": "Not adherent", "note": "too few to judge", "label": "Another therapist 12",
             "cohort": "Piriformis syndrome",
             "observed_interval": "100.0–100.0 %", "verdict": "better than expected"}
    frame = pd.DataFrame([{column: texts.get(column, "") if kind == "text" else widest[kind]
                           for column, (_header, _help, kind) in columns.items()}])
    assert sum(fitted_widths(frame, columns).values()) <= CONTENT_PX


def test_the_user_list_fits_the_page_with_every_column_filled():
    from clinic import audit_view

    when = "2026-12-05 18:24"
    frame = pd.DataFrame([{"name": "sycamore", "role": "therapist", "therapist": "Sycamore", "disabled": False,
                           "demo": True, "locked_until": when, "open_sessions": 12, "last_sign_in": when,
                           "created_at": when, "password_changed_at": when}])
    widths = fitted_widths(frame, audit_view.USER_COLUMNS)
    # a time: 12 digits x 7 + "-" "-" " " ":" x 4 = 100 + 16 = 116 px, wider than "Created" (45 + 24)
    assert widths["created_at"] == 116
    assert sum(widths.values()) <= CONTENT_PX


def test_a_courses_session_table_fits_the_page_up_to_the_session_id_and_its_notes():
    from clinic.charts import patients

    # a session with every field at its widest; its id and a note of 300 characters (cut at 320 px)
    # come last, where they are reached by scrolling sideways
    frame = pd.DataFrame([{"session_date": pd.Timestamp("2026-12-05"), "session_time": "17:00", "session_number": "60",
                           "course_day": "365", "status": "cancelled", "flags": "numbness, acute",
                           "pain_before": "10", "pain_after": "10", "pain_change": "-10", "muscle_tension": "10",
                           "numbness": "yes", "acute_inflammation": "yes", "therapist": "Sycamore",
                           "session_id": "S02051163", "notes": "x" * 300}])
    widths = fitted_widths(frame, patients.SESSION_COLUMNS)
    # the date as shown, "2026-12-05": 8 digits x 7 + 2 hyphens x 4 = 64 + 16 = 80 px (the header "Date" is 54)
    assert widths["session_date"] == 80 and widths["notes"] == 320
    assert sum(w for column, w in widths.items() if column not in ("session_id", "notes")) <= CONTENT_PX


def test_a_long_free_text_is_cut_at_a_width_and_a_short_one_is_not():
    frame = pd.DataFrame({"notes": ["x" * 100, None], "flags": ["numbness", "numbness, acute inflammation"]})
    widths = fitted_widths(frame, {"notes": ("Notes", None, "text"), "flags": ("Flags", None, "text")})
    # 100 x 7 px + 16 would be 716 px: cut at 320. "numbness, acute inflammation": "numbness" 7 x 7 + m 11
    # = 60, ", " 8, "acute" 7 + 7 + 7 + 4 + 7 = 32, " " 4, "inflammation" (i n f l a m m a t i o n)
    # 4 + 7 + 4 + 4 + 7 + 11 + 11 + 7 + 4 + 4 + 7 + 7 = 77: 181 + 16, wider than its header "Flags" (34 + 24)
    assert widths["notes"] == 320
    assert text_px("numbness, acute inflammation") == 181 and widths["flags"] == 197


def test_the_record_session_days_table_reads_its_flags_whole_and_keeps_the_notes_last():
    from clinic import recording

    assert list(recording.DAY_COLUMNS)[-1] == "notes"
    day = pd.DataFrame([{column: "" if kind == "text" else 0 for column, (_header, _help, kind)
                         in recording.DAY_COLUMNS.items()} | {"flags": "numbness, acute"}])
    # "numbness, acute": 60 + 8 + 32 = 100 px + 16
    assert fitted_widths(day, recording.DAY_COLUMNS)["flags"] == 116
    # a therapist's own day has no therapist column: every session of it is theirs
    assert "therapist" in recording.day_columns(None) and "therapist" not in recording.day_columns("Birch")
