"""Figures, tables and wording of the Fair comparison page: the funnel plot of clinic.funnel and the
observed-against-expected table and forest plot of clinic.casemix.

Inputs are the report dictionaries of those modules (as `funnel --json` and `expected --json` print
them); every function is pure so tests can check what a person sees. Names from data reach Plotly
through for_plotly, and hover text goes in as data (hovertext), never into a template.
"""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from clinic import funnel
from clinic.charts import BAD, GOOD, NEUTRAL, PALETTE, label_rows_px, n_courses, pct_text, styled, text_px
from clinic.filters import DIAGNOSIS_LABELS, RELIEF_RULES, SEX_LABELS
from clinic.text import for_markdown, for_plotly

MEASURE_LABELS = {"relief": "First-session relief", "responder": "Responders (sustained improvement ≥ 30 %)"}
UNIT_LABELS = {"therapist": "Therapist", "site": "Site"}
UNIT_PLURALS = {"therapist": "therapists", "site": "sites"}
NO_KEY = {"therapist": "(no therapist)", "site": "(no site)"}
ANOTHER = "another therapist"
TOO_FEW = "too few to judge"
OUTSIDE_WORDS = {
    None: "within the limits",
    "above95": "above the 95 % limit",
    "below95": "below the 95 % limit",
    "above998": "above the 99.8 % limit",
    "below998": "below the 99.8 % limit",
}
OUTSIDE_COLOURS = {None: PALETTE[0], "above95": GOOD, "above998": GOOD, "below95": BAD, "below998": BAD}
LIMIT_COLOURS = {"95": "#56B4E9", "998": "#0072B2"}
INPUT_WORDS = {
    "baseline_pain": "baseline pain (0–10, before the first session)",
    "diagnosis": "diagnosis",
    "age_band": "age band",
    "sex": "sex",
    "acute_first": "acute inflammation at the first session",
    "doctor_conclusion": "doctor's conclusion on file",
}
LEVEL_WORDS = {**DIAGNOSIS_LABELS, **SEX_LABELS}


def pct(value) -> str:
    return "—" if value is None else pct_text(value)


def measure_words(measure: str, relief_rule: str) -> str:
    """What the measure counts, in words."""
    if measure == "relief":
        return f"first-session relief ({RELIEF_RULES[relief_rule]})"
    return "responders: pain before the last scored visit at least 30 % below the first (sustained improvement)"


def unit_label(key, by: str, own: bool = False, private: bool = False) -> str:
    """A unit's name as shown (raw text: escape it for markdown or Plotly where it goes)."""
    if private and by == "therapist" and not own:
        return ANOTHER
    return NO_KEY[by] if key is None else str(key)


# ---------------------------------------------------------------- funnel

def funnel_frame(report: dict, private: bool = False) -> pd.DataFrame:
    """The funnel's units as a table: label, courses, events, rate, Wilson interval, limits at n,
    where the unit stands, too_few, own. Units with no assessable course are left out (no point)."""
    by = report["by"]
    rows = []
    for u in report["units"]:
        if not u["courses"]:
            continue
        own = bool(u.get("own", False))
        rows.append({"label": unit_label(u["key"], by, own, private), "courses": u["courses"], "events": u["events"],
                     "rate": u["rate"], "ci_low": u["ci_low"], "ci_high": u["ci_high"], "mean": u["mean"],
                     "limit95_low": u["limit95_low"], "limit95_high": u["limit95_high"],
                     "limit998_low": u["limit998_low"], "limit998_high": u["limit998_high"],
                     "outside": u["outside"], "standing": OUTSIDE_WORDS[u["outside"]], "too_few": u["too_few"],
                     "own": own})
    columns = ["label", "courses", "events", "rate", "ci_low", "ci_high", "mean", "limit95_low", "limit95_high",
               "limit998_low", "limit998_high", "outside", "standing", "too_few", "own"]
    return pd.DataFrame(rows, columns=columns)


def _outside(value) -> str | None:
    """A unit's `outside` as the report has it (a DataFrame cell holds NaN for None)."""
    return None if value is None or pd.isna(value) else str(value)


