"""Frames with sensor ids the gateway's tables do not define: stored ``partial`` with what
precedes (binary) or surrounds (ASCII) the unknown field, forwarded, and made whole at the next
start once the settings name the ids in a custom table."""

from __future__ import annotations

import asyncio
import struct
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from openpcs.frames import BUILT_IN_TABLES, encode_ascii, encode_binary, make_field
from openpcs.gateway.forward.document import frame_document
from openpcs.gateway.partial_again import FINGERPRINT_FILE, reprocess_partial_frames
from openpcs.gateway.records import Arrival, Processed
from openpcs.gateway.sensor_table_settings import SensorTablesSettings, tables_fingerprint
from tests.gateway import frames as f
from tests.gateway.conftest import make_settings
from tests.gateway.running import RunningGateway, wait_for
from tests.gateway.test_forwarders import backlog
from tests.gateway.test_http_ingest import _chirpstack_v4 as chirpstack_v4
from tests.gateway.test_http_ingest import _webhook_gateway as webhook_gateway

SERIAL = "00AA11BB22CC33DD"
CUSTOM = """id,tag,type,count,decimals,api_constants,name,unit,note
200,LEAFT,float,1,2,,Leaf temperature,degC,
201,DOOR,uint8,1,0,,Door contacts,,
"""
# a webhook no one answers: its outbox rows stay, counting what was forwarded
UNANSWERED = {"webhooks": [{"name": "hook", "url": "http://127.0.0.1:9/readings"}]}


def binary_with_leaf() -> bytes:
    frame = bytearray(
        encode_binary(serial=SERIAL, fields=[make_field("BAT", 81)], sequence=3)
        + bytes([200])
        + struct.pack("<f", 4.25)
    )
    frame[4] = len(frame) - 5
    return bytes(frame)


def ascii_with_door() -> bytes:
    frame = bytearray(
        encode_ascii(serial=SERIAL, fields=[make_field("BAT", 80)], sequence=4)
        + b"DOOR:1#TC:19.50#"
    )
    frame[4] += 2
    return bytes(frame)


def send(running: RunningGateway, *frames: bytes) -> list[dict[str, Any]]:
    with running.client(token=None) as client:
        response = client.post("/api/v1/frames", json={"frames": [x.hex() for x in frames]})
    assert response.status_code == 200, response.text
    return list(response.json()["frames"])


def stored_frames(running: RunningGateway) -> dict[int, dict[str, Any]]:
    items = running.get("/api/v1/frames", serial=SERIAL, limit=100)["items"]
    return {item["id"]: item for item in items}


def tags(running: RunningGateway) -> list[tuple[str, Any]]:
    return sorted((r["sensor"], r["value"]) for r in running.readings(serial=SERIAL))


def test_partial_frames_are_stored_then_made_whole_by_a_custom_table(tmp_path: Path) -> None:
    running = RunningGateway(make_settings(tmp_path, forwarders=UNANSWERED))
    try:
        receipts = send(running, binary_with_leaf(), ascii_with_door())
        assert [r["status"] for r in receipts] == ["partial", "partial"]
        frames = stored_frames(running)
        binary_error = frames[receipts[0]["id"]]["error"]
        assert "sensor id 200" in binary_error
        assert f"(byte {len(binary_with_leaf()) - 5})" in binary_error
        assert "'DOOR'" in frames[receipts[1]["id"]]["error"]
        assert tags(running) == [("BAT", 80), ("BAT", 81), ("TC", 19.5)]
        wait_for(lambda: backlog(running, "hook")["waiting"] == 2)  # partial frames go on
        assert (tmp_path / "data" / FINGERPRINT_FILE).read_text().strip() == tables_fingerprint(
            BUILT_IN_TABLES
        )
    finally:
        running.stop()

    table = tmp_path / "custom.csv"
    table.write_text(CUSTOM)
    custom = {"custom": [{"table": 6, "file": str(table)}]}
    running = RunningGateway(make_settings(tmp_path, forwarders=UNANSWERED, sensor_tables=custom))
    try:
        wait_for(lambda: {f["status"] for f in stored_frames(running).values()} == {"ok"})
        assert tags(running) == [
            ("BAT", 80),
            ("BAT", 81),
            ("DOOR", 1),
            ("LEAFT", 4.25),
            ("TC", 19.5),
        ]
        assert all(f["error"] is None for f in stored_frames(running).values())
        wait_for(lambda: backlog(running, "hook")["waiting"] == 4)  # the whole frames, again
        fingerprint = (tmp_path / "data" / FINGERPRINT_FILE).read_text().strip()
        assert fingerprint == tables_fingerprint(running.gateway.pipeline.processor.tables)
        assert fingerprint != tables_fingerprint(BUILT_IN_TABLES)
    finally:
        running.stop()


def test_unchanged_tables_process_nothing_again(tmp_path: Path) -> None:
    running = RunningGateway(make_settings(tmp_path))
    try:
        (receipt,) = send(running, binary_with_leaf())
        assert receipt["status"] == "partial"
        gateway = running.gateway
        engine: Engine = gateway.engine
        data_dir = gateway.settings.data_dir
        built_in = tables_fingerprint(BUILT_IN_TABLES)

        def again(fingerprint: str) -> int:
            call = reprocess_partial_frames(
                gateway.pipeline, engine, data_dir, fingerprint, built_in
            )
            return asyncio.run_coroutine_threadsafe(call, gateway._loop).result(30)  # type: ignore[arg-type]

        wait_for((data_dir / FINGERPRINT_FILE).exists)
        assert again(built_in) == 0
        (data_dir / FINGERPRINT_FILE).unlink()
        assert again(built_in) == 0  # no file: the built-in tables read the frames
        assert again("changed") == 0  # processed again, still partial
        assert (data_dir / FINGERPRINT_FILE).read_text().strip() == "changed"
        assert stored_frames(running)[receipt["id"]]["status"] == "partial"
    finally:
        running.stop()


