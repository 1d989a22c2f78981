"""7. Daemon footprint: RSS after 100 and 1,000 ticks, and no dashboard library imported.

A child process (``python -m bench.footprint URL DIR TICKS MARK...``) builds the daemon's
:class:`~collector.daemon.Services` (as ``paris-collector run`` does, through the CLI module)
on a local store and runs ticks against the replay upstream. One tick = one ``run_once`` of
parking, departures (one station) and traffic, then the replay clock moves 2 minutes (the
parking interval), so a new traffic hour (2,977 rows) lands every 30 ticks. RSS is read from
``/proc/self/status``, with what it is made of (:mod:`bench.memory`: live objects, malloc's lent
and kept bytes) at each mark, and once more after ``malloc_trim(0)`` at the end; ``sys.modules``
is checked at the end.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench.common import Env, Section, ratio
from bench.memory import figures, rss_mb, trimmed

FORBIDDEN = ("streamlit", "plotly", "pandas")
NAMES = ["parking", "departures", "traffic"]


async def ticks(url: str, folder: Path, count: int, marks: list[int]) -> dict[str, Any]:
    import collector.cli  # noqa: F401 - the daemon's entry point, with everything it imports
    from bench.common import quiet_logs
    from bench.services import services, source_options
    from collector.daemon import run_once
    from replay_upstream import ReplayClient

    quiet_logs()
    env = Env(folder, quick=False, runs=1, upstream_url=url)
    replay = ReplayClient(url)
    rss: dict[int, float] = {0: rss_mb()}
    parts: dict[int, dict[str, float]] = {}
    statuses: dict[str, int] = {}
    async with services(env.settings("local", folder, **source_options())) as held:
        for tick in range(1, count + 1):
            for result in await run_once(held, NAMES):
                key = f"{result.source}:{result.status}"
                statuses[key] = statuses.get(key, 0) + 1
            replay.advance(120)
            if tick in marks:
                parts[tick] = figures()
                rss[tick] = parts[tick]["rss"]
    return {
        "rss": rss,
        "parts": parts,
        "trimmed": trimmed(),
        "statuses": statuses,
        "forbidden": [m for m in FORBIDDEN if m in sys.modules],
    }


async def run(env: Env) -> Section:
    section = Section("7. Daemon footprint")
    count, first = (10, 5) if env.quick else (1000, 100)
    replay = env.replay
    replay.reset()
    folder = env.fresh_dir("footprint")
    argv = [sys.executable, "-m", "bench.footprint", env.upstream_url, str(folder), str(count)]
    done = await asyncio.to_thread(
        subprocess.run, [*argv, str(first), str(count)], capture_output=True, text=True
    )
    replay.reset()
    if done.returncode != 0:
        raise RuntimeError(f"footprint child failed: {done.stderr[-2000:]}")
    out = json.loads(done.stdout.strip().splitlines()[-1])
    rss = {int(k): v for k, v in out["rss"].items()}
    growth = ratio(rss[count] - rss[first], rss[first])
    section.row("RSS at start (imports done, before the first tick)", f"{rss[0]:.1f} MB")
    section.row(f"RSS after {first} ticks", f"{rss[first]:.1f} MB")
    section.row(f"**RSS after {count} ticks**", f"{rss[count]:.1f} MB")
    explain(section, {int(k): v for k, v in out["parts"].items()}, first, count, out["trimmed"])
    section.row("runs by status", ", ".join(f"{k} {v}" for k, v in sorted(out["statuses"].items())))
    section.row("streamlit / plotly / pandas imported", ", ".join(out["forbidden"]) or "none")
    section.check(
        f"daemon RSS after {count} ticks",
        f"{rss[count]:.1f} MB",
        "<= 150 MB",
        rss[count] / 150,
        rss[count] <= 150,
    )
    section.check(
        f"RSS growth, tick {first} to {count}",
        f"{growth * 100:+.1f} %",
        "<= 5 %",
        growth / 0.05 if growth > 0 else 0.0,
        growth <= 0.05,
    )
    section.check(
        "daemon never imports streamlit, plotly, pandas",
        ", ".join(out["forbidden"]) or "none imported",
        "none",
        None,
        not out["forbidden"],
    )
    if env.quick:
        section.notes.append(f"--quick: {first} and {count} ticks instead of 100 and 1,000.")
    return section


def explain(
    section: Section,
    parts: dict[int, dict[str, float]],
    first: int,
    count: int,
    trim: dict[str, float] | None,
) -> None:
    """Whether RSS growth is live memory (a leak) or memory malloc keeps (see bench.memory)."""
    a, b = parts[first], parts[count]
    section.row(
        f"objects tracked by the GC, tick {first} -> {count}",
        f"{a['objects']:,.0f} -> {b['objects']:,.0f}",
    )
    section.row(
        f"Python allocator blocks, tick {first} -> {count}",
        f"{a['blocks']:,.0f} -> {b['blocks']:,.0f}",
    )
    if "malloc_used" in a:
        section.row(
            f"malloc: lent / kept free, tick {first} -> {count}",
            f"{a['malloc_used']:.1f} / {a['malloc_free']:.1f} MB -> "
            f"{b['malloc_used']:.1f} / {b['malloc_free']:.1f} MB",
        )
    if trim is not None:
        section.row(f"RSS after {count} ticks and `malloc_trim(0)`", f"{trim['rss']:.1f} MB")


def main(argv: list[str]) -> None:
    url, folder, count, *marks = argv
    result = asyncio.run(ticks(url, Path(folder), int(count), [int(m) for m in marks]))
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
