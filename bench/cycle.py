"""2. Cycle concurrency: three sources that each wait 500 ms for their upstream.

The replay upstream delays one request of each source by 500 ms (fault ``slow``): the traffic
change check, the SAEMES live page, the Gare de Lyon departures. After a priming cycle (state
saved, arc and car park references fresh), each source makes that one delayed request per run
plus undelayed ones. Measured: each source's run alone, and one cycle (``run_once`` of all
three, as ``paris-collector once`` does), medians of N.
"""

from __future__ import annotations

import time

from bench.common import Env, Section, median, ms, ratio
from bench.services import services, source_options
from collector.daemon import run_once

DELAY = 0.5
DELAYED = {
    "traffic": "comptages-routiers-permanents/records",
    "parking": "places-disponibles-parkings-saemes/records",
    "departures": "87686006/departures",
}


async def run(env: Env) -> Section:
    section = Section("2. Cycle concurrency (three sources, each upstream answering in 500 ms)")
    replay = env.replay
    replay.reset()
    settings = env.settings("local", env.fresh_dir("cycle"), **source_options())
    names = list(DELAYED)
    async with services(settings) as held:
        await run_once(held, names)  # priming: state, references
        for match in DELAYED.values():
            replay.fault("slow", match, delay=DELAY)
        alone: dict[str, float] = {}
        statuses: dict[str, str] = {}
        for name in names:
            times = []
            for _ in range(env.runs):
                start = time.perf_counter()
                result = await held.runners[name].run()
                times.append(time.perf_counter() - start)
                statuses[name] = result.status
            alone[name] = median(times)
        cycles = []
        for _ in range(env.runs):
            start = time.perf_counter()
            results = await run_once(held, names)
            cycles.append(time.perf_counter() - start)
        cycle = median(cycles)
    replay.reset()
    failed = [r.source for r in results if r.failed]
    slowest = max(alone.values())
    total = sum(alone.values())
    for name in names:
        section.row(f"{name} alone ({statuses[name]})", ms(alone[name]))
    section.row("sum of the three", ms(total))
    section.row("**one cycle, all three** (`run_once`)", ms(cycle))
    section.check(
        "cycle vs slowest source alone",
        f"{ms(cycle)} vs {ms(slowest)} (sum {ms(total)})",
        "<= 1.2x the slowest",
        ratio(cycle, slowest),
        cycle <= 1.2 * slowest and not failed,
    )
    section.notes.append(
        f"Medians of {env.runs} runs. Local store. Delayed requests: "
        + ", ".join(f"`{m}`" for m in DELAYED.values())
        + (f". FAILED runs: {failed}" if failed else ".")
    )
    return section
