"""Files people take away (clinic/exports.py): CSV with the header on line 1, XLSX with the data and an
"About" sheet, and file names that say which filters and as-of date they hold. Read back the way a
person's tools would: pandas for the CSV, openpyxl for the XLSX."""
from __future__ import annotations

import datetime as dt
import io
import re

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs
from openpyxl import load_workbook

from clinic import exports
from clinic.filters import Filters
from soak import examples

AS_OF = dt.date(2026, 3, 20)
MADE_AT = dt.datetime(2026, 3, 20, 9, 15, 0)


def courses() -> pd.DataFrame:
    """Two courses as patients_courses.sql returns them, one with a note-like text that a spreadsheet
    would run as a formula, and missing values of every kind."""
    return pd.DataFrame({
        "course_id": ["c1", "=1+1"],
        "start_date": pd.to_datetime([dt.date(2026, 3, 1), dt.date(2026, 3, 15)]),
        "planned_sessions": pd.array([5, 10], dtype="int64"),
        "adherence": pd.array([1.0, None], dtype="Float64"),
        "sustained_improvement_pct": [62.5, float("nan")],
        "completed": pd.array([True, None], dtype="boolean"),
        "therapist": ["Birch", "@Cedar"],
        "sessions_attended": pd.array([5, None], dtype="Int64"),
    })


def about(filters: Filters) -> exports.About:
    return exports.About.of("Courses (the Patients page)", filters,
                            {"course_id": "Course", "adherence": "Adherence"})


def workbook(filters: Filters = Filters(as_of=AS_OF, therapists=("Birch",))):
    data = exports.frame_xlsx(courses(), about(filters), made_at=MADE_AT, sheet="Courses")
    return load_workbook(io.BytesIO(data))


# ---------------------------------------------------------------- XLSX

def test_the_xlsx_has_the_data_sheet_then_the_about_sheet_with_the_header_in_row_1():
    book = workbook()
    assert book.sheetnames == ["Courses", "About"]
    sheet = book["Courses"]
    assert [c.value for c in sheet[1]] == list(courses().columns)
    assert sheet.max_row == 3                                   # the header and two courses
    assert sheet.freeze_panes == "A2"                           # the header stays in view


def test_the_xlsx_keeps_numbers_dates_and_booleans_exact_and_leaves_missing_values_empty():
    sheet = workbook()["Courses"]
    first, second = ([c.value for c in row] for row in sheet.iter_rows(min_row=2))
    assert first == ["c1", dt.datetime(2026, 3, 1), 5, 1.0, 62.5, True, "Birch", 5]
    assert sheet["B2"].number_format == "yyyy-mm-dd"            # a date, shown as a date
    assert second[1] == dt.datetime(2026, 3, 15)
    assert second[3:6] == [None, None, None] and second[7] is None     # NA, NaN and a missing boolean: empty


