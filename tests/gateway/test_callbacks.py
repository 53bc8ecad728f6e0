"""Sigfox callbacks and SMS-gateway webhooks: JSON bodies, form fields, query parameters."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openpcs.gateway.ingest.callbacks import (
    SIGFOX_MAX_PAYLOAD,
    SigfoxMessage,
    SmsMessage,
    WebhookError,
    parse_sigfox,
    parse_sms,
)
from openpcs.gateway.ingest.lorawan import WebhookError as LorawanWebhookError

# What a JSON custom callback templated as
# {"device": "{device}", "data": "{data}", "time": {time}, "seqNumber": {seqNumber}, ...} sends.
SIGFOX_JSON: dict[str, Any] = {
    "device": "1a2b3c",
    "deviceTypeId": "5f3e1c9a8b7d6e5f4a3b2c1d",
    "data": "0102030405060708090a0b0c",
    "time": 1709634067,
    "seqNumber": 1234,
    "rssi": -121.5,
    "snr": 14.02,
    "station": "2D5F",
    "avgSnr": 20.1,
}

# The same callback as form fields or query parameters: every value is a string.
SIGFOX_FORM: dict[str, Any] = {
    "id": "1A2B3C",
    "data": "c0ffee",
    "time": "1709634067",
    "seqNumber": "7",
    "rssi": "-120.00",
    "snr": "",
    "station": "",
}

TWILIO: dict[str, Any] = {
    "ToCountry": "GB",
    "SmsMessageSid": "SMa1b2c3d4e5f60718293a4b5c6d7e8f90",
    "NumMedia": "0",
    "Body": "3C 3D 3E 86 02 a1 b2 c3\nd4 e5 f6",
    "From": "+447700900123",
    "To": "+447700900999",
    "ApiVersion": "2010-04-01",
}

VONAGE: dict[str, Any] = {
    "msisdn": "447700900123",
    "to": "447700900999",
    "messageId": "1000000012345678",
    "text": "3c3d3e8602a1b2c3d4e5f6",
    "type": "text",
    "keyword": "3C3D3E8602A1B2C3D4E5F6",
    "message-timestamp": "2024-03-05 10:21:07",
}

FRAME = bytes.fromhex("3c3d3e8602a1b2c3d4e5f6")


def sigfox_error(fields: object) -> WebhookError:
    with pytest.raises(WebhookError) as caught:
        parse_sigfox(fields)  # type: ignore[arg-type]
    return caught.value


def sms_error(fields: object) -> WebhookError:
    with pytest.raises(WebhookError) as caught:
        parse_sms(fields)  # type: ignore[arg-type]
    return caught.value


def test_the_error_class_is_shared_with_the_lorawan_parsers() -> None:
    assert WebhookError is LorawanWebhookError


# --------------------------------------------------------------------------- Sigfox


def test_sigfox_json_callback() -> None:
    assert parse_sigfox(SIGFOX_JSON) == SigfoxMessage(
        device_id="1A2B3C",
        payload=bytes(range(1, 13)),
        seq_number=1234,
        received_at=datetime(2024, 3, 5, 10, 21, 7, tzinfo=UTC),
        rssi=-121.5,
        snr=14.02,
        station="2D5F",
        avg_snr=20.1,
    )


@pytest.mark.parametrize("spelling", ["device", "id", "deviceId", "deviceID", "device_id"])
def test_sigfox_callbacks_name_the_device_as_they_please(spelling: str) -> None:
    fields = {spelling: "1a2b3c", "data": "c0ffee"}
    assert parse_sigfox(fields).device_id == "1A2B3C"


def test_sigfox_geolocation_and_duplicates_are_kept() -> None:
    fields = {"deviceId": "1A2B3C", "data": "", "lat": "43.6", "lng": -1.44, "duplicate": "true"}
    message = parse_sigfox(fields)
    assert (message.lat, message.lng, message.duplicate) == (43.6, -1.44, True)
    assert message.meta() == {"device_id": "1A2B3C", "lat": 43.6, "lng": -1.44, "duplicate": True}
    with pytest.raises(WebhookError, match=r"outside -90\.\.90 degrees"):
        parse_sigfox({**fields, "lat": 91})
    with pytest.raises(WebhookError, match="expected true or false"):
        parse_sigfox({**fields, "duplicate": "maybe"})
    with pytest.raises(WebhookError, match="'1A2B3D' differs from deviceId '1A2B3C'"):
        parse_sigfox({**fields, "device_id": "1a2b3d"})


def test_sigfox_meta_is_json_ready_without_payload_or_unknowns() -> None:
    meta = parse_sigfox(SIGFOX_FORM).meta()
    assert meta == {
        "device_id": "1A2B3C",
        "seq_number": 7,
        "received_at": "2024-03-05T10:21:07+00:00",
        "rssi": -120.0,
    }
    assert json.loads(json.dumps(meta)) == meta


def test_sigfox_form_fields_are_strings_and_empty_ones_are_absent() -> None:
    message = parse_sigfox(SIGFOX_FORM)
    assert message.device_id == "1A2B3C"
    assert message.payload == b"\xc0\xff\xee"
    assert (message.seq_number, message.rssi, message.snr, message.station) == (
        7,
        -120.0,
        None,
        None,
    )
    assert message.received_at == datetime(2024, 3, 5, 10, 21, 7, tzinfo=UTC)


def test_sigfox_minimal_callback_and_an_empty_payload() -> None:
    message = parse_sigfox({"device": "0", "data": ""})
    assert message == SigfoxMessage("0", b"", None, None, None, None, None)
    assert message.meta() == {"device_id": "0"}


def test_sigfox_twelve_bytes_is_the_limit() -> None:
    assert SIGFOX_MAX_PAYLOAD == 12
    assert len(parse_sigfox({"device": "1", "data": "ab" * 12}).payload) == 12
    error = sigfox_error({"device": "1", "data": "ab" * 13})
    assert error.path == "data"
    assert error.reason == "13 bytes is more than a Sigfox uplink carries (at most 12)"


def test_sigfox_device_and_an_agreeing_id_alias() -> None:
    assert parse_sigfox({"device": "abc", "id": "ABC", "data": ""}).device_id == "ABC"


@pytest.mark.parametrize(
    ("change", "path", "fragment"),
    [
        (
            {"device": None},
            "device",
            "missing required field (also accepted as 'id', 'deviceId', 'deviceID', 'device_id')",
        ),
        ({"device": ""}, "device", "missing required field"),
        ({"device": "12345G"}, "device", "'G' at offset 5 is not a hex digit"),
        ({"device": "123456789"}, "device", "1 to 8 hex digits, got 9"),
        ({"device": 123456}, "device", "got an integer (quote {device} in the Sigfox callback"),
        ({"device": True}, "device", "expected a string, got a boolean"),
        ({"device": None, "id": "xyz"}, "id", "'x' at offset 0 is not a hex digit"),
        ({"id": "1A2B3D"}, "id", "'1A2B3D' differs from device '1A2B3C'"),
        ({"data": None}, "data", "missing required field"),
        ({"data": "abc"}, "data", "odd number of hex digits (3)"),
        ({"data": "0x01"}, "data", "'x' at offset 1 is not a hex digit"),
        ({"data": 102}, "data", "quote {data}"),
        ({"time": "soon"}, "time", "expected a non-negative integer, got 'soon'"),
        ({"time": "1709634067.5"}, "time", "expected a non-negative integer"),
        ({"time": 1709634067.0}, "time", "expected an integer, got a number"),
        ({"time": 1709634067000}, "time", "beyond the year 9999: expected epoch seconds"),
        ({"time": -1}, "time", "expected a non-negative integer, got -1"),
        ({"time": True}, "time", "expected an integer, got a boolean"),
        ({"seqNumber": -3}, "seqNumber", "non-negative"),
        ({"seqNumber": 2**32}, "seqNumber", "out of range 0..4294967295"),
        ({"seqNumber": "7a"}, "seqNumber", "got '7a'"),
        ({"rssi": "strong"}, "rssi", "expected a number, got 'strong'"),
        ({"rssi": "nan"}, "rssi", "expected a number, got 'nan'"),
        ({"rssi": [1]}, "rssi", "expected a number, got an array"),
        ({"snr": float("inf")}, "snr", "expected a finite number, got inf"),
        ({"snr": 10**400}, "snr", "number out of range"),
        ({"snr": False}, "snr", "expected a number, got a boolean"),
        ({"station": 1234}, "station", "expected a string, got an integer"),
    ],
)
def test_malformed_sigfox_callback(change: dict[str, Any], path: str, fragment: str) -> None:
    error = sigfox_error({**SIGFOX_JSON, **change})
    assert error.path == path
    assert fragment in error.reason


@pytest.mark.parametrize("fields", [["device", "data"], "device=1&data=", None])
def test_sigfox_fields_must_be_a_mapping(fields: object) -> None:
    error = sigfox_error(fields)
    assert error.path == "$"
    assert "expected an object or form fields" in error.reason


@given(
    st.text("0123456789abcdefABCDEF", min_size=1, max_size=8),
    st.binary(max_size=12),
    st.integers(0, 2**32 - 1),
    st.integers(0, 253_402_300_799),
    st.integers(-160, 0),
    st.booleans(),
)
def test_sigfox_round_trip_as_json_or_as_form_fields(
    device: str, payload: bytes, seq: int, time: int, rssi: int, as_form: bool
) -> None:
    fields: dict[str, Any] = {"device": device, "data": payload.hex(), "seqNumber": seq}
    fields |= {"time": time, "rssi": rssi}
    if as_form:
        fields = {name: str(value) for name, value in fields.items()}
    message = parse_sigfox(fields)
    assert message.device_id == device.upper()
    assert (message.payload, message.seq_number, message.rssi) == (payload, seq, rssi)
    assert message.received_at is not None
    assert int(message.received_at.timestamp()) == time


# --------------------------------------------------------------------------- SMS


def test_twilio_sms_with_spaces_newlines_and_mixed_case() -> None:
    assert parse_sms(TWILIO) == SmsMessage(sender="+447700900123", payload=FRAME)


def test_vonage_sms() -> None:
    message = parse_sms(VONAGE)
    assert message == SmsMessage(sender="447700900123", payload=FRAME)
    assert message.meta() == {"sender": "447700900123"}


@pytest.mark.parametrize(
    ("fields", "sender"),
    [
        ({"body": "0a0b", "from": "+34600000001"}, "+34600000001"),
        ({"message": "0a0b", "sender": "plant-modem"}, "plant-modem"),
        ({"message": "0a0b", "msisdn": 34600000001}, "34600000001"),
        ({"message": "0a0b", "sender": "  "}, None),
        ({"message": "0a0b", "from": "", "sender": "second"}, "second"),
        ({"text": "0a0b"}, None),
    ],
)
def test_sms_field_names(fields: dict[str, Any], sender: str | None) -> None:
    assert parse_sms(fields) == SmsMessage(sender=sender, payload=b"\x0a\x0b")


def test_sms_body_wins_over_later_names() -> None:
    assert parse_sms({"text": "ffff", "body": "0102"}).payload == b"\x01\x02"


@pytest.mark.parametrize(
    ("fields", "path", "fragment"),
    [
        ({"From": "+447700900123"}, "body", "no message text in any of body, Body, text, message"),
        ({"Body": ""}, "Body", "empty message: expected a Waspmote frame in hex"),
        ({"text": " \n "}, "text", "empty message"),
        ({"Body": "3C 3D XY"}, "Body", "'X' at offset 6 is not a hex digit"),
        ({"body": "3c3d3e\u00e9"}, "body", "'\u00e9' at offset 6 is not a hex digit"),
        ({"body": "3c3d3"}, "body", "odd number of hex digits (5)"),
        ({"message": 1234}, "message", "expected a string, got an integer"),
        ({"body": "0a", "from": ["+1"]}, "from", "expected a string, got an array"),
        ({"body": "0a", "sender": True}, "sender", "expected a string, got a boolean"),
    ],
)
def test_malformed_sms(fields: dict[str, Any], path: str, fragment: str) -> None:
    error = sms_error(fields)
    assert error.path == path
    assert fragment in error.reason
    assert str(error) == f"{path}: {error.reason}"


def test_sms_fields_must_be_a_mapping() -> None:
    error = sms_error("3c3d3e")
    assert (error.path, error.reason) == ("$", "expected an object or form fields, got a string")


@given(st.binary(min_size=1, max_size=160), st.data())
def test_sms_round_trip_with_any_case_and_spacing(payload: bytes, data: st.DataObject) -> None:
    text = ""
    for char in payload.hex():
        text += data.draw(st.sampled_from(["", " ", "\n", "\t"]))
        text += char.upper() if data.draw(st.booleans()) else char
    field = data.draw(st.sampled_from(["body", "Body", "text", "message"]))
    assert parse_sms({field: text}).payload == payload
