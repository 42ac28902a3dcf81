"""Overview: the three questions at a glance for every course as of today."""
import datetime as dt

import streamlit as st

from clinic import store, ui

path = store.database_path()
as_of = dt.date.today()
st.title("Patient progress")
st.caption(f"All courses started on or before {as_of:%d %b %Y}; figures as of that date.")

overall = ui.report(path, as_of)["overall"]
if overall["courses"] == 0:
    st.info("No courses yet. Import session files to see patients' progress here.")
    st.stop()

relief = overall["first_session_relief"]
improvement = overall["sustained_improvement"]
adherence = overall["adherence"]


def pct(value):
    return "—" if value is None else f"{value:.0%}"


cols = st.columns(4)
cols[0].metric("Courses", f"{overall['courses']:,}", help=f"{overall['patients']:,} patients")
cols[1].metric("Relief after the first session", pct(relief["rate"]),
               help=f"{relief['relieved']:,} of {relief['assessable']:,} assessable courses; "
                    f"95 % interval {pct(relief['ci_low'])}–{pct(relief['ci_high'])}")
cols[2].metric("Median pain reduction", "—" if improvement["median_pct"] is None else f"{improvement['median_pct']:.0f} %",
               help=f"over {improvement['assessable']:,} courses with two scored visit days")
cols[3].metric("Mean adherence to the daily course", pct(adherence["mean"]),
               help=f"{adherence['adherent']:,} adherent, {adherence['completed']:,} completed, "
                    f"{adherence['dropped_out']:,} dropped out")
