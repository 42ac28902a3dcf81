"""Case mix: what each therapist's (or site's) courses would be expected to achieve given their
patients, and the observed against the expected.

The model is fitted on every course of the clinic counted as of the as-of date (no filter, no
scope: the clinic's own experience), and applied to the courses that pass the filters, grouped by
their therapist or site. Two outcomes, each a logistic regression (statsmodels GLM, binomial family,
logit link) over the courses where the outcome can be judged:

- `relief`: first-session relief under the filters' relief rule;
- `responder`: sustained improvement of 30 % or more. (A logistic model of the responder, rather than
  a linear model of the improvement in %, because a ratio of summed percentages is meaningless when
  some are negative; a count of responders compares like the count of relieved courses.)

Inputs, as known at the start of the course: baseline pain (pain before the first attended session
that has a score; for a course whose relief can be judged, the first session's), diagnosis, age band
and sex (each a category; a missing value is its own level "unknown"), acute inflammation recorded
at the first session (yes against no or not recorded) and a doctor's conclusion on file (yes against
no or unknown).

Guard rails, each said in words instead of a traceback: fewer than MIN_FIT_COURSES courses, or an
outcome that never (or always) happens, gives no model; an input that does not vary is left out; a
category level with fewer than MIN_LEVEL_COURSES courses is counted with the input's most common
level; an input one of whose levels has the same outcome for every course (which would send its
coefficient to infinity, "separation") is left out and named.

Per unit: O (observed events), E (the sum of the predicted probabilities of its courses), O/E, and a
95 % interval from the normal approximation of O − E, whose variance given the model is
V = Σ p(1 − p) over the unit's courses: (O ± 1.959963984540054·√V) / E, the low end not below 0.
It treats the fitted model as known (the coefficients' own uncertainty is left out), as is usual for
indirectly standardised ratios. A unit with fewer than settings.min_cohort courses is "too few to judge".
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from clinic import db
from clinic.filters import Filters

Z_95 = 1.959963984540054
MIN_FIT_COURSES = 30
MIN_LEVEL_COURSES = 10
UNKNOWN = "unknown"
MEASURES = {
    "relief": "First-session relief",
    "responder": "Responders (sustained improvement ≥ 30 %)",
}
UNITS = {"therapist": "Therapist", "site": "Site"}
OUTCOME_NAMES = {"relief": "first_session_relief", "responder": "responder_30"}
# input -> (kind, words)
INPUTS = {
    "baseline_pain": ("number", "baseline pain (NRS 0–10, before the first session)"),
    "diagnosis": ("category", "diagnosis"),
    "age_band": ("category", "age band"),
    "sex": ("category", "sex"),
    "acute_first": ("yes/no", "acute inflammation at the first session"),
    "doctor_conclusion": ("yes/no", "doctor's conclusion on file"),
}
CATEGORIES = ("diagnosis", "age_band", "sex")


class CasemixError(ValueError):
    """An unknown unit or measure."""


@dataclass
class Model:
    """A fitted case-mix model, or why there is none (`message`)."""
    measure: str
    fitted: bool
    message: str | None = None
    formula: str | None = None
    inputs: list[str] = field(default_factory=list)
    left_out: list[dict] = field(default_factory=list)      # {"input", "reason"}
    pooled: list[dict] = field(default_factory=list)        # {"input", "level", "courses", "with"}
    n: int = 0
    events: int = 0
    auc: float | None = None
    pseudo_r2: float | None = None
    coefficients: list[dict] = field(default_factory=list)  # {"term", "estimate", "std_error"}
    patterns: pd.DataFrame | None = None                    # the inputs' values met and each one's expected probability

    def as_json(self) -> dict:
        return {"measure": self.measure, "fitted": self.fitted, "message": self.message, "formula": self.formula,
                "inputs": list(self.inputs), "left_out": list(self.left_out), "pooled": list(self.pooled),
                "n": self.n, "events": self.events, "auc": self.auc, "pseudo_r2": self.pseudo_r2,
                "coefficients": list(self.coefficients)}


def check(by: str, measure: str) -> None:
    if by not in UNITS:
        raise CasemixError(f"unknown unit {by!r}; use one of {', '.join(UNITS)}")
    if measure not in MEASURES:
        raise CasemixError(f"unknown measure {measure!r}; use one of {', '.join(MEASURES)}")


def _outcome(frame: pd.DataFrame, measure: str) -> pd.Series:
    return frame[OUTCOME_NAMES[measure]]


def _courses(frame: pd.DataFrame) -> np.ndarray:
    """How many courses each row stands for: its `courses` count (casemix_patterns.sql), or one when
    the rows are courses (funnel_casemix.sql)."""
    if "courses" in frame.columns:
        return frame["courses"].to_numpy(dtype=np.int64)
    return np.ones(len(frame), dtype=np.int64)


def _judged(frame: pd.DataFrame, measure: str, columns: list[str]) -> dict[str, pd.Series]:
    """The columns of the rows whose outcome can be judged (`courses` among them), each filtered on
    its own."""
    judged = _outcome(frame, measure).notna().to_numpy(dtype=bool)
    found = {name: pd.Series(frame[name].array[judged], name=name) for name in columns}
    found["courses"] = pd.Series(_courses(frame)[judged], name="courses")
    return found


def prepared(frame: pd.DataFrame, measure: str) -> pd.DataFrame:
    """The rows whose outcome can be judged, with the inputs as the model reads them, the outcome as
    `y` (1 or 0) and how many courses each row stands for (`courses`). `frame` holds either a row
    per course (funnel_casemix.sql) or a row per covariate pattern and its count
    (casemix_patterns.sql, the outcome in its `outcome` column renamed to the measure's)."""
    keep = _judged(frame, measure, [OUTCOME_NAMES[measure], "baseline_pain", *CATEGORIES, "first_acute",
                                    "doctor_conclusion"])   # only what the model reads, not a copy of all
    out = pd.DataFrame({"y": _outcome(keep, measure).astype(bool).astype(int).to_numpy()})
    out["courses"] = keep["courses"].to_numpy()
    out["baseline_pain"] = keep["baseline_pain"].astype("float64").to_numpy()
    for name in CATEGORIES:
        out[name] = keep[name].fillna(UNKNOWN).astype(str)
    out["acute_first"] = keep["first_acute"].fillna(False).astype(bool).astype(int).to_numpy()
    out["doctor_conclusion"] = keep["doctor_conclusion"].fillna(False).astype(bool).astype(int).to_numpy()
    return out


def _auc(y: np.ndarray, p: np.ndarray) -> float | None:
    """The c-statistic: the chance that a course with the event has a higher predicted probability
    than one without (ties count half), by the rank-sum formula."""
    return _pattern_auc(np.asarray(p, dtype=float), np.asarray(y, dtype=float), np.ones(len(y)))


def _pattern_auc(p: np.ndarray, events: np.ndarray, trials: np.ndarray) -> float | None:
    """_auc over covariate patterns: pattern i stands for trials[i] courses, events[i] of them with the
    event, each predicted p[i]. Courses of equal p share the average of their ranks; every rank is a
    whole or half number, so the rank sum is exact, the same as ranking every course one by one."""
    positives, negatives = int(events.sum()), int(trials.sum() - events.sum())
    if positives == 0 or negatives == 0:
        return None
    values, tie = np.unique(p, return_inverse=True)
    courses = np.bincount(tie, weights=trials, minlength=len(values))
    with_event = np.bincount(tie, weights=events, minlength=len(values))
    ranks = np.cumsum(courses) - courses + (courses + 1) / 2       # the average rank of each value's courses
    return float(((with_event * ranks).sum() - positives * (positives + 1) / 2) / (positives * negatives))


def fit(frame: pd.DataFrame, measure: str) -> Model:
    """Fits the case-mix model on `frame` (every course of the clinic as of the date: a row per course
    or per covariate pattern, see prepared). Never raises for data that cannot be modelled: `fitted`
    is then false and `message` says why."""
    from statsmodels.genmod import families
    from statsmodels.genmod.generalized_linear_model import GLM
    from statsmodels.tools.sm_exceptions import PerfectSeparationError, PerfectSeparationWarning

    data = prepared(frame, measure)
    courses = data["courses"]
    total = int(courses.sum())
    model = Model(measure=measure, fitted=False, n=total, events=int((data["y"] * courses).sum()))
    outcome = MEASURES[measure].lower()
    if total < MIN_FIT_COURSES:
        model.message = (f"Too few courses to fit the case-mix model: {total} can be judged for "
                         f"{outcome}, and the model needs at least {MIN_FIT_COURSES}.")
        return model
    if model.events in (0, total):
        model.message = (f"The case-mix model cannot be fitted: {'every' if model.events else 'no'} course of the "
                         f"{total} that can be judged had {outcome}, so there is nothing to explain.")
        return model

    used: list[str] = []
    references: dict[str, str] = {}
    events_of = data["y"] * courses
    for name in INPUTS:
        kind = INPUTS[name][0]
        if kind == "category":
            counts = courses.groupby(data[name]).sum()
            top = str(sorted(counts.index, key=lambda v: (-counts[v], v))[0])
            for level, count in sorted(counts.items()):
                if count < MIN_LEVEL_COURSES and level != top:
                    model.pooled.append({"input": name, "level": level, "courses": int(count), "with": top})
            rare = [p["level"] for p in model.pooled if p["input"] == name]
            data[name] = data[name].where(~data[name].isin(rare), top)
        values = data[name]
        if values.nunique() < 2:
            model.left_out.append({"input": name, "reason": "the same for every course"})
            continue
        # separation: a level (or a yes/no value) whose courses all had the same outcome
        if kind != "number":
            rates = pd.DataFrame({"events": events_of.groupby(values).sum(), "size": courses.groupby(values).sum()})
            stuck = rates[(rates["events"] == 0) | (rates["events"] == rates["size"])]
            if not stuck.empty:
                level = stuck.index[0]
                shown = ("yes" if level else "no") if kind == "yes/no" else str(level)
                model.left_out.append({"input": name, "reason": (
                    f"every one of the {int(stuck['size'].iloc[0])} courses with {shown} had the same outcome, "
                    "so its effect cannot be estimated")})
                continue
        used.append(name)
        if kind == "category":
            references[name] = top

    model.inputs = used
    terms = [f"C({n}, reference={references[n]!r})" if n in references else n for n in used]
    model.formula = f"logit P({OUTCOME_NAMES[measure]}) ~ " + (" + ".join(terms) if terms else "1")
    # The inputs take few distinct values together (covariate patterns), so the model is fitted on
    # each pattern's events and courses: the same estimates and standard errors as one row per
    # course, in a fraction of the time and memory (a network has millions of courses).
    keys = data[used] if used else pd.DataFrame({"all": np.zeros(len(data))})
    pattern = keys.groupby(list(keys.columns), sort=True).ngroup().to_numpy()
    events = np.bincount(pattern, weights=events_of.to_numpy(dtype=float))
    trials = np.bincount(pattern, weights=courses.to_numpy(dtype=float))
    found = keys.groupby(pattern).first()
    columns: dict[str, pd.Series] = {"intercept": pd.Series(1.0, index=found.index)}
    for name in used:
        values = found[name]
        if name in references:
            for level in sorted(data[name].unique()):
                if level != references[name]:
                    columns[f"{name}[{level}]"] = (values == level).astype(float)
        else:
            columns[name] = values.astype(float)
    X = pd.DataFrame(columns).reset_index(drop=True)
    pattern_columns = list(X.columns)
    # each pattern as two weighted rows, its courses with the outcome and those without: the fit
    # (and its separation check, log-likelihoods and standard errors) is the one over every course
    with_event, without = events > 0, trials - events > 0
    stacked = pd.concat([X.loc[with_event], X.loc[without]], ignore_index=True)
    rows_y = np.concatenate([np.ones(with_event.sum()), np.zeros(without.sum())])
    weights = np.concatenate([events[with_event], (trials - events)[without]])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", PerfectSeparationWarning)
            warnings.simplefilter("ignore", RuntimeWarning)
            result = GLM(rows_y, stacked, family=families.Binomial(), freq_weights=weights).fit()
    except (PerfectSeparationError, PerfectSeparationWarning):
        model.message = ("The case-mix model cannot be fitted: its inputs separate the courses with and without "
                         f"{outcome} perfectly, so the expected values would be 0 or 1.")
        return model
    except (np.linalg.LinAlgError, ValueError) as exc:
        model.message = f"The case-mix model cannot be fitted: {str(exc).splitlines()[0]}."
        return model
    p_pattern = np.asarray(result.predict(X), dtype=float)
    if not np.all(np.isfinite(p_pattern)):
        model.message = "The case-mix model cannot be fitted: its estimates did not converge."
        return model
    model.fitted = True
    model.auc = _pattern_auc(p_pattern, events, trials)
    model.pseudo_r2 = float(1 - result.llf / result.llnull) if result.llnull else None
    bse = np.asarray(result.bse, dtype=float)
    model.coefficients = [{"term": term, "estimate": float(est), "std_error": float(se) if math.isfinite(se) else None}
                          for term, est, se in zip(pattern_columns, np.asarray(result.params, dtype=float), bse)]
    model.patterns = found.reset_index(drop=True).assign(expected=p_pattern)
    return model


def expected(model: Model, data: pd.DataFrame) -> np.ndarray:
    """The expected probability of each row of `data` (prepared rows) under the fitted model: that of
    its covariate pattern (NaN for a pattern the model was not fitted on)."""
    if not model.inputs:
        return np.full(len(data), float(model.patterns["expected"].iloc[0]))
    keys = data[model.inputs].copy()
    for pooled in model.pooled:           # a rare level counts as the level it was pooled with
        name = pooled["input"]
        if name in keys.columns:
            keys.loc[keys[name] == pooled["level"], name] = pooled["with"]
    return keys.merge(model.patterns, on=model.inputs, how="left")["expected"].to_numpy(dtype=float)


def ratio_interval(observed: int, expected: float, variance: float, z: float = Z_95) -> tuple:
    """(ratio, low, high) of O/E with (O ± z·√V) / E, the low end not below 0; Nones when E is 0."""
    if expected <= 0:
        return None, None, None
    half = z * math.sqrt(variance)
    return observed / expected, max(0.0, (observed - half) / expected), (observed + half) / expected


def units(compared: pd.DataFrame, model: Model, by: str, min_cohort: int) -> list[dict]:
    """Observed against expected per unit of `compared` (the filtered courses: casemix_patterns rows
    of the unit `by`, or funnel_casemix rows, a course each, whose `by` column is the unit)."""
    from clinic.funnel import wilson

    unit = "unit" if "unit" in compared.columns else by
    judged = _outcome(compared, model.measure).notna().to_numpy(dtype=bool)
    keys = pd.Series(compared[unit].array[judged], dtype=object)
    data = prepared(compared, model.measure)
    courses = data["courses"].to_numpy(dtype=np.int64)
    events = data["y"].to_numpy(dtype=np.int64) * courses
    p_rows = expected(model, data) if model.fitted else None

    out = []
    present = sorted({None if pd.isna(k) else str(k) for k in keys}, key=lambda k: (k is None, "" if k is None else k))
    for key in present:
        mine = (keys.isna() if key is None else keys.eq(key)).to_numpy(dtype=bool)
        n = int(courses[mine].sum())
        observed = int(events[mine].sum())
        expected_sum = ratio = low = high = None
        if p_rows is not None:
            p, w = p_rows[mine], courses[mine]
            known = np.isfinite(p)
            # in ascending order of p: the sums are then the same whatever order the rows came in
            order = np.lexsort((w[known], p[known]))
            p, w = p[known][order], w[known][order]
            expected_sum = float((w * p).sum())
            ratio, low, high = ratio_interval(observed, expected_sum, float((w * p * (1 - p)).sum()))
        rate_low, rate_high = wilson(observed, n)
        out.append({"key": key, "courses": n, "observed": observed, "expected": expected_sum, "ratio": ratio,
                    "ci_low": low, "ci_high": high, "observed_rate": observed / n if n else None,
                    "observed_rate_ci_low": rate_low, "observed_rate_ci_high": rate_high,
                    "expected_rate": expected_sum / n if expected_sum is not None and n else None,
                    "too_few": n < min_cohort})
    return out


def patterns(con, filters: Filters, by: str, measure: str, table=None) -> pd.DataFrame:
    """The courses that pass `filters` and can be judged for `measure`, counted by unit `by`, outcome
    and inputs (queries/casemix_patterns.sql), the outcome under the measure's column name."""
    from clinic import metrics

    table = metrics.open_courses(con, filters) if table is None else table
    found = db.frame(con, "casemix_patterns", open_courses=table, by=by, measure=measure, **filters.params())
    return found.rename(columns={"outcome": OUTCOME_NAMES[measure]})


def report(con, filters: Filters, by: str = "therapist", measure: str = "relief", table=None,
           read_done=None) -> dict:
    """The `expected --json` document: the model and, per unit of the filtered courses, O, E, O/E.
    `read_done`, when given, is called once the counts are read, before the model is fitted: the
    dashboard lets its database connection go there, so that the memory DuckDB held for the read
    (a network has millions of courses) is given back before the fit needs its own."""
    check(by, measure)
    from clinic import metrics

    table = metrics.open_courses(con, filters) if table is None else table
    clinic = Filters(as_of=filters.as_of, relief_rule=filters.relief_rule, settings=filters.settings)
    everything = patterns(con, clinic, by, measure, table)
    compared = everything if filters == clinic else patterns(con, filters, by, measure, table)
    if read_done is not None:
        read_done()
    model = fit(everything, measure)
    return {"as_of": filters.as_of.isoformat(), "by": by, "measure": measure, "relief_rule": filters.relief_rule,
            "min_cohort": filters.settings.min_cohort, "interval": "95 %: (O ± 1.96·√Σp(1−p)) / E",
            "model": model.as_json(), "units": units(compared, model, by, filters.settings.min_cohort)}


def private_report(con, filters: Filters, by: str, measure: str, viewer: str, table=None, k: int | None = None,
                   read_done=None) -> dict:
    """report() for therapist `viewer` (filters.scope): their own courses compared with the clinic's
    model. By therapist only their own row is kept (a course they gave a session of but another
    therapist leads stays with that therapist, unnamed here). When the clinic total would be
    suppressed on the Cohorts page (clinic.privacy), nothing is compared: `hidden` is true.
    `read_done` as in report()."""
    from clinic import metrics, privacy

    k = k or privacy.min_cell_patients()
    clinic = filters.with_(scope=None)
    clinic_table = metrics.open_courses(con, clinic) if table is None else table
    _cells, total = metrics.private_cohort(con, clinic, None, viewer, clinic_table, k)
    found = report(con, filters, by, measure, clinic_table, read_done)
    if total["suppressed"]:
        return {**found, "units": [], "model": {**found["model"], "coefficients": []}, "hidden": True}
    if by == "therapist":
        found["units"] = [u for u in found["units"] if u["key"] == viewer]
    return {**found, "hidden": False}


# ---------------------------------------------------------------- the page's read

def for_page(path, filters: Filters, by: str, measure: str) -> dict:
    """The observed against expected the Fair comparison page shows (a therapist's: private_report)."""
    from clinic import ui
    return ui.unit_report("casemix", filters, by, measure)
