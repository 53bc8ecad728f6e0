"""What the bodies of ingest requests hold: the frames of ``POST /api/v1/frames`` and the
fields of webhook callbacks.

Each function raises ``HTTPException`` naming the place of a problem: 400 for a malformed
body (``$: not JSON …``, ``frames[2].counter: …``), 413 beyond ``limits.max_batch_frames``
frames. Frames that are not hex are not problems here: they become arrivals with their error.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, NoReturn
from urllib.parse import parse_qsl

from fastapi import HTTPException, Request, status

from openpcs.gateway.ingest.inputs import BinaryStream, arrival_from_bytes, arrival_from_hex
from openpcs.gateway.records import Arrival, Format
from openpcs.gateway.settings import LimitsSettings
from openpcs.gateway.storable import counter_problem, device_problem

__all__ = ["frames_of", "webhook_fields"]


def _load_json(body: bytes) -> Any:
    """The JSON document of a request body; 400 naming the problem when it is not one."""
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as exc:  # incl. bad UTF-8 and 4,300-digit numbers
        raise HTTPException(status.HTTP_400_BAD_REQUEST, f"$: not JSON ({exc})") from None


async def webhook_fields(request: Request) -> dict[str, Any]:
    """A webhook's fields from a JSON object or a form body (and the query string)."""
    body = await request.body()
    fields: dict[str, Any] = dict(request.query_params)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json":
        loaded = _load_json(body)
        if not isinstance(loaded, dict):
            raise HTTPException(status.HTTP_400_BAD_REQUEST, "$: expected a JSON object")
        fields.update(loaded)
    else:
        fields.update(parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True))
    return fields


def frames_of(
    content_type: str,
    body: bytes,
    base: dict[str, Any],
    limits: LimitsSettings,
    received: datetime,
) -> list[Arrival]:
    """The arrivals of a ``POST /api/v1/frames`` body; 413 beyond ``limits.max_batch_frames``."""
    limit = limits.max_frame_bytes
    if content_type == "application/json":
        arrivals = _json_arrivals(body, base, limit, received)
    elif content_type == "application/octet-stream":
        arrivals = _binary_arrivals(body, base["format"], base, limit, received)
    else:
        arrivals = []
        for line in body.decode("utf-8", errors="replace").splitlines():
            if line.strip() and not line.lstrip().startswith("#"):
                if len(arrivals) == limits.max_batch_frames:
                    _too_many(limits.max_batch_frames)
                arrivals.append(
                    arrival_from_hex(line, "api", limit=limit, received_at=received, **base)
                )
    if len(arrivals) > limits.max_batch_frames:
        _too_many(limits.max_batch_frames)
    return arrivals


def _too_many(limit: int) -> NoReturn:
    raise HTTPException(
        status.HTTP_413_CONTENT_TOO_LARGE,
        f"more than {limit} frames in one request; send them in several",
    )


def _json_arrivals(body: bytes, base: dict[str, Any], limit: int, received: Any) -> list[Arrival]:
    document = _load_json(body)
    if isinstance(document, dict) and "frame" in document:
        items: list[Any] = [document["frame"]]
        where = "frame"
    elif isinstance(document, dict) and isinstance(document.get("frames"), list):
        items, where = document["frames"], "frames"
    elif isinstance(document, list):
        items, where = document, "$"
    else:
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST,
            '$: expected {"frame": "<hex>"}, {"frames": [...]} or a list of frames',
        )
    arrivals = []
    for index, item in enumerate(items):
        place = where if where == "frame" else f"{where}[{index}]"
        arrivals.append(_json_arrival(item, place, base, limit, received))
    return arrivals


def _json_arrival(
    item: Any, place: str, base: dict[str, Any], limit: int, received: Any
) -> Arrival:
    fields = dict(base)
    if isinstance(item, dict):
        text = item.get("hex")
        unknown = set(item) - {"hex", "device", "counter", "meta"}
        if unknown:
            raise HTTPException(
                status.HTTP_400_BAD_REQUEST,
                f"{place}.{sorted(unknown)[0]}: unknown field (hex, device, counter, meta)",
            )
        for name, problem_of in (("device", device_problem), ("counter", counter_problem)):
            if (value := item.get(name)) is not None:
                if problem := problem_of(value):
                    raise HTTPException(status.HTTP_400_BAD_REQUEST, f"{place}.{name}: {problem}")
                fields[name] = value
        meta = item.get("meta")
        if meta is not None and not isinstance(meta, dict):
            raise HTTPException(status.HTTP_400_BAD_REQUEST, f"{place}.meta: an object")
        fields["meta"] = meta
    else:
        text = item
    if not isinstance(text, str):
        raise HTTPException(status.HTTP_400_BAD_REQUEST, f"{place}: a frame is a hex string")
    return arrival_from_hex(text, "api", limit=limit, received_at=received, **fields)


def _binary_arrivals(
    body: bytes, kind: Format, base: dict[str, Any], limit: int, received: Any
) -> list[Arrival]:
    if kind is not Format.WASPMOTE or b"<=>" not in body:
        # one frame of another kind (a mesh packet, an API frame, a tiny frame)
        return [arrival_from_bytes(body, "api", limit=limit, received_at=received, **base)]
    stream = BinaryStream("api", limit=limit, remote=base["remote"])
    return stream.feed(body) + stream.close()
