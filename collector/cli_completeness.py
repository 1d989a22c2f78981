"""``paris-collector completeness [SOURCE]``: the completeness ledger, slot by slot.

Every slot of the range, the missing ones filled (:func:`collector.ledger.read.ledger`), as a
table or as the JSON array the API answers. ``--rebuild`` first rewrites the range's entries
from bronze (:mod:`collector.ledger.rebuild`), holding the data dir's writer lock.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import orjson

if TYPE_CHECKING:
    from collector.cli import Context

DEFAULT_RANGE = timedelta(hours=24)
COLUMNS = (
    ("source", 11, "<"),
    ("slot (UTC)", 28, "<"),
    ("state", 8, "<"),
    ("expected", 8, ">"),
    ("received", 8, ">"),
    ("seen", 6, ">"),
    ("records", 8, ">"),
    ("flagged", 7, ">"),
    ("revisions", 9, ">"),
    ("checks", 0, "<"),
)


def add_arguments(p: argparse.ArgumentParser, parse_time: Callable[[str], datetime]) -> None:
    p.add_argument("source", nargs="?", metavar="SOURCE", help="one source (default: all enabled)")
    p.add_argument(
        "--since", type=parse_time, help="start of the range (UTC if naive; default: 24 h ago)"
    )
    p.add_argument("--until", type=parse_time, help="end of the range (UTC if naive; default: now)")
    p.add_argument(
        "--format", choices=["table", "json"], default="table", help="one line per slot, or JSON"
    )
    p.add_argument(
        "--rebuild",
        action="store_true",
        help="first rewrite the range's entries from the raw payloads in bronze (past periods)",
    )


def cmd_completeness(ctx: Context, args: argparse.Namespace) -> int:
    from collector.cli import EXIT_OK, CliError, _checked, _locked, require_store
    from collector.ledger.read import ledger
    from collector.ledger.rebuild import rebuild
    from collector.storage import make_store

    now = datetime.now(UTC)
    until = args.until or now
    since = args.since or until - DEFAULT_RANGE
    if since >= until:
        raise CliError(f"--since {since.isoformat()} is not before --until {until.isoformat()}")
    names = [args.source] if args.source else ctx.plugins.enabled_sources()
    sources = [ctx.registry.source(name) for name in names]  # an unknown name: exit 2
    require_store(ctx)

    async def main() -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        async with make_store(ctx.app) as store:
            await _checked(store)
            for source in sources:
                settings = ctx.plugins.sources[source.name]
                if args.rebuild:
                    report = await rebuild(
                        store, source, settings, since=since, until=until, now=now
                    )
                    print(
                        f"{source.name}: {report.entries} entries rebuilt from"
                        f" {report.payloads} payloads ({report.unreadable} unreadable)",
                        file=sys.stderr,
                    )
                out += await ledger(store, source, settings, since=since, until=until, now=now)
        return out

    if args.rebuild:
        with _locked(ctx, "completeness --rebuild"):
            entries = asyncio.run(main())
    else:
        entries = asyncio.run(main())
    if args.format == "json":
        print(orjson.dumps(entries, option=orjson.OPT_INDENT_2).decode())
    else:
        print("\n".join(table(entries, names)))
    return EXIT_OK


def table(entries: Sequence[dict[str, Any]], names: Sequence[str]) -> list[str]:
    """One line per slot, then one summary line per source."""
    lines = [_line([title for title, _, _ in COLUMNS])]
    for e in entries:
        checks = e.get("checks") or {}
        lines.append(
            _line(
                [
                    str(e.get("source", "")),
                    _span(e.get("slot_start"), e.get("slot_end")),
                    str(e.get("state", "")),
                    *(str(e.get(k, 0)) for k in ("expected", "received", "seen", "records")),
                    *(str(e.get(k, 0)) for k in ("flagged", "revisions")),
                    ", ".join(f"{name}={n}" for name, n in sorted(checks.items())),
                ]
            )
        )
    for name in names:
        mine = [e for e in entries if e.get("source") == name]
        states = Counter(str(e.get("state")) for e in mine)
        if not mine:
            lines.append(f"{name}: no slot in the range (no ledger yet)")
            continue
        counts = ", ".join(f"{states[s]} {s}" for s in ("ok", "partial", "late", "missing"))
        share = states["ok"] / len(mine)
        lines.append(f"{name}: {len(mine)} slots, {counts}; {share:.0%} complete")
    return lines


def _line(cells: Sequence[str]) -> str:
    parts = [
        f"{cell:{align}{width}}" if width else cell
        for cell, (_, width, align) in zip(cells, COLUMNS, strict=True)
    ]
    return "  ".join(parts).rstrip()


def _span(start: Any, end: Any) -> str:
    """``2025-11-04 22:30-22:32``: the day once, seconds only when a slot has them."""
    day, _, first = str(start or "").removesuffix("Z").partition("T")
    last = str(end or "").removesuffix("Z").partition("T")[2]
    if first.endswith(":00") and last.endswith(":00"):
        first, last = first[:-3], last[:-3]
    return f"{day} {first}-{last}"