def _hover(row) -> str:
    return (f"{for_plotly(row.label)}<br>{row.events:,} of {n_courses(row.courses)}: {pct(row.rate)}"
            f"<br>95 % interval (Wilson) {pct(row.ci_low)} – {pct(row.ci_high)}"
            f"<br>95 % limits at this n: {pct(row.limit95_low)} – {pct(row.limit95_high)}"
            f"<br>99.8 % limits: {pct(row.limit998_low)} – {pct(row.limit998_high)}"
            f"<br>{row.standing}" + (f" ({TOO_FEW})" if row.too_few else ""))


CROWDED_UNITS = 6         # more points than this: names only where they stand out, the rest on hover


# The funnel's plot area in px, roughly, at the page's usual width: enough to tell whether two names
# would print over each other.
PLOT_PX = (800, 300)
LABEL_PX = 14             # a name's height, and its distance from its point


def _label_positions(frame: pd.DataFrame, labels: list[str], mean, x_range, y_range) -> list[str]:
    """Where each point's name goes: on the side away from the clinic mean (above a point above the
    mean, below one below it), so a name never sits on the limit curves or the mean line between the
    point and the centre. A name that would print over a neighbour's on the same side (or run off
    the top or bottom of the plot) goes beside its point instead, away from that neighbour or the
    plot's right edge. `x_range` and `y_range` are the axes' ranges (y in %)."""
    px_x = PLOT_PX[0] / max(x_range[1] - x_range[0], 1e-9)
    px_y = PLOT_PX[1] / max(y_range[1] - y_range[0], 1e-9)
    positions = ["top center"] * len(frame)
    placed = []                 # (x px, y px of the name, half its width) of the names set above or below
    order = sorted(range(len(frame)), key=lambda i: (-int(frame["courses"].iloc[i]), i))
    for i in order:
        if not labels[i]:
            continue
        rate = float(frame["rate"].iloc[i]) * 100
        x = (float(frame["courses"].iloc[i]) - x_range[0]) * px_x
        y = (rate - y_range[0]) * px_y
        up = mean is None or rate >= mean * 100
        name_y = y + LABEL_PX if up else y - LABEL_PX
        half = (text_px(labels[i]) * 0.85) / 2
        off_plot = name_y + LABEL_PX / 2 > PLOT_PX[1] or name_y - LABEL_PX / 2 < 0
        crowding = [ox for ox, oy, other in placed if abs(x - ox) < half + other + 4 and abs(name_y - oy) < LABEL_PX]
        if crowding:                # beside the point, away from the name it would cover
            positions[i] = "middle left" if crowding[0] > x else "middle right"
            continue
        if off_plot:
            positions[i] = "middle left" if x > PLOT_PX[0] * 0.8 else "middle right"
            continue
        positions[i] = "top center" if up else "bottom center"
        placed.append((x, name_y, half))
    return positions


ZOOM_SPREAD = 0.25        # every caseload at least this share of the largest: the axes close in on the units


def _zoomed_ranges(frame: pd.DataFrame, mean) -> tuple[list[float], list[float]] | None:
    """([x0, x1], [y0, y1] in %) around the points when every unit's caseload is at least ZOOM_SPREAD of the
    largest: a network of large, similar units, whose points and names would otherwise crowd into a strip at
    the right edge of a funnel drawn from 0. The caseloads are padded by 15 % of their spread (at least 2 % of
    the largest); the rates by 10 % of theirs (at least 1 point), taking in the 99.8 % limits at the left
    edge. None otherwise: the whole funnel, from 0, is drawn."""
    if len(frame) < 2 or mean is None:
        return None
    low_n, high_n = int(frame["courses"].min()), int(frame["courses"].max())
    if low_n < ZOOM_SPREAD * high_n:
        return None
    pad = max((high_n - low_n) * 0.15, high_n * 0.02)
    x0, x1 = max(1.0, low_n - pad), high_n + pad
    edge_low, edge_high = funnel.limits(mean, x0, funnel.Z_998)     # the widest limits in view
    rates = [*(frame["rate"] * 100), edge_low * 100, edge_high * 100]
    y_low, y_high = min(rates), max(rates)
    y_pad = max((y_high - y_low) * 0.1, 1.0)
    return [x0, x1], [max(-2.0, y_low - y_pad), min(102.0, y_high + y_pad)]


