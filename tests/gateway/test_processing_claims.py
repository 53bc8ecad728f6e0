"""Past one machine: three ``openpcs process`` and two front ends on one PostgreSQL store.

One processing process and one front end are killed mid-stream; every frame a front end
acknowledged is stored once, with its own values, and nothing stays pending.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, text

from openpcs.frames import make_field
from tests.gateway import frames as f
from tests.gateway.running import start_serve, wait_for

_BEFORE_KILL = 1500
_AFTER_KILL = 4000


class _Stream:
    """Distinct frames to one front end over TCP, acknowledgements read as they come."""

    def __init__(self, port: int, front: int) -> None:
        self.front = front
        self.connection = socket.create_connection(("127.0.0.1", port), 10)
        self.acked: list[int] = []
        self.sent_values: dict[int, float] = {}
        self.stop = threading.Event()
        self.threads = [
            threading.Thread(target=self._send, daemon=True),
            threading.Thread(target=self._read, daemon=True),
        ]
        for thread in self.threads:
            thread.start()

    def line(self, index: int) -> bytes:
        serial = f"00C1{self.front:04X}{index % 50:08X}"  # 50 devices per front end
        values = [make_field("TC", float(index)), make_field("BAT", index % 100)]
        return f.binary(index % 256, serial=serial, values=values).hex().encode() + b"\n"

    def _send(self) -> None:
        index = 0
        try:
            while not self.stop.is_set():
                self.connection.sendall(b"".join(self.line(i) for i in range(index, index + 100)))
                index += 100
                while index - len(self.acked) > 2000 and not self.stop.is_set():
                    self.stop.wait(0.01)
        except OSError:
            return  # the front end was killed

    def _read(self) -> None:
        reader = self.connection.makefile("rb")
        try:
            for line in reader:
                frame_id, status = line.split()[:2]
                assert status == b"archived", line
                self.acked.append(int(frame_id))
        except OSError:
            return

    def close(self) -> None:
        self.stop.set()
        self.connection.close()
        for thread in self.threads:
            thread.join(10)


def test_processors_and_front_ends_share_a_store_and_survive_losing_one_each(
    postgres_url: str, tmp_path: Path
) -> None:
    config = tmp_path / "shared.yaml"
    config.write_text(
        f"database: '{postgres_url}'\n"
        "pipeline: {processing: elsewhere, recovery_interval_s: 1}\n"
        f"security: {{secret_key: '{Fernet.generate_key().decode()}'}}\n"
    )
    fronts = [start_serve(tmp_path / f"front-{i}", "--config", str(config)) for i in range(2)]
    command = [sys.executable, "-m", "openpcs", "process", "--config", str(config)]
    processors = [
        subprocess.Popen(
            [*command, "--data-dir", str(tmp_path / f"processor-{i}"), "--log-level", "warning"],
            stderr=subprocess.PIPE,
        )
        for i in range(3)
    ]
    streams: list[_Stream] = []
    try:
        streams = [_Stream(state["tcp"]["port"], i) for i, (_, state) in enumerate(fronts)]
        wait_for(lambda: all(len(s.acked) >= _BEFORE_KILL for s in streams), timeout=60)
        processors[0].send_signal(signal.SIGKILL)
        fronts[1][0].send_signal(signal.SIGKILL)
        wait_for(lambda: len(streams[0].acked) >= _AFTER_KILL, timeout=60)
    finally:
        for stream in streams:
            stream.close()
        for process, _ in fronts:
            process.kill()
            process.wait(30)
    acknowledged = {front: list(stream.acked) for front, stream in enumerate(streams)}
    assert len(acknowledged[1]) >= _BEFORE_KILL
    engine = create_engine(postgres_url)
    try:

        def nothing_pending() -> bool:
            with engine.connect() as connection:
                return not connection.execute(
                    text("SELECT count(*) FROM frames WHERE status = 'pending'")
                ).scalar()

        wait_for(nothing_pending, timeout=120)
        with engine.connect() as connection:
            statuses = dict(connection.execute(text("SELECT id, status FROM frames")).all())
            readings = connection.execute(
                text("SELECT frame_id, sensor, value FROM readings ORDER BY frame_id, position")
            ).all()
    finally:
        engine.dispose()
        for processor in processors:
            if processor.poll() is None:
                processor.send_signal(signal.SIGTERM)
            processor.wait(30)
    assert processors[1].returncode == 0
    by_frame: dict[int, list[tuple[str, float]]] = {}
    for frame_id, sensor, value in readings:
        by_frame.setdefault(frame_id, []).append((sensor, value))
    for front, ids in acknowledged.items():
        assert [statuses.get(i) for i in ids] == ["ok"] * len(ids), front
        # each frame stored once, with the values its sender put in it (frame n: TC = n)
        assert [by_frame[i][0] for i in ids] == [("TC", float(n)) for n in range(len(ids))]
        assert all(len(by_frame[i]) == 2 for i in ids)


@pytest.mark.parametrize("database", [None, "sqlite:///x.db"])
def test_processing_elsewhere_needs_postgresql(tmp_path: Path, database: str | None) -> None:
    config = tmp_path / "elsewhere.yaml"
    config.write_text(
        "pipeline: {processing: elsewhere}\n" + (f"database: '{database}'\n" if database else "")
    )
    served = subprocess.run(
        [sys.executable, "-m", "openpcs", "serve", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    processed = subprocess.run(
        [sys.executable, "-m", "openpcs", "process", "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert served.returncode == 2
    assert "'elsewhere' needs a PostgreSQL store" in served.stderr
    assert processed.returncode == 2
    assert "'openpcs process' needs a PostgreSQL store" in processed.stderr


def test_a_frame_the_store_refuses_is_set_apart_not_retried_with_the_rest() -> None:
    from types import SimpleNamespace
    from typing import Any

    from openpcs.gateway.processing_claims import _ClaimsLoop
    from openpcs.gateway.records import Arrival, Receipt

    rows = [(7, Arrival(b"a", "t")), (8, Arrival(b"b", "t"))]
    isolated: list[Any] = []
    writer = SimpleNamespace(pending_in_parts=lambda *_: rows)
    processing = SimpleNamespace(
        writer=writer,
        process=lambda ids, _: [Receipt(i, "pending", "refused") for i in ids],
        isolate=isolated.append,
    )
    loop = _ClaimsLoop(processing, SimpleNamespace(owned={3}), 100, lambda: None)  # type: ignore[arg-type]
    assert loop._batch()
    assert isolated == [rows]  # one by one: the refused one is marked an error
    assert loop.cursor == 8


def test_frames_two_processes_took_at_once_are_stored_once(postgres_url: str) -> None:
    from openpcs.gateway.dedup import DedupWindow
    from openpcs.gateway.directory import Directory
    from openpcs.gateway.processor import Processor
    from openpcs.gateway.records import Arrival
    from openpcs.gateway.store.database import migrate, open_engine
    from openpcs.gateway.store.writer import StoreWriter

    engine = open_engine(postgres_url)
    try:
        migrate(engine)
        writer = StoreWriter(engine)
        arrivals = [Arrival(f.binary(i), "t") for i in range(2)]
        ids = writer.archive(arrivals)
        for _ in range(2):  # two processes, each with a window of its own, read them pending
            processor = Processor(Directory(), DedupWindow(600))
            results = [processor.process(i, a) for i, a in zip(ids, arrivals, strict=True)]
            writer.save(list(zip(arrivals, results, strict=True)))
        with engine.connect() as connection:
            readings = connection.execute(text("SELECT count(*) FROM readings")).scalar()
            counted = connection.execute(text("SELECT frames FROM devices")).scalar()
            statuses = connection.execute(text("SELECT DISTINCT status FROM frames")).all()
    finally:
        engine.dispose()
    assert readings == 6
    assert counted == 2
    assert statuses == [("ok",)]


def test_a_front_end_processes_frames_again_itself(postgres_url: str, tmp_path: Path) -> None:
    from tests.gateway.conftest import make_settings
    from tests.gateway.running import RunningGateway

    running = RunningGateway(
        make_settings(
            tmp_path,
            database=postgres_url,
            pipeline={"processing": "elsewhere", "acknowledge": "archived"},
        )
    )
    try:
        with running.client() as client:
            (sent,) = client.post(
                "/api/v1/frames",
                content=f.encrypted(f.binary(1)),
                headers={"Content-Type": "application/octet-stream"},
            ).json()["frames"]
            assert sent["status"] == "archived"  # nobody processes it: no openpcs process runs
            client.put(
                f"/api/v1/devices/{f.SERIAL}", json={"keys": {"payload": f.PAYLOAD_KEY}}
            ).raise_for_status()
            again = client.post("/api/v1/frames/reprocess", json={"frame_ids": [sent["id"]]})
            status = client.get("/api/v1/status").json()["pipeline"]
    finally:
        running.stop()
    assert [r["status"] for r in again.json()] == ["ok"]
    assert (status["processing"], status["processing_pid"]) == ("elsewhere", None)
