"""The mesh layer: sealing an API frame into an over-the-air packet, and the receive pipeline.

How a packet is sealed and opened (the spec profile, the secure one) is
:mod:`openpcs.ncd.sealing` and :mod:`openpcs.ncd.secure`; the link settings are
:mod:`openpcs.ncd.link`. Their public names are re-exported here.

Receive pipeline (:class:`MeshReceiver`): a tag seen among the last 255 → duplicate; decrypt;
recompute the tag and drop on mismatch (forged or altered); freshness (secure profile only);
network ID not ours → foreign; destination neither us nor broadcast → not for us; else the API
frame is delivered with the destination replaced by the source and a recomputed checksum.
Only authenticated packets enter the ring, so forgeries cannot evict genuine tags.

:class:`Repeater` rebroadcasts, unchanged and at most once, the authenticated packets of its
network that are not addressed to it (and broadcasts), and delivers those that are.
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from openpcs.ncd.api import BROADCAST, TransmitRequest, frame_data
from openpcs.ncd.errors import ApiFrameError, MeshPacketError
from openpcs.ncd.link import (
    DEFAULT_KEY,
    DEFAULT_NETWORK_ID,
    NETWORK_ID_SIZE,
    LinkSettings,
    parse_hex_bytes,
    parse_network_id,
)
from openpcs.ncd.sealing import (
    ADDRESS_SIZE,
    TAG_SIZE,
    MeshProfile,
    Opened,
    SpecProfile,
    hash_key,
    hash_text,
)
from openpcs.ncd.secure import SecureProfile
from openpcs.ncd.trusted import bare, slot_setters

__all__ = [
    "DEFAULT_KEY",
    "DEFAULT_NETWORK_ID",
    "RING_SIZE",
    "LinkSettings",
    "MeshProfile",
    "MeshReceiver",
    "MeshTransmitter",
    "Opened",
    "Outcome",
    "Repeater",
    "RxResult",
    "SpecProfile",
    "hash_key",
    "hash_text",
    "inspect_packet",
    "parse_hex_bytes",
    "parse_network_id",
]

RING_SIZE: Final = 255
_MIN_API_FRAME: Final = 4


class Outcome(StrEnum):
    """What the receive pipeline did with a packet."""

    DELIVERED = "delivered"
    DUPLICATE = "duplicate"
    FORGED = "forged"
    REPLAYED = "replayed"
    FOREIGN_NETWORK = "foreign_network"
    NOT_FOR_US = "not_for_us"
    MALFORMED = "malformed"


@dataclass(frozen=True, slots=True)
class RxResult:
    """One packet's fate; ``api_frame`` is the frame delivered (destination → source)."""

    outcome: Outcome
    api_frame: bytes | None = None
    source: bytes | None = None
    destination: bytes | None = None
    tag: bytes | None = None
    reason: str = ""


_set_outcome, _set_api_frame, _set_source, _set_destination, _set_tag, _set_reason = slot_setters(
    RxResult
)
_TRANSMIT_REQUEST: Final = TransmitRequest.FRAME_TYPE


