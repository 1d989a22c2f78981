"""Build ``api/vendor/``: what the Lambda bundle needs besides ``app.py`` and ``chalicelib/``.

    uv run python -m api.build_vendor          # then: cd api && uv run chalice package OUT

``chalice package``/``deploy`` copy ``vendor/`` to the root of the zip, and download nothing
(``api/requirements.txt`` is empty), so both work offline. The vendor holds:

- ``collector/``: the project's storage readers, keys and settings, and ``readlayer/``, the
  read side the API shares with the dashboard (from this checkout);
- ``paris_api_manifest.json``: the plugins' licences, intervals and record/output schemas,
  made by discovering the plugins here (built-in, installed entry points and
  ``PARIS_PLUGIN_DIR``; see ``readlayer/manifest.py``): the API declares one route per
  dataset and analytic of it. The ``sources`` and
  ``aggregations`` packages themselves stay out: importing a source plugin imports its fetcher
  and parser, and with them aiohttp, shapely and numpy;
- the third-party packages the API imports, copied from this environment's site-packages:
  pydantic, pydantic-core, pydantic-settings, orjson, python-dotenv, swagger-ui-bundle and
  their small dependencies. The list is measured, not written down: a child interpreter imports
  the app the way Lambda will (plugin packages blocked) and every distribution it loads is
  copied, except what the Lambda runtime provides (boto3, botocore and their dependencies) and
  Chalice (whose runtime ``chalice package`` adds itself). Of swagger-ui-bundle only the files
  the docs page serves are copied (``chalicelib/swagger_assets.py``), not its source maps.

Compiled packages must fit the Lambda runtime, which is the Python that runs ``chalice``
(3.11 here: Amazon Linux 2, glibc 2.26; 3.12 and later: Amazon Linux 2023, glibc 2.34) on
x86_64: each wheel's tags are checked against it, and a mismatch stops the build naming the
package (build on Linux x86_64 with the runtime's Python, or install that package's manylinux
wheel with ``pip install --platform manylinux2014_x86_64 --only-binary=:all: --target``).
"""

from __future__ import annotations

import argparse
import importlib.metadata as md
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path, PurePath

API_DIR = Path(__file__).resolve().parent
ROOT = API_DIR.parent
MANIFEST_NAME = "paris_api_manifest.json"
PROJECT_PACKAGES = {"collector", "readlayer", "sources", "aggregations", "chalicelib", "app", "api"}
BUNDLED_PACKAGES = ("collector", "readlayer")
"""The project's own packages the API imports (the core's readers, the read layer)."""
PROVIDED_BY_LAMBDA = {"boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six",
                      "urllib3", "chalice"}  # fmt: skip
LAMBDA_GLIBC = {(3, 10): (2, 26), (3, 11): (2, 26)}
"""glibc of each Lambda Python runtime's OS where it is not Amazon Linux 2023's 2.34."""
_LEGACY = {"manylinux1": (2, 5), "manylinux2010": (2, 12), "manylinux2014": (2, 17)}

PROBE = """
import json, os, sys
from importlib.abc import MetaPathFinder

class NoPlugins(MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("sources", "aggregations"):
            raise ImportError(f"{name}: plugin packages are not in the Lambda bundle")
        return None

sys.meta_path.insert(0, NoPlugins())
sys.path.insert(0, sys.argv[1])
import app
import collector.storage.dynamo_reader, collector.storage.local
from chalicelib import context, openapi, swagger_assets
from collector.settings import Settings
context.configure(Settings(_env_file=None))
context.catalog()
openapi.document()
swagger_assets.folder()
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules})))
"""


class BuildError(Exception):
    pass


def glibc_of_runtime(version: tuple[int, int]) -> tuple[int, int]:
    return LAMBDA_GLIBC.get(version, (2, 34))


def tag_fits(tag: str, version: tuple[int, int]) -> bool:
    """Whether a wheel tag (``cp311-cp311-manylinux_2_17_x86_64``) runs on that Lambda runtime."""
    interpreter, abi, platform = tag.split("-")
    if platform == "any":
        return (
            interpreter.startswith(("py3", "py2.py3"))
            or interpreter == f"cp{version[0]}{version[1]}"
        )
    match = re.fullmatch(r"manylinux_(\d+)_(\d+)_x86_64", platform)
    if match:
        needs = (int(match[1]), int(match[2]))
    elif platform.endswith("_x86_64") and platform.removesuffix("_x86_64") in _LEGACY:
        needs = _LEGACY[platform.removesuffix("_x86_64")]
    else:
        return False
    if needs > glibc_of_runtime(version):
        return False
    if abi == "abi3":
        return interpreter.startswith("cp3") and int(interpreter[3:]) <= version[1]
    return interpreter == f"cp{version[0]}{version[1]}"


