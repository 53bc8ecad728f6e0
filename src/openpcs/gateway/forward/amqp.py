"""Publishing outbox items to an AMQP 0-9-1 broker (aio-pika), persistent and with publisher
confirms: each item once the broker has confirmed it. The queue is declared durable; the
connection is made on first use and again after any failure."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractConnection
from aio_pika.exceptions import AMQPException
from aiormq.exceptions import AMQPError, ChannelInvalidStateError

from openpcs.gateway.settings import AmqpForwarderSettings
from openpcs.gateway.store.outbox import Claimed

__all__ = ["AmqpSender"]

_IN_FLIGHT = 16
#: a channel closed under a publish is ChannelInvalidStateError (not an AMQPError)
_FAILURES = (AMQPException, AMQPError, ChannelInvalidStateError, OSError, asyncio.TimeoutError)


class AmqpSender:
    """A forwarder that publishes each item's JSON to its queue, confirmed by the broker."""

    def __init__(self, settings: AmqpForwarderSettings) -> None:
        self.name = settings.name
        self.settings = settings
        self._connection: AbstractConnection | None = None
        self._channel: AbstractChannel | None = None

    async def _connected(self) -> AbstractChannel:
        if self._channel is None:
            settings = self.settings
            connection = await aio_pika.connect(
                settings.url.get_secret_value(), timeout=settings.timeout_s
            )
            channel = await connection.channel(publisher_confirms=True)
            await channel.declare_queue(settings.queue, durable=True)
            self._connection, self._channel = connection, channel
        return self._channel

    async def send(self, items: Sequence[Claimed]) -> list[str | None]:
        """Publish every item; per item ``None`` once the broker confirmed it."""
        try:
            channel = await self._connected()
        except _FAILURES as exc:
            await self.close()
            return [f"cannot reach the broker: {type(exc).__name__} {exc}".strip()] * len(items)
        limit = asyncio.Semaphore(_IN_FLIGHT)

        async def publish(item: Claimed) -> str | None:
            message = aio_pika.Message(
                item.payload.encode("utf-8"),
                content_type="application/json",
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                message_id=f"openpcs-{item.frame_id}",
            )
            async with limit:
                try:
                    await asyncio.wait_for(
                        channel.default_exchange.publish(
                            message, routing_key=self.settings.queue, mandatory=True
                        ),
                        self.settings.timeout_s,
                    )
                except _FAILURES as exc:
                    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                return None

        outcomes = list(await asyncio.gather(*(publish(item) for item in items)))
        if any(outcome is not None for outcome in outcomes):
            await self.close()  # start afresh next time: the connection may be half dead
        return outcomes

    async def close(self) -> None:
        """Close the connection, ignoring one that is already gone."""
        connection, self._connection, self._channel = self._connection, None, None
        if connection is not None:
            with contextlib.suppress(*_FAILURES):
                await connection.close()
