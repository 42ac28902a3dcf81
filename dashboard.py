"""Entry point: page config, the database (a demo one on first start), sidebar filters, navigation.

No SQL and no metric logic here: pages ask clinic.ui for data and draw it.
"""
import streamlit as st

from clinic import ui

st.set_page_config(page_title="Patient progress", page_icon="📈", layout="wide")

path = ui.setup()
PAGES = [
    st.Page("pages/overview.py", title="Overview", icon=":material/home:", default=True),
    st.Page("pages/pain_trends.py", title="Pain trends", icon=":material/trending_down:"),
    st.Page("pages/first_session.py", title="First-session relief", icon=":material/bolt:"),
    st.Page("pages/adherence.py", title="Adherence", icon=":material/calendar_month:"),
    st.Page("pages/patients.py", title="Patients", icon=":material/person:"),
    st.Page("pages/cohorts.py", title="Cohorts", icon=":material/groups:"),
    st.Page("pages/import_data.py", title="Import", icon=":material/upload_file:"),
]
if not path.exists():     # no database yet: only the Import page can help
    PAGES = [p for p in PAGES if p.title == "Import"]
navigation = st.navigation(PAGES)
filters = ui.sidebar_filters(path)
with ui.entry_run(path, filters):
    navigation.run()
