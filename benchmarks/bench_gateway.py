"""Gateway throughput on this machine: HTTP and TCP ingest, and the store's write rate.

Run with ``make bench`` (or ``python benchmarks/bench_gateway.py``). The gateway runs as
``openpcs serve`` in its own process, as users run it; the load comes from another process
on loopback. Every frame is distinct (no duplicates). The gateway runs with its defaults: a
frame is acknowledged once archived, and a processing process decodes and stores it; each
figure is the acknowledged rate and, beside it, the end-to-end rate (frames acknowledged over
the load's time plus the time the processing side then needed to store them all). Figures are
for the closing notes; tests never assert on time.

Set ``OPENPCS_BENCH_POSTGRES`` to a SQLAlchemy URL to include PostgreSQL (default: the local
test database; skipped when unreachable).
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from anchors import executemany_floor
from bench_frames import FIELDS
from load import Result, http_load, tcp_load
from openpcs.frames import encode_binary, make_field
from openpcs.frames.model import Field

SERIAL = "3F5A1C0B7E2D4A91"
SECONDS = float(os.environ.get("OPENPCS_BENCH_SECONDS", "5"))
POSTGRES = os.environ.get(
    "OPENPCS_BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def small_fields(index: int) -> list[Field]:
    """A small reading: temperature, humidity, battery (3 fields)."""
    return [
        make_field("TC", 15 + (index % 2000) / 100),
        make_field("HUM", 40 + (index // 2000 % 500) / 10),
        make_field("BAT", index % 101),
    ]


def large_fields(index: int) -> list[Field]:
    """The codec benchmark's Smart Environment PRO reading (10 fields of mixed kinds), its
    timestamp made distinct per frame."""
    return [make_field("TST", 1763712000 + index), *FIELDS[1:]]


DEVICES = 1000


def frame_hex(index: int, fields: Callable[[int], list[Field]], run: int) -> str:
    """A distinct frame from one of 1,000 devices: its serial carries the run and the device,
    its sequence and values the index (so that no two frames of a run are duplicates)."""
    serial = f"{run:04X}0000{index % DEVICES:08X}"
    return encode_binary(
        serial=serial, node_name="bench", sequence=index % 256, fields=fields(index)
    ).hex()


# --- the gateway process ---------------------------------------------------------------


def start_gateway(data_dir: Path, *extra: str) -> tuple[subprocess.Popen[bytes], dict[str, Any]]:
    """``openpcs serve`` on free ports; its state (ports) once it listens."""
    command = [sys.executable, "-m", "openpcs", "serve", "--data-dir", str(data_dir)]
    command += ["--port", "0", "--https-port", "0", "--tcp-port", "0", "--log-level", "warning"]
    command += extra
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    state_file = data_dir / "gateway.json"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(process.stderr.read().decode() if process.stderr else "exited")
        if state_file.exists():
            state: dict[str, Any] = json.loads(state_file.read_text())
            if state.get("pid") == process.pid:
                return process, state
        time.sleep(0.05)
    raise RuntimeError("the gateway did not start")


def drained_after(data_dir: Path, http_port: int) -> float:
    """Seconds until the processing side has stored every archived frame."""
    import httpx

    token = (data_dir / "admin-token").read_text().strip()
    start = time.perf_counter()
    with httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=60) as client:
        while True:
            status = client.get(f"http://127.0.0.1:{http_port}/api/v1/status").json()
            pipeline = status["pipeline"]
            if pipeline["frames"] >= pipeline["archived"] and not pipeline["waiting"]:
                return time.perf_counter() - start
            time.sleep(0.02)


def rates(result: Result, data_dir: Path, http_port: int) -> str:
    """The acknowledged and end-to-end frame rates of one load run, as text."""
    drain = drained_after(data_dir, http_port)
    end_to_end = result.frames / (result.seconds + drain)
    return (
        f"{result.frames_per_s:9,.0f} frames/s acknowledged, {end_to_end:9,.0f} end to end "
        f"({result.errors} errors)"
    )


def stop_gateway(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, as an operator would."""
    process.send_signal(signal.SIGTERM)
    process.wait(60)


# --- load, in a child process ----------------------------------------------------------


