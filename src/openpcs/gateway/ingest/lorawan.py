"""Parse the uplink webhooks of LoRaWAN network servers into one normalised :class:`Uplink`.

Three dialects are understood:

``chirpstack-v4``
    ChirpStack v4 HTTP integration (POSTed with ``?event=up``): camelCase JSON,
    ``deviceInfo.devEui`` in hex, ``data`` in base64, ``rxInfo[].gatewayId`` in hex,
    ``txInfo.modulation.lora.bandwidth`` in Hz.
``chirpstack-v3``
    ChirpStack v3, in either of its JSON dialects: the legacy "JSON (v3)" one (``devEUI`` and
    ``rxInfo[].gatewayID`` in hex, ``txInfo.dr``) and the protobuf JSON mapping (the same two
    ids in base64, ``txInfo.loRaModulationInfo.bandwidth`` in kHz). SNR is ``loRaSNR``.
``tts-v3``
    The Things Stack v3 webhook: snake_case JSON whose empty fields are omitted (an absent
    ``f_cnt`` or ``f_port`` means 0) and whose ``settings.frequency`` is a decimal string.

The contract of every ``parse_*`` function:

* It is pure: a body in, an :class:`Uplink` out. The body is a decoded JSON value or the raw
  JSON text (``str`` or ``bytes``).
* A malformed body raises :class:`WebhookError` (a ``ValueError``) naming the JSON path of the
  problem (``rxInfo[0].snr``; ``$`` is the whole body). No ``KeyError``, ``TypeError`` or
  ``binascii.Error`` escapes.
* A well-formed notification that is simply not an uplink (a ChirpStack event other than
  ``up``, a The Things Stack message without ``uplink_message``) raises :class:`NotAnUplink`.
  It is deliberately *not* a ``WebhookError``: the HTTP layer answers it with 204 and ingests
  nothing, and answers a ``WebhookError`` with 400.
* Types are strict: a string where a number is expected is an error, so is a boolean where an
  integer is expected, except where the dialect itself sends numbers as strings (The Things
  Stack ``settings.frequency``).
* An uplink without a payload is an error: there is nothing to ingest.
* Absent or ``null`` optional fields are simply unknown (``None`` in the result).
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Final, Literal, TypeVar, get_args

from openpcs.gateway.ingest.webhook_errors import WebhookError, finite_number, type_name

__all__ = [
    "DIALECTS",
    "UPLINK_EVENT",
    "Dialect",
    "NotAnUplink",
    "Uplink",
    "WebhookError",
    "detect_dialect",
    "parse_chirpstack_v3",
    "parse_chirpstack_v4",
    "parse_tts_v3",
    "parse_uplink",
]

Dialect = Literal["chirpstack-v4", "chirpstack-v3", "tts-v3"]
DIALECTS: Final[tuple[Dialect, ...]] = get_args(Dialect)

UPLINK_EVENT: Final = "up"
"""The ChirpStack ``?event=`` value of an uplink; every other value is not an uplink."""

_ROOT: Final = "$"
_EVENT_PATH: Final = "?event"
_MAX_F_PORT: Final = 255
_MAX_F_CNT: Final = 2**32 - 1
_MAX_FREQUENCY_HZ: Final = 10**10
_MAX_BANDWIDTH_HZ: Final = 10**7
_NO_PAYLOAD: Final = "missing: an uplink without a payload has nothing to ingest"

# Message keys of a The Things Stack webhook body other than ``uplink_message``.
_TTS_OTHER_MESSAGES: Final = (
    "join_accept",
    "uplink_normalized",
    "downlink_ack",
    "downlink_nack",
    "downlink_sent",
    "downlink_failed",
    "downlink_queued",
    "downlink_queue_invalidated",
    "location_solved",
    "service_data",
)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Uplink:
    """One LoRaWAN uplink, whatever network server delivered it.

    ``dev_eui`` is 16 uppercase hex digits; ``received_at`` is timezone-aware UTC. The radio
    fields describe the best gateway (highest SNR, then highest RSSI); ``gateways`` counts the
    gateways that heard the frame. Fields the dialect does not carry are ``None``:
    ``dedup_id`` is ChirpStack v4's ``deduplicationId``, ``data_rate`` the DR index
    (ChirpStack only), ``device_name`` the device's name in the network server.
    """

    dialect: Dialect
    dev_eui: str
    f_port: int
    f_cnt: int
    payload: bytes
    received_at: datetime | None
    rssi: int | None
    snr: float | None
    gateway_id: str | None
    gateways: int
    spreading_factor: int | None
    bandwidth_khz: float | None
    frequency_hz: int | None
    data_rate: int | None
    dedup_id: str | None
    device_name: str | None

    def meta(self) -> dict[str, Any]:
        """The radio metadata as a JSON-ready dict: no payload, no ``None`` values.

        ``received_at`` becomes an ISO 8601 string; every other value is a str, int or float.
        """
        meta: dict[str, Any] = {}
        for field in fields(self):
            value = getattr(self, field.name)
            if field.name == "payload" or value is None:
                continue
            meta[field.name] = value.isoformat() if isinstance(value, datetime) else value
        return meta


class NotAnUplink(Exception):
    """A well-formed notification that carries no uplink: nothing to ingest (answer 204).

    ``kind`` says what it is instead: the ChirpStack event type (``join``, ``status`` ...) or
    the The Things Stack message key (``join_accept``, ``downlink_ack`` ...; ``unknown`` when
    none is recognised). ``dialect`` is the dialect, when known.
    """

    def __init__(self, kind: str, dialect: Dialect | None = None) -> None:
        super().__init__(kind, dialect)
        self.kind = kind
        self.dialect = dialect

    def __str__(self) -> str:
        return f"{self.dialect or 'webhook'} {self.kind!r} message is not an uplink"


# --------------------------------------------------------------------------- public parsers


def parse_chirpstack_v4(body: object, *, event: str | None = None) -> Uplink:
    """Parse a ChirpStack v4 HTTP-integration uplink event.

    ``event`` is the request's ``?event=`` query value: ``None`` or ``"up"`` parse the body,
    any other value raises :class:`NotAnUplink` without looking at the body. An absent
    ``fCnt`` or ``fPort`` means 0; an absent or empty ``data`` is a :class:`WebhookError`.
    """
    _check_event(event, "chirpstack-v4")
    return _chirpstack_v4(_load(body))


def parse_chirpstack_v3(body: object, *, event: str | None = None) -> Uplink:
    """Parse a ChirpStack v3 uplink event, legacy "JSON (v3)" or protobuf JSON mapping.

    ``devEUI`` and ``rxInfo[].gatewayID`` may be hex (exactly 16 hex digits) or base64 of
    exactly 8 bytes; SNR is ``rxInfo[].loRaSNR`` (or ``snr``). ``received_at`` is the earliest
    ``rxInfo[].time``, if any gateway gave one. The spreading factor and bandwidth are only
    known from ``txInfo.loRaModulationInfo``: the legacy dialect gives just the data rate
    ``txInfo.dr``. ``fCnt``, ``fPort``, ``data`` and ``event`` work as in
    :func:`parse_chirpstack_v4`.
    """
    _check_event(event, "chirpstack-v3")
    return _chirpstack_v3(_load(body))


def parse_tts_v3(body: object) -> Uplink:
    """Parse a The Things Stack v3 uplink webhook.

    Absent ``uplink_message.f_cnt`` / ``f_port`` mean 0 (The Things Stack omits empty
    fields). A body with ``end_device_ids`` but without ``uplink_message`` (a join accept, a
    downlink ack ...) raises :class:`NotAnUplink`. ``received_at`` is the top-level one, else
    ``uplink_message.received_at``.
    """
    return _tts_v3(_load(body))


def parse_uplink(
    body: object, dialect: Dialect | None = None, *, event: str | None = None
) -> Uplink:
    """Parse an uplink webhook of the given dialect, or of the detected one when ``None``.

    ``event`` is the ChirpStack-style ``?event=`` query value, if the request had one: any
    value but ``"up"`` raises :class:`NotAnUplink`. See :func:`detect_dialect` for the
    detection; an unknown ``dialect`` name is a plain ``ValueError`` (a caller bug).
    """
    if dialect is not None and dialect not in DIALECTS:
        raise ValueError(f"unknown dialect {dialect!r}; expected one of {', '.join(DIALECTS)}")
    _check_event(event, dialect)
    root = _load(body)
    return _PARSERS[dialect or _detect(root)](root)


def detect_dialect(body: object) -> Dialect:
    """Which dialect a body is in, from its marker keys.

    The Things Stack has ``end_device_ids`` or ``uplink_message``; ChirpStack v4 has
    ``deviceInfo``; ChirpStack v3 has ``devEUI``. A body with none of them, or with markers of
    more than one dialect, raises :class:`WebhookError` at path ``$``.
    """
    return _detect(_load(body))


# --------------------------------------------------------------------------- the dialects


def _chirpstack_v4(root: _Obj) -> Uplink:
    info = root.need("deviceInfo", _as_obj)
    tx = root.sub("txInfo")
    lora = tx.sub("modulation").sub("lora")
    return _uplink(
        "chirpstack-v4",
        dev_eui=info.need("devEui", _hex_eui),
        f_port=root.read("fPort", _f_port) or 0,
        f_cnt=root.read("fCnt", _f_cnt) or 0,
        payload=root.need("data", _payload, missing=_NO_PAYLOAD),
        received_at=root.read("time", _as_time),
        receptions=[_chirpstack_v4_reception(rx) for rx in root.objs("rxInfo")],
        tx=_Tx(
            spreading_factor=lora.read("spreadingFactor", _spreading_factor),
            bandwidth_khz=_khz(lora.read("bandwidth", _bandwidth_hz)),
            frequency_hz=tx.read("frequency", _frequency),
            data_rate=root.read("dr", _data_rate),
        ),
        dedup_id=root.read("deduplicationId", _as_text),
        device_name=info.read("deviceName", _as_text),
    )


def _chirpstack_v4_reception(rx: _Obj) -> _Reception:
    return _Reception(
        gateway_id=rx.read("gatewayId", _hex_eui),
        rssi=rx.read("rssi", _rssi),
        snr=rx.read("snr", finite_number),
    )


def _chirpstack_v3(root: _Obj) -> Uplink:
    tx = root.sub("txInfo")
    lora = tx.sub("loRaModulationInfo")
    receptions = [_chirpstack_v3_reception(rx) for rx in root.objs("rxInfo")]
    bandwidth = lora.read("bandwidth", _bandwidth_khz)
    return _uplink(
        "chirpstack-v3",
        dev_eui=root.need("devEUI", _any_eui),
        f_port=root.read("fPort", _f_port) or 0,
        f_cnt=root.read("fCnt", _f_cnt) or 0,
        payload=root.need("data", _payload, missing=_NO_PAYLOAD),
        received_at=min((r.time for r in receptions if r.time is not None), default=None),
        receptions=receptions,
        tx=_Tx(
            spreading_factor=lora.read("spreadingFactor", _spreading_factor),
            bandwidth_khz=None if bandwidth is None else float(bandwidth),
            frequency_hz=tx.read("frequency", _frequency),
            data_rate=_first(root.read("dr", _data_rate), tx.read("dr", _data_rate)),
        ),
        device_name=root.read("deviceName", _as_text),
    )


def _chirpstack_v3_reception(rx: _Obj) -> _Reception:
    return _Reception(
        gateway_id=rx.read("gatewayID", _any_eui),
        rssi=rx.read("rssi", _rssi),
        snr=_first(rx.read("loRaSNR", finite_number), rx.read("snr", finite_number)),
        time=rx.read("time", _as_time),
    )


def _tts_v3(root: _Obj) -> Uplink:
    ids = root.need("end_device_ids", _as_obj)
    message = root.read("uplink_message", _as_obj)
    if message is None:
        kind = next((key for key in _TTS_OTHER_MESSAGES if root.has(key)), "unknown")
        raise NotAnUplink(kind, "tts-v3")
    settings = message.sub("settings")
    lora = settings.sub("data_rate").sub("lora")
    return _uplink(
        "tts-v3",
        dev_eui=ids.need("dev_eui", _hex_eui),
        f_port=message.read("f_port", _f_port) or 0,
        f_cnt=message.read("f_cnt", _f_cnt) or 0,
        payload=message.need("frm_payload", _payload, missing=_NO_PAYLOAD),
        received_at=_first(
            root.read("received_at", _as_time), message.read("received_at", _as_time)
        ),
        receptions=[_tts_reception(rx) for rx in message.objs("rx_metadata")],
        tx=_Tx(
            spreading_factor=lora.read("spreading_factor", _spreading_factor),
            bandwidth_khz=_khz(lora.read("bandwidth", _bandwidth_hz)),
            frequency_hz=settings.read("frequency", _frequency_or_text),
        ),
        device_name=ids.read("device_id", _as_text),
    )


def _tts_reception(rx: _Obj) -> _Reception:
    gateway = rx.sub("gateway_ids")
    return _Reception(
        gateway_id=_first(gateway.read("gateway_id", _as_text), gateway.read("eui", _hex_eui)),
        rssi=_first(rx.read("rssi", _rssi), rx.read("channel_rssi", _rssi)),
        snr=rx.read("snr", finite_number),
    )


_PARSERS: Final[dict[Dialect, Callable[[_Obj], Uplink]]] = {
    "chirpstack-v4": _chirpstack_v4,
    "chirpstack-v3": _chirpstack_v3,
    "tts-v3": _tts_v3,
}

_MARKERS: Final[dict[str, Dialect]] = {
    "end_device_ids": "tts-v3",
    "uplink_message": "tts-v3",
    "deviceInfo": "chirpstack-v4",
    "devEUI": "chirpstack-v3",
}


def _detect(root: _Obj) -> Dialect:
    found = {dialect for key, dialect in _MARKERS.items() if root.has(key)}
    if len(found) == 1:
        return found.pop()
    if not found:
        keys = ", ".join(_MARKERS)
        raise WebhookError(_ROOT, f"cannot tell the dialect: none of {keys} is present")
    names = " and ".join(sorted(found))
    raise WebhookError(_ROOT, f"cannot tell the dialect: the body has markers of {names}")


def _check_event(event: str | None, dialect: Dialect | None) -> None:
    if event is None or event == UPLINK_EVENT:
        return
    if not event:
        raise WebhookError(_EVENT_PATH, "empty event type")
    raise NotAnUplink(event, dialect)


# --------------------------------------------------------------------------- assembling


@dataclass(frozen=True, slots=True)
class _Reception:
    """What one gateway reported."""

    gateway_id: str | None
    rssi: int | None
    snr: float | None
    time: datetime | None = None


@dataclass(frozen=True, slots=True)
class _Tx:
    """How the frame was sent."""

    spreading_factor: int | None = None
    bandwidth_khz: float | None = None
    frequency_hz: int | None = None
    data_rate: int | None = None


def _uplink(
    dialect: Dialect,
    *,
    dev_eui: str,
    f_port: int,
    f_cnt: int,
    payload: bytes,
    received_at: datetime | None,
    receptions: list[_Reception],
    tx: _Tx,
    dedup_id: str | None = None,
    device_name: str | None = None,
) -> Uplink:
    best = _best(receptions)
    return Uplink(
        dialect=dialect,
        dev_eui=dev_eui,
        f_port=f_port,
        f_cnt=f_cnt,
        payload=payload,
        received_at=received_at,
        rssi=None if best is None else best.rssi,
        snr=None if best is None else best.snr,
        gateway_id=None if best is None else best.gateway_id,
        gateways=len(receptions),
        spreading_factor=tx.spreading_factor,
        bandwidth_khz=tx.bandwidth_khz,
        frequency_hz=tx.frequency_hz,
        data_rate=tx.data_rate,
        dedup_id=dedup_id,
        device_name=device_name,
    )


def _best(receptions: Iterable[_Reception]) -> _Reception | None:
    """The reception with the highest SNR, then the highest RSSI (unknown counts lowest)."""
    return max(receptions, key=_signal, default=None)


def _signal(reception: _Reception) -> tuple[float, float]:
    snr = -math.inf if reception.snr is None else reception.snr
    rssi = -math.inf if reception.rssi is None else reception.rssi
    return snr, rssi


def _first(*values: T | None) -> T | None:
    """The first value that is not ``None``."""
    return next((value for value in values if value is not None), None)


def _khz(hertz: int | None) -> float | None:
    return None if hertz is None else hertz / 1000


# --------------------------------------------------------------------------- reading JSON


def _load(body: object) -> _Obj:
    """The body as the root object; raw JSON text is decoded first."""
    if isinstance(body, str | bytes | bytearray):
        body = _decode_json(body)
    return _as_obj(body, _ROOT)


def _decode_json(text: str | bytes | bytearray) -> object:
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as error:
        raise WebhookError(_ROOT, f"not valid JSON ({error})") from None


def _reject_constant(name: str) -> object:
    raise ValueError(f"{name} is not a JSON number")


class _Obj:
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

    def sub(self, key: str) -> _Obj:
        """Object field ``key``; an empty object when absent, so that reads give ``None``."""
        return self.read(key, _as_obj) or _Obj({}, self.at(key))

    def objs(self, key: str) -> list[_Obj]:
        """Array-of-objects field ``key``; empty when absent."""
        items = self.read(key, _as_list) or []
        return [_as_obj(item, f"{self.at(key)}[{index}]") for index, item in enumerate(items)]


def _as_obj(value: Any, path: str) -> _Obj:
    if not isinstance(value, Mapping):
        raise WebhookError(path, f"expected a JSON object, got {type_name(value)}")
    return _Obj(value, path)


def _as_list(value: Any, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise WebhookError(path, f"expected an array, got {type_name(value)}")
    return value


def _as_text(value: Any, path: str) -> str:
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


def _f_port(value: Any, path: str) -> int:
    return _as_int(value, path, 0, _MAX_F_PORT)


def _f_cnt(value: Any, path: str) -> int:
    return _as_int(value, path, 0, _MAX_F_CNT)


def _data_rate(value: Any, path: str) -> int:
    return _as_int(value, path, 0, 15)


def _spreading_factor(value: Any, path: str) -> int:
    return _as_int(value, path, 5, 12)


def _bandwidth_hz(value: Any, path: str) -> int:
    return _as_int(value, path, 1, _MAX_BANDWIDTH_HZ)


def _bandwidth_khz(value: Any, path: str) -> int:
    return _as_int(value, path, 1, _MAX_BANDWIDTH_HZ // 1000)


def _frequency(value: Any, path: str) -> int:
    return _as_int(value, path, 1, _MAX_FREQUENCY_HZ)


def _frequency_or_text(value: Any, path: str) -> int:
    return _as_int(value, path, 1, _MAX_FREQUENCY_HZ, text=True)


def _rssi(value: Any, path: str) -> int:
    return round(finite_number(value, path))


def _payload(value: Any, path: str) -> bytes:
    payload = _base64(_as_text(value, path), path)
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


def _hex_eui(value: Any, path: str) -> str:
    """An EUI-64 given as exactly 16 hex digits, as uppercase hex."""
    text = _as_text(value, path)
    if _HEX_EUI.fullmatch(text):
        return text.upper()
    bad = next((i for i, char in enumerate(text) if char not in _HEX_CHARS), None)
    if bad is not None:
        raise WebhookError(
            path, f"expected 16 hex digits; {text[bad]!r} at offset {bad} is not a hex digit"
        )
    raise WebhookError(path, f"expected 16 hex digits, got {len(text)}")


def _any_eui(value: Any, path: str) -> str:
    """An EUI-64 given as 16 hex digits or as base64 of 8 bytes, as uppercase hex."""
    text = _as_text(value, path)
    if _HEX_EUI.fullmatch(text):
        return text.upper()
    try:
        raw = _base64(text, path)
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


def _base64(text: str, path: str) -> bytes:
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


def _as_time(value: Any, path: str) -> datetime:
    """An RFC 3339 timestamp as an aware UTC datetime; fractions finer than 1 µs are cut."""
    text = _as_text(value, path)
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
