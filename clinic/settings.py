"""The clinical settings a clinician may change: one frozen, hashable value (part of every cache key).

The relief rule is `Filters.relief_rule` (it was the first setting); the others live here. Every
value is validated where it is made, so a page or a command never computes with a setting out of
range. The command line takes each as a flag of the same name (`add_flags`, `from_args`), and every
exported table states them (`describe`).

Thresholds are kept as integers so comparisons stay exact: an adherence threshold of 0.8 is
`adherence_pct = 80`, compared as 100 × attended days ≥ 80 × window days.
"""
from __future__ import annotations

import argparse
from dataclasses import asdict, dataclass, fields, replace
from decimal import Decimal, InvalidOperation
from functools import lru_cache

# The minimal clinically important difference a course's pain must fall by (see clinic.flags).
MCID_RULES = {
    "points2": "pain fell by at least 2 points",
    "pct30": "pain fell by at least 30 %",
}
MCID_LABELS = {"points2": "2 points", "pct30": "30 %"}

# A course whose baseline pain is at most this cannot show a meaningful fall: it gets a ceiling note
# instead of a failure-to-progress flag.
CEILING_PAIN = 2

# name: (lowest, highest, unit, label, help) for the integer settings
RANGES = {
    "progress_after": (1, 30, "sessions", "Judge progress after",
                       "Failure to progress is judged at the first visit after this many attended sessions."),
    "adherence_pct": (50, 100, "%", "Adherent at",
                      "A course is adherent when it attended at least this share of the days of its window."),
    "dropout_gap_days": (1, 90, "days", "Dropped out after",
                         "A course not completed is dropped out when its last visit is more than this many days "
                         "before the as-of date."),
    "course_gap_days": (7, 365, "days", "New inferred course after",
                        "Rows without a course id start a new course after a gap of more than this many days."),
    "planned_sessions": (1, 60, "sessions", "Planned sessions when not given",
                         "The length of a course that has no planned_sessions in courses.csv."),
    "min_cohort": (1, 100, "courses", "Fewest courses to judge",
                   "A group with fewer courses is shown greyed, with 'too few to judge'."),
}


class SettingsError(ValueError):
    """A setting out of range or of the wrong kind; the message says which and what is allowed."""


@dataclass(frozen=True)
class Settings:
    mcid: str = "points2"
    progress_after: int = 3
    adherence_pct: int = 80
    dropout_gap_days: int = 7
    course_gap_days: int = 30
    planned_sessions: int = 10
    min_cohort: int = 5

    def __post_init__(self):
        if self.mcid not in MCID_RULES:
            raise SettingsError(f"mcid {self.mcid!r} is not known; use one of {', '.join(MCID_RULES)}")
        for name, (low, high, unit, *_rest) in RANGES.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise SettingsError(f"{name} must be a whole number, not {value!r}")
            if not low <= value <= high:
                raise SettingsError(f"{name} must be between {low} and {high} {unit}, not {value}")

    @property
    def adherence_threshold(self) -> Decimal:
        """The adherence threshold as a ratio (0.8 for 80 %), exact."""
        return Decimal(self.adherence_pct) / 100

    def with_(self, **changes) -> "Settings":
        return replace(self, **changes)

    def as_dict(self) -> dict:
        return asdict(self)

    def is_default(self) -> bool:
        return self == Settings()

    def fewest_courses(self, scoped: bool) -> int:
        """The fewest courses a shown figure or a verdict needs: `min_cohort`, and for a therapist's
        view (`scoped`) never fewer than the default, whatever the panel says: a figure of one or two
        courses would be another therapist's patient's."""
        return max(self.min_cohort, DEFAULT.min_cohort) if scoped else self.min_cohort

    def table(self):
        """The settings as a one-row Arrow table (the `clinic_settings` view of filtered_courses.sql)."""
        return _table(self)


@lru_cache(maxsize=64)
def _table(chosen: "Settings"):
    import pyarrow as pa

    return pa.table({name: [value] for name, value in asdict(chosen).items()})


DEFAULT = Settings()


def threshold_pct(text: str) -> int:
    """An adherence threshold as written on the command line (0.8, or 80 %) as whole percent."""
    cleaned = str(text).strip().rstrip("%").strip()
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        raise SettingsError(f"adherence threshold {text!r} is not a number (write 0.8 or 80%)") from None
    if not number.is_finite():
        raise SettingsError(f"adherence threshold {text!r} is not a number (write 0.8 or 80%)")
    percent = number if str(text).strip().endswith("%") or number > 1 else number * 100
    if percent != percent.to_integral_value():
        raise SettingsError(f"adherence threshold {text!r} must be a whole percent (0.8, 0.85, 90%)")
    return int(percent)


