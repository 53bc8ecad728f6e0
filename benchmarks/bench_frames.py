"""Frame codec throughput on one core: frames per second, best of several rounds.

Run with ``make bench``. The figures are for the closing notes; tests never assert on time.
"""

from __future__ import annotations

import struct
import time
from collections.abc import Callable

from openpcs.frames import (
    FrameScanner,
    decode_any,
    decode_ascii,
    decode_binary,
    encode_ascii,
    encode_binary,
    encrypt_frame,
    make_field,
)

KEY_256 = "openpcs-benchmark-key-0123456789"
SERIAL = "3F5A1C0B7E2D4A91"

# A typical Smart Environment PRO reading: node name and 10 fields of mixed kinds.
FIELDS = [
    make_field("TST", 1763712000),
    make_field("TC", 21.37),
    make_field("HUM", 48.2),
    make_field("PRES", 101325.5),
    make_field("CO", 0.412),
    make_field("NO2", 0.031),
    make_field("GPS", 41.656208, -0.878734),
    make_field("ACC", -15, 3, 1002),
    make_field("BAT", 87),
    make_field("STR", "LOW1"),
]
BINARY = encode_binary(serial=SERIAL, node_name="env-roof-01", sequence=42, fields=FIELDS)
ASCII = encode_ascii(serial=SERIAL, node_name="env-roof-01", sequence=42, fields=FIELDS)
ENCRYPTED = encrypt_frame(BINARY, KEY_256, 96)

_FLOOR = struct.Struct("<BIBfBfBfBfBfBffBhhhBB")


def _hand_rolled_floor(data: bytes) -> tuple[object, ...]:
    """The least a Python decoder can do: one struct call over a known layout, no checks."""
    return _FLOOR.unpack_from(data, 26)


def _rate(function: Callable[[], object], seconds: float = 1.0, rounds: int = 5) -> float:
    """Calls per second of ``function``, the best of ``rounds`` timed loops."""
    batch = 1000
    best = 0.0
    for _ in range(rounds):
        done = 0
        start = time.perf_counter()
        deadline = start + seconds / rounds
        while True:
            for _ in range(batch):
                function()
            done += batch
            now = time.perf_counter()
            if now >= deadline:
                break
        best = max(best, done / (now - start))
    return best


def _scan_rate() -> float:
    stream = (BINARY + b"\x00junk") * 1000
    start = time.perf_counter()
    scanner = FrameScanner()
    found = 0
    for offset in range(0, len(stream), 1460):  # TCP-segment-sized chunks
        found += sum(item.is_frame for item in scanner.feed(stream[offset : offset + 1460]))
    elapsed = time.perf_counter() - start
    assert found == 1000
    return found / elapsed


def main() -> None:
    """Print one line per measurement."""
    print(f"binary frame: {len(BINARY)} bytes, {len(FIELDS)} fields")
    print(f"encrypted frame: {len(ENCRYPTED)} bytes")
    rows = [
        ("hand-rolled struct floor", lambda: _hand_rolled_floor(BINARY)),
        ("decode_binary", lambda: decode_binary(BINARY)),
        ("decode_any, binary", lambda: decode_any(BINARY)),
        ("decode_any, AES-256 type 96", lambda: decode_any(ENCRYPTED, KEY_256)),
        ("decode_ascii", lambda: decode_ascii(ASCII)),
        (
            "encode_binary",
            lambda: encode_binary(serial=SERIAL, node_name="env-roof-01", fields=FIELDS),
        ),
    ]
    floor = 0.0
    for label, function in rows:
        rate = _rate(function)
        floor = floor or rate  # the first row is the floor, measured in this run
        print(
            f"{label:32s} {rate:12,.0f} frames/s  {1e6 / rate:7.2f} µs/frame"
            f"  {floor / rate:5.1f}x the floor's time"
        )
    rate = _scan_rate()
    print(
        f"{'FrameScanner, 1460-byte chunks':32s} {rate:12,.0f} frames/s  {1e6 / rate:7.2f} µs/frame"
    )


if __name__ == "__main__":
    main()
