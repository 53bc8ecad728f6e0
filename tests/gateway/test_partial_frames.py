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
from openpcs.gateway.partial_again import FINGERPRINT_FILE, reprocess_partial_frames
from openpcs.gateway.sensor_table_settings import tables_fingerprint
from tests.gateway.conftest import make_settings
from tests.gateway.running import RunningGateway, wait_for
from tests.gateway.test_forwarders import backlog

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
    with pytest.raises(ValueError, match=r"custom.csv line 4: id 52 is BAT in sensor table 6"):
        make_settings(tmp_path, sensor_tables={"custom": [{"table": 6, "file": str(table)}]})
