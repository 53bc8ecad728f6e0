"""Reading a network server's webhook body: its JSON (refused when it is not an object, or
holds NaN or Infinity), walked with the path of every value kept for the error that names it
(:class:`JsonObject`), and the converters from JSON values to what an uplink holds: EUIs, frame
ports and counters, data rates, spreading factors, bandwidths, frequencies, RSSI, payloads in
base64 or hex, RFC 3339 times. Each raises :class:`WebhookError` naming the value's path.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Final, TypeVar

from openpcs.gateway.ingest.webhook_errors import WebhookError, finite_number, type_name

__all__ = [
    "NO_PAYLOAD",
    "JsonObject",
    "as_any_eui",
    "as_bandwidth_hz",
    "as_bandwidth_khz",
    "as_base64_bytes",
    "as_data_rate",
    "as_duration_s",
    "as_f_cnt",
    "as_f_port",
    "as_frequency",
    "as_frequency_or_text",
    "as_hex_eui",
    "as_latitude",
    "as_longitude",
    "as_obj",
    "as_payload",
    "as_rssi",
    "as_spreading_factor",
    "as_text",
    "as_time",
    "coordinates",
    "load_body",
    "location",
]

_ROOT: Final = "$"
#: Why an uplink without a payload is refused, in every dialect.
NO_PAYLOAD: Final = "missing: an uplink without a payload has nothing to ingest"
_MAX_F_PORT: Final = 255
_MAX_F_CNT: Final = 2**32 - 1
_MAX_FREQUENCY_HZ: Final = 10**10
_MAX_BANDWIDTH_HZ: Final = 10**7

T = TypeVar("T")


def load_body(body: object) -> JsonObject:
    """The body as the root object; raw JSON text is decoded first."""
    if isinstance(body, str | bytes | bytearray):
        body = _decode_json(body)
    return as_obj(body, _ROOT)


def _decode_json(text: str | bytes | bytearray) -> object:
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as error:
        raise WebhookError(_ROOT, f"not valid JSON ({error})") from None


def _reject_constant(name: str) -> object:
    raise ValueError(f"{name} is not a JSON number")


class JsonObject:
    """A JSON object and its path, with readers that report problems at the field's path.

    A field that is absent or ``null`` reads as ``None``.
    """

    __slots__ = ("_data", "path")

    def __init__(self, data: Mapping[Any, Any], path: str) -> None:
        self._data = data
        self.path = path

    def at(self, key: str) -> str:
        """The JSON path of field ``key``."""
        return key if self.path == _ROOT else f"{self.path}.{key}"

    def has(self, key: str) -> bool:
        return self._data.get(key) is not None

    def read(self, key: str, convert: Callable[[Any, str], T]) -> T | None:
        """Field ``key`` converted, or ``None`` when absent."""
        value = self._data.get(key)
        return None if value is None else convert(value, self.at(key))

    def need(self, key: str, convert: Callable[[Any, str], T], *, missing: str = "") -> T:
        """Field ``key`` converted; absent is an error (``missing`` is its reason)."""
        value = self._data.get(key)
        if value is None:
            raise WebhookError(self.at(key), missing or "missing required field")
        return convert(value, self.at(key))

    def sub(self, key: str) -> JsonObject:
        """Object field ``key``; an empty object when absent, so that reads give ``None``."""
        return self.read(key, as_obj) or JsonObject({}, self.at(key))

    def objs(self, key: str) -> list[JsonObject]:
        """Array-of-objects field ``key``; empty when absent."""
        items = self.read(key, _as_list) or []
        return [as_obj(item, f"{self.at(key)}[{index}]") for index, item in enumerate(items)]


def as_obj(value: Any, path: str) -> JsonObject:
    if not isinstance(value, Mapping):
        raise WebhookError(path, f"expected a JSON object, got {type_name(value)}")
    return JsonObject(value, path)


def _as_list(value: Any, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise WebhookError(path, f"expected an array, got {type_name(value)}")
    return value


def as_text(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise WebhookError(path, f"expected a string, got {type_name(value)}")
    return value


def _as_int(value: Any, path: str, low: int, high: int, *, text: bool = False) -> int:
    """An integer in ``low..high``; with ``text``, a decimal string is accepted too."""
    number: int
    if text and isinstance(value, str):
        if not _DECIMAL.fullmatch(value):
            raise WebhookError(path, f"expected a decimal integer string, got {_show(value)}")
        number = int(value)
    elif isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        expected = "an integer or a decimal string" if text else "an integer"
        raise WebhookError(path, f"expected {expected}, got {type_name(value)}")
    if not low <= number <= high:
        shown = number if abs(number) < 10**30 else "a huge number"
        raise WebhookError(path, f"{shown} is out of range {low}..{high}")
    return number


def as_f_port(value: Any, path: str) -> int:
    return _as_int(value, path, 0, _MAX_F_PORT)


def as_f_cnt(value: Any, path: str) -> int:
    return _as_int(value, path, 0, _MAX_F_CNT)


def as_data_rate(value: Any, path: str) -> int:
    return _as_int(value, path, 0, 15)


def as_spreading_factor(value: Any, path: str) -> int:
    return _as_int(value, path, 5, 12)


def as_bandwidth_hz(value: Any, path: str) -> int:
    return _as_int(value, path, 1, _MAX_BANDWIDTH_HZ)


def as_bandwidth_khz(value: Any, path: str) -> int:
    return _as_int(value, path, 1, _MAX_BANDWIDTH_HZ // 1000)


def as_frequency(value: Any, path: str) -> int:
    return _as_int(value, path, 1, _MAX_FREQUENCY_HZ)


def as_frequency_or_text(value: Any, path: str) -> int:
    return _as_int(value, path, 1, _MAX_FREQUENCY_HZ, text=True)


def as_rssi(value: Any, path: str) -> int:
    return round(finite_number(value, path))


def as_payload(value: Any, path: str) -> bytes:
    payload = as_base64_bytes(as_text(value, path), path)
    if not payload:
        raise WebhookError(path, "empty payload: an uplink without a payload has nothing to ingest")
    return payload


# --------------------------------------------------------------------------- encodings

_DECIMAL: Final = re.compile(r"[0-9]{1,20}")
_HEX_EUI: Final = re.compile(r"[0-9A-Fa-f]{16}")
_HEX_DIGITS: Final = re.compile(r"[0-9A-Fa-f]*")
_HEX_CHARS: Final = frozenset("0123456789abcdefABCDEF")
_BASE64: Final = re.compile(r"([A-Za-z0-9+/_-]*)(=*)")
_BASE64_ALPHABET: Final = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_="
)
_URL_SAFE: Final = str.maketrans("-_", "+/")
_EUI_BYTES: Final = 8


def _show(text: str, limit: int = 40) -> str:
    """``text`` quoted for an error message, clipped to ``limit`` characters."""
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


def as_hex_eui(value: Any, path: str) -> str:
    """An EUI-64 given as exactly 16 hex digits, as uppercase hex."""
    text = as_text(value, path)
    if _HEX_EUI.fullmatch(text):
        return text.upper()
    bad = next((i for i, char in enumerate(text) if char not in _HEX_CHARS), None)
    if bad is not None:
        raise WebhookError(
            path, f"expected 16 hex digits; {text[bad]!r} at offset {bad} is not a hex digit"
        )
    raise WebhookError(path, f"expected 16 hex digits, got {len(text)}")


def as_any_eui(value: Any, path: str) -> str:
    """An EUI-64 given as 16 hex digits or as base64 of 8 bytes, as uppercase hex."""
    text = as_text(value, path)
    if _HEX_EUI.fullmatch(text):
        return text.upper()
    try:
        raw = as_base64_bytes(text, path)
    except WebhookError:
        raw = None
    if raw is not None and len(raw) == _EUI_BYTES:
        return raw.hex().upper()
    if _HEX_DIGITS.fullmatch(text):
        reason = f"expected 16 hex digits, got {len(text)}"
    elif raw is not None:
        reason = f"base64 EUI decodes to {len(raw)} bytes, expected 8"
    else:
        reason = f"expected 16 hex digits or base64 of 8 bytes, got {_show(text)}"
    raise WebhookError(path, reason)


def as_base64_bytes(text: str, path: str) -> bytes:
    """Decode standard or URL-safe base64, padded or not (as protobuf JSON allows)."""
    match = _BASE64.fullmatch(text)
    if match is None:
        bad = next((i for i, char in enumerate(text) if char not in _BASE64_ALPHABET), None)
        if bad is None:
            raise WebhookError(path, "invalid base64: '=' padding before the end")
        raise WebhookError(path, f"invalid base64 character {text[bad]!r} at offset {bad}")
    core, padding = match.groups()
    if len(core) % 4 == 1:
        raise WebhookError(path, f"invalid base64: length {len(core)} cannot be decoded")
    if padding and (len(padding) > 2 or (len(core) + len(padding)) % 4):
        raise WebhookError(path, "invalid base64: wrong '=' padding")
    standard = core.translate(_URL_SAFE) + "=" * (-len(core) % 4)
    try:
        return base64.b64decode(standard, validate=True)
    except (binascii.Error, ValueError) as error:
        raise WebhookError(path, f"invalid base64 ({error})") from None


_RFC3339: Final = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt ]([0-9]{2}):([0-9]{2}):([0-9]{2})"
    r"(?:\.([0-9]+))?([Zz]|[+-][0-9]{2}:[0-9]{2})"
)


def as_time(value: Any, path: str) -> datetime:
    """An RFC 3339 timestamp as an aware UTC datetime; fractions finer than 1 µs are cut."""
    text = as_text(value, path)
    match = _RFC3339.fullmatch(text)
    if match is None:
        raise WebhookError(path, f"expected an RFC 3339 timestamp, got {_show(text)}")
    try:
        return _timestamp(match)
    except (ValueError, OverflowError) as error:
        raise WebhookError(path, f"invalid timestamp {_show(text)} ({error})") from None


def _timestamp(match: re.Match[str]) -> datetime:
    year, month, day, hour, minute, second = (int(match[group]) for group in range(1, 7))
    microsecond = int((match[7] or "0")[:6].ljust(6, "0"))
    return datetime(
        year, month, day, hour, minute, second, microsecond, tzinfo=_zone(match[8])
    ).astimezone(UTC)


def _zone(text: str) -> timezone:
    if text in {"Z", "z"}:
        return UTC
    hours, minutes = int(text[1:3]), int(text[4:6])
    if minutes > 59:
        raise ValueError(f"offset minutes {minutes} out of range")
    offset = timedelta(hours=hours, minutes=minutes)
    return timezone(-offset if text[0] == "-" else offset)


_DURATION: Final = re.compile(r"([0-9]{1,6}(?:\.[0-9]{1,9})?)s")


def as_duration_s(value: Any, path: str) -> float:
    """A protobuf JSON duration (``"0.056576s"``, as The Things Stack writes air time), in s."""
    text = as_text(value, path)
    match = _DURATION.fullmatch(text.strip())
    if match is None:
        raise WebhookError(path, f"expected a duration such as '0.0566s', got {_show(text)}")
    return float(match.group(1))


def as_latitude(value: Any, path: str) -> float:
    """Degrees north, -90..90."""
    degrees = finite_number(value, path)
    if not -90 <= degrees <= 90:
        raise WebhookError(path, f"{degrees} is outside -90..90 degrees")
    return float(degrees)


def as_longitude(value: Any, path: str) -> float:
    """Degrees east, -180..180."""
    degrees = finite_number(value, path)
    if not -180 <= degrees <= 180:
        raise WebhookError(path, f"{degrees} is outside -180..180 degrees")
    return float(degrees)


def location(rx: JsonObject) -> tuple[float | None, float | None]:
    """The gateway's ``location`` (latitude, longitude) a reception gives, if any."""
    return coordinates(rx.sub("location"))


def coordinates(place: JsonObject) -> tuple[float | None, float | None]:
    """The latitude and longitude an object gives, each ``None`` when absent."""
    return place.read("latitude", as_latitude), place.read("longitude", as_longitude)
