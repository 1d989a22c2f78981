"""The reader API: one module per resource, shared request/response code in ``web`` and ``params``.

Everything reads through :func:`collector.storage.make_reader`, so the same code serves SQLite
(local) and DynamoDB (AWS).
"""
