"""The JSON a forwarder delivers for one stored frame, and the outbox rows that carry it.

One document per frame::

    {"frame_id": 812, "received_at": "2026-11-21T10:00:00.123456Z", "adapter": "http",
     "serial": "3F5A1C0B7E2D4A91", "node_name": "env-roof-01", "frame_type": 6,
     "sequence": 42, "status": "ok",
     "readings": [{"sensor": "TC", "value": 21.37, "unit": "°C"}, …],
     "meta": {…radio metadata…}}

A reading with several values adds ``values``; a string reading has ``text`` instead of
``value``. A device-to-cloud frame (status ``encrypted``) has no readings and carries its bytes
as ``data`` (hex), for the cloud that holds the key. A partial frame (status ``partial``)
carries the readings it has and, as ``error``, what was not read and where.
"""

from __future__ import annotations

import json
import string
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC
from typing import Any, Final

from openpcs.gateway.readings import shown, shown_values
from openpcs.gateway.records import Arrival, Processed
from openpcs.gateway.store.schema import FrameStatus
from openpcs.gateway.store.writer import OutboxRow

__all__ = [
    "TOPIC_FIELDS",
    "OutboxPlanner",
    "Route",
    "check_topic",
    "frame_document",
    "topic_segment",
]

#: The names a topic template may use.
TOPIC_FIELDS: Final = ("serial", "node_name", "frame_type", "adapter", "status")


def check_topic(template: str) -> None:
    """Raise ``ValueError`` naming the problem if ``template`` is not a usable topic template."""
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
    except ValueError as exc:
        raise ValueError(f"topic {template!r}: {exc}") from None
    unknown = [name for name in names if name not in TOPIC_FIELDS]
    if unknown:
        raise ValueError(
            f"topic {template!r} uses {{{unknown[0]}}}; it may use {', '.join(TOPIC_FIELDS)}"
        )
    if any(c in template for c in "+#"):
        raise ValueError(f"topic {template!r}: a topic to publish to has no '+' or '#'")


def topic_segment(text: str | None) -> str:
    """``text`` made one topic level: MQTT wildcards, level separators and NUL become ``_``.

    A node names itself in its frames, so its name may hold ``+``, ``#`` or ``/``, which a
    broker refuses in a topic to publish to or which would move the message to another level.
    """
    return (text or "").translate(_TOPIC_UNSAFE)


_TOPIC_UNSAFE = str.maketrans({"+": "_", "#": "_", "/": "_", "\x00": "_"})


def _reading(row: tuple[Any, ...]) -> dict[str, Any]:
    _, _, sensor, _, value, listed, text, unit = row
    item: dict[str, Any] = {"sensor": sensor}
    if text is not None:
        item["text"] = text
    else:
        item["value"] = shown(value)
    if listed is not None:
        item["values"] = shown_values(json.loads(listed))
    if unit:
        item["unit"] = unit
    return item


def frame_document(frame_id: int, arrival: Arrival, processed: Processed) -> dict[str, Any]:
    """The JSON-ready document of one stored frame."""
    received = arrival.received_at.astimezone(UTC).isoformat(timespec="microseconds")
    document: dict[str, Any] = {
        "frame_id": frame_id,
        "received_at": received.replace("+00:00", "Z"),
        "adapter": arrival.adapter,
        "serial": processed.serial,
        "node_name": processed.node_name,
        "frame_type": processed.frame_type,
        "sequence": processed.sequence,
        "status": processed.status,
        "readings": [_reading(row) for row in processed.readings],
    }
    if processed.status == FrameStatus.ENCRYPTED:
        document["data"] = arrival.data.hex().upper()
    if processed.status == FrameStatus.PARTIAL:  # what was not read, and where
        document["error"] = processed.error
    if arrival.meta:
        document["meta"] = arrival.meta
    return document


@dataclass(frozen=True, slots=True)
class Route:
    """A forwarder's name and its topic template (empty for webhooks)."""

    forwarder: str
    topic: str = ""


class OutboxPlanner:
    """Builds each stored frame's outbox rows, one per forwarder."""

    def __init__(self, routes: Sequence[Route]) -> None:
        for route in routes:
            if route.topic:
                check_topic(route.topic)
        self.routes = tuple(routes)

    def __call__(self, frame_id: int, arrival: Arrival, processed: Processed) -> list[OutboxRow]:
        """The outbox rows of one frame (none when no forwarder is configured)."""
        if not self.routes:
            return []
        document = frame_document(frame_id, arrival, processed)
        payload = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
        fields = {
            "serial": processed.serial or "unknown",
            "node_name": topic_segment(processed.node_name) or "unnamed",
            "frame_type": processed.frame_type if processed.frame_type is not None else "none",
            "adapter": arrival.adapter,
            "status": processed.status,
        }
        return [
            OutboxRow(route.forwarder, frame_id, route.topic.format_map(fields), payload)
            for route in self.routes
        ]
