"""The HTTP client the core hands to every source: one pool, retries, honest errors.

Retries use exponential backoff with full jitter on timeouts, connection errors, 5xx and 429;
``Retry-After`` and the Opendatasoft quota body (``reset_time``) are honoured when they fit in
the run's deadline, otherwise the run fails with a :class:`SourceError` carrying
``retry_after`` so the scheduler waits. Other 4xx fail at once with the upstream's message.

A body larger than the run's ``max_body_bytes`` fails the run at once (not retried: the
upstream would send the same): a declared ``Content-Length`` is refused before any byte is
read, an undeclared one is read in chunks and the read stops as soon as it passes the limit,
so an endless body costs at most the limit in memory.
"""

from __future__ import annotations

import asyncio
import email.utils
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiohttp
import orjson

from collector import __version__
from collector.plugin import SourceError

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
DEFAULT_MAX_BODY_BYTES = 256 * 1024 * 1024
CHUNK_BYTES = 256 * 1024


@dataclass(frozen=True, slots=True)
class HttpResponse:
    url: str
    status: int
    body: bytes
    headers: Mapping[str, str]

    def json(self) -> Any:
        try:
            return orjson.loads(self.body)
        except orjson.JSONDecodeError as exc:
            raise SourceError(
                f"invalid JSON from {self.url}: {exc} ({len(self.body)} bytes)", status=self.status
            ) from None


@dataclass
class HttpStats:
    """Counters a run reports: requests made and bytes received."""

    requests: int = 0
    bytes: int = 0
    retries: int = 0
    urls: list[str] = field(default_factory=list)


def user_agent(contact: str) -> str:
    return f"paris-collector/{__version__} (+{contact})"


def parse_retry_after(headers: Mapping[str, str], body: bytes, now: datetime) -> float | None:
    """Seconds to wait, from ``Retry-After`` (seconds or HTTP date) or an ODS ``reset_time``."""
    value = headers.get("Retry-After")
    if value:
        value = value.strip()
        if value.isdigit():
            return float(value)
        try:
            when = email.utils.parsedate_to_datetime(value)
            return max(0.0, (when - now).total_seconds())
        except (TypeError, ValueError):
            pass
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if isinstance(payload, dict) and isinstance(payload.get("reset_time"), str):
        try:
            reset = datetime.fromisoformat(payload["reset_time"].replace("Z", "+00:00"))
            return max(0.0, (reset - now).total_seconds())
        except (ValueError, OverflowError, TypeError):  # unreadable, out of range or naive
            return None
    return None


def error_message(body: bytes) -> str:
    """The upstream's own words for an error (Opendatasoft and Navitia shapes), or raw text."""
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        text = body[:200].decode("utf-8", "replace").strip()
        return text or "empty body"
    if isinstance(payload, dict):
        err = payload.get("error")
        if isinstance(err, dict):
            return ": ".join(str(err[k]) for k in ("id", "message") if k in err) or str(err)
        for key in ("message", "error", "detail"):
            if isinstance(payload.get(key), str):
                code = payload.get("error_code") or payload.get("errorcode")
                return f"{code}: {payload[key]}" if code else str(payload[key])
    return str(payload)[:200]


