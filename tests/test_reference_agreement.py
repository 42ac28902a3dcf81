"""The SQL metrics agree with an independent plain-Python reference (tests/reference_metrics.py).

The reference was written from DESIGN.md alone. Here both are run on the same databases and their
JSON compared: floats with pytest.approx(rel=1e-9, abs=1e-12), everything else exactly (types too,
so `true` is never accepted for `1`). A failure lists every differing course/group and field.

Databases:
- demo data (`python -m clinic demo`, 400 patients) for a few seeds;
- messy imported data: a seeded generator below writes small patients/courses/sessions CSVs that
  exercise every rule (inferred courses with gaps of exactly 30 and 31 days, cancelled or no-show
  rows opening a course, two sessions on a day with and without a time, missing and zero scores,
  courses.csv start dates before and after the first session or empty, sessionless courses,
  default planned sessions, patients missing from patients.csv or without a birth year), imported
  in two batches so that the second one re-infers courses and updates rows.

Each as-of date is compared for `courses` under every relief rule, and for `metrics` without --by
and with `--by G` for every grouping G (each of which also carries the overall block), the relief
rule rotating over the as-of dates so that every (grouping, rule) pair is met within three dates.
The rule only changes first-session relief, and each CLI call costs tens of milliseconds, so
rotating rather than crossing keeps the file near 20 s.
"""
from __future__ import annotations

import csv
import datetime as dt
import random
from collections import Counter
from pathlib import Path

import pytest

from reference_metrics import GROUPINGS, RELIEF_RULES, Reference
from soak import seeds

FLOAT_FIELDS = {"sustained_improvement_pct", "adherence", "rate", "ci_low", "ci_high", "median_pct", "mean"}
MAX_REPORTED = 40

DEMO_SEEDS = (3, 2026)
DEMO_END = "2026-06-30"
DEMO_AS_OF = ("2026-06-30", "2026-03-15", "2025-12-31", "2025-01-01")   # the last is before any data

MESSY_SEEDS = seeds(4)                  # 1-4; 1 to 4N with CLINIC_SOAK=N (tests/soak.py)


def on_one_worker(kind: str, seeds) -> list:
    """The seeds as parameters whose tests one worker runs together (pytest-xdist's loadgroup), so
    each seed's database is built once, not once on every worker that runs one of its tests."""
    return [pytest.param(seed, marks=pytest.mark.xdist_group(f"{kind}{seed}")) for seed in seeds]


MESSY_START, MESSY_END = dt.date(2026, 1, 1), dt.date(2026, 4, 30)
MESSY_AS_OF = ("2026-02-15", "2026-03-10", "2026-05-31")


# --- comparing JSON -----------------------------------------------------------------------------

def _label(item) -> str:
    if isinstance(item, dict):
        if "course_id" in item:
            return f"course {item['course_id']!r}"
        if "key" in item:
            return f"group {item['key']!r}"
    return ""


def differences(got, expected, where: str = "") -> list[str]:
    """Every place where the implementation's JSON (got) differs from the reference (expected)."""
    field = where.rsplit(".", 1)[-1]
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            return [f"{where}: expected an object, got {got!r}"]
        out = []
        if set(got) != set(expected):
            out.append(f"{where}: fields differ: missing {sorted(set(expected) - set(got))}, "
                       f"extra {sorted(set(got) - set(expected))}")
        for key in expected:
            if key in got:
                out += differences(got[key], expected[key], f"{where}.{key}")
        return out
    if isinstance(expected, list):
        if not isinstance(got, list):
            return [f"{where}: expected a list, got {got!r}"]
        out = []
        if len(got) != len(expected):
            out.append(f"{where}: {len(got)} items, expected {len(expected)}: "
                       f"got {[_label(g) for g in got]}, expected {[_label(e) for e in expected]}")
        for i, (g, e) in enumerate(zip(got, expected)):
            label = _label(e)
            if label and _label(g) != label:
                out.append(f"{where}[{i}]: got {_label(g)}, expected {label} (order or membership)")
                continue
            out += differences(g, e, f"{where}[{label or i}]")
        return out
    if field in FLOAT_FIELDS:
        if expected is None or got is None:
            ok = got is None and expected is None
        else:
            ok = (isinstance(got, (int, float)) and not isinstance(got, bool)
                  and got == pytest.approx(expected, rel=1e-9, abs=1e-12))
    else:
        ok = type(got) is type(expected) and got == expected
    return [] if ok else [f"{where}: expected {expected!r}, got {got!r}"]


