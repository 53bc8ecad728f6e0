"""What a sender may put next to a frame, made fit for the store.

A frame's bytes are kept as they are, but the text and numbers around them (``device``,
``counter``, ``meta``) come from senders and network servers the gateway does not control,
and both stores refuse some values: a string with a NUL or a lone surrogate, a number beyond
64 bits, NaN in JSON. One refused value would fail its whole batch, and an MQTT message that
is never stored comes back forever, so :func:`make_storable` runs on every arrival before it
is archived. Adapters that can answer the sender (the frames API) check ``device`` and
``counter`` first with :func:`device_problem` and :func:`counter_problem` and refuse with the
reason instead.
"""

from __future__ import annotations

import json
import math
import re
from typing import Annotated, Any

from pydantic import AfterValidator

from openpcs.gateway.records import Arrival

__all__ = [
    "MAX_COUNTER",
    "MAX_DEVICE",
    "MAX_ID",
    "MAX_META_BYTES",
    "PrintableText",
    "clean_meta",
    "counter_problem",
    "device_problem",
    "make_storable",
    "text_problem",
]

#: The longest ``device`` name, in characters (the column's width).
MAX_DEVICE = 64
#: The largest ``counter`` (a signed 64-bit column).
MAX_COUNTER = 2**63 - 1
#: The largest row id a store holds (a signed 64-bit column).
MAX_ID = 2**63 - 1
#: The largest ``meta`` kept, as compact JSON; larger metadata is replaced by a note.
MAX_META_BYTES = 8192
#: How deep ``meta`` may nest; deeper values become ``None``.
MAX_META_DEPTH = 16
_REPLACEMENT = "\ufffd"
#: What neither store keeps in text: NUL and the surrogates (valid only in pairs, in UTF-16).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be stored as a name or label (``None`` when it can): it holds a
    control character, a NUL or a lone surrogate."""
    return None if value.isprintable() else "must hold printable characters only"


def _printable(value: str) -> str:
    if problem := text_problem(value):
        raise ValueError(problem)
    return value


#: A name or label given in a request: printable characters only (a pydantic type).
PrintableText = Annotated[str, AfterValidator(_printable)]


def device_problem(value: object) -> str | None:
    """Why ``value`` cannot name a sender (``None`` when it can): text of 1 to 64 printable
    characters."""
    if not isinstance(value, str):
        return "must be text"
    if not value or len(value) > MAX_DEVICE:
        return f"must be 1 to {MAX_DEVICE} characters"
    return text_problem(value)


def counter_problem(value: object) -> str | None:
    """Why ``value`` cannot be a frame counter (``None`` when it can): a whole number from 0
    to 2**63 - 1."""
    if isinstance(value, bool) or not isinstance(value, int):
        return "must be a whole number"
    if not 0 <= value <= MAX_COUNTER:
        return f"must be from 0 to {MAX_COUNTER}"
    return None


def clean_meta(meta: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``meta`` that every store takes and every JSON reader reads.

    Non-finite floats and values nested deeper than :data:`MAX_META_DEPTH` become ``None``;
    text loses NULs and lone surrogates (each becomes U+FFFD); integers beyond 64 bits become
    text; other values become their text. Metadata longer than :data:`MAX_META_BYTES` as JSON
    is replaced by ``{"dropped": <reason>}``.
    """
    cleaned = _clean_mapping(meta, 0)
    size = len(json.dumps(cleaned, separators=(",", ":"), ensure_ascii=False).encode())
    if size > MAX_META_BYTES:
        return {"dropped": f"metadata of {size} bytes is over the limit of {MAX_META_BYTES}"}
    return cleaned


def make_storable(arrival: Arrival) -> None:
    """Make ``arrival`` fit for the store, in place.

    ``meta`` is cleaned (:func:`clean_meta`); a ``device`` or ``counter`` the store cannot
    hold is removed and the reason added to the arrival's ``problem``, so the frame is
    archived as an error that says why.
    """
    if arrival.meta is not None:
        arrival.meta = clean_meta(arrival.meta)
    faults = []
    if arrival.device is not None and (problem := device_problem(arrival.device)):
        faults.append(f"the device name {_shown(arrival.device)} {problem}")
        arrival.device = None
    if arrival.counter is not None and (problem := counter_problem(arrival.counter)):
        faults.append(f"the counter {problem}")
        arrival.counter = None
    if faults:
        arrival.problem = "; ".join(([arrival.problem] if arrival.problem else []) + faults)


def _clean_mapping(mapping: dict[Any, Any], depth: int) -> dict[str, Any]:
    return {_clean_text(str(key)): _clean(value, depth + 1) for key, value in mapping.items()}


def _clean(value: Any, depth: int) -> Any:
    if depth > MAX_META_DEPTH:
        return None
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value if -(2**63) <= value <= MAX_COUNTER else str(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        return _clean_text(value)
    if isinstance(value, dict):
        return _clean_mapping(value, depth)
    if isinstance(value, list | tuple):
        return [_clean(item, depth + 1) for item in value]
    return _clean_text(str(value))


def _clean_text(text: str) -> str:
    if text.isprintable() or (text.isascii() and "\x00" not in text):
        return text
    return _UNSTORABLE.sub(_REPLACEMENT, text)


def _shown(text: str) -> str:
    """``text`` quoted for a message, cut short and with unprintable characters escaped."""
    shown = text if len(text) <= 24 else text[:24] + "…"
    return ascii(shown) if not shown.isprintable() else repr(shown)
