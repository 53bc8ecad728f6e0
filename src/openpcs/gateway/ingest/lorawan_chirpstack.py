"""ChirpStack's uplink events, v4 and v3 (both its JSON dialects), read into one :class:`Uplink`.

v4: camelCase JSON, ``deviceInfo.devEui`` in hex, ``data`` in base64, ``rxInfo[].gatewayId``
in hex, ``txInfo.modulation.lora.bandwidth`` in Hz. v3: ``devEUI`` and ``rxInfo[].gatewayID``
in hex (legacy "JSON (v3)") or base64 (the protobuf JSON mapping), SNR in ``loRaSNR``, the
bandwidth in kHz, and for the legacy dialect only the data rate index, read through the region
the frequency says. Errors as :mod:`openpcs.gateway.ingest.lorawan` states.
"""

from __future__ import annotations

from openpcs.gateway.ingest.lorawan_json import (
    NO_PAYLOAD,
    JsonObject,
    as_any_eui,
    as_bandwidth_hz,
    as_bandwidth_khz,
    as_data_rate,
    as_f_cnt,
    as_f_port,
    as_frequency,
    as_hex_eui,
    as_obj,
    as_payload,
    as_rssi,
    as_spreading_factor,
    as_text,
    as_time,
    location,
)
from openpcs.gateway.ingest.lorawan_regions import Modulation, modulation_of
from openpcs.gateway.ingest.lorawan_uplink import (
    Reception,
    Tx,
    Uplink,
    first_of,
    khz,
    make_uplink,
)
from openpcs.gateway.ingest.webhook_errors import finite_number

__all__ = ["chirpstack_v3", "chirpstack_v4"]


def chirpstack_v4(root: JsonObject) -> Uplink:
    """A ChirpStack v4 uplink event's body, read (see ``lorawan.parse_chirpstack_v4``)."""
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
        payload=root.need("data", as_payload, missing=NO_PAYLOAD),
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
    latitude, longitude = location(rx)
    return Reception(
        gateway_id=rx.read("gatewayId", as_hex_eui),
        rssi=rx.read("rssi", as_rssi),
        snr=rx.read("snr", finite_number),
        latitude=latitude,
        longitude=longitude,
    )


def chirpstack_v3(root: JsonObject) -> Uplink:
    """A ChirpStack v3 uplink event's body, read (see ``lorawan.parse_chirpstack_v3``)."""
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
        payload=root.need("data", as_payload, missing=NO_PAYLOAD),
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
    latitude, longitude = location(rx)
    return Reception(
        gateway_id=rx.read("gatewayID", as_any_eui),
        rssi=rx.read("rssi", as_rssi),
        snr=first_of(rx.read("loRaSNR", finite_number), rx.read("snr", finite_number)),
        time=rx.read("time", as_time),
        latitude=latitude,
        longitude=longitude,
    )
