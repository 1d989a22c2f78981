"""A plugin as an author outside the repository writes it: a source ``meter`` and an
aggregation ``meter_total``, several modules importing each other relatively, a README, a
sample config and a golden case. The tests write it into a temporary folder.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import orjson

SOURCE_FILES = {
    "__init__.py": '''
        """Meters: a drop-in source."""

        from __future__ import annotations

        from datetime import timedelta

        from collector.plugin import Source

        from .fetch import fetch
        from .parse import parse
        from .records import Reading
        from .settings import MeterSettings

        SOURCE = Source(
            name="meter",
            description="test meters",
            interval=timedelta(minutes=5),
            records=(Reading,),
            fetch=fetch,
            parse=parse,
            settings=MeterSettings,
            licence="CC0",
            attribution="the tests",
        )
    ''',
    "records.py": """
        from __future__ import annotations

        from collector.plugin import Record


        class Reading(Record):
            value: int
    """,
    "settings.py": """
        from __future__ import annotations

        from collector.plugin import SourceSettings


        class MeterSettings(SourceSettings):
            url: str = "http://127.0.0.1:9/"
    """,
    "fetch.py": """
        from __future__ import annotations

        from collector.plugin import FetchContext, Fetched


        async def fetch(ctx: FetchContext) -> Fetched | None:
            response = await ctx.http.get(str(ctx.settings.url) + "meters.json")
            return Fetched(payload=response.body)
    """,
    "parse.py": """
        from __future__ import annotations

        from collections.abc import Iterator

        import orjson

        from collector.plugin import Parsed, validate

        from .records import Reading


        def parse(payload: bytes) -> Iterator[Parsed]:
            for row in orjson.loads(payload):
                data = {"entity_id": row["id"], "observed_at": row["at"], "value": row["value"]}
                yield validate(Reading, data)
    """,
    "README.md": """
        # meter

        ## Description

        Test meters.

        ## Configuration

        `url`.

        ## Records

        `value`.

        ## Example output

        `{"value": 3}`

        ## Limits

        None.
    """,
    "sample.toml": """
        [sources.meter]
        # enabled = true
        # interval = 300
        # deadline =
        # retention_days = 90
        # max_body_bytes = 268435456
        # url = "http://127.0.0.1:9/"
    """,
}
AGGREGATION_FILES = {
    "__init__.py": """
        from __future__ import annotations

        from datetime import timedelta

        from collector.plugin import Aggregation

        from .compute import compute
        from .models import MeterTotal

        AGGREGATION = Aggregation(
            name="meter_total",
            description="sum of the latest meter values",
            inputs=(),
            latest_inputs=("meter",),
            interval=timedelta(minutes=5),
            window=timedelta(minutes=5),
            output=MeterTotal,
            compute=compute,
        )
    """,
    "models.py": """
        from __future__ import annotations

        from pydantic import BaseModel


        class MeterTotal(BaseModel):
            total: int
            note: str | None = None
    """,
    "compute.py": """
        from __future__ import annotations

        from collector.plugin import Inputs, Window

        from .models import MeterTotal


        def compute(inputs: Inputs, window: Window) -> MeterTotal:
            rows = inputs.latest.get("meter", [])
            if not rows:
                return MeterTotal(total=0, note="no meter data yet")
            return MeterTotal(total=sum(int(r["value"]) for r in rows))
    """,
    "README.md": """
        # meter_total

        ## Definition

        The sum.

        ## Inputs

        `meter`, latest.

        ## Output

        `total`.

        ## Edge cases

        No data: 0 and a note.
    """,
}
PAYLOAD = [
    {"id": "a", "at": "2025-11-04T20:00:00+01:00", "value": 3},
    {"id": "b", "at": "2025-11-04T19:00:00Z", "value": "x"},
]
EXPECTED = {
    "records": [
        {
            "dataset": "meter",
            "record": {"entity_id": "a", "observed_at": "2025-11-04T19:00:00Z", "value": 3},
        }
    ],
    "invalid": [
        {
            "entity_id": "b",
            "reason": "value: Input should be a valid integer, unable to parse string as an"
            " integer",
        }
    ],
}


def write_files(folder: Path, files: dict[str, str]) -> None:
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name).write_text(textwrap.dedent(text).lstrip())


def write_source(folder: Path) -> Path:
    """The ``meter`` source in ``folder`` (a drop-in's or a package's), with its golden case."""
    write_files(folder, SOURCE_FILES)
    case = folder / "testcases" / "basic"
    case.mkdir(parents=True)
    (case / "payload.json").write_bytes(orjson.dumps(PAYLOAD))
    (case / "expected.json").write_bytes(orjson.dumps(EXPECTED, option=orjson.OPT_INDENT_2))
    return folder


def write_drop_in(root: Path) -> Path:
    """``root`` as a PARIS_PLUGIN_DIR holding ``sources/meter`` and ``aggregations/meter_total``."""
    write_source(root / "sources" / "meter")
    write_files(root / "aggregations" / "meter_total", AGGREGATION_FILES)
    return root
