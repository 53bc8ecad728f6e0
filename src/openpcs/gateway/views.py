"""What the query API returns, as pydantic models (they are also its OpenAPI schema)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "DeviceView",
    "FrameView",
    "Page",
    "ReadingSetView",
    "ReadingView",
    "ReceiptView",
]


class _View(BaseModel):
    model_config = ConfigDict(frozen=True)


class ReadingView(_View):
    """One reading: a field of a stored frame."""

    frame_id: int
    position: int = Field(description="the field's place in its frame, from 0")
    received_at: datetime
    serial: str | None
    node_name: str | None
    sensor: str = Field(description="the sensor's ASCII tag (TC, HUM …) or NCD value name")
    sensor_id: int | None = None
    value: float | int | None = Field(None, description="the (first) value, when a number")
    values: list[Any] | None = Field(None, description="every value of a multi-value field")
    text: str | None = Field(None, description="a string value")
    unit: str | None = None


class DeviceView(_View):
    """A device: what was seen of it, and which settings it has (never the secrets)."""

    serial: str
    label: str | None = None
    node_name: str | None = None
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    battery: float | None = None
    battery_unit: str | None = None
    frames: int = 0
    errors: int = 0
    keys: dict[str, bool] = Field(default_factory=dict, description="which keys are held")
    ingest_token: bool = Field(False, description="whether frames must bring a token")
    tiny_table: int | None = None
    expected_sensors: list[str] | None = None
    aliases: list[str] = Field(default_factory=list)


class FrameView(_View):
    """An archived frame and what processing made of it."""

    id: int
    received_at: datetime
    adapter: str
    remote: str | None
    format: str
    data: str = Field(description="the frame's bytes in hex")
    meta: dict[str, Any] | None
    device: str | None = Field(description="the network's name for the sender, if any")
    counter: int | None
    status: str
    error: str | None
    serial: str | None
    node_name: str | None
    frame_type: int | None
    sequence: int | None
    set_id: int | None
    readings: list[ReadingView] | None = None


class ReadingSetView(_View):
    """Tiny frames of one device sharing a sequence byte, reassembled."""

    id: int
    serial: str
    sequence: int
    status: str
    parts: int
    counters: list[int] | None
    missing: list[str] | None
    first_at: datetime
    last_at: datetime


class Page(_View):
    """One page of results and the cursor of the next (``None`` on the last page)."""

    items: list[Any]
    next: str | None = Field(None, description="pass as `after` for the next page")


class ReceiptView(_View):
    """What became of one submitted frame."""

    id: int | None
    status: str
    error: str | None = None
    serial: str | None = None
    readings: int = 0
