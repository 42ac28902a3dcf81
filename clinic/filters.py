"""The filter set every dashboard query takes: one frozen, hashable value (a cache key).

`scope` restricts everything to one therapist's courses; a sign-in will set it for therapists, so
every query already takes it and pages need no change when it arrives.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

from clinic.settings import Settings

RELIEF_RULES = {
    "pct30": "pain fell by at least 30 % after the first session",
    "points2": "pain fell by at least 2 points after the first session",
    "pct50": "pain fell by at least 50 % after the first session",
}
RELIEF_RULE_LABELS = {"pct30": "≥ 30 % drop", "points2": "≥ 2 points", "pct50": "≥ 50 % drop"}
DIAGNOSES = ("disc_herniation", "piriformis_syndrome", "spinal_stenosis", "other")
DIAGNOSIS_LABELS = {"disc_herniation": "Disc herniation", "piriformis_syndrome": "Piriformis syndrome",
                    "spinal_stenosis": "Spinal stenosis", "other": "Other"}
AGE_BANDS = ("<30", "30-44", "45-59", "60+")
SEXES = ("F", "M", "X")
SEX_LABELS = {"F": "Female", "M": "Male", "X": "X (other / not stated)"}
# The dates the sidebar's date pickers offer (and a link may ask for). The as-of date ends today: a
# later one would count every course still running as dropped out (no visit can be recorded yet).
EARLIEST_DATE = dt.date(1990, 1, 1)
LATEST_START_DATE = dt.date(2099, 12, 31)
COHORT_FIELDS = {
    "therapist": "Therapist",
    "diagnosis": "Diagnosis",
    "age_band": "Age band",
    "sex": "Sex",
    "site": "Site",
    "start_month": "Start month",
}


@dataclass(frozen=True)
class Filters:
    as_of: dt.date = field(default_factory=dt.date.today)
    start_from: dt.date | None = None
    start_to: dt.date | None = None
    therapists: tuple[str, ...] = ()
    sites: tuple[str, ...] = ()
    diagnoses: tuple[str, ...] = ()
    age_bands: tuple[str, ...] = ()
    sexes: tuple[str, ...] = ()
    relief_rule: str = "pct30"
    scope: str | None = None
    settings: Settings = field(default_factory=Settings)   # the other clinical settings (clinic.settings)

    def __post_init__(self):
        if self.relief_rule not in RELIEF_RULES:
            raise ValueError(f"unknown relief rule {self.relief_rule!r}; use one of {', '.join(RELIEF_RULES)}")
        if not isinstance(self.settings, Settings):
            raise TypeError(f"settings must be a clinic.settings.Settings, not {type(self.settings).__name__}")
        for name in ("therapists", "sites", "diagnoses", "age_bands", "sexes"):
            object.__setattr__(self, name, tuple(sorted(getattr(self, name))))

    def params(self) -> dict:
        """The bound parameters of every filtered query (queries/filtered_courses.sql)."""
        return {
            "as_of": self.as_of,
            "start_from": self.start_from,
            "start_to": self.start_to,
            "therapists": list(self.therapists),
            "sites": list(self.sites),
            "diagnoses": list(self.diagnoses),
            "age_bands": list(self.age_bands),
            "sexes": list(self.sexes),
            "scope": self.scope,
            "relief_rule": self.relief_rule,
            # a one-row table, registered as a view beside the scalars: filtered_courses.sql applies
            # the adherence threshold and drop-out gap from it, so every filtered query honours them
            "clinic_settings": self.settings.table(),
        }

    def with_(self, **changes) -> "Filters":
        return replace(self, **changes)

    def describe(self) -> str:
        """The filters in words, for captions and exported files."""
        parts = [f"as of {self.as_of:%d %b %Y}"]
        if self.start_from or self.start_to:
            start = f"{self.start_from:%d %b %Y}" if self.start_from else "the first course"
            end = f"{self.start_to:%d %b %Y}" if self.start_to else "now"
            parts.append(f"courses started {start} – {end}")
        for label, values, names in (("therapist", self.therapists, None), ("site", self.sites, None),
                                     ("diagnosis", self.diagnoses, DIAGNOSIS_LABELS),
                                     ("age", self.age_bands, None), ("sex", self.sexes, SEX_LABELS)):
            if values:
                shown = [names.get(v, v) if names else v for v in values]
                parts.append(f"{label}: {', '.join(shown)}")
        if self.scope:
            parts.append(f"only {self.scope}'s patients")
        return "; ".join(parts)


def url_label(key: str, value: str) -> str:
    """How the sidebar writes one value of the filter `key` in the page's address: the label it shows
    (diagnosis, sex and relief rule have labels; therapist, site and age band are written as they are)."""
    labels = {"diagnosis": DIAGNOSIS_LABELS, "sex": SEX_LABELS, "relief": RELIEF_RULE_LABELS}.get(key, {})
    return labels.get(value, value)


def url_params(filters: Filters, today: dt.date) -> list[tuple[str, str]]:
    """The filters as the sidebar's widgets write them in the page's address: (name, value) pairs,
    one pair per chosen value of a multiple choice (Streamlit repeats the name), dates as YYYY-MM-DD,
    defaults left out (an as-of date of today, no start limit, the 30 % relief rule).

    The scope is not among them: a therapist's account sets it, never an address.
    """
    pairs = []
    if filters.as_of != today:
        pairs.append(("as_of", filters.as_of.isoformat()))
    if filters.start_from:
        pairs.append(("from", filters.start_from.isoformat()))
    if filters.start_to:
        pairs.append(("to", filters.start_to.isoformat()))
    for key, values in (("therapist", filters.therapists), ("site", filters.sites), ("diagnosis", filters.diagnoses),
                        ("age", filters.age_bands), ("sex", filters.sexes)):
        pairs.extend((key, url_label(key, v)) for v in values)
    if filters.relief_rule != "pct30":
        pairs.append(("relief", url_label("relief", filters.relief_rule)))
    from clinic import settings
    pairs.extend(settings.url_params(filters.settings))
    return pairs


def parse_url_date(text: str) -> dt.date | None:
    """A date as a page's address may carry it (YYYY-MM-DD, or YYYY/MM/DD as Streamlit also reads),
    or None when the text is not a real day."""
    for pattern in ("%Y-%m-%d", "%Y/%m/%d"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None
