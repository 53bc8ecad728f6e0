"""LoRaWAN uplink webhooks: ChirpStack v4, ChirpStack v3 (both JSON dialects), The Things Stack.

The sample bodies are written from the field tables of the network servers' uplink events:
realistic shapes, invented values.
"""

from __future__ import annotations

import base64
import copy
import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openpcs.gateway.ingest.lorawan import (
    DIALECTS,
    Dialect,
    NotAnUplink,
    Uplink,
    WebhookError,
    detect_dialect,
    parse_chirpstack_v3,
    parse_chirpstack_v4,
    parse_tts_v3,
    parse_uplink,
)

FRAME = bytes.fromhex("3c3d3e8602a1b2c3d4e5f6")
FRAME_B64 = "PD0+hgKhssPU5fY="

CHIRPSTACK_V4: dict[str, Any] = {
    "deduplicationId": "3ac7e3c4-4401-4b8d-9386-a5c902f9202d",
    "time": "2024-03-05T10:21:07.123456789+00:00",
    "deviceInfo": {
        "tenantId": "52f14cd4-c6f1-4fbd-8f87-4025e1d49242",
        "tenantName": "ChirpStack",
        "applicationId": "17c82e96-be03-4f38-aef3-f83d48582d97",
        "applicationName": "plant",
        "deviceProfileId": "14855bf7-d10d-4aee-b618-ebfcb64dc7ad",
        "deviceProfileName": "Plug & Sense EU868",
        "deviceName": "boiler-room",
        "devEui": "70b3d57ed005a1b2",
        "tags": {"floor": "2"},
    },
    "devAddr": "01fa3b2c",
    "adr": True,
    "dr": 5,
    "fCnt": 42,
    "fPort": 3,
    "confirmed": False,
    "data": FRAME_B64,
    "rxInfo": [
        {
            "gatewayId": "0016c001ff10a235",
            "uplinkId": 18341,
            "rssi": -97,
            "snr": 4.5,
            "channel": 2,
            "location": {"latitude": 41.65, "longitude": -0.88},
            "context": "EFwMtA==",
            "metadata": {"region_config_id": "eu868", "region_common_name": "EU868"},
            "crcStatus": "CRC_OK",
        },
        {
            "gatewayId": "a840411d3a284150",
            "uplinkId": 50112,
            "rssi": -104,
            "snr": 9.25,
            "channel": 2,
            "location": {},
            "context": "A5bC8w==",
            "metadata": {"region_config_id": "eu868", "region_common_name": "EU868"},
            "crcStatus": "CRC_OK",
        },
    ],
    "txInfo": {
        "frequency": 868300000,
        "modulation": {"lora": {"bandwidth": 125000, "spreadingFactor": 7, "codeRate": "CR_4_5"}},
    },
    "regionConfigId": "eu868",
}

CHIRPSTACK_V3_LEGACY: dict[str, Any] = {
    "applicationID": "12",
    "applicationName": "plant",
    "deviceName": "garden",
    "devEUI": "0202020202020202",
    "rxInfo": [
        {
            "gatewayID": "0303030303030303",
            "name": "roof",
            "time": "2019-11-08T13:59:25.048445Z",
            "rssi": -57,
            "loRaSNR": 10,
            "location": {"latitude": 52.37, "longitude": 4.89, "altitude": 12},
        }
    ],
    "txInfo": {"frequency": 868100000, "dr": 5},
    "adr": False,
    "fCnt": 10,
    "fPort": 5,
    "data": FRAME_B64,
    "object": {"temperature": 21.5},
    "tags": {},
}

CHIRPSTACK_V3_PROTOBUF_JSON: dict[str, Any] = {
    "applicationID": "123",
    "applicationName": "plant",
    "deviceName": "garden",
    "devEUI": "AgICAgICAgI=",
    "rxInfo": [
        {
            "gatewayID": "AwMDAwMDAwM=",
            "time": "2019-11-08T13:59:25.048445Z",
            "timeSinceGPSEpoch": None,
            "rssi": -48,
            "loRaSNR": 9,
            "channel": 5,
            "rfChain": 0,
            "board": 0,
            "antenna": 0,
            "location": {"latitude": 52.37, "longitude": 4.89, "altitude": 12},
            "fineTimestampType": "NONE",
            "context": "9u/uvA==",
            "uplinkID": "jhMh8Gq6RAOChSKbi83RHQ==",
            "crcStatus": "CRC_OK",
        },
        {
            "gatewayID": "BAQEBAQEBAQ=",
            "time": "2019-11-08T13:59:25.041Z",
            "rssi": -101,
            "loRaSNR": -3.5,
            "channel": 5,
            "context": "1a2b3c==",
            "uplinkID": "Pqy0eF0XTFC1TlqG2fTvNQ==",
        },
    ],
    "txInfo": {
        "frequency": 868100000,
        "modulation": "LORA",
        "loRaModulationInfo": {
            "bandwidth": 125,
            "spreadingFactor": 11,
            "codeRate": "4/5",
            "polarizationInversion": False,
        },
    },
    "adr": True,
    "dr": 1,
    "fCnt": 10,
    "fPort": 5,
    "data": FRAME_B64,
    "objectJSON": '{"temperature":21.5}',
    "tags": {},
    "confirmedUplink": False,
    "devAddr": "AFE5Qg==",
}

