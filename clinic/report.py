"""The patient progress report: one page for the patient and the referring doctor, as PDF (fpdf2) and
as printable HTML, from the same figures.

What it holds: the pseudonymous patient id and course id (never a name, never a note, no therapist
or site), the as-of date, the diagnosis, the pain trajectory against the expected course of similar
courses (clinic.trajectory), sessions attended against planned, the first-session result, sustained
improvement, adherence, the flags (failure to progress by the MCID or against the expected course,
clinic.flags; a ceiling note when the baseline is too low to show a meaningful fall; pain rising over
three visits; numbness and acute-inflammation sessions), and the definitions and settings used.

The chart is drawn from one list of shapes (`chart_shapes`) by two small painters: fpdf2's drawing
primitives for the PDF and an inline SVG for the HTML (no browser, no image library). The PDF uses
DejaVu Sans when a copy is installed (Debian's fonts-dejavu-core), found at run time, so "≥", "–"
and "→" print; without one it uses the PDF's built-in Helvetica and writes those as ASCII (">=").
"""
from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from clinic import settings as clinic_settings
from clinic import trajectory
from clinic.filters import DIAGNOSIS_LABELS, RELIEF_RULE_LABELS, RELIEF_RULES, Filters

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"),
             Path("/usr/local/share/fonts/dejavu"), Path("/usr/share/fonts/TTF"))
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
ASCII = {"≥": ">=", "≤": "<=", "–": "-", "—": "-", "−": "-", "→": "->", "×": "x", "…": "...", "’": "'",
         "‘": "'", "“": '"', "”": '"', "·": "-", "\u00a0": " "}
PDF_MIME, HTML_MIME = "application/pdf", "text/html"

# colours (Okabe–Ito, as the dashboard's charts)
BEFORE, AFTER, EXPECTED, BAND, GRID, INK, MUTED = ("#D55E00", "#0072B2", "#555555", "#D5ECF9", "#DDDDDD",
                                                   "#222222", "#666666")


class ReportError(LookupError):
    """The course cannot be reported (not found, or not among the courses the filters let one see)."""


def _value(value):
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, pd.Timestamp):
        value = value.date()
    if isinstance(value, dt.datetime):
        value = value.date()
    return value


def _num(value) -> str:
    """A number as people write it: 62.5, 7, 4.25 (never 7.0)."""
    return f"{value:g}" if isinstance(value, float) else str(value)


def _pct(value: float | None, digits: int = 1) -> str:
    """A share or percentage written with up to `digits` decimals (66.7 %, 100 %)."""
    text = f"{value:.{digits}f}".rstrip("0").rstrip(".")
    return f"{text} %"


