"""Delivering outbox items through one forwarder, with retries and backoff.

Each forwarder runs one :class:`Dispatcher` task: it claims due items, hands them to its
:class:`Sender`, deletes those delivered and reschedules the others, the wait doubling from
``initial_s`` up to ``max_s`` (with a little jitter so that many items do not retry at once).
An outage of the broker or endpoint therefore costs nothing but time: items wait in the
outbox, in the store, until the destination is back (at-least-once delivery). With
``max_attempts`` above 0, an item that has used them up is kept and marked dead.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from openpcs.gateway.records import utc_now
from openpcs.gateway.settings import RetrySettings
from openpcs.gateway.store.outbox import Claimed, OutboxStore

__all__ = ["Dispatcher", "DispatcherStats", "Sender", "backoff_s"]

_log = logging.getLogger(__name__)
_CLAIM = 200
_LEASE = timedelta(minutes=2)


class Sender(Protocol):
    """Something that delivers items: an MQTT broker, an HTTP endpoint."""

    name: str

    async def send(self, items: Sequence[Claimed]) -> list[str | None]:
        """Deliver the items; per item ``None`` when delivered, else the error text."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...


def backoff_s(attempts: int, retry: RetrySettings, jitter: float = 0.1) -> float:
    """Seconds to wait after ``attempts`` failed attempts: doubling, capped, jittered."""
    base = min(retry.max_s, retry.initial_s * 2.0 ** max(0, attempts - 1))
    spread: float = random.uniform(-jitter, jitter)
    return base * (1.0 + spread)


@dataclass(slots=True)
class DispatcherStats:
    """What a dispatcher has done since start."""

    delivered: int = 0
    failed_attempts: int = 0
    dead: int = 0
    last_error: str | None = None


class Dispatcher:
    """One forwarder's delivery loop over the outbox."""

    def __init__(
        self, sender: Sender, outbox: OutboxStore, retry: RetrySettings, poll_s: float = 1.0
    ) -> None:
        self.sender = sender
        self.outbox = outbox
        self.retry = retry
        self.poll_s = poll_s
        self.stats = DispatcherStats()
        self._wake = asyncio.Event()

    def nudge(self) -> None:
        """Look at the outbox now (new items were stored)."""
        self._wake.set()

    async def run(self) -> None:
        """Deliver until cancelled."""
        while True:
            try:
                busy = await self.round()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the store being down must not end the loop
                self.stats.last_error = f"{type(exc).__name__}: {exc}"
                _log.warning("forwarder %s: %s", self.sender.name, self.stats.last_error)
                busy = False
            if not busy:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.poll_s)

    async def round(self) -> bool:
        """Claim and try one batch of due items; whether there were any."""
        now = utc_now()
        items = await asyncio.to_thread(self.outbox.claim, self.sender.name, now, _LEASE, _CLAIM)
        if not items:
            return False
        try:
            outcomes = await self.sender.send(items)
        except Exception as exc:  # a defect in a sender: count the attempt, never strand the batch
            _log.exception("forwarder %s failed on a batch", self.sender.name)
            outcomes = [f"the forwarder failed ({type(exc).__name__}: {exc})"] * len(items)
        delivered = [item.id for item, error in zip(items, outcomes, strict=True) if error is None]
        failures = []
        now = utc_now()
        for item, error in zip(items, outcomes, strict=True):
            if error is None:
                continue
            attempts = item.attempts + 1
            dead = 0 < self.retry.max_attempts <= attempts
            when = now + timedelta(seconds=backoff_s(attempts, self.retry))
            failures.append((item.id, attempts, when, error, dead))
            self.stats.last_error = error
            self.stats.dead += dead
        self.stats.delivered += len(delivered)
        self.stats.failed_attempts += len(failures)
        await asyncio.to_thread(self.outbox.delivered, delivered)
        await asyncio.to_thread(self.outbox.failed, failures)
        if failures:
            _log.warning(
                "forwarder %s: %d of %d deliveries failed (%s); retrying later",
                self.sender.name,
                len(failures),
                len(items),
                failures[0][3],
            )
        return not failures
