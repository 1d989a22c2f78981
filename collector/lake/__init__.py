"""The lake: every dataset's and analytic's whole history as Apache Iceberg tables.

``writer`` folds bronze (re-parsed) and gold into the tables in batches, behind cursors;
``tables`` creates, evolves and merges them; ``query`` answers SQL over them with DuckDB;
``catalog`` says where they are (a SQL catalog locally, Glue on AWS). See docs/lake.md.
"""
