"""The Things Stack v3 uplink webhooks, read into one :class:`Uplink`.

snake_case JSON whose empty fields are omitted (an absent ``f_cnt`` or ``f_port`` means 0) and
whose ``settings.frequency`` is a decimal string; a body with ``end_device_ids`` and another
message than ``uplink_message`` is :class:`NotAnUplink`. Errors as
:mod:`openpcs.gateway.ingest.lorawan` states.
"""

from __future__ import annotations

from typing import Final

from openpcs.gateway.ingest.lorawan_json import (
    NO_PAYLOAD,
    JsonObject,
    as_bandwidth_hz,
    as_duration_s,
    as_f_cnt,
    as_f_port,
    as_frequency_or_text,
    as_hex_eui,
    as_obj,
    as_payload,
    as_rssi,
    as_spreading_factor,
    as_text,
    as_time,
    coordinates,
    location,
)
from openpcs.gateway.ingest.lorawan_uplink import (
    NotAnUplink,
    Reception,
    Tx,
    Uplink,
    first_of,
    khz,
    make_uplink,
)
from openpcs.gateway.ingest.webhook_errors import finite_number

__all__ = ["tts_v3"]

# Message keys of a The Things Stack webhook body other than ``uplink_message``.
_OTHER_MESSAGES: Final = (
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


def tts_v3(root: JsonObject) -> Uplink:
    """A The Things Stack v3 webhook's body, read (see ``lorawan.parse_tts_v3``)."""
    ids = root.need("end_device_ids", as_obj)
    message = root.read("uplink_message", as_obj)
    if message is None:
        kind = next((key for key in _OTHER_MESSAGES if root.has(key)), "unknown")
        raise NotAnUplink(kind, "tts-v3")
    settings = message.sub("settings")
    lora = settings.sub("data_rate").sub("lora")
    return make_uplink(
        "tts-v3",
        dev_eui=ids.need("dev_eui", as_hex_eui),
        f_port=message.read("f_port", as_f_port) or 0,
        f_cnt=message.read("f_cnt", as_f_cnt) or 0,
        payload=message.need("frm_payload", as_payload, missing=NO_PAYLOAD),
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
        device_location=coordinates(message.sub("locations").sub("user")),
    )


def _tts_reception(rx: JsonObject) -> Reception:
    gateway = rx.sub("gateway_ids")
    latitude, longitude = location(rx)
    eui = gateway.read("eui", as_hex_eui)
    return Reception(
        gateway_id=first_of(gateway.read("gateway_id", as_text), eui),
        rssi=first_of(rx.read("rssi", as_rssi), rx.read("channel_rssi", as_rssi)),
        snr=rx.read("snr", finite_number),
        eui=eui,
        latitude=latitude,
        longitude=longitude,
    )
