"""The Lambda bundle: ``python -m api.build_vendor`` then ``chalice package``, offline.

The bundle is then unzipped and its app called with API Gateway events in a Python that sees
only the bundle and what the Lambda runtime provides (boto3): no plugin package, no aiohttp,
shapely or numpy, nothing from this checkout.
"""

from __future__ import annotations

import base64
import gzip
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from api_testkit import APP, World, get
from chalicelib import swagger_assets
from chalicelib.web import ENDPOINTS

from api.build_vendor import build
from collector.storage.dynamo_items import BY_DAY, BY_KIND, Tables

ROOT = Path(__file__).resolve().parents[2]
API_DIR = ROOT / "api"
RUNTIME = ["boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six.py", "urllib3"]
"""What the Lambda Python runtime brings besides the standard library."""
LAMBDA_PY = f"python{sys.version_info[0]}.{sys.version_info[1]}"


def run(args: list[str], cwd: Path, **env: str) -> str:
    done = subprocess.run(
        args, cwd=cwd, capture_output=True, text=True, env={**os.environ, **env}, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture(scope="session")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``chalice package --stage prod`` of a copy of api/ (with API keys on), vendor built."""
    project = tmp_path_factory.mktemp("bundle") / "api"
    ignore = shutil.ignore_patterns("__pycache__", "deployments")
    shutil.copytree(API_DIR / "chalicelib", project / "chalicelib", ignore=ignore)
    shutil.copytree(API_DIR / ".chalice", project / ".chalice", ignore=ignore)
    for name in ("app.py", "requirements.txt"):
        shutil.copy2(API_DIR / name, project / name)
    config_path = project / ".chalice" / "config.json"
    config = json.loads(config_path.read_text())
    config["stages"]["prod"]["environment_variables"]["PARIS_API_KEY_REQUIRED"] = "true"
    config_path.write_text(json.dumps(config))
    build(project / "vendor")
    out = project.parent / "out"
    chalice = str(Path(sys.executable).parent / "chalice")
    # PIP_NO_INDEX: any download attempt would fail the build.
    run([chalice, "package", "--stage", "prod", str(out)], project,
        AWS_DEFAULT_REGION="eu-west-3", PIP_NO_INDEX="1")  # fmt: skip
    return out


def test_zip_holds_the_app_and_its_vendor_only(package: Path) -> None:
    with zipfile.ZipFile(package / "deployment.zip") as bundle:
        names = bundle.namelist()
    tops = {n.split("/")[0] for n in names}
    assert {"app.py", "chalicelib", "chalice", "collector", "paris_api_manifest.json"} <= tops
    assert {"pydantic", "pydantic_core", "pydantic_settings", "orjson", "dotenv"} <= tops
    assert "collector/storage/dynamo_reader.py" in names
    assert "chalicelib/web.py" in names
    assert any(n.startswith("pydantic_core/") and n.endswith(".so") for n in names)
    # The docs page's files, and only those of the package's ~10 MB of builds and maps.
    ui = [n for n in names if n.startswith("swagger_ui_bundle/vendor/")]
    assert sorted(n.rsplit("/", 1)[1] for n in ui) == sorted(swagger_assets.ASSETS)
    assert not tops & {"sources", "aggregations", "numpy", "shapely", "aiohttp", "boto3",
                       "botocore", "vendor", "tests"}  # fmt: skip
    assert (package / "deployment.zip").stat().st_size < 10_000_000


def test_template_deploys_a_read_only_function_behind_api_keys(package: Path) -> None:
    template = json.loads((package / "sam.json").read_text())
    function = template["Resources"]["APIHandler"]["Properties"]
    assert function["Runtime"] == LAMBDA_PY
    assert function["Environment"]["Variables"] == {
        "PARIS_STORAGE": "aws",
        "PARIS_TABLE_PREFIX": "paris_",
        "PARIS_API_KEY_REQUIRED": "true",
    }
    role = template["Resources"]["ApiHandlerRole"]["Properties"]
    policy = json.loads((API_DIR / ".chalice" / "policy-prod.json").read_text())
    assert role["Policies"][0]["PolicyDocument"] == policy
    swagger = template["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]
    assert swagger["x-amazon-apigateway-binary-media-types"] == ["*/*"]
    assert swagger["securityDefinitions"]["api_key"]["in"] == "header"
    assert set(swagger["paths"]) == set(APP.routes)
    for path, item in swagger["paths"].items():
        assert item["get"]["security"] == [{"api_key": []}], path
        assert "options" in item, path  # CORS preflight
        # Every method reaches the function, which answers 404/405 in the envelope (API
        # Gateway's own answer would be a 403 "Missing Authentication Token").
        assert set(item) == {"get", "head", "post", "put", "patch", "delete", "options"}, path
        preflight = item["options"]["x-amazon-apigateway-integration"]["responses"]["default"]
        allowed = preflight["responseParameters"][
            "method.response.header.Access-Control-Allow-Methods"
        ]
        assert allowed == "'GET,HEAD,OPTIONS'", path
    assert "/{proxy+}" in swagger["paths"] and "/parkings/{id}" in swagger["paths"]


@pytest.mark.parametrize("world", ["local", "aws"], indirect=True)
def test_bundle_answers_on_its_own(package: Path, world: World, tmp_path: Path) -> None:
    task = tmp_path / "task"
    with zipfile.ZipFile(package / "deployment.zip") as bundle:
        bundle.extractall(task)
    runtime = tmp_path / "runtime"
    runtime.mkdir()
    site = Path(next(p for p in sys.path if p.endswith("site-packages")))
    for name in RUNTIME:
        (runtime / name).symlink_to(site / name)
    settings = world.settings
    env = {
        "PARIS_STORAGE": settings.storage,
        "PARIS_DATA_DIR": str(settings.data_dir),
        "PARIS_TABLE_PREFIX": settings.table_prefix,
        "PARIS_API_KEY_REQUIRED": "true",
    }
    if settings.aws_endpoint_url:
        env["PARIS_AWS_ENDPOINT_URL"] = settings.aws_endpoint_url
    probe = (
        "import sys, json; sys.path[:0] = [sys.argv[1], sys.argv[2]]\n"
        "from app import app\n"
        "events = json.loads(sys.argv[3])\n"
        "answers = [app(e, None) for e in events]\n"
        "print(json.dumps({'answers': answers, 'modules': sorted({m.split('.')[0] for m in sys.modules})}))\n"  # noqa: E501
    )
    events = [
        event("/parkings", query={"arrondissement": ["12"]}),
        event("/traffic"),
        event("/parkings/{id}/history", id="1"),
        event("/aggregation_traffic_congestion_index"),
        event("/sources"),
        event("/openapi.json"),
        event("/departures", query={"limit": ["0"]}),
        event("/"),
        event("/docs/swagger-ui-bundle.js"),
        event("/{proxy+}", path="/nowhere/at/all", proxy="nowhere/at/all"),
        event("/parkings", method="POST"),
        event("/parkings", method="HEAD", query={"arrondissement": ["12"]}),
    ]
    out = run([sys.executable, "-S", "-c", probe, str(task), str(runtime), json.dumps(events)],
              task, **env)  # fmt: skip
    result = json.loads(out.strip().splitlines()[-1])
    assert not set(result["modules"]) & {"sources", "aggregations", "numpy", "shapely", "aiohttp"}
    answers = result["answers"]
    parkings, traffic, history, gold, sources, doc, bad = [decode(a) for a in answers[:7]]
    index, script, unknown, post = [decode(a, text=i == 1) for i, a in enumerate(answers[7:11])]
    head = answers[11]
    assert [p["entity_id"] for p in parkings[1]["data"]] == ["1", "2", "3"]
    assert parkings[2]["Cache-Control"] == "private, max-age=60"
    assert traffic[2]["Content-Encoding"] == "gzip"
    assert len(traffic[1]["data"]) == len(world.traffic)
    assert [r["observed_at"] for r in history[1]["data"]] == world.history["parking#1"]
    assert gold[1]["data"][0]["window_end"] == world.gold["traffic_congestion_index"][0]
    names = ["departures", "parking", "traffic", "velib"]
    assert [s["name"] for s in sources[1]["data"]] == names
    assert doc[1]["security"] == [{"api_key": []}]
    assert doc[1]["servers"] == [{"url": "https://abc.execute-api.eu-west-3.amazonaws.com/api"}]
    assert (bad[0], bad[1]["error"]["parameter"]) == (400, "limit")
    base = "https://abc.execute-api.eu-west-3.amazonaws.com/api"
    assert index[1]["data"]["docs"] == f"{base}/docs"
    assert {r["path"] for r in index[1]["data"]["routes"]} == set(doc[1]["paths"])
    assert script[1] == swagger_assets.read("swagger-ui-bundle.js")
    assert (unknown[0], unknown[1]["error"]["message"]) == (
        404,
        "no route /nowhere/at/all: see / for the routes of this API",
    )
    assert unknown[2]["Access-Control-Allow-Origin"] == "*"
    assert (post[0], post[1]["error"]["code"], post[2]["Allow"]) == (
        405,
        "method_not_allowed",
        "GET, HEAD, OPTIONS",
    )
    assert head["statusCode"] == 200 and base64.b64decode(head["body"]) == b""
    assert head["headers"]["ETag"] == answers[0]["headers"]["ETag"]
    # The frozen manifest gives the same licences and schemas as discovering the plugins.
    assert doc[1]["components"]["schemas"] == get_local_document()["components"]["schemas"]


def event(
    resource: str,
    *,
    query: dict[str, list[str]] | None = None,
    method: str = "GET",
    path: str | None = None,
    **params: str,
) -> Any:
    """An API Gateway (REST, Lambda proxy) event."""
    path = path or resource.format(**params)
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": {
            "Host": "abc.execute-api.eu-west-3.amazonaws.com",
            "Accept-Encoding": "gzip",
            "X-Forwarded-Proto": "https",
            "x-api-key": "k",
        },
        "multiValueQueryStringParameters": query,
        "pathParameters": params or None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": resource,
            "httpMethod": method,
            "stage": "api",
            "path": f"/api{path}",
        },
        "body": None,
        "isBase64Encoded": False,
    }


def decode(answer: dict[str, Any], *, text: bool = False) -> tuple[int, Any, dict[str, str]]:
    body = base64.b64decode(answer["body"]) if answer.get("isBase64Encoded") else answer["body"]
    if answer["headers"].get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    return answer["statusCode"], body if text else json.loads(body), answer["headers"]


def get_local_document() -> Any:
    from chalice.test import Client
    from chalicelib import context

    context.configure(None)
    with Client(APP) as client:
        status, doc, _ = get(client.http, "/openapi.json")
    assert status == 200
    return doc


# the IAM policy ------------------------------------------------------------------------------
@pytest.mark.parametrize("stage", ["prod", "dev"])
def test_policy_reads_the_stage_tables_and_nothing_else(stage: str) -> None:
    config = json.loads((API_DIR / ".chalice" / "config.json").read_text())
    prefix = config["stages"][stage]["environment_variables"]["PARIS_TABLE_PREFIX"]
    assert config["stages"][stage]["iam_policy_file"] == f"policy-{stage}.json"
    policy = json.loads((API_DIR / ".chalice" / f"policy-{stage}.json").read_text())
    tables, logs = policy["Statement"]
    assert tables["Effect"] == "Allow"
    assert sorted(tables["Action"]) == ["dynamodb:DescribeTable", "dynamodb:GetItem",
                                        "dynamodb:Query"]  # fmt: skip
    names = Tables.named(prefix).all()
    arns = {f"arn:aws:dynamodb:eu-west-3:*:table/{name}" for name in names}
    assert set(tables["Resource"]) == arns | {f"{arn}/index/*" for arn in arns}
    assert {a.split(":")[0] for a in logs["Action"]} == {"logs"}
    assert all(f"/aws/lambda/paris-api-{stage}" in r for r in logs["Resource"])
    assert all("*" not in action for s in policy["Statement"] for action in s["Action"])


@pytest.mark.parametrize("world", ["aws"], indirect=True)
def test_every_dynamodb_call_is_allowed_by_the_policy(api: Any, world: World) -> None:
    from chalicelib import context

    reader: Any = context.reader()
    calls: set[str] = set()
    indexes: set[str] = set()

    def record(params: dict[str, Any], model: Any, **_: Any) -> None:
        calls.add(model.name)
        if "IndexName" in params:
            indexes.add(params["IndexName"])

    reader._ddb.meta.events.register("provide-client-params.dynamodb.*", record)
    known = {"parking": "1", "traffic": "6228", "departures": next(iter(world.departures))}
    for path in sorted({spec.path for spec in ENDPOINTS.values()}):
        dataset = path.removeprefix("/datasets/").split("/")[0]
        entity = quote(known.get(dataset, "none-seeded"), safe="")
        path = path.replace("{id}", "1").replace("{arc_id}", "6228")
        path = path.replace("{entity_id}", entity)
        status = api.get(path).status_code
        # a dataset the world does not seed (a plugin added since) has no such entity
        assert status == 200 or (status == 404 and dataset not in known), path
    get(api, "/parkings/999/history")
    reader._ddb.meta.events.unregister("provide-client-params.dynamodb.*", record)
    assert calls == {"Query", "GetItem"}
    assert indexes <= {BY_KIND, BY_DAY}
