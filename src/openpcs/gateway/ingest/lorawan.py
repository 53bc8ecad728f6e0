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

Each dialect's reading is a module of its own (``lorawan_chirpstack``, ``lorawan_tts``), beside
the shared normaliser (``lorawan_uplink``: :class:`Uplink` and how it is made) and the JSON
readers (``lorawan_json``); this module is the entry: the parsers, detection and ``?event=``.

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

from openpcs.gateway.ingest.lorawan_chirpstack import chirpstack_v3, chirpstack_v4
from openpcs.gateway.ingest.lorawan_json import JsonObject, load_body
from openpcs.gateway.ingest.lorawan_tts import tts_v3
from openpcs.gateway.ingest.lorawan_uplink import Dialect, NotAnUplink, Uplink
from openpcs.gateway.ingest.webhook_errors import WebhookError

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

# --------------------------------------------------------------------------- public parsers


def parse_chirpstack_v4(body: object, *, event: str | None = None) -> Uplink:
    """Parse a ChirpStack v4 HTTP-integration uplink event.

    ``event`` is the request's ``?event=`` query value: ``None`` or ``"up"`` parse the body,
    any other value raises :class:`NotAnUplink` without looking at the body. An absent
    ``fCnt`` or ``fPort`` means 0; an absent or empty ``data`` is a :class:`WebhookError`.
    """
    _check_event(event, "chirpstack-v4")
    return chirpstack_v4(load_body(body))


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
    return chirpstack_v3(load_body(body))


def parse_tts_v3(body: object) -> Uplink:
    """Parse a The Things Stack v3 uplink webhook.

    Absent ``uplink_message.f_cnt`` / ``f_port`` mean 0 (The Things Stack omits empty
    fields). A body with ``end_device_ids`` but without ``uplink_message`` (a join accept, a
    downlink ack ...) raises :class:`NotAnUplink`. ``received_at`` is the top-level one, else
    ``uplink_message.received_at``.
    """
    return tts_v3(load_body(body))


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


_PARSERS: Final[dict[Dialect, Callable[[JsonObject], Uplink]]] = {
    "chirpstack-v4": chirpstack_v4,
    "chirpstack-v3": chirpstack_v3,
    "tts-v3": tts_v3,
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
