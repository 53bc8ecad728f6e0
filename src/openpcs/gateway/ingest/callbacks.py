"""Parse Sigfox callbacks and SMS-gateway webhooks into normalised messages.

Both arrive as flat field mappings: a decoded JSON object, the fields of a form-encoded POST,
or the query parameters of a GET, one value per name (the HTTP layer picks that value).
Form fields and query parameters are strings, so every numeric field also accepts a decimal
string, and an empty string in an optional field counts as absent.

**Sigfox** (:func:`parse_sigfox`): the backend's custom callback sends whatever the user
templated, normally the variables under their own names: ``device`` (or ``id``, ``deviceId``,
``deviceID``, ``device_id``, as templates and integrations spell it; the device id, 1 to 8 hex
digits), ``data`` (the payload in hex, 0 to 12 bytes), ``time`` (epoch seconds),
``seqNumber``, with the network-metadata option ``rssi``, ``snr``, ``avgSnr`` and
``station``, with the geolocation option ``lat`` and ``lng``, and ``duplicate`` (``true`` for
a copy another base station heard). Other fields (``deviceTypeId``, ``ack`` ...) are ignored.

**SMS** (:func:`parse_sms`): an SMS gateway posts the received text, which is a Waspmote frame
in hex (upper or lower case, whitespace ignored). The text is read from ``body``, ``Body``
(Twilio), ``text`` (Vonage) or ``message``, the sender from ``from``, ``From``, ``msisdn`` or
``sender``; the first name present wins.

Every malformed input raises :class:`WebhookError` whose ``path`` is the field name (``$`` for
the mapping as a whole); nothing else escapes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from openpcs.gateway.ingest.webhook_errors import WebhookError, finite_number, type_name

__all__ = [
    "SIGFOX_DEVICE_FIELDS",
    "SIGFOX_MAX_PAYLOAD",
    "SMS_BODY_FIELDS",
    "SMS_SENDER_FIELDS",
    "SigfoxMessage",
    "SmsMessage",
    "WebhookError",
    "parse_sigfox",
    "parse_sms",
]

SIGFOX_MAX_PAYLOAD: Final = 12
"""The largest Sigfox uplink payload, in bytes."""

#: the device id's spellings in callbacks, the first the Sigfox backend's own variable
SIGFOX_DEVICE_FIELDS: Final = ("device", "id", "deviceId", "deviceID", "device_id")
SMS_BODY_FIELDS: Final = ("body", "Body", "text", "message")
SMS_SENDER_FIELDS: Final = ("from", "From", "msisdn", "sender")

_MAX_SEQ_NUMBER: Final = 2**32 - 1
_MAX_EPOCH: Final = 253_402_300_799  # 9999-12-31T23:59:59Z
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_DEVICE: Final = re.compile(r"[0-9A-Fa-f]{1,8}")
_DECIMAL: Final = re.compile(r"[0-9]{1,20}")
_REAL: Final = re.compile(r"[+-]?[0-9]{1,10}(?:\.[0-9]{1,10})?")
_HEX_CHARS: Final = frozenset("0123456789abcdefABCDEF")


@dataclass(frozen=True, slots=True)
class SigfoxMessage:
    """One Sigfox uplink: ``device_id`` in uppercase hex, ``payload`` of 0 to 12 bytes.

    ``received_at`` is timezone-aware UTC; fields the callback did not send are ``None``.
    """

    device_id: str
    payload: bytes
    seq_number: int | None
    received_at: datetime | None
    rssi: float | None
    snr: float | None
    station: str | None
    avg_snr: float | None = None
    lat: float | None = None
    lng: float | None = None
    duplicate: bool | None = None

    def meta(self) -> dict[str, Any]:
        """The metadata as a JSON-ready dict: no payload, no ``None`` values."""
        return _meta(self)


@dataclass(frozen=True, slots=True)
class SmsMessage:
    """One SMS carrying a frame: the sender's number (if given) and the frame's bytes."""

    sender: str | None
    payload: bytes

    def meta(self) -> dict[str, Any]:
        """The metadata as a JSON-ready dict: no payload, no ``None`` values."""
        return _meta(self)


def parse_sigfox(fields: Mapping[str, Any]) -> SigfoxMessage:
    """Parse a Sigfox uplink callback's fields (JSON object, form fields or query parameters).

    The device id (``device`` or a spelling of :data:`SIGFOX_DEVICE_FIELDS`) and ``data`` are
    required; ``data`` may be empty (a 0-byte uplink) but not longer than 12 bytes. ``time`` is
    epoch seconds, ``seqNumber`` a non-negative integer, ``rssi`` / ``snr`` / ``avgSnr``
    numbers, ``lat`` / ``lng`` degrees; each may also be a decimal string. ``duplicate`` is
    a boolean or ``"true"``/``"false"``.
    """
    _require_mapping(fields)
    device_id = _device_id(fields)
    payload = _hex_payload(_need_text(fields, "data"), "data")
    if len(payload) > SIGFOX_MAX_PAYLOAD:
        raise WebhookError(
            "data",
            f"{len(payload)} bytes is more than a Sigfox uplink carries "
            f"(at most {SIGFOX_MAX_PAYLOAD})",
        )
    time = _optional(fields, "time")
    seq_number = _optional(fields, "seqNumber")
    rssi = _optional(fields, "rssi")
    snr = _optional(fields, "snr")
    station = _optional(fields, "station")
    avg_snr, lat, lng = (_optional(fields, name) for name in ("avgSnr", "lat", "lng"))
    duplicate = _optional(fields, "duplicate")
    return SigfoxMessage(
        device_id=device_id,
        payload=payload,
        seq_number=None if seq_number is None else _seq_number(seq_number),
        received_at=None if time is None else _epoch_seconds(time),
        rssi=None if rssi is None else _real(rssi, "rssi"),
        snr=None if snr is None else _real(snr, "snr"),
        station=None if station is None else _text(station, "station").strip(),
        avg_snr=None if avg_snr is None else _real(avg_snr, "avgSnr"),
        lat=None if lat is None else _coordinate(lat, "lat", 90),
        lng=None if lng is None else _coordinate(lng, "lng", 180),
        duplicate=None if duplicate is None else _flag(duplicate, "duplicate"),
    )


def parse_sms(fields: Mapping[str, Any]) -> SmsMessage:
    """Parse an SMS-gateway webhook whose message text is a Waspmote frame in hex.

    The text is taken from the first of ``body``, ``Body``, ``text``, ``message`` that is
    present and must hold an even, non-zero number of hex digits (whitespace ignored). The
    sender, from the first of ``from``, ``From``, ``msisdn``, ``sender``, is optional.
    """
    _require_mapping(fields)
    name = next((name for name in SMS_BODY_FIELDS if fields.get(name) is not None), None)
    if name is None:
        expected = ", ".join(SMS_BODY_FIELDS)
        raise WebhookError(SMS_BODY_FIELDS[0], f"missing: no message text in any of {expected}")
    payload = _hex_payload(_text(fields[name], name), name)
    if not payload:
        raise WebhookError(name, "empty message: expected a Waspmote frame in hex")
    return SmsMessage(sender=_sender(fields), payload=payload)


# --------------------------------------------------------------------------- field readers


def _require_mapping(fields: object) -> None:
    if not isinstance(fields, Mapping):
        raise WebhookError("$", f"expected an object or form fields, got {type_name(fields)}")


def _optional(fields: Mapping[str, Any], name: str) -> Any:
    """The field's value, or ``None`` when it is absent, ``null``, an empty string or the
    text ``null`` (what a form or query callback sends for a variable Sigfox has no value
    for, such as ``{rssi}``)."""
    value = fields.get(name)
    if isinstance(value, str) and value.strip().lower() in ("", "null"):
        return None
    return value


def _text(value: Any, name: str, *, template_hint: bool = False) -> str:
    """A string; with ``template_hint``, a number gets a hint about Sigfox callback templates."""
    if not isinstance(value, str):
        hint = ""
        if template_hint and _is_number(value):
            hint = f" (quote {{{name}}} in the Sigfox callback template)"
        raise WebhookError(name, f"expected a string, got {type_name(value)}{hint}")
    return value


def _need_text(fields: Mapping[str, Any], name: str) -> str:
    value = fields.get(name)
    if value is None:
        raise WebhookError(name, "missing required field")
    return _text(value, name, template_hint=True)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _device_id(fields: Mapping[str, Any]) -> str:
    """The device id under any of its spellings (the first present names it; every other
    present must agree): 1-8 hex digits, uppercased."""
    given = [(name, _optional(fields, name)) for name in SIGFOX_DEVICE_FIELDS]
    present = [(name, _hex_id(value, name)) for name, value in given if value is not None]
    if not present:
        others = ", ".join(repr(name) for name in SIGFOX_DEVICE_FIELDS[1:])
        raise WebhookError("device", f"missing required field (also accepted as {others})")
    first_name, device_id = present[0]
    for name, other in present[1:]:
        if other != device_id:
            raise WebhookError(name, f"{other!r} differs from {first_name} {device_id!r}")
    return device_id


def _coordinate(value: Any, name: str, limit: float) -> float:
    """A latitude or longitude: a number within ±``limit`` degrees."""
    degrees = _real(value, name)
    if not -limit <= degrees <= limit:
        raise WebhookError(name, f"{degrees} is outside -{limit:g}..{limit:g} degrees")
    return degrees


def _flag(value: Any, name: str) -> bool:
    """A boolean, or its text (``true``/``false``, as a template writes it)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise WebhookError(name, f"expected true or false, got {_show(value)}")


