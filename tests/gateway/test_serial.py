"""The serial adapter on a pseudo-terminal: API frames written to the master side are read by
the gateway from the slave side, as from a radio module on a serial port."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from openpcs.ncd.api import ReceivePacket, TransmitRequest, TransmitStatus, encode_api_frame
from tests.gateway import frames as f
from tests.gateway.conftest import make_settings
from tests.gateway.running import RunningGateway, wait_for

NCD_SERIAL = f.NCD_SOURCE.hex().upper()
NCD_TYPICAL = {
    "temperature": (23.25, "°C"),
    "humidity": (45.5, "%RH"),
    "battery": (3.22, "V"),
}
WASPMOTE_TYPICAL = {"TC": (21.37, "°C"), "HUM": (48.2, "%RH"), "BAT": (87, "%")}


class Port:
    """A gateway reading the slave side of a pty; the test writes to the master side."""

    def __init__(self, tmp_path: Path, **serial: Any) -> None:
        self.master, self.slave = os.openpty()
        self.name = os.ttyname(self.slave)
        self.running: RunningGateway | None = None
        try:
            self.running = RunningGateway(
                make_settings(tmp_path, serial={"port": self.name, **serial})
            )
        except BaseException:
            self.close()
            raise

    @property
    def gateway(self) -> RunningGateway:
        assert self.running is not None
        return self.running

    def write(self, data: bytes) -> None:
        """Write every byte (a pty takes a limited amount at a time)."""
        view = memoryview(data)
        while view:
            written = os.write(self.master, view)
            view = view[written:]

    def frames(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = self.gateway.get("/api/v1/frames", order="asc", limit=1000)[
            "items"
        ]
        return items

    def wait_frames(self, count: int) -> list[dict[str, Any]]:
        """The archived frames, once there are ``count`` of them."""
        wait_for(lambda: len(self.frames()) >= count)
        found = self.frames()
        assert len(found) == count, found
        return found

    def readings(self, serial: str) -> dict[str, tuple[Any, Any]]:
        return {r["sensor"]: (r["value"], r["unit"]) for r in self.gateway.readings(serial=serial)}

    def close(self) -> None:
        if self.running is not None:
            self.running.stop()
        os.close(self.master)
        os.close(self.slave)


@pytest.fixture
def port(tmp_path: Path) -> Iterator[Port]:
    """A gateway on a pty in API mode 1 (no escaping)."""
    opened = Port(tmp_path)
    yield opened
    opened.close()


@pytest.fixture
def escaped_port(tmp_path: Path) -> Iterator[Port]:
    """A gateway on a pty in API mode 2 (escaped)."""
    opened = Port(tmp_path, escaped=True)
    yield opened
    opened.close()


def test_the_adapter_reads_the_port(port: Port) -> None:
    status = port.gateway.get("/api/v1/status")["serial"]
    assert status == {"port": port.name, "frames": 0, "error": None}


def test_receive_and_transmit_frames_become_readings(port: Port) -> None:
    receive = f.api_receive(f.ncd_payload())
    transmit = f.api_transmit(f.binary())
    status = encode_api_frame(TransmitStatus(frame_id=1))
    port.write(receive + transmit + status)
    first, second, third = port.wait_frames(3)

    assert first["status"] == "ok"
    assert first["adapter"] == "serial"
    assert first["format"] == "ncd-api"
    assert first["remote"] == port.name
    assert first["data"] == receive.hex().upper()
    assert first["serial"] == NCD_SERIAL
    assert first["sequence"] == 3
    assert port.readings(NCD_SERIAL) == NCD_TYPICAL

    assert second["status"] == "ok"
    assert second["data"] == transmit.hex().upper()
    assert second["serial"] == f.SERIAL
    assert second["node_name"] == f.NAME
    assert port.readings(f.SERIAL) == WASPMOTE_TYPICAL

    assert third["status"] == "ignored"  # a valid frame without sensor data
    assert "0x8B" in third["error"]
    assert port.gateway.get("/api/v1/status")["serial"]["frames"] == 3


def test_garbage_between_frames_is_archived_as_errors(port: Port) -> None:
    good_ncd = f.api_receive(f.ncd_payload(temperature=-4.5, counter=8))
    good_waspmote = f.api_transmit(f.binary(2))
    bad_checksum = bytearray(f.api_receive(f.ncd_payload(counter=9)))
    bad_checksum[-1] ^= 0xFF
    lead, middle = b"\x00\x01boot banner\r\n", b"\xa5\x5a\x00noise"
    stream = lead + good_ncd + middle + bytes(bad_checksum) + good_waspmote
    port.write(stream[:20])
    port.write(stream[20:])  # a frame cut across two writes
    wait_for(lambda: sum(x["status"] == "ok" for x in port.frames()) == 2)
    archived = port.frames()

    # every byte is archived once, in order: the pieces concatenate back to the stream
    assert "".join(x["data"] for x in archived) == stream.hex().upper()
    ok = [x for x in archived if x["status"] == "ok"]
    assert [x["data"] for x in ok] == [good_ncd.hex().upper(), good_waspmote.hex().upper()]
    errors = [x for x in archived if x["status"] != "ok"]
    assert {x["status"] for x in errors} == {"error"}
    assert errors[0]["data"] == lead.hex().upper()
    assert errors[0]["error"] == (
        f"{len(lead)} bytes at stream offset 0 are not an API frame (no frame start)"
    )
    assert errors[1]["data"] == middle.hex().upper()
    assert f"at stream offset {len(lead + good_ncd)} " in errors[1]["error"]
    assert any("rejected" in x["error"] for x in errors)  # the frame with a bad checksum

    assert port.readings(NCD_SERIAL) == {**NCD_TYPICAL, "temperature": (-4.5, "°C")}
    assert port.readings(f.SERIAL) == WASPMOTE_TYPICAL


def test_escaped_api_mode(escaped_port: Port) -> None:
    receive_frame = ReceivePacket(source=f.NCD_SOURCE, data_bytes=f.ncd_payload())
    transmit_frame = TransmitRequest(frame_id=1, address=f.GATEWAY_ADDRESS, payload=f.binary())
    receive = encode_api_frame(receive_frame, escaped=True)
    transmit = encode_api_frame(transmit_frame, escaped=True)
    # the source address holds 0x13, so escaping changes the bytes on the wire
    assert receive != encode_api_frame(receive_frame)
    assert b"\x7d\x33" in receive
    escaped_port.write(b"\x00junk" + receive + transmit)
    garbage, first, second = escaped_port.wait_frames(3)

    assert garbage["status"] == "error"
    assert garbage["data"] == b"\x00junk".hex().upper()
    assert first["status"] == "ok"
    assert first["data"] == receive.hex().upper()  # archived as it came, escaped
    assert first["serial"] == NCD_SERIAL
    assert second["status"] == "ok"
    assert second["serial"] == f.SERIAL
    assert escaped_port.readings(NCD_SERIAL) == NCD_TYPICAL
    assert escaped_port.readings(f.SERIAL) == WASPMOTE_TYPICAL
