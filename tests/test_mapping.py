"""Mapping profiles: practice-software exports, built by hand in their own shapes, reach the contract.

Every expected row below was written out by hand from the file above it. The names in the files
(NAMES) are the decoys: none of them may be stored anywhere.
"""
from __future__ import annotations

import datetime as dt
import json

import duckdb
import openpyxl
import pytest

from clinic import importer, mapping
from query_support import every_stored_text

TODAY = dt.date(2026, 11, 20)
NAMES = ("Maren Holloway", "Ilse Varga", "Tobias Crane", "Odile Fenwick")

# Cliniko: appointments, a Patient column of full names, ISO date-times with an offset, Yes/No
# flags and a Cancelled At date-time.
CLINIKO = """\
Appointment ID,Patient,Patient ID,Practitioner,Appointment Type,Starts At,Ends At,Patient Arrived,Did Not Arrive,Cancelled At,Notes
A-1,Maren Holloway,P-17,Tess Arden,Initial,2026-11-03T09:30:00+11:00,2026-11-03T10:30:00+11:00,Yes,No,,first visit
A-2,Maren Holloway,P-17,Tess Arden,Follow-up,2026-11-04T09:30:00+11:00,2026-11-04T10:00:00+11:00,No,Yes,,
A-3,Ilse Varga,P-18,Rui Okafor,Initial,2026-11-04T14:00:00+11:00,2026-11-04T15:00:00+11:00,No,No,2026-11-02T08:00:00+11:00,
A-4,Ilse Varga,P-18,Rui Okafor,Follow-up,2026-11-05T14:00:00+11:00,2026-11-05T15:00:00+11:00,No,No,,
A-5,Ilse Varga,P-18,Rui Okafor,Follow-up,2026-11-31T14:00:00+11:00,2026-11-31T15:00:00+11:00,Yes,No,,
A-6,Ilse Varga,P-18,Rui Okafor,Follow-up,2026-11-06T14:00:00+11:00,2026-11-06T15:00:00+11:00,Yes,Yes,,
A-7,Ilse Varga,P-18,Rui Okafor,Follow-up,2026-11-07T14:00:00+11:00
"""

# Nookal: semicolons, day-first dates, a separate time, statuses in words.
NOOKAL = """\
Date;Time;Client;Client ID;Practitioner;Status;Pain Pre;Pain Post
03/11/2026;9:15;Tobias Crane;N-1;Tess Arden;Completed;7;4
04/11/2026;09:15;Tobias Crane;N-1;Tess Arden;DNA;;
05/11/2026;16:40;Odile Fenwick;N-2;Rui Okafor;Cancelled;;
06/11/2026;16:40;Odile Fenwick;N-2;Rui Okafor;Rescheduled;;
07/11/2026;16:40;Odile Fenwick;N-2;Rui Okafor;completed;11;3
"""


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def read(path):
    return importer.read_table(path, records=True)[0]


def stored(db_path, sql):
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def every_text_in(db_path) -> str:
    """Every text value of every table of the database, as one text."""
    return "\n".join(every_stored_text(db_path))


def cliniko_profile(header):
    return mapping.Profile(
        kind="sessions",
        fields={"session_id": mapping.column("appointment_id"), "patient_id": mapping.column("patient_id"),
                "therapist": mapping.column("practitioner"),
                "session_date": mapping.part("starts_at", "date"), "session_time": mapping.part("starts_at", "time"),
                "status": mapping.flags(attended="patient_arrived", no_show="did_not_arrive",
                                        cancelled="cancelled_at"),
                "notes": mapping.column("notes")},
        drop=["patient"], header=header)


# ------------------------------------------------------------------ refused until a person maps it

def test_an_appointment_export_with_a_patient_column_is_refused_without_a_profile(tmp_path):
    path = write(tmp_path, "appointments.csv", CLINIKO)
    [result] = importer.import_files([path], tmp_path / "clinic.duckdb", today=TODAY)
    assert result.refused.startswith("refused: column(s) patient may hold patients' names")
    assert "Map the file's columns" in result.refused
    assert stored(tmp_path / "clinic.duckdb", "select count(*) from sessions") == [(0,)]


