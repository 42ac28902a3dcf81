"""The patient progress report (clinic/report.py): its numbers read back from the PDF (pypdf) and the
HTML, one A4 page, rendered by pdftoppm, and nothing but pseudonymous ids in it.

The clinic, as of 2026-03-16 (worked out by hand):
R  patient P-0042, disc herniation, planned 6 from 03-10 (window 03-10..03-15), therapist Hawthorne, site
   Northgate: 03-10 attended 8->5 (note naming Jane Quillfeather), 03-11 attended 8->6, 03-12 no-show,
   03-13 attended 7->6, 03-14 attended 7->5 with numbness, 03-15 cancelled, 03-16 attended 6->4.
   Sessions attended: 5 of 6 planned, on 5 days.
   First session: 8 -> 5, (8 - 5) / 8 = 37.5 % >= 30 %: relief yes.
   Sustained improvement: first scored 8 (03-10), latest 6 (03-16): (8 - 6) / 8 = 25 %.
   Adherence: visits on 03-10, 11, 13, 14 of the 6 window days: 4 / 6 = 66.7 %, not adherent (< 80 %).
   Not completed (5 days < 6), last visit on the as-of day: ongoing.
   Baseline 8: severe band. Similar courses S1..S5 (disc herniation, completed, baseline 7-9), pain
   before session 5: 3 4 4 5 5 -> q75 at rank (5 - 1) * 0.75 = 3 -> 5. R's 6 before session 5 (> 3
   sessions) is above 5: below the expected course.
Q  patient P-0099, other diagnosis, 2 sessions 2->1: baseline 2 <= 2: ceiling note; no similar course.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import io
import os
import shutil
import subprocess

import pandas as pd
import pytest
from pypdf import PdfReader

from clinic import db, report, trajectory
from clinic.filters import Filters
from query_support import build_db

AS_OF = dt.date(2026, 3, 16)
DECOYS = ("Quillfeather", "Jane", "Hawthorne", "Northgate", "Rowan", "secret")

PATIENTS = """
patient_id,birth_year,sex,diagnosis,site
P-0042,1968,F,disc_herniation,Northgate
P-0099,1990,M,other,Northgate
S1,1970,F,disc_herniation,Northgate
S2,1971,M,disc_herniation,Northgate
S3,1972,F,disc_herniation,Northgate
S4,1973,M,disc_herniation,Northgate
S5,1974,F,disc_herniation,Northgate
"""
COURSES = """
course_id,patient_id,start_date,planned_sessions
R,P-0042,2026-03-10,6
Q,P-0099,2026-03-15,10
S1c,S1,2026-03-01,5
S2c,S2,2026-03-01,5
S3c,S3,2026-03-01,5
S4c,S4,2026-03-01,5
S5c,S5,2026-03-01,5
"""


def similar(patient: str, scores: list[int]) -> list[str]:
    return [f"{patient}-{n + 1},{patient},{patient}c,2026-03-0{n + 1},,Rowan,attended,{score},{score - 1},,secret"
            for n, score in enumerate(scores)]


SESSIONS = "\n".join([
    "session_id,patient_id,course_id,session_date,session_time,therapist,status,pain_before,pain_after,numbness,notes",
    "r1,P-0042,R,2026-03-10,09:00,Hawthorne,attended,8,5,false,Call Jane Quillfeather back",
    "r2,P-0042,R,2026-03-11,09:00,Hawthorne,attended,8,6,false,secret",
    "r3,P-0042,R,2026-03-12,09:00,Hawthorne,no_show,,,,",
    "r4,P-0042,R,2026-03-13,09:00,Hawthorne,attended,7,6,false,",
    "r5,P-0042,R,2026-03-14,09:00,Hawthorne,attended,7,5,true,numb foot secret",
    "r6,P-0042,R,2026-03-15,09:00,Hawthorne,cancelled,,,,",
    "r7,P-0042,R,2026-03-16,09:00,Hawthorne,attended,6,4,false,",
    "r8,P-0042,R,2026-03-18,09:00,Hawthorne,attended,2,1,false,after the as-of date",
    "q1,P-0099,Q,2026-03-15,10:00,Hawthorne,attended,2,1,false,",
    "q2,P-0099,Q,2026-03-16,10:00,Hawthorne,attended,2,1,false,",
    *similar("S1", [8, 7, 6, 5, 3]),
    *similar("S2", [7, 6, 5, 4, 4]),
    *similar("S3", [9, 8, 6, 5, 4]),
    *similar("S4", [8, 7, 7, 6, 5]),
    *similar("S5", [7, 7, 6, 6, 5]),
])


@pytest.fixture(scope="module")
def clinic_db(tmp_path_factory):
    return build_db(tmp_path_factory.mktemp("report"), SESSIONS, COURSES, PATIENTS)


def made(clinic_db, course_id: str = "R", **changes) -> report.Report:
    filters = Filters(as_of=AS_OF, **changes)
    with db.owned(db.connect(clinic_db, read_only=True)) as con:
        return report.build(trajectory.runner(con, filters), filters, course_id)


def pdf_text(data: bytes) -> tuple[int, str]:
    pages = PdfReader(io.BytesIO(data)).pages
    return len(pages), " ".join(" ".join(page.extract_text() for page in pages).split())


def needs_dejavu():
    if report.find_fonts() is None:
        if os.environ.get("CI"):
            pytest.fail("DejaVu Sans is not installed (apt-get install fonts-dejavu-core; .ci/run does)")
        pytest.skip("DejaVu Sans is not installed (apt-get install fonts-dejavu-core)")


def test_the_report_holds_the_courses_figures_worked_out_by_hand(clinic_db):
    r = made(clinic_db)
    assert (r.patient_id, r.course_id, r.as_of) == ("P-0042", "R", AS_OF)
    assert (r.sessions_attended, r.planned_sessions, r.attended_days) == (5, 6, 5)
    assert (r.first_pain_before, r.first_pain_after, r.first_relief) == (8, 5, True)
    assert r.sustained_pct == 25.0
    assert (r.window_attended_days, r.window_days, r.adherent) == (4, 6, False)
    assert r.status == "ongoing"
    assert list(r.sessions.pain_before) == [8, 8, 7, 7, 6]          # r8 is after the as-of date
    assert r.expected.similar_courses == 5
    assert r.expected.verdict.below_expected is True                 # 6 > 5 before session 5


def test_the_report_says_the_course_fails_to_progress_though_the_mcid_is_met(clinic_db):
    lines = made(clinic_db).flags()
    # 8 -> 6 is the 2-point MCID met, but 6 before session 5 is above the similar courses' 5
    assert lines[0] == ("Failure to progress: yes. By the MCID: pain before 8 at first, 6 at session 5; progress "
                        "means pain fell by at least 2 points: met.")
    assert lines[1].startswith("Below the expected course: pain 6 before session 5")
    assert not any("rose over three sessions" in line for line in lines)


def test_the_pdf_is_one_page_with_the_numbers_the_as_of_date_and_the_pseudonymous_id(clinic_db):
    needs_dejavu()
    pages, text = pdf_text(report.pdf_bytes(made(clinic_db)))
    assert pages == 1
    assert "Progress report: patient P-0042, course R" in text
    assert "As of 2026-03-16" in text
    assert "5 of 6 planned (on 5 days)" in text
    assert "relief yes (rule: ≥ 30 % drop): pain 8 → 5 on 2026-03-10, 37.5 % less" in text
    assert "25 % (pain before the first scored visit 8, before the latest 6" in text
    assert "66.7 %: 4 of 6 days" in text and "adherent from 80 %: no" in text
    assert "Pain before each session 8, 8, 7, 7, 6" in text
    assert "Expected course: 5 similar completed courses (Disc herniation, severe baseline pain, 7–10)" in text
    assert "Below the expected course: pain 6 before session 5, above the 75th percentile of similar courses " \
           "there (5; n = 5)" in text
    assert "Numbness reported at 1 session" in text
    assert "Fewest courses to judge: 5" in text                    # the settings used


def test_the_pdf_names_no_person_and_carries_no_note(clinic_db):
    data = report.pdf_bytes(made(clinic_db))
    _pages, text = pdf_text(data)
    for decoy in DECOYS:
        assert decoy not in text
        assert decoy.encode() not in data          # not in the file's metadata either
    html = report.html_text(made(clinic_db))
    for decoy in DECOYS:
        assert decoy not in html


def test_without_a_unicode_font_the_pdf_writes_the_signs_in_ascii(clinic_db):
    pages, text = pdf_text(report.pdf_bytes(made(clinic_db), font_dirs=[]))
    assert pages == 1
    assert "relief yes (rule: >= 30 % drop): pain 8 -> 5 on 2026-03-10, 37.5 % less" in text
    assert "(Disc herniation, severe baseline pain, 7-10)" in text
    assert "≥" not in text and "→" not in text


def test_a_baseline_of_two_or_less_gets_a_ceiling_note_and_no_expected_course(clinic_db):
    r = made(clinic_db, "Q")
    assert r.ceiling
    flags = " ".join(r.flags())
    assert "Ceiling: pain before the first scored session was 2 (at most 2)" in flags
    assert "Below the expected course: not judged" in flags
    assert "Failure to progress" not in flags                       # the ceiling line says why
    assert r.expected_words() == ("Expected course: 0 similar completed courses (Other, mild baseline pain, 0–3): "
                                  "too few similar courses to draw an expected course (at least 5 are needed).")


def test_a_course_the_filters_hide_cannot_be_reported(clinic_db):
    with pytest.raises(report.ReportError):
        made(clinic_db, "R", scope="Rowan")             # Hawthorne's patient
    with pytest.raises(report.ReportError):
        made(clinic_db, "nope")


def test_a_long_course_still_fits_on_one_page(clinic_db):
    needs_dejavu()
    long = made(clinic_db)
    sessions = pd.DataFrame({"session_number": range(1, 61), "session_date": pd.date_range("2026-01-01", periods=60),
                             "pain_before": [10 - n % 10 for n in range(60)], "pain_after": [5] * 60})
    pages, text = pdf_text(report.pdf_bytes(dataclasses.replace(long, sessions=sessions, planned_sessions=60)))
    assert pages == 1 and "Definitions and settings" in text


def test_pdftoppm_renders_one_a4_page_that_is_not_blank(clinic_db, tmp_path):
    if shutil.which("pdftoppm") is None:
        if os.environ.get("CI"):
            pytest.fail("pdftoppm is not installed (apt-get install poppler-utils; .ci/run does)")
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    from PIL import Image

    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(report.pdf_bytes(made(clinic_db)))
    subprocess.run(["pdftoppm", "-png", "-r", "40", str(pdf), str(tmp_path / "page")], check=True, timeout=60)
    pngs = sorted(tmp_path.glob("page*.png"))
    assert len(pngs) == 1
    out = os.path.join("test-output", "report")
    os.makedirs(out, exist_ok=True)
    shutil.copy(pngs[0], os.path.join(out, "progress-report.png"))
    image = Image.open(pngs[0]).convert("L")
    width, height = image.size
    assert abs(height / width - 297 / 210) < 0.01                 # A4 portrait
    dark = sum(image.histogram()[:200])          # grey levels 0..199
    assert dark > 0.01 * width * height                            # text and a chart, not a blank page
    # the chart's band (light blue) and the pain-before markers (orange) are drawn
    colours = [colour for _count, colour in Image.open(pngs[0]).convert("RGB").getcolors(maxcolors=1 << 20)]
    assert any(r > 200 and 80 < g < 120 and b < 40 for r, g, b in colours)       # #D55E00-ish


def test_the_html_has_the_same_numbers_and_prints_on_a4(clinic_db):
    text = report.html_text(made(clinic_db))
    assert text.startswith("<!DOCTYPE html>")
    assert "@page { size: A4" in text
    assert "5 of 6 planned (on 5 days)" in text
    assert "relief yes (rule: ≥ 30 % drop): pain 8 → 5 on 2026-03-10, 37.5 % less" in text
    assert "25 % (pain before the first scored visit 8, before the latest 6" in text
    assert "66.7 %: 4 of 6 days" in text
    assert "As of 2026-03-16" in text and "patient P-0042, course R" in text
    assert "<svg" in text and "<polygon" in text                   # the chart, inline
    assert "http://" not in text.replace('xmlns="http://www.w3.org/2000/svg"', "")   # nothing fetched


def test_the_html_escapes_every_value(clinic_db):
    hostile = dataclasses.replace(made(clinic_db), patient_id="<script>alert(1)</script>", course_id='R"&<b>')
    text = report.html_text(hostile)
    assert "<script>" not in text and "<b>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text and "R&quot;&amp;&lt;b&gt;" in text

