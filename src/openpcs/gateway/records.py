"""What moves through the gateway: an arrival, what processing made of it, and the receipt.

An adapter turns what it received into :class:`Arrival` objects (the bytes and where they came
from) and submits them; the pipeline archives each, processes it into a :class:`Processed`,
stores that, and answers the adapter with one :class:`Receipt` per arrival.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, NamedTuple

__all__ = [
    "Arrival",
    "Format",
    "Processed",
    "ReadingRow",
    "Receipt",
    "TinyPart",
    "utc_now",
]


def utc_now() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class Format(StrEnum):
    """What an arrival's bytes are."""

    WASPMOTE = "waspmote"  # a Waspmote frame of any kind: binary, ASCII, tiny, encrypted
    NCD_MESH = "ncd-mesh"  # an NCD mesh packet as it crossed the air (tag ‖ ciphertext)
    NCD_API = "ncd-api"  # an API frame from a local radio module (7E … checksum)


@dataclass(slots=True)
class Arrival:
    """One frame as an adapter received it.

    ``data`` is the frame's bytes once the transport's own encoding (hex text, base64) is
    undone. ``device`` names the sender where the bytes cannot: a network identity such as
    ``lorawan:70B3D57ED0001234`` or ``sigfox:1A2B3C`` (tiny frames carry no serial).
    ``counter`` is the network's frame counter (LoRaWAN FCnt, Sigfox sequence number).
    ``meta`` is radio metadata kept with the raw frame (RSSI, SNR, gateway, port …).
    ``problem`` is what the adapter already found wrong (text that is not hex, bytes between
    frames of a stream): such an arrival is archived and stored as an error with that reason.
    ``serial`` is the serial the bytes claim, recorded with the raw frame when it is archived
    (see :mod:`openpcs.gateway.senders`); processing confirms or corrects it.
    ``sender_checked`` says the adapter checked the claimed serial against per-device ingest
    tokens (the HTTP routes do); the pipeline checks every other arrival as token-less.
    """

    data: bytes
    adapter: str
    format: Format = Format.WASPMOTE
    remote: str | None = None
    meta: dict[str, Any] | None = None
    received_at: datetime = field(default_factory=utc_now)
    device: str | None = None
    counter: int | None = None
    problem: str | None = None
    serial: str | None = None
    sender_checked: bool = False


#: One reading as stored: frame id, position, sensor, sensor id, value, all values (JSON
#: text), text, unit. A tuple because the pipeline builds one per field of every frame.
ReadingRow = tuple[int, int, str, int | None, float | None, str | None, str | None, str | None]


@dataclass(frozen=True, slots=True)
class TinyPart:
    """What a tiny frame adds to its device's reading set."""

    serial: str
    sequence: int
    counter: int | None
    sensors: tuple[str, ...]


@dataclass(slots=True)
class Processed:
    """What processing made of one archived frame.

    ``status`` is one of :class:`openpcs.gateway.store.schema.FrameStatus`; ``error`` says why
    a frame was not stored as readings (for ``error``, ``duplicate``, ``encrypted`` and
    ``ignored``). ``battery`` is ``(value, unit)`` when the frame reported one.
    """

    frame_id: int
    status: str
    error: str | None = None
    serial: str | None = None
    node_name: str | None = None
    frame_type: int | None = None
    sequence: int | None = None
    dedup_key: bytes | None = None
    readings: list[ReadingRow] = field(default_factory=list)
    battery: tuple[float, str] | None = None
    tiny: TinyPart | None = None
    set_id: int | None = None


class Receipt(NamedTuple):
    """The answer to an adapter for one arrival, once it is durable.

    ``id`` is the archived frame's id (``None`` when it could not be archived); ``status`` is
    the frame's status (``pending`` if it was archived but processing has not finished).
    """

    id: int | None
    status: str
    error: str | None = None
    serial: str | None = None
    readings: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, leaving out what is empty."""
        result: dict[str, Any] = {"id": self.id, "status": self.status}
        if self.error:
            result["error"] = self.error
        if self.serial:
            result["serial"] = self.serial
        result["readings"] = self.readings
        return result