@dataclass(frozen=True)
class Report:
    """Everything the report shows, as plain values (no name, no note)."""
    course_id: str
    patient_id: str
    as_of: dt.date
    relief_rule: str
    settings: clinic_settings.Settings
    start_date: dt.date | None
    planned_sessions: int
    diagnosis: str | None
    status: str
    sessions_attended: int
    attended_days: int
    first_session_date: dt.date | None
    first_pain_before: int | None
    first_pain_after: int | None
    first_relief: bool | None
    baseline_pain: int | None
    last_pain: int | None
    sustained_pct: float | None
    adherence: float | None
    window_attended_days: int
    window_days: int
    numbness_sessions: int
    acute_sessions: int
    sessions: pd.DataFrame = field(repr=False)      # attended: session_number, session_date, pain_before, pain_after
    expected: trajectory.Expected | None = field(repr=False, default=None)
    progress: dict | None = field(repr=False, default=None)    # clinic.flags.course_flags of the course

    # ---------------------------------------------------------------- words shared by PDF and HTML

    @property
    def adherent(self) -> bool | None:
        """Adherence at or above the setting, compared on whole numbers (100 × days ≥ pct × window)."""
        if self.window_days == 0:
            return None
        return 100 * self.window_attended_days >= self.settings.adherence_pct * self.window_days

    @property
    def ceiling(self) -> bool:
        return self.baseline_pain is not None and self.baseline_pain <= clinic_settings.CEILING_PAIN

    def title(self) -> str:
        return f"Progress report: patient {self.patient_id}, course {self.course_id}"

    def subtitle(self) -> str:
        diagnosis = DIAGNOSIS_LABELS.get(self.diagnosis, self.diagnosis) if self.diagnosis else "not on file"
        start = f"{self.start_date:%Y-%m-%d}" if self.start_date else "not known"
        return f"As of {self.as_of:%Y-%m-%d}. Diagnosis: {diagnosis}. Course started {start}; status: {self.status}."

    def facts(self) -> list[tuple[str, str]]:
        """(label, value) rows of the course's figures."""
        rows = [("Sessions attended",
                 f"{self.sessions_attended} of {self.planned_sessions} planned (on {self.attended_days} "
                 f"day{'' if self.attended_days == 1 else 's'})")]
        rows.append(("First-session result", self.first_session_words()))
        rows.append(("Sustained improvement", self.sustained_words()))
        rows.append(("Adherence", self.adherence_words()))
        scores = [f"{_num(int(p))}" if p is not None and not pd.isna(p) else "–" for p in self.sessions.pain_before]
        rows.append(("Pain before each session", ", ".join(scores) if scores else "no attended session yet"))
        return rows

    def first_session_words(self) -> str:
        if self.first_session_date is None:
            return "no attended session yet"
        rule = RELIEF_RULE_LABELS[self.relief_rule]
        before = "?" if self.first_pain_before is None else self.first_pain_before
        after = "?" if self.first_pain_after is None else self.first_pain_after
        scores = f"pain {before} → {after} on {self.first_session_date:%Y-%m-%d}"
        if self.first_relief is None:
            why = "pain before was 0" if self.first_pain_before == 0 else "a score is missing"
            return f"relief not assessable ({why}): {scores}"
        change = ""
        if self.first_pain_before:
            change = f", {_pct(100 * (self.first_pain_before - self.first_pain_after) / self.first_pain_before)} less"
        return f"relief {'yes' if self.first_relief else 'no'} (rule: {rule}): {scores}{change}"

    def sustained_words(self) -> str:
        if self.sustained_pct is None:
            return "not assessable: needs pain scores on two different visit days and a first score of 1 or more"
        return (f"{_pct(self.sustained_pct)} (pain before the first scored visit {self.baseline_pain}, before the "
                f"latest {self.last_pain}; negative = worse)")

    def adherence_words(self) -> str:
        if self.window_days == 0 or self.adherence is None:
            return "not rated yet (the course starts on the as-of day, which has no visit yet)"
        return (f"{_pct(100 * self.adherence)}: {self.window_attended_days} of {self.window_days} days of the daily "
                f"course so far had a visit; adherent from {self.settings.adherence_pct} %: "
                f"{'yes' if self.adherent else 'no'}")

    def flags(self) -> list[str]:
        """The flags this report can compute, each a sentence (at least one line, saying when none is raised)."""
        from clinic import flags

        lines = []
        # (a course at the ceiling and not judged otherwise has the ceiling line below instead)
        if self.progress is not None and not (self.progress["failure_to_progress"] is None and self.ceiling):
            value, _caption = flags.progress_words(self.progress, self.settings)
            lines.append(f"Failure to progress: {value.lower()}. {flags.mcid_words(self.progress, self.settings)}")
        verdict = self.expected.verdict if self.expected is not None else None
        if verdict is not None and verdict.below_expected is not None:
            lines.append(verdict.sentence(self.settings.progress_after))
        else:
            lines.append("Below the expected course: not judged (it needs a pain score after the first "
                         f"{self.settings.progress_after} sessions and an expected course at that session).")
        if self.ceiling:
            lines.append(f"Ceiling: pain before the first scored session was {self.baseline_pain} (at most "
                         f"{clinic_settings.CEILING_PAIN}), too low to show a meaningful fall.")
        if self.progress is not None and self.progress["red_flag_rising"]:
            rise = " → ".join(str(p) for p in self.progress["last_rise_pains"] or [])
            lines.append(f"Pain before rose over three sessions in a row ({rise}): to be checked by the doctor.")
        if self.numbness_sessions:
            lines.append(f"Numbness reported at {self.numbness_sessions} session"
                         f"{'' if self.numbness_sessions == 1 else 's'}: to be checked by the doctor.")
        if self.acute_sessions:
            lines.append(f"Treated during acute inflammation at {self.acute_sessions} session"
                         f"{'' if self.acute_sessions == 1 else 's'}.")
        return lines

    def expected_words(self) -> str:
        return self.expected.sentence() if self.expected is not None else "No expected course."

    def definitions(self) -> list[str]:
        s = self.settings
        fewest = self.expected.min_cohort if self.expected is not None else s.min_cohort
        return [
            f"Pain: 0–10 numeric rating scale, asked before and after each session. Only records dated on or "
            f"before {self.as_of:%Y-%m-%d} count.",
            f"First-session relief: {RELIEF_RULES[self.relief_rule]}; not assessable when pain before is 0 or a "
            "score is missing.",
            "Sustained improvement: (pain before the first scored visit − pain before the latest scored visit on a "
            "later day) ÷ the first × 100.",
            f"Adherence: days with a visit ÷ days of the daily course so far (start to start + planned − 1, up to "
            f"the as-of date); adherent from {s.adherence_pct} %.",
            "Expected course: pain before each session among the clinic's completed courses with the same "
            "diagnosis and baseline band (mild 0–3, moderate 4–6, severe 7–10; baseline = pain before the first "
            "session), this course left out; the line is the median, the band the 25th–75th percentile (linear "
            f"interpolation); a session with fewer than {fewest} scored courses is not drawn.",
            f"Below expected: after {s.progress_after} sessions, pain before the latest scored session is above "
            "the 75th percentile of similar courses at that session.",
            "Settings: " + clinic_settings.describe_line(s, self.relief_rule) + ".",
        ]


