"""The import contract: reject, never guess; idempotent; atomic; no direct identifiers."""
from __future__ import annotations

import csv
import datetime as dt
import io

import duckdb
import pytest

from clinic import db, importer

TODAY = dt.date(2026, 3, 20)
HEADER = "session_id,patient_id,session_date,therapist,status,pain_before,pain_after"


def run_import(tmp_path, *paths, today=TODAY):
    return importer.import_files(paths, tmp_path / "clinic.duckdb", today=today)


def table(tmp_path, sql):
    con = duckdb.connect(str(tmp_path / "clinic.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def whole_table(tmp_path, name):
    """Every row of a table, in a fixed order."""
    con = duckdb.connect(str(tmp_path / "clinic.duckdb"), read_only=True)
    try:
        return con.table(name).order("all").fetchall()
    finally:
        con.close()


def report_rows(data: bytes) -> list[list[str]]:
    """A rejects report's rows as a spreadsheet reads them (quoting aside)."""
    return list(csv.reader(io.StringIO(data.decode("utf-8"))))


def reasons(result):
    return {r.line: (r.column, r.value, r.reason) for r in result.rejects}


# ------------------------------------------------------------------ every reject reason

def test_a_hostile_file_rejects_each_bad_row_with_its_line_and_keeps_every_good_row(tmp_path, csv_file):
    path = csv_file(f"""
        {HEADER}
        good1,p1,2026-03-01,t1,attended,8,4
        bad_date,p1,2026-02-30,t1,attended,8,4
        not_iso,p1,01/03/2026,t1,attended,8,4
        eleven,p1,2026-03-02,t1,attended,11,4
        minus,p1,2026-03-02,t1,attended,-1,4
        fraction,p1,2026-03-02,t1,attended,7.5,4
        word,p1,2026-03-02,t1,attended,seven,4
        ,p1,2026-03-02,t1,attended,7,4
        good1,p1,2026-03-03,t1,attended,7,4
        status,p1,2026-03-02,t1,maybe,7,4
        future,p1,2026-03-21,t1,attended,7,4
        good2,p1,2026-03-21,t1,cancelled,,
        no_patient,,2026-03-02,t1,attended,7,4
        no_therapist,p1,2026-03-02, ,attended,7,4
        short,p1,2026-03-02
        long,p1,2026-03-02,t1,attended,7,4,extra
        good3,p2,2026-03-02,t2,,07,3
    """)
    [result] = run_import(tmp_path, path)

    assert result.rows_read == 17
    assert (result.new, result.updated, result.unchanged, result.rejected) == (3, 0, 0, 14)
    got = reasons(result)
    assert got[3][:2] == ("session_date", "2026-02-30") and "calendar" in got[3][2]
    assert got[4][:2] == ("session_date", "01/03/2026") and "YYYY-MM-DD" in got[4][2]
    assert got[5][:2] == ("pain_before", "11")
    assert got[6][:2] == ("pain_before", "-1")
    assert got[7][:2] == ("pain_before", "7.5")
    assert got[8][:2] == ("pain_before", "seven")
    assert got[9][0] == "session_id" and "required" in got[9][2]
    assert got[10][:2] == ("session_id", "good1") and "earlier row" in got[10][2]
    assert got[11][:2] == ("status", "maybe")
    assert got[12][0] == "session_date" and "after today" in got[12][2]
    assert got[14][0] == "patient_id" and "required" in got[14][2]
    assert got[15][0] == "therapist" and "required" in got[15][2]
    assert "too few fields" in got[16][2]
    assert "too many fields" in got[17][2]
    stored = table(tmp_path, "select session_id, status, pain_before from sessions order by session_id")
    assert stored == [("good1", "attended", 8), ("good2", "cancelled", None), ("good3", "attended", 7)]


def test_rejects_are_kept_in_the_database_and_written_to_a_report(tmp_path, csv_file):
    path = csv_file(f"""
        {HEADER}
        s1,p1,2026-03-01,t1,attended,12,4
    """)
    [result] = run_import(tmp_path, path)
    assert table(tmp_path, "select line, column_name, value from rejects") == [(2, "pain_before", "12")]
    report = (tmp_path / "rejects").glob("*.csv")
    [report] = list(report)
    rows = report_rows(report.read_bytes())
    assert rows[0] == ["file", "line", "column", "value", "reason"]
    assert rows[1][:4] == [str(path), "2", "pain_before", "12"]
    assert result.rejects_file == str(report)


def test_a_row_repeating_the_id_of_an_earlier_rejected_row_is_rejected_too(tmp_path, csv_file):
    path = csv_file(f"""
        {HEADER}
        s1,p1,2026-02-31,t1,attended,8,4
        s1,p1,2026-03-01,t1,attended,8,4
    """)
    [result] = run_import(tmp_path, path)
    assert result.rejected == 2
    assert "earlier row" in reasons(result)[3][2]
    assert table(tmp_path, "select count(*) from sessions") == [(0,)]


def test_parsing_is_exact_for_times_booleans_integers_and_case(tmp_path, csv_file):
    path = csv_file("""
        Session ID , Patient-ID,SESSION_DATE,therapist,status,pain_before,pain_after,session_time,numbness,acute_inflammation,muscle_tension
        a, p1 ,2026-03-01,t1,No_Show,,,9:05,YES,0,
        b,p1,2026-03-01,t1,,08,0,23:59,False,,10
        c,p1,2026-03-01,t1,,8,0,24:00,,,
        d,p1,2026-03-01,t1,,8,0,12:5,,,
        e,p1,2026-03-01,t1,,8,0,,maybe,,
        f,p1,2026-03-01,t1,,8,0,,,,11
        g,p1,2026-03-01,t1,,+8,0,,,,
    """)
    [result] = run_import(tmp_path, path)
    assert (result.new, result.rejected) == (2, 5)
    assert set(reasons(result)) == {4, 5, 6, 7, 8}
    assert reasons(result)[6][0] == "numbness"
    assert reasons(result)[7][0] == "muscle_tension"
    assert table(tmp_path, """
        select session_id, patient_id, status, pain_before, session_time::varchar, numbness,
               acute_inflammation, muscle_tension
        from sessions order by session_id""") == [
        ("a", "p1", "no_show", None, "09:05:00", True, False, None),
        ("b", "p1", "attended", 8, "23:59:00", False, None, 10),
    ]


def test_fully_empty_rows_are_skipped_and_not_counted_but_lines_still_count(tmp_path, csv_file):
    path = csv_file(f"""
        {HEADER}

        ,,,,,,
        s1,p1,2026-03-01,t1,attended,x,4
    """)
    [result] = run_import(tmp_path, path)
    assert (result.rows_read, result.rejected) == (1, 1)
    assert result.rejects[0].line == 4  # header 1, blank 2, commas 3, s1 4


def test_a_quoted_note_spanning_lines_reports_later_rows_at_their_physical_line(tmp_path, csv_file):
    path = csv_file(f"""
        {HEADER},notes
        s1,p1,2026-03-01,t1,attended,8,4,"first line
        second line, with a comma"
        s2,p1,2026-03-02,t1,attended,88,4,
    """)
    [result] = run_import(tmp_path, path)
    assert result.rejects[0].line == 4
    assert table(tmp_path, "select notes from sessions") == [("first line\nsecond line, with a comma",)]


# ------------------------------------------------------------------ encodings and separators

def test_semicolons_a_bom_and_windows_line_endings_are_all_read(tmp_path):
    path = tmp_path / "export.csv"
    text = "\r\n".join([HEADER.replace(",", ";"), "s1;p1;2026-03-01;t1;attended;8;4", "s2;p1;2026-03-02;t1;;6;5", ""])
    path.write_bytes("\ufeff".encode() + text.encode("utf-8"))
    [result] = run_import(tmp_path, path)
    assert (result.kind, result.new, result.rejected) == ("sessions", 2, 0)
    assert table(tmp_path, "select session_id, pain_after from sessions order by 1") == [("s1", 4), ("s2", 5)]


def test_a_file_that_is_not_utf8_is_refused_with_a_plain_reason(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes((HEADER + "\ns1,p1,2026-03-01,Müller,attended,8,4\n").encode("latin-1"))
    [result] = run_import(tmp_path, path)
    assert result.refused and "UTF-8" in result.refused


# ------------------------------------------------------------------ refusing whole files

def test_a_file_with_identifier_columns_is_refused_whole_naming_them(tmp_path, csv_file):
    path = csv_file(f"""
        {HEADER},Full Name,e-mail
        s1,p1,2026-03-01,t1,attended,8,4,Somebody,x@example.org
    """)
    [result] = run_import(tmp_path, path)
    assert result.refused and "full_name" in result.refused and "e_mail" in result.refused
    assert table(tmp_path, "select count(*) from sessions") == [(0,)]
    assert table(tmp_path, "select count(*) from import_batches") == [(0,)]


@pytest.mark.parametrize("content, expected", [
    ("", "empty"),
    ("session_id,patient_id,session_date\ns1,p1,2026-03-01\n", "therapist"),
    ("foo,bar\n1,2\n", "cannot tell"),
])
def test_empty_unknown_or_incomplete_files_are_refused_with_a_reason(tmp_path, content, expected):
    path = tmp_path / "f.csv"
    path.write_text(content, encoding="utf-8")
    [result] = run_import(tmp_path, path)
    assert result.refused and expected in result.refused


def test_a_missing_file_is_refused_and_the_other_files_still_import(tmp_path, csv_file):
    good = csv_file(f"""
        {HEADER}
        s1,p1,2026-03-01,t1,attended,8,4
    """)
    results = run_import(tmp_path, tmp_path / "nope.csv", good)
    assert results[0].refused == "no such file"
    assert results[1].new == 1


def test_unknown_extra_columns_are_ignored_with_a_warning(tmp_path, csv_file):
    path = csv_file(f"""
        {HEADER},room
        s1,p1,2026-03-01,t1,attended,8,4,blue
    """)
    [result] = run_import(tmp_path, path)
    assert result.new == 1 and result.warnings == ["ignored unknown column(s): room"]


# ------------------------------------------------------------------ idempotent and updating

def test_importing_the_same_file_twice_changes_nothing_the_second_time(tmp_path, csv_file):
    path = csv_file(f"""
        {HEADER}
        s1,p1,2026-03-01,t1,attended,8,4
        s2,p1,2026-03-02,t1,no_show,,
        s3,p1,2026-03-02,t1,attended,x,4
    """)
    [first] = run_import(tmp_path, path)
    before = table(tmp_path, "select * from sessions order by session_id")
    [second] = run_import(tmp_path, path)
    assert (first.new, first.updated, first.unchanged, first.rejected) == (2, 0, 0, 1)
    assert (second.new, second.updated, second.unchanged, second.rejected) == (0, 0, 2, 1)
    assert table(tmp_path, "select * from sessions order by session_id") == before
    batches = table(tmp_path, "select rows_read, rows_new, rows_unchanged, sha256 from import_batches order by batch_id")
    assert [b[:3] for b in batches] == [(3, 2, 0), (3, 0, 2)]
    assert batches[0][3] == batches[1][3] and len(batches[0][3]) == 64


def test_a_known_session_id_in_a_later_file_updates_that_row(tmp_path, csv_file):
    run_import(tmp_path, csv_file(f"""
        {HEADER}
        s1,p1,2026-03-01,t1,attended,8,4
        s2,p1,2026-03-02,t1,attended,6,4
    """))
    [result] = run_import(tmp_path, csv_file(f"""
        {HEADER}
        s1,p1,2026-03-01,t1,attended,8,3
        s2,p1,2026-03-02,t1,attended,6,4
        s3,p1,2026-03-03,t1,attended,5,4
    """, name="later.csv"))
    assert (result.new, result.updated, result.unchanged) == (1, 1, 1)
    assert table(tmp_path, "select session_id, pain_after from sessions order by 1") == [("s1", 3), ("s2", 4), ("s3", 4)]


def test_columns_a_later_file_lacks_keep_their_stored_values(tmp_path, csv_file):
    run_import(tmp_path, csv_file(f"""
        {HEADER},notes
        s1,p1,2026-03-01,t1,no_show,,,called twice
    """))
    [result] = run_import(tmp_path, csv_file("""
        session_id,patient_id,session_date,therapist
        s1,p1,2026-03-01,t2
        s2,p1,2026-03-02,t2
    """, name="short.csv"))
    assert (result.new, result.updated) == (1, 1)
    assert table(tmp_path, "select session_id, therapist, status, notes from sessions order by 1") == [
        ("s1", "t2", "no_show", "called twice"),   # status and notes kept, therapist updated
        ("s2", "t2", "attended", None),            # a new row gets the defaults
    ]


# ------------------------------------------------------------------ atomic

def test_a_failure_mid_file_leaves_the_database_as_it_was(tmp_path, csv_file, monkeypatch):
    run_import(tmp_path, csv_file(f"""
        {HEADER}
        s1,p1,2026-03-01,t1,attended,8,4
    """))
    before = {t: whole_table(tmp_path, t) for t in ("sessions", "import_batches", "rejects")}
    real_execute = db.execute

    def failing_execute(con, name, **params):
        real_execute(con, name, **params)
        if name == "infer_courses":          # the rows are written by now; the batch is not logged
            raise RuntimeError("disk unplugged")

    monkeypatch.setattr(db, "execute", failing_execute)
    with pytest.raises(RuntimeError, match="disk unplugged"):
        run_import(tmp_path, csv_file(f"""
            {HEADER}
            s1,p1,2026-03-01,t1,attended,8,2
            s2,p1,2026-03-02,t1,attended,7,4
            s3,p1,2026-03-02,t1,attended,77,4
        """, name="second.csv"))
    after = {t: whole_table(tmp_path, t) for t in before}
    assert after == before


def test_a_database_locked_by_another_process_gives_a_plain_error(tmp_path, csv_file, capsys, monkeypatch):
    import subprocess
    import sys
    import textwrap
    from clinic.cli import main

    monkeypatch.setattr(importer, "LOCK_WAIT_SECONDS", 0.3)
    path = tmp_path / "clinic.duckdb"
    db.connect(path).close()
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import duckdb, sys, time
        con = duckdb.connect({str(path)!r})
        print("ready", flush=True)
        sys.stdin.readline()
    """)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        code = main(["import", str(csv_file(f"{HEADER}\ns1,p1,2026-03-01,t1,attended,8,4")), "--db", str(path)])
    finally:
        holder.communicate("\n", timeout=30)
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("error: the database") and "in use by another process" in err
    assert "Traceback" not in err


# ------------------------------------------------------------------ patients and courses

def test_patients_rows_are_checked_and_normalised(tmp_path, csv_file):
    path = csv_file("""
        patient_id,birth_year,sex,diagnosis,referral_date,doctor_conclusion,imaging,blood_tests,site
        p1,1970,f,disc_herniation,2026-02-20,TRUE,mri,no,North
        p2,1899,M,other,,,,,North
        p3,2030,M,other,,,,,North
        p4,1980,Q,other,,,,,North
        p5,1980,M,sprain,,,,,North
        p6,1980,M,other,,,pet,,North
        p1,1971,F,other,,,,,North
        p7,,,,,,,,
        p8,1980,M,Disc_Herniation,,,,,North
        p9,1980,M,other,,,MRI,,North
    """, name="patients.csv")
    [result] = run_import(tmp_path, path)
    assert result.kind == "patients"
    # sex is matched in any case (f -> F); diagnosis and imaging only as the contract writes them
    assert (result.rows_read, result.new, result.rejected) == (10, 2, 8)
    assert [r.column for r in result.rejects] == [
        "birth_year", "birth_year", "sex", "diagnosis", "imaging", "patient_id", "diagnosis", "imaging"]
    assert table(tmp_path, "select * exclude (batch_id) from patients order by 1") == [
        ("p1", 1970, "F", "disc_herniation", dt.date(2026, 2, 20), True, "mri", False, "North"),
        ("p7", None, None, None, None, None, None, None, None),
    ]


def test_an_empty_plan_is_stored_empty_and_out_of_range_plans_and_missing_starts_are_rejected(tmp_path, csv_file):
    path = csv_file("""
        course_id,patient_id,start_date,planned_sessions
        c1,p1,2026-03-01,
        c2,p1,2026-03-01,61
        c3,p2,2026-03-01,0
        c4,p2,2026-03-40,5
        c5,p2,2026-03-01,12
        c6,p2,,12
    """, name="courses.csv")
    [result] = run_import(tmp_path, path)
    assert (result.kind, result.new, result.rejected) == ("courses", 2, 4)
    assert result.rejects[-1].line == 7 and "start_date is required" in result.rejects[-1].reason
    # empty: the planned-sessions setting (10 by default) applies when counted (tests/test_settings.py)
    assert table(tmp_path, "select course_id, planned_sessions from courses order by 1") == [("c1", None), ("c5", 12)]


def test_a_session_whose_course_belongs_to_another_patient_is_rejected(tmp_path, csv_file):
    courses = csv_file("""
        course_id,patient_id,start_date,planned_sessions
        c1,p1,2026-03-01,10
    """, name="courses.csv")
    sessions = csv_file(f"""
        {HEADER},course_id
        s1,p1,2026-03-01,t1,attended,8,4,c1
        s2,p2,2026-03-01,t1,attended,8,4,c1
        s3,p2,2026-03-01,t1,attended,8,4,c9
        s4,p3,2026-03-01,t1,attended,8,4,c9
    """)
    # Sessions first on the command line: courses are still applied before them.
    results = run_import(tmp_path, sessions, courses)
    assert [r.kind for r in results] == ["sessions", "courses"]
    got = reasons(results[0])
    assert set(got) == {3, 5}
    assert "belongs to patient p1" in got[3][2] and "belongs to patient p2" in got[5][2]


# ------------------------------------------------------------------ course inference

def test_courses_are_inferred_per_patient_with_a_new_one_after_more_than_30_days(tmp_path, csv_file):
    run_import(tmp_path, csv_file(f"""
        {HEADER},course_id
        a,p1,2026-01-01,t1,cancelled,,,
        b,p1,2026-01-31,t1,attended,5,4,
        c,p1,2026-03-03,t1,attended,5,4,
        d,p1,2026-01-15,t1,attended,5,4,x1
        e,p2,2026-01-31,t1,attended,5,4,
    """))
    # a->b is 30 days (same course); b->c is 31 days (new course); d has its own course and
    # neither joins nor splits p1's inferred courses; p2 is another patient.
    assert table(tmp_path, "select session_id, coalesce(course_id, inferred_course_id) from sessions order by 1") == [
        ("a", "p1:2026-01-01"), ("b", "p1:2026-01-01"), ("c", "p1:2026-03-03"), ("d", "x1"), ("e", "p2:2026-01-31"),
    ]


def test_inferred_courses_are_recomputed_when_a_later_file_fills_a_gap(tmp_path, csv_file):
    run_import(tmp_path, csv_file(f"""
        {HEADER}
        a,p1,2026-01-01,t1,attended,5,4
        c,p1,2026-02-10,t1,attended,5,4
    """))
    assert table(tmp_path, "select inferred_course_id from sessions order by session_id") == [
        ("p1:2026-01-01",), ("p1:2026-02-10",)]
    run_import(tmp_path, csv_file(f"""
        {HEADER}
        b,p1,2026-01-20,t1,no_show,,
    """, name="more.csv"))
    assert table(tmp_path, "select inferred_course_id from sessions order by session_id") == [
        ("p1:2026-01-01",), ("p1:2026-01-01",), ("p1:2026-01-01",)]


# ------------------------------------------------------------------ XLSX

def test_an_xlsx_export_with_date_and_number_cells_imports_like_csv(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Session ID", "patient_id", "session_date", "therapist", "pain_before", "pain_after", "session_time"])
    sheet.append(["s1", "p1", dt.datetime(2026, 3, 1), "t1", 8, 4.0, dt.time(9, 30)])
    sheet.append([None, None, None, None, None, None, None])
    sheet.append(["s2", "p1", "2026-03-02", "t1", 7.5, 4, None])
    sheet.append([3, "p1", dt.date(2026, 3, 3), "t1", "6", 2, "10:00"])
    path = tmp_path / "sessions.xlsx"
    book.save(path)
    [result] = run_import(tmp_path, path)
    assert (result.rows_read, result.new, result.rejected) == (3, 2, 1)
    assert result.rejects[0].line == 4 and result.rejects[0].column == "pain_before"
    assert table(tmp_path, "select session_id, session_date, pain_after, session_time::varchar from sessions order by 1") == [
        ("3", dt.date(2026, 3, 3), 2, "10:00:00"),
        ("s1", dt.date(2026, 3, 1), 4, "09:30:00"),
    ]


def test_header_names_are_trimmed_lowercased_and_spaces_and_hyphens_become_underscores(tmp_path, csv_file):
    path = csv_file("""
         Session ID ,PATIENT-ID,Session Date,Therapist,Pain Before,pain-after,Muscle  Tension
        s1,p1,2026-03-01,t1,8,4,5
    """)
    [result] = run_import(tmp_path, path)
    # "Muscle  Tension" has two spaces: muscle__tension is not a known column, so it is ignored
    assert (result.new, result.warnings) == (1, ["ignored unknown column(s): muscle__tension"])
    assert table(tmp_path, "select pain_before, pain_after, muscle_tension from sessions") == [(8, 4, None)]


# ------------------------------------------------------------------ rows judged as they will be stored

def test_a_file_without_a_status_column_cannot_bring_an_attended_session_after_today(tmp_path, csv_file):
    run_import(tmp_path, csv_file("""
        session_id,patient_id,session_date,therapist,status
        v2,p1,2026-03-10,t1,attended
        c3,p1,2026-03-10,t1,cancelled
    """))
    [result] = run_import(tmp_path, csv_file("""
        session_id,patient_id,session_date,therapist
        z1,p1,2026-03-21,t1
        v2,p1,2026-03-29,t1
        c3,p1,2026-03-29,t1
    """, name="later.csv"))
    # z1 is new, so attended by default; v2 keeps its stored status, attended: both after today
    # (2026-03-20). c3 keeps "cancelled": a booked future date is fine.
    assert (result.new, result.updated, result.rejected) == (0, 1, 2)
    assert [(r.line, r.column) for r in result.rejects] == [(2, "session_date"), (3, "session_date")]
    assert table(tmp_path, "select session_id, session_date from sessions order by 1") == [
        ("c3", dt.date(2026, 3, 29)), ("v2", dt.date(2026, 3, 10))]


def test_a_file_without_a_course_column_cannot_move_a_session_into_another_patients_course(tmp_path, csv_file):
    run_import(tmp_path, csv_file("""
        course_id,patient_id,start_date
        k1,p1,2026-01-01
    """, name="courses.csv"), csv_file(f"""
        {HEADER},course_id
        s1,p1,2026-01-05,t1,attended,5,4,k1
    """))
    [result] = run_import(tmp_path, csv_file("""
        session_id,patient_id,session_date,therapist
        s1,p2,2026-01-05,t1
    """, name="later.csv"))
    assert result.rejected == 1 and "belongs to patient p1" in result.rejects[0].reason
    assert table(tmp_path, "select patient_id, course_id from sessions") == [("p1", "k1")]


def test_an_inferred_course_id_belongs_to_its_patient_too(tmp_path, csv_file):
    run_import(tmp_path, csv_file(f"""
        {HEADER}
        s1,p1,2026-01-05,t1,attended,5,4
    """))
    # p1's row has no course_id: its course is inferred as p1:2026-01-05
    [sessions] = run_import(tmp_path, csv_file(f"""
        {HEADER},course_id
        s2,p2,2026-01-06,t1,attended,5,4,p1:2026-01-05
    """, name="s2.csv"))
    [courses] = run_import(tmp_path, csv_file("""
        course_id,patient_id,start_date
        p1:2026-01-05,p2,2026-01-05
    """, name="courses.csv"))
    assert "belongs to patient p1 in stored sessions" in sessions.rejects[0].reason
    assert "belongs to patient p1 in stored sessions" in courses.rejects[0].reason
    assert table(tmp_path, "select count(*) from courses") == [(0,)]


def test_a_course_is_found_by_its_earliest_stored_row_when_the_file_updates_its_later_ones(tmp_path, csv_file):
    # k1 is p1's (s1 on 01-05, s2 a month later on 02-04; no courses file). A file moving s2 to p2
    # leaves s1 with p1: the course would have two patients. The stored rows are looked for from the
    # course's first row on: s1 is the one that says whose course it is, s2 being the row re-applied.
    # The file also adds s4 to k2, p3's course from 02-01: the look starts at the earliest first row
    # of the courses named (k1's), not at the latest (k2's, which would miss s1).
    run_import(tmp_path, csv_file(f"""
        {HEADER},course_id
        s1,p1,2026-01-05,t1,attended,5,4,k1
        s2,p1,2026-02-04,t1,attended,4,3,k1
        s3,p3,2026-02-01,t1,attended,6,5,k2
    """))
    [result] = run_import(tmp_path, csv_file(f"""
        {HEADER},course_id
        s2,p2,2026-02-04,t1,attended,4,3,k1
        s4,p3,2026-02-05,t1,attended,5,4,k2
    """, name="later.csv"))
    assert (result.new, result.rejected) == (1, 1)
    assert result.rejects[0].reason == "course k1 belongs to patient p1 in stored sessions, not to p2"
    assert table(tmp_path, "select session_id, patient_id, course_id from sessions order by 1") == [
        ("s1", "p1", "k1"), ("s2", "p1", "k1"), ("s3", "p3", "k2"), ("s4", "p3", "k2")]


def test_a_file_without_a_course_column_is_checked_against_the_stored_course_of_each_row_it_updates(tmp_path,
                                                                                                   csv_file):
    # As above, but the file has no course_id column: s2 keeps its stored course k1, whose first row
    # (s1, a month earlier, p1's) is found though the file names no course.
    run_import(tmp_path, csv_file(f"""
        {HEADER},course_id
        s1,p1,2026-01-05,t1,attended,5,4,k1
        s2,p1,2026-02-04,t1,attended,4,3,k1
    """))
    [result] = run_import(tmp_path, csv_file("""
        session_id,patient_id,session_date,therapist
        s2,p2,2026-02-04,t1
    """, name="later.csv"))
    assert result.rejected == 1
    assert result.rejects[0].reason == "course k1 belongs to patient p1 in stored sessions, not to p2"
    assert table(tmp_path, "select session_id, patient_id from sessions order by 1") == [("s1", "p1"), ("s2", "p1")]


# ------------------------------------------------------------------ damaged and unusual files

def test_a_damaged_xlsx_is_refused_in_one_line_and_the_other_files_still_import(tmp_path, csv_file):
    import zipfile

    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    book.active.append(["session_id", "patient_id", "session_date", "therapist"])
    book.active.append(["s1", "p1", "2026-03-01", "t1"])
    good_xlsx = tmp_path / "good.xlsx"
    book.save(good_xlsx)
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(good_xlsx) as src, zipfile.ZipFile(broken, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]           # the sheet's XML cut in half
            dst.writestr(item, data)
    good = csv_file(f"{HEADER}\ns2,p1,2026-03-02,t1,attended,8,4")
    results = run_import(tmp_path, broken, good)
    assert results[0].refused.startswith("the Excel file cannot be read")
    assert "\n" not in results[0].refused
    assert results[1].new == 1


def test_xlsx_cells_are_judged_strictly_formulas_times_with_seconds_and_dated_times(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["session_id", "patient_id", "session_date", "therapist", "pain_before", "session_time"])
    sheet.append(["s1", "p1", dt.date(2026, 3, 1), "t1", "=3+4", None])              # formula, never computed
    sheet.append(["s2", "p1", dt.datetime(2026, 3, 1, 14, 30), "t1", 5, None])       # a date with a time of day
    sheet.append(["s3", "p1", dt.date(2026, 3, 1), "t1", 5, dt.time(9, 5, 30)])      # seconds
    sheet.append(["s4", "p1", dt.datetime(2026, 3, 1), "t1", 5, dt.time(9, 5)])      # fine
    path = tmp_path / "strict.xlsx"
    book.save(path)
    [result] = run_import(tmp_path, path)
    assert (result.new, result.rejected) == (1, 3)
    got = reasons(result)
    assert got[2][:2] == ("pain_before", "=3+4") and "never saved" in got[2][2]
    assert got[3][0] == "session_date" and "time of day" in got[3][2]
    assert got[4][0] == "session_time" and "seconds" in got[4][2]


def test_an_xlsx_with_a_stale_sheet_size_is_read_in_full(tmp_path):
    import re
    import zipfile

    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    for row in (["session_id", "patient_id", "session_date", "therapist"], ["s1", "p1", "2026-03-01", "t1"],
                ["s2", "p1", "2026-03-02", "t1"], ["s3", "p1", "2026-02-30", "t1"]):
        book.active.append(row)
    fine = tmp_path / "fine.xlsx"
    book.save(fine)
    stale = tmp_path / "stale.xlsx"
    with zipfile.ZipFile(fine) as src, zipfile.ZipFile(stale, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":     # claims the sheet is A1:C2
                data = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:C2"/>', data)
            dst.writestr(item, data)
    [result] = run_import(tmp_path, stale)
    assert (result.rows_read, result.new, result.rejected) == (3, 2, 1)
    assert result.rejects[0].line == 4


def test_a_broken_quote_names_the_line_where_its_record_starts(tmp_path, csv_file):
    path = csv_file(f'{HEADER}\ns1,p1,2026-03-01,t1,attended,8,4\ns2,p1,"2026-03-02"x,t1,attended,8,4\ns3,p1,2026-03-03,t1,,,')
    [result] = run_import(tmp_path, path)
    assert result.refused.startswith("the CSV cannot be read from the record starting on line 3")


def test_a_repeated_unknown_column_is_ignored_but_a_repeated_known_column_refuses_the_file(tmp_path, csv_file):
    [ignored] = run_import(tmp_path, csv_file(f"{HEADER},room,Room\ns1,p1,2026-03-01,t1,attended,8,4,a,b"))
    [refused] = run_import(tmp_path, csv_file(f"{HEADER},Pain Before\ns2,p1,2026-03-01,t1,attended,8,4,5",
                                              name="twice.csv"))
    assert ignored.new == 1 and ignored.warnings == ["ignored unknown column(s): room"]
    assert refused.refused and "pain_before" in refused.refused


def test_a_rejects_folder_that_cannot_be_written_is_a_warning_and_the_rejects_stay_in_the_database(tmp_path, csv_file):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the rejects folder should be")
    path = csv_file(f"{HEADER}\ns1,p1,2026-03-01,t1,attended,8,4\ns2,p1,2026-03-01,t1,attended,88,4")
    [result] = importer.import_files([path], tmp_path / "clinic.duckdb", today=TODAY, rejects_dir=blocker)
    assert (result.new, result.rejected, result.rejects_file) == (1, 1, None)
    assert "rejects report could not be written" in result.warnings[-1]
    assert table(tmp_path, "select line from rejects") == [(3,)]


def test_the_rejects_report_writes_formula_like_values_as_text(tmp_path, csv_file):
    path = csv_file(f"{HEADER}\ns1,p1,=HYPERLINK(1),t1,attended,8,4\ns2,p1,2026-03-01,t1,attended,-1,4")
    [result] = run_import(tmp_path, path)
    rows = report_rows(importer.rejects_csv(result))
    assert rows[1][2:4] == ["session_date", "'=HYPERLINK(1)"]
    assert rows[2][2:4] == ["pain_before", "'-1"]
