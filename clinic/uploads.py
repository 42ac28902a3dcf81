"""The Import page's logic, testable without Streamlit: save uploads, import them, shape the results.

An upload to be mapped (clinic.mapping: it may hold names) is read from memory and never written
anywhere. Other uploaded files are written into a private folder beside the database (`uploads/`, readable by
its owner only; each file 0600), one fresh sub-folder per import and one per file, so two files
with the same name never overwrite each other. They are imported with clinic.importer, and the
sub-folder is removed afterwards whatever happens; what a killed server leaves behind is removed
by the next import (clinic.importer.remove_stale_uploads). On disk a file gets a short, safe form
of its name; the results keep the names the files were uploaded with (cut to SHOWN_NAME_CHARS, without
control characters). The import contract itself (what is required, what is refused, the limits) is
read from clinic.importer so the page can never contradict it.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import shutil
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Iterable

import duckdb
import pandas as pd

from clinic import importer, mapping, store
from clinic.db import ROOT, DatabaseLocked, NotADatabase

__all__ = ["Upload", "DatabaseLocked", "ImportFailed", "run_import", "summary_frame", "refused_frame", "totals",
           "rejects_frame", "rejects_csv", "contract_frame", "identifier_columns", "readme_section", "example_files",
           "limits_text", "Inspection", "inspect", "read_for_mapping", "save_profile", "load_profile"]

ACCEPTED_TYPES = ("csv", "xlsx")
LOCK_WAIT_SECONDS = importer.LOCK_WAIT_SECONDS
README = ROOT / "README.md"
MAX_UPLOAD_MB = 200            # the largest upload, as server.maxUploadSize in .streamlit/config.toml
MAX_NAME_BYTES = 120           # a saved upload's name on disk (file systems allow 255 bytes)
SHOWN_NAME_CHARS = 120         # an uploaded name as the results show it


Refused = importer.ImportRefused     # a file that cannot be read, or a mapping that does not fit it


class ImportFailed(RuntimeError):
    """The import could not finish (the disk, the database); the message says so in plain words."""

Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class Upload:
    """One uploaded file: the name it was uploaded with and its bytes."""
    name: str
    data: bytes


def _cut_utf8(text: str, most_bytes: int) -> str:
    return text.encode("utf-8")[:most_bytes].decode("utf-8", errors="ignore")


def safe_name(name: str) -> str:
    """A file name that is safe to write: no folders, no control characters, never empty or hidden,
    at most MAX_NAME_BYTES bytes.

    The suffix is kept (the importer tells CSV from XLSX by it).
    """
    base = re.split(r"[\\/]", str(name))[-1]
    base = re.sub(r"[\x00-\x1f\x7f]", "", base).strip().lstrip(".")
    base = re.sub(r'[<>:"|?*]', "_", base)
    suffix = Path(base).suffix if base else ""
    if len(suffix.encode("utf-8")) > 10:
        suffix = ""
    stem = _cut_utf8(base[:len(base) - len(suffix)], MAX_NAME_BYTES - len(suffix.encode("utf-8"))).strip()
    if not stem:
        return "upload" + suffix
    return stem + suffix


def shown_name(name: str) -> str:
    """An uploaded name as the results show it: control characters as "?", at most SHOWN_NAME_CHARS long."""
    text = re.sub(r"[\x00-\x1f\x7f-\x9f]", "?", str(name))
    return text if len(text) <= SHOWN_NAME_CHARS else text[:SHOWN_NAME_CHARS - 1] + "…"


def save_uploads(uploads: Iterable[Upload], folder: Path) -> list[Path]:
    """Writes each upload to folder/<n>/<safe name>, readable by its owner only; returns the paths
    in upload order."""
    paths = []
    for n, upload in enumerate(uploads):
        target = Path(folder) / str(n) / safe_name(upload.name)
        target.parent.mkdir(mode=0o700)
        importer.write_private(target, upload.data)
        paths.append(target)
    return paths


def run_import(uploads: Iterable[Upload], db_path: str | Path, progress: Progress | None = None,
               today: dt.date | None = None, rejects_dir: str | Path | None = None,
               wait_seconds: float = LOCK_WAIT_SECONDS,
               profile: mapping.Profile | str | None = None, seen: dict | None = None) -> list[importer.FileResult]:
    """Imports the uploads into the database at db_path (created when missing), in upload order.

    `profile` (a mapping.Profile, or the name of a saved one) maps every upload's columns to the
    contract's; without it an upload whose header a saved profile was made for is mapped by that one.

    Returns one FileResult per upload, its `file` being the uploaded name (as shown_name gives it).
    An upload that will be mapped (a profile is given, or its columns are not the contract's: it may
    hold names) is read from memory and never written to disk. The others are saved in a fresh folder
    under importer.upload_folder(db_path), for DuckDB's CSV reader, and removed before returning.
    `seen` (digest -> (header, refusal), as inspect() keeps it) spares reading an upload again to
    tell which it is. Raises DatabaseLocked when the database stays busy (another process importing,
    or a reader of this process) for wait_seconds: nothing is written in that case. Raises ImportFailed
    when the disk or the database fails; every file is stored whole or not at all.
    """
    uploads = list(uploads)
    if not uploads:
        return []
    folder = None
    held = [held_upload(n, u) for n, u in enumerate(uploads)]
    in_memory = [profile is not None or _refused(h, (seen or {}).get(digest_of(u))) for h, u in zip(held, uploads)]
    try:
        folder = Path(tempfile.mkdtemp(prefix="import-", dir=importer.upload_folder(db_path)))
        saved = iter(save_uploads([u for u, m in zip(uploads, in_memory) if not m], folder))
        paths = [h if m else next(saved) for h, m in zip(held, in_memory)]
        store.release_reader()          # this run's own read connection would hold the file against the import
        results = importer.import_files(paths, db_path, today=today, progress=progress,
                                        rejects_dir=rejects_dir, wait_seconds=wait_seconds, profile=profile)
    except OSError as exc:
        raise ImportFailed(f"the files could not be saved or read beside the database "
                           f"({exc.strerror or type(exc).__name__})") from None
    except duckdb.Error as exc:
        raise ImportFailed(f"the database could not be written ({importer.error_text(exc)[:200]})") from None
    except NotADatabase as exc:
        raise ImportFailed(str(exc)) from None
    finally:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
    names = {str(p): shown_name(u.name) for p, u in zip(paths, uploads)}
    return [replace(r, file=names.get(r.file, Path(r.file).name)) for r in results]


# ---------------------------------------------------------------- before the import: what each file needs

@dataclass(frozen=True)
class Inspection:
    """What the page knows of one chosen file before anything is imported.

    header: the file's normalised column names (None when the file cannot be read at all);
    refused: why an import in the contract's columns would refuse it (None: it imports as it is);
    profile: (name, version) of the saved mapping profile made for this header, which the import
    applies by itself. Nothing of the file's rows is kept here.
    """
    name: str
    digest: str
    header: tuple[str, ...] | None
    refused: str | None
    profile: tuple[str, int] | None = None

    @property
    def unreadable(self) -> bool:
        """The file cannot be read (not UTF-8, empty, over a limit): no mapping helps."""
        return self.header is None

    @property
    def needs_mapping(self) -> bool:
        """Its columns are not the contract's and no saved profile maps them."""
        return self.header is not None and self.refused is not None and self.profile is None

    def verdict(self) -> str:
        """One plain sentence on what Import will do with the file."""
        if self.profile is not None:
            return f"will be mapped with profile {self.profile[0]} v{self.profile[1]}"
        if self.unreadable:
            return f"cannot be imported: {self.refused}"
        if self.refused is not None:
            return "needs a mapping of its columns (below): Import alone refuses it"
        return "ready: its columns are the import contract's"