def wheel_tags(dist: md.Distribution) -> list[str]:
    text = dist.read_text("WHEEL") or ""
    return [line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("Tag:")]


def imported_modules(api_dir: Path, manifest: Path) -> list[str]:
    """Top-level modules the app imports in a fresh interpreter, plugins blocked."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(api_dir)],
        capture_output=True,
        text=True,
        check=False,
        cwd=api_dir,
        env={**os.environ, "PARIS_API_MANIFEST": str(manifest)},
    )
    if done.returncode != 0:
        raise BuildError(f"the app does not import without the plugin packages:\n{done.stderr}")
    modules: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return modules


def distributions(modules: list[str]) -> list[md.Distribution]:
    owners = md.packages_distributions()
    names = set()
    for module in modules:
        if module in sys.stdlib_module_names or module in sys.builtin_module_names:
            continue
        if module in PROJECT_PACKAGES or module.startswith("_"):
            continue
        for owner in owners.get(module, []):
            if owner.lower() not in PROVIDED_BY_LAMBDA:
                names.add(owner)
    return [md.distribution(name) for name in sorted(names, key=str.lower)]


def wanted(dist: md.Distribution) -> Callable[[PurePath], bool]:
    """Which files of a distribution the bundle needs (all, but for the Swagger UI assets)."""
    if dist.metadata["Name"].lower().replace("_", "-") == "swagger-ui-bundle":
        from chalicelib.swagger_assets import vendored

        return vendored
    return lambda path: True


def copy_distribution(dist: md.Distribution, out: Path) -> int:
    copied = 0
    keep = wanted(dist)
    for file in dist.files or []:
        parts = file.parts
        if parts[0] == ".." or "__pycache__" in parts or file.suffix == ".pyc":
            continue
        if not keep(PurePath(*parts)):
            continue
        source = Path(str(dist.locate_file(file)))
        if not source.is_file():
            continue
        target = out / file
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
        copied += source.stat().st_size
    return copied


def build(out: Path, api_dir: Path = API_DIR) -> list[str]:
    """Fill ``out`` (emptied first); return one line per package copied."""
    version = sys.version_info[:2]
    if sys.platform != "linux" or not sys.implementation.name == "cpython":
        raise BuildError("build the Lambda vendor on Linux with CPython (compiled wheels)")
    if str(api_dir) not in sys.path:
        sys.path.insert(0, str(api_dir))
    from collector.settings import SettingsError, load_settings
    from readlayer.errors import ConfigError
    from readlayer.manifest import discover_manifest

    try:
        manifest = discover_manifest(load_settings())
    except (SettingsError, ConfigError) as exc:
        raise BuildError(str(exc)) from None
    with tempfile.TemporaryDirectory() as tmp:
        probe_manifest = Path(tmp) / MANIFEST_NAME
        probe_manifest.write_text(json.dumps(manifest))
        dists = distributions(imported_modules(api_dir, probe_manifest))
    unfit = [
        f"{d.metadata['Name']} {d.version} ({', '.join(wheel_tags(d)) or 'no WHEEL tags'})"
        for d in dists
        if not any(tag_fits(t, version) for t in wheel_tags(d))
    ]
    if unfit:
        raise BuildError(
            f"not runnable on Lambda python{version[0]}.{version[1]} x86_64: " + "; ".join(unfit)
        )
    if out.exists():
        if any(out.iterdir()) and not (out / MANIFEST_NAME).is_file():
            raise BuildError(f"{out} is not empty and holds no {MANIFEST_NAME}: not emptying it")
        shutil.rmtree(out)
    out.mkdir(parents=True)
    (out / MANIFEST_NAME).write_text(json.dumps(manifest, indent=1, ensure_ascii=False))
    for package in BUNDLED_PACKAGES:
        shutil.copytree(
            ROOT / package, out / package, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
        )
    lines = [
        f"{', '.join(BUNDLED_PACKAGES)} (this checkout), {MANIFEST_NAME}: "
        f"{', '.join(manifest['sources'])}; analytics: {', '.join(manifest['aggregations'])}"
    ]
    for dist in dists:
        size = copy_distribution(dist, out)
        lines.append(f"{dist.metadata['Name']} {dist.version} ({size / 1e6:.1f} MB)")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m api.build_vendor", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--out", type=Path, default=API_DIR / "vendor", help="default: api/vendor")
    args = parser.parse_args(argv)
    try:
        lines = build(args.out)
    except BuildError as exc:
        print(f"build_vendor: {exc}", file=sys.stderr)
        return 1
    print(f"vendor for Lambda python{sys.version_info[0]}.{sys.version_info[1]} in {args.out}:")
    for line in lines:
        print(f"  {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
