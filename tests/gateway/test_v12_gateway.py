"""v12 frames through the gateway: binary and ASCII stored with the v12 table's readings, the
Meshlium path and TCP alike; encrypted 97/99 opened with the node's payload key; 101 kept."""

from __future__ import annotations

import socket

from tests.gateway.running import RunningGateway, wait_for
from tests.test_v12_frames import (
    GOLDEN_ASCII,
    GOLDEN_BINARY,
    KEY_128,
    KEY_256,
    SERIAL,
    encrypted,
)


def meshlium(running: RunningGateway, frame: bytes) -> tuple[str, int]:
    with running.client(token=None) as client:
        response = client.get("/getpost_frame_parser.php", params={"frame": frame.hex().upper()})
    assert response.status_code == 200, response.text
    status, frame_id = response.text.split()
    return status, int(frame_id)


def posted(running: RunningGateway, frame: bytes) -> tuple[str, int]:
    with running.client(token=None) as client:
        response = client.post("/api/v1/frames", json={"frames": [frame.hex()]})
    (receipt,) = response.json()["frames"]
    return receipt["status"], receipt["id"]


def frame_of(running: RunningGateway, frame_id: int) -> dict[str, object]:
    found: dict[str, object] = running.get(f"/api/v1/frames/{frame_id}")
    return found


def test_v12_frames_are_stored_with_the_v12_readings(gateway: RunningGateway) -> None:
    assert meshlium(gateway, GOLDEN_BINARY)[0] == "ok"
    assert meshlium(gateway, GOLDEN_ASCII)[0] == "ok"
    readings = sorted((r["sensor"], r["value"]) for r in gateway.readings(serial=SERIAL))
    assert readings == [("BAT", 85), ("BAT", 85), ("TCA", 23.5), ("TCA", 23.5)]
    device = gateway.get(f"/api/v1/devices/{SERIAL}")
    assert device["node_name"] == "node1"


def test_v12_frames_over_tcp(gateway: RunningGateway) -> None:
    with socket.create_connection(("127.0.0.1", gateway.tcp_port), 10) as connection:
        connection.sendall(GOLDEN_BINARY + GOLDEN_ASCII)
        replies = b""
        while replies.count(b"\n") < 2:
            replies += connection.recv(1024)
    assert [line.split()[1] for line in replies.decode().splitlines()] == [b"ok".decode()] * 2


def test_encrypted_v12_frames_open_with_the_payload_key(gateway: RunningGateway) -> None:
    status, first = posted(gateway, encrypted(97, KEY_128, GOLDEN_BINARY))
    assert status == "error"
    assert "no key for serial 0000000001234567" in str(frame_of(gateway, first)["error"])
    with gateway.client() as client:
        response = client.put(f"/api/v1/devices/{SERIAL}", json={"keys": {"payload": KEY_128}})
    assert response.status_code == 200, response.text
    assert meshlium(gateway, encrypted(97, KEY_128, GOLDEN_ASCII))[0] == "ok"
    status, wrong = posted(gateway, encrypted(99, KEY_256, GOLDEN_BINARY))
    assert status == "error"  # a 32-character key was used; the gateway holds a 16-character one
    assert "needs a 32-character key" in str(frame_of(gateway, wrong)["error"])
    with gateway.client() as client:
        again = client.post("/api/v1/frames/reprocess", json={"frame_ids": [first]})
    assert again.json()[0]["status"] == "ok"
    wait_for(lambda: len(gateway.readings(serial=SERIAL)) == 4)


def test_an_end_to_end_v12_frame_is_kept_as_received(gateway: RunningGateway) -> None:
    status, frame_id = posted(gateway, encrypted(101, KEY_128, GOLDEN_BINARY))
    assert status == "encrypted"
    stored = frame_of(gateway, frame_id)
    assert (stored["serial"], stored["frame_type"]) == (SERIAL, 101)
