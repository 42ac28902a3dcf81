"""The mapping step's choices and the profile they make, without Streamlit."""
from __future__ import annotations

import datetime as dt

import pytest

from clinic import importer, mapping
from clinic import mapping_form as form


def table(header: list[str], *rows: list[str]) -> importer.Table:
    return importer.Table(header=header, records=[(n + 2, list(r)) for n, r in enumerate(rows)])


EXPORT = table(["visit", "client", "client_id", "when", "provider", "outcome"],
               ["v1", "Zelda Quimby", "c1", "03/11/2025 9:30 am", "Birch", "Arrived"],
               ["v2", "Zelda Quimby", "c1", "04/11/2025 9:30 am", "Birch", "DNA"],
               ["v3", "Orville Nakamura", "c2", "04/11/2025 2:00 pm", "Cedar", "arrived"],
               ["v4", "Orville Nakamura", "c2", "05/11/2025 2:00 pm", "Cedar", "Rescheduled"])


def test_only_columns_holding_date_times_are_offered_as_date_and_time_parts():
    assert form.date_time_columns(EXPORT) == {"when": "dmy"}
    options = form.field_options("sessions", "session_date", EXPORT.header, {"when": "dmy"})
    assert "date:when" in options and "time:when" not in options and "flags" not in options
    assert "flags" in form.field_options("sessions", "status", EXPORT.header, {})
    assert form.option_label("time:when") == "time in when" and form.option_label("none") == "— not in the file —"


def test_the_choices_make_the_profile_they_show():
    choices = form.Choices(kind="sessions", sources={
        "session_id": "col:visit", "patient_id": "col:client_id", "session_date": "date:when",
        "session_time": "time:when", "therapist": "const", "status": "col:outcome", "notes": "none"},
        constants={"therapist": "Birch"}, date_format="dmy",
        values={"status": {"Arrived": "attended", "DNA": "no_show", "Rescheduled": form.KEEP}},
        drop=["client"])
    profile = form.profile_from(choices, EXPORT.header)
    assert profile.fields["session_date"] == mapping.part("when", "date", "dmy")
    assert profile.fields["therapist"] == mapping.constant("Birch")
    assert "notes" not in profile.fields
    assert profile.values == {"status": {"Arrived": "attended", "DNA": "no_show"}}    # keep as is: no entry
    assert profile.problems(EXPORT.header) == []
    again = form.choices_from(profile)
    assert again.sources["session_time"] == "time:when" and again.date_format == "dmy"


def test_distinct_values_match_in_any_case_most_frequent_first_and_only_of_the_column_asked():
    values, more = form.distinct_values(EXPORT, "outcome")
    assert values == [("Arrived", 2), ("DNA", 1), ("Rescheduled", 1)] and more == 0
    values, more = form.distinct_values(EXPORT, "outcome", most=1)
    assert values == [("Arrived", 2)] and more == 2


@pytest.mark.parametrize("field, value, becomes", [
    ("status", "Arrived", "attended"), ("status", "attended", form.KEEP), ("status", "Rescheduled", form.KEEP),
    ("sex", "female", "F"), ("sex", "f", form.KEEP), ("blood_tests", "Y", "true"), ("blood_tests", "no", form.KEEP),
])
def test_a_value_is_first_offered_the_translation_a_person_would_pick(field, value, becomes):
    kind = "sessions" if field == "status" else "patients"
    assert form.suggested_translation(kind, field, value) == becomes


def test_the_preview_holds_only_mapped_fields_never_a_dropped_name():
    profile = mapping.suggest(EXPORT)
    assert "client" in profile.drop and "session_id" not in profile.fields     # `visit` is no known name
    profile.fields["session_id"] = mapping.column("visit")
    stored, rejected = form.preview_frames(profile, EXPORT, dt.date(2026, 1, 1))
    assert stored[["line", "session_id", "session_date", "session_time", "status"]].values.tolist() == [
        [2, "v1", "2025-11-03", "09:30", "attended"], [3, "v2", "2025-11-04", "09:30", "no_show"],
        [4, "v3", "2025-11-04", "14:00", "attended"]]
    assert rejected[["line", "column", "value"]].values.tolist() == [[5, "status", "Rescheduled"]]
    shown = stored.to_csv() + rejected.to_csv()
    assert "Quimby" not in shown and "Nakamura" not in shown


def test_every_kind_a_profile_can_have_has_a_label_on_the_page():
    assert set(form.KIND_LABELS) == set(mapping.KINDS)
