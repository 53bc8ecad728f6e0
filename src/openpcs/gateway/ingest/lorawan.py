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

from collections.abc import Callable
from typing import Final, get_args

from openpcs.gateway.ingest.lorawan_json import (
    JsonObject,
    as_any_eui,
    as_bandwidth_hz,
    as_bandwidth_khz,
    as_data_rate,
    as_duration_s,
    as_f_cnt,
    as_f_port,
    as_frequency,
    as_frequency_or_text,
    as_hex_eui,
    as_latitude,
    as_longitude,
    as_obj,
    as_payload,
    as_rssi,
    as_spreading_factor,
    as_text,
    as_time,
    load_body,
)
from openpcs.gateway.ingest.lorawan_regions import Modulation, modulation_of
from openpcs.gateway.ingest.lorawan_uplink import (
    Dialect,
    Reception,
    Tx,
    Uplink,
    first_of,
    khz,
    make_uplink,
)
from openpcs.gateway.ingest.webhook_errors import WebhookError, finite_number

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

DIALECTS: Final[tuple[Dialect, ...]] = get_args(Dialect)

UPLINK_EVENT: Final = "up"
"""The ChirpStack ``?event=`` value of an uplink; every other value is not an uplink."""

_ROOT: Final = "$"
_EVENT_PATH: Final = "?event"
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
    return _chirpstack_v4(load_body(body))


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
    return _chirpstack_v3(load_body(body))


def parse_tts_v3(body: object) -> Uplink:
    """Parse a The Things Stack v3 uplink webhook.

    Absent ``uplink_message.f_cnt`` / ``f_port`` mean 0 (The Things Stack omits empty
    fields). A body with ``end_device_ids`` but without ``uplink_message`` (a join accept, a
    downlink ack ...) raises :class:`NotAnUplink`. ``received_at`` is the top-level one, else
    ``uplink_message.received_at``.
    """
    return _tts_v3(load_body(body))


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
    root = load_body(body)
    return _PARSERS[dialect or _detect(root)](root)


def detect_dialect(body: object) -> Dialect:
    """Which dialect a body is in, from its marker keys.

    The Things Stack has ``end_device_ids`` or ``uplink_message``; ChirpStack v4 has
    ``deviceInfo``; ChirpStack v3 has ``devEUI``. A body with none of them, or with markers of
    more than one dialect, raises :class:`WebhookError` at path ``$``.
    """
    return _detect(load_body(body))


# --------------------------------------------------------------------------- the dialects


def _chirpstack_v4(root: JsonObject) -> Uplink:
    info = root.need("deviceInfo", as_obj)
    tx = root.sub("txInfo")
    lora = tx.sub("modulation").sub("lora")
    frequency = tx.read("frequency", as_frequency)
    data_rate = root.read("dr", as_data_rate)
    named = (rx.sub("metadata").read("region_common_name", as_text) for rx in root.objs("rxInfo"))
    meant = modulation_of(frequency, data_rate) or Modulation(None, None, None)
    return make_uplink(
        "chirpstack-v4",
        dev_eui=info.need("devEui", as_hex_eui),
        f_port=root.read("fPort", as_f_port) or 0,
        f_cnt=root.read("fCnt", as_f_cnt) or 0,
        payload=root.need("data", as_payload, missing=_NO_PAYLOAD),
        received_at=root.read("time", as_time),
        receptions=[_chirpstack_v4_reception(rx) for rx in root.objs("rxInfo")],
        tx=Tx(
            spreading_factor=lora.read("spreadingFactor", as_spreading_factor),
            bandwidth_khz=khz(lora.read("bandwidth", as_bandwidth_hz)),
            frequency_hz=frequency,
            data_rate=data_rate,
            region=first_of(*named, meant.region),
        ),
        dedup_id=root.read("deduplicationId", as_text),
        device_name=info.read("deviceName", as_text),
    )


def _chirpstack_v4_reception(rx: JsonObject) -> Reception:
    latitude, longitude = _location(rx)
    return Reception(
        gateway_id=rx.read("gatewayId", as_hex_eui),
        rssi=rx.read("rssi", as_rssi),
        snr=rx.read("snr", finite_number),
        latitude=latitude,
        longitude=longitude,
    )