def _axes(frame: pd.DataFrame, zoomed) -> tuple[list[float], list[float]]:
    """The funnel's x and y ranges as drawn: the closed-in ones, else 0 to the largest caseload (and
    Plotly's padding) by -2 to 102 %."""
    if zoomed:
        return zoomed
    return [0.0, float(frame["courses"].max()) * 1.05], [-2.0, 102.0]


def funnel_chart(report: dict, private: bool = False) -> go.Figure:
    """Rate (%) against number of assessable courses: a point per unit, labelled with its name (a
    therapist's account: only its own), the clinic mean and the 95 % and 99.8 % limits as curves."""
    frame = funnel_frame(report, private)
    by, measure = report["by"], report["measure"]
    fig = go.Figure()
    zoomed = _zoomed_ranges(frame, report.get("mean")) if not frame.empty else None
    points = report["curve"]
    if points and zoomed and zoomed[0][1] > points[-1]["n"]:
        # the curves go on to the right edge of the closed-in axes, past the largest caseload
        points = [*points, funnel.curve_point(report["mean"], zoomed[0][1])]
    if points:
        n = [p["n"] for p in points]
        for level, dash, name in (("998", "dash", "99.8 % limits"), ("95", "dot", "95 % limits")):
            for side in ("high", "low"):
                fig.add_trace(go.Scatter(
                    x=n, y=[p[f"limit{level}_{side}"] * 100 for p in points], mode="lines", name=name,
                    legendgroup=level, showlegend=side == "high", hoverinfo="skip",
                    line={"color": LIMIT_COLOURS[level], "dash": dash, "width": 1.5}))
        fig.add_trace(go.Scatter(x=[n[0], n[-1]], y=[report["mean"] * 100] * 2, mode="lines",
                                 name=f"clinic mean {pct(report['mean'])}", hoverinfo="skip",
                                 line={"color": NEUTRAL, "width": 2}))
    if not frame.empty:
        colours = [NEUTRAL if r.too_few else OUTSIDE_COLOURS[_outside(r.outside)] for r in frame.itertuples()]
        crowded = len(frame) > CROWDED_UNITS      # then only the units that stand out (and one's own) are named
        labels = [for_plotly(r.label) if (not private or r.own or by != "therapist")
                  and (not crowded or r.own or _outside(r.outside) is not None) else ""
                  for r in frame.itertuples()]
        sizes = [14 if r.own else 10 for r in frame.itertuples()]
        fig.add_trace(go.Scatter(
            x=frame["courses"], y=frame["rate"] * 100, mode="markers+text", name=UNIT_PLURALS[by],
            text=labels, textposition=_label_positions(frame, labels, report.get("mean"), *_axes(frame, zoomed)),
            hovertext=[_hover(r) for r in frame.itertuples()],
            hoverinfo="text", marker={"color": colours, "size": sizes, "line": {"color": "white", "width": 1}},
            showlegend=False))
    total = report.get("courses") or 0
    title = f"{MEASURE_LABELS[measure]} by {UNIT_LABELS[by].lower()}: funnel plot ({n_courses(total)})"
    subtitle = ("Each point: a unit's rate against its number of assessable courses. Outside the dashed curves "
                "(99.8 %) is unlikely to be chance; the dotted ones (95 %) are crossed by 1 unit in 20 by chance.")
    if not frame.empty and private and by == "therapist":
        subtitle += "<br>Named: your own point only; your colleagues' points are unnamed, on the chart and in its hover."
    elif not frame.empty and len(frame) > CROWDED_UNITS:
        subtitle += "<br>Named: the units outside the limits; point at the others for their names."
    if zoomed:
        subtitle += ("<br>Axes closed in on the units (caseloads of similar size): the limits keep widening "
                     "towards small caseloads, off to the left.")
    fig = styled(fig, title, "Assessable courses (n)", f"{MEASURE_LABELS[measure]} (%)", subtitle, height=480)
    fig.update_yaxes(range=zoomed[1] if zoomed else [-2, 102], ticksuffix=" %")
    if zoomed:
        fig.update_xaxes(range=zoomed[0])
    else:
        fig.update_xaxes(rangemode="tozero")
    lines = subtitle.count("<br>")
    if lines:
        fig.update_layout(margin={"t": 95 + 15 * lines})   # room for the subtitle's further lines above the plot
    return fig


