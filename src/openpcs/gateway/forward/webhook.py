"""POSTing outbox items to an HTTP endpoint (httpx); any 2xx answer counts as delivered."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import httpx

from openpcs.gateway.settings import WebhookForwarderSettings
from openpcs.gateway.store.outbox import Claimed

__all__ = ["WebhookSender"]

_IN_FLIGHT = 8


class WebhookSender:
    """A forwarder that POSTs each item's JSON, with the configured headers."""

    def __init__(self, settings: WebhookForwarderSettings) -> None:
        self.name = settings.name
        self.url = settings.url
        headers = {name: value.get_secret_value() for name, value in settings.headers.items()}
        headers.setdefault("Content-Type", "application/json")
        self._client = httpx.AsyncClient(headers=headers, timeout=settings.timeout_s)

    async def send(self, items: Sequence[Claimed]) -> list[str | None]:
        """POST every item; per item ``None`` when the endpoint answered 2xx."""
        limit = asyncio.Semaphore(_IN_FLIGHT)

        async def post(item: Claimed) -> str | None:
            async with limit:
                try:
                    response = await self._client.post(self.url, content=item.payload)
                except httpx.HTTPError as exc:
                    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                if response.is_success:
                    return None
                return f"the endpoint answered {response.status_code}"

        return list(await asyncio.gather(*(post(item) for item in items)))

    async def close(self) -> None:
        """Close the HTTP client."""
        await self._client.aclose()
