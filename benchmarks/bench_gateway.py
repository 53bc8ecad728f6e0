"""Gateway throughput on this machine: HTTP and TCP ingest, acknowledged and end to end.

Run with ``make bench`` (or ``python benchmarks/bench_gateway.py``). The gateway runs as
``openpcs serve`` in its own process, as users run it; the load comes from another process
on loopback. Every frame is distinct (no duplicates). The gateway runs with its defaults: a
frame is acknowledged once archived, and a processing process decodes and stores it; each
figure is the acknowledged rate and, beside it, the end-to-end rate (frames acknowledged over
the load's time plus the time the processing side then needed to store them all). Figures are
for the closing notes; tests never assert on time. The store alone, beside SQLite's floor, is
``bench_store.py``'s.

``OPENPCS_BENCH_POSTGRES`` names the PostgreSQL database the store and claim benchmarks use
(default: the local test database; skipped when unreachable).
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


def postgres_schema_url(schema: str) -> str:
    """The URL of a fresh, empty ``schema`` in the benchmarks' PostgreSQL database (dropped
    first if a run left it); raises when the server cannot be reached."""
    from sqlalchemy import create_engine

    admin = create_engine(POSTGRES)
    try:
        with admin.begin() as connection:
            connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
    finally:
        admin.dispose()
    separator = "&" if "?" in POSTGRES else "?"
    return f"{POSTGRES}{separator}options=-csearch_path%3D{schema}"


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
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