def funnel_sentence(report: dict, private: bool = False) -> str:
    """Which units stand outside the limits, in words (markdown; names escaped)."""
    frame = funnel_frame(report, private)
    by = report["by"]
    if frame.empty:
        return ""
    judged = frame.loc[~frame["too_few"]]
    out = judged.loc[[_outside(v) is not None for v in judged["outside"]]]
    plural = UNIT_PLURALS[by]
    if judged.empty:
        fewest = f" ({report['min_cohort']} or more)" if report.get("min_cohort") else ""
        return (f"No {UNIT_LABELS[by].lower()} has enough assessable courses{fewest} to be judged against "
                "the limits yet: each grey point is too few to judge.")
    if out.empty:
        if len(judged) == 1:
            return (f"The one {UNIT_LABELS[by].lower()} judged lies within the 95 % limits: it does not stand "
                    "out from the clinic mean by more than chance would explain.")
        return (f"Every one of the {len(judged)} {plural} judged lies within the 95 % limits: none stands out "
                "from the clinic mean by more than chance would explain.")
    hidden = private and by == "therapist"      # a therapist's view: every colleague unnamed
    unnamed = [r for r in out.itertuples() if hidden and not r.own]
    parts = [f"**{for_markdown(r.label)}** ({r.standing}, {pct(r.rate)} of {r.courses:,})"
             for r in out.itertuples() if not (hidden and not r.own)]
    if unnamed:                 # a therapist's view: colleagues counted, not listed one by one
        above = sum(str(r.outside).startswith("above") for r in unnamed)
        sides = [f"{n} {side}" for n, side in ((above, "above"), (len(unnamed) - above, "below")) if n]
        parts.append(f"{len(unnamed)} other {'therapist' if len(unnamed) == 1 else 'therapists'} "
                     f"({' and '.join(sides)}; unnamed, each in the table)")
    return f"Outside the limits: {'; '.join(parts)}. A point outside the 95 % limits can still be chance (1 in 20)."


def hidden_units_sentence(report: dict, by: str) -> str:
    """How many units a therapist's funnel leaves out, in words: the courses without a therapist (or
    site) are named as such, not counted as one more therapist."""
    named = report["hidden_units"] - report.get("hidden_unrecorded", 0)
    parts = [f"{named} {UNIT_PLURALS[by] if named != 1 else by}"] if named else []
    if report.get("hidden_unrecorded"):
        parts.append(f"the courses whose {by} is not recorded")
    return f"Not shown: {' and '.join(parts)} (too few patients, or they could be worked out from the others)."


def funnel_export(report: dict, private: bool, filters_text: str, settings_text: str) -> pd.DataFrame:
    """The funnel table as downloaded: rates as ratios 0–1, with the filters and settings on every row."""
    frame = funnel_frame(report, private).drop(columns=["outside"])
    frame = frame.rename(columns={"label": UNIT_LABELS[report["by"]].lower(), "courses": "assessable_courses"})
    frame["measure"] = report["measure"]
    frame["filters"] = filters_text
    frame["settings"] = settings_text
    return frame


FUNNEL_TABLE_LABELS = {
    "label": "Unit", "courses": "Assessable courses", "events": "Events", "rate_pct": "Rate (%)",
    "ci_low_pct": "95 % low (%)", "ci_high_pct": "95 % high (%)", "limit95_range": "95 % limits (%)",
    "limit998_range": "99.8 % limits (%)", "standing": "Against the clinic mean",
}