# f_cnt is 0, so The Things Stack leaves it out; frequency is a string; 9 fractional digits.
TTS_V3: dict[str, Any] = {
    "end_device_ids": {
        "device_id": "plug-sense-07",
        "application_ids": {"application_id": "openpcs-plant"},
        "dev_eui": "70B3D57ED005A1B2",
        "join_eui": "0000000000000000",
        "dev_addr": "260B1C2D",
    },
    "correlation_ids": [
        "as:up:01HR6QJ4B5T0S8M3W9YV7ZC2KD",
        "rpc:/ttn.lorawan.v3.GsNs/HandleUplink",
    ],
    "received_at": "2024-03-05T10:21:07.412345678Z",
    "uplink_message": {
        "session_key_id": "AY4O1x2nQm0Wc1S5zq8jYg==",
        "f_port": 2,
        "frm_payload": FRAME_B64,
        "rx_metadata": [
            {
                "gateway_ids": {"gateway_id": "plant-roof", "eui": "B827EBFFFE8B1C2D"},
                "time": "2024-03-05T10:21:07.180123456Z",
                "timestamp": 2038483475,
                "rssi": -71,
                "channel_rssi": -71,
                "snr": 7.75,
                "location": {"latitude": 41.65, "longitude": -0.88, "source": "SOURCE_REGISTRY"},
                "uplink_token": "ChgKFgoKcGxhbnQtcm9vZhII",
                "received_at": "2024-03-05T10:21:07.190123456Z",
            },
            {
                "gateway_ids": {"gateway_id": "packetbroker"},
                "packet_broker": {"forwarder_net_id": "000013", "forwarder_id": "eui-0000"},
                "rssi": -112,
                "channel_rssi": -112,
                "snr": -6.25,
                "received_at": "2024-03-05T10:21:07.195000000Z",
            },
        ],
        "settings": {
            "data_rate": {
                "lora": {"bandwidth": 125000, "spreading_factor": 9, "coding_rate": "4/5"}
            },
            "frequency": "867500000",
            "timestamp": 2038483475,
            "time": "2024-03-05T10:21:07.180123456Z",
        },
        "received_at": "2024-03-05T10:21:07.201234567Z",
        "consumed_airtime": "0.205824s",
        "network_ids": {"net_id": "000013", "tenant_id": "ttn", "cluster_id": "eu1"},
    },
}

TTS_JOIN_ACCEPT: dict[str, Any] = {
    "end_device_ids": {
        "device_id": "plug-sense-07",
        "application_ids": {"application_id": "openpcs-plant"},
        "dev_eui": "70B3D57ED005A1B2",
        "join_eui": "0000000000000000",
        "dev_addr": "260B1C2D",
    },
    "received_at": "2024-03-05T10:20:01.000000000Z",
    "join_accept": {
        "session_key_id": "AY4O1x2nQm0Wc1S5zq8jYg==",
        "received_at": "2024-03-05T10:20:00.950000000Z",
    },
}

SAMPLES = {
    "chirpstack-v4": CHIRPSTACK_V4,
    "chirpstack-v3 legacy": CHIRPSTACK_V3_LEGACY,
    "chirpstack-v3 protobuf-json": CHIRPSTACK_V3_PROTOBUF_JSON,
    "tts-v3": TTS_V3,
}

_DELETE = object()
_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def changed(body: dict[str, Any], path: str, value: object = _DELETE) -> dict[str, Any]:
    """A deep copy of ``body`` with ``path`` (``a.b[0].c``) set to ``value`` or removed."""
    result = copy.deepcopy(body)
    steps: list[str | int] = [name if name else int(index) for name, index in _STEP.findall(path)]
    node: Any = result
    for step in steps[:-1]:
        node = node[step]
    if value is _DELETE:
        del node[steps[-1]]
    else:
        node[steps[-1]] = value
    return result


def error_of(body: object, dialect: Any = None) -> WebhookError:
    with pytest.raises(WebhookError) as caught:
        parse_uplink(body, dialect)
    return caught.value


# --------------------------------------------------------------------------- good bodies


def test_chirpstack_v4_uplink_takes_the_gateway_with_the_best_snr() -> None:
    uplink = parse_chirpstack_v4(CHIRPSTACK_V4, event="up")
    assert uplink == Uplink(
        dialect="chirpstack-v4",
        dev_eui="70B3D57ED005A1B2",
        f_port=3,
        f_cnt=42,
        payload=FRAME,
        received_at=datetime(2024, 3, 5, 10, 21, 7, 123456, tzinfo=UTC),
        rssi=-104,
        snr=9.25,
        gateway_id="A840411D3A284150",
        gateways=2,
        spreading_factor=7,
        bandwidth_khz=125.0,
        frequency_hz=868300000,
        data_rate=5,
        dedup_id="3ac7e3c4-4401-4b8d-9386-a5c902f9202d",
        device_name="boiler-room",
        region="EU868",  # 868.3 MHz lies in EU868 alone
    )