def build(run: trajectory.Runner, filters: Filters, course_id: str) -> Report:
    """The report of `course_id` from filtered queries (`run`: ui.query, or trajectory.runner(con, filters));
    ReportError when the course is not among those the filters let one see."""
    from clinic import flags

    found = run("patients_course", course_id=course_id)
    if found.empty:
        raise ReportError(f"no course {course_id!r} among the courses counted as of {filters.as_of} "
                          "that these filters let you see")
    c = {k: _value(v) for k, v in found.iloc[0].to_dict().items()}
    sessions = run("patients_sessions", course_id=course_id)
    attended = sessions.loc[sessions.status == "attended", ["session_number", "session_date", "pain_before",
                                                           "pain_after"]].sort_values("session_number")
    return Report(
        course_id=str(c["course_id"]), patient_id=str(c["patient_id"]), as_of=filters.as_of,
        relief_rule=filters.relief_rule, settings=filters.settings,
        start_date=c["start_date"], planned_sessions=int(c["planned_sessions"]), diagnosis=c["diagnosis"],
        status=str(c["status"]), sessions_attended=int(c["sessions_attended"]), attended_days=int(c["attended_days"]),
        first_session_date=c["first_session_date"], first_pain_before=c["first_session_pain_before"],
        first_pain_after=c["first_session_pain_after"], first_relief=c["first_session_relief"],
        baseline_pain=c["baseline_pain"], last_pain=c["last_pain"], sustained_pct=c["sustained_improvement_pct"],
        adherence=c["adherence"], window_attended_days=int(c["window_attended_days"] or 0),
        window_days=int(c["window_days"] or 0), numbness_sessions=int(c["numbness_sessions"]),
        acute_sessions=int(c["acute_sessions"]), sessions=attended.reset_index(drop=True),
        expected=trajectory.expected_course(run, filters, course_id),
        progress=flags.course_flags(run, course_id),
    )


def file_stem(report: Report) -> str:
    from clinic import exports
    return f"progress-report-{exports.safe_part(report.course_id)}-{report.as_of}"


# ---------------------------------------------------------------- the chart as shapes

@dataclass(frozen=True)
class Shape:
    kind: str                   # "polygon" | "line" | "circle" | "square" | "text"
    points: tuple = ()          # ((x, y), ...) in the chart box's units, y downwards
    colour: str = INK
    width: float = 0.3          # line width, or a marker's radius
    dash: bool = False
    text: str = ""
    size: float = 7.0           # font size in points
    anchor: str = "start"       # "start" | "middle" | "end"


