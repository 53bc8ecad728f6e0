"""How processing on a shared PostgreSQL store grows with ``openpcs process`` instances.

Run with ``make bench`` (or ``python benchmarks/bench_claims.py``). For 1, 2 … (up to the
cores there are) processing processes, the same 60,000 archived frames (3 fields, from 1,000
devices) wait in a fresh schema; the figure is frames stored per second from the processes'
start until nothing is pending. ``OPENPCS_BENCH_POSTGRES`` names the database (default: the
local test database; skipped when unreachable).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine

sys.path.insert(0, str(Path(__file__).parent))

from bench_gateway import POSTGRES, frame_hex, postgres_schema_url, small_fields
from openpcs.gateway.directory import Directory
from openpcs.gateway.records import Arrival
from openpcs.gateway.senders import claimed_serial
from openpcs.gateway.store.database import migrate, open_engine
from openpcs.gateway.store.writer import StoreWriter

FRAMES = int(os.environ.get("OPENPCS_BENCH_CLAIM_FRAMES", "60000"))


def rate(processes: int, frames: list[bytes], work: Path) -> float:
    """Frames per second that ``processes`` processing processes store."""
    url = postgres_schema_url("openpcs_bench_claims")
    engine = open_engine(url)
    migrate(engine)
    writer = StoreWriter(engine)
    directory = Directory()
    for start in range(0, len(frames), 5000):
        arrivals = [Arrival(data, "bench") for data in frames[start : start + 5000]]
        for arrival in arrivals:  # as a front end archives them: with the serial they claim
            arrival.serial = claimed_serial(arrival, directory)
        writer.archive(arrivals)
    command = [sys.executable, "-m", "openpcs", "process", "--db", url, "--log-level", "warning"]
    start = time.perf_counter()
    running = [
        subprocess.Popen([*command, "--data-dir", str(work / f"p{i}")]) for i in range(processes)
    ]
    try:
        while True:
            with engine.connect() as connection:
                left = connection.exec_driver_sql(
                    "SELECT count(*) FROM frames WHERE status = 'pending'"
                ).scalar()
            if not left:
                break
            time.sleep(0.05)
        elapsed = time.perf_counter() - start
    finally:
        for process in running:
            process.send_signal(signal.SIGTERM)
            process.wait(60)
        engine.dispose()
    return len(frames) / elapsed


def main() -> None:
    """Print the rate for each number of processes."""
    try:
        create_engine(POSTGRES).connect().close()
    except Exception as exc:
        print(f"claims: PostgreSQL at {POSTGRES} unreachable ({type(exc).__name__}): skipped")
        return
    frames = [bytes.fromhex(frame_hex(i, small_fields, 3)) for i in range(FRAMES)]
    work = Path(tempfile.mkdtemp(prefix="openpcs-claims-"))
    print(f"processing on PostgreSQL by openpcs process instances ({FRAMES:,} frames)")
    first = 0.0
    for processes in range(1, (os.cpu_count() or 1) + 1):
        measured = rate(processes, frames, work)
        first = first or measured
        print(
            f"  {processes} process{'es' if processes > 1 else '  '}: {measured:9,.0f} frames/s "
            f"({measured / first:.2f}x one; the start of the processes included)"
        )


if __name__ == "__main__":
    main()
