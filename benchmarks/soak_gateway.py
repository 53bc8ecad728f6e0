"""A soak of the gateway: TCP frames at 80 % of its end-to-end peak, memory sampled.

Run with ``make soak`` (``OPENPCS_SOAK_SECONDS``, default 600). The gateway runs as
``openpcs serve`` with its defaults (acknowledged once archived, a processing process). The
peak is measured first (TCP hex lines as fast as it takes them for a minute, end to end:
acknowledged and stored; the deduplication
window shortened, ``OPENPCS_SOAK_WINDOW_S``, so that it fills within the warm-up); then one
connection sends distinct frames at 80 % of it, paced, for the soak's time, while the
resident memory of the gateway's process and of its processing process is read from
``/proc`` every 10 s. It prints the samples and the growth after warm-up (the first fifth of
the soak), which should stay under 10 %.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import struct
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))

from bench_gateway import drained_after, start_gateway, stop_gateway
from openpcs.frames import encode_binary, make_field

SECONDS = float(os.environ.get("OPENPCS_SOAK_SECONDS", "600"))
#: The deduplication window holds a key per frame for its length (memory grows with rate x
#: window until it is full): a shorter one than the default 600 s lets the soak reach the
#: steady state within the warm-up.
WINDOW_S = float(os.environ.get("OPENPCS_SOAK_WINDOW_S", "100"))
#: The peak's load lasts long enough that archiving and processing run side by side for most
#: of it (a short load is mostly processing alone, after it: a peak no sender can keep up).
PEAK_S = float(os.environ.get("OPENPCS_SOAK_PEAK_SECONDS", "60"))
SHARE = 0.8
SAMPLE_S = 10.0
_TEMPLATE = bytearray(
    encode_binary(
        serial="5A0A000000000000",
        node_name="soak",
        sequence=0,
        fields=[make_field("TC", 0.0), make_field("HUM", 40.0), make_field("BAT", 50)],
    )
)
_SERIAL_AT, _SEQUENCE_AT, _TC_AT = 5, 18, 20


def frame_line(index: int) -> bytes:
    """A distinct frame (device ``index % 1000``, sequence and temperature from ``index``)."""
    frame = _TEMPLATE[:]
    struct.pack_into(">I", frame, _SERIAL_AT + 4, index % 1000)
    frame[_SEQUENCE_AT] = index % 256
    struct.pack_into("<f", frame, _TC_AT, float(index % (1 << 24)))
    return frame.hex().encode() + b"\n"


def rss_kib(pid: int) -> int:
    """A process's resident memory in KiB (``VmRSS``)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def paced(port: int, rate: float, seconds: float, *, first: int = 0) -> tuple[int, int, int]:
    """Send ``rate`` frames a second for ``seconds`` (frame numbers from ``first``); frames
    sent, acknowledged, errors."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=1 << 20)
    sent = acked = errors = 0
    start = time.perf_counter()

    async def send() -> None:
        nonlocal sent
        chunk = 200
        while (now := time.perf_counter()) - start < seconds:
            due = int((now - start) * rate)
            if sent >= due:
                await asyncio.sleep(chunk / rate / 2)
                continue
            writer.write(b"".join(frame_line(first + i) for i in range(sent, sent + chunk)))
            sent += chunk
            await writer.drain()

    async def receive() -> None:
        nonlocal acked, errors
        while line := await reader.readline():
            acked += 1
            if not line.endswith(b" archived\n"):
                errors += 1

    receiving = asyncio.create_task(receive())
    await send()
    while acked < sent and not receiving.done():  # the last replies
        await asyncio.sleep(0.05)
    receiving.cancel()
    writer.close()
    return sent, acked, errors


Sample = tuple[float, int, int, int]


async def sample(
    data_dir: Path, http_port: int, front: int, seconds: float, samples: list[Sample]
) -> None:
    """Every ``SAMPLE_S``: seconds in, both processes' memory (KiB), the processing backlog."""
    token = (data_dir / "admin-token").read_text().strip()
    url = f"http://127.0.0.1:{http_port}/api/v1/status"
    start = time.perf_counter()
    async with httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"}) as client:
        while time.perf_counter() - start < seconds:
            await asyncio.sleep(SAMPLE_S)
            pipeline = (await client.get(url)).json()["pipeline"]
            child = pipeline["processing_pid"]
            backlog = pipeline["archived"] - pipeline["frames"]
            moment = time.perf_counter() - start
            samples.append((moment, rss_kib(front), rss_kib(child) if child else 0, backlog))


def main() -> None:
    """Measure the peak, soak at 80 % of it, print memory over time."""
    work = Path(tempfile.mkdtemp(prefix="openpcs-soak-"))
    try:
        settings = work / "settings.yaml"
        settings.write_text(f"pipeline:\n  dedup_window_s: {WINDOW_S}\n")
        process, state = start_gateway(work, "--config", str(settings))
        try:
            http_port, tcp_port = state["http"]["port"], state["tcp"]["port"]
            # as fast as it takes them (the gateway stops reading past its unanswered limit)
            _, peak_acked, _ = asyncio.run(paced(tcp_port, 1e9, PEAK_S, first=1 << 26))
            peak = peak_acked / (PEAK_S + drained_after(work, http_port))
            rate = SHARE * peak
            print(
                f"gateway soak: TCP end-to-end peak {peak:,.0f} frames/s; "
                f"{rate:,.0f} frames/s for {SECONDS:g} s, dedup window {WINDOW_S:g} s"
            )
            samples: list[Sample] = []

            async def soak() -> tuple[int, int, int]:
                sampler = asyncio.create_task(
                    sample(work, http_port, process.pid, SECONDS, samples)
                )
                outcome = await paced(tcp_port, rate, SECONDS)
                await sampler
                return outcome

            sent, acked, errors = asyncio.run(soak())
            drain = drained_after(work, http_port)
            for moment, front, child, backlog in samples:
                print(
                    f"  {moment:6.0f} s  gateway {front:9,d} KiB  processing {child:9,d} KiB  "
                    f"backlog {backlog:9,d} frames"
                )
            print(
                f"  sent {sent:,}, acknowledged {acked:,}, errors {errors}; "
                f"drained in {drain:.1f} s"
            )
            warm = samples[len(samples) // 5 :]
            if len(warm) >= 2:
                first, last = (s[1] + s[2] for s in (warm[0], warm[-1]))
                growth = 100 * (last - first) / first
                print(f"  memory after warm-up: {first:,} -> {last:,} KiB ({growth:+.1f} %)")
        finally:
            stop_gateway(process)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
