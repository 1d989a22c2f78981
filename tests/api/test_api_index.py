"""The API explains itself: ``/`` links every route, ``/docs`` is Swagger UI served offline."""

from __future__ import annotations

import gzip
import re
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

import pytest
from api_testkit import SEEDED, World, get
from chalicelib import context, openapi30, swagger_assets
from chalicelib.web import ENDPOINTS


def concrete(path: str, world: World) -> str:
    """A template path with ids the seeded store has."""
    dataset = path.removeprefix("/datasets/").split("/")[0]
    ids = {"parking": "1", "traffic": "6228", "departures": next(iter(world.departures))}
    entity = quote(ids.get(dataset, "none-seeded"), safe="")
    path = path.replace("{source}", "traffic")  # /completeness/{source}
    return path.replace("{id}", "1").replace("{arc_id}", "6228").replace("{entity_id}", entity)


def test_index_says_what_the_api_is(api: Any) -> None:
    status, body, headers = get(api, "/")
    assert status == 200
    assert headers["Cache-Control"] == "public, max-age=300"
    data = body["data"]
    assert data["name"] == "Paris Public Data API"
    assert "Paris" in data["description"] and data["version"]
    assert "MIT" in data["licence"] and "meta.attribution" in data["licence"]
    # The sources' own licences and attributions are in meta, as on every answer.
    assert "ODbL" in body["meta"]["licence"]
    assert set(SEEDED) <= set(body["meta"]["sources"])
    base = get(api, "/openapi.json")[1]["servers"][0]["url"]
    assert data["openapi"] == f"{base}/openapi.json"
    assert data["docs"] == f"{base}/docs"


def test_index_links_every_documented_route(api: Any) -> None:
    routes = get(api, "/")[1]["data"]["routes"]
    doc = get(api, "/openapi.json")[1]
    base = doc["servers"][0]["url"]
    assert [r["path"] for r in routes] == sorted(doc["paths"])
    for link in routes:
        operation = doc["paths"][link["path"]]["get"]
        assert link["operation_id"] == operation["operationId"]
        assert link["summary"] == operation["summary"]
        assert link["url"] == base + link["path"]
        assert link["methods"] == ["GET", "HEAD"]
    paths = {r["path"] for r in routes}
    catalogue = context.catalog()
    assert {f"/datasets/{name}" for name in catalogue.datasets} <= paths
    assert {f"/aggregation_{name}" for name in catalogue.aggregations} <= paths
    assert {"/", "/openapi.json", "/docs", "/health", "/sources", "/parkings"} <= paths


def test_every_link_answers(api: Any, world: World) -> None:
    routes = get(api, "/")[1]["data"]["routes"]
    for link in routes:
        path = concrete(urlsplit(link["url"]).path, world)
        status = api.get(path).status_code
        dataset = path.removeprefix("/datasets/").split("/")[0]
        seeded = not path.startswith("/datasets/") or dataset in SEEDED
        assert status < 500, path
        # A dataset of a plugin the world does not seed has no such entity.
        assert status == 200 or (status == 404 and not seeded), (path, status)