@pytest.mark.parametrize("header, direct, possible", [
    (["patient", "patient_id", "practitioner_name"], [], ["patient"]),
    (["client", "customer", "contact", "appointment_id"], [], ["client", "customer", "contact"]),
    (["email", "first_name", "therapist_name", "site_name"], ["email", "first_name"], []),
    (["preferred_name", "session_id"], [], ["preferred_name"]),
])
def test_name_columns_are_told_from_therapist_and_site_names(header, direct, possible):
    assert mapping.identifier_columns(header) == (direct, possible)


def test_a_direct_identifier_can_only_be_dropped_and_a_name_column_must_be_dropped_or_mapped(tmp_path):
    header = read(write(tmp_path, "a.csv", CLINIKO.replace("Notes", "Email"))).header
    profile = cliniko_profile(header)
    profile.fields.pop("notes")
    assert any("email may hold patients' names" in p for p in profile.problems(header))
    profile.fields["notes"] = mapping.column("email")
    assert any("email hold direct identifiers of a person and can only be dropped" in p
               for p in profile.problems(header))
    profile.fields.pop("notes")
    profile.drop = ["patient", "email"]
    assert profile.problems(header) == []
    profile.drop = ["email"]
    assert any("column(s) patient may hold patients' names" in p for p in profile.problems(header))


def test_a_profile_without_a_source_for_a_required_field_or_with_a_missing_column_says_so(tmp_path):
    header = read(write(tmp_path, "a.csv", CLINIKO)).header
    profile = cliniko_profile(header)
    profile.fields.pop("therapist")
    profile.fields["notes"] = mapping.column("comments")
    problems = profile.problems(header)
    assert "the file has no column(s) comments" in problems
    assert "a sessions file needs a source for therapist" in problems


# ------------------------------------------------------------------ Cliniko, end to end

def test_the_suggested_cliniko_mapping_splits_starts_at_reads_the_flags_and_drops_the_names(tmp_path):
    table = read(write(tmp_path, "appointments.csv", CLINIKO))
    profile = mapping.suggest(table)
    assert profile.kind == "sessions"
    assert profile.drop == ["patient"]
    assert profile.fields == cliniko_profile(table.header).fields
    assert profile.problems(table.header) == []


def test_a_cliniko_export_imports_its_sessions_and_rejects_what_it_cannot_tell(tmp_path):
    path = write(tmp_path, "appointments.csv", CLINIKO)
    db_path = tmp_path / "clinic.duckdb"
    [result] = importer.import_files([path], db_path, today=TODAY, profile=cliniko_profile(read(path).header))
    assert (result.rows_read, result.new, result.rejected, result.profile) == (7, 3, 4, "(unsaved)")
    assert result.warnings == ["dropped, never read: patient",
                               "not mapped, so not imported: appointment_type, ends_at"]
    assert stored(db_path, "select session_id, patient_id, session_date, session_time, therapist, status, notes "
                           "from sessions order by session_id") == [
        ("A-1", "P-17", dt.date(2026, 11, 3), dt.time(9, 30), "Tess Arden", "attended", "first visit"),
        ("A-2", "P-17", dt.date(2026, 11, 4), dt.time(9, 30), "Tess Arden", "no_show", None),
        ("A-3", "P-18", dt.date(2026, 11, 4), dt.time(14, 0), "Rui Okafor", "cancelled", None),
    ]
    got = {r.line: (r.column, r.value, r.reason) for r in result.rejects}
    assert got[5] == ("status", "no flag marked", "status must be one of attended, cancelled, no_show")
    assert got[6][:2] == ("session_date", "2026-11-31T14:00:00+11:00")            # no 31 November
    assert got[6][2].startswith("session_date must be a date written YYYY-MM-DD")
    assert got[7][:2] == ("status", "flags attended and no_show both marked")
    assert got[8] == (None, None, "too few fields: 6 where the header has 11")


