"""One LoRaWAN uplink as every network server's webhook gives it (:class:`Uplink`), built from
what the gateways reported (:class:`Reception`) and how it was sent (:class:`Tx`): the radio
fields are the best gateway's (highest SNR, then highest RSSI)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, Literal, TypeVar

__all__ = [
    "Dialect",
    "NotAnUplink",
    "Reception",
    "Tx",
    "Uplink",
    "first_of",
    "khz",
    "make_uplink",
]

Dialect = Literal["chirpstack-v4", "chirpstack-v3", "tts-v3"]

T = TypeVar("T")


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


@dataclass(frozen=True, slots=True)
class Uplink:
    """One LoRaWAN uplink, whatever network server delivered it.

    ``dev_eui`` is 16 uppercase hex digits; ``received_at`` is timezone-aware UTC. The radio
    fields describe the best gateway (highest SNR, then highest RSSI); ``gateways`` counts the
    gateways that heard the frame. Fields the dialect does not carry are ``None``:
    ``dedup_id`` is ChirpStack v4's ``deduplicationId``, ``data_rate`` the DR index
    (ChirpStack only), ``device_name`` the device's name in the network server; ``region``
    the LoRaWAN region the frequency says (when one alone holds it), ``gateway_eui`` and
    ``gateway_latitude`` / ``gateway_longitude`` the best gateway's, ``airtime_s`` the air time
    the network server counted and ``device_latitude`` / ``device_longitude`` the device's own
    location as the network server holds it (The Things Stack).
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
    region: str | None = None
    gateway_eui: str | None = None
    gateway_latitude: float | None = None
    gateway_longitude: float | None = None
    airtime_s: float | None = None
    device_latitude: float | None = None
    device_longitude: float | None = None

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


@dataclass(frozen=True, slots=True)
class Reception:
    """What one gateway reported."""

    gateway_id: str | None
    rssi: int | None
    snr: float | None
    time: datetime | None = None
    eui: str | None = None
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True, slots=True)
class Tx:
    """How the frame was sent."""

    spreading_factor: int | None = None
    bandwidth_khz: float | None = None
    frequency_hz: int | None = None
    data_rate: int | None = None
    region: str | None = None
    airtime_s: float | None = None


def make_uplink(
    dialect: Dialect,
    *,
    dev_eui: str,
    f_port: int,
    f_cnt: int,
    payload: bytes,
    received_at: datetime | None,
    receptions: list[Reception],
    tx: Tx,
    dedup_id: str | None = None,
    device_name: str | None = None,
    device_location: tuple[float | None, float | None] = (None, None),
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
        region=tx.region,
        gateway_eui=None if best is None else best.eui,
        gateway_latitude=None if best is None else best.latitude,
        gateway_longitude=None if best is None else best.longitude,
        airtime_s=tx.airtime_s,
        device_latitude=device_location[0],
        device_longitude=device_location[1],
    )


def _best(receptions: Iterable[Reception]) -> Reception | None:
    """The reception with the highest SNR, then the highest RSSI (unknown counts lowest)."""
    return max(receptions, key=_signal, default=None)


def _signal(reception: Reception) -> tuple[float, float]:
    snr = -math.inf if reception.snr is None else reception.snr
    rssi = -math.inf if reception.rssi is None else reception.rssi
    return snr, rssi


def first_of(*values: T | None) -> T | None:
    """The first value that is not ``None``."""
    return next((value for value in values if value is not None), None)


def khz(hertz: int | None) -> float | None:
    return None if hertz is None else hertz / 1000


# --------------------------------------------------------------------------- reading JSON
