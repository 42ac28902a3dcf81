"""The Import page's logic, testable without Streamlit: save uploads, import them, shape the results.

Uploaded files are written under their own (sanitised) names into a fresh temporary folder, one
sub-folder per upload so two files with the same name never overwrite each other, imported with
clinic.importer, and the folder is removed afterwards whatever happens. The results keep the
names the files were uploaded with. The import contract itself (what is required, what is refused)
is read from clinic.importer so the page can never contradict it.
"""
from __future__ import annotations

import datetime as dt
import re
import shutil
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Iterable

import pandas as pd

from clinic import importer
from clinic.db import ROOT, DatabaseLocked

__all__ = ["Upload", "DatabaseLocked", "run_import", "summary_frame", "refused_frame", "totals", "rejects_frame",
           "rejects_csv", "contract_frame", "identifier_columns", "readme_section", "example_files"]

ACCEPTED_TYPES = ("csv", "xlsx")
LOCK_WAIT_SECONDS = importer.LOCK_WAIT_SECONDS
README = ROOT / "README.md"

Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class Upload:
    """One uploaded file: the name it was uploaded with and its bytes."""
    name: str
    data: bytes


def safe_name(name: str) -> str:
    """A file name that is safe to write: no folders, no control characters, never empty or hidden.

    The suffix is kept (the importer tells CSV from XLSX by it).
    """
    base = re.split(r"[\\/]", str(name))[-1]
    base = re.sub(r"[\x00-\x1f\x7f]", "", base).strip().lstrip(".")
    return base or "upload"


def save_uploads(uploads: Iterable[Upload], folder: Path) -> list[Path]:
    """Writes each upload to folder/<n>/<safe name>; returns the paths in upload order."""
    paths = []
    for n, upload in enumerate(uploads):
        target = Path(folder) / str(n) / safe_name(upload.name)
        target.parent.mkdir(parents=True)
        target.write_bytes(upload.data)
        paths.append(target)
    return paths


def run_import(uploads: Iterable[Upload], db_path: str | Path, progress: Progress | None = None,
               today: dt.date | None = None, rejects_dir: str | Path | None = None,
               wait_seconds: float = LOCK_WAIT_SECONDS) -> list[importer.FileResult]:
    """Imports the uploads into the database at db_path (created when missing), in upload order.

    Returns one FileResult per upload, its `file` being the uploaded name. The temporary folder is
    removed before returning. Raises DatabaseLocked when the database stays busy (another process
    importing, or a reader of this process) for wait_seconds. Nothing is written in that case.
    """
    uploads = list(uploads)
    if not uploads:
        return []
    folder = Path(tempfile.mkdtemp(prefix="clinic-upload-"))
    try:
        paths = save_uploads(uploads, folder)
        results = importer.import_files(paths, db_path, today=today, progress=progress,
                                        rejects_dir=rejects_dir, wait_seconds=wait_seconds)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    names = {str(p): u.name for p, u in zip(paths, uploads)}
    return [replace(r, file=names.get(r.file, Path(r.file).name)) for r in results]


def escape_markdown(text: str) -> str:
    """Text (an uploaded file's name in a progress message) shown literally where Streamlit renders markdown."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~$:])", r"\\\1", str(text))


# ---------------------------------------------------------------- results as tables

SUMMARY_LABELS = {
    "file": "File", "status": "Result", "kind": "Kind", "rows_read": "Rows read", "new": "New",
    "updated": "Updated", "unchanged": "Unchanged", "rejected": "Rejected", "warnings": "Warnings",
}
COUNTS = ("rows_read", "new", "updated", "unchanged", "rejected")


def status(result: importer.FileResult) -> str:
    """A one-word verdict on a file: refused, imported, imported with rejects, or no change."""
    if result.refused:
        return "refused"
    if result.rejected:
        return "imported with rejects"
    if result.new == 0 and result.updated == 0:
        return "no change"
    return "imported"


def summary_frame(results: list[importer.FileResult]) -> pd.DataFrame:
    """One row per imported (not refused) file, in upload order, with its counts and warnings."""
    rows = [{"file": r.file, "status": status(r), "kind": r.kind, **{c: getattr(r, c) for c in COUNTS},
             "warnings": "; ".join(r.warnings)} for r in results if not r.refused]
    frame = pd.DataFrame(rows, columns=list(SUMMARY_LABELS))
    for c in COUNTS:
        frame[c] = frame[c].astype("int64")
    return frame


REFUSED_LABELS = {"file": "File", "refused": "Refused because"}


def refused_frame(results: list[importer.FileResult]) -> pd.DataFrame:
    """One row per file refused whole (nothing of it stored), in upload order, with the reason."""
    return pd.DataFrame([{"file": r.file, "refused": r.refused} for r in results if r.refused],
                        columns=list(REFUSED_LABELS))


def totals(results: list[importer.FileResult]) -> dict[str, int]:
    """Files imported and refused, and the row counts summed over the imported files."""
    counted = [r for r in results if not r.refused]
    return {"files": len(results), "imported": len(counted), "refused": len(results) - len(counted),
            **{c: sum(getattr(r, c) for r in counted) for c in COUNTS}}


REJECT_LABELS = {"line": "Line", "column": "Column", "value": "Value", "reason": "Reason"}


def rejects_frame(result: importer.FileResult) -> pd.DataFrame:
    """The rejected rows of one file: line (header = 1), column, value and reason."""
    frame = pd.DataFrame([{"line": r.line, "column": r.column or "", "value": r.value or "", "reason": r.reason}
                          for r in result.rejects], columns=list(REJECT_LABELS))
    frame["line"] = frame["line"].astype("int64")
    return frame


def rejects_csv(result: importer.FileResult) -> bytes:
    """The rejects report of one file as the command line writes it: file,line,column,value,reason."""
    return importer.rejects_csv(result)


def rejects_file_name(result: importer.FileResult) -> str:
    stem = Path(safe_name(result.file)).stem
    return f"{stem}.batch{result.batch_id}.rejects.csv" if result.batch_id is not None else f"{stem}.rejects.csv"


# ---------------------------------------------------------------- the contract, from the importer

KIND_HINTS = {"sessions": "one row per booked session; told by a session_id column",
              "courses": "optional; told by a course_id column (and no session_id)",
              "patients": "optional; told by a patient_id column only"}


def contract_frame() -> pd.DataFrame:
    """The three file kinds with their required and optional columns (from clinic.importer)."""
    rows = []
    for name in ("sessions", "patients", "courses"):
        kind = importer.KINDS[name]
        rows.append({"kind": name, "what": KIND_HINTS[name], "required": ", ".join(kind.required),
                     "optional": ", ".join(c for c in kind.columns if c not in kind.required)})
    return pd.DataFrame(rows)


def identifier_columns() -> list[str]:
    return sorted(importer.IDENTIFIER_COLUMNS)


def readme_section(title: str, readme: Path = README) -> str:
    """The text of one '## title' section of the README (empty when it is not there)."""
    try:
        text = Path(readme).read_text(encoding="utf-8")
    except OSError:
        return ""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, flags=re.S | re.M)
    return match.group(1).strip() if match else ""



EXAMPLES = ROOT / "data"


def example_files() -> dict[str, bytes]:
    """The sample files of data/ that document the contract (name -> bytes), for download."""
    names = ("sessions.csv", "patients.csv", "courses.csv", "sessions_with_errors.csv")
    return {n: (EXAMPLES / n).read_bytes() for n in names if (EXAMPLES / n).is_file()}