def test_no_name_from_the_export_is_stored_or_written_to_the_rejects_report(tmp_path):
    path = write(tmp_path, "appointments.csv", CLINIKO)
    db_path = tmp_path / "clinic.duckdb"
    [result] = importer.import_files([path], db_path, today=TODAY, profile=cliniko_profile(read(path).header))
    assert result.rejects_file
    everything = every_text_in(db_path) + (tmp_path / "rejects").joinpath(
        result.rejects_file.rsplit("/", 1)[-1]).read_text(encoding="utf-8") + json.dumps(result.as_dict())
    assert "Tess Arden" in everything                     # the check can see what was stored
    for name in NAMES[:2]:
        assert name not in everything
        assert name.split()[1] not in everything


def test_a_saved_profile_maps_the_next_export_with_the_same_header_and_its_newest_version_is_used(tmp_path):
    db_path = tmp_path / "clinic.duckdb"
    first = write(tmp_path, "november.csv", CLINIKO)
    profile = cliniko_profile(read(first).header)
    assert mapping.save(db_path, "Cliniko appointments", profile, "director") == 1
    profile.fields.pop("notes")
    assert mapping.save(db_path, "Cliniko appointments", profile, "director") == 2
    december = CLINIKO.replace("first visit", "changed note")
    [result] = importer.import_files([write(tmp_path, "december.csv", december)], db_path, today=TODAY)
    assert (result.profile, result.new) == ("Cliniko appointments v2", 3)
    assert stored(db_path, "select notes from sessions where session_id = 'A-1'") == [(None,)]   # v1 had notes


def test_a_file_with_another_header_is_not_mapped_by_a_saved_profile(tmp_path):
    db_path = tmp_path / "clinic.duckdb"
    path = write(tmp_path, "november.csv", CLINIKO)
    mapping.save(db_path, "Cliniko appointments", cliniko_profile(read(path).header), "director")
    other = CLINIKO.replace("Appointment Type", "Service")
    [result] = importer.import_files([write(tmp_path, "other.csv", other)], db_path, today=TODAY)
    assert result.profile is None
    assert result.refused.startswith("refused: column(s) patient may hold patients' names")


def test_a_named_profile_that_was_never_saved_refuses_the_file(tmp_path):
    path = write(tmp_path, "november.csv", CLINIKO)
    [result] = importer.import_files([path], tmp_path / "clinic.duckdb", today=TODAY, profile="Nookal")
    assert result.refused == "no mapping profile named 'Nookal'"


def test_a_profile_that_does_not_fit_the_file_refuses_it_whole(tmp_path):
    path = write(tmp_path, "november.csv", CLINIKO)
    profile = cliniko_profile(read(path).header)
    profile.drop = []
    [result] = importer.import_files([path], tmp_path / "clinic.duckdb", today=TODAY, profile=profile)
    assert result.refused.startswith("the mapping profile does not fit this file: column(s) patient may hold")


def test_a_contract_file_still_imports_without_any_profile(tmp_path):
    db_path = tmp_path / "clinic.duckdb"
    mapping.save(db_path, "Cliniko appointments", cliniko_profile(read(write(tmp_path, "a.csv", CLINIKO)).header),
                 "director")
    plain = write(tmp_path, "sessions.csv", "session_id,patient_id,session_date,therapist\ns1,p1,2026-11-02,Tess Arden\n")
    [result] = importer.import_files([plain], db_path, today=TODAY)
    assert (result.profile, result.new, result.refused) == (None, 1, None)


# ------------------------------------------------------------------ Nookal: semicolons, day-first dates, words