def _hex_id(value: Any, name: str) -> str:
    text = _text(value, name, template_hint=True).strip()
    if _DEVICE.fullmatch(text):
        return text.upper()
    bad = _first_non_hex(text)
    if bad is not None:
        raise WebhookError(name, f"{text[bad]!r} at offset {bad} is not a hex digit")
    raise WebhookError(name, f"expected a device id of 1 to 8 hex digits, got {len(text)}")


def _hex_payload(text: str, name: str) -> bytes:
    """Hex digits in either case, whitespace anywhere ignored, as bytes."""
    bad = _first_non_hex(text, skip_space=True)
    if bad is not None:
        raise WebhookError(name, f"{text[bad]!r} at offset {bad} is not a hex digit")
    digits = "".join(text.split())
    if len(digits) % 2:
        raise WebhookError(name, f"odd number of hex digits ({len(digits)})")
    return bytes.fromhex(digits)


def _first_non_hex(text: str, *, skip_space: bool = False) -> int | None:
    return next(
        (
            index
            for index, char in enumerate(text)
            if char not in _HEX_CHARS and not (skip_space and char.isspace())
        ),
        None,
    )


def _whole_number(value: Any, name: str) -> int:
    """A non-negative integer, or a string of decimal digits."""
    if isinstance(value, str):
        if not _DECIMAL.fullmatch(value.strip()):
            raise WebhookError(name, f"expected a non-negative integer, got {_show(value)}")
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise WebhookError(name, f"expected an integer, got {type_name(value)}")
    if value < 0:
        raise WebhookError(name, f"expected a non-negative integer, got {value}")
    return value


