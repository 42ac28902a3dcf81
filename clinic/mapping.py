"""Mapping profiles: how a practice-software export's columns and values become the import contract's.

A clinic's appointment export (Cliniko, Nookal, Halaxy, Jane, ...) has its own headers
(`Starts At`, `Practitioner`, `Patient Arrived`), its own values (`Arrived`, `DNA`,
`Non-Attendance`) and, often, patients' names. A Profile says, for one kind of contract file
(sessions, patients or courses):

- for each contract field, where its value comes from: a column of the file, the date or the time
  part of a date-time column, a constant, or (status only) the file's yes/no arrival flags;
- how values are translated (`Arrived` -> attended, `DNA` -> no_show), matched after trimming and
  in any case; a value the map does not name is passed on as it is, so the contract's rules reject it
  ("reject, never guess");
- which columns are dropped: their values are never read into the rows to store, so they reach no
  table, rejects report, log or cache.

A column whose header is a direct identifier (importer.IDENTIFIER_COLUMNS) must be marked "drop";
one whose header commonly holds a person's name (`patient`, `client`, `customer`, `contact`, any
`..._name` that is not a therapist's or a site's) must be dropped or mapped to a field by a person.
Without a profile such a file is refused whole (clinic.importer).

apply() turns a read file (importer.Table) into a contract-shaped Table with the same line numbers,
which the importer then judges by every rule of the contract. Profiles are stored in the database
(table mapping_profiles: versioned, with who saved them and when) and chosen automatically for a
file whose header is the one a profile was saved for.
"""
from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from clinic import db, importer

FORMAT = "clinic-mapping-profile/1"
KINDS = ("sessions", "patients", "courses", "scores")
PART_FORMATS = ("iso", "dmy", "mdy")         # YYYY-MM-DD, DD/MM/YYYY, MM/DD/YYYY (then an optional time)
STATUS_FLAGS = ("attended", "no_show", "cancelled")
MAX_NAME_CHARS = 80
MAX_VALUE_ENTRIES = 500                       # value translations per field
PREVIEW_ROWS = 20

# Headers that commonly hold a person's name: a person must map or drop them.
POSSIBLE_IDENTIFIERS = frozenset({"patient", "client", "customer", "contact", "person", "guest", "member",
                                  "patient_full_name", "client_name", "customer_name", "contact_name",
                                  "preferred_name", "nickname", "emergency_contact", "next_of_kin"})
_NOT_A_PATIENT = ("therapist", "practitioner", "provider", "clinician", "staff", "site", "location", "clinic",
                  "business", "appointment", "service", "treatment", "file", "user")

TRUE_WORDS = frozenset({"true", "yes", "y", "1", "x"})
FALSE_WORDS = frozenset({"false", "no", "n", "0"})

# Status words that practice software writes, and the contract's status they mean.
STATUS_WORDS = {
    "attended": "attended", "arrived": "attended", "completed": "attended", "complete": "attended",
    "seen": "attended", "present": "attended", "checked_in": "attended", "checked_out": "attended",
    "no_show": "no_show", "noshow": "no_show", "dna": "no_show", "did_not_arrive": "no_show",
    "did_not_attend": "no_show", "non_attendance": "no_show", "missed": "no_show", "failed_to_attend": "no_show",
    "cancelled": "cancelled", "canceled": "cancelled", "late_cancellation": "cancelled",
    "cancelled_by_patient": "cancelled", "cancelled_by_clinic": "cancelled", "late_cancel": "cancelled",
}

