"""Fair comparison: therapists and sites against the clinic mean (funnel plot) and against what their
patients' case mix predicts (observed ÷ expected)."""
import streamlit as st

from clinic import casemix, exports, funnel, settings, ui
from clinic.charts import fairness as charts
from clinic.charts import grey_rows
from clinic.text import for_markdown

path, filters = ui.require_entry(__file__)

st.title("Fair comparison")
ui.filters_caption(filters)
private = filters.scope is not None
if private:
    st.info(f"Signed in as therapist {for_markdown(filters.scope)}: the funnel plot shows the whole clinic, with "
            "your own point named and every other therapist as an unnamed point; groups of too few patients are "
            "left out, as on the Cohorts page. Observed against expected covers your own courses.")

bound = {"bind": "query-params", "persist_state": "session"}
left, right = st.columns(2)
measure = left.selectbox("Measure", list(charts.MEASURE_LABELS), format_func=charts.MEASURE_LABELS.get,
                         key="fair.measure", **bound) or "relief"
by = right.selectbox("Compare", list(charts.UNIT_LABELS), format_func=lambda k: charts.UNIT_PLURALS[k].capitalize(),
                     key="fair.by", **bound) or "therapist"
st.markdown(f"Measure: **{charts.measure_words(measure, filters.relief_rule)}**. Only courses where it can be "
            "judged count.")
filters_text = filters.describe()
settings_text = settings.describe_line(filters.settings, filters.relief_rule)

# ---------------------------------------------------------------- funnel
st.subheader("Funnel plot: rate against caseload")
report = funnel.for_page(path, filters, by, measure)
if report.get("total_hidden"):
    st.info("The whole clinic's figures for these filters cover too few patients to show to a therapist's "
            "account without revealing other therapists' patients. Widen the filters in the sidebar.")
elif not report["units"]:
    ui.empty_state(ui.no_courses_message(filters))
elif not report["courses"]:
    st.info(f"No matching course can be judged for {charts.MEASURE_LABELS[measure].lower()} yet, so there is "
            "nothing to plot.")
else:
    ui.chart(charts.funnel_chart, report, private, width="stretch")
    st.markdown(charts.funnel_sentence(report, private))
    st.caption(f"Clinic mean {charts.pct(report['mean'])} over {report['courses']:,} assessable courses. Limits: "
               "mean ± z·√(mean·(1 − mean)/n) at each caseload n (normal approximation of the binomial, the "
               "funnel plot of Spiegelhalter 2005), z = 1.96 (95 %) and 3.09 (99.8 %), kept within 0–100 %. "
               f"Grey points: fewer than {filters.settings.min_cohort} courses, too few to judge. Each rate's own "
               "95 % interval (Wilson) is in the hover text and the table.")
    if report.get("hidden_units"):
        st.caption(charts.hidden_units_sentence(report, by))
    table = charts.funnel_table(report, private)
    ui.show_table(table, charts.FUNNEL_TABLE_LABELS, key="fair.funnel_table",
                  config={c: st.column_config.NumberColumn(charts.FUNNEL_TABLE_LABELS[c], format="%.1f")
                          for c in ("rate_pct", "ci_low_pct", "ci_high_pct")})
    data = charts.funnel_export(report, private, filters_text, settings_text)
    ui.download("Download the funnel table (CSV)", ui.csv(data),
                exports.file_name(f"funnel-{measure}-by-{by}", filters, "csv"), rows=len(data),
                key="fair.download.funnel",
                help="Rates as ratios 0–1; every row states the filters and the settings.")

# ---------------------------------------------------------------- observed against expected
st.subheader("Observed against expected, after case mix")
st.markdown("A therapist whose patients start in more pain, or more often with a harder diagnosis, may be "
            "expected to relieve fewer of them. The expected count of each course comes from a model of the "
            "whole clinic's courses; **O/E** is the observed count divided by the sum of the expected ones.")
expected = casemix.for_page(path, filters, by, measure)
model = expected["model"]
if expected.get("hidden"):
    st.info("The whole clinic's figures for these filters cover too few patients to compare with a model of them "
            "without revealing other therapists' patients. Widen the filters in the sidebar.")
else:
    lines = charts.model_lines(model)
    if not model["fitted"]:
        st.warning(lines[0])
    else:
        with st.container(border=True):
            for line in lines:
                st.markdown(line)
        oe = charts.oe_table(expected)
        if oe.empty:
            st.info("None of your matching courses can be judged for this measure yet." if private else
                    "No matching course can be judged for this measure yet.")
        else:
            ui.chart(charts.forest_chart, expected, width="stretch")
            st.caption("Interval: (O ± 1.96·√V) ÷ E with V = Σ p(1 − p) over the unit's courses, p each course's "
                       "expected probability (normal approximation, the model taken as known). Grey rows: fewer "
                       f"than {filters.settings.min_cohort} courses, too few to judge.")
            styled = grey_rows(oe, oe.too_few)
            st.dataframe(styled, hide_index=True, placeholder=ui.MISSING, width="stretch", key="fair.oe_table",
                         column_config=ui.table_config(oe, charts.OE_COLUMNS))
            data = charts.oe_export(expected, filters_text, settings_text)
            ui.download("Download observed and expected (CSV)", ui.csv(data),
                        exports.file_name(f"observed-expected-{measure}-by-{by}", filters, "csv"), rows=len(data),
                        key="fair.download.expected",
                        help="Every row states the model, the interval, the filters and the settings.")
        st.caption("The funnel above compares raw rates; observed against expected allows for each therapist's "
                   "case mix. A unit can stand out on one and not on the other: a rate below the clinic's can be "
                   "what its patients' case mix predicts.")
        with st.expander("The model in detail: formula, fit and coefficients (log-odds)"):
            for line in charts.model_details(model):
                st.markdown(line)
            st.dataframe(charts.coefficient_table(model), hide_index=True,
                         placeholder=ui.MISSING, width="stretch", key="fair.coefficients")