def _run_load(kind: str, port: int, run: int, queue: Any, seconds: float = SECONDS) -> None:
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    if kind == "get":
        frames = [frame_hex(i, small_fields, run) for i in range(400_000)]
        requests = [
            f"GET /getpost_frame_parser.php?frame={h} HTTP/1.1\r\nHost: b\r\n\r\n".encode()
            for h in frames
        ]
        result = asyncio.run(
            http_load(
                "127.0.0.1",
                port,
                lambda n: (requests[n % len(requests)], 1),
                connections=64,
                seconds=seconds,
            )
        )
    elif kind in ("batch", "batch-large"):
        fields = small_fields if kind == "batch" else large_fields
        bodies = []
        for start in range(0, 400_000, 1000):
            text = "\n".join(frame_hex(i, fields, run) for i in range(start, start + 1000))
            body = text.encode()
            head = (
                "POST /api/v1/frames HTTP/1.1\r\nHost: b\r\nContent-Type: text/plain\r\n"
                f"Content-Length: {len(body)}\r\n\r\n"
            ).encode()
            bodies.append(head + body)
        result = asyncio.run(
            http_load(
                "127.0.0.1",
                port,
                lambda n: (bodies[n % len(bodies)], 1000),
                connections=4,
                seconds=seconds,
            )
        )
    else:
        chunks = [
            "".join(frame_hex(i, small_fields, run) + "\n" for i in range(s, s + 500)).encode()
            for s in range(0, 400_000, 500)
        ]
        result = asyncio.run(tcp_load("127.0.0.1", port, chunks, 500, seconds=seconds))
    queue.put(result)


def load(kind: str, port: int, seconds: float = SECONDS) -> Result:
    """Run one kind of load against ``port`` from a child process for ``seconds``."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    run = uuid.uuid4().int % 65536
    child = context.Process(target=_run_load, args=(kind, port, run, queue, seconds))
    child.start()
    result: Result = queue.get(timeout=seconds + 300)
    child.join(60)
    return result


def anchor_rate(kind: str) -> float:
    """Requests per second of an anchor application (``anchors.py``) under the GET load."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    script = str(Path(__file__).parent / "anchors.py")
    process = subprocess.Popen([sys.executable, script, kind, str(port)])
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), 1).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"the {kind} anchor did not start") from None
                time.sleep(0.1)
        return load("get", port).requests_per_s
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)


# --- the store alone --------------------------------------------------------------------


def store_rate(
    url: str, fields: Callable[[int], list[Field]], synchronous: str
) -> tuple[float, float, float]:
    """Frames and rows per second through archive, processing and save, 5,000 per batch, and
    rows per second of the store's writes alone (archive and save, processing not counted)."""
    from openpcs.gateway.dedup import DedupWindow
    from openpcs.gateway.directory import Directory
    from openpcs.gateway.processor import Processor
    from openpcs.gateway.records import Arrival
    from openpcs.gateway.senders import claimed_serial
    from openpcs.gateway.store.database import migrate, open_engine
    from openpcs.gateway.store.writer import StoreWriter

    engine = open_engine(url, synchronous=synchronous)  # type: ignore[arg-type]
    migrate(engine)
    writer = StoreWriter(engine)
    processor = Processor(Directory(), DedupWindow(600))
    count = 100_000
    frames = [bytes.fromhex(frame_hex(i, fields, 1)) for i in range(count)]
    rows = 0
    writing = 0.0
    start = time.perf_counter()
    for first in range(0, count, 5000):
        arrivals = [Arrival(data, "bench") for data in frames[first : first + 5000]]
        for arrival in arrivals:  # what the front does before archiving
            arrival.serial = claimed_serial(arrival, processor.directory)
        began = time.perf_counter()
        ids = writer.archive(arrivals)
        archived = time.perf_counter()
        results = [processor.process(i, a) for i, a in zip(ids, arrivals, strict=True)]
        processed = time.perf_counter()
        writer.save(list(zip(arrivals, results, strict=True)))
        writing += (archived - began) + (time.perf_counter() - processed)
        rows += len(arrivals) + sum(len(r.readings) for r in results)
    elapsed = time.perf_counter() - start
    engine.dispose()
    return count / elapsed, rows / elapsed, rows / writing


def schema_floor(path: Path, count: int = 50_000) -> float:
    """Rows per second SQLite writes into the gateway's frames and readings tables (their
    indexes, the foreign key) through ``sqlite3`` with nothing around it: a frame inserted
    (archive, one transaction per 5,000), its three readings inserted and the frame updated
    with its result (save, one transaction per 5,000); WAL, FULL. What those two tables cost
    the database itself, beside the 5-column floor of ``anchors.py``; the gateway's save also
    upserts its devices' tallies (one row per device and batch), which this leaves out."""
    import sqlite3

    from openpcs.gateway.store.database import migrate, open_engine

    engine = open_engine(f"sqlite:///{path}", synchronous="full")
    migrate(engine)
    engine.dispose()
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")
    connection.execute("PRAGMA foreign_keys=ON")
    frames = [
        (
            i,
            f"2026-12-07 05:{i // 600000 % 60:02d}:{i // 10000 % 60:02d}.{i % 10000:06d}",
            "bench",
            "127.0.0.1",
            "waspmote",
            bytes(40),
            "pending",
            f"{i % 1000:016X}",
        )
        for i in range(1, count + 1)
    ]
    readings = [
        [(i, p, "TC", 52, 21.5, None, None, "°C") for p in range(3)] for i in range(1, count + 1)
    ]
    results = [("ok", None, "bench", 6, i % 256, bytes(16), None, i) for i in range(1, count + 1)]
    start = time.perf_counter()
    for first in range(0, count, 5000):
        last = first + 5000
        connection.execute("BEGIN")
        connection.executemany(
            "INSERT INTO frames (id, received_at, adapter, remote, format, data, status, serial)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            frames[first:last],
        )
        connection.execute("COMMIT")
        connection.execute("BEGIN")
        connection.executemany(
            "INSERT INTO readings VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [row for rows in readings[first:last] for row in rows],
        )
        connection.executemany(
            "UPDATE frames SET status = ?, error = ?, node_name = ?, frame_type = ?, "
            "sequence = ?, dedup_key = ?, set_id = ? WHERE id = ?",
            results[first:last],
        )
        connection.execute("COMMIT")
    elapsed = time.perf_counter() - start
    connection.close()
    return 4 * count / elapsed