def test_the_suggested_nookal_mapping_reads_day_first_dates_and_translates_the_status_words(tmp_path):
    table = read(write(tmp_path, "nookal.csv", NOOKAL))
    profile = mapping.suggest(table)
    assert profile.fields["session_date"] == mapping.part("date", "date", "dmy")
    assert profile.fields["session_time"] == mapping.column("time")
    assert profile.fields["patient_id"] == mapping.column("client_id")
    assert profile.fields["pain_before"] == mapping.column("pain_pre")
    assert profile.fields["pain_after"] == mapping.column("pain_post")
    assert profile.values == {"status": {"Cancelled": "cancelled", "Completed": "attended", "DNA": "no_show",
                                         "completed": "attended"}}
    assert profile.drop == ["client"]
    assert "session_id" not in profile.fields                   # Nookal exports no appointment id
    assert "a sessions file needs a source for session_id" in profile.problems(table.header)


def test_a_nookal_export_imports_with_an_appointment_id_column_added_by_a_person(tmp_path):
    text = "Appt No;" + NOOKAL.splitlines()[0] + "\n" + "\n".join(
        f"B-{n};{line}" for n, line in enumerate(NOOKAL.splitlines()[1:], start=1)) + "\n"
    path = write(tmp_path, "nookal.csv", text)
    profile = mapping.suggest(read(path))
    profile.fields["session_id"] = mapping.column("appt_no")
    db_path = tmp_path / "clinic.duckdb"
    [result] = importer.import_files([path], db_path, today=TODAY, profile=profile)
    assert (result.rows_read, result.new, result.rejected) == (5, 3, 2)
    assert stored(db_path, "select session_id, patient_id, session_date, session_time, status, pain_before, "
                           "pain_after from sessions order by session_id") == [
        ("B-1", "N-1", dt.date(2026, 11, 3), dt.time(9, 15), "attended", 7, 4),
        ("B-2", "N-1", dt.date(2026, 11, 4), dt.time(9, 15), "no_show", None, None),
        ("B-3", "N-2", dt.date(2026, 11, 5), dt.time(16, 40), "cancelled", None, None),
    ]
    got = {r.line: (r.column, r.value) for r in result.rejects}
    assert got == {5: ("status", "Rescheduled"), 6: ("pain_before", "11")}    # never guessed
    assert all(name not in every_text_in(db_path) for name in NAMES)


# ------------------------------------------------------------------ Halaxy and Jane: XLSX with date cells

