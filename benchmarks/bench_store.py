"""The store's write rate on this machine, beside SQLite's own floor, in alternating rounds.

Run with ``make bench`` (or ``python benchmarks/bench_store.py``). Each round measures, one
after the other on fresh files:

1. the floor: SQLite's ``executemany`` of 5-column rows, WAL, ``synchronous=FULL``
   (``anchors.py``);
2. the gateway's frames and readings tables written through ``sqlite3`` with nothing around
   it: what the schema itself costs the database;
3. the store: 100,000 3-field frames archived, processed and saved through the gateway's own
   writer and processor, 5,000 a batch.

A commit at ``synchronous=FULL`` waits for the disk, whose speed drifts from minute to minute
on a shared machine; so every ratio to the floor is taken within its round, and each printed
ratio is the median of the rounds' (rates in rows or frames a second are the median of the
rounds' rates). ``OPENPCS_BENCH_ROUNDS`` sets the number of rounds (3; an odd number keeps each
median one round's figure). Figures are for the closing notes; tests never assert on time.
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from anchors import executemany_floor
from bench_gateway import POSTGRES, frame_hex, postgres_schema_url, small_fields
from openpcs.frames.model import Field

ROUNDS = max(1, int(os.environ.get("OPENPCS_BENCH_ROUNDS", "3")))
#: Rows a 3-field frame costs the store: the archived frame and one reading per field.
ROWS_PER_FRAME = 4


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
        return postgres_schema_url("openpcs_bench")
    except Exception as exc:
        print(f"  PostgreSQL at {POSTGRES} unreachable ({type(exc).__name__}): skipped")
        return None


def _round(work: Path, number: int) -> dict[str, float]:
    """One round: the floor, the schema through ``sqlite3``, the store; rows per second."""
    folder = work / f"round-{number}"
    folder.mkdir()
    floor = executemany_floor(folder / "floor.db")
    schema = schema_floor(folder / "schema.db")
    frames_s, rows_s, writes_s = store_rate(
        f"sqlite:///{folder / 'store.db'}", small_fields, "full"
    )
    shutil.rmtree(folder, ignore_errors=True)
    return {
        "floor": floor,
        "schema": schema,
        "frames": frames_s,
        "rows": rows_s,
        "writes": writes_s,
    }


def main() -> None:
    """Print every figure."""
    print(f"store benchmarks ({os.cpu_count()} cores, {ROUNDS} rounds)")
    work = Path(tempfile.mkdtemp(prefix="openpcs-bench-store-"))
    try:
        rounds = []
        for number in range(1, ROUNDS + 1):
            figures = _round(work, number)
            rounds.append(figures)
            floor = figures["floor"]
            print(
                f"  round {number}: floor {floor:9,.0f} rows/s; the tables through sqlite3 "
                f"{figures['schema']:9,.0f} ({100 * figures['schema'] / floor:.0f} %); the store "
                f"{figures['rows']:9,.0f} ({100 * figures['rows'] / floor:.0f} %), "
                f"its writes alone "
                f"{figures['writes']:9,.0f} ({100 * figures['writes'] / floor:.0f} %)"
            )

        def median(key: str) -> float:
            return statistics.median(r[key] / r["floor"] for r in rounds)

        floor = statistics.median(r["floor"] for r in rounds)
        print(
            "  anchor, SQLite executemany floor (5 columns, WAL, FULL), median: "
            f"{floor:11,.0f} rows/s"
        )
        print(
            "  anchor, the frames and readings tables through sqlite3 alone: "
            f"{100 * median('schema'):.0f} % of the floor (median of the rounds' ratios); "
            f"at {ROWS_PER_FRAME} rows a 3-field frame, at most "
            f"{statistics.median(r['schema'] for r in rounds) / ROWS_PER_FRAME:9,.0f} frames/s"
        )
        print(
            f"  store, SQLite full,   3-field frames: "
            f"{statistics.median(r['frames'] for r in rounds):9,.0f} frames/s, "
            f"{100 * median('rows'):.0f} % of the floor; its writes alone (archive and save) "
            f"{100 * median('writes'):.0f} % of the floor"
        )
        frames_s, rows_s, writes_s = store_rate(
            f"sqlite:///{work / 'store-normal.db'}", small_fields, "normal"
        )
        print(
            f"  store, SQLite normal, 3-field frames: {frames_s:9,.0f} frames/s, "
            f"{rows_s:9,.0f} rows/s; its writes alone {writes_s:9,.0f} rows/s"
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
