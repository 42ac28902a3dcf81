"""The Import page's mapping step, without Streamlit: the choices it offers and the profile they make.

A person maps a practice-software export's columns to the import contract (clinic.mapping) by
choosing, for each contract field, one *option*: a short token the page's select boxes hold.

    "none"            the field is not in the file
    "col:<column>"    the column's value
    "date:<column>"   the date in a date-time column;  "time:<column>" its time
    "const"           a constant typed by the person
    "flags"           (status only) the file's yes/no arrival flags, one column each

Everything the page shows of the file goes through here, and only values of mapped columns come
out: the distinct values of a column mapped to a field whose values are translated, and the
preview of the rows as they would be stored. A dropped or unmapped column's values never leave
this module (they are read for nothing but telling whether a column holds date-times).
"""
from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field

import pandas as pd

from clinic import importer, mapping

NONE = "none"
CONSTANT = "const"
FLAGS = "flags"
KEEP = "keep"                 # a value translation that leaves the value as it is
MOST_VALUES = 50              # distinct values offered for translation
DATE_TIME_SHARE = 0.6         # a column "holds date-times" when this share of its sample values read as one

FORMAT_LABELS = {"iso": "YYYY-MM-DD", "dmy": "DD/MM/YYYY", "mdy": "MM/DD/YYYY"}
KIND_LABELS = {"sessions": "sessions (one row per booked session)",
               "patients": "patients (one row per patient)",
               "courses": "courses (one row per course)",
               "scores": "pain scores (one row per scored session, merged onto stored sessions)"}
FLAG_LABELS = {"attended": "attended: the column", "no_show": "no_show: the column",
               "cancelled": "cancelled: the column"}
DATE_FIELDS = ("session_date", "start_date", "referral_date")
TIME_FIELDS = ("session_time",)


def option_label(token: str) -> str:
    """What a select box shows for an option token."""
    if token == NONE:
        return "— not in the file —"
    if token == CONSTANT:
        return "a constant…"
    if token == FLAGS:
        return "from arrival flags"
    how, _, column = token.partition(":")
    if how == "date":
        return f"date in {column}"
    if how == "time":
        return f"time in {column}"
    return column


def translation_label(value: str) -> str:
    return "keep as is (the row is rejected unless it is already valid)" if value == KEEP else value


def field_label(kind: str, name: str) -> str:
    return f"{name} (required)" if name in importer.KINDS[kind].required else name


def fields_of(kind: str) -> list[str]:
    """The contract's fields of a kind, required ones first, then in the contract's order."""
    parsers = importer.KINDS[kind].parsers
    required = importer.KINDS[kind].required
    return list(required) + [f for f in parsers if f not in required]


# ---------------------------------------------------------------- what the file offers

def _row(fields) -> list:
    return fields.fields if isinstance(fields, importer.Misfit) else fields


def date_time_columns(table: importer.Table) -> dict[str, str]:
    """{column: date format} for each column most of whose (first 200) values read as a date or a
    date-time in one of the written forms mapping.PART_FORMATS."""
    found = {}
    for position, name in enumerate(table.header):
        if not name or name in found:
            continue
        values = mapping.samples(table, position)
        if not values:
            continue
        fmt = mapping.date_format_of(values)
        if mapping.reads_as(values, "date", fmt) >= DATE_TIME_SHARE:
            found[name] = fmt
    return found


def field_options(kind: str, name: str, header, date_times: dict[str, str]) -> list[str]:
    """The option tokens offered for one field: not in the file, each column, the date (or time) part
    of a date-time column for a date (time) field, a constant, and arrival flags for status."""
    columns = [h for h in dict.fromkeys(header) if h]
    options = [NONE] + [f"col:{c}" for c in columns]
    if name in DATE_FIELDS:
        options += [f"date:{c}" for c in columns if c in date_times]
    if name in TIME_FIELDS:
        options += [f"time:{c}" for c in columns if c in date_times]
    options.append(CONSTANT)
    if kind == "sessions" and name == "status":
        options.append(FLAGS)
    return options


def flag_options(header) -> list[str]:
    return [NONE] + [f"col:{c}" for c in dict.fromkeys(header) if c]


# ---------------------------------------------------------------- a profile <-> the form's choices

@dataclass
class Choices:
    """The mapping step's state: what each widget holds."""
    kind: str
    sources: dict[str, str] = field(default_factory=dict)         # field -> option token
    constants: dict[str, str] = field(default_factory=dict)       # field -> constant text
    flags: dict[str, str] = field(default_factory=dict)           # attended/no_show/cancelled -> option token
    date_format: str = "iso"
    values: dict[str, dict[str, str]] = field(default_factory=dict)   # field -> {value: contract value or KEEP}
    drop: list[str] = field(default_factory=list)


def token_of(source: mapping.Source | None) -> str:
    if source is None:
        return NONE
    if source.how == "constant":
        return CONSTANT
    if source.how == "flags":
        return FLAGS
    if source.how in ("date", "time"):
        return f"{source.how}:{source.column}"
    return f"col:{source.column}"


def choices_from(profile: mapping.Profile, date_times: dict[str, str] | None = None) -> Choices:
    """The form's first state: what a (suggested or saved) profile says."""
    sources = {name: token_of(profile.fields.get(name)) for name in fields_of(profile.kind)}
    constants = {name: s.value for name, s in profile.fields.items() if s.how == "constant"}
    status = profile.fields.get("status")
    flags = {what: NONE for what in mapping.STATUS_FLAGS}
    if status is not None and status.how == "flags":
        flags.update({what: f"col:{c}" for what, c in status.flags})
    formats = [s.format for s in profile.fields.values() if s.how in ("date", "time")]
    if not formats and date_times:
        formats = list(date_times.values())
    return Choices(kind=profile.kind, sources=sources, constants=constants, flags=flags,
                   date_format=formats[0] if formats else "iso",
                   values={f: dict(v) for f, v in profile.values.items()}, drop=list(profile.drop))


