"""The mesh layer: sealing an API frame into an over-the-air packet, and the receive pipeline.

Spec profile (the default):

- plaintext = network ID (2) ‖ source address (8) ‖ API frame;
- hash key = MD5 over the canonical text of key ‖ plaintext: every byte as two uppercase hex
  digits, separated by single spaces (spec ERRATA 1 — this reproduces the spec's vector);
- cipher = AES-128 in CTR mode, the 16-byte hash as the initial counter block, no padding;
- packet = hash ‖ ciphertext.

Receive pipeline (:class:`MeshReceiver`): a tag seen among the last 255 → duplicate; decrypt;
recompute the tag and drop on mismatch (forged or altered); freshness (secure profile only);
network ID not ours → foreign; destination neither us nor broadcast → not for us; else the API
frame is delivered with the destination replaced by the source and a recomputed checksum.
Only authenticated packets enter the ring, so forgeries cannot evict genuine tags.

:class:`Repeater` rebroadcasts, unchanged and at most once, the authenticated packets of its
network that are not addressed to it (and broadcasts), and delivers those that are.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections import Counter, OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Annotated, Any, Final, Literal, Protocol

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer

from openpcs.ncd.api import BROADCAST, TransmitRequest, frame_data, wrap
from openpcs.ncd.errors import ApiFrameError, MeshPacketError

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
TAG_SIZE: Final = 16
NETWORK_ID_SIZE: Final = 2
ADDRESS_SIZE: Final = 8
#: NCD's factory defaults (reference §1.8): key 55 AA … and network ID 0x7FFF.
DEFAULT_KEY: Final = bytes.fromhex("55AA" * 8)
DEFAULT_NETWORK_ID: Final = 0x7FFF
_MIN_API_FRAME: Final = 4


_HEX_DIGITS: Final = re.compile(r"[0-9A-Fa-f]*")
_NETWORK_ID_TEXT: Final = re.compile(r"(?:0[xX])?([0-9A-Fa-f]{1,4})")


def parse_hex_bytes(value: Any, size: int) -> bytes:
    """``size`` bytes from bytes or hex text (spaces and colons between digits allowed).

    Raises ``ValueError`` with a sentence for anything else: a non-hex character, an odd
    number of digits, or the wrong number of bytes.
    """
    if isinstance(value, bytes | bytearray):
        raw = bytes(value)
    elif isinstance(value, str):
        digits = value.replace(" ", "").replace(":", "")
        if not _HEX_DIGITS.fullmatch(digits):
            raise ValueError(f"{value!r} is not hexadecimal")
        if len(digits) % 2:
            raise ValueError(f"{value!r} has an odd number of hex digits ({len(digits)})")
        raw = bytes.fromhex(digits)
    else:
        raise ValueError(f"expected {size} bytes as hex text")
    if len(raw) != size:
        raise ValueError(f"must be {size} bytes ({2 * size} hex digits), got {len(raw)}")
    return raw


def parse_network_id(value: Any) -> int:
    """A network ID from an int 0..0xFFFF or 1 to 4 hex digits (``7FFF``, ``0x7FFF``)."""
    if isinstance(value, str):
        match = _NETWORK_ID_TEXT.fullmatch(value)
        if match is None:
            raise ValueError(f"{value!r} is not a network ID (1 to 4 hex digits, like 7FFF)")
        return int(match.group(1), 16)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 0xFFFF:
        raise ValueError("the network ID is 2 bytes, 0000-FFFF")
    return value


def _bytes_of(size: int) -> Callable[[Any], bytes]:
    return lambda value: parse_hex_bytes(value, size)


Key = Annotated[bytes, BeforeValidator(_bytes_of(16)), PlainSerializer(lambda b: b.hex().upper())]
Address = Annotated[
    bytes, BeforeValidator(_bytes_of(8)), PlainSerializer(lambda b: b.hex().upper())
]
NetworkId = Annotated[int, BeforeValidator(parse_network_id), PlainSerializer(lambda n: f"{n:04X}")]


class LinkSettings(BaseModel):
    """A module's link settings: key, network ID, its own address, destination and mode.

    ``mode`` is ``standard`` (plain API frames, the spec's default) or ``mesh`` (sealed packets);
    ``profile`` chooses the spec's MD5 construction or the opt-in secure one.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: Key = DEFAULT_KEY
    network_id: NetworkId = DEFAULT_NETWORK_ID
    address: Address = BROADCAST
    destination: Address = BROADCAST
    mode: Literal["standard", "mesh"] = "standard"
    profile: Literal["spec", "secure"] = "spec"

    @property
    def network_bytes(self) -> bytes:
        """The network ID as it travels: 2 bytes, big-endian."""
        return self.network_id.to_bytes(NETWORK_ID_SIZE, "big")


def hash_text(data: bytes) -> bytes:
    """The canonical text the spec hashes: uppercase two-digit hex separated by single spaces."""
    return data.hex(" ").upper().encode("ascii")


def hash_key(key: bytes, plaintext: bytes) -> bytes:
    """MD5 over the canonical text of key ‖ plaintext (network ID ‖ source ‖ API frame)."""
    return hashlib.md5(hash_text(key + plaintext), usedforsecurity=False).digest()


@lru_cache(maxsize=256)
def _aes(key: bytes) -> algorithms.AES:
    return algorithms.AES(key)


def ctr(key: bytes, counter_block: bytes, data: bytes) -> bytes:
    """AES-CTR over ``data`` starting at ``counter_block`` (encrypting and decrypting alike)."""
    cryptor = Cipher(_aes(key), modes.CTR(counter_block)).encryptor()
    return cryptor.update(data) + cryptor.finalize()


@dataclass(frozen=True, slots=True)
class Opened:
    """An authenticated packet's contents."""

    tag: bytes
    network_id: int
    source: bytes
    api_frame: bytes
    counter: int | None = None


class MeshProfile(Protocol):
    """How packets are sealed, authenticated and judged fresh."""

    name: str

    def seal(self, network_id: int, source: bytes, api_frame: bytes) -> bytes:
        """The over-the-air packet for an API frame."""

    def open(self, packet: bytes) -> Opened | None:
        """The authenticated contents, or ``None`` when the tag does not verify."""

    def fresh(self, opened: Opened) -> bool:
        """Whether the packet is new (not a replay); records it when it is."""


class SpecProfile:
    """The spec's construction: MD5 hash key, AES-128-CTR keyed by the hash, no counter."""

    name = "spec"

    def __init__(self, key: bytes) -> None:
        self.key = key

    def seal(self, network_id: int, source: bytes, api_frame: bytes) -> bytes:
        """hash ‖ AES-CTR(key, hash)(network ID ‖ source ‖ API frame)."""
        plaintext = network_id.to_bytes(NETWORK_ID_SIZE, "big") + source + api_frame
        tag = hash_key(self.key, plaintext)
        return tag + ctr(self.key, tag, plaintext)

    def open(self, packet: bytes) -> Opened | None:
        """Decrypt and check the hash over key ‖ plaintext."""
        tag = packet[:TAG_SIZE]
        plaintext = ctr(self.key, tag, packet[TAG_SIZE:])
        if not hmac.compare_digest(hash_key(self.key, plaintext), tag):
            return None
        return Opened(
            tag,
            int.from_bytes(plaintext[:NETWORK_ID_SIZE], "big"),
            plaintext[NETWORK_ID_SIZE : NETWORK_ID_SIZE + ADDRESS_SIZE],
            plaintext[NETWORK_ID_SIZE + ADDRESS_SIZE :],
        )

    def fresh(self, opened: Opened) -> bool:
        """The spec has no freshness beyond the duplicate ring."""
        return True


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
        from openpcs.ncd.secure import SecureProfile

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
        try:
            data = frame_data(opened.api_frame)
            frame = (
                TransmitRequest.from_data(data) if data[0] == TransmitRequest.FRAME_TYPE else None
            )
        except ApiFrameError as exc:
            return RxResult(Outcome.MALFORMED, source=opened.source, tag=tag, reason=exc.reason)
        if frame is None:
            return RxResult(
                Outcome.MALFORMED,
                source=opened.source,
                tag=tag,
                reason=f"frame type 0x{data[0]:02X} is not 0x10",
            )
        destination = frame.address
        if destination not in (self.settings.address, BROADCAST):
            return RxResult(
                Outcome.NOT_FOR_US, source=opened.source, destination=destination, tag=tag
            )
        swapped = data[:2] + opened.source + data[10:]
        return RxResult(
            Outcome.DELIVERED, wrap(swapped), source=opened.source, destination=destination, tag=tag
        )


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