def _location(rx: JsonObject) -> tuple[float | None, float | None]:
    """The gateway's ``location`` (latitude, longitude) a reception gives, if any."""
    return _coordinates(rx.sub("location"))


def _coordinates(place: JsonObject) -> tuple[float | None, float | None]:
    return place.read("latitude", as_latitude), place.read("longitude", as_longitude)


def _chirpstack_v3(root: JsonObject) -> Uplink:
    tx = root.sub("txInfo")
    lora = tx.sub("loRaModulationInfo")
    receptions = [_chirpstack_v3_reception(rx) for rx in root.objs("rxInfo")]
    bandwidth = lora.read("bandwidth", as_bandwidth_khz)
    frequency = tx.read("frequency", as_frequency)
    data_rate = first_of(root.read("dr", as_data_rate), tx.read("dr", as_data_rate))
    # the "JSON (v3)" events give the data rate's index only: the region the frequency says
    # tells what it means
    meant = modulation_of(frequency, data_rate) or Modulation(None, None, None)
    return make_uplink(
        "chirpstack-v3",
        dev_eui=root.need("devEUI", as_any_eui),
        f_port=root.read("fPort", as_f_port) or 0,
        f_cnt=root.read("fCnt", as_f_cnt) or 0,
        payload=root.need("data", as_payload, missing=_NO_PAYLOAD),
        received_at=min((r.time for r in receptions if r.time is not None), default=None),
        receptions=receptions,
        tx=Tx(
            spreading_factor=first_of(
                lora.read("spreadingFactor", as_spreading_factor), meant.spreading_factor
            ),
            bandwidth_khz=first_of(
                None if bandwidth is None else float(bandwidth), meant.bandwidth_khz
            ),
            frequency_hz=frequency,
            data_rate=data_rate,
            region=meant.region,
        ),
        device_name=root.read("deviceName", as_text),
    )


def _chirpstack_v3_reception(rx: JsonObject) -> Reception:
    latitude, longitude = _location(rx)
    return Reception(
        gateway_id=rx.read("gatewayID", as_any_eui),
        rssi=rx.read("rssi", as_rssi),
        snr=first_of(rx.read("loRaSNR", finite_number), rx.read("snr", finite_number)),
        time=rx.read("time", as_time),
        latitude=latitude,
        longitude=longitude,
    )


def _tts_v3(root: JsonObject) -> Uplink:
    ids = root.need("end_device_ids", as_obj)
    message = root.read("uplink_message", as_obj)
    if message is None:
        kind = next((key for key in _TTS_OTHER_MESSAGES if root.has(key)), "unknown")
        raise NotAnUplink(kind, "tts-v3")
    settings = message.sub("settings")
    lora = settings.sub("data_rate").sub("lora")
    return make_uplink(
        "tts-v3",
        dev_eui=ids.need("dev_eui", as_hex_eui),
        f_port=message.read("f_port", as_f_port) or 0,
        f_cnt=message.read("f_cnt", as_f_cnt) or 0,
        payload=message.need("frm_payload", as_payload, missing=_NO_PAYLOAD),
        received_at=first_of(
            root.read("received_at", as_time), message.read("received_at", as_time)
        ),
        receptions=[_tts_reception(rx) for rx in message.objs("rx_metadata")],
        tx=Tx(
            spreading_factor=lora.read("spreading_factor", as_spreading_factor),
            bandwidth_khz=khz(lora.read("bandwidth", as_bandwidth_hz)),
            frequency_hz=settings.read("frequency", as_frequency_or_text),
            airtime_s=message.read("consumed_airtime", as_duration_s),
        ),
        device_name=ids.read("device_id", as_text),
        device_location=_coordinates(message.sub("locations").sub("user")),
    )


def _tts_reception(rx: JsonObject) -> Reception:
    gateway = rx.sub("gateway_ids")
    latitude, longitude = _location(rx)
    eui = gateway.read("eui", as_hex_eui)
    return Reception(
        gateway_id=first_of(gateway.read("gateway_id", as_text), eui),
        rssi=first_of(rx.read("rssi", as_rssi), rx.read("channel_rssi", as_rssi)),
        snr=rx.read("snr", finite_number),
        eui=eui,
        latitude=latitude,
        longitude=longitude,
    )


_PARSERS: Final[dict[Dialect, Callable[[JsonObject], Uplink]]] = {
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


def _detect(root: JsonObject) -> Dialect:
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
