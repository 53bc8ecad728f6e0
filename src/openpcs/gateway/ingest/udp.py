"""NCD mesh packets over UDP: each datagram is one packet as it crossed the air.

UDP has no answer channel, so packets are queued for the pipeline without waiting; a packet
the pipeline refuses (overloaded, store down) is counted and logged, and lost, as it would be
on the radio.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence

from openpcs.gateway.ingest.inputs import arrival_from_bytes
from openpcs.gateway.pipeline import Overloaded, StoreUnavailable
from openpcs.gateway.records import Arrival, Format, Receipt

__all__ = ["UdpMeshIngest"]

_log = logging.getLogger(__name__)

Enqueue = Callable[[Sequence[Arrival], Callable[[list[Receipt] | BaseException], None]], None]


class UdpMeshIngest(asyncio.DatagramProtocol):
    """The UDP listener for mesh packets."""

    def __init__(self, enqueue: Enqueue, *, max_frame: int) -> None:
        self._enqueue = enqueue
        self.max_frame = max_frame
        self.transport: asyncio.DatagramTransport | None = None
        self.received = 0
        self.dropped = 0

    async def start(self, host: str, port: int) -> int:
        """Listen; return the port."""
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(lambda: self, local_addr=(host, port))
        self.transport = transport
        return int(transport.get_extra_info("sockname")[1])

    def stop(self) -> None:
        """Stop listening."""
        if self.transport is not None:
            self.transport.close()
            self.transport = None

    def datagram_received(self, data: bytes, addr: tuple[str | object, int]) -> None:
        """Queue one packet."""
        self.received += 1
        arrival = arrival_from_bytes(
            data,
            "udp-mesh",
            limit=self.max_frame,
            format=Format.NCD_MESH,
            remote=str(addr[0]),
        )
        try:
            self._enqueue([arrival], self._done)
        except (Overloaded, StoreUnavailable) as exc:
            self.dropped += 1
            _log.warning("a mesh packet from %s was dropped: %s", addr[0], exc)

    def _done(self, outcome: list[Receipt] | BaseException) -> None:
        if isinstance(outcome, BaseException):
            self.dropped += 1
            _log.warning("a mesh packet could not be stored: %s", outcome)
