"""The Paris Public Data API on Chalice: this file only wires the blueprints (code: chalicelib/)."""

from chalice.app import Chalice
from chalicelib import (
    aggregations,
    datasets,
    departures,
    health,
    openapi,
    parkings,
    source_status,
    traffic,
)
from chalicelib.web import BINARY_TYPES, accept_any

app = Chalice(app_name="paris-api")
app.api.binary_types = list(BINARY_TYPES)
app.register_middleware(accept_any, "http")
for blueprint in (
    parkings.bp,
    traffic.bp,
    departures.bp,
    datasets.bp,
    aggregations.bp,
    source_status.bp,
    health.bp,
    openapi.bp,
):
    app.register_blueprint(blueprint)
