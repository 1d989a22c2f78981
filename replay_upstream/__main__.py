"""``python -m replay_upstream [--host 127.0.0.1] [--port 8765] [--seed N] [--accelerate F]``"""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from replay_upstream.clock import parse_instant
from replay_upstream.server import ReplayUpstream


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m replay_upstream",
        description="Serve the Paris upstreams (Opendatasoft, SAEMES, SNCF Navitia) locally, "
        "from seeded generated data.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--accelerate", type=float, default=1.0, help="replay clock speed (3600: one hour a second)"
    )
    parser.add_argument(
        "--start",
        type=parse_instant,
        default=None,
        help="replay clock start, ISO 8601 (default: now)",
    )
    parser.add_argument(
        "--history-hours", type=int, default=48, help="traffic hours published before the start"
    )
    parser.add_argument(
        "--traffic-lag-hours",
        type=int,
        default=0,
        help="traffic published up to the last full hour minus this",
    )
    parser.add_argument(
        "--traffic-late-share",
        type=float,
        default=0.0,
        help="share of a traffic hour's arcs published late (null or partial counts)",
    )
    parser.add_argument(
        "--traffic-late-hours",
        type=int,
        default=24,
        help="hours after its t_1h when a traffic hour is completed",
    )
    parser.add_argument(
        "--token",
        action="append",
        dest="tokens",
        help="accepted Navitia token (repeatable; default: any)",
    )
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    upstream = ReplayUpstream(
        args.host,
        args.port,
        seed=args.seed,
        start=args.start,
        accelerate=args.accelerate,
        history_hours=args.history_hours,
        traffic_lag_hours=args.traffic_lag_hours,
        traffic_late_share=args.traffic_late_share,
        traffic_late_hours=args.traffic_late_hours,
        tokens=frozenset(args.tokens) if args.tokens else None,
    )
    async with upstream:
        url = upstream.url
        print(f"replay upstream on {url} (seed {args.seed}, x{args.accelerate:g})", flush=True)
        print(f"  PARIS_OPENDATA_URL={url} PARIS_SAEMES_URL={url} PARIS_SNCF_URL={url}", flush=True)
        print(
            f"  admin: {url}/_replay/health, /_replay/clock, /_replay/faults, /_replay/requests",
            flush=True,
        )
        await asyncio.Event().wait()


def main(argv: list[str] | None = None) -> None:
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(parse_args(argv)))


if __name__ == "__main__":
    main()
