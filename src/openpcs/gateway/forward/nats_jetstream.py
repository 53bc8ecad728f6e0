"""Publishing outbox items to NATS JetStream (nats-py), each item once the stream has
acknowledged it. The connection (without the client's own reconnecting: a failure leaves the
item in the outbox) is made on first use and again after any failure."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence

import nats
from nats.aio.client import Client
from nats.errors import Error as NatsError
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from openpcs.gateway.settings import NatsForwarderSettings
from openpcs.gateway.store.outbox import Claimed

__all__ = ["NatsSender"]

_IN_FLIGHT = 16


class NatsSender:
    """A forwarder that publishes each item's JSON to the subject, acknowledged by JetStream."""

    def __init__(self, settings: NatsForwarderSettings) -> None:
        self.name = settings.name
        self.settings = settings
        self._client: Client | None = None
        self._jetstream: JetStreamContext | None = None

    async def _connected(self) -> JetStreamContext:
        if self._jetstream is None:
            settings = self.settings
            client = await nats.connect(
                settings.url,
                token=settings.token.get_secret_value() if settings.token else None,
                allow_reconnect=False,
                connect_timeout=settings.timeout_s,
            )
            jetstream = client.jetstream(timeout=settings.timeout_s)
            if settings.stream is not None:
                try:
                    await jetstream.stream_info(settings.stream)
                except NotFoundError:
                    await jetstream.add_stream(name=settings.stream, subjects=[settings.subject])
            self._client, self._jetstream = client, jetstream
        return self._jetstream

    async def send(self, items: Sequence[Claimed]) -> list[str | None]:
        """Publish every item; per item ``None`` once JetStream acknowledged it."""
        try:
            jetstream = await self._connected()
        except (TimeoutError, NatsError, OSError) as exc:
            await self.close()
            return [f"cannot reach NATS: {type(exc).__name__} {exc}".strip()] * len(items)
        limit = asyncio.Semaphore(_IN_FLIGHT)

        async def publish(item: Claimed) -> str | None:
            async with limit:
                try:
                    await jetstream.publish(
                        self.settings.subject,
                        item.payload.encode("utf-8"),
                        headers={"Nats-Msg-Id": f"openpcs-{item.frame_id}"},
                    )
                except (TimeoutError, NatsError, OSError) as exc:
                    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                return None

        outcomes = list(await asyncio.gather(*(publish(item) for item in items)))
        if any(outcome is not None for outcome in outcomes):
            await self.close()  # start afresh next time: the connection may be half dead
        return outcomes

    async def close(self) -> None:
        """Close the connection, ignoring one that is already gone."""
        client, self._client, self._jetstream = self._client, None, None
        if client is not None:
            with contextlib.suppress(NatsError, OSError, asyncio.TimeoutError):
                await client.close()
