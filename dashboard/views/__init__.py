"""The dashboard's pages, run by ``st.navigation`` (see ``dashboard/app.py``).

Not named ``pages/``: Streamlit would also serve a ``pages/`` folder next to the entry script as
legacy pages, and a first visit to ``/parking`` would run the page without the app around it.
"""