def funnel_table(report: dict, private: bool = False) -> pd.DataFrame:
    """The funnel's units for the page's table: percentages, the limits as text, too few to judge."""
    frame = funnel_frame(report, private)
    table = pd.DataFrame({
        "label": frame["label"],
        "courses": frame["courses"],
        "events": frame["events"],
        "rate_pct": frame["rate"] * 100,
        "ci_low_pct": frame["ci_low"] * 100,
        "ci_high_pct": frame["ci_high"] * 100,
        "limit95_range": [f"{r.limit95_low * 100:.1f}–{r.limit95_high * 100:.1f}" for r in frame.itertuples()],
        "limit998_range": [f"{r.limit998_low * 100:.1f}–{r.limit998_high * 100:.1f}" for r in frame.itertuples()],
        "standing": [TOO_FEW if r.too_few else r.standing for r in frame.itertuples()],
    })
    return table


# ---------------------------------------------------------------- observed against expected

# The page's observed-against-expected table, short headers with their meaning on hover (column:
# header, help, format), so it fits the page; the CSV keeps OE_LABELS and the expected count, which
# the page leaves to the ratio and the expected rate.
OE_COLUMNS = {
    "label": ("Unit", None, "text"),
    "courses": ("Courses", "Assessable courses of the unit.", "count"),
    "observed": ("Observed", "Courses with the outcome.", "count"),
    "ratio": ("O/E", "Observed ÷ expected: above 1, better than the case mix predicts.", "ratio2"),
    "ci_low": ("95 % low", "The O/E's 95 % interval: its low end.", "ratio2"),
    "ci_high": ("95 % high", "The O/E's 95 % interval: its high end.", "ratio2"),
    "observed_pct": ("Observed %", "Observed rate: observed ÷ courses.", "pct1"),
    "observed_interval": ("Observed 95 %", "The observed rate's Wilson 95 % interval.", "text"),
    "expected_pct": ("Expected %", "Expected rate, from the case-mix model: the mean of its courses' expected "
                     "probabilities.", "pct1"),
    "verdict": ("Against expected", "Better or worse than expected when the O/E's interval lies wholly above or "
                "below 1.", "text"),
}
OE_LABELS = {
    "label": "Unit", "courses": "Assessable courses", "observed": "Observed", "expected": "Expected",
    "ratio": "O/E", "ci_low": "95 % low", "ci_high": "95 % high", "observed_pct": "Observed rate (%)",
    "observed_interval": "Observed rate 95 % (Wilson)", "expected_pct": "Expected rate (%)",
    "verdict": "Against expected",
}


def _interval(low, high) -> str:
    return "—" if low is None or high is None else f"{low * 100:.1f}–{high * 100:.1f} %"


def oe_verdict(row: dict) -> str:
    if row["too_few"]:
        return TOO_FEW
    if row["ratio"] is None:
        return "no expected value"
    if row["ci_low"] > 1:
        return "better than expected"
    if row["ci_high"] < 1:
        return "worse than expected"
    return "as expected"


def oe_table(report: dict) -> pd.DataFrame:
    """Observed against expected per unit, for the page's table and the forest plot."""
    by = report["by"]
    rows = [{"label": unit_label(u["key"], by), "courses": u["courses"], "observed": u["observed"],
             "expected": u["expected"], "ratio": u["ratio"], "ci_low": u["ci_low"], "ci_high": u["ci_high"],
             "observed_pct": None if u["observed_rate"] is None else u["observed_rate"] * 100,
             "observed_interval": _interval(u["observed_rate_ci_low"], u["observed_rate_ci_high"]),
             "expected_pct": None if u["expected_rate"] is None else u["expected_rate"] * 100,
             "verdict": oe_verdict(u), "too_few": u["too_few"]} for u in report["units"]]
    return pd.DataFrame(rows, columns=[*OE_LABELS, "too_few"])


def oe_export(report: dict, filters_text: str, settings_text: str) -> pd.DataFrame:
    frame = oe_table(report).rename(columns={"label": UNIT_LABELS[report["by"]].lower()})
    frame["measure"] = report["measure"]
    frame["model"] = report["model"]["formula"]
    frame["interval"] = report["interval"]
    frame["filters"] = filters_text
    frame["settings"] = settings_text
    return frame


