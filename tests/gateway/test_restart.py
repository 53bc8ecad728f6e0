"""Kill the processing process, then the gateway, mid-stream; start it again: every frame it
acknowledged (once archived, the default) is stored, once."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
from pathlib import Path
from typing import Any

import httpx

from openpcs.frames import make_field
from tests.gateway import frames as f
from tests.gateway.running import start_serve, wait_for

_ACKED_BEFORE_KILL = 3000
_ACKED_BEFORE_SECOND_KILL = 6000


def _start(data_dir: Path) -> tuple[subprocess.Popen[bytes], dict[str, Any]]:
    return start_serve(data_dir)


def _frame_line(index: int) -> bytes:
    values = [make_field("TC", float(index)), make_field("BAT", index % 100)]
    return f.binary(index % 256, values=values).hex().encode() + b"\n"


def test_kill_and_restart_loses_nothing_acknowledged(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    process, state = _start(data_dir)
    acked: list[int] = []
    stop_sending = threading.Event()
    try:
        connection = socket.create_connection(("127.0.0.1", state["tcp"]["port"]))

        def send() -> None:
            index = 0
            try:
                while not stop_sending.is_set():
                    chunk = b"".join(_frame_line(i) for i in range(index, index + 200))
                    connection.sendall(chunk)
                    index += 200
            except OSError:
                return  # the gateway was killed

        def read() -> None:
            buffer = b""
            while True:
                try:
                    data = connection.recv(65536)
                except OSError:
                    return
                if not data:
                    return
                buffer += data
                *lines, buffer = buffer.split(b"\n")
                for line in lines:
                    frame_id, status = line.split()[:2]
                    assert status == b"archived", line
                    acked.append(int(frame_id))

        sender = threading.Thread(target=send, daemon=True)
        reader = threading.Thread(target=read, daemon=True)
        sender.start()
        reader.start()
        wait_for(lambda: len(acked) >= _ACKED_BEFORE_KILL, timeout=60)
        token = (data_dir / "admin-token").read_text().strip()
        status_url = f"http://127.0.0.1:{state['http']['port']}/api/v1/status"

        def processing_pid() -> int | None:
            answer = httpx.get(status_url, headers={"Authorization": f"Bearer {token}"})
            pid: int | None = answer.json()["pipeline"]["processing_pid"]
            return pid

        first = processing_pid()
        assert first is not None
        assert first != process.pid
        os.kill(first, signal.SIGKILL)  # the gateway starts another and goes on
        wait_for(lambda: processing_pid() not in (None, first), timeout=60)
        wait_for(lambda: len(acked) >= _ACKED_BEFORE_SECOND_KILL, timeout=60)
        process.send_signal(signal.SIGKILL)
        process.wait(30)
        stop_sending.set()
        reader.join(30)
        connection.close()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(30)
    acknowledged = list(acked)
    assert len(acknowledged) >= _ACKED_BEFORE_KILL

    process, state = _start(data_dir)
    try:
        token = (data_dir / "admin-token").read_text().strip()
        base = f"http://127.0.0.1:{state['http']['port']}"
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as client:

            def recovered() -> bool:
                """Whether the frames archived but unprocessed at the kill were processed."""
                page = client.get("/api/v1/frames", params={"status": "pending"}).json()
                return not page["items"]

            wait_for(recovered, 120)  # recovery runs in the background after a restart
            stored: dict[int, float] = {}
            others = [
                client.get("/api/v1/frames", params={"status": status}).json()["items"]
                for status in ("duplicate", "error", "pending")
            ]
            after = None
            while True:
                params: dict[str, Any] = {"sensor": "TC", "limit": 10000}
                if after:
                    params["after"] = after
                page = client.get("/api/v1/readings", params=params).json()
                stored.update({r["frame_id"]: r["value"] for r in page["items"]})
                after = page["next"]
                if after is None:
                    break
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)
    missing = [frame_id for frame_id in acknowledged if frame_id not in stored]
    assert missing == []
    assert len(acknowledged) >= _ACKED_BEFORE_SECOND_KILL
    # none processed twice (a second time finds a frame a duplicate of itself), none failed
    assert others == [[], [], []]
    # the acknowledgements came in sending order: frame n carries TC = n
    assert [stored[frame_id] for frame_id in acknowledged] == list(range(len(acknowledged)))