class _Ring:
    """The last ``size`` tags, oldest evicted first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._tags: OrderedDict[bytes, None] = OrderedDict()

    def __contains__(self, tag: bytes) -> bool:
        return tag in self._tags

    def add(self, tag: bytes) -> None:
        self._tags[tag] = None
        if len(self._tags) > self.size:
            self._tags.popitem(last=False)

    def __len__(self) -> int:
        return len(self._tags)


def profile_for(settings: LinkSettings) -> MeshProfile:
    """The profile the settings ask for."""
    if settings.profile == "secure":
        return SecureProfile(settings.key)
    return SpecProfile(settings.key)


class MeshReceiver:
    """The receive pipeline of one module, with its duplicate ring and outcome counters."""

    def __init__(
        self,
        settings: LinkSettings,
        *,
        profile: MeshProfile | None = None,
        ring_size: int = RING_SIZE,
    ) -> None:
        self.settings = settings
        self.profile = profile or profile_for(settings)
        self.ring = _Ring(ring_size)
        self.counters: Counter[Outcome] = Counter()

    def receive(self, packet: bytes | bytearray | memoryview) -> RxResult:
        """Run one over-the-air packet through the pipeline; never raises for bad packets."""
        result = self._receive(bytes(packet))
        self.counters[result.outcome] += 1
        return result

    def _receive(self, packet: bytes) -> RxResult:
        if len(packet) < TAG_SIZE + NETWORK_ID_SIZE + ADDRESS_SIZE + _MIN_API_FRAME:
            return RxResult(Outcome.MALFORMED, reason=f"{len(packet)} bytes is too short")
        tag = packet[:TAG_SIZE]
        if tag in self.ring:
            return RxResult(Outcome.DUPLICATE, tag=tag)
        opened = self.profile.open(packet)
        if opened is None:
            return RxResult(Outcome.FORGED, tag=tag, reason="the tag does not match the contents")
        self.ring.add(tag)
        if not self.profile.fresh(opened):
            return RxResult(Outcome.REPLAYED, source=opened.source, tag=tag)
        if opened.network_id != self.settings.network_id:
            return RxResult(Outcome.FOREIGN_NETWORK, source=opened.source, tag=tag)
        api_frame = opened.api_frame
        source = opened.source
        try:
            data = frame_data(api_frame)
            if data[0] == _TRANSMIT_REQUEST and len(data) < TransmitRequest.HEADER:
                TransmitRequest.from_data(data)  # raises the error that names the length
        except ApiFrameError as exc:
            return RxResult(Outcome.MALFORMED, source=source, tag=tag, reason=exc.reason)
        if data[0] != _TRANSMIT_REQUEST:
            return RxResult(
                Outcome.MALFORMED,
                source=source,
                tag=tag,
                reason=f"frame type 0x{data[0]:02X} is not 0x10",
            )
        destination = data[2:10]
        if destination != self.settings.address and destination != BROADCAST:  # noqa: PLR1714
            return RxResult(Outcome.NOT_FOR_US, source=source, destination=destination, tag=tag)
        # the destination (frame bytes 5-12) becomes the source; the checksum follows the sum
        total = 0xFF - api_frame[-1] + sum(source) - sum(destination)
        swapped = api_frame[:5] + source + api_frame[13:-1] + bytes((0xFF - (total & 0xFF),))
        result = bare(RxResult)
        _set_outcome(result, Outcome.DELIVERED)
        _set_api_frame(result, swapped)
        _set_source(result, source)
        _set_destination(result, destination)
        _set_tag(result, tag)
        _set_reason(result, "")
        return result


@dataclass(frozen=True, slots=True)
class RepeaterAction:
    """What a repeater does with a packet: rebroadcast it (unchanged) and/or deliver it."""

    rebroadcast: bytes | None
    result: RxResult


class Repeater:
    """Rebroadcasts packets not addressed to it, each tag at most once; delivers its own."""

    def __init__(self, settings: LinkSettings, *, ring_size: int = RING_SIZE) -> None:
        self.receiver = MeshReceiver(settings, ring_size=ring_size)
        self.relayed = _Ring(ring_size)
        self.rebroadcasts = 0

    def sent(self, packet: bytes) -> None:
        """Remember a packet this module sent, so its echo is neither taken in nor relayed."""
        tag = bytes(packet[:TAG_SIZE])
        self.receiver.ring.add(tag)
        self.relayed.add(tag)

    def handle(self, packet: bytes) -> RepeaterAction:
        """Decide for one received packet."""
        result = self.receiver.receive(packet)
        relay = result.outcome is Outcome.NOT_FOR_US or (
            result.outcome is Outcome.DELIVERED and result.destination == BROADCAST
        )
        if relay and result.tag is not None and result.tag not in self.relayed:
            self.relayed.add(result.tag)
            self.rebroadcasts += 1
            return RepeaterAction(bytes(packet), result)
        return RepeaterAction(None, result)


class MeshTransmitter:
    """TX of one module: seals API frames with its profile (which holds the frame counter)."""

    def __init__(self, settings: LinkSettings, *, profile: MeshProfile | None = None) -> None:
        self.settings = settings
        self.profile = profile or profile_for(settings)

    def seal(self, api_frame: bytes, *, source: bytes | None = None) -> bytes:
        """The over-the-air packet for an API frame sent by ``source`` (default: this module).

        Raises :class:`MeshPacketError` when ``api_frame`` is not one complete, valid API frame
        (envelope, length and checksum), so nothing unreadable is ever sealed.
        """
        try:
            frame_data(api_frame)
        except ApiFrameError as exc:
            raise MeshPacketError(f"not a valid API frame: {exc.reason}", exc.offset) from None
        sender = self.settings.address if source is None else source
        if len(sender) != ADDRESS_SIZE:
            raise MeshPacketError("the source address is 8 bytes", 0)
        return self.profile.seal(self.settings.network_id, sender, api_frame)


def inspect_packet(settings: LinkSettings, packet: bytes) -> dict[str, Any]:
    """Open one packet for a human: whether it verifies, its fields, and the frame it yields.

    Unlike :class:`MeshReceiver` this keeps no ring and, when the settings carry no address of
    their own (broadcast), accepts any destination, so a single packet can be examined.
    """
    if len(packet) < TAG_SIZE + NETWORK_ID_SIZE + ADDRESS_SIZE + _MIN_API_FRAME:
        raise MeshPacketError(f"a mesh packet is at least 30 bytes, got {len(packet)}", len(packet))
    opened = profile_for(settings).open(packet)
    report: dict[str, Any] = {"tag": packet[:TAG_SIZE].hex(), "verified": opened is not None}
    if opened is None:
        report["outcome"] = Outcome.FORGED.value
        return report
    report |= {
        "network_id": f"{opened.network_id:04X}",
        "network_matches": opened.network_id == settings.network_id,
        "source": opened.source.hex().upper(),
        "api_frame": opened.api_frame.hex().upper(),
    }
    if opened.counter is not None:
        report["counter"] = opened.counter
    receiver_address = settings.address
    if receiver_address == BROADCAST and len(opened.api_frame) >= 13:
        receiver_address = opened.api_frame[5:13]
    receiver = MeshReceiver(settings.model_copy(update={"address": receiver_address}))
    result = receiver.receive(packet)
    report["outcome"] = result.outcome.value
    if result.api_frame is not None:
        report["delivered_frame"] = result.api_frame.hex().upper()
    if result.reason:
        report["reason"] = result.reason
    return report
