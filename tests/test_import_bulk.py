"""CSV files read by DuckDB's CSV reader: every row keeps the physical line where it starts, and the
contract's parsing rules hold exactly (trimming, digits, calendar dates, times, case, empty rows)."""
from __future__ import annotations

import datetime as dt

import duckdb

from clinic import importer

TODAY = dt.date(2026, 3, 20)
HEADER = "session_id,patient_id,session_date,therapist,status,pain_before,pain_after"


def run_import(tmp_path, path):
    [result] = importer.import_files([path], tmp_path / "clinic.duckdb", today=TODAY)
    return result


def written(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def stored(tmp_path, sql):
    con = duckdb.connect(str(tmp_path / "clinic.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def lines_of(result):
    return {r.line: (r.column, r.value, r.reason) for r in result.rejects}


def test_quoted_line_breaks_in_crlf_files_do_not_shift_the_lines_of_later_rows(tmp_path):
    text = "\r\n".join([
        f"{HEADER},notes",
        's1,p1,2026-03-01,t1,attended,8,4,"one\r\ntwo\r\nthree"',      # lines 2-4
        "s2,p1,2026-03-02,t1,attended,11,4,",                        # line 5: pain 11
        's3,p1,2026-03-03,t1,attended,5,4,"a ""quoted"" word, and a comma"',
        "s4,p1,2026-03-04,t1,attended,5,4,\"x\ny\"",                 # lines 7-8 (a bare LF inside quotes)
        "s5,p1,2026-03-05,t1,attended,5,x,",                          # line 9
        "",
    ])
    result = run_import(tmp_path, written(tmp_path, "s.csv", text.encode()))
    assert (result.rows_read, result.new, result.rejected) == (5, 3, 2)
    assert sorted(lines_of(result)) == [5, 9]
    assert stored(tmp_path, "select session_id, notes from sessions order by 1") == [
        ("s1", "one\r\ntwo\r\nthree"), ("s3", 'a "quoted" word, and a comma'), ("s4", "x\ny")]


def test_a_bom_semicolons_and_a_quoted_semicolon_are_read_as_one_field(tmp_path):
    text = f"{HEADER};notes\n".replace(",", ";") + 's1;p1;2026-03-01;t1;;8;4;"a; b"\ns2;p1;2026-03-02;t1;;8;44;\n'
    result = run_import(tmp_path, written(tmp_path, "s.csv", b"\xef\xbb\xbf" + text.encode()))
    assert (result.new, result.rejected) == (1, 1)
    assert lines_of(result)[3][:2] == ("pain_after", "44")
    assert stored(tmp_path, "select notes from sessions") == [("a; b",)]


def test_ragged_rows_are_rejected_at_the_line_where_they_start_after_a_quoted_break(tmp_path):
    text = (f"{HEADER},notes\n"
            's1,p1,2026-03-01,t1,attended,8,4,"two\nlines"\n'           # lines 2-3
            "s2,p1,2026-03-02\n"                                       # line 4: 3 fields of 8
            's3,p1,2026-03-03,t1,attended,8,4,"x",extra,"y\nz"\n'      # lines 5-6: 10 fields
            "s4,p1,2026-03-04,t1,attended,8,4,\n")                     # line 7: fine
    result = run_import(tmp_path, written(tmp_path, "s.csv", text.encode()))
    got = lines_of(result)
    assert (result.rows_read, result.new, result.rejected) == (4, 2, 2)
    assert got[4] == (None, None, "too few fields: 3 where the header has 8")
    assert got[5] == (None, None, "too many fields: 10 where the header has 8")


def test_a_repeated_id_is_rejected_whether_its_first_row_was_valid_or_not(tmp_path):
    text = (f"{HEADER}\n"
            "a,p1,2026-03-01,t1,attended,8,4\n"     # line 2: valid, stored
            "b,p1,2026-02-30,t1,attended,8,4\n"     # line 3: invalid date
            "a,p1,2026-03-02,t1,attended,8,4\n"     # line 4: repeats a
            "b,p1,2026-03-02,t1,attended,8,4\n"     # line 5: repeats b (its first row was rejected)
            " a ,p1,2026-03-03,t1,attended,8,4\n"   # line 6: ' a ' is a once trimmed
            "c,p1\n"                                # line 7: too few fields, but its id counts as seen
            "c,p1,2026-03-04,t1,attended,8,4\n"     # line 8: repeats c
            "d,p1,2026-03-05,t1,attended,8,4\n")    # line 9: a decoy that must load
    result = run_import(tmp_path, written(tmp_path, "s.csv", text.encode()))
    got = lines_of(result)
    assert (result.rows_read, result.new, result.rejected) == (8, 2, 6)
    assert got[3][0] == "session_date"
    assert [got[line][:2] for line in (4, 5, 6, 8)] == [("session_id", "a"), ("session_id", "b"),
                                                         ("session_id", "a"), ("session_id", "c")]
    assert all("earlier row" in got[line][2] for line in (4, 5, 6, 8))
    assert "too few fields" in got[7][2]
    assert stored(tmp_path, "select session_id from sessions order by 1") == [("a",), ("d",)]


def test_fields_are_trimmed_of_ascii_and_unicode_spaces_and_a_blank_required_field_is_required(tmp_path):
    nbsp, ideographic = "\u00a0", "\u3000"
    text = (f"{HEADER},notes\n"
            f"\ts1 ,{nbsp}p1{nbsp}, 2026-03-01 ,t1{ideographic}, Attended , 07 ,\t4 ,  note  \n"
            f"s2,p1,2026-03-02,{nbsp}{ideographic} ,attended,8,4,\n")
    result = run_import(tmp_path, written(tmp_path, "s.csv", text.encode()))
    assert (result.new, result.rejected) == (1, 1)
    assert lines_of(result)[3] == ("therapist", None, "therapist is required")
    assert stored(tmp_path, "select session_id, patient_id, therapist, status, pain_before, pain_after, notes "
                            "from sessions") == [("s1", "p1", "t1", "attended", 7, 4, "note")]


def test_integers_dates_times_booleans_and_status_follow_the_contract_exactly(tmp_path):
    text = ("session_id,patient_id,session_date,therapist,status,pain_before,session_time,numbness,acute_inflammation\n"
            "ok1,p1,2026-03-01,t1,CANCELLED,07,9:05,YES,No\n"      # line 2: fine
            "ok2,p1,2026-03-01,t1,No_Show,10,23:59,fAlSe,1\n"      # line 3: fine
            "f1,p1,2026-03-01,t1,,7.0,,,\n"                        # line 4: 7.0 is not digits only
            "f2,p1,2026-02-30,t1,,7,,,\n"                          # line 5: no such day
            "f3,p1,2026-03-01,t1,,7,24:00,,\n"                     # line 6: no 24:00
            "f4,p1,2026-03-01,t1,,7,,Y,\n"                         # line 7: Y is not a boolean
            "f5,p1,2026-03-01,t1,done,7,,,\n"                      # line 8: unknown status
            "f6,p1,2026-03-21,t1,Attended,7,,,\n"                  # line 9: attended after today
            "ok3,p1,2026-03-21,t1,cancelled,,,,\n")                # line 10: a booked future date is fine
    result = run_import(tmp_path, written(tmp_path, "s.csv", text.encode()))
    got = lines_of(result)
    assert (result.new, result.rejected) == (3, 6)
    assert got[4][:2] == ("pain_before", "7.0") and "digits only" in got[4][2]
    assert got[5] == ("session_date", "2026-02-30", "session_date is not a real calendar date")
    assert got[6][:2] == ("session_time", "24:00")
    assert got[7][:2] == ("numbness", "Y")
    assert got[8] == ("status", "done", "status must be one of attended, cancelled, no_show")
    assert got[9][:2] == ("session_date", "2026-03-21") and "after today (2026-03-20)" in got[9][2]
    assert stored(tmp_path, "select session_id, status, pain_before, session_time::varchar, numbness, "
                            "acute_inflammation from sessions order by 1") == [
        ("ok1", "cancelled", 7, "09:05:00", True, False),
        ("ok2", "no_show", 10, "23:59:00", False, True),
        ("ok3", "cancelled", None, None, None, None)]


def test_every_problem_of_a_row_is_named_first_one_first(tmp_path):
    text = f"{HEADER}\ns1,,2026-13-01,t1,attended,x,11\n"
    result = run_import(tmp_path, written(tmp_path, "s.csv", text.encode()))
    [reject] = result.rejects
    assert (reject.column, reject.value) == ("session_date", "2026-13-01")
    assert reject.reason == ("session_date is not a real calendar date; also pain_before must be a whole number "
                             "from 0 to 10 (digits only); pain_after must be a whole number from 0 to 10; "
                             "patient_id is required")


def test_fully_empty_rows_of_any_shape_are_skipped_and_not_counted(tmp_path):
    text = ("\n"                                       # line 1: blank, before the header
            f"{HEADER}\n"                              # line 2
            "\n"                                       # line 3
            ",,,,,,\n"                                 # line 4
            "  ,\t, \n"                                # line 5: blanks, and too few fields
            '"","",,,,,,,,\n'                          # line 6: empty quoted, and too many fields
            "\u00a0,,,,,,\n"                           # line 7: a non-breaking space only
            "s1,p1,2026-03-01,t1,attended,x,4\n")      # line 8
    result = run_import(tmp_path, written(tmp_path, "s.csv", text.encode()))
    assert (result.rows_read, result.rejected) == (1, 1)
    assert result.rejects[0].line == 8


def test_a_value_only_in_an_unknown_column_makes_a_row_that_is_counted_and_rejected(tmp_path):
    text = f"{HEADER},room\n,,,,,,,blue\ns1,p1,2026-03-01,t1,attended,8,4,\n"
    result = run_import(tmp_path, written(tmp_path, "s.csv", text.encode()))
    assert (result.rows_read, result.new, result.rejected) == (2, 1, 1)
    assert result.rejects[0].line == 2 and "session_id is required" in result.rejects[0].reason


def test_unusual_quotes_and_old_mac_line_ends_are_read_exactly_by_the_python_reader(tmp_path):
    # a quote inside an unquoted field, and carriage returns alone as line ends: not RFC 4180, so
    # the file is parsed in Python and judged by the same rules
    quote = written(tmp_path, "quote.csv", f'{HEADER},notes\ns1,p1,2026-03-01,t1,,8,4,say "hi"\n'
                                           f"s2,p1,2026-03-02,t1,,8,99,\n".encode())
    mac = written(tmp_path, "mac.csv", f"{HEADER}\rs3,p1,2026-03-03,t1,,8,4\rs4,p1,2026-03-04,t1,,8,99\r".encode())
    [first, second] = importer.import_files([quote, mac], tmp_path / "clinic.duckdb", today=TODAY)
    assert (first.new, first.rejected, first.rejects[0].line) == (1, 1, 3)
    assert (second.new, second.rejected, second.rejects[0].line) == (1, 1, 3)
    assert stored(tmp_path, "select session_id, notes from sessions order by 1") == [
        ("s1", 'say "hi"'), ("s3", None)]


def test_a_file_name_with_glob_characters_is_read_as_that_one_file(tmp_path):
    (tmp_path / "sessions-a.csv").write_text(f"{HEADER}\ndecoy,p9,2026-03-01,t1,,8,4\n", encoding="utf-8")
    path = written(tmp_path, "sessions-[a].csv", f"{HEADER}\ns1,p1,2026-03-01,t1,,8,4\n".encode())
    result = run_import(tmp_path, path)
    assert (result.rows_read, result.new) == (1, 1)
    assert stored(tmp_path, "select session_id from sessions") == [("s1",)]


def test_patients_and_courses_files_are_judged_by_the_same_rules(tmp_path):
    patients = written(tmp_path, "patients.csv", (
        "patient_id,birth_year,sex,diagnosis,doctor_conclusion\n"
        "p1,1970,f,other,Yes\n"
        "p2,1970.0,F,other,\n"
        "p3,1980,M,Other,\n").encode())
    courses = written(tmp_path, "courses.csv", (
        "course_id,patient_id,start_date,planned_sessions\n"
        "c1,p1,2026-03-01,060\n"
        "c2,p1,2026-03-01,61\n").encode())
    [p, c] = importer.import_files([patients, courses], tmp_path / "clinic.duckdb", today=TODAY)
    assert (p.new, [(r.line, r.column) for r in p.rejects]) == (1, [(3, "birth_year"), (4, "diagnosis")])
    assert (c.new, [(r.line, r.column) for r in c.rejects]) == (1, [(3, "planned_sessions")])
    assert stored(tmp_path, "select sex, doctor_conclusion from patients") == [("F", True)]
    assert stored(tmp_path, "select planned_sessions from courses") == [(60,)]


def test_a_quoted_note_that_ends_in_a_line_break_is_trimmed_like_any_field(tmp_path):
    text = f'{HEADER},notes\ns1,p1,2026-03-01,t1,,8,4,"  first\nsecond\n"\ns2,p1,2026-03-02,t1,,8,4,plain\n'
    result = run_import(tmp_path, written(tmp_path, "s.csv", text.encode()))
    assert (result.new, result.rejected) == (2, 0)
    assert stored(tmp_path, "select notes from sessions order by session_id") == [("first\nsecond",), ("plain",)]


def test_a_file_with_only_a_header_reads_no_rows_and_is_logged(tmp_path):
    result = run_import(tmp_path, written(tmp_path, "s.csv", f"\n{HEADER}\n\n,,,\n".encode()))
    assert (result.refused, result.rows_read, result.new, result.rejected) == (None, 0, 0, 0)
    assert stored(tmp_path, "select rows_read from import_batches") == [(0,)]


def test_the_pre_scan_gives_each_record_its_first_line_its_field_count_and_whether_it_is_data():
    from clinic import csv_scan

    data = b'a,b,c\r\n1,"x\r\ny",3\r\n\r\n,,\r\n4,5\r\n"6,""7""",8,9,10'
    scan = csv_scan.scan(data, field_limit=1_000)
    # records the reader returns: the header, 1..3 (lines 2-3), ",," (line 5), 4,5 (line 6), the last (line 7);
    # the blank line 4 is no record at all
    assert scan.header == ["a", "b", "c"]
    assert scan.lines.tolist() == [1, 2, 5, 6, 7]
    assert scan.fields.tolist() == [3, 3, 3, 2, 4]
    assert scan.data.tolist() == [False, True, False, True, True]
    assert scan.plain.tolist() == [True, False, True, True, True]     # a quoted line break needs a full trim
    assert scan.rows == 3


def test_the_pre_scan_leaves_unusual_quotes_and_lone_carriage_returns_to_the_python_reader():
    from clinic import csv_scan

    assert csv_scan.scan(b'a,b\n1,x"y\n', field_limit=1_000) is None          # a quote inside a field
    assert csv_scan.scan(b'a,b\n1,"x"y\n', field_limit=1_000) is None         # text after a closing quote
    assert csv_scan.scan(b'a,b\n1,"x\n', field_limit=1_000) is None           # a quote never closed
    assert csv_scan.scan(b"a,b\r1,2\r", field_limit=1_000) is None            # old Mac line ends
    assert csv_scan.scan(b'a,b\n1,"x\ry"\n', field_limit=1_000) is not None   # a lone CR inside quotes is text
