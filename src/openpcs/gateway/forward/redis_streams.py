"""Adding outbox items to a Redis stream (redis-py's asyncio client), each item once Redis has
given it its entry id. The connection is made on first use and again after any failure; an
item whose ``XADD`` fails stays in the outbox for the next attempt."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence

from redis import asyncio as redis
from redis.exceptions import RedisError

from openpcs.gateway.settings import RedisStreamForwarderSettings
from openpcs.gateway.store.outbox import Claimed

__all__ = ["RedisStreamSender"]

_IN_FLIGHT = 16


class RedisStreamSender:
    """A forwarder that adds each item's JSON to its stream, as the field ``frame``."""

    def __init__(self, settings: RedisStreamForwarderSettings) -> None:
        self.name = settings.name
        self.settings = settings
        self._client: redis.Redis | None = None

    def _connected(self) -> redis.Redis:
        if self._client is None:
            settings = self.settings
            password = settings.password.get_secret_value() if settings.password else None
            self._client = redis.Redis.from_url(
                settings.url,
                password=password,
                socket_timeout=settings.timeout_s,
                socket_connect_timeout=settings.timeout_s,
            )
        return self._client

    async def send(self, items: Sequence[Claimed]) -> list[str | None]:
        """Add every item; per item ``None`` once Redis answered its entry id."""
        client = self._connected()
        limit = asyncio.Semaphore(_IN_FLIGHT)

        async def add(item: Claimed) -> str | None:
            async with limit:
                try:
                    await client.xadd(
                        self.settings.stream,
                        {"frame": item.payload},
                        maxlen=self.settings.max_length,
                        approximate=True,
                    )
                except (RedisError, OSError) as exc:
                    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                return None

        outcomes = list(await asyncio.gather(*(add(item) for item in items)))
        if any(outcome is not None for outcome in outcomes):
            await self.close()  # start afresh next time: the connection may be half dead
        return outcomes

    async def close(self) -> None:
        """Close the connection, ignoring one that is already gone."""
        client, self._client = self._client, None
        if client is not None:
            with contextlib.suppress(RedisError, OSError):
                await client.aclose()