def chart_shapes(report: Report, width: float, height: float) -> list[Shape]:
    """The pain chart as shapes in a box of width × height (mm in the PDF, px in the SVG; y downwards):
    axes and grid, the expected course's band and median, the course's pain before (joined) and after
    each attended session, and a legend line at the bottom."""
    left, right, top, bottom = 0.07 * width, 0.02 * width, 0.04 * height, 0.22 * height
    plot_w, plot_h = width - left - right, height - top - bottom
    points = report.expected.shown_points if report.expected is not None else pd.DataFrame()
    numbers = [int(n) for n in report.sessions.session_number]
    last = max([1, *numbers, *(int(k) for k in points.get("session_number", []))])

    def x(k: float) -> float:
        return left + plot_w * (k - 0.5) / last

    def y(pain: float) -> float:
        return top + plot_h * (1 - pain / 10)

    shapes = []
    for pain in range(0, 11, 2):
        shapes.append(Shape("line", ((left, y(pain)), (left + plot_w, y(pain))), GRID, 0.2))
        shapes.append(Shape("text", ((left - 1.2 * width / 200, y(pain) + 1.0 * height / 100),), MUTED,
                            text=str(pain), size=6.5, anchor="end"))
    step = 1 if last <= 20 else 5
    for k in range(1, last + 1):
        if k == 1 or k % step == 0:
            shapes.append(Shape("text", ((x(k), top + plot_h + 4.0 * height / 100),), MUTED, text=str(k), size=6.5,
                                anchor="middle"))
    shapes.append(Shape("text", ((left + plot_w / 2, top + plot_h + 9.5 * height / 100),), MUTED,
                        text="Attended session number", size=6.5, anchor="middle"))
    shapes.append(Shape("text", ((left, top - 0.8 * height / 100),), MUTED, text="Pain (0–10)", size=6.5))
    # the expected course: band and median, broken where a point is suppressed
    runs, current = [], []
    for row in points.itertuples():
        if current and int(row.session_number) != int(current[-1].session_number) + 1:
            runs.append(current)
            current = []
        current.append(row)
    if current:
        runs.append(current)
    for run in runs:
        upper = [(x(r.session_number), y(r.q75_pain)) for r in run]
        lower = [(x(r.session_number), y(r.q25_pain)) for r in reversed(run)]
        if len(run) == 1:        # one point: a short bar
            shapes.append(Shape("line", (upper[0], lower[0]), BAND, 1.6))
        else:
            shapes.append(Shape("polygon", tuple(upper + lower), BAND))
        shapes.append(Shape("line", tuple((x(r.session_number), y(r.median_pain)) for r in run), EXPECTED, 0.5,
                            dash=True))
    # the course: grey bar within each session, pain before joined, pain after as squares
    rows = list(report.sessions.itertuples())
    for r in rows:
        if not pd.isna(r.pain_before) and not pd.isna(r.pain_after):
            shapes.append(Shape("line", ((x(r.session_number), y(r.pain_before)),
                                         (x(r.session_number), y(r.pain_after))), "#BBBBBB", 0.9))
    scored = [(x(r.session_number), y(r.pain_before)) for r in rows if not pd.isna(r.pain_before)]
    if len(scored) > 1:
        shapes.append(Shape("line", tuple(scored), BEFORE, 0.35))
    marker = min(1.3, 0.9 * plot_w / last / 2) * width / 180
    for point in scored:
        shapes.append(Shape("circle", (point,), BEFORE, marker))
    for r in rows:
        if not pd.isna(r.pain_after):
            shapes.append(Shape("square", ((x(r.session_number), y(r.pain_after)),), AFTER, marker * 0.6))
    # legend
    legend_y = height - 2.5 * height / 100
    items = [("circle", BEFORE, "Pain before the session"), ("square", AFTER, "Pain after the session")]
    if runs:
        items += [("polygon", BAND, "Similar courses: middle half"), ("dash", EXPECTED, "their median")]
    cursor = left
    for kind, colour, words in items:
        unit = width / 100
        if kind == "circle":
            shapes.append(Shape("circle", ((cursor + unit, legend_y - unit * 0.9),), colour, marker))
        elif kind == "square":
            shapes.append(Shape("square", ((cursor + unit, legend_y - unit * 0.9),), colour, marker * 0.6))
        elif kind == "polygon":
            box = ((cursor, legend_y - 1.8 * unit), (cursor + 2 * unit, legend_y - 1.8 * unit),
                   (cursor + 2 * unit, legend_y), (cursor, legend_y))
            shapes.append(Shape("polygon", box, colour))
        else:
            shapes.append(Shape("line", ((cursor, legend_y - unit * 0.9), (cursor + 3 * unit, legend_y - unit * 0.9)),
                                colour, 0.5, dash=True))
        shapes.append(Shape("text", ((cursor + 4.2 * unit, legend_y),), INK,
                            text=words, size=6.5))
        cursor += (4.2 + 0.8 * len(words) + 3) * unit
    return shapes


# ---------------------------------------------------------------- HTML

