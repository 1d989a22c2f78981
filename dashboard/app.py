"""The dashboard's entry script: ``streamlit run dashboard/app.py`` (or ``dashboard.serve``)."""

from __future__ import annotations

import streamlit as st

from dashboard import navigation

# No icons: a page's icon becomes the tab's favicon, and a Material icon favicon is fetched
# from the internet; the dashboard makes no request beyond its own server.
st.set_page_config(page_title="Paris open data", layout="wide")

# The hand-made pages, then a page for every other source and analytic the plugins declare;
# expanded: Streamlit would otherwise fold all but the first ten behind "View more".
st.navigation(navigation.pages(), expanded=True).run()