def digest_of(upload: Upload) -> str:
    return hashlib.sha256(upload.data).hexdigest()


def _refused(held: importer.Held, known: tuple | None) -> bool:
    """Whether a contract import refuses the upload: as inspect() found it (`known`, its (header,
    refusal) kept by the page), else read now."""
    return (known[1] if known is not None else importer.prepare(held).result.refused) is not None


def held_upload(number: int, upload: Upload) -> importer.Held:
    """An upload as the importer reads it from memory (never written to disk)."""
    return importer.Held(f"upload-{number}/{safe_name(upload.name)}", safe_name(upload.name), upload.data)


def saved_profile_for(header, db_path: str | Path) -> tuple[str, int] | None:
    """(name, version) of the saved profile the import would apply to a file with this header."""
    path = Path(db_path)
    if header is None or not path.is_file():
        return None
    try:
        with store.reading(path) as con:
            found = mapping.for_header(con, list(header))
    except (duckdb.Error, DatabaseLocked, NotADatabase, OSError, mapping.ProfileError):
        return None
    return (found[0], found[2]) if found else None


def load_profile(db_path: str | Path, name: str) -> mapping.Profile:
    """The newest version of a saved profile (raises mapping.ProfileError when there is none)."""
    try:
        with store.reading(Path(db_path)) as con:
            return mapping.load(con, name)
    except (duckdb.Error, OSError) as exc:
        raise mapping.ProfileError(f"the profile {name!r} could not be read ({exc})") from None