def _svg(report: Report, width: int = 700, height: int = 300) -> str:
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
             f'role="img" aria-label="Pain before and after each session against the expected course">']
    for s in chart_shapes(report, width, height):
        if s.kind == "polygon":
            pts = " ".join(f"{px:.1f},{py:.1f}" for px, py in s.points)
            parts.append(f'<polygon points="{pts}" fill="{s.colour}" stroke="none"/>')
        elif s.kind == "line":
            pts = " ".join(f"{px:.1f},{py:.1f}" for px, py in s.points)
            dash = ' stroke-dasharray="6 4"' if s.dash else ""
            parts.append(f'<polyline points="{pts}" fill="none" stroke="{s.colour}" '
                         f'stroke-width="{max(1.0, s.width * 3.5):.1f}"{dash}/>')
        elif s.kind == "circle":
            (px, py), = s.points
            parts.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="{s.width:.1f}" fill="{s.colour}"/>')
        elif s.kind == "square":
            (px, py), = s.points
            parts.append(f'<rect x="{px - s.width:.1f}" y="{py - s.width:.1f}" width="{2 * s.width:.1f}" '
                         f'height="{2 * s.width:.1f}" fill="{s.colour}"/>')
        elif s.kind == "text":
            (px, py), = s.points
            parts.append(f'<text x="{px:.1f}" y="{py:.1f}" font-size="{s.size * 1.6:.1f}" fill="{s.colour}" '
                         f'text-anchor="{s.anchor}">{html.escape(s.text)}</text>')
    parts.append("</svg>")
    return "".join(parts)


HTML_STYLE = """
@page { size: A4; margin: 12mm; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; color: #222; margin: 0 auto;
       max-width: 186mm; font-size: 10pt; line-height: 1.35; }
h1 { font-size: 15pt; margin: 0 0 2mm; }
h2 { font-size: 11pt; margin: 4mm 0 1.5mm; }
p { margin: 1mm 0; }
.muted { color: #666; }
table.facts { border-collapse: collapse; width: 100%; }
table.facts th { text-align: left; vertical-align: top; width: 42mm; padding: 1mm 2mm 1mm 0; font-weight: 600; }
table.facts td { padding: 1mm 0; }
table.facts tr + tr th, table.facts tr + tr td { border-top: 1px solid #e4e4e4; }
ul { margin: 1mm 0; padding-left: 5mm; }
.definitions { font-size: 8pt; color: #444; }
figure { margin: 2mm 0; }
@media print { body { max-width: none; } a { color: inherit; text-decoration: none; } }
"""


def html_text(report: Report) -> str:
    """The report as one self-contained HTML page (inline CSS and SVG, nothing fetched), every value escaped."""
    e = html.escape
    facts = "".join(f"<tr><th>{e(label)}</th><td>{e(value)}</td></tr>" for label, value in report.facts())
    flags = "".join(f"<li>{e(line)}</li>" for line in report.flags())
    definitions = "".join(f"<li>{e(line)}</li>" for line in report.definitions())
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{e(report.title())}</title><style>{HTML_STYLE}</style></head><body>"
        f"<h1>{e(report.title())}</h1><p class=\"muted\">{e(report.subtitle())}</p>"
        f"<table class=\"facts\">{facts}</table>"
        f"<h2>Pain, session by session</h2><p>{e(report.expected_words())}</p>"
        f"<figure>{_svg(report)}</figure>"
        f"<h2>Flags</h2><ul>{flags}</ul>"
        f"<h2>Definitions and settings</h2><ul class=\"definitions\">{definitions}</ul>"
        f"<p class=\"muted definitions\">Pseudonymous ids only. From the clinic's records as of "
        f"{report.as_of:%Y-%m-%d}.</p>"
        "</body></html>\n"
    )


# ---------------------------------------------------------------- PDF

def find_fonts(dirs=FONT_DIRS) -> dict[str, Path] | None:
    """DejaVu Sans (regular and bold) from the first folder holding both, or None."""
    for folder in dirs:
        found = {style: Path(folder) / name for style, name in FONT_FILES.items()}
        if all(p.is_file() for p in found.values()):
            return found
    return None


def ascii_text(text: str) -> str:
    """Text the PDF's built-in fonts can print: the typographic signs as ASCII, anything else outside
    Latin-1 as '?'."""
    for sign, plain in ASCII.items():
        text = text.replace(sign, plain)
    return text.encode("latin-1", errors="replace").decode("latin-1")


def _rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))