def source_of(token: str, constant: str | None, flags: dict[str, str], date_format: str) -> mapping.Source | None:
    if token == NONE:
        return None
    if token == CONSTANT:
        return mapping.constant(constant or "")
    if token == FLAGS:
        return mapping.flags(**{what: t.partition(":")[2] for what, t in flags.items() if t != NONE})
    how, _, column = token.partition(":")
    if how in ("date", "time"):
        return mapping.part(column, how, date_format)
    return mapping.column(column)


def profile_from(choices: Choices, header) -> mapping.Profile:
    """The profile the form's choices make, for a file with this (normalised) header."""
    fields = {}
    for name in fields_of(choices.kind):
        source = source_of(choices.sources.get(name, NONE), choices.constants.get(name), choices.flags,
                           choices.date_format)
        if source is not None:
            fields[name] = source
    values = {}
    for name, table in choices.values.items():
        source = fields.get(name)
        if source is None or source.how != "column":
            continue
        kept = {value: becomes for value, becomes in table.items() if becomes != KEEP}
        if kept:
            values[name] = kept
    return mapping.Profile(choices.kind, fields, values, sorted(set(choices.drop)), list(header))


def uses_date_parts(choices: Choices) -> bool:
    return any(t.startswith(("date:", "time:")) for t in choices.sources.values())


# ---------------------------------------------------------------- value translation

def translated_fields(kind: str, profile: mapping.Profile) -> list[str]:
    """Fields mapped from a column whose values must be among a few (status, sex, diagnosis, imaging,
    true/false fields): their distinct values are offered for translation."""
    return [name for name, source in profile.fields.items()
            if source.how == "column" and mapping.allowed_values(kind, name) is not None]


def distinct_values(table: importer.Table, column: str, most: int = MOST_VALUES) -> tuple[list[tuple[str, int]], int]:
    """([(value, rows)], how many more distinct values there are) of one (mapped) column: trimmed,
    matched in any case as the translation matches them, the most frequent first (then by value)."""
    try:
        position = table.header.index(column)
    except ValueError:
        return [], 0
    counts: Counter = Counter()
    shown: dict[str, str] = {}
    for _, fields in table.records:
        row = _row(fields)
        text = importer._text(row[position]) if position < len(row) else ""
        if text == "":
            continue
        key = text.casefold()
        shown.setdefault(key, text)
        counts[key] += 1
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], shown[kv[0]]))
    return [(shown[k], n) for k, n in ranked[:most]], max(len(ranked) - most, 0)


_SEX_WORDS = {"female": "F", "woman": "F", "f": "F", "male": "M", "man": "M", "m": "M", "x": "X",
              "other": "X", "diverse": "X", "non_binary": "X", "nonbinary": "X"}


def suggested_translation(kind: str, name: str, value: str, suggested: dict[str, str] | None = None) -> str:
    """The translation the form offers first for one value: the profile's own, a word the importer
    already takes as it is (KEEP), a known word for an allowed value, else KEEP (the row is rejected)."""
    allowed = mapping.allowed_values(kind, name) or ()
    for source_value, becomes in (suggested or {}).items():
        if source_value.strip().casefold() == value.casefold() and becomes in allowed:
            return becomes
    parser = importer.KINDS[kind].parsers[name]
    try:
        parser(value)
        return KEEP                          # already valid: status in any case, yes/no, F/M/X ...
    except importer.BadValue:
        pass
    word = re.sub(r"[^a-z]+", "_", value.casefold()).strip("_")
    if name == "status":
        return mapping.STATUS_WORDS.get(word, KEEP)
    if name == "sex":
        return _SEX_WORDS.get(word, KEEP)
    if allowed == ("true", "false"):
        if word in mapping.TRUE_WORDS:
            return "true"
        if word in mapping.FALSE_WORDS:
            return "false"
    return KEEP


def will_be_rejected(kind: str, name: str, value: str, becomes: str) -> bool:
    if becomes != KEEP:
        return False
    try:
        importer.KINDS[kind].parsers[name](value)
        return False
    except importer.BadValue:
        return True


# ---------------------------------------------------------------- the preview

def _shown(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def preview_frames(profile: mapping.Profile, table: importer.Table, today: dt.date,
                   rows: int = mapping.PREVIEW_ROWS) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the first `rows` data rows as they would be stored, the rejects they would give), as text
    tables: only the mapped fields, so nothing of a dropped column. Raises importer.ImportRefused
    when the profile does not fit the file (profile.problems says why)."""
    accepted, rejects = mapping.preview(profile, table, today, rows)
    names = [f for f in importer.KINDS[profile.kind].parsers if f in profile.fields]
    stored = pd.DataFrame([{"line": row["line"], **{n: _shown(row.get(n)) for n in names}} for row in accepted],
                          columns=["line", *names])
    stored["line"] = stored["line"].astype("int64")
    rejected = pd.DataFrame([{"line": r.line, "column": r.column or "", "value": r.value or "", "reason": r.reason}
                             for r in rejects], columns=["line", "column", "value", "reason"])
    rejected["line"] = rejected["line"].astype("int64")
    return stored, rejected
