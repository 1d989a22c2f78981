"""``python -m bench [--quick]``: every benchmark against the replay upstream and moto server.

Prints a table and, without ``--quick``, writes docs/benchmarks.md. The peer benchmark needs
the ``bench`` dependency group (``uv run --group bench python -m bench``); without it, it is
reported as skipped.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Awaitable, Callable
from pathlib import Path

from bench import api, cost, cycle, footprint, ingest, lake, peer, storage, unchanged
from bench.common import Env, Section, fake_aws_credentials, quiet_logs
from bench.report import markdown, terminal

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "benchmarks.md"
BENCHMARKS: dict[str, Callable[[Env], Awaitable[Section]]] = {
    "ingest": ingest.run,
    "cycle": cycle.run,
    "unchanged": unchanged.run,
    "peer": peer.run,
    "storage": storage.run,
    "api": api.run,
    "footprint": footprint.run,
    "cost": cost.run,
    "lake": lake.run,
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="one small round, no docs written")
    parser.add_argument("--runs", type=int, help="repetitions per figure (default 5; quick 1)")
    parser.add_argument("--only", nargs="+", choices=list(BENCHMARKS), help="run only these")
    parser.add_argument("--skip", nargs="+", choices=list(BENCHMARKS), default=[])
    parser.add_argument("--out", type=Path, help=f"markdown report (default {DOCS}, not --quick)")
    parser.add_argument("--tmp", type=Path, help="working directory (default: a temporary one)")
    return parser.parse_args(argv)


async def run_all(env: Env, names: list[str]) -> list[Section]:
    sections = []
    for name in names:
        print(f"bench: {name} ...", file=sys.stderr, flush=True)
        start = time.perf_counter()
        try:
            section = await BENCHMARKS[name](env)
        except Exception as exc:
            section = Section(f"{name}: FAILED")
            section.notes.append(f"{type(exc).__name__}: {exc}")
            section.check(name, "failed", "runs", None, False)
            traceback.print_exc()
        section.seconds = time.perf_counter() - start
        sections.append(section)
    return sections


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    runs = args.runs or (1 if args.quick else 5)
    names = [n for n in (args.only or BENCHMARKS) if n not in args.skip]
    fake_aws_credentials()
    quiet_logs()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto server's access log
    tmp = args.tmp or Path(tempfile.mkdtemp(prefix="paris-bench-"))
    tmp.mkdir(parents=True, exist_ok=True)
    env = Env(tmp, quick=args.quick, runs=runs)
    start = time.perf_counter()
    try:
        env.start_upstream()
        sections = asyncio.run(run_all(env, names))
    finally:
        env.close()
        if args.tmp is None:
            shutil.rmtree(tmp, ignore_errors=True)
    total = time.perf_counter() - start
    print(terminal(sections))
    out = args.out or (None if args.quick else DOCS)
    if out is not None:
        command = "uv run --group bench python -m bench" + (" --quick" if args.quick else "")
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(markdown(sections, command, runs, total))
        print(f"\nwritten: {out}")
    failed = [s.title for s in sections if s.title.endswith("FAILED")]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