def test_chirpstack_v4_meta_is_json_ready_and_leaves_out_payload_and_unknowns() -> None:
    body = changed(CHIRPSTACK_V4, "deduplicationId")
    meta = parse_chirpstack_v4(body).meta()
    assert meta == {
        "dialect": "chirpstack-v4",
        "dev_eui": "70B3D57ED005A1B2",
        "f_port": 3,
        "f_cnt": 42,
        "received_at": "2024-03-05T10:21:07.123456+00:00",
        "rssi": -104,
        "snr": 9.25,
        "gateway_id": "A840411D3A284150",
        "gateways": 2,
        "spreading_factor": 7,
        "bandwidth_khz": 125.0,
        "frequency_hz": 868300000,
        "data_rate": 5,
        "device_name": "boiler-room",
        "region": "EU868",
    }
    assert json.loads(json.dumps(meta)) == meta


def test_chirpstack_v4_without_fcnt_and_fport_reads_them_as_zero() -> None:
    uplink = parse_chirpstack_v4(changed(changed(CHIRPSTACK_V4, "fCnt"), "fPort"))
    assert (uplink.f_cnt, uplink.f_port) == (0, 0)


def test_chirpstack_v4_without_radio_metadata_leaves_it_unknown() -> None:
    body = {"deviceInfo": {"devEui": "0101010101010101"}, "fCnt": 1, "fPort": 1, "data": "AQ=="}
    uplink = parse_chirpstack_v4(body)
    assert uplink.payload == b"\x01"
    assert uplink.gateways == 0
    assert (uplink.rssi, uplink.snr, uplink.gateway_id, uplink.received_at) == (None,) * 4
    assert (uplink.spreading_factor, uplink.bandwidth_khz, uplink.frequency_hz) == (None,) * 3
    assert uplink.meta() == {
        "dialect": "chirpstack-v4",
        "dev_eui": "0101010101010101",
        "f_port": 1,
        "f_cnt": 1,
        "gateways": 0,
    }


def test_chirpstack_v4_fsk_modulation_has_no_spreading_factor() -> None:
    body = changed(CHIRPSTACK_V4, "txInfo.modulation", {"fsk": {"datarate": 50000}})
    uplink = parse_chirpstack_v4(body)
    assert (uplink.spreading_factor, uplink.bandwidth_khz) == (None, None)
    assert uplink.frequency_hz == 868300000


def test_chirpstack_v3_legacy_json_with_hex_ids() -> None:
    uplink = parse_chirpstack_v3(CHIRPSTACK_V3_LEGACY)
    assert uplink == Uplink(
        dialect="chirpstack-v3",
        dev_eui="0202020202020202",
        f_port=5,
        f_cnt=10,
        payload=FRAME,
        received_at=datetime(2019, 11, 8, 13, 59, 25, 48445, tzinfo=UTC),
        rssi=-57,
        snr=10.0,
        gateway_id="0303030303030303",
        gateways=1,
        # only the data rate's index is given: 868.1 MHz is EU868's, where DR5 is SF7 125 kHz
        spreading_factor=7,
        bandwidth_khz=125.0,
        frequency_hz=868100000,
        data_rate=5,
        dedup_id=None,
        device_name="garden",
        region="EU868",
        gateway_latitude=52.37,
        gateway_longitude=4.89,
    )


@pytest.mark.parametrize(
    ("frequency", "dr", "meant"),
    [
        (902300000, 0, ("US915", 10, 125.0)),  # US915's DR0 is SF10
        (903000000, 4, ("US915", 8, 500.0)),
        (917200000, 2, (None, 10, 125.0)),  # AU915 and AS923 agree on DR2
        (923200000, 6, (None, None, None)),  # AU915's DR6 is SF8 500, AS923's SF7 250
        (433175000, 3, (None, None, None)),  # no region of the table
    ],
)
def test_chirpstack_v3_modulation_comes_from_the_region_the_frequency_says(
    frequency: int, dr: int, meant: tuple[str | None, int | None, float | None]
) -> None:
    body = changed(changed(CHIRPSTACK_V3_LEGACY, "txInfo.frequency", frequency), "txInfo.dr", dr)
    uplink = parse_chirpstack_v3(body)
    assert (uplink.region, uplink.spreading_factor, uplink.bandwidth_khz) == meant


def test_chirpstack_v3_protobuf_json_with_base64_ids() -> None:
    uplink = parse_chirpstack_v3(CHIRPSTACK_V3_PROTOBUF_JSON)
    assert uplink.dev_eui == "0202020202020202"
    assert uplink.gateway_id == "0303030303030303"
    assert (uplink.rssi, uplink.snr, uplink.gateways) == (-48, 9.0, 2)
    assert (uplink.spreading_factor, uplink.bandwidth_khz) == (11, 125.0)
    assert (uplink.frequency_hz, uplink.data_rate) == (868100000, 1)
    assert (uplink.f_port, uplink.f_cnt, uplink.payload) == (5, 10, FRAME)
    # the earliest time any gateway reported
    assert uplink.received_at == datetime(2019, 11, 8, 13, 59, 25, 41000, tzinfo=UTC)