class HttpClient:
    """A shared ``aiohttp`` session with the core's retry policy.

    ``stats`` counts what the current run downloaded; the core gives each run its own view.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        timeout: float,
        retries: int,
        backoff: float = 1.0,
        stats: HttpStats | None = None,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    ) -> None:
        self.session = session
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.stats = stats if stats is not None else HttpStats()
        self.max_body_bytes = max_body_bytes

    def for_run(self, *, max_body_bytes: int | None = None) -> HttpClient:
        """The same pool with fresh counters (and the source's body limit, if given)."""
        return HttpClient(
            self.session,
            timeout=self.timeout,
            retries=self.retries,
            backoff=self.backoff,
            max_body_bytes=max_body_bytes or self.max_body_bytes,
        )

    async def get(
        self,
        url: str,
        *,
        params: Mapping[str, str | int] | None = None,
        headers: Mapping[str, str] | None = None,
        ok: tuple[int, ...] = (200,),
        timeout: float | None = None,
    ) -> HttpResponse:
        """GET ``url``; return the answer if its status is in ``ok``, retry what is transient,
        raise :class:`SourceError` for the rest."""
        attempt = 0
        while True:
            attempt += 1
            try:
                response = await self._once(url, params, headers, timeout)
            except (TimeoutError, aiohttp.ClientError) as exc:
                reason = _describe(exc, timeout or self.timeout)
                if attempt > self.retries:
                    raise SourceError(f"GET {url} failed: {reason}") from None
                await self._sleep(attempt, None)
                continue
            if response.status in ok:
                return response
            if response.status in RETRY_STATUSES:
                wait = parse_retry_after(response.headers, response.body, datetime.now(UTC))
                if attempt > self.retries:
                    raise SourceError(
                        f"GET {response.url} answered {response.status}: "
                        f"{error_message(response.body)}",
                        status=response.status,
                        retry_after=wait,
                    )
                await self._sleep(attempt, wait)
                continue
            raise SourceError(
                f"GET {response.url} answered {response.status}: {error_message(response.body)}",
                status=response.status,
            )

    async def _once(
        self,
        url: str,
        params: Mapping[str, str | int] | None,
        headers: Mapping[str, str] | None,
        timeout: float | None,
    ) -> HttpResponse:
        self.stats.requests += 1
        client_timeout = aiohttp.ClientTimeout(total=timeout or self.timeout)
        async with self.session.get(
            url, params=params, headers=headers, timeout=client_timeout
        ) as resp:
            self.stats.urls.append(str(resp.url))
            body = await self._read_body(resp)
            return HttpResponse(
                url=str(resp.url), status=resp.status, body=body, headers=dict(resp.headers)
            )

    async def _read_body(self, resp: aiohttp.ClientResponse) -> bytes:
        limit = self.max_body_bytes
        declared = resp.content_length
        # A compressed body's Content-Length says nothing exact about its decoded size.
        if declared is not None and declared > limit and not resp.headers.get("Content-Encoding"):
            resp.close()
            raise self._too_large(resp, f"declares {declared} bytes")
        chunks: list[bytes] = []
        size = 0
        async for chunk in resp.content.iter_chunked(CHUNK_BYTES):
            size += len(chunk)
            self.stats.bytes += len(chunk)
            if size > limit:
                # Closing drops the connection: the rest of the body is never read.
                resp.close()
                raise self._too_large(resp, f"{size} bytes read so far")
            chunks.append(chunk)
        return b"".join(chunks)

    def _too_large(self, resp: aiohttp.ClientResponse, detail: str) -> SourceError:
        return SourceError(
            f"response body from {resp.url} exceeds {self.max_body_bytes} bytes ({detail}); "
            "raise max_body_bytes of this source if that is expected",
            status=resp.status,
        )

    async def _sleep(self, attempt: int, retry_after: float | None) -> None:
        self.stats.retries += 1
        # Full jitter: spreads retries of many clients over the whole backoff window.
        delay = random.uniform(0, self.backoff * 2 ** (attempt - 1))
        if retry_after is not None:
            delay = max(delay, retry_after)
        await asyncio.sleep(delay)


def _describe(exc: BaseException, timeout: float) -> str:
    if isinstance(exc, TimeoutError):
        return f"no answer within {timeout:g} s"
    if isinstance(exc, aiohttp.ClientPayloadError):
        return f"the answer broke off mid-stream ({exc})"
    if isinstance(exc, aiohttp.ClientConnectorError):
        return f"cannot connect to {exc.host}:{exc.port} ({exc.os_error.strerror or exc})"
    return f"{type(exc).__name__}: {exc}"


def make_session(contact: str, *, limit_per_host: int = 4) -> aiohttp.ClientSession:
    """One session and pool for the daemon's life; a few connections per host at most."""
    connector = aiohttp.TCPConnector(limit=32, limit_per_host=limit_per_host, ttl_dns_cache=300)
    return aiohttp.ClientSession(
        connector=connector,
        headers={"User-Agent": user_agent(contact), "Accept": "application/json"},
        raise_for_status=False,
    )
