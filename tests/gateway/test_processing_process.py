"""The gateway's defaults: frames acknowledged once archived, processed in a processing process.

The other gateway tests ask for the decode status in every answer and process in a thread
(``make_settings``); these run the gateway as users run it.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.gateway import frames as f
from tests.gateway.conftest import make_settings
from tests.gateway.running import RunningGateway, wait_for

_DEFAULTS = {"acknowledge": "archived", "processing": "process"}


@pytest.fixture
def served(tmp_path: Path) -> Iterator[RunningGateway]:
    running = RunningGateway(make_settings(tmp_path, pipeline=_DEFAULTS))
    yield running
    running.stop()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_frames_are_answered_once_archived_and_stored_by_the_processing_process(
    served: RunningGateway,
) -> None:
    lines = [f.binary(i).hex() for i in range(3)] + ["not hex"]
    with served.client(None) as client:
        answer = client.post(
            "/api/v1/frames",
            content="\n".join(lines),
            headers={"Content-Type": "text/plain"},
        )
    assert answer.status_code == 200
    receipts = answer.json()["frames"]
    assert [r["status"] for r in receipts] == ["archived"] * 3 + ["error"]
    assert "hex" in receipts[3]["error"]  # what was found before archiving is said at once
    assert [r["id"] for r in receipts] == sorted(r["id"] for r in receipts)
    wait_for(lambda: len(served.readings(serial=f.SERIAL)) == 9)
    status = served.get("/api/v1/status")["pipeline"]
    assert status["processing"] == "process"
    assert status["processing_pid"] not in (None, os.getpid())
    assert status["archived"] == 4
    wait_for(lambda: served.get("/api/v1/status")["pipeline"]["by_status"] == {"ok": 3, "error": 1})
    frames = served.get("/api/v1/frames", order="asc")["items"]
    assert [x["status"] for x in frames] == ["ok"] * 3 + ["error"]


def test_a_client_that_waits_for_processing_gets_each_frames_status(
    served: RunningGateway,
) -> None:
    frame = f.binary(5).hex()
    with served.client(None) as client:
        first = client.get(
            "/getpost_frame_parser.php", params={"frame": frame, "wait": "processed"}
        )
        again = client.get(
            "/getpost_frame_parser.php", params={"frame": frame, "wait": "processed"}
        )
        archived = client.get("/getpost_frame_parser.php", params={"frame": f.binary(6).hex()})
        json_answer = client.post(
            "/api/v1/frames",
            params={"wait": "processed"},
            json={"frames": [f.binary(7).hex(), f.binary(7).hex()]},
        )
        bogus = client.get("/getpost_frame_parser.php", params={"frame": frame, "wait": "soon"})
    assert first.status_code == 200
    assert first.text.startswith("ok ")
    assert again.text.startswith("duplicate ")
    assert "deduplication window" in again.text
    assert archived.text.startswith("archived ")
    receipts = json_answer.json()["frames"]
    assert [(r["status"], r["readings"]) for r in receipts] == [("ok", 3), ("duplicate", 0)]
    assert bogus.status_code == 400
    assert "wait: 'soon' is not one of 'archived', 'processed'" in bogus.text


def test_a_key_added_later_opens_frames_in_the_processing_process(
    served: RunningGateway,
) -> None:
    with served.client() as client:
        sent = client.post(
            "/api/v1/frames",
            params={"wait": "processed"},
            content=f.encrypted(f.binary(1)),
            headers={"Content-Type": "application/octet-stream"},
        ).json()["frames"]
        assert [r["status"] for r in sent] == ["error"]
        assert "no key for serial" in sent[0]["error"]
        client.put(
            f"/api/v1/devices/{f.SERIAL}", json={"keys": {"payload": f.PAYLOAD_KEY}}
        ).raise_for_status()
        again = client.post("/api/v1/frames/reprocess", json={"frame_ids": [sent[0]["id"], 999]})
    assert [r["status"] for r in again.json()] == ["ok", "missing"]
    assert [r["sensor"] for r in served.readings(serial=f.SERIAL)] == ["TC", "HUM", "BAT"]


def test_tcp_answers_after_processing_when_its_settings_ask(tmp_path: Path) -> None:
    running = RunningGateway(
        make_settings(tmp_path, pipeline=_DEFAULTS, tcp={"acknowledge": "processed"})
    )
    try:
        with socket.create_connection(("127.0.0.1", running.tcp_port), 10) as connection:
            connection.sendall(f.binary(1).hex().encode() + b"\nzz\n")
            reader = connection.makefile("rb")
            first, second = reader.readline(), reader.readline()
    finally:
        running.stop()
    assert first.split()[1] == b"ok"
    assert second.split()[1] == b"error"


def test_stopping_the_gateway_ends_its_processing_process(tmp_path: Path) -> None:
    running = RunningGateway(make_settings(tmp_path, pipeline=_DEFAULTS))
    try:
        pid = running.get("/api/v1/status")["pipeline"]["processing_pid"]
        assert isinstance(pid, int)
        assert _alive(pid)
    finally:
        running.stop()
    wait_for(lambda: not _alive(pid), timeout=10)


def test_many_clients_waiting_for_processing_are_all_answered(tmp_path: Path) -> None:
    running = RunningGateway(
        make_settings(tmp_path, pipeline=_DEFAULTS, tcp={"acknowledge": "processed"})
    )
    count = 20_000
    try:
        with socket.create_connection(("127.0.0.1", running.tcp_port), 30) as connection:
            reader = connection.makefile("rb")
            for start in range(0, count, 500):  # many small hand-overs, each waited for
                lines = b"".join(
                    f.binary(i % 256, serial=f"00000000{i // 256:08X}").hex().encode() + b"\n"
                    for i in range(start, start + 500)
                )
                connection.sendall(lines)
            statuses = [reader.readline().split()[1] for _ in range(count)]
    finally:
        running.stop()
    assert statuses == [b"ok"] * count