class Refs(HTMLParser):
    """The URLs a page loads or links to."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [value for name, value in attrs if name in ("src", "href") and value]


@pytest.mark.parametrize(
    ("page", "at"),
    [("/docs", "https://abc.example/api/docs"), ("/docs/", "https://abc.example/api/docs/")],
)
def test_docs_page_loads_only_from_the_api(api: Any, page: str, at: str) -> None:
    response = api.get(page)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    html = response.body.decode()
    assert not re.search(r"https?://", html), "an absolute URL in the docs page"
    refs = Refs()
    refs.feed(html)
    spec = re.search(r'url: "([^"]+)"', html)
    assert spec is not None
    loaded = [*refs.urls, spec[1]]
    assert {"docs/swagger-ui.css", "docs/swagger-ui-bundle.js", "docs/openapi.json"} <= {
        u.removeprefix("../") for u in loaded
    }
    for url in loaded:
        # Resolved as a browser does under the stage prefix, each is a route of this API.
        absolute = urlsplit(urljoin(at, url))
        assert absolute.netloc == "abc.example" and absolute.path.startswith("/api/"), url
        assert api.get(absolute.path.removeprefix("/api")).status_code == 200, url


@pytest.mark.parametrize("name", sorted(swagger_assets.ASSETS))
def test_docs_assets_are_the_packages_files(api: Any, name: str) -> None:
    response = api.get(f"/docs/{name}", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == swagger_assets.ASSETS[name]
    assert response.headers["Cache-Control"] == "public, max-age=86400"
    body = response.body
    if response.headers.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    assert body == swagger_assets.folder().joinpath(name).read_bytes()
    again = api.get(f"/docs/{name}", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_large_assets_are_compressed(api: Any) -> None:
    response = api.get("/docs/swagger-ui-bundle.js", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert len(response.body) < len(swagger_assets.read("swagger-ui-bundle.js")) / 2


def test_docs_document_is_the_same_in_openapi_30(api: Any) -> None:
    """Swagger UI 4 renders no 3.1 document: the page gets the same one in 3.0's words."""
    doc = get(api, "/openapi.json")[1]
    old = get(api, "/docs/openapi.json")[1]
    assert (doc["openapi"], old["openapi"]) == ("3.1.0", "3.0.3")
    assert old["paths"].keys() == doc["paths"].keys()
    assert old["components"]["schemas"].keys() == doc["components"]["schemas"].keys()
    assert old == openapi30.downgrade(doc)

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, child in value.items():
                if key not in ("properties", "schemas", "paths"):
                    assert key not in ("const", "prefixItems", "$defs"), key
                    if key == "type":
                        assert isinstance(child, str) and child != "null", child
                    if key in ("exclusiveMinimum", "exclusiveMaximum"):
                        assert child is True
                walk(child)
        elif isinstance(value, list):
            for child in value:
                walk(child)

    walk(old)
    meta = old["components"]["schemas"]["Meta"]["properties"]
    assert meta["next"]["type"] == "string" and meta["next"]["nullable"] is True


def test_openapi_30_conversion() -> None:
    given = {
        "openapi": "3.1.0",
        "components": {
            "schemas": {
                "A": {
                    "type": "object",
                    "properties": {
                        "const": {"type": ["integer", "null"], "exclusiveMinimum": 0},
                        "ref": {"anyOf": [{"$ref": "#/components/schemas/B"}, {"type": "null"}]},
                        "kind": {"const": "x", "examples": ["x"]},
                        "either": {"type": ["string", "integer"]},
                        "point": {"prefixItems": [{"type": "number"}, {"type": "number"}]},
                        "text": {"anyOf": [{"type": "string", "maxLength": 3}, {"type": "null"}]},
                    },
                }
            }
        },
    }
    props = openapi30.downgrade(given)["components"]["schemas"]["A"]["properties"]
    assert props["const"] == {
        "type": "integer", "nullable": True, "minimum": 0, "exclusiveMinimum": True,
    }  # fmt: skip
    assert props["ref"] == {"nullable": True, "allOf": [{"$ref": "#/components/schemas/B"}]}
    assert props["kind"] == {"enum": ["x"], "example": "x"}
    assert props["either"] == {"anyOf": [{"type": "string"}, {"type": "integer"}]}
    assert props["point"] == {"items": {"type": "number"}}
    assert props["text"] == {"nullable": True, "type": "string", "maxLength": 3}
    assert given["openapi"] == "3.1.0"  # the given document is left as it is


def test_index_and_docs_are_in_the_document(api: Any) -> None:
    doc = get(api, "/openapi.json")[1]
    assert doc["paths"]["/"]["get"]["operationId"] == "index"
    docs = doc["paths"]["/docs"]["get"]["responses"]["200"]["content"]
    assert list(docs) == ["text/html"]
    undocumented = {s.path for s in ENDPOINTS.values() if not s.documented}
    assert undocumented and not undocumented & set(doc["paths"])
    assert all(p.startswith("/docs/") for p in undocumented)