def test_chirpstack_v3_legacy_data_rate_comes_from_txinfo() -> None:
    assert parse_chirpstack_v3(CHIRPSTACK_V3_LEGACY).data_rate == 5
    body = changed(CHIRPSTACK_V3_LEGACY, "txInfo.dr", 0)
    assert parse_chirpstack_v3(body).data_rate == 0


def test_chirpstack_v3_accepts_snr_under_either_key() -> None:
    rx = {"gatewayID": "0303030303030303", "rssi": -60, "snr": 6.5}
    body = changed(CHIRPSTACK_V3_LEGACY, "rxInfo", [rx])
    assert parse_chirpstack_v3(body).snr == 6.5


@pytest.mark.parametrize(
    "dev_eui", ["AgICAgICAgI", "AgICAgICAgI=", "0202020202020202", "0202020202020202".upper()]
)
def test_chirpstack_v3_dev_eui_in_hex_or_padded_or_unpadded_base64(dev_eui: str) -> None:
    body = changed(CHIRPSTACK_V3_PROTOBUF_JSON, "devEUI", dev_eui)
    assert parse_chirpstack_v3(body).dev_eui == "0202020202020202"


def test_url_safe_base64_payload_is_accepted() -> None:
    payload = bytes([0xFB, 0xFF, 0xBF])
    assert base64.b64encode(payload) == b"+/+/"
    body = changed(CHIRPSTACK_V4, "data", "-_-_")
    assert parse_chirpstack_v4(body).payload == payload


def test_tts_v3_uplink_omitted_fcnt_is_zero_and_frequency_is_a_string() -> None:
    uplink = parse_tts_v3(TTS_V3)
    assert uplink == Uplink(
        dialect="tts-v3",
        dev_eui="70B3D57ED005A1B2",
        f_port=2,
        f_cnt=0,
        payload=FRAME,
        received_at=datetime(2024, 3, 5, 10, 21, 7, 412345, tzinfo=UTC),
        rssi=-71,
        snr=7.75,
        gateway_id="plant-roof",
        gateways=2,
        spreading_factor=9,
        bandwidth_khz=125.0,
        frequency_hz=867500000,
        data_rate=None,
        dedup_id=None,
        device_name="plug-sense-07",
        # the best gateway's EUI and place, and the air time the network server counted
        gateway_eui="B827EBFFFE8B1C2D",
        gateway_latitude=41.65,
        gateway_longitude=-0.88,
        airtime_s=0.205824,
    )


def test_tts_v3_omitted_fport_is_zero() -> None:
    body = changed(changed(TTS_V3, "uplink_message.f_port"), "uplink_message.f_cnt", 77)
    uplink = parse_tts_v3(body)
    assert (uplink.f_port, uplink.f_cnt) == (0, 77)


def test_tts_v3_frequency_as_a_number_is_accepted_too() -> None:
    body = changed(TTS_V3, "uplink_message.settings.frequency", 868100000)
    assert parse_tts_v3(body).frequency_hz == 868100000


def test_tts_v3_falls_back_to_gateway_eui_channel_rssi_and_message_time() -> None:
    rx = {"gateway_ids": {"eui": "b827ebfffe8b1c2d"}, "channel_rssi": -80.4, "snr": 1.5}
    body = changed(TTS_V3, "uplink_message.rx_metadata", [rx])
    body = changed(body, "received_at")
    uplink = parse_tts_v3(body)
    assert (uplink.gateway_id, uplink.rssi, uplink.snr) == ("B827EBFFFE8B1C2D", -80, 1.5)
    assert uplink.received_at == datetime(2024, 3, 5, 10, 21, 7, 201234, tzinfo=UTC)


def test_timestamp_offsets_are_converted_to_utc() -> None:
    body = changed(CHIRPSTACK_V4, "time", "2024-03-05T12:21:07.5+02:00")
    assert parse_chirpstack_v4(body).received_at == datetime(
        2024, 3, 5, 10, 21, 7, 500000, tzinfo=UTC
    )
    body = changed(CHIRPSTACK_V4, "time", "2024-03-04t23:51:07-10:30")
    assert parse_chirpstack_v4(body).received_at == datetime(2024, 3, 5, 10, 21, 7, tzinfo=UTC)


def test_equal_snr_is_decided_by_rssi_and_unknown_snr_counts_lowest() -> None:
    rx = [
        {"gatewayId": "0000000000000001", "rssi": -30},
        {"gatewayId": "0000000000000002", "rssi": -90, "snr": 5.0},
        {"gatewayId": "0000000000000003", "rssi": -70, "snr": 5.0},
        {"gatewayId": "0000000000000004", "rssi": -80, "snr": 5.0},
    ]
    uplink = parse_chirpstack_v4(changed(CHIRPSTACK_V4, "rxInfo", rx))
    assert (uplink.gateway_id, uplink.rssi, uplink.snr, uplink.gateways) == (
        "0000000000000003",
        -70,
        5.0,
        4,
    )


@pytest.mark.parametrize("name", SAMPLES)
def test_raw_json_text_and_bytes_parse_like_the_decoded_body(name: str) -> None:
    body = SAMPLES[name]
    text = json.dumps(body)
    assert parse_uplink(text) == parse_uplink(text.encode()) == parse_uplink(body)


