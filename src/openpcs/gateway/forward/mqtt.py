"""Publishing outbox items to an MQTT broker (aiomqtt), each item once its PUBACK arrives.

The connection is opened on first use and again after any failure; a publish that fails or
times out leaves its item in the outbox for the next attempt.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from contextlib import AsyncExitStack
from pathlib import Path

import aiomqtt

from openpcs.gateway.settings import MqttForwarderSettings, broker_address
from openpcs.gateway.store.outbox import Claimed

__all__ = ["MqttSender"]

_log = logging.getLogger(__name__)
_TIMEOUT_S = 10.0
_IN_FLIGHT = 64


def _tls(settings: MqttForwarderSettings) -> aiomqtt.TLSParameters:
    """TLS with the CA and client certificate the settings name (the system's CAs without)."""

    def path(file: Path | None) -> str | None:
        return None if file is None else str(file)

    return aiomqtt.TLSParameters(
        ca_certs=path(settings.ca_certificate),
        certfile=path(settings.client_certificate),
        keyfile=path(settings.client_key),
        keyfile_password=(
            settings.client_key_password.get_secret_value()
            if settings.client_key_password
            else None
        ),
    )


class MqttSender:
    """A forwarder that publishes each item's JSON to its topic."""

    def __init__(self, settings: MqttForwarderSettings) -> None:
        self.name = settings.name
        self.settings = settings
        self.host, self.port, self.tls = broker_address(settings.url)
        self._stack: AsyncExitStack | None = None
        self._client: aiomqtt.Client | None = None

    async def _connected(self) -> aiomqtt.Client:
        if self._client is None:
            stack = AsyncExitStack()
            settings = self.settings
            client = aiomqtt.Client(
                self.host,
                self.port,
                identifier=settings.client_id,
                username=settings.username,
                password=settings.password.get_secret_value() if settings.password else None,
                timeout=_TIMEOUT_S,
                tls_params=_tls(settings) if self.tls else None,
            )
            await stack.enter_async_context(client)
            self._stack, self._client = stack, client
        return self._client

    async def send(self, items: Sequence[Claimed]) -> list[str | None]:
        """Publish every item; per item ``None`` once acknowledged by the broker."""
        try:
            client = await self._connected()
        except (aiomqtt.MqttError, OSError) as exc:
            await self.close()
            return [f"cannot reach the broker: {exc}"] * len(items)
        limit = asyncio.Semaphore(_IN_FLIGHT)

        async def publish(item: Claimed) -> str | None:
            async with limit:
                try:
                    await client.publish(
                        item.topic,
                        item.payload.encode("utf-8"),
                        qos=self.settings.qos,
                        retain=self.settings.retain,
                    )
                except aiomqtt.MqttError as exc:
                    return f"publish failed: {exc}"
                except ValueError as exc:  # the client refused the message itself (its topic)
                    return f"the message cannot be published: {exc}"
                return None

        outcomes = list(await asyncio.gather(*(publish(item) for item in items)))
        if any(outcome is not None and outcome.startswith("publish") for outcome in outcomes):
            await self.close()  # start afresh next time: the connection may be half dead
        return outcomes

    async def close(self) -> None:
        """Disconnect, ignoring a connection that is already gone."""
        stack, self._stack, self._client = self._stack, None, None
        if stack is not None:
            try:
                await stack.aclose()
            except (aiomqtt.MqttError, OSError) as exc:
                _log.debug("closing the MQTT connection: %s", exc)