def test_text_that_a_spreadsheet_would_run_stays_text_in_the_xlsx():
    sheet = workbook()["Courses"]
    assert sheet["A3"].value == "'=1+1" and sheet["A3"].data_type == "s"     # not a formula
    assert sheet["G3"].value == "'@Cedar" and sheet["G3"].data_type == "s"
    formulas = [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []


def test_the_about_sheet_states_filters_as_of_rule_time_rows_and_the_columns():
    rows = [tuple(c.value for c in row) for row in workbook()["About"].iter_rows()]
    assert rows[:7] == [
        ("File", "Courses (the Patients page)"),
        ("Filters", "as of 20 Mar 2026; therapist: Birch"),
        ("As of", "2026-03-20"),
        ("First-session relief means", "pain fell by at least 30 % after the first session"),
        ("Settings", "First-session relief: ≥ 30 % drop; Minimal clinically important difference: 2 points; "
                     "Judge progress after: 3 sessions; Adherent at: 80 % of the window's days; Dropped out after: "
                     "more than 7 days without a visit; New inferred course after: more than 30 days without a row; "
                     "Planned sessions when not given: 10; Fewest courses to judge: 5"),
        ("Made at", "2026-03-20 09:15:00"),
        ("Rows", 2),
    ]
    assert rows[7:] == [(None, None), ("Column", "Meaning"), ("course_id", "Course"), ("adherence", "Adherence")]


def test_a_name_in_the_filters_is_text_on_the_about_sheet_too():
    filters = Filters(as_of=AS_OF, therapists=("=HYPERLINK(\"http://x\")",))
    book = load_workbook(io.BytesIO(exports.frame_xlsx(courses(), exports.About(
        title="=cmd|' /C calc'!A0", filters=filters.describe(), as_of=AS_OF, relief_rule="x"), made_at=MADE_AT)))
    about_sheet = book["About"]
    assert about_sheet["B1"].value == "'=cmd|' /C calc'!A0" and about_sheet["B1"].data_type == "s"
    assert not [c for row in about_sheet.iter_rows() for c in row if c.data_type == "f"]


def test_control_characters_in_a_note_do_not_break_the_xlsx():
    frame = pd.DataFrame({"notes": ["bell\x07 and nul\x00 here", "x" * 40_000]})
    sheet = load_workbook(io.BytesIO(exports.frame_xlsx(frame, about(Filters(as_of=AS_OF)), made_at=MADE_AT)))["Data"]
    assert sheet["A2"].value == "bell  and nul  here"
    assert len(sheet["A3"].value) == 32_767                      # what one Excel cell can hold


# ---------------------------------------------------------------- CSV

def test_the_csv_reads_back_with_pandas_with_its_header_on_line_1():
    data = exports.frame_csv(courses())
    assert data.decode().splitlines()[0] == ",".join(courses().columns)
    back = pd.read_csv(io.BytesIO(data))
    assert list(back.columns) == list(courses().columns)
    assert list(back.course_id) == ["c1", "'=1+1"] and list(back.therapist) == ["Birch", "'@Cedar"]
    assert back.loc[0, "adherence"] == 1.0 and back.loc[0, "sustained_improvement_pct"] == 62.5
    assert list(back.start_date) == ["2026-03-01", "2026-03-15"]


@settings(max_examples=examples(200), deadline=None)
@given(hs.lists(hs.one_of(hs.none(), hs.text(max_size=6), hs.integers(-5, 5), hs.dates(), hs.booleans()),
                min_size=1, max_size=12))
def test_every_cell_of_a_text_column_is_made_safe_exactly_as_one_cell_alone_would_be(cells):
    frame = pd.DataFrame({"mixed": pd.Series(cells, dtype="object"),
                          "text": pd.Series([c if isinstance(c, str) else None for c in cells], dtype="string")})
    by_cell = frame.copy()
    for column in by_cell.columns:
        by_cell[column] = pd.Series([exports.safe_cell(v) for v in by_cell[column]], dtype="object")
    expected = io.StringIO()
    by_cell.to_csv(expected, index=False, lineterminator="\n")
    assert exports.frame_csv(frame) == expected.getvalue().encode("utf-8")



def test_a_file_written_in_parts_onto_disk_reads_back_as_the_file_written_at_once_from_any_thread():
    # Two parts of one list, the header written with the first only; read back while other threads
    # read it too (each read goes by position, not a shared file offset) and read again later.
    from concurrent.futures import ThreadPoolExecutor

    frame = courses()
    file = exports.PartFile()
    exports.write_csv(frame.iloc[:1], file.stream)
    exports.write_csv(frame.iloc[1:], file.stream, header=False)
    at_once = exports.frame_csv(frame)
    with ThreadPoolExecutor(max_workers=4) as pool:
        reads = list(pool.map(lambda _: file.read(), range(8)))
    assert reads == [at_once] * 8 and file.read() == at_once
    assert at_once.count(b"course_id,") == 1

def test_the_side_file_of_a_csv_says_what_it_holds():
    text = exports.about_csv(about(Filters(as_of=AS_OF, sites=("North",))), rows=2, made_at=MADE_AT).decode()
    back = pd.read_csv(io.StringIO(text))
    assert list(back.columns) == ["field", "value"]
    fields = dict(zip(back.field, back.value))
    assert fields["Filters"] == "as of 20 Mar 2026; site: North" and fields["Rows"] == "2"
    assert fields["course_id"] == "Course"
    assert exports.about_csv_rows(about(Filters(as_of=AS_OF))) == len(back) == 7 + 1 + 2


# ---------------------------------------------------------------- file names

def test_birchs_list_and_the_whole_clinics_have_different_file_names():
    clinic = Filters(as_of=AS_OF)
    birch = Filters(as_of=AS_OF, therapists=("Birch",))
    own = Filters(as_of=AS_OF, scope="Birch")                  # Birch signed in: their own courses
    names = {exports.file_name("courses", f, "csv") for f in (clinic, birch, own)}
    assert names == {"courses-as-of-2026-03-20.csv", "courses-as-of-2026-03-20-therapist-birch.csv",
                     "courses-as-of-2026-03-20-patients-of-birch.csv"}


def test_every_filter_shows_in_the_name_in_the_sidebars_order_after_the_as_of_date():
    filters = Filters(as_of=dt.date(2026, 2, 28), start_from=dt.date(2026, 1, 1), start_to=dt.date(2026, 1, 31),
                      sites=("North",), diagnoses=("disc_herniation",), age_bands=("60+", "<30"), sexes=("F",))
    assert exports.file_name("cohorts-by-site", filters, "xlsx") == (
        "cohorts-by-site-as-of-2026-02-28-started-2026-01-01-to-2026-01-31-site-north-diagnosis-disc-herniation-"
        "age-under-30-60-plus-sex-f.xlsx")
    assert exports.filters_slug(Filters(as_of=AS_OF, relief_rule="pct50")) == "relief-pct50"   # not the default
    assert exports.filters_slug(Filters(as_of=AS_OF, start_to=dt.date(2026, 1, 31))) == "started-until-2026-01-31"


@pytest.mark.parametrize("therapist", ["Birch/../../etc", "Бирч", "<script>", "Birch Ash", "O'Neil"])
def test_a_file_name_keeps_only_lower_case_letters_digits_and_hyphens(therapist):
    name = exports.file_name("courses", Filters(as_of=AS_OF, therapists=(therapist,)), "csv")
    assert re.fullmatch(r"[a-z0-9-]+\.csv", name), name


def test_names_that_lose_characters_on_the_way_still_get_different_file_names():
    # "Birch!" and "birch" both slug to "birch": a hash of the filters tells them apart
    names = {exports.file_name("courses", Filters(as_of=AS_OF, therapists=(t,)), "csv")
             for t in ("birch", "Birch!", "Бирч", "Бук")}
    assert len(names) == 4


def test_a_long_filter_set_is_cut_to_a_bounded_name_that_still_differs():
    many = tuple(f"Therapist number {n}" for n in range(12))
    first = exports.file_name("courses", Filters(as_of=AS_OF, therapists=many), "csv")
    second = exports.file_name("courses", Filters(as_of=AS_OF, therapists=many[:-1]), "csv")
    assert first != second
    assert len(exports.filters_slug(Filters(as_of=AS_OF, therapists=many))) <= exports.SLUG_LIMIT
    assert re.fullmatch(r"[a-z0-9-]+\.csv", first)


def test_a_course_id_becomes_a_safe_part_of_a_name():
    assert exports.safe_part("c1") == "c1"
    assert exports.safe_part("p3:2026-03-15") == "p3-2026-03-15"          # an inferred id: the colon a hyphen
    odd = exports.safe_part("../C 7")
    assert re.fullmatch(r"[a-z0-9-]+", odd) and odd != exports.safe_part("c-7")


def test_a_file_name_carries_the_settings_that_differ_from_the_defaults():
    from clinic.settings import Settings

    chosen = Filters(as_of=AS_OF, settings=Settings(adherence_pct=90, mcid="pct30"))
    assert exports.file_name("courses", chosen, "csv") == "courses-as-of-2026-03-20-mcid-pct30-adherent-at-90.csv"
    assert exports.file_name("courses", Filters(as_of=AS_OF), "csv") == "courses-as-of-2026-03-20.csv"