def _seq_number(value: Any) -> int:
    number = _whole_number(value, "seqNumber")
    if number > _MAX_SEQ_NUMBER:
        raise WebhookError("seqNumber", f"out of range 0..{_MAX_SEQ_NUMBER}")
    return number


def _epoch_seconds(value: Any) -> datetime:
    seconds = _whole_number(value, "time")
    if seconds > _MAX_EPOCH:
        raise WebhookError(
            "time", f"{seconds} is beyond the year 9999: expected epoch seconds (milliseconds?)"
        )
    return _EPOCH + timedelta(seconds=seconds)


def _real(value: Any, name: str) -> float:
    """A finite number, or a decimal string such as ``"-120.00"``."""
    if isinstance(value, str):
        if not _REAL.fullmatch(value.strip()):
            raise WebhookError(name, f"expected a number, got {_show(value)}")
        return float(value)
    return finite_number(value, name)


def _sender(fields: Mapping[str, Any]) -> str | None:
    """The first sender field present, as a string; ``None`` when there is none."""
    for name in SMS_SENDER_FIELDS:
        value = _optional(fields, name)
        if value is None:
            continue
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        return _text(value, name).strip() or None
    return None


def _show(text: str, limit: int = 40) -> str:
    """``text`` quoted for an error message, clipped to ``limit`` characters."""
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


def _meta(message: SigfoxMessage | SmsMessage) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    for field in fields(message):
        value = getattr(message, field.name)
        if field.name == "payload" or value is None:
            continue
        meta[field.name] = value.isoformat() if isinstance(value, datetime) else value
    return meta