def test_a_custom_table_that_reuses_a_built_in_id_stops_the_start(tmp_path: Path) -> None:
    table = tmp_path / "custom.csv"
    table.write_text(CUSTOM + "52,MYBAT,uint8,1,0,,x,,\n")
    with pytest.raises(
        ValueError, match=r"custom.csv line 4: id 52 is built-in BAT in sensor table 6"
    ):
        make_settings(tmp_path, sensor_tables={"custom": [{"table": 6, "file": str(table)}]})


def _reprocess_with_custom_table(running: RunningGateway, tmp_path: Path) -> int:
    """Give the running gateway the custom table and process its partial frames again."""
    gateway = running.gateway
    wait_for((gateway.settings.data_dir / FINGERPRINT_FILE).exists)
    table = tmp_path / "custom.csv"
    table.write_text(CUSTOM)
    tables = SensorTablesSettings(custom=({"table": 6, "file": str(table)},)).tables()  # type: ignore[arg-type]
    gateway.pipeline.processor.tables = tables
    call = reprocess_partial_frames(
        gateway.pipeline,
        gateway.engine,
        gateway.settings.data_dir,
        tables_fingerprint(tables),
        tables_fingerprint(BUILT_IN_TABLES),
    )
    return asyncio.run_coroutine_threadsafe(call, gateway._loop).result(30)  # type: ignore[arg-type]


def test_a_shared_store_does_not_take_the_frame_for_its_own_duplicate(tmp_path: Path) -> None:
    running = RunningGateway(make_settings(tmp_path))
    try:
        (receipt,) = send(running, binary_with_leaf())
        running.gateway.pipeline.shared_store = True  # as on PostgreSQL
        assert _reprocess_with_custom_table(running, tmp_path) == 1
        assert stored_frames(running)[receipt["id"]]["status"] == "ok"
        assert tags(running) == [("BAT", 81), ("LEAFT", 4.25)]
    finally:
        running.stop()


def test_a_frame_still_partial_is_not_forwarded_again(tmp_path: Path) -> None:
    running = RunningGateway(make_settings(tmp_path, forwarders=UNANSWERED))
    try:
        frame = bytearray(binary_with_leaf() + bytes([202, 1]))  # 202: in no table
        frame[4] = len(frame) - 5
        (receipt,) = send(running, bytes(frame))
        wait_for(lambda: backlog(running, "hook")["waiting"] == 1)
        assert _reprocess_with_custom_table(running, tmp_path) == 0
        stored = stored_frames(running)[receipt["id"]]
        assert stored["status"] == "partial"
        assert "sensor id 202" in stored["error"]
        assert tags(running) == [("BAT", 81), ("LEAFT", 4.25)]  # it read one field more
        assert backlog(running, "hook")["waiting"] == 1
    finally:
        running.stop()


def test_a_tiny_part_processed_again_stays_in_its_reading_set(tmp_path: Path) -> None:
    running, token = webhook_gateway(tmp_path)
    try:
        parts = f.tiny_parts(sequence=7)
        last = bytearray(parts[-1] + bytes([201, 1]))  # DOOR, custom
        last[1] = len(last)
        parts[-1] = bytes(last)
        with running.client(token=token) as client:
            for number, part in enumerate(parts):
                body = chirpstack_v4(part, 40 + number)
                client.post(
                    "/api/v1/webhooks/lorawan/chirpstack", params={"event": "up"}, json=body
                )
        wait_for(lambda: [s for s in running.get("/api/v1/sets")["items"] if s["status"] != "open"])
        before = [(s["id"], s["parts"]) for s in running.get("/api/v1/sets")["items"]]
        assert _reprocess_with_custom_table(running, tmp_path) == 1
        assert [(s["id"], s["parts"]) for s in running.get("/api/v1/sets")["items"]] == before
        items = running.get("/api/v1/frames")["items"]
        assert {(x["status"], x["set_id"]) for x in items} == {("ok", before[0][0])}
    finally:
        running.stop()


def test_a_short_ascii_serial_is_checked_against_its_devices_own_token(tmp_path: Path) -> None:
    running = RunningGateway(make_settings(tmp_path))
    token = "dev-token-0123456789"
    try:
        with running.client() as client:
            answer = client.put("/api/v1/devices/0000000000000ABC", json={"ingest_token": token})
            assert answer.status_code == 200, answer.text
        frame = b"<=>\x86\x01#ABC#node#1#BAT:80#".hex()
        with running.client(token=None) as client:
            own = client.get("/getpost_frame_parser.php", params={"frame": frame, "token": token})
            bare = client.get("/getpost_frame_parser.php", params={"frame": frame})
        assert own.status_code == 200, own.text
        assert bare.status_code == 401
    finally:
        running.stop()


def test_the_forwarded_document_of_a_partial_frame_says_what_was_not_read() -> None:
    reason = "sensor id 200 is not in the frame's sensor table (byte 36)"
    partial = frame_document(5, Arrival(binary_with_leaf(), "api"), Processed(5, "partial", reason))
    assert (partial["status"], partial["error"]) == ("partial", reason)
    whole = frame_document(6, Arrival(binary_with_leaf(), "api"), Processed(6, "ok"))
    assert "error" not in whole