# --------------------------------------------------------------------------- dialects


@pytest.mark.parametrize(
    ("name", "dialect"),
    [
        ("chirpstack-v4", "chirpstack-v4"),
        ("chirpstack-v3 legacy", "chirpstack-v3"),
        ("chirpstack-v3 protobuf-json", "chirpstack-v3"),
        ("tts-v3", "tts-v3"),
    ],
)
def test_the_dialect_is_detected(name: str, dialect: Dialect) -> None:
    assert detect_dialect(SAMPLES[name]) == dialect
    assert parse_uplink(SAMPLES[name]).dialect == dialect
    assert parse_uplink(SAMPLES[name], dialect).dialect == dialect


def test_tts_join_accept_is_detected_as_tts() -> None:
    assert detect_dialect(TTS_JOIN_ACCEPT) == "tts-v3"


def test_a_body_without_markers_cannot_be_told() -> None:
    error = error_of({"fCnt": 1, "data": "AQ=="})
    assert error.path == "$"
    assert "cannot tell the dialect" in error.reason
    assert "deviceInfo" in error.reason


def test_a_body_with_markers_of_two_dialects_cannot_be_told() -> None:
    error = error_of({**CHIRPSTACK_V4, "devEUI": "0202020202020202"})
    assert error.path == "$"
    assert "chirpstack-v3 and chirpstack-v4" in error.reason


def test_an_explicit_dialect_is_not_second_guessed() -> None:
    error = error_of(CHIRPSTACK_V4, "tts-v3")
    assert (error.path, error.reason) == ("end_device_ids", "missing required field")


def test_an_unknown_dialect_name_is_a_caller_bug_not_a_webhook_error() -> None:
    with pytest.raises(ValueError, match="unknown dialect 'lorawan'") as caught:
        parse_uplink(CHIRPSTACK_V4, "lorawan")  # type: ignore[arg-type]
    assert not isinstance(caught.value, WebhookError)


def test_dialect_names() -> None:
    assert DIALECTS == ("chirpstack-v4", "chirpstack-v3", "tts-v3")


# --------------------------------------------------------------------------- not uplinks


@pytest.mark.parametrize(
    "event", ["status", "join", "ack", "txack", "log", "location", "integration"]
)
def test_chirpstack_events_other_than_up_are_not_uplinks(event: str) -> None:
    join_body = {"deviceInfo": {"devEui": "0101010101010101"}, "devAddr": "01fa3b2c"}
    with pytest.raises(NotAnUplink) as caught:
        parse_chirpstack_v4(join_body, event=event)
    assert caught.value.kind == event
    assert caught.value.dialect == "chirpstack-v4"
    assert not isinstance(caught.value, ValueError)
    with pytest.raises(NotAnUplink):
        parse_chirpstack_v3(join_body, event=event)
    with pytest.raises(NotAnUplink, match=f"'{event}' message is not an uplink"):
        parse_uplink(join_body, event=event)


def test_the_up_event_is_an_uplink() -> None:
    assert parse_uplink(CHIRPSTACK_V4, event="up").f_cnt == 42


def test_an_empty_event_is_a_webhook_error() -> None:
    with pytest.raises(WebhookError) as caught:
        parse_uplink(CHIRPSTACK_V4, event="")
    assert str(caught.value) == "?event: empty event type"


def test_tts_message_without_uplink_is_not_an_uplink() -> None:
    with pytest.raises(NotAnUplink) as caught:
        parse_uplink(TTS_JOIN_ACCEPT)
    assert (caught.value.kind, caught.value.dialect) == ("join_accept", "tts-v3")
    assert str(caught.value) == "tts-v3 'join_accept' message is not an uplink"


def test_tts_message_of_an_unknown_kind_is_not_an_uplink() -> None:
    body = {"end_device_ids": TTS_JOIN_ACCEPT["end_device_ids"], "something_new": {}}
    with pytest.raises(NotAnUplink) as caught:
        parse_tts_v3(body)
    assert caught.value.kind == "unknown"


def test_tts_downlink_ack_is_not_an_uplink() -> None:
    body = changed(TTS_JOIN_ACCEPT, "join_accept")
    body["downlink_ack"] = {"f_port": 1, "frm_payload": "AQ==", "priority": "NORMAL"}
    with pytest.raises(NotAnUplink) as caught:
        parse_tts_v3(body)
    assert caught.value.kind == "downlink_ack"


# --------------------------------------------------------------------------- malformed


def test_webhook_error_str_is_path_colon_reason() -> None:
    error = WebhookError("rxInfo[0].snr", "expected a number, got a string")
    assert str(error) == "rxInfo[0].snr: expected a number, got a string"
    assert isinstance(error, ValueError)
    assert (error.path, error.reason) == ("rxInfo[0].snr", "expected a number, got a string")


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ([CHIRPSTACK_V4], "expected a JSON object, got an array"),
        ("not json", "not valid JSON"),
        (b"{", "not valid JSON"),
        (b'{"fCnt": NaN}', "NaN is not a JSON number"),
        ("[" * 100_000, "not valid JSON"),
        (b"\xff\xfe\x00", "not valid JSON"),
        (None, "expected a JSON object, got null"),
        (42, "expected a JSON object, got an integer"),
    ],
)
def test_a_body_that_is_not_a_json_object(body: object, fragment: str) -> None:
    error = error_of(body)
    assert error.path == "$"
    assert fragment in error.reason


