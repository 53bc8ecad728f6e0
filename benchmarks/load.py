"""A small load generator for the gateway benchmarks: raw HTTP/1.1 keep-alive and TCP lines.

It runs in its own process (the benchmark starts it with ``multiprocessing``) so that it does
not share the gateway's interpreter, and it speaks the protocols by hand so that the client
costs as little CPU as possible: the figures are the gateway's, not a client library's.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass
class Result:
    """What one load run achieved."""

    requests: int
    frames: int
    seconds: float
    errors: int

    @property
    def frames_per_s(self) -> float:
        """Frames acknowledged per second."""
        return self.frames / self.seconds

    @property
    def requests_per_s(self) -> float:
        """Requests answered per second."""
        return self.requests / self.seconds


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    body = await reader.readexactly(length) if length else b""
    return status, body


async def http_load(
    host: str,
    port: int,
    requests: Callable[[int], tuple[bytes, int]],
    *,
    connections: int,
    seconds: float,
) -> Result:
    """Send ``requests(n)`` (raw request bytes, frames it carries) on keep-alive connections."""
    counter = 0
    done_requests = done_frames = errors = 0
    deadline = 0.0

    async def worker() -> None:
        nonlocal counter, done_requests, done_frames, errors
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while time.perf_counter() < deadline:
                raw, frames = requests(counter)
                counter += 1
                writer.write(raw)
                status, _ = await _read_response(reader)
                if status == 200:
                    done_requests += 1
                    done_frames += frames
                else:
                    errors += 1
        finally:
            writer.close()

    start = time.perf_counter()
    deadline = start + seconds
    await asyncio.gather(*(worker() for _ in range(connections)))
    return Result(done_requests, done_frames, time.perf_counter() - start, errors)


async def tcp_load(
    host: str, port: int, chunks: Sequence[bytes], frames_per_chunk: int, *, seconds: float
) -> Result:
    """Stream hex-line chunks over one connection; count the acknowledgement lines."""
    reader, writer = await asyncio.open_connection(host, port, limit=1 << 20)
    acked = errors = 0
    sent = 0
    start = time.perf_counter()
    deadline = start + seconds

    async def send() -> None:
        nonlocal sent
        index = 0
        while time.perf_counter() < deadline:
            writer.write(chunks[index % len(chunks)])
            sent += frames_per_chunk
            index += 1
            await writer.drain()
            while sent - acked > 20 * frames_per_chunk:  # keep a bounded window in flight
                await asyncio.sleep(0.001)

    async def receive() -> None:
        nonlocal acked, errors
        while True:
            line = await reader.readline()
            if not line:
                return
            acked += 1
            if not line.endswith((b" ok\n", b" archived\n")):
                errors += 1
            if time.perf_counter() >= deadline and acked >= sent:
                return

    await asyncio.gather(send(), receive())
    elapsed = time.perf_counter() - start
    writer.close()
    return Result(acked // frames_per_chunk, acked, elapsed, errors)