def assert_agree(problems: list[str]) -> None:
    if problems:
        shown = "\n".join(problems[:MAX_REPORTED])
        more = f"\n... and {len(problems) - MAX_REPORTED} more" if len(problems) > MAX_REPORTED else ""
        pytest.fail(f"{len(problems)} disagreement(s) with the reference:\n{shown}{more}", pytrace=False)


def metrics_calls(as_of_dates):
    """(as_of, rule, by) for every metrics comparison: see the module docstring."""
    for i, as_of in enumerate(as_of_dates):
        yield as_of, RELIEF_RULES[i % len(RELIEF_RULES)], None
        for j, by in enumerate(GROUPINGS):
            yield as_of, RELIEF_RULES[(i + j) % len(RELIEF_RULES)], by


def compare_courses(cli, db, ref: Reference, as_of_dates) -> list[str]:
    problems = []
    for as_of in as_of_dates:
        for rule in RELIEF_RULES:
            code, got = cli("courses", "--db", db, "--as-of", as_of, "--relief-rule", rule, "--json")
            where = f"courses --as-of {as_of} --relief-rule {rule}"
            if code != 0:
                problems.append(f"{where}: exit {code}: {got!r}")
                continue
            problems += differences(got, ref.courses(dt.date.fromisoformat(as_of), rule), where)
    return problems


def compare_metrics(cli, db, ref: Reference, as_of_dates) -> list[str]:
    problems = []
    for as_of, rule, by in metrics_calls(as_of_dates):
        flags = ("--by", by) if by else ()
        code, got = cli("metrics", "--db", db, "--as-of", as_of, "--relief-rule", rule, *flags, "--json")
        where = f"metrics --as-of {as_of} --relief-rule {rule}" + (f" --by {by}" if by else "")
        if code != 0:
            problems.append(f"{where}: exit {code}: {got!r}")
            continue
        problems += differences(got, ref.metrics(dt.date.fromisoformat(as_of), by, rule), where)
    return problems


# --- demo databases -----------------------------------------------------------------------------

_DEMO: dict[int, tuple[Path, Reference]] = {}


@pytest.fixture
def demo(cli, tmp_path_factory):
    """Builds (once per seed, shared by the tests of this module) a demo database and its reference."""
    def build(seed: int) -> tuple[Path, Reference]:
        if seed not in _DEMO:
            db = tmp_path_factory.mktemp(f"demo{seed}") / "clinic.duckdb"
            code, out = cli("demo", "--db", db, "--patients", 400, "--seed", seed, "--end-date", DEMO_END)
            assert code == 0, out
            _DEMO[seed] = (db, Reference.load(db))
        return _DEMO[seed]
    return build


@pytest.mark.parametrize("seed", on_one_worker("demo", DEMO_SEEDS))
def test_demo_courses_agree_with_the_reference_at_every_as_of_date_and_relief_rule(cli, demo, seed):
    db, ref = demo(seed)
    assert ref.courses(dt.date.fromisoformat(DEMO_END), "pct30"), "the demo database has no courses"
    assert_agree(compare_courses(cli, db, ref, DEMO_AS_OF))


@pytest.mark.parametrize("seed", on_one_worker("demo", DEMO_SEEDS))
def test_demo_cohort_metrics_agree_with_the_reference_overall_and_for_every_grouping(cli, demo, seed):
    db, ref = demo(seed)
    assert_agree(compare_metrics(cli, db, ref, DEMO_AS_OF))


# --- messy imported files -----------------------------------------------------------------------

SESSION_COLUMNS = ("session_id", "patient_id", "session_date", "session_time", "therapist", "status",
                   "pain_before", "pain_after", "course_id")
THERAPISTS = ("Birch", "alder", "Cedar", "Elm")