CHIRPSTACK_V4_ERRORS = [
    ("deviceInfo", _DELETE, "deviceInfo", "missing required field"),
    ("deviceInfo", "0101", "deviceInfo", "expected a JSON object, got a string"),
    ("deviceInfo.devEui", _DELETE, "deviceInfo.devEui", "missing required field"),
    ("deviceInfo.devEui", None, "deviceInfo.devEui", "missing required field"),
    ("deviceInfo.devEui", "70b3d57ed005a1zz", "deviceInfo.devEui", "'z' at offset 14"),
    ("deviceInfo.devEui", "70b3d57e", "deviceInfo.devEui", "expected 16 hex digits, got 8"),
    ("deviceInfo.devEui", "cLPVftAFobI=", "deviceInfo.devEui", "'L' at offset 1"),
    ("deviceInfo.devEui", 42, "deviceInfo.devEui", "expected a string, got an integer"),
    ("deviceInfo.deviceName", ["x"], "deviceInfo.deviceName", "expected a string, got an array"),
    ("data", _DELETE, "data", "nothing to ingest"),
    ("data", "", "data", "empty payload"),
    ("data", "PD0+hgKh!sPU5fY=", "data", "invalid base64 character '!' at offset 8"),
    ("data", "PD0+h", "data", "length 5 cannot be decoded"),
    ("data", "PD0=hgKh", "data", "'=' padding before the end"),
    ("data", "PD0+hg===", "data", "wrong '=' padding"),
    ("data", "PD0+hg=", "data", "wrong '=' padding"),
    ("data", 12, "data", "expected a string, got an integer"),
    ("fCnt", "42", "fCnt", "expected an integer, got a string"),
    ("fCnt", True, "fCnt", "expected an integer, got a boolean"),
    ("fCnt", 42.0, "fCnt", "expected an integer, got a number"),
    ("fCnt", -1, "fCnt", "-1 is out of range 0..4294967295"),
    ("fCnt", 2**32, "fCnt", "4294967296 is out of range 0..4294967295"),
    ("fCnt", 10**400, "fCnt", "a huge number is out of range"),
    ("fPort", 256, "fPort", "256 is out of range 0..255"),
    ("fPort", -3, "fPort", "out of range 0..255"),
    ("fPort", False, "fPort", "got a boolean"),
    ("dr", 16, "dr", "16 is out of range 0..15"),
    ("time", "yesterday", "time", "expected an RFC 3339 timestamp, got 'yesterday'"),
    ("time", "2024-02-30T00:00:00Z", "time", "invalid timestamp '2024-02-30T00:00:00Z'"),
    ("time", "2024-03-05T10:21:07", "time", "expected an RFC 3339 timestamp"),
    ("time", "2024-03-05T10:21:60Z", "time", "invalid timestamp"),
    ("time", "2024-03-05T10:21:07+24:00", "time", "invalid timestamp"),
    ("time", "2024-03-05T10:21:07+01:60", "time", "offset minutes 60 out of range"),
    ("time", "0001-01-01T00:00:00+01:00", "time", "invalid timestamp"),
    ("time", "x" * 1000, "time", "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...'"),
    ("time", 1709634067, "time", "expected a string, got an integer"),
    ("deduplicationId", 5, "deduplicationId", "expected a string, got an integer"),
    ("rxInfo", {}, "rxInfo", "expected an array, got an object"),
    ("rxInfo[1]", "gw", "rxInfo[1]", "expected a JSON object, got a string"),
    ("rxInfo[0].snr", "9", "rxInfo[0].snr", "expected a number, got a string"),
    ("rxInfo[0].snr", float("nan"), "rxInfo[0].snr", "expected a finite number, got nan"),
    ("rxInfo[0].snr", 10**400, "rxInfo[0].snr", "number out of range"),
    ("rxInfo[1].rssi", True, "rxInfo[1].rssi", "expected a number, got a boolean"),
    ("rxInfo[1].gatewayId", "a840411d", "rxInfo[1].gatewayId", "expected 16 hex digits"),
    ("txInfo", [], "txInfo", "expected a JSON object, got an array"),
    ("txInfo.frequency", "868300000", "txInfo.frequency", "expected an integer, got a string"),
    ("txInfo.frequency", 0, "txInfo.frequency", "0 is out of range"),
    ("txInfo.modulation", "LORA", "txInfo.modulation", "expected a JSON object"),
    (
        "txInfo.modulation.lora.spreadingFactor",
        13,
        "txInfo.modulation.lora.spreadingFactor",
        "13 is out of range 5..12",
    ),
    (
        "txInfo.modulation.lora.bandwidth",
        125.0,
        "txInfo.modulation.lora.bandwidth",
        "expected an integer, got a number",
    ),
]