def pdf_bytes(report: Report, font_dirs=FONT_DIRS) -> bytes:
    """The report as a one-page A4 PDF."""
    from fpdf import FPDF

    fonts = find_fonts(font_dirs)
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(14, 12, 14)
    pdf.set_title(ascii_text(report.title()))
    pdf.set_creator("clinic progress report")
    if fonts:
        for style, path in fonts.items():
            pdf.add_font("DejaVu", style, str(path))
        family, write = "DejaVu", (lambda text: text)
    else:
        family, write = "helvetica", ascii_text
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin

    def font(size: float, bold: bool = False, colour: str = INK) -> None:
        pdf.set_font(family, "B" if bold else "", size)
        pdf.set_text_color(*_rgb(colour))

    def para(text: str, size: float = 9, bold: bool = False, colour: str = INK, height: float | None = None):
        font(size, bold, colour)
        pdf.multi_cell(width, height or size * 0.45, write(text), new_x="LMARGIN", new_y="NEXT", align="L")

    para(report.title(), 14, bold=True, height=7)
    para(report.subtitle(), 9, colour=MUTED)
    pdf.ln(2)
    for label, value in report.facts():
        y0 = pdf.get_y()
        font(9, bold=True)
        pdf.set_xy(pdf.l_margin, y0)
        pdf.multi_cell(44, 4.3, write(label), align="L")
        y_label = pdf.get_y()
        font(9)
        pdf.set_xy(pdf.l_margin + 45, y0)
        pdf.multi_cell(width - 45, 4.3, write(value), align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.set_y(max(y_label, pdf.get_y()) + 0.8)
    pdf.ln(1)
    para("Pain, session by session", 11, bold=True, height=6)
    para(report.expected_words(), 8.5)
    chart_w, chart_h = width, 92.0
    top = pdf.get_y() + 1
    _paint_pdf(pdf, chart_shapes(report, chart_w, chart_h), pdf.l_margin, top, family, write)
    pdf.set_y(top + chart_h + 2)
    para("Flags", 11, bold=True, height=6)
    for line in report.flags():
        para(f"• {line}" if fonts else f"- {line}", 8.5)
    pdf.ln(1.5)
    para("Definitions and settings", 11, bold=True, height=6)
    for line in report.definitions():
        para(line, 7, colour="#444444", height=3.2)
    pdf.ln(1)
    para(f"Pseudonymous ids only. From the clinic's records as of {report.as_of:%Y-%m-%d}.", 7, colour=MUTED,
         height=3.2)
    if pdf.page_no() != 1 or pdf.get_y() > pdf.h - 8:
        raise RuntimeError("the progress report does not fit on one page")
    return bytes(pdf.output())


def _paint_pdf(pdf, shapes: list[Shape], x0: float, y0: float, family: str, write) -> None:
    for s in shapes:
        pts = [(x0 + px, y0 + py) for px, py in s.points]
        if s.kind == "polygon":
            pdf.set_fill_color(*_rgb(s.colour))
            pdf.polygon(pts, style="F")
        elif s.kind == "line":
            pdf.set_draw_color(*_rgb(s.colour))
            pdf.set_line_width(s.width)
            pdf.set_dash_pattern(dash=1.5, gap=1.0) if s.dash else pdf.set_dash_pattern()
            pdf.polyline(pts, style="D")
            pdf.set_dash_pattern()
        elif s.kind == "circle":
            (px, py), = pts
            pdf.set_fill_color(*_rgb(s.colour))
            pdf.circle(px, py, s.width, style="F")
        elif s.kind == "square":
            (px, py), = pts
            pdf.set_fill_color(*_rgb(s.colour))
            pdf.rect(px - s.width, py - s.width, 2 * s.width, 2 * s.width, style="F")
        elif s.kind == "text":
            (px, py), = pts
            pdf.set_font(family, "", s.size)
            pdf.set_text_color(*_rgb(s.colour))
            text = write(s.text)
            shift = {"start": 0, "middle": pdf.get_string_width(text) / 2, "end": pdf.get_string_width(text)}
            pdf.text(px - shift[s.anchor], py, text)


def render(report: Report, kind: str) -> bytes:
    """The report as 'pdf' or 'html' bytes."""
    if kind == "pdf":
        return pdf_bytes(report)
    if kind == "html":
        return html_text(report).encode("utf-8")
    raise ValueError(f"unknown report kind {kind!r}; use pdf or html")
