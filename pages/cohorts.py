"""Placeholder until this page is built."""
import streamlit as st

from clinic import ui

path, filters = ui.require_entry(__file__, needs_data=False)
st.title("cohorts")
st.info("This page is being built.")
