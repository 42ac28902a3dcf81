"""Entry point: page config, the database (a demo one on first start), navigation. No SQL here."""
import streamlit as st

from clinic import ui

st.set_page_config(page_title="Patient progress", page_icon="📈", layout="wide")
ui.setup()

navigation = st.navigation([
    st.Page("pages/overview.py", title="Overview", icon="🏠", default=True),
])
navigation.run()