def forest_chart(report: dict) -> go.Figure:
    """O/E per unit with its 95 % interval, a reference line at 1 (as expected); units with too few
    courses grey."""
    table = oe_table(report)
    table = table.loc[table["ratio"].notna()].iloc[::-1]         # first unit on top
    by, measure = report["by"], report["measure"]
    fig = go.Figure()
    for few, colour, name in ((False, PALETTE[0], "O/E with 95 % interval"), (True, NEUTRAL, TOO_FEW)):
        part = table.loc[table["too_few"] == few]
        if part.empty:
            continue
        fig.add_trace(go.Scatter(
            x=part["ratio"], y=[for_plotly(v) for v in part["label"]], mode="markers", name=name,
            marker={"color": colour, "size": 10, "symbol": "diamond"},
            error_x={"type": "data", "symmetric": False, "array": (part["ci_high"] - part["ratio"]).tolist(),
                     "arrayminus": (part["ratio"] - part["ci_low"]).tolist(), "color": colour, "thickness": 1.5},
            hovertext=[f"{for_plotly(r.label)}<br>observed {r.observed:,}, expected {r.expected:.1f} "
                       f"of {n_courses(r.courses)}<br>O/E {r.ratio:.2f} (95 % {r.ci_low:.2f}–{r.ci_high:.2f})"
                       f"<br>{r.verdict}" for r in part.itertuples()],
            hoverinfo="text"))
    fig.add_vline(x=1, line_dash="dot", line_color=NEUTRAL, annotation_text="as expected (1)",
                  annotation_position="top")
    title = f"{MEASURE_LABELS[measure]}: observed ÷ expected by {UNIT_LABELS[by].lower()}"
    subtitle = "Right of 1: more than the case mix predicts; an interval that crosses 1 is within chance."
    fig = styled(fig, title, "Observed ÷ expected (O/E)", UNIT_LABELS[by], subtitle,
                 height=max(320, 120 + 40 * len(table)) + label_rows_px(1))
    # a row above the plot for the line's label, which touched the subtitle's last line (more so
    # where the subtitle breaks into two)
    fig.update_layout(margin={"t": fig.layout.margin.t + label_rows_px(1)})
    fig.update_yaxes(type="category")
    return fig


def model_lines(model: dict) -> list[str]:
    """The model in plain words (markdown lines): what it does, its inputs, what was pooled or left
    out, n and how well it tells outcomes apart. The statistician's terms are in model_details."""
    if not model["fitted"]:
        return [model["message"]]
    inputs = ", ".join(INPUT_WORDS[i] for i in model["inputs"]) or "none (the clinic's rate for every course)"
    lines = [f"**Model**: each course's chance of the outcome, worked out from its case mix over every course of the "
             f"clinic as of the date that can be judged: **{model['n']:,} courses**, {model['events']:,} with the "
             f"outcome.",
             f"**Inputs**: {inputs}. A missing category is its own level, *unknown*."]
    if model["auc"] is not None:
        lines.append(f"**How well the case mix tells outcomes apart**: {model['auc']:.3f} (c-statistic: 0.5 = not "
                     "at all, 1 = perfectly).")
    for pooled in model["pooled"]:
        level, top = pooled["level"], pooled["with"]
        lines.append(f"{INPUT_WORDS[pooled['input']].capitalize()} {for_markdown(LEVEL_WORDS.get(level, level))} "
                     f"({pooled['courses']} courses) is counted with {for_markdown(LEVEL_WORDS.get(top, top))}: too "
                     "few courses to estimate on its own.")
    for left in model["left_out"]:
        lines.append(f"Left out: {INPUT_WORDS[left['input']]}, {for_markdown(left['reason'])}.")
    return lines


def model_details(model: dict) -> list[str]:
    """The model in a statistician's terms (markdown lines): its kind, fit statistics and formula."""
    fit = f"c-statistic (AUC) {model['auc']:.3f}" if model.get("auc") is not None else "c-statistic —"
    if model.get("pseudo_r2") is not None:
        fit += f", McFadden pseudo-R² {model['pseudo_r2']:.3f}"
    return ["**Model**: logistic regression (statsmodels GLM, binomial, logit link).", f"**Fit**: {fit}.",
            f"**Formula**: `{model['formula']}`"]


def coefficient_table(model: dict) -> pd.DataFrame:
    """The model's coefficients (log-odds) with their standard errors."""
    return pd.DataFrame(model["coefficients"], columns=["term", "estimate", "std_error"])