def halaxy_xlsx(path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Appointment #", "Patient Name", "Patient Number", "Provider", "Appointment Date", "Status"])
    rows = [("H-1", "Odile Fenwick", "X-9", "Tess Arden", dt.datetime(2026, 11, 9, 8, 45), "Attended"),
            ("H-2", "Odile Fenwick", "X-9", "Tess Arden", dt.datetime(2026, 11, 10, 8, 45), "Non-Attendance"),
            ("H-3", "Tobias Crane", "X-10", "Rui Okafor", dt.datetime(2026, 11, 10, 13, 0, 30), "Attended"),
            ("H-4", "Tobias Crane", "X-10", "Rui Okafor", dt.datetime(2026, 12, 24, 13, 0), "Attended")]
    for row in rows:
        sheet.append(row)
    for cell in sheet["E"][1:]:
        cell.number_format = "dd/mm/yyyy hh:mm"
    book.save(path)
    return path


def test_an_xlsx_export_with_formatted_date_time_cells_imports_its_dates_and_times(tmp_path):
    path = halaxy_xlsx(tmp_path / "halaxy.xlsx")
    table = read(path)
    profile = mapping.suggest(table)
    assert profile.drop == ["patient_name"]
    assert profile.fields["session_date"] == mapping.part("appointment_date", "date", "iso")
    assert profile.fields["session_time"] == mapping.part("appointment_date", "time", "iso")
    assert profile.fields["therapist"] == mapping.column("provider")
    assert profile.values == {"status": {"Attended": "attended", "Non-Attendance": "no_show"}}
    profile.fields["session_id"] = mapping.column("appointment_#")
    profile.fields["patient_id"] = mapping.column("patient_number")
    db_path = tmp_path / "clinic.duckdb"
    [result] = importer.import_files([path], db_path, today=TODAY, profile=profile)
    assert stored(db_path, "select session_id, patient_id, session_date, session_time, status from sessions "
                           "order by session_id") == [
        ("H-1", "X-9", dt.date(2026, 11, 9), dt.time(8, 45), "attended"),
        ("H-2", "X-9", dt.date(2026, 11, 10), dt.time(8, 45), "no_show"),
    ]
    got = {r.line: (r.column, r.reason) for r in result.rejects}
    assert got[4] == ("session_time", "session_time must be a time of day in hours and minutes (this cell has seconds)")
    assert got[5][0] == "session_date" and "cannot be dated after today (2026-11-20)" in got[5][1]


def test_jane_statuses_arrived_and_no_show_are_translated_in_any_case():
    table = importer.Table(header=["booking_id", "client", "client_id", "staff_member", "date", "state"],
                           records=[(2, ("J1", "Ilse Varga", "c1", "Rui Okafor", "2026-11-02", "Arrived")),
                                    (3, ("J2", "Ilse Varga", "c1", "Rui Okafor", "2026-11-03", "No Show")),
                                    (4, ("J3", "Ilse Varga", "c1", "Rui Okafor", "2026-11-04", "arrived"))])
    profile = mapping.suggest(table)
    assert profile.values == {"status": {"Arrived": "attended", "No Show": "no_show", "arrived": "attended"}}
    rows, rejects = mapping.preview(profile, table, TODAY)
    assert [(r["session_id"], r["session_date"], r["status"]) for r in rows] == [
        ("J1", dt.date(2026, 11, 2), "attended"), ("J2", dt.date(2026, 11, 3), "no_show"),
        ("J3", dt.date(2026, 11, 4), "attended")]
    assert rejects == []
    assert all("Ilse" not in str(value) for row in rows for value in row.values())


# ------------------------------------------------------------------ date-times, constants, JSON

@pytest.mark.parametrize("text, fmt, date, time", [
    ("2026-11-03T09:30:00+11:00", "iso", dt.date(2026, 11, 3), dt.time(9, 30)),
    ("2026-11-03 9:05", "iso", dt.date(2026, 11, 3), dt.time(9, 5)),
    ("03/11/2026 2:15 pm", "dmy", dt.date(2026, 11, 3), dt.time(14, 15)),
    ("11/03/2026 12:10 AM", "mdy", dt.date(2026, 11, 3), dt.time(0, 10)),
    ("3.11.2026", "dmy", dt.date(2026, 11, 3), None),
    ("2026-11-03 25:00", "iso", "2026-11-03 25:00", "2026-11-03 25:00"),     # not a time: passed on, rejected
    ("next Tuesday", "iso", "next Tuesday", "next Tuesday"),
])
def test_a_date_time_text_splits_into_its_date_and_its_time_or_stays_as_written(text, fmt, date, time):
    assert mapping._date_time(text, "date", fmt) == date
    assert mapping._date_time(text, "time", fmt) == time


def test_a_constant_fills_a_field_the_export_lacks(tmp_path):
    table = importer.Table(header=["patient_number", "gender"], records=[(2, ("p1", "female")), (3, ("p2", "M"))])
    profile = mapping.Profile("patients", {"patient_id": mapping.column("patient_number"),
                                           "sex": mapping.column("gender"), "site": mapping.constant("North")},
                              values={"sex": {"female": "F"}}, header=table.header)
    rows, rejects = mapping.preview(profile, table, TODAY)
    assert rows == [{"line": 2, "patient_id": "p1", "sex": "F", "site": "North"},
                    {"line": 3, "patient_id": "p2", "sex": "M", "site": "North"}]


def test_a_profile_survives_its_json_and_a_malformed_one_is_refused_with_the_reason(tmp_path):
    profile = cliniko_profile(read(write(tmp_path, "a.csv", CLINIKO)).header)
    profile.values = {"status": {"Arrived": "attended"}}
    again = mapping.Profile.from_json(profile.to_json("Cliniko"))
    assert (again.kind, again.fields, again.values, again.drop, again.header) == (
        profile.kind, profile.fields, profile.values, profile.drop, profile.header)
    bad = json.loads(profile.to_json("Cliniko"))
    bad["values"] = {"status": {"Arrived": "present"}}
    with pytest.raises(mapping.ProfileError, match="status values can only become attended, cancelled, no_show"):
        mapping.Profile.from_dict(bad)
    with pytest.raises(mapping.ProfileError, match="not a mapping profile"):
        mapping.Profile.from_json("[1, 2")
    bad["values"] = {}
    bad["fields"]["therapist"] = {"flags": {"attended": "patient_arrived"}}
    with pytest.raises(mapping.ProfileError, match="therapist cannot come from arrival flags"):
        mapping.Profile.from_dict(bad)


# ------------------------------------------------------------------ pain scores from a second file

SCORES_BY_ID = """\
Appointment ID,Patient,Pain Before,Pain After,Numbness
A-1,Maren Holloway,7,4,no
A-2,Maren Holloway,6,3,
A-9,Ilse Varga,5,2,
A-1,Maren Holloway,7,5,
"""

SCORES_BY_DAY = """\
Patient ID,Date,Time,Pain Pre,Pain Post
P-18,2026-11-05,,8,5
P-17,2026-11-03,,7,
P-17,2026-11-03,09:30,8,5
P-17,2026-11-03,11:00,6,2
P-19,2026-11-03,,6,2
"""


def sessions_imported(tmp_path, extra_rows=""):
    """The Cliniko export, plus contract rows, imported: A-1 attended, A-2 no-show, A-3 cancelled."""
    db_path = tmp_path / "clinic.duckdb"
    path = write(tmp_path, "appointments.csv", CLINIKO)
    importer.import_files([path], db_path, today=TODAY, profile=cliniko_profile(read(path).header))
    if extra_rows:
        plain = write(tmp_path, "more.csv", "session_id,patient_id,session_date,session_time,therapist,pain_before\n"
                      + extra_rows)
        importer.import_files([plain], db_path, today=TODAY)
    return db_path


def test_a_scores_sheet_is_suggested_as_scores_and_keyed_by_the_appointment_id(tmp_path):
    profile = mapping.suggest(read(write(tmp_path, "scores.csv", SCORES_BY_ID)))
    assert profile.kind == "scores"
    assert profile.fields == {"session_id": mapping.column("appointment_id"),
                              "pain_before": mapping.column("pain_before"),
                              "pain_after": mapping.column("pain_after"), "numbness": mapping.column("numbness")}
    assert profile.drop == ["patient"]


def test_scores_by_appointment_id_land_on_their_sessions_and_never_on_a_guess(tmp_path):
    db_path = sessions_imported(tmp_path)
    path = write(tmp_path, "scores.csv", SCORES_BY_ID)
    [result] = importer.import_files([path], db_path, today=TODAY, profile=mapping.suggest(read(path)))
    assert (result.kind, result.rows_read, result.new, result.updated, result.rejected) == ("scores", 4, 0, 1, 3)
    assert {r.line: r.reason for r in result.rejects} == {
        3: "session A-2 is no_show: pain is scored at an attended session",
        4: "session_id A-9 matches no stored session",
        5: "session_id A-1 already appeared on an earlier row of this file",
    }
    assert stored(db_path, "select session_id, pain_before, pain_after, numbness from sessions "
                           "order by session_id") == [
        ("A-1", 7, 4, False), ("A-2", None, None, None), ("A-3", None, None, None)]
    assert all(name not in every_text_in(db_path) for name in NAMES)


def test_the_course_figures_follow_the_scores_merged_onto_their_sessions(tmp_path, cli):
    db_path = sessions_imported(tmp_path)
    path = write(tmp_path, "scores.csv", SCORES_BY_ID)
    importer.import_files([path], db_path, today=TODAY, profile=mapping.suggest(read(path)))
    code, courses = cli("courses", "--db", db_path, "--as-of", "2026-11-20", "--json")
    assert code == 0
    [course] = [c for c in courses if c["patient_id"] == "P-17"]
    assert (course["first_session_pain_before"], course["first_session_pain_after"],
            course["first_session_relief"]) == (7, 4, True)           # 7 -> 4 is a drop of 43 %


def test_scores_by_patient_and_day_need_the_time_when_the_patient_had_two_sessions_that_day(tmp_path):
    db_path = sessions_imported(tmp_path, "A-8,P-17,2026-11-03,17:00,Tess Arden,\n")
    path = write(tmp_path, "by-day.csv", SCORES_BY_DAY)
    profile = mapping.suggest(read(path))
    assert profile.kind == "scores" and profile.fields["session_time"] == mapping.column("time")
    [result] = importer.import_files([path], db_path, today=TODAY, profile=profile)
    assert {r.line: r.reason for r in result.rejects} == {
        2: "no stored session of patient P-18 on 2026-11-05",     # A-4 was rejected: no flag marked
        3: "2 stored sessions of patient P-17 on 2026-11-03: add the session time or the appointment id to tell "
           "which one",
        5: "no stored session of patient P-17 on 2026-11-03 at 11:00",
        6: "no stored session of patient P-19 on 2026-11-03",
    }
    assert stored(db_path, "select session_id, pain_before, pain_after from sessions where patient_id = 'P-17' "
                           "order by session_id") == [("A-1", 8, 5), ("A-2", None, None), ("A-8", None, None)]


def test_an_empty_score_keeps_the_stored_one_and_the_same_sheet_twice_changes_nothing(tmp_path):
    db_path = sessions_imported(tmp_path)
    path = write(tmp_path, "scores.csv", "Appointment ID,Pain Before,Pain After\nA-1,7,4\n")
    profile = mapping.suggest(read(path))
    importer.import_files([path], db_path, today=TODAY, profile=profile)
    [again] = importer.import_files([path], db_path, today=TODAY, profile=profile)
    assert (again.updated, again.unchanged) == (0, 1)
    later = write(tmp_path, "later.csv", "Appointment ID,Pain Before,Pain After\nA-1,,3\n")
    [result] = importer.import_files([later], db_path, today=TODAY, profile=mapping.suggest(read(later)))
    assert result.updated == 1
    assert stored(db_path, "select pain_before, pain_after from sessions where session_id = 'A-1'") == [(7, 3)]


def test_a_scores_profile_without_a_way_to_find_the_session_or_without_a_score_says_so():
    profile = mapping.Profile("scores", {"patient_id": mapping.column("patient_id")}, header=["patient_id", "x"])
    assert profile.problems(["patient_id", "x"]) == [
        "a scores file needs a source for session_id, or for patient_id and session_date",
        "a scores file needs a source for one of pain_before, pain_after, muscle_tension, numbness, "
        "acute_inflammation"]


def test_a_database_from_before_scores_files_keeps_its_batch_log_and_then_takes_a_scores_file(tmp_path):
    from clinic import db
    db_path = sessions_imported(tmp_path)
    con = duckdb.connect(str(db_path))                 # the batch log as it was created before
    con.execute("alter table import_batches rename to newer")
    schema = db.sql_text("schema")
    table = schema[schema.index("create table if not exists import_batches"):]
    con.execute(table[:table.index(");") + 2].replace(", 'scores', 'recorded'", ""))
    con.execute("insert into import_batches select * from newer")
    con.execute("drop table newer")
    assert con.execute(db.sql_text("import_batches_outdated")).fetchone() == (True,)
    before = con.execute("select * from import_batches order by batch_id").fetchall()
    con.close()
    path = write(tmp_path, "scores.csv", "Appointment ID,Pain Before\nA-1,6\n")
    [result] = importer.import_files([path], db_path, today=TODAY, profile=mapping.suggest(read(path)))
    assert (result.refused, result.updated) == (None, 1)
    batches = stored(db_path, "select * from import_batches order by batch_id")
    assert batches[:len(before)] == before
    assert batches[-1][1:3] == ("scores.csv", "scores")


def test_the_command_line_offers_every_kind_a_profile_can_have():
    from clinic import cli_profiles
    assert cli_profiles.SUGGEST_KINDS == mapping.KINDS


def test_an_appointments_export_without_names_is_not_taken_for_a_patients_file(tmp_path):
    text = "\n".join(",".join(f for n, f in enumerate(line.split(",")) if n != 1) for line in CLINIKO.splitlines())
    path = write(tmp_path, "appointments.csv", text + "\n")
    assert read(path).header[:3] == ["appointment_id", "patient_id", "practitioner"]
    [result] = importer.import_files([path], tmp_path / "clinic.duckdb", today=TODAY)
    assert result.refused == (
        "this looks like an appointments export (column(s) appointment_id, practitioner, appointment_type, starts_at, "
        "ends_at, patient_arrived, did_not_arrive, cancelled_at) without a session_id column, so it would be read as a "
        "patients file: map its columns (the Import page's mapping step, or --profile on the command line)")
    assert stored(tmp_path / "clinic.duckdb", "select count(*) from patients") == [(0,)]


def test_a_database_made_by_saving_a_profile_is_readable_by_its_owner_only(tmp_path):
    db_path = tmp_path / "new" / "clinic.duckdb"
    mapping.save(db_path, "Cliniko appointments", cliniko_profile(read(write(tmp_path, "a.csv", CLINIKO)).header),
                 "director")
    assert oct(db_path.stat().st_mode & 0o777) == "0o600"
    assert oct(db_path.parent.stat().st_mode & 0o777) == "0o700"


def test_a_database_from_before_the_newer_tables_gets_them_when_the_dashboard_opens_it(tmp_path):
    from clinic import db, facts
    db_path = sessions_imported(tmp_path)
    con = duckdb.connect(str(db_path))
    con.execute("drop table mapping_profiles")
    con.execute("drop table session_history")
    con.close()
    with db.owned(db.connect(db_path, read_only=True)) as reader:
        assert not db.schema_current(reader)
    facts.ensure(db_path)                                  # what the dashboard runs when it opens a database
    with db.owned(db.connect(db_path, read_only=True)) as reader:
        assert db.schema_current(reader)
        assert mapping.listed(reader) == []
    assert stored(db_path, "select count(*) from sessions") == [(3,)]


def test_a_column_named_session_date_is_suggested_for_it_however_many_of_its_dates_are_bad(tmp_path):
    # A file refused for its name column, with half of its dates bad (30 February, a day-first
    # date): the suggestion still takes session_date from the column of that name, and the bad
    # rows are rejected on import with their reasons, as a plain import would. A column "visit_note"
    # holding one date among words (a decoy) is never taken for it.
    text = ("session_id,patient_id,patient_name,session_date,therapist,pain_before,pain_after,visit_note\n"
            "s1,p1,Ann Example,2026-03-02,Birch,6,4,see 2026-03-01\n"
            "s2,p1,Ann Example,2026-02-30,Birch,5,3,fine\n"
            "s3,p2,Bo Example,01/03/2026,Birch,7,5,fine\n"
            "s4,p2,Bo Example,2026-03-04,Birch,6,5,fine\n")
    path = write(tmp_path, "sessions.csv", text)
    profile = mapping.suggest(read(path))
    assert profile.fields["session_date"] == mapping.column("session_date")
    assert profile.drop == ["patient_name"]
    assert not profile.problems(read(path).header)
    [result] = importer.import_files([path], tmp_path / "clinic.duckdb", today=TODAY, profile=profile)
    assert (result.rows_read, result.new, result.rejected) == (4, 2, 2)
    assert sorted((r.line, r.column, r.value) for r in result.rejects) == [
        (3, "session_date", "2026-02-30"), (4, "session_date", "01/03/2026")]
    # a column of its own name with no date at all is still the one: every row rejected, none guessed
    none_read = text
    for date, word in (("2026-03-02", "soon"), ("2026-02-30", "x"), ("01/03/2026", "later"), ("2026-03-04", "now")):
        none_read = none_read.replace(f",{date},", f",{word},")
    profile = mapping.suggest(read(write(tmp_path, "none.csv", none_read)))
    assert profile.fields["session_date"] == mapping.column("session_date")
