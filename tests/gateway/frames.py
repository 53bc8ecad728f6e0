"""Frames the gateway tests send: built with the project's own encoders from real values."""

from __future__ import annotations

from openpcs.frames import encode_ascii, encode_binary, encrypt_frame, make_field, split_tiny
from openpcs.frames.model import Field
from openpcs.ncd.api import ReceivePacket, TransmitRequest, encode_api_frame
from openpcs.ncd.mesh import LinkSettings, MeshTransmitter
from openpcs.ncd.payloads import encode_sensor_data, encode_sensor_values

SERIAL = "3F5A1C0B7E2D4A91"
NAME = "env-roof-01"
#: A payload key of 32 characters (AES-256) and a Cloud Bridge key of 16 (AES-128).
PAYLOAD_KEY = "openpcs-test-key-0123456789abcde"
BRIDGE_KEY = "bridge-key-16chr"
NCD_SOURCE = bytes.fromhex("0013A20041334712")
GATEWAY_ADDRESS = bytes.fromhex("0013A200DEADBEEF")


def fields(temperature: float = 21.37, humidity: float = 48.2, battery: int = 87) -> list[Field]:
    """A typical reading: temperature, humidity, battery."""
    return [
        make_field("TC", temperature),
        make_field("HUM", humidity),
        make_field("BAT", battery),
    ]


def binary(
    sequence: int = 1,
    *,
    serial: str = SERIAL,
    name: str = NAME,
    values: list[Field] | None = None,
) -> bytes:
    """A binary frame (type 6)."""
    return encode_binary(
        serial=serial, node_name=name, sequence=sequence, fields=values or fields()
    )


def ascii_frame(sequence: int = 1, *, serial: str = SERIAL) -> bytes:
    """An ASCII frame (type 0x86) of the typical reading."""
    return encode_ascii(serial=serial, node_name=NAME, sequence=sequence, fields=fields())


def encrypted(frame: bytes, frame_type: int = 96, key: str = PAYLOAD_KEY) -> bytes:
    """``frame`` encrypted as ``frame_type``."""
    return encrypt_frame(frame, key, frame_type)


def tiny_parts(sequence: int = 7, size: int = 10, values: list[Field] | None = None) -> list[bytes]:
    """A binary frame cut into tiny frames of at most ``size`` bytes."""
    many = values or [
        make_field("TC", 19.5),
        make_field("HUM", 61.0),
        make_field("PRES", 101325.0),
        make_field("BAT", 76),
    ]
    split = split_tiny(binary(sequence, values=many), size)
    assert not split.dropped
    return list(split.parts)


def ncd_payload(temperature: float = 23.25, humidity: float = 45.5, counter: int = 3) -> bytes:
    """An NCD temperature/humidity sensor message (type 1)."""
    data = encode_sensor_values(1, {"temperature": temperature, "humidity": humidity})
    return encode_sensor_data(
        node_id=9, sensor_type=1, data=data, battery_raw=1000, counter=counter
    )


def api_transmit(payload: bytes, destination: bytes = GATEWAY_ADDRESS) -> bytes:
    """The spec's 0x10 API frame carrying ``payload``."""
    return encode_api_frame(TransmitRequest(frame_id=1, address=destination, payload=payload))


def api_receive(payload: bytes, source: bytes = NCD_SOURCE) -> bytes:
    """A 0x90 receive packet from ``source`` carrying ``payload``."""
    return encode_api_frame(ReceivePacket(source=source, data_bytes=payload))


def link(address: bytes = GATEWAY_ADDRESS, **values: object) -> LinkSettings:
    """Mesh link settings (spec profile, factory key) for a module at ``address``."""
    return LinkSettings(address=address, mode="mesh", **values)  # type: ignore[arg-type]


def mesh_packet(payload: bytes, *, source: bytes = NCD_SOURCE, **values: object) -> bytes:
    """An over-the-air mesh packet from ``source`` to the gateway carrying ``payload``."""
    sender = MeshTransmitter(link(address=source, **values))
    return sender.seal(api_transmit(payload))