# Other names practice software gives the contract's fields (compared after header normalising).
SYNONYMS = {
    "session_id": ("appointment_id", "booking_id", "visit_id", "appointment_number", "appointment", "id"),
    "patient_id": ("patient_number", "patient_no", "client_id", "client_number", "patient_code", "file_number",
                   "patient_identifier", "customer_id"),
    "session_date": ("date", "appointment_date", "starts_at", "start", "start_time", "appointment_start",
                     "start_date_time", "date_time", "starts", "visit_date", "booking_date"),
    "session_time": ("time", "starts_at", "start_time", "appointment_time", "appointment_start", "start_date_time",
                     "date_time", "starts"),
    "therapist": ("practitioner", "provider", "clinician", "staff", "staff_member", "practitioner_name",
                  "therapist_name", "provider_name", "treating_practitioner"),
    "status": ("appointment_status", "attendance", "outcome", "arrival_status", "state"),
    "course_id": ("case_id", "episode_id", "treatment_plan", "treatment_plan_id", "case"),
    "notes": ("note", "comments", "comment", "treatment_note"),
    "pain_before": ("pain_pre", "nrs_before", "pain_start", "pain_in", "pain_before_session", "pre_pain"),
    "pain_after": ("pain_post", "nrs_after", "pain_end", "pain_out", "pain_after_session", "post_pain"),
    "muscle_tension": ("tension", "muscle_tone"),
    "start_date": ("course_start", "case_start", "plan_start", "opened"),
    "planned_sessions": ("sessions_planned", "planned_visits", "visits_planned", "plan_length"),
    "site": ("location", "clinic", "business", "branch"),
}
FLAG_NAMES = {
    "attended": ("patient_arrived", "arrived", "attended", "checked_in"),
    "no_show": ("did_not_arrive", "dna", "no_show", "did_not_attend", "non_attendance"),
    "cancelled": ("cancelled_at", "cancelled", "canceled_at", "canceled", "cancellation_date"),
}

_DATE_TIME = {
    "iso": re.compile(r"(?P<y>[0-9]{4})-(?P<m>[0-9]{1,2})-(?P<d>[0-9]{1,2})"),
    "dmy": re.compile(r"(?P<d>[0-9]{1,2})[./-](?P<m>[0-9]{1,2})[./-](?P<y>[0-9]{4})"),
    "mdy": re.compile(r"(?P<m>[0-9]{1,2})[./-](?P<d>[0-9]{1,2})[./-](?P<y>[0-9]{4})"),
}
# after the date: T or spaces, HH:MM[:SS[.fraction]] with an optional am/pm, then an optional zone
_CLOCK = re.compile(r"(?:[T ]+(?P<h>[0-9]{1,2}):(?P<min>[0-9]{2})(?::(?P<s>[0-9]{2})(?:\.[0-9]+)?)?"
                    r"\s*(?P<ampm>[aApP][mM])?(?:\s*(?:Z|[+-][0-9]{2}:?[0-9]{2}|[A-Za-z_/]+))?)?")


class ProfileError(ValueError):
    """A profile that cannot be applied, saved or read; the message says what to change."""


@dataclass(frozen=True)
class Source:
    """Where one contract field's value comes from.

    how: "column" (the column's value), "date" / "time" (that part of a date-time column, written
    as `format` says), "constant" (`value` on every row) or "flags" (status from yes/no columns:
    `flags` maps attended / no_show / cancelled to a column each, any of them optional).
    """
    how: str
    column: str | None = None
    value: str | None = None
    format: str = "iso"
    flags: tuple[tuple[str, str], ...] = ()

    def columns(self) -> list[str]:
        if self.how == "flags":
            return [c for _, c in self.flags]
        return [self.column] if self.column else []

    def as_dict(self) -> dict:
        if self.how == "constant":
            return {"constant": self.value}
        if self.how == "flags":
            return {"flags": dict(self.flags)}
        if self.how in ("date", "time"):
            return {"column": self.column, "part": self.how, "format": self.format}
        return {"column": self.column}

    def describe(self) -> str:
        if self.how == "constant":
            return f"the constant {self.value!r}"
        if self.how == "flags":
            return "from the flags " + ", ".join(f"{c} ({what})" for what, c in self.flags)
        if self.how in ("date", "time"):
            return f"the {self.how} in {self.column} ({self.format})"
        return f"column {self.column}"


