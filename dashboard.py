"""Entry point of the patient-progress dashboard.

`streamlit run dashboard.py` finds the `st.App` below and serves it: Streamlit plus the sign-in
routes and request guards of clinic/web.py. Each browser session then runs this file as a script
(`__name__ == "__main__"`), whose body is clinic.ui.main(): page config, the database (a demo one
on first start), the sign-in, the sidebar filters and the navigation. No SQL and no metric logic
here.
"""
import streamlit as st

if __name__ == "__main__":
    from clinic import ui

    ui.main()
else:
    from clinic import web

    app = st.App(__file__, routes=web.routes(), middleware=web.middleware(), lifespan=web.lifespan)