class MessyClinic:
    """Seeded random clinic records, valid for the importer but awkward for the metrics."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.session_ids: set[str] = set()
        self.first_batch: list[dict] = []
        self.second_batch: list[dict] = []
        self.courses: list[dict] = []
        self.patients: list[dict] = []
        self.inferred_segments: dict[str, list[tuple[dt.date, dt.date]]] = {}
        self._generate()

    # ids, text and values

    def new_session_id(self) -> str:
        while True:
            # not zero-padded, so "S10" sorts before "S9" as text: a decoy for the tie-break order
            session_id = f"S{self.rng.randrange(1, 5000)}"
            if session_id not in self.session_ids:
                self.session_ids.add(session_id)
                return session_id

    def day_times(self, n: int) -> list[str]:
        if n == 1:
            return [self.rng.choice(["", "", "9:05", "14:30"])]
        return list(self.rng.choice([("", ""), ("", "10:00"), ("10:00", ""), ("16:00", "8:30"), ("9:00", "9:00")]))

    def scores(self, status: str) -> tuple[str, str]:
        rng = self.rng
        if status != "attended":
            if rng.random() < 0.3:          # typed in on a cancelled/no-show row: must never count
                return str(rng.randint(0, 10)), str(rng.randint(0, 10))
            return "", ""
        roll = rng.random()
        before = None if roll < 0.1 else 0 if roll < 0.17 else rng.randint(1, 10)
        if rng.random() < 0.1:
            after = None
        elif before is None:
            after = rng.randint(0, 10)
        else:
            after = rng.randint(max(0, before - 6), min(10, before + 1))
        return ("" if before is None else str(before)), ("" if after is None else str(after))

    def session(self, patient_id: str, day: dt.date, time: str, therapist: str, course_id: str,
                status: str | None = None) -> dict:
        rng = self.rng
        if status is None:
            status = rng.choices(["attended", "cancelled", "no_show"], [0.8, 0.1, 0.1])[0]
        before, after = self.scores(status)
        written = {"attended": rng.choice(["attended", "", "Attended"]),
                   "cancelled": rng.choice(["cancelled", "CANCELLED"]),
                   "no_show": rng.choice(["no_show", "No_Show"])}[status]
        return {"session_id": self.new_session_id(), "patient_id": patient_id,
                "session_date": day.isoformat(), "session_time": time, "therapist": therapist,
                "status": written, "pain_before": before, "pain_after": after, "course_id": course_id}

    # structure

    def segment(self, patient_id: str, start: dt.date, course_id: str) -> tuple[dt.date, dt.date]:
        """A run of (mostly) daily sessions from start; returns its first and last dates."""
        rng = self.rng
        therapist = rng.choice(THERAPISTS)
        rows = []
        for offset in range(rng.randint(1, 14)):
            day = start + dt.timedelta(days=offset)
            if day > MESSY_END:
                break
            if offset and rng.random() < 0.25:
                continue
            for time in self.day_times(2 if rng.random() < 0.15 else 1):
                who = therapist if rng.random() < 0.8 else rng.choice(THERAPISTS)
                rows.append(self.session(patient_id, day, time, who, course_id))
        if rng.random() < 0.3:              # the course opens with a cancelled or no-show row
            first = rows[0]
            rows[0] = self.session(patient_id, start, first["session_time"], first["therapist"], course_id,
                                   status=rng.choice(["cancelled", "no_show"]))
        self.first_batch += rows
        return start, dt.date.fromisoformat(rows[-1]["session_date"])

    def course_row(self, course_id: str, patient_id: str, start: dt.date | None) -> None:
        planned = "" if self.rng.random() < 0.3 else str(self.rng.randint(1, 15))
        if start is None:       # a courses.csv row needs a start date (the importer rejects it otherwise)
            return
        self.courses.append({"course_id": course_id, "patient_id": patient_id,
                             "start_date": start.isoformat() if start else "", "planned_sessions": planned})

    def _generate(self) -> None:
        rng = self.rng
        patient_ids = [f"P{i}" for i in range(1, rng.randint(7, 10))]
        for patient_id in patient_ids:
            mode = rng.choice(["inferred", "explicit", "mixed", "mixed"])
            if mode != "explicit":
                segments = []
                cursor = MESSY_START + dt.timedelta(days=rng.randint(0, 25))
                while cursor <= MESSY_END and len(segments) < 4:
                    first, last = self.segment(patient_id, cursor, "")
                    segments.append((first, last))
                    cursor = last + dt.timedelta(days=rng.choice([30, 31, 30, 31, 12, 45]))
                self.inferred_segments[patient_id] = segments
                if rng.random() < 0.35:     # a courses.csv row describing an inferred course
                    first = rng.choice(segments)[0]
                    start = rng.choice([None, first, first + dt.timedelta(days=rng.choice([-2, 2]))])
                    self.course_row(f"{patient_id}:{first.isoformat()}", patient_id, start)
            if mode != "inferred":
                for letter in "ab"[: rng.randint(1, 2)]:
                    course_id = f"C{patient_id}{letter}"
                    first, _ = self.segment(patient_id, MESSY_START + dt.timedelta(days=rng.randint(0, 110)), course_id)
                    listing = rng.choice(["none", "same", "earlier", "later", "empty"])
                    if listing != "none":
                        shift = {"same": 0, "earlier": -rng.randint(1, 4), "later": rng.randint(1, 4), "empty": 0}[listing]
                        start = None if listing == "empty" else first + dt.timedelta(days=shift)
                        self.course_row(course_id, patient_id, start)
        # courses without any session, one of them for a patient who has no sessions at all
        for k, patient_id in enumerate([rng.choice(patient_ids), "Q1", rng.choice(patient_ids)]):
            start = None if k == 2 else MESSY_START + dt.timedelta(days=rng.randint(0, 110))
            self.course_row(f"X{k}{patient_id}", patient_id, start)
        self._second_batch(patient_ids)
        self._patients(patient_ids + ["Q1", "Q2"])

    def _second_batch(self, patient_ids: list[str]) -> None:
        """A later file: fills an inferred gap, adds a far row, and updates some earlier rows."""
        rng = self.rng
        for patient_id, segments in self.inferred_segments.items():
            for (_, last), (next_first, _) in zip(segments, segments[1:]):
                if rng.random() < 0.3:      # a row in the middle of the gap joins the two courses
                    middle = last + (next_first - last) / 2
                    self.second_batch.append(self.session(patient_id, middle, "", rng.choice(THERAPISTS), ""))
        far = rng.choice(patient_ids)
        self.second_batch.append(self.session(far, MESSY_END, "11:00", rng.choice(THERAPISTS), "", "attended"))
        for original in rng.sample(self.first_batch, k=min(6, len(self.first_batch))):
            updated = dict(original)
            change = rng.choice(["pain", "status", "date"])
            if change == "pain":
                updated["pain_before"], updated["pain_after"] = self.scores("attended")
                updated["status"] = "attended"
            elif change == "status":
                updated["status"] = rng.choice(["cancelled", "no_show", "attended"])
            else:
                day = dt.date.fromisoformat(original["session_date"]) + dt.timedelta(days=rng.choice([-3, 2, 9]))
                updated["session_date"] = min(max(day, MESSY_START), MESSY_END).isoformat()
            self.second_batch.append(updated)

    def _patients(self, patient_ids: list[str]) -> None:
        rng = self.rng
        for patient_id in patient_ids:
            if rng.random() < 0.2:          # missing from patients.csv
                continue
            roll = rng.random()
            birth_year = ("" if roll < 0.2 else
                          str(rng.choice([1997, 1996, 1982, 1981, 1967, 1966])) if roll < 0.6 else
                          str(rng.randint(1930, 2010)))
            self.patients.append({
                "patient_id": patient_id, "birth_year": birth_year,
                "sex": rng.choice(["F", "M", "X", "f"]),
                "diagnosis": rng.choice(["disc_herniation", "piriformis_syndrome", "spinal_stenosis", "other", ""]),
                "site": rng.choice(["North", "Central", "Riverside", ""]),
            })

    def write(self, folder: Path) -> tuple[list[Path], Path]:
        def write_csv(name: str, columns, rows) -> Path:
            path = folder / name
            with path.open("w", newline="", encoding="utf-8") as f:
                writer = csv.DictWriter(f, fieldnames=list(columns))
                writer.writeheader()
                writer.writerows(rows)
            return path
        first = [
            write_csv("patients.csv", ("patient_id", "birth_year", "sex", "diagnosis", "site"), self.patients),
            write_csv("courses.csv", ("course_id", "patient_id", "start_date", "planned_sessions"), self.courses),
            write_csv("sessions.csv", SESSION_COLUMNS, self.first_batch),
        ]
        folder_2 = folder / "later"
        folder_2.mkdir()
        return first, write_csv("later/sessions.csv", SESSION_COLUMNS, self.second_batch)


class MessyBuild:
    def __init__(self, db: Path, clinic: MessyClinic, imports: list, inference_after_first: list, ref: Reference):
        self.db, self.clinic, self.imports, self.ref = db, clinic, imports, ref
        self.inference_after_first = inference_after_first

    @property
    def as_of_dates(self) -> list[str]:
        """The fixed dates plus three drawn from the data, aimed at the awkward cases: a date between
        a courses.csv start_date and the course's first session (the first session date when the
        listed start is later, so the course is not counted yet; the listed start when it is earlier,
        so the course counts with nothing attended),
        the date of a cancelled/no-show row opening a course (so its therapist comes from that row),
        and the day before some session (a window cut mid-course)."""
        ref = self.ref
        rng = random.Random(len(self.clinic.first_batch))
        days = sorted({s.session_date for s in ref.sessions})
        listed_apart, opened_by_absence = [], []
        for course_id, rows in ref.by_course.items():
            listed = ref.course_rows.get(course_id)
            if listed and listed["start_date"] and listed["start_date"] != rows[0].session_date:
                listed_apart.append(min(listed["start_date"], rows[0].session_date))
            if not rows[0].attended:
                opened_by_absence.append(rows[0].session_date)
        picked = [rng.choice(sorted(listed_apart) or days), rng.choice(sorted(opened_by_absence) or days),
                  rng.choice(days) - dt.timedelta(days=1)]
        return list(MESSY_AS_OF) + [d.isoformat() for d in picked]


_MESSY: dict[int, MessyBuild] = {}


@pytest.fixture
def messy(cli, tmp_path_factory):
    """Imports (once per seed, shared by the tests of this module) the messy files in two batches."""
    def build(seed: int) -> MessyBuild:
        if seed not in _MESSY:
            folder = tmp_path_factory.mktemp(f"messy{seed}")
            clinic = MessyClinic(seed)
            first_files, second_file = clinic.write(folder)
            db = folder / "clinic.duckdb"
            code, first = cli("import", *first_files, "--db", db, "--json")
            assert code == 0, first
            inference_after_first = Reference.load(db).inference_mismatches()
            code, second = cli("import", second_file, "--db", db, "--json")
            assert code == 0, second
            _MESSY[seed] = MessyBuild(db, clinic, first + second, inference_after_first, Reference.load(db))
        return _MESSY[seed]
    return build


@pytest.mark.parametrize("seed", on_one_worker("messy", MESSY_SEEDS))
def test_messy_files_import_every_row_without_a_reject(messy, seed):
    build = messy(seed)
    counts = {Path(r["file"]).name if i < 3 else "later/sessions.csv": (r["refused"], r["rows_read"], r["rejected"])
              for i, r in enumerate(build.imports)}
    clinic = build.clinic
    assert counts == {
        "patients.csv": (None, len(clinic.patients), 0),
        "courses.csv": (None, len(clinic.courses), 0),
        "sessions.csv": (None, len(clinic.first_batch), 0),
        "later/sessions.csv": (None, len(clinic.second_batch), 0),
    }, [r for r in build.imports]


@pytest.mark.parametrize("seed", on_one_worker("messy", MESSY_SEEDS))
def test_stored_inferred_course_ids_follow_the_31_day_rule_after_each_import(messy, seed):
    build = messy(seed)
    assert build.inference_after_first == [], "after the first import (session_id, stored, expected)"
    assert build.ref.inference_mismatches() == [], "after the second import (session_id, stored, expected)"


@pytest.mark.parametrize("seed", on_one_worker("messy", MESSY_SEEDS))
def test_messy_courses_agree_with_the_reference_at_every_as_of_date_and_relief_rule(cli, messy, seed):
    build = messy(seed)
    assert_agree(compare_courses(cli, build.db, build.ref, build.as_of_dates))


@pytest.mark.parametrize("seed", on_one_worker("messy", MESSY_SEEDS))
def test_messy_cohort_metrics_agree_with_the_reference_overall_and_for_every_grouping(cli, messy, seed):
    build = messy(seed)
    assert_agree(compare_metrics(cli, build.db, build.ref, build.as_of_dates))


def features(ref: Reference) -> Counter:
    """Which awkward situations the stored data of one messy database actually contains."""
    found = Counter()
    no_course = sorted((s.patient_id, s.session_date) for s in ref.sessions if s.course_id is None)
    for (p1, d1), (p2, d2) in zip(no_course, no_course[1:]):
        if p1 == p2 and (d2 - d1).days in (30, 31):
            found[f"inference gap of exactly {(d2 - d1).days} days"] += 1
    by_day = Counter((s.effective_course_id, s.session_date) for s in ref.sessions)
    for course_id in ref.course_ids:
        rows = ref.by_course.get(course_id, [])
        listed = ref.course_rows.get(course_id)
        if rows and not rows[0].attended:
            found["a cancelled or no-show row opens a course"] += 1
        for s in rows:
            if by_day[(course_id, s.session_date)] > 1:
                found["two rows on a day " + ("with a time" if s.session_time else "without a time")] += 1
            if s.attended and (s.pain_before is None or s.pain_after is None):
                found["an attended row misses a score"] += 1
            if not s.attended and s.pain_before is not None:
                found["a cancelled or no-show row carries a score"] += 1
        attended = [s for s in rows if s.attended]
        if attended and attended[0].pain_before == 0:
            found["the first attended row has pain_before 0"] += 1
        if listed:
            if listed["start_date"] is None:
                found["a courses.csv row without start_date"] += 1
            elif rows and listed["start_date"] > rows[0].session_date:
                found["a courses.csv start_date after the first session"] += 1
            elif rows and listed["start_date"] < rows[0].session_date:
                found["a courses.csv start_date before the first session"] += 1
            if not rows:
                found["a courses.csv row without sessions"] += 1
            if ":" in course_id and rows:
                found["a courses.csv row describing an inferred course"] += 1
        elif rows[0].course_id is not None:
            found["an explicit course_id missing from courses.csv"] += 1
    session_patients = {s.patient_id for s in ref.sessions}
    if session_patients - set(ref.patients):
        found["a patient missing from patients.csv"] += 1
    if any(p["birth_year"] is None for p in ref.patients.values()):
        found["a patient without a birth year"] += 1
    return found


def test_the_messy_generator_exercises_every_rule_the_metrics_depend_on(messy):
    total = Counter()
    for seed in MESSY_SEEDS:
        total += features(messy(seed).ref)
    planned_default = sum(1 for seed in MESSY_SEEDS for c in messy(seed).clinic.courses if c["planned_sessions"] == "")
    expected = {
        "inference gap of exactly 30 days", "inference gap of exactly 31 days",
        "a cancelled or no-show row opens a course", "two rows on a day with a time",
        "two rows on a day without a time", "an attended row misses a score",
        "a cancelled or no-show row carries a score", "the first attended row has pain_before 0",
        "a courses.csv start_date after the first session",
        "a courses.csv start_date before the first session", "a courses.csv row without sessions",
        "a courses.csv row describing an inferred course", "an explicit course_id missing from courses.csv",
        "a patient missing from patients.csv", "a patient without a birth year",
    }
    assert expected - set(total) == set(), dict(total)
    assert planned_default > 0


# --- the reference itself, on hand-computed values ----------------------------------------------

def test_the_reference_wilson_interval_matches_hand_computed_values():
    from reference_metrics import wilson
    low, high = wilson(8, 10)           # textbook: 0.4902 .. 0.9433
    assert (round(low, 4), round(high, 4)) == (0.4902, 0.9433)
    assert wilson(0, 5)[0] == 0.0 and wilson(5, 5)[1] == 1.0
    assert wilson(0, 0) == (None, None)


def test_the_reference_relief_thresholds_are_exact_and_need_both_scores_and_a_nonzero_before():
    from reference_metrics import relief
    assert relief(10, 7, "pct30") is True and relief(9, 7, "pct30") is False     # 30 % vs 22 %
    assert relief(10, 5, "pct50") is True and relief(9, 5, "pct50") is False     # 50 % vs 44 %
    assert relief(3, 1, "points2") is True and relief(3, 2, "points2") is False
    assert relief(0, 0, "points2") is None and relief(5, None, "pct30") is None and relief(None, 2, "pct50") is None


def test_the_reference_median_of_an_even_count_is_the_mean_of_the_two_middle_values():
    from reference_metrics import median
    assert median([40.0, 10.0, 30.0, 20.0]) == 25.0
    assert median([3.0, 1.0, 2.0]) == 2.0
    assert median([]) is None