def column(name: str) -> Source:
    return Source("column", column=name)


def constant(value: str) -> Source:
    return Source("constant", value=value)


def part(name: str, which: str, format: str = "iso") -> Source:
    return Source(which, column=name, format=format)


def flags(**columns: str) -> Source:
    """Status from yes/no columns, e.g. flags(attended="patient_arrived", no_show="did_not_arrive")."""
    return Source("flags", flags=tuple((k, columns[k]) for k in STATUS_FLAGS if columns.get(k)))


@dataclass
class Profile:
    kind: str
    fields: dict[str, Source]
    values: dict[str, dict[str, str]] = field(default_factory=dict)   # field -> {source value: contract value}
    drop: list[str] = field(default_factory=list)
    header: list[str] = field(default_factory=list)                    # the header it was made for

    # ------------------------------------------------------------ as JSON (export, import, storage)
    def as_dict(self, name: str | None = None) -> dict:
        return {"format": FORMAT, "name": name, "kind": self.kind, "header": list(self.header),
                "fields": {f: s.as_dict() for f, s in self.fields.items()},
                "values": {f: dict(v) for f, v in self.values.items() if v},
                "drop": sorted(set(self.drop))}

    @classmethod
    def from_dict(cls, data) -> Profile:
        """A profile from its JSON form; anything malformed raises ProfileError."""
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ProfileError(f"not a mapping profile (expected \"format\": \"{FORMAT}\")")
        kind = data.get("kind")
        if kind not in KINDS:
            raise ProfileError(f"the profile's kind must be one of {', '.join(KINDS)}")
        header = _texts(data.get("header", []), "header")
        fields_in = data.get("fields")
        if not isinstance(fields_in, dict):
            raise ProfileError("the profile's fields must be an object")
        fields = {}
        for name, spec in fields_in.items():
            fields[_text_of(name, "a field name")] = _source_from(name, spec)
        values_in = data.get("values", {})
        if not isinstance(values_in, dict):
            raise ProfileError("the profile's values must be an object")
        values = {}
        for name, table in values_in.items():
            if not isinstance(table, dict) or len(table) > MAX_VALUE_ENTRIES:
                raise ProfileError(f"the value translations of {name} must be an object of at most "
                                   f"{MAX_VALUE_ENTRIES} entries")
            values[_text_of(name, "a field name")] = {_text_of(k, "a value"): _text_of(v, "a value")
                                                      for k, v in table.items()}
        profile = cls(kind=kind, fields=fields, values=values, drop=_texts(data.get("drop", []), "drop"),
                      header=header)
        shape = profile.shape_problems()
        if shape:
            raise ProfileError("; ".join(shape))
        return profile

    def to_json(self, name: str | None = None) -> str:
        return json.dumps(self.as_dict(name), indent=2, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Profile:
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as exc:
            raise ProfileError(f"not a mapping profile: the file is not JSON ({exc})") from None
        return cls.from_dict(data)

    # ------------------------------------------------------------ checks
    def shape_problems(self) -> list[str]:
        """What is wrong with the profile whatever the file: unknown fields, targets, formats."""
        kind = importer.KINDS[self.kind]
        problems = []
        for name, source in self.fields.items():
            if name not in kind.parsers:
                problems.append(f"{name} is not a field of a {self.kind} file")
            elif source.how == "flags" and name != "status":
                problems.append(f"{name} cannot come from arrival flags (only status can)")
            elif source.how == "flags" and not source.flags:
                problems.append("status from flags needs at least one flag column")
            elif source.how in ("date", "time") and source.format not in PART_FORMATS:
                problems.append(f"{name}: the date format must be one of {', '.join(PART_FORMATS)}")
            elif source.how == "constant" and (source.value is None or len(source.value) > importer.MAX_FIELD_CHARS):
                problems.append(f"{name}: a constant needs a value")
        for name, table in self.values.items():
            if name not in kind.parsers:
                problems.append(f"values are translated for {name}, which is not a field of a {self.kind} file")
                continue
            allowed = allowed_values(self.kind, name)
            bad = sorted({v for v in table.values() if allowed is not None and v not in allowed})
            if bad:
                problems.append(f"{name} values can only become {', '.join(allowed)} (not {', '.join(bad[:5])})")
        return problems

    def problems(self, header: list[str]) -> list[str]:
        """What stops this profile from importing a file with this (normalised) header."""
        kind = importer.KINDS[self.kind]
        found = set(header)
        used = {c for s in self.fields.values() for c in s.columns()}
        problems = self.shape_problems()
        missing = sorted(c for c in used | set(self.drop) if c not in found)
        if missing:
            problems.append(f"the file has no column(s) {', '.join(missing)}")
        both = sorted(used & set(self.drop))
        if both:
            problems.append(f"column(s) {', '.join(both)} are marked drop and also mapped to a field")
        direct, possible = identifier_columns(header)
        mapped_direct = sorted(c for c in direct if c in used)
        if mapped_direct:
            problems.append(f"column(s) {', '.join(mapped_direct)} hold direct identifiers of a person and can "
                            "only be dropped")
        undecided = sorted(c for c in direct + possible if c not in used and c not in self.drop)
        if undecided:
            problems.append(f"column(s) {', '.join(undecided)} may hold patients' names or contact details: "
                            "mark each one drop (or map it to a field if it holds no names)")
        unsourced = [f for f in kind.required if f not in self.fields]
        if unsourced:
            problems.append(f"a {self.kind} file needs a source for {', '.join(unsourced)}")
        if self.kind == "scores":
            if "session_id" not in self.fields and not {"patient_id", "session_date"} <= self.fields.keys():
                problems.append("a scores file needs a source for session_id, or for patient_id and session_date")
            if not any(f in self.fields for f in importer.SCORE_FIELDS):
                problems.append(f"a scores file needs a source for one of {', '.join(importer.SCORE_FIELDS)}")
        return problems

    def header_key(self) -> str:
        return header_key(self.header)


def _text_of(value, what: str) -> str:
    if not isinstance(value, str) or len(value) > importer.MAX_FIELD_CHARS:
        raise ProfileError(f"{what} in the profile must be text")
    return value


def _texts(value, what: str) -> list[str]:
    if not isinstance(value, list) or len(value) > importer.MAX_COLUMNS:
        raise ProfileError(f"the profile's {what} must be a list of at most {importer.MAX_COLUMNS} names")
    return [_text_of(v, f"a name in {what}") for v in value]


def _source_from(name, spec) -> Source:
    if not isinstance(spec, dict):
        raise ProfileError(f"the source of {name} must be an object")
    if "constant" in spec:
        return constant(_text_of(spec["constant"], f"the constant of {name}"))
    if "flags" in spec:
        table = spec["flags"]
        if not isinstance(table, dict) or any(k not in STATUS_FLAGS for k in table):
            raise ProfileError(f"the flags of {name} must map some of {', '.join(STATUS_FLAGS)} to columns")
        return flags(**{k: _text_of(v, f"a flag column of {name}") for k, v in table.items()})
    if "column" in spec:
        column_name = _text_of(spec["column"], f"the column of {name}")
        which = spec.get("part")
        if which is None:
            return column(column_name)
        if which not in ("date", "time"):
            raise ProfileError(f"the part of {name} must be date or time")
        return part(column_name, which, _text_of(spec.get("format", "iso"), f"the format of {name}"))
    raise ProfileError(f"the source of {name} must name a column, a constant or flags")


def allowed_values(kind: str, name: str) -> tuple[str, ...] | None:
    """The values a translation may produce for a field (None: any text)."""
    if name == "status":
        return importer.STATUSES
    if kind == "patients" and name == "sex":
        return ("F", "M", "X")
    if kind == "patients" and name == "diagnosis":
        return ("disc_herniation", "piriformis_syndrome", "spinal_stenosis", "other")
    if kind == "patients" and name == "imaging":
        return ("mri", "ct", "xray", "none")
    if importer.KINDS[kind].parsers.get(name) is importer.boolean:
        return ("true", "false")
    return None


def header_key(header: list[str]) -> str:
    """What a saved profile is matched by: the normalised header, in order."""
    return hashlib.sha256(json.dumps(list(header)).encode("utf-8")).hexdigest()


def identifier_columns(header: list[str]) -> tuple[list[str], list[str]]:
    """(direct identifiers, columns that may hold a person's name) among the normalised header."""
    direct = [h for h in header if h in importer.IDENTIFIER_COLUMNS]
    possible = [h for h in header if h not in importer.IDENTIFIER_COLUMNS and _may_hold_a_name(h)]
    return direct, possible


APPOINTMENT_COLUMNS = frozenset({
    "appointment_id", "booking_id", "visit_id", "appointment_date", "appointment_start", "appointment_time",
    "appointment_type", "appointment_status", "starts_at", "ends_at", "start_time", "end_time", "practitioner",
    "provider", "clinician", "therapist", "status", "session_date", "session_time", "pain_before", "pain_after",
    "patient_arrived", "did_not_arrive", "cancelled_at", "arrived", "dna", "no_show", "attendance",
})


def appointment_columns(header: list[str]) -> list[str]:
    """The columns of a header that belong to appointments (sessions), not to patients or courses:
    a file with them but no session_id is an export to map, not a patients or courses file."""
    return [h for h in header if h in APPOINTMENT_COLUMNS]


def _may_hold_a_name(header: str) -> bool:
    if header in POSSIBLE_IDENTIFIERS:
        return True
    words = header.split("_")
    return "name" in words and not any(w in _NOT_A_PATIENT for w in words)


# ---------------------------------------------------------------- applying a profile

def _key(value) -> str:
    return importer._text(value).casefold()


def _date_time(value, which: str, fmt: str):
    """The date or time part of a date-time cell or text; the text itself when it does not read as one
    (the contract's rules then reject it with its value)."""
    if isinstance(value, dt.datetime):
        if which == "date":
            return value.date()
        return value.time()
    if isinstance(value, dt.date):
        return value if which == "date" else None
    if isinstance(value, dt.time):
        return value if which == "time" else value
    text = importer._text(value)
    if text == "":
        return None
    date_match = _DATE_TIME[fmt].match(text)
    clock = _CLOCK.fullmatch(text, date_match.end()) if date_match else None
    if not date_match or not clock:
        return text
    try:                               # a date-time that is wrong in either part is not read at all
        day = dt.date(int(date_match["y"]), int(date_match["m"]), int(date_match["d"]))
        time = None
        if clock["h"] is not None:
            hour, minute, second = int(clock["h"]), int(clock["min"]), int(clock["s"] or 0)
            if clock["ampm"]:
                if not 1 <= hour <= 12:
                    return text
                hour = hour % 12 + (12 if clock["ampm"].lower() == "pm" else 0)
            time = dt.time(hour, minute, second)
    except ValueError:
        return text
    return day if which == "date" else time


def _flag_set(value) -> bool:
    """A yes/no flag, or a date-time or other text noting the event, counts as set; empty or a no does not."""
    text = _key(value)
    return text != "" and text not in FALSE_WORDS


def _status_from_flags(row, positions: list[tuple[str, int]]):
    on = [what for what, at in positions if at < len(row) and _flag_set(row[at])]
    if not on:                        # the contract's rules reject these texts as unknown statuses
        return "no flag marked"
    if len(on) > 1:
        return "flags " + " and ".join(on) + " both marked"
    return on[0]


def apply(profile: Profile, table: importer.Table) -> importer.Table:
    """The file's rows as a contract file of profile.kind: one field per mapped contract field, the
    same line numbers, nothing of the dropped or unmapped columns. Raises importer.ImportRefused
    when the profile does not fit the file."""
    problems = profile.problems(table.header)
    if problems:
        raise importer.ImportRefused("the mapping profile does not fit this file: " + "; ".join(problems))
    if table.scan is not None:
        raise ValueError("apply() needs the file's records: read it with importer.read_table(path, records=True)")
    at = {h: i for i, h in reversed(list(enumerate(table.header)))}    # the first column of a repeated name
    kind = importer.KINDS[profile.kind]
    names = [f for f in kind.parsers if f in profile.fields]
    plan = []
    for name in names:
        source = profile.fields[name]
        translate = {_key(k): v for k, v in profile.values.get(name, {}).items()}
        if source.how == "flags":
            plan.append((name, "flags", [(what, at[c]) for what, c in source.flags], translate))
        elif source.how == "constant":
            plan.append((name, "constant", source.value, translate))
        else:
            plan.append((name, source.how, (at[source.column], source.format), translate))

    def mapped(row) -> list:
        out = []
        for _name, how, where, translate in plan:
            if how == "constant":
                value = where
            elif how == "flags":
                value = _status_from_flags(row, where)
            else:
                position, fmt = where
                value = row[position] if position < len(row) else None
                if how in ("date", "time"):
                    value = _date_time(value, how, fmt)
            if translate and value is not None:
                value = translate.get(_key(value), value)
            out.append(value)
        return out

    records = []
    for line, fields in table.records:
        if isinstance(fields, importer.Misfit):
            records.append((line, importer.Misfit(fields.count, mapped(fields.fields))))
        else:
            records.append((line, mapped(fields)))
    return importer.Table(header=names, records=records, cells=True, width=len(table.header))


def left_out(profile: Profile, header: list[str]) -> list[str]:
    """What a mapped import says about the file's columns it does not store (their names only)."""
    used = {c for s in profile.fields.values() for c in s.columns()}
    dropped = sorted({h for h in header if h in profile.drop})
    unused = [h for h in dict.fromkeys(header) if h and h not in used and h not in profile.drop]
    notes = []
    if dropped:
        notes.append(f"dropped, never read: {importer._listed(dropped)}")
    if unused:
        notes.append(f"not mapped, so not imported: {importer._listed(unused)}")
    return notes


# ---------------------------------------------------------------- suggestions

def samples(table: importer.Table, position: int, most: int = 200) -> list:
    found = []
    for _, fields in table.records:
        row = fields.fields if isinstance(fields, importer.Misfit) else fields
        if position < len(row) and importer._text(row[position]) != "":
            found.append(row[position])
            if len(found) >= most:
                break
    return found


def reads_as(values: list, which: str, fmt: str) -> float:
    """The share of sample values whose `which` part reads as a date or a time."""
    if not values:
        return 0.0
    wanted = dt.date if which == "date" else dt.time
    return sum(isinstance(_date_time(v, which, fmt), wanted) for v in values) / len(values)


def date_format_of(values: list) -> str:
    """iso, dmy or mdy: the written form most sample values read as (dmy when both do)."""
    scores = {fmt: reads_as(values, "date", fmt) for fmt in PART_FORMATS}
    best = max(scores.values())
    return next(fmt for fmt in ("iso", "dmy", "mdy") if scores[fmt] == best)


def guess_kind(header: list[str]) -> str:
    names = set(header)
    scored = any(w in ("pain", "nrs", "vas", "score", "scores") for h in header for w in h.split("_"))
    booked = names & {"status", "appointment_status", "therapist", "practitioner", "provider", "patient_arrived",
                      "did_not_arrive", "cancelled_at", "staff", "clinician"}
    if scored and not booked:
        return "scores"
    if names & {"session_id", "appointment_id", "booking_id", "starts_at", "appointment_date", "status",
                "patient_arrived", "did_not_arrive", "practitioner", "therapist", "appointment_status"}:
        return "sessions"
    if "course_id" in names or names & set(SYNONYMS["start_date"]):
        return "courses"
    return "patients" if names & {"patient_id", "birth_year", "sex", "diagnosis"} else "sessions"


def suggest(table: importer.Table, kind: str | None = None) -> Profile:
    """A first profile for a file, for a person to check: each contract field from the column whose
    name is the field's, a known synonym or close to it, date and time parts from date-time columns,
    status from arrival flags, status words translated, and every identifier column dropped."""
    header = list(table.header)
    kind = kind or guess_kind(header)
    direct, possible = identifier_columns(header)
    blocked = set(direct) | set(possible)
    free = [h for h in header if h and h not in blocked]
    fields: dict[str, Source] = {}
    taken: set[str] = set()
    position = {h: i for i, h in reversed(list(enumerate(header)))}

    def pick(name: str) -> str | None:
        for candidate in (name, *SYNONYMS.get(name, ())):
            if candidate in free and candidate not in taken:
                return candidate
        close = difflib.get_close_matches(name, [h for h in free if h not in taken], n=1, cutoff=0.85)
        return close[0] if close else None

    for name in importer.KINDS[kind].parsers:
        if name in ("session_date", "session_time", "start_date", "referral_date", "status"):
            continue
        found = pick(name)
        if found:
            fields[name] = column(found)
            taken.add(found)
    for name in ("session_date", "start_date", "referral_date"):
        if name not in importer.KINDS[kind].parsers:
            continue
        named = [c for c in (name, *SYNONYMS.get(name, ())) if c in free and c not in taken]
        candidates = named + [h for h in free if h not in named and h not in taken]       # then by content
        for candidate in candidates:
            values = samples(table, position[candidate])
            fmt = date_format_of(values)
            share = reads_as(values, "date", fmt)
            if candidate == name and not share:
                fields[name] = column(candidate)        # the field's own column: its bad dates are rejected
                taken.add(candidate)
                break
            # A column named for the field, or a synonym, whose values are dates at all: its bad ones
            # are rejected, as on a plain import. Any other column only when most of its values are.
            if share > 0 if candidate in named else share >= 0.6:
                plain = all(isinstance(_date_time(v, "time", fmt), (type(None), str)) or
                            _date_time(v, "time", fmt) == dt.time(0) for v in values)
                fields[name] = column(candidate) if plain and fmt == "iso" else part(candidate, "date", fmt)
                taken.add(candidate)
                if name == "session_date" and not plain and "session_time" not in fields:
                    fields["session_time"] = part(candidate, "time", fmt)
                break
    if "session_time" in importer.KINDS[kind].parsers and "session_time" not in fields:
        found = pick("session_time")
        if found:
            fields["session_time"] = column(found)
            taken.add(found)
    if kind == "sessions":
        status = pick("status")
        if status:
            fields["status"] = column(status)
            taken.add(status)
        else:
            found = {what: next((c for c in names if c in free and c not in taken), None)
                     for what, names in FLAG_NAMES.items()}
            if any(found.values()):
                fields["status"] = flags(**{k: v for k, v in found.items() if v})
        values = {}
        if "status" in fields and fields["status"].how == "column":
            seen = {importer._text(v) for v in samples(table, position[fields["status"].column], 5000)}
            words = {v: STATUS_WORDS.get(re.sub(r"[^a-z]+", "_", v.casefold()).strip("_")) for v in seen}
            values["status"] = {v: w for v, w in sorted(words.items()) if w and v != w}
        return Profile(kind, fields, {k: v for k, v in values.items() if v}, sorted(blocked), header)
    return Profile(kind, fields, {}, sorted(blocked), header)


# ---------------------------------------------------------------- preview

def preview(profile: Profile, table: importer.Table, today: dt.date, rows: int = PREVIEW_ROWS):
    """The first `rows` data rows as they would be stored, and the rejects the contract's rules give
    them (rules about stored data, such as a course of another patient, are checked on import).
    Returns (accepted: list of dicts, rejects: list of importer.Reject). Writes nothing."""
    head = importer.Table(header=table.header, records=table.records[:rows], cells=table.cells)
    mapped = apply(profile, head)
    kind = importer.KINDS[profile.kind]
    index = {h: i for i, h in enumerate(mapped.header)}
    for name in kind.required:
        if name not in index:
            raise importer.ImportRefused(f"a {kind.name} file needs the column(s) {name}")
    accepted, rejects, _ = importer.validate(kind, mapped, index, today)
    shown = [{"line": line, **{c: row[kind.position[c]] for c in mapped.header}} for line, row in accepted]
    return shown, rejects


# ---------------------------------------------------------------- storage

def save(db_path, name: str, profile: Profile, made_by: str | None,
         wait_seconds: float = importer.LOCK_WAIT_SECONDS) -> int:
    """Stores the profile under `name` as a new version (the first is 1); returns the version."""
    name = clean_name(name)
    problems = profile.shape_problems()
    if problems:
        raise ProfileError("; ".join(problems))
    db_path = Path(db_path)
    importer.private_folder(db_path.parent)
    with importer.private_files():       # a database (and log) this write creates is its owner's only
        con = db.connect(db_path, wait_seconds=wait_seconds)
        try:
            con.begin()
            [(version,)] = db.fetch(con, "profile_next_version", profile_name=name)
            db.execute(con, "profile_save", profile_name=name, version=version, kind=profile.kind,
                       header_key=profile.header_key(), spec=profile.to_json(name), made_by=made_by,
                       made_at=dt.datetime.now())          # to the microsecond: the newest save wins
            con.commit()
        finally:
            con.close()
    return version


def clean_name(name) -> str:
    text = re.sub(r"\s+", " ", str(name or "")).strip()
    if not text:
        raise ProfileError("a profile needs a name")
    if len(text) > MAX_NAME_CHARS or re.search(r"[\x00-\x1f\x7f]", text):
        raise ProfileError(f"a profile's name is at most {MAX_NAME_CHARS} characters, without control characters")
    return text


def listed(con) -> list[dict]:
    """Every profile's newest version: name, version, kind, made_by, made_at, header."""
    if not _has_profiles(con):
        return []
    rows = db.records(con, "profiles_list")
    for row in rows:
        row["header"] = json.loads(row.pop("spec")).get("header", [])
    return rows


def load(con, name: str, version: int | None = None) -> Profile:
    name = clean_name(name)
    rows = db.records(con, "profile_load", profile_name=name, version=version) if _has_profiles(con) else []
    if not rows:
        raise ProfileError(f"no mapping profile named {name!r}" + (f" with version {version}" if version else ""))
    return Profile.from_json(rows[0]["spec"])


def listed_version(con, name: str) -> int:
    """The newest version of the profile `name`; ProfileError when there is none."""
    name = clean_name(name)
    rows = db.records(con, "profile_load", profile_name=name, version=None) if _has_profiles(con) else []
    if not rows:
        raise ProfileError(f"no mapping profile named {name!r}")
    return rows[0]["version"]


def for_header(con, header: list[str]) -> tuple[str, Profile, int] | None:
    """(name, profile, version): the newest profile saved for exactly this header (the most recently
    saved when several are), or None."""
    if not _has_profiles(con):
        return None
    rows = db.records(con, "profile_for_header", header_key=header_key(header))
    return (rows[0]["name"], Profile.from_json(rows[0]["spec"]), rows[0]["version"]) if rows else None


def _has_profiles(con) -> bool:
    return bool(db.fetch(con, "table_exists", table_name="mapping_profiles")[0][0])
