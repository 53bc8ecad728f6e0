"""NCD mesh packets over UDP: sealed packets in, readings out, every packet archived.

UDP has no reply, so each test waits until the archive shows the packets it sent.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from openpcs.ncd.api import BROADCAST
from openpcs.ncd.mesh import MeshTransmitter
from tests.gateway import frames as f
from tests.gateway.conftest import make_settings
from tests.gateway.running import RunningGateway, wait_for

NCD_SERIAL = f.NCD_SOURCE.hex().upper()
#: What ``frames.ncd_payload()`` carries (battery: raw 1000 → 3.22 V).
NCD_TYPICAL = {
    "temperature": (23.25, "°C"),
    "humidity": (45.5, "%RH"),
    "battery": (3.22, "V"),
}
WASPMOTE_TYPICAL = {"TC": (21.37, "°C"), "HUM": (48.2, "%RH"), "BAT": (87, "%")}
OTHER_MODULE = bytes.fromhex("0013A20012345678")


def _mesh_settings(tmp_path: Path, **link: Any) -> Any:
    return make_settings(
        tmp_path,
        udp_mesh={
            "enabled": True,
            "port": 0,
            "link": {"address": f.GATEWAY_ADDRESS.hex(), "mode": "mesh", **link},
        },
    )


class Mesh:
    """A running gateway with its UDP mesh listener, and a socket to send packets."""

    def __init__(self, running: RunningGateway) -> None:
        self.running = running
        self.address = ("127.0.0.1", running.gateway.ports["udp"])
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)

    def send(self, *packets: bytes) -> list[dict[str, Any]]:
        """Send packets one by one, each once the previous one is archived; their frames."""
        for packet in packets:
            before = len(self.frames())
            self.sock.sendto(packet, self.address)
            wait_for(lambda before=before: len(self.frames()) > before)
        return self.frames()[-len(packets) :]

    def frames(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = self.running.get("/api/v1/frames", order="asc", limit=1000)[
            "items"
        ]
        return items

    def readings(self, serial: str) -> dict[str, tuple[Any, Any]]:
        return {r["sensor"]: (r["value"], r["unit"]) for r in self.running.readings(serial=serial)}

    def close(self) -> None:
        self.sock.close()
        self.running.stop()


@pytest.fixture
def mesh(tmp_path: Path) -> Iterator[Mesh]:
    """A gateway taking spec-profile mesh packets addressed to GATEWAY_ADDRESS."""
    opened = Mesh(RunningGateway(_mesh_settings(tmp_path)))
    yield opened
    opened.close()


@pytest.fixture
def secure_mesh(tmp_path: Path) -> Iterator[Mesh]:
    """The same with the secure profile."""
    opened = Mesh(RunningGateway(_mesh_settings(tmp_path, profile="secure")))
    yield opened
    opened.close()


def test_the_listener_has_a_port(mesh: Mesh) -> None:
    assert mesh.address[1] > 0
    assert mesh.running.get("/api/v1/status")["listeners"]["udp"] == mesh.address[1]


def test_ncd_and_waspmote_payloads_become_readings(mesh: Mesh) -> None:
    ncd = f.mesh_packet(f.ncd_payload())
    waspmote = f.mesh_packet(f.binary())
    first, second = mesh.send(ncd, waspmote)

    assert first["status"] == "ok"
    assert first["error"] is None
    assert first["adapter"] == "udp-mesh"
    assert first["format"] == "ncd-mesh"
    assert first["remote"] == "127.0.0.1"
    assert first["data"] == ncd.hex().upper()  # archived as it crossed the air
    assert first["serial"] == NCD_SERIAL
    assert first["frame_type"] == 1
    assert first["sequence"] == 3
    assert mesh.readings(NCD_SERIAL) == NCD_TYPICAL

    assert second["status"] == "ok"
    assert second["data"] == waspmote.hex().upper()
    assert second["serial"] == f.SERIAL
    assert second["node_name"] == f.NAME
    assert mesh.readings(f.SERIAL) == WASPMOTE_TYPICAL

    devices = {d["serial"]: d for d in mesh.running.get("/api/v1/devices")["items"]}
    assert devices[NCD_SERIAL]["battery"] == 3.22
    assert devices[NCD_SERIAL]["battery_unit"] == "V"


def test_the_same_packet_twice_is_stored_once(mesh: Mesh) -> None:
    packet = f.mesh_packet(f.ncd_payload(temperature=18.5, counter=11))
    first, second = mesh.send(packet, packet)

    assert first["status"] == "ok"
    assert second["status"] == "duplicate"
    assert second["data"] == packet.hex().upper()
    assert second["error"]
    readings = mesh.running.readings(serial=NCD_SERIAL)
    assert len(readings) == 3
    assert {r["frame_id"] for r in readings} == {first["id"]}
    assert mesh.readings(NCD_SERIAL)["temperature"] == (18.5, "°C")


def test_a_forged_packet_is_archived_as_an_error_and_evicts_nothing(mesh: Mesh) -> None:
    genuine = f.mesh_packet(f.ncd_payload())
    forged = bytearray(genuine)
    forged[30] ^= 0x04  # a bit of the ciphertext
    (bad,) = mesh.send(bytes(forged))

    assert bad["status"] == "error"
    assert "tag does not match" in bad["error"]
    assert bad["data"] == bytes(forged).hex().upper()
    assert mesh.running.readings() == []

    (good,) = mesh.send(genuine)  # its tag was not taken by the forgery
    assert good["status"] == "ok"
    assert mesh.readings(NCD_SERIAL) == NCD_TYPICAL


def test_a_packet_of_another_network_is_ignored(mesh: Mesh) -> None:
    packet = f.mesh_packet(f.ncd_payload(), network_id=0x1234)
    (frame,) = mesh.send(packet)

    assert frame["status"] == "ignored"
    assert "another mesh network" in frame["error"]
    assert frame["serial"] == NCD_SERIAL
    assert frame["data"] == packet.hex().upper()
    assert mesh.running.readings() == []


def test_a_packet_for_another_module_is_ignored_and_a_broadcast_is_taken(mesh: Mesh) -> None:
    sender = MeshTransmitter(f.link(address=f.NCD_SOURCE))
    elsewhere = sender.seal(f.api_transmit(f.ncd_payload(counter=4), destination=OTHER_MODULE))
    everyone = sender.seal(f.api_transmit(f.ncd_payload(counter=5), destination=BROADCAST))
    ignored, taken = mesh.send(elsewhere, everyone)

    assert ignored["status"] == "ignored"
    assert "another module" in ignored["error"]
    assert taken["status"] == "ok"
    assert taken["sequence"] == 5
    readings = mesh.running.readings(serial=NCD_SERIAL)
    assert {r["frame_id"] for r in readings} == {taken["id"]}


def test_the_secure_profile_end_to_end(secure_mesh: Mesh) -> None:
    sender = MeshTransmitter(f.link(address=f.NCD_SOURCE, profile="secure"))
    first = sender.seal(f.api_transmit(f.ncd_payload(temperature=20.5, counter=1)))
    second = sender.seal(f.api_transmit(f.binary(4)))
    assert len(first) == len(f.mesh_packet(f.ncd_payload(counter=1))) + 4  # the frame counter
    stored = secure_mesh.send(first, second, first)

    assert [s["status"] for s in stored] == ["ok", "ok", "duplicate"]
    assert secure_mesh.readings(NCD_SERIAL) == {**NCD_TYPICAL, "temperature": (20.5, "°C")}
    assert secure_mesh.readings(f.SERIAL) == WASPMOTE_TYPICAL

    # a new packet carrying an old counter: a replay, whatever it contains
    restarted = MeshTransmitter(f.link(address=f.NCD_SOURCE, profile="secure"))
    replayed = restarted.seal(f.api_transmit(f.ncd_payload(temperature=99.0, counter=2)))
    # a spec-profile packet does not authenticate under the secure profile
    spec = f.mesh_packet(f.ncd_payload(counter=3))
    late, unauthenticated = secure_mesh.send(replayed, spec)

    assert late["status"] == "error"
    assert "replayed" in late["error"]
    assert unauthenticated["status"] == "error"
    assert "tag does not match" in unauthenticated["error"]
    assert secure_mesh.readings(NCD_SERIAL)["temperature"] == (20.5, "°C")

    third = sender.seal(f.api_transmit(f.ncd_payload(temperature=21.0, counter=6)))
    (fresh,) = secure_mesh.send(third)
    assert fresh["status"] == "ok"
    assert len(secure_mesh.running.readings(serial=NCD_SERIAL)) == 6


def test_a_spec_gateway_refuses_secure_packets(mesh: Mesh) -> None:
    sender = MeshTransmitter(f.link(address=f.NCD_SOURCE, profile="secure"))
    (frame,) = mesh.send(sender.seal(f.api_transmit(f.ncd_payload())))

    assert frame["status"] == "error"
    assert "tag does not match" in frame["error"]
    assert mesh.running.readings() == []


def test_a_device_with_its_own_token_is_refused_over_the_mesh_and_in_api_frames(
    mesh: Mesh,
) -> None:
    with mesh.running.client() as admin:
        admin.put(
            f"/api/v1/devices/{f.SERIAL}", json={"ingest_token": "only-this-device-token"}
        ).raise_for_status()
    (hidden,) = mesh.send(f.mesh_packet(f.binary(1)))
    assert hidden["status"] == "error"
    assert hidden["error"] == (
        f"device {f.SERIAL} sends frames with its own ingest token only; "
        "its serial was hidden until decoding"
    )
    wrapped = f.api_receive(f.binary(2))
    with mesh.running.client(token=None) as client:
        refused = client.post(
            "/api/v1/frames",
            params={"format": "ncd-api"},
            content=wrapped,
            headers={"Content-Type": "application/octet-stream"},
        )
        accepted = client.post(
            "/api/v1/frames",
            params={"format": "ncd-api", "token": "only-this-device-token"},
            content=wrapped,
            headers={"Content-Type": "application/octet-stream"},
        )
    assert refused.status_code == 401
    assert accepted.status_code == 200
    assert accepted.json()["frames"][0]["status"] == "ok"
    assert {r["sensor"] for r in mesh.running.readings(serial=f.SERIAL)} == {"TC", "HUM", "BAT"}