@pytest.mark.parametrize(("where", "value", "path", "fragment"), CHIRPSTACK_V4_ERRORS)
def test_malformed_chirpstack_v4(where: str, value: object, path: str, fragment: str) -> None:
    error = error_of(changed(CHIRPSTACK_V4, where, value), "chirpstack-v4")
    assert error.path == path
    assert fragment in error.reason
    assert str(error).startswith(f"{path}: ")


CHIRPSTACK_V3_ERRORS = [
    ("devEUI", _DELETE, "devEUI", "missing required field"),
    ("devEUI", "0102", "devEUI", "expected 16 hex digits, got 4"),
    ("devEUI", "02020202020202020", "devEUI", "expected 16 hex digits, got 17"),
    ("devEUI", "AgICAgI=", "devEUI", "base64 EUI decodes to 5 bytes, expected 8"),
    ("devEUI", "not an EUI!", "devEUI", "expected 16 hex digits or base64 of 8 bytes"),
    ("devEUI", True, "devEUI", "expected a string, got a boolean"),
    ("data", _DELETE, "data", "nothing to ingest"),
    ("data", "A===", "data", "length 1 cannot be decoded"),
    ("fCnt", "10", "fCnt", "expected an integer, got a string"),
    ("rxInfo[0].gatewayID", "AwMD", "rxInfo[0].gatewayID", "decodes to 3 bytes, expected 8"),
    ("rxInfo[0].loRaSNR", "9", "rxInfo[0].loRaSNR", "expected a number, got a string"),
    ("rxInfo[1].time", "2019-11-08", "rxInfo[1].time", "expected an RFC 3339 timestamp"),
    ("rxInfo[1].rssi", None, None, None),
    ("txInfo.dr", 16, "txInfo.dr", "out of range 0..15"),
    (
        "txInfo.loRaModulationInfo.bandwidth",
        "125",
        "txInfo.loRaModulationInfo.bandwidth",
        "expected an integer, got a string",
    ),
    (
        "txInfo.loRaModulationInfo.spreadingFactor",
        4,
        "txInfo.loRaModulationInfo.spreadingFactor",
        "4 is out of range 5..12",
    ),
]


@pytest.mark.parametrize(("where", "value", "path", "fragment"), CHIRPSTACK_V3_ERRORS)
def test_malformed_chirpstack_v3(
    where: str, value: object, path: str | None, fragment: str | None
) -> None:
    body = changed(CHIRPSTACK_V3_PROTOBUF_JSON, where, value)
    if path is None:  # null is simply unknown
        assert parse_uplink(body, "chirpstack-v3").rssi == -48
        return
    error = error_of(body, "chirpstack-v3")
    assert error.path == path
    assert fragment is not None
    assert fragment in error.reason


TTS_ERRORS = [
    ("end_device_ids", _DELETE, "end_device_ids", "missing required field"),
    ("end_device_ids.dev_eui", _DELETE, "end_device_ids.dev_eui", "missing required field"),
    ("end_device_ids.dev_eui", "AgICAgICAgI=", "end_device_ids.dev_eui", "'g' at offset 1"),
    ("end_device_ids.device_id", 7, "end_device_ids.device_id", "expected a string"),
    ("uplink_message", "up", "uplink_message", "expected a JSON object, got a string"),
    ("uplink_message.frm_payload", _DELETE, "uplink_message.frm_payload", "nothing to ingest"),
    ("uplink_message.frm_payload", "#", "uplink_message.frm_payload", "character '#'"),
    ("uplink_message.f_port", 300, "uplink_message.f_port", "300 is out of range 0..255"),
    ("uplink_message.f_cnt", "5", "uplink_message.f_cnt", "expected an integer, got a string"),
    (
        "uplink_message.settings.frequency",
        "868.1",
        "uplink_message.settings.frequency",
        "expected a decimal integer string, got '868.1'",
    ),
    (
        "uplink_message.settings.frequency",
        True,
        "uplink_message.settings.frequency",
        "expected an integer or a decimal string, got a boolean",
    ),
    (
        "uplink_message.settings.frequency",
        "9" * 5000,
        "uplink_message.settings.frequency",
        "expected a decimal integer string",
    ),
    (
        "uplink_message.settings.data_rate.lora.bandwidth",
        "125000",
        "uplink_message.settings.data_rate.lora.bandwidth",
        "expected an integer, got a string",
    ),
    (
        "uplink_message.rx_metadata[0].gateway_ids",
        "plant-roof",
        "uplink_message.rx_metadata[0].gateway_ids",
        "expected a JSON object, got a string",
    ),
    (
        "uplink_message.rx_metadata[1].snr",
        "-6.25",
        "uplink_message.rx_metadata[1].snr",
        "expected a number, got a string",
    ),
    (
        "uplink_message.rx_metadata[0].channel_rssi",
        "-71",
        "uplink_message.rx_metadata[0].channel_rssi",
        "expected a number",
    ),
    ("received_at", "2024-13-05T10:21:07Z", "received_at", "invalid timestamp"),
    (
        "uplink_message.received_at",
        "2024-03-05T10:21:07.1.2Z",
        "uplink_message.received_at",
        "expected an RFC 3339 timestamp",
    ),
]


