"""The dashboard's entry script: ``streamlit run dashboard/app.py`` (or ``dashboard.serve``)."""

from __future__ import annotations

import streamlit as st

# No icons: a page's icon becomes the tab's favicon, and a Material icon favicon is fetched
# from the internet; the dashboard makes no request beyond its own server.
st.set_page_config(page_title="Paris open data", layout="wide")

PAGES = [
    st.Page("views/overview.py", title="Overview", default=True),
    st.Page("views/parking.py", title="Parking"),
    st.Page("views/traffic.py", title="Traffic"),
    st.Page("views/departures.py", title="Departures"),
]

st.navigation(PAGES).run()
