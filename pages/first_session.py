"""First-session relief: does relief come after the first session in most cases?"""
import streamlit as st

from clinic import exports, ui
from clinic.charts import relief as charts
from clinic.filters import COHORT_FIELDS

path, filters = ui.require_entry(__file__)

st.title("First-session relief")
ui.filters_caption(filters)

summary = ui.overall()
if summary["courses"] == 0:
    ui.empty_state(ui.no_courses_message(filters))

st.markdown(charts.rule_sentence(filters.relief_rule) + " Change the rule in the sidebar.")

relief = summary["first_session_relief"]
counts = ui.query("relief_assessability").iloc[0].to_dict()
st.markdown(charts.verdict_sentence(relief, filters.relief_rule))

tiles = st.columns(2) + st.columns(2)      # two a row: the interval stays whole in a narrow window
tiles[0].metric("First-session relief", ui.fmt_pct(relief["rate"], 1),    # the interval's one decimal
                help=f"{relief['relieved']:,} of {relief['assessable']:,} assessable courses.", border=True)
tiles[1].metric("95 % interval", charts.interval_text(relief["ci_low"], relief["ci_high"]),
                help="Wilson score interval, 95 %, no continuity correction.", border=True)
tiles[2].metric("Assessable courses", f"{counts['assessable']:,}",
                help=f"Of {counts['courses']:,} matching courses.", border=True)
tiles[3].metric("Not assessable", f"{counts['not_assessable']:,}",
                help="No attended session yet, a missing first-session score, or pain 0 before it.", border=True)
st.caption(charts.not_assessable_sentence(counts))

if relief["rate"] is not None:
    ui.chart(charts.claim_chart, relief, filters.relief_rule, width="stretch")

st.subheader("By cohort")
group = st.selectbox("Compare relief by", list(COHORT_FIELDS), format_func=COHORT_FIELDS.get, key="relief.by",
                     bind="query-params", persist_state="session")
table = charts.cohort_table(ui.cohort(group), group)
if table.relief_assessable.sum() == 0:
    st.info("No matching course can be judged for first-session relief, so there is nothing to compare.")
else:
    ui.chart(charts.relief_by_cohort, table, group, filters.relief_rule, width="stretch")
ui.show_table(table, charts.TABLE_LABELS, key="relief.table")
ui.download("Download this table (CSV)", ui.csv(table.rename(columns=charts.TABLE_LABELS)),
            exports.file_name(f"first-session-relief-by-{group}", filters, "csv"), rows=len(table),
            key="relief.download.by_cohort", help="The file name states the as-of date and the filters.")

st.subheader("Size of the first-session change")
changes = ui.query("relief_first_change")
if changes.empty:
    st.info("No matching course has both pain scores at its first session yet.")
else:
    without = counts["no_attended_session"] + counts["missing_score"]
    ui.chart(charts.first_change_histogram, changes, filters.relief_rule, without, width="stretch")
