"""Every storage key the platform writes. The readers (API, dashboard) depend on these.

| store          | key                                                        |
|----------------|------------------------------------------------------------|
| bronze         | ``raw/{source}/{YYYY}/{MM}/{DD}/{HHMMSSffffff}Z.json.gz``  |
| silver history | PK ``{dataset}#{entity_id}``, SK ``{observed_at}``         |
| silver latest  | PK ``{dataset}#latest``, SK ``{entity_id}``                |
| silver by day  | PK ``{dataset}#{YYYY-MM-DD}``, SK ``{observed_at}#{entity_id}`` |
| gold           | PK ``{aggregation}``, SK ``{window_end}``                  |
| state          | PK ``state#{source}``                                      |
| set aside      | PK ``rejects#{source}``, SK ``{raw_key}#{index:06d}``      |
| reports        | ``reports/{YYYY-MM-DD}/{aggregation}.{json,csv}``          |

Timestamps in keys are UTC, ``YYYY-MM-DDTHH:MM:SSZ``: fixed width, so string order is time order.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

RAW_PREFIX = "raw"
_RAW_RE = re.compile(
    r"^raw/(?P<source>[a-z0-9_]+)/(?P<y>\d{4})/(?P<m>\d{2})/(?P<d>\d{2})/"
    r"(?P<time>\d{12})Z\.json\.gz$"
)


def ts(moment: datetime) -> str:
    """A UTC timestamp as used in every key: ``2025-11-04T19:00:00Z``."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime in a storage key")
    m = moment.astimezone(UTC)
    # Not strftime: its %Y does not zero-pad years before 1000, and the keys must keep their
    # width for string order to stay time order.
    return f"{m.year:04d}-{m.month:02d}-{m.day:02d}T{m.hour:02d}:{m.minute:02d}:{m.second:02d}Z"


def parse_ts(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def raw_key(source: str, fetched_at: datetime) -> str:
    m = fetched_at.astimezone(UTC)
    day = f"{m.year:04d}/{m.month:02d}/{m.day:02d}"
    return f"{RAW_PREFIX}/{source}/{day}/{m:%H%M%S%f}Z.json.gz"


def raw_prefix(source: str, day: date | None = None) -> str:
    if day is None:
        return f"{RAW_PREFIX}/{source}/"
    return f"{RAW_PREFIX}/{source}/{day.year:04d}/{day.month:02d}/{day.day:02d}/"


def raw_key_time(key: str) -> datetime:
    """The fetch time encoded in a bronze key."""
    match = _RAW_RE.match(key)
    if match is None:
        raise ValueError(f"not a bronze key: {key}")
    t = match["time"]
    return datetime(
        int(match["y"]),
        int(match["m"]),
        int(match["d"]),
        int(t[0:2]),
        int(t[2:4]),
        int(t[4:6]),
        int(t[6:12]),
        tzinfo=UTC,
    )


def history_pk(dataset: str, entity_id: str) -> str:
    return f"{dataset}#{entity_id}"


def latest_pk(dataset: str) -> str:
    return f"{dataset}#latest"


def day_pk(dataset: str, observed_at: str) -> str:
    return f"{dataset}#{observed_at[:10]}"


def day_sk(observed_at: str, entity_id: str) -> str:
    return f"{observed_at}#{entity_id}"


def state_pk(source: str) -> str:
    return f"state#{source}"


def rejects_pk(source: str) -> str:
    return f"rejects#{source}"


def reject_sk(raw_key_: str, index: int) -> str:
    return f"{raw_key_}#{index:06d}"


def report_key(day: date, aggregation: str, ext: str) -> str:
    return f"reports/{day.isoformat()}/{aggregation}.{ext}"
