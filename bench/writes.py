"""DynamoDB writes per day per source, with and without the unchanged-record skip.

The daemon's own runners poll the replay upstream on the moto server, the upstream's clock
advanced one source interval before each run, once with ``skip_unchanged`` off ("before":
every re-polled record written again) and once with it on ("after"), in the same run. Items
and BatchWriteItem requests sent to the silver table are counted by a botocore hook on the
store's DynamoDB client, per source, after one warm-up run of each (the first run of a source
writes everything either way), then scaled to a day.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bench.common import Env, Section, num
from bench.services import services, source_options

DAY_S = 86_400
POLLED = ("parking", "departures", "velib")


@dataclass
class Writes:
    items: float
    requests: float


class SilverWrites:
    """Items and write requests sent to one DynamoDB table."""

    def __init__(self, table: str) -> None:
        self.table = table
        self.items = self.requests = 0

    def called(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        if model.name == "BatchWriteItem" and self.table in params["RequestItems"]:
            self.requests += 1
            self.items += len(params["RequestItems"][self.table])

    def now(self) -> tuple[int, int]:
        return self.items, self.requests


async def per_day(
    env: Env, *, skip: bool, ticks: int, sources: tuple[str, ...]
) -> dict[str, Writes]:
    """Each re-polled source's silver writes over ``ticks`` runs after a warm-up, per day."""
    settings = env.settings("aws", env.fresh_dir(f"writes-{skip}"), **source_options())
    out: dict[str, Writes] = {}
    async with services(settings) as held:
        backend: Any = getattr(held.store, "inner", held.store)
        backend.skip_unchanged = skip
        counter = SilverWrites(backend.tables.silver)
        backend.ddb.meta.events.register("before-parameter-build.dynamodb", counter.called)
        for name in sources:
            runner = held.runners[name]
            interval = runner.interval.total_seconds()
            env.replay.reset()
            await runner.run()  # warm-up: the first run writes every record, skip or not
            before = counter.now()
            for _ in range(ticks):
                env.replay.advance(interval)
                await runner.run()
            items, requests = (a - b for a, b in zip(counter.now(), before, strict=True))
            scale = DAY_S / (ticks * interval)
            out[name] = Writes(items * scale, requests * scale)
    env.replay.reset()
    return out


async def measure(env: Env, section: Section) -> None:
    """Add the writes-per-day rows and target to ``section``."""
    ticks = 1 if env.quick else 5
    # velib (~1,400 stations a minute) is most of the time on moto: left out of --quick.
    sources = POLLED[:2] if env.quick else POLLED
    before = await per_day(env, skip=False, ticks=ticks, sources=sources)
    after = await per_day(env, skip=True, ticks=ticks, sources=sources)
    env.reset_moto()
    for name in before:
        b, a = before[name], after[name]
        share = a.items / b.items if b.items else 0.0
        section.row(
            f"DynamoDB writes per day, {name}: before -> **after**",
            f"{num(b.items)} -> **{num(a.items)}** items ({share:.0%});"
            f" {num(b.requests)} -> {num(a.requests)} requests",
        )
    re_polled_before = sum(before[n].items for n in sources)
    re_polled_after = sum(after[n].items for n in sources)
    share = re_polled_after / re_polled_before if re_polled_before else 0.0
    section.check(
        "re-polled sources' DynamoDB writes per day, after vs before the skip",
        f"{num(re_polled_after)} vs {num(re_polled_before)} items",
        "a fraction (< 1x)",
        share,
        share < 1,
    )
    section.notes.append(
        f"Writes per day: each re-polled source's runner polled the replay upstream on the moto"
        f" server {ticks} time(s) after a warm-up run, the upstream's clock advanced one"
        " interval before each, scaled to 24 h; 'before' is the same measure with"
        " `skip_unchanged` off. Items and BatchWriteItem requests to the silver table (history"
        " + latest view). Traffic is left out: each hourly poll brings a new hour or nothing"
        " (section 3), which the skip does not change."
        + (" --quick: velib left out." if env.quick else "")
    )
