"""`python -m clinic report COURSE_ID --db PATH --as-of DATE --out FILE` (clinic/cli_report.py).

One course, c1 of patient p1, as of 2026-03-05: planned 5, attended daily 03-01..03-05 with pain
before 8, 6, 5, 4, 3 and after 4, 3, 3, 2, 2: 5 of 5 planned, completed; first session 8 -> 4 =
50 % less: relief yes; sustained (8 - 3) / 8 = 62.5 %; adherence 5 / 5 = 100 %. The note names a
decoy person who must not appear.
"""
from __future__ import annotations

import io
import json

from pypdf import PdfReader

from clinic.access import AccessStore

SESSIONS = """
session_id,patient_id,course_id,session_date,therapist,status,pain_before,pain_after,notes
s1,p1,c1,2026-03-01,Birch,attended,8,4,Mary Thistlewood called
s2,p1,c1,2026-03-02,Birch,attended,6,3,
s3,p1,c1,2026-03-03,Birch,attended,5,3,
s4,p1,c1,2026-03-04,Birch,attended,4,2,
s5,p1,c1,2026-03-05,Birch,attended,3,2,
"""
COURSES = """
course_id,patient_id,start_date,planned_sessions
c1,p1,2026-03-01,5
"""


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    return " ".join(reader.pages[0].extract_text().split())


def test_the_report_command_writes_a_pdf_with_the_courses_numbers(db_from, cli, tmp_path):
    db = db_from(SESSIONS, courses=COURSES)
    out = tmp_path / "c1.pdf"
    code, printed = cli("report", "c1", "--db", db, "--as-of", "2026-03-05", "--out", out)
    assert code == 0, cli.err
    assert printed.strip() == f"wrote the PDF progress report of course c1 to {out}"
    text = text_of(out.read_bytes())
    assert "patient p1, course c1" in text and "As of 2026-03-05" in text
    assert "5 of 5 planned" in text and "status: completed" in text
    assert "8 → 4" in text or "8 -> 4" in text                    # DejaVu, or the ASCII fallback
    assert "50 % less" in text and "62.5 %" in text and "100 %: 5 of 5 days" in text
    assert "Thistlewood" not in text and "Birch" not in text


def test_an_html_suffix_writes_the_printable_page(db_from, cli, tmp_path):
    db = db_from(SESSIONS, courses=COURSES)
    out = tmp_path / "c1.html"
    code, _ = cli("report", "c1", "--db", db, "--as-of", "2026-03-05", "--out", out)
    assert code == 0, cli.err
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "62.5 %" in page and "Thistlewood" not in page


def test_the_settings_flags_reach_the_report(db_from, cli, tmp_path):
    db = db_from(SESSIONS, courses=COURSES)
    out = tmp_path / "c1.html"
    code, _ = cli("report", "c1", "--db", db, "--as-of", "2026-03-05", "--out", out, "--adherence-threshold", "90%",
                  "--relief-rule", "pct50", "--min-cohort", "3")
    assert code == 0, cli.err
    page = out.read_text(encoding="utf-8")
    assert "adherent from 90 %: yes" in page
    assert "relief yes (rule: ≥ 50 % drop)" in page                 # 8 -> 4 is exactly 50 %
    assert "Fewest courses to judge: 3" in page


def test_json_says_what_was_written(db_from, cli, tmp_path):
    db = db_from(SESSIONS, courses=COURSES)
    out = tmp_path / "c1.pdf"
    code, result = cli("report", "c1", "--db", db, "--as-of", "2026-03-05", "--out", out, "--json")
    assert code == 0
    assert result == {"course_id": "c1", "patient_id": "p1", "as_of": "2026-03-05", "format": "pdf",
                      "out": str(out), "bytes": len(out.read_bytes())}


def test_an_unknown_course_is_one_line_of_error_and_exit_1(db_from, cli, tmp_path):
    db = db_from(SESSIONS, courses=COURSES)
    out = tmp_path / "x.pdf"
    code, printed = cli("report", "c99", "--db", db, "--as-of", "2026-03-05", "--out", out)
    assert code == 1 and printed == ""
    assert cli.err.count("\n") == 1 and cli.err.startswith("error: no course 'c99'")
    assert not out.exists()
    code, _ = cli("report", "c1", "--db", db, "--as-of", "2026-02-28", "--out", out)     # starts after the date
    assert code == 1 and "no course 'c1'" in cli.err


def test_an_unknown_suffix_is_refused_before_anything_is_read(cli, tmp_path):
    code, _ = cli("report", "c1", "--db", tmp_path / "none.duckdb", "--as-of", "2026-03-05", "--out",
                  tmp_path / "c1.docx")
    assert code == 1 and cli.err.strip() == f"error: --out {tmp_path / 'c1.docx'}: the file must end in .pdf or .html"


def test_writing_a_report_is_in_the_audit_log(db_from, cli, tmp_path):
    db = db_from(SESSIONS, courses=COURSES)
    code, _ = cli("report", "c1", "--db", db, "--as-of", "2026-03-05", "--out", tmp_path / "c1.pdf")
    assert code == 0
    entries = [e for e in AccessStore.for_database(db).audit_entries() if e["action"] == "export"]
    assert json.loads(entries[-1]["detail"]) == {"file": "c1.pdf", "rows": 1, "course_id": "c1"}
    assert entries[-1]["user_name"].startswith("cli:")