# The settings the dashboard's panel offers: setting -> the key of its widget, which is also its name
# in the page's address (course_gap_days is the database's own, set when rows are imported).
URL_KEYS = {"mcid": "mcid", "progress_after": "progress_after", "adherence_pct": "adherent_at",
            "dropout_gap_days": "dropout_gap", "planned_sessions": "planned", "min_cohort": "min_cohort"}


def url_params(chosen: Settings) -> list[tuple[str, str]]:
    """The settings that differ from the defaults as (name, value) pairs of a page's address."""
    pairs = []
    for name, key in URL_KEYS.items():
        value = getattr(chosen, name)
        if value != getattr(DEFAULT, name):     # a choice is written as the label it shows, like the filters'
            pairs.append((key, MCID_LABELS[value] if name == "mcid" else str(value)))
    return pairs


# ---------------------------------------------------------------- command line

FLAGS = {
    "mcid": "--mcid",
    "progress_after": "--progress-after",
    "adherence_pct": "--adherence-threshold",
    "dropout_gap_days": "--dropout-gap-days",
    "course_gap_days": "--course-gap-days",
    "planned_sessions": "--planned-sessions",
    "min_cohort": "--min-cohort",
}


def _whole(text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


def _threshold(text: str) -> int:
    try:
        return threshold_pct(text)
    except SettingsError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_flags(parser: argparse.ArgumentParser) -> None:
    """The settings as flags (the relief rule's --relief-rule is the command's own)."""
    group = parser.add_argument_group("clinical settings (the dashboard's settings panel)")
    group.add_argument("--mcid", choices=tuple(MCID_RULES), default=DEFAULT.mcid,
                       help="minimal clinically important difference: points2 (2 points) or pct30 (30 %%); "
                            "default points2")
    for name, flag in FLAGS.items():
        if name == "mcid":
            continue
        low, high, unit, _label, text = RANGES[name]
        if name == "course_gap_days":      # the database's own (clinic.grouping): a flag can only confirm it
            group.add_argument(flag, dest=name, type=_whole, default=None, metavar="N",
                               help=f"{text} The database stores it ({low}–{high} {unit}, 30 unless changed with "
                                    "`python -m clinic course-gap --set N`); a different value is refused.")
        elif name == "adherence_pct":
            group.add_argument(flag, dest=name, type=_threshold, default=DEFAULT.adherence_pct, metavar="RATIO",
                               help=f"{text} Written 0.8 or 80%%; {low}–{high} %%, default "
                                    f"{DEFAULT.adherence_threshold}.")
        else:
            group.add_argument(flag, dest=name, type=_whole, default=getattr(DEFAULT, name), metavar="N",
                               help=f"{text} {low}–{high} {unit}, default {getattr(DEFAULT, name)}.")


def from_args(args: argparse.Namespace) -> Settings:
    """The Settings the flags of `add_flags` ask for; SettingsError when one is out of range."""
    values = {f.name: getattr(args, f.name, None) for f in fields(Settings)}
    return Settings(**{name: getattr(DEFAULT, name) if value is None else value for name, value in values.items()})


# ---------------------------------------------------------------- words

def describe(settings: Settings, relief_rule: str = "pct30") -> list[tuple[str, str]]:
    """Every setting in words, (name, value), for captions and the header of exported tables."""
    from clinic.filters import RELIEF_RULE_LABELS

    return [
        ("First-session relief", RELIEF_RULE_LABELS[relief_rule]),
        ("Minimal clinically important difference", MCID_LABELS[settings.mcid]),
        ("Judge progress after", f"{settings.progress_after} sessions"),
        ("Adherent at", f"{settings.adherence_pct} % of the window's days"),
        ("Dropped out after", f"more than {settings.dropout_gap_days} days without a visit"),
        ("New inferred course after", f"more than {settings.course_gap_days} days without a row"),
        ("Planned sessions when not given", f"{settings.planned_sessions}"),
        ("Fewest courses to judge", f"{settings.min_cohort}"),
    ]


def describe_line(settings: Settings, relief_rule: str = "pct30") -> str:
    return "; ".join(f"{name}: {value}" for name, value in describe(settings, relief_rule))