@pytest.mark.parametrize(("where", "value", "path", "fragment"), TTS_ERRORS)
def test_malformed_tts_v3(where: str, value: object, path: str, fragment: str) -> None:
    error = error_of(changed(TTS_V3, where, value), "tts-v3")
    assert error.path == path
    assert fragment in error.reason


# --------------------------------------------------------------------------- properties

dev_euis = st.binary(min_size=8, max_size=8)
f_cnts = st.integers(0, 2**32 - 1)
f_ports = st.integers(0, 255)
payloads = st.binary(min_size=1, max_size=242)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def _chirpstack_v4_body(dev_eui: bytes, f_cnt: int, f_port: int, payload: bytes) -> object:
    return {
        "deviceInfo": {"devEui": dev_eui.hex()},
        "fCnt": f_cnt,
        "fPort": f_port,
        "data": _b64(payload),
    }


def _chirpstack_v3_body(
    dev_eui: bytes, f_cnt: int, f_port: int, payload: bytes, as_base64: bool
) -> object:
    eui = _b64(dev_eui) if as_base64 else dev_eui.hex()
    return {"devEUI": eui, "fCnt": f_cnt, "fPort": f_port, "data": _b64(payload)}


def _tts_body(dev_eui: bytes, f_cnt: int, f_port: int, payload: bytes) -> object:
    message: dict[str, object] = {"frm_payload": _b64(payload)}
    if f_cnt:
        message["f_cnt"] = f_cnt
    if f_port:
        message["f_port"] = f_port
    return {"end_device_ids": {"dev_eui": dev_eui.hex().upper()}, "uplink_message": message}


@given(dev_euis, f_cnts, f_ports, payloads, st.integers(0, 3), st.booleans())
def test_round_trip_in_every_dialect(
    dev_eui: bytes, f_cnt: int, f_port: int, payload: bytes, which: int, as_text: bool
) -> None:
    bodies = [
        _chirpstack_v4_body(dev_eui, f_cnt, f_port, payload),
        _chirpstack_v3_body(dev_eui, f_cnt, f_port, payload, as_base64=False),
        _chirpstack_v3_body(dev_eui, f_cnt, f_port, payload, as_base64=True),
        _tts_body(dev_eui, f_cnt, f_port, payload),
    ]
    body = bodies[which]
    uplink = parse_uplink(json.dumps(body) if as_text else body)
    assert uplink.dialect == ["chirpstack-v4", "chirpstack-v3", "chirpstack-v3", "tts-v3"][which]
    assert (uplink.dev_eui, uplink.f_cnt, uplink.f_port, uplink.payload) == (
        dev_eui.hex().upper(),
        f_cnt,
        f_port,
        payload,
    )


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=6,
)


def _paths(node: object, prefix: str = "") -> list[str]:
    """Every path into ``node`` in the ``a.b[0]`` notation of :func:`changed`."""
    found: list[str] = []
    items: list[tuple[str, object]] = []
    if isinstance(node, dict):
        items = [(f"{prefix}.{key}" if prefix else key, value) for key, value in node.items()]
    elif isinstance(node, list):
        items = [(f"{prefix}[{index}]", value) for index, value in enumerate(node)]
    for path, value in items:
        found += [path, *_paths(value, path)]
    return found


_MUTABLE = [(name, path) for name, body in SAMPLES.items() for path in _paths(body)]


@given(st.sampled_from(_MUTABLE), json_values, st.sampled_from([None, *DIALECTS]))
def test_any_value_anywhere_gives_an_uplink_or_a_webhook_error(
    where: tuple[str, str], value: object, dialect: Any
) -> None:
    name, path = where
    body = changed(SAMPLES[name], path, value)
    try:
        uplink = parse_uplink(body, dialect)
    except (WebhookError, NotAnUplink):
        return
    assert len(uplink.dev_eui) == 16
    assert uplink.payload


@given(json_values)
def test_any_json_value_as_a_body_gives_a_webhook_error(body: object) -> None:
    with pytest.raises((WebhookError, NotAnUplink)):
        parse_uplink(body)


def test_tts_v3_airtime_and_gateway_place_are_checked() -> None:
    bad_airtime = changed(TTS_V3, "uplink_message.consumed_airtime", "fast")
    with pytest.raises(WebhookError, match="expected a duration such as"):
        parse_tts_v3(bad_airtime)
    far = changed(TTS_V3, "uplink_message.rx_metadata[0].location.latitude", 123.0)
    with pytest.raises(WebhookError, match=r"123\.0 is outside -90\.\.90 degrees"):
        parse_tts_v3(far)


def test_tts_v3_keeps_the_device_location_and_refuses_a_wrong_one() -> None:
    body = copy.deepcopy(TTS_V3)
    body["uplink_message"]["locations"] = {"user": {"latitude": 41.6, "longitude": -0.9}}
    uplink = parse_tts_v3(body)
    assert (uplink.device_latitude, uplink.device_longitude) == (41.6, -0.9)
    assert parse_tts_v3(TTS_V3).device_latitude is None
    body["uplink_message"]["locations"]["user"]["latitude"] = 95
    error = error_of(body, "tts-v3")
    assert error.path == "uplink_message.locations.user.latitude"