def inspect(upload: Upload, db_path: str | Path, seen: dict | None = None) -> Inspection:
    """Reads the header of an upload and says whether Import takes it as it is, maps it with a saved
    profile, or needs a person to map it. `seen` (digest -> (header, refused)), kept by the caller
    between reruns, spares reading the same bytes again; the saved profile is looked up every time,
    so one saved meanwhile is found."""
    digest = digest_of(upload)
    if seen is not None and digest in seen:
        header, refused = seen[digest]
    else:
        prepared = importer.prepare(held_upload(0, upload))
        header = tuple(prepared.header) if prepared.header is not None else None
        refused = prepared.result.refused
        if seen is not None:
            seen[digest] = (header, refused)
    return Inspection(shown_name(upload.name), digest, header, refused, saved_profile_for(header, db_path))


def read_for_mapping(upload: Upload, db_path: str | Path) -> importer.Table:
    """The upload's rows, read as the importer reads a file to map (raises importer.ImportRefused
    with the reason when it cannot be), from memory. The rows live only as long as the caller holds them."""
    table, _ = importer.read_table(held_upload(0, upload), records=True)
    return table


def save_profile(db_path: str | Path, name: str, profile: mapping.Profile, made_by: str | None,
                 wait_seconds: float = LOCK_WAIT_SECONDS) -> int:
    """Saves a mapping profile as the newest version of `name` (returns the version). A database made
    by this first write is created readable by its owner only, as an import makes it. Raises
    mapping.ProfileError (a bad name or profile), DatabaseLocked, or ImportFailed."""
    path = Path(db_path)
    store.release_reader()              # this run's own read connection would hold the file against the write
    try:
        importer.private_folder(path.parent)
        with importer.private_files():
            return mapping.save(path, name, profile, made_by, wait_seconds=wait_seconds)
    except OSError as exc:
        raise ImportFailed(f"the profile could not be saved ({exc.strerror or type(exc).__name__})") from None
    except duckdb.Error as exc:
        raise ImportFailed(f"the database could not be written ({importer.error_text(exc)[:200]})") from None
    except NotADatabase as exc:
        raise ImportFailed(str(exc)) from None


def limits_text(max_upload_mb: int = MAX_UPLOAD_MB) -> str:
    """The import's limits in one sentence, from the importer's constants."""
    return (f"Each file may be up to {max_upload_mb} MB, with at most {importer.MAX_ROWS:,} rows and "
            f"{importer.MAX_COLUMNS} columns; a field (a note) may hold up to {importer.MAX_FIELD_CHARS:,} "
            "characters. A longer field rejects its row; a file over a limit is refused whole, saying which.")


def escape_markdown(text: str) -> str:
    """Text (an uploaded file's name in a progress message) shown literally where Streamlit renders markdown."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~$:])", r"\\\1", str(text))


# ---------------------------------------------------------------- results as tables

SUMMARY_LABELS = {
    "file": "File", "status": "Result", "kind": "Kind", "rows_read": "Rows read", "new": "New",
    "updated": "Updated", "unchanged": "Unchanged", "rejected": "Rejected", "warnings": "Warnings",
    "profile": "Mapped with",
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
             "warnings": "; ".join(r.warnings), "profile": r.profile or ""} for r in results if not r.refused]
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