def _postgres_schema() -> str | None:
    try:
        from sqlalchemy import create_engine

        admin = create_engine(POSTGRES)
        with admin.begin() as connection:
            connection.exec_driver_sql("DROP SCHEMA IF EXISTS openpcs_bench CASCADE")
            connection.exec_driver_sql("CREATE SCHEMA openpcs_bench")
        admin.dispose()
    except Exception as exc:
        print(f"  PostgreSQL at {POSTGRES} unreachable ({type(exc).__name__}): skipped")
        return None
    separator = "&" if "?" in POSTGRES else "?"
    return f"{POSTGRES}{separator}options=-csearch_path%3Dopenpcs_bench"


def main() -> None:
    """Print every figure."""
    print(f"gateway benchmarks ({os.cpu_count()} cores, {SECONDS:g} s per run)")
    work = Path(tempfile.mkdtemp(prefix="openpcs-bench-"))
    try:
        for synchronous in ("full", "normal"):
            data_dir = work / synchronous
            data_dir.mkdir()
            (data_dir / "settings.yaml").write_text(f"sqlite_synchronous: {synchronous}\n")
            process, state = start_gateway(data_dir, "--config", str(data_dir / "settings.yaml"))
            try:
                http_port, tcp_port = state["http"]["port"], state["tcp"]["port"]
                gets = load("get", http_port)
                print(
                    f"  SQLite {synchronous:6s} HTTP GET, 1 frame per request, 64 connections: "
                    f"{gets.requests_per_s:9,.0f} requests/s; {rates(gets, data_dir, http_port)}"
                )
                if synchronous == "full":
                    for kind, label in (
                        ("bare", "bare uvicorn ASGI"),
                        ("fastapi", "FastAPI hello"),
                    ):
                        anchor = anchor_rate(kind)
                        print(
                            f"    anchor, {label} app, same load: {anchor:9,.0f} requests/s; "
                            f"the gateway is {100 * gets.requests_per_s / anchor:.0f} % of it"
                        )
                for kind, label in (("batch", "3 fields"), ("batch-large", "10 fields")):
                    batch = load(kind, http_port)
                    print(
                        f"  SQLite {synchronous:6s} HTTP batch, 1,000 frames of {label}, "
                        f"4 connections: {rates(batch, data_dir, http_port)}"
                    )
                tcp = load("tcp", tcp_port)
                print(
                    f"  SQLite {synchronous:6s} TCP hex lines, 1 connection: "
                    f"{rates(tcp, data_dir, http_port)}"
                )
            finally:
                stop_gateway(process)
        floor = executemany_floor(work / "floor.db")
        print(f"  anchor, SQLite executemany floor (5 columns, WAL, FULL): {floor:11,.0f} rows/s")
        ceiling = schema_floor(work / "schema.db")
        print(
            f"  anchor, the frames and readings tables through sqlite3 alone: {ceiling:11,.0f} "
            "rows/s, "
            f"{100 * ceiling / floor:.0f} % of the floor"
        )
        for synchronous in ("full", "normal"):
            url = f"sqlite:///{work / ('store-' + synchronous + '.db')}"
            frames_s, rows_s, writes_s = store_rate(url, small_fields, synchronous)
            print(
                f"  store, SQLite {synchronous:6s}, 3-field frames: {frames_s:9,.0f} frames/s, "
                f"{rows_s:9,.0f} rows/s, {100 * rows_s / floor:.0f} % of the floor; "
                f"its writes alone (archive and save) {writes_s:9,.0f} rows/s, "
                f"{100 * writes_s / floor:.0f} % of the floor"
            )
        postgres = _postgres_schema()
        if postgres is not None:
            frames_s, rows_s, writes_s = store_rate(postgres, small_fields, "full")
            print(
                f"  store, PostgreSQL,     3-field frames: {frames_s:9,.0f} frames/s, "
                f"{rows_s:9,.0f} rows/s; its writes alone {writes_s:9,.0f} rows/s"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
