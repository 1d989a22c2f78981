"""The Paris Public Data API on Chalice: this file only wires the blueprints (code: chalicelib/)."""

from chalice.app import Chalice
from chalicelib import (
    aggregations,
    completeness,
    datasets,
    departures,
    docs,
    fallback,
    health,
    index,
    openapi,
    parkings,
    source_status,
    traffic,
)
from chalicelib.web import BINARY_TYPES, accept_any

app = Chalice(app_name="paris-api")
app.api.binary_types = list(BINARY_TYPES)
app.register_middleware(accept_any, "http")
app.register_middleware(fallback.chalice_errors, "http")
for blueprint in (
    index.bp,
    parkings.bp,
    traffic.bp,
    departures.bp,
    datasets.bp,
    aggregations.bp,
    source_status.bp,
    completeness.bp,
    health.bp,
    openapi.bp,
    docs.bp,
):
    app.register_blueprint(blueprint)
fallback.register(app)  # last: it answers what the routes above do not
