"""Turning what a transport delivered into arrivals: hex text, hex lines, binary streams.

Nothing a sender delivers is dropped: text that is not hex, a frame over the size limit and
bytes between frames of a stream all become arrivals with a ``problem``, so that they are
archived and shown with their error.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from openpcs.frames import Frame, FrameScanner, NotHex, decode_any, parse_hex
from openpcs.gateway.records import Arrival, Format, utc_now

__all__ = ["BinaryStream", "arrival_from_bytes", "arrival_from_hex", "hex_bytes", "split_lines"]


def hex_bytes(text: str) -> bytes:
    """The bytes of hex text (spaces allowed); raises :class:`NotHex` naming the character."""
    try:
        raw = bytes.fromhex(text)
    except ValueError:
        return parse_hex(text)
    if not raw:
        raise NotHex("no hex digits given", 0)
    return raw


def arrival_from_bytes(
    data: bytes,
    adapter: str,
    *,
    limit: int,
    received_at: datetime | None = None,
    **fields: Any,
) -> Arrival:
    """An arrival of ``data``; one over ``limit`` bytes keeps only its start, as an error."""
    when = received_at or utc_now()
    if len(data) > limit:
        return Arrival(
            data[:limit],
            adapter,
            received_at=when,
            problem=f"the frame has {len(data)} bytes, more than the limit of {limit}; "
            f"its first {limit} are kept",
            **fields,
        )
    return Arrival(data, adapter, received_at=when, **fields)


def arrival_from_hex(
    text: str,
    adapter: str,
    *,
    limit: int,
    received_at: datetime | None = None,
    raw: bytes | None = None,
    **fields: Any,
) -> Arrival:
    """An arrival of hex text; text that is not hex is archived as given, with the reason.

    ``raw`` is the text's bytes as received, archived as they are when the text is not hex.
    """
    try:
        data = hex_bytes(text)
    except NotHex as exc:
        raw = (text.encode("utf-8", errors="replace") if raw is None else raw)[:limit]
        return Arrival(
            raw,
            adapter,
            received_at=received_at or utc_now(),
            problem=f"not a hex frame: {exc}",
            **fields,
        )
    return arrival_from_bytes(data, adapter, limit=limit, received_at=received_at, **fields)


def split_lines(buffer: bytearray, max_line: int) -> tuple[list[tuple[bytes, bool]], bool]:
    """Complete lines taken from the start of ``buffer`` (without line ends, blank ones skipped),
    each with whether it was longer than ``max_line`` (then only its start is given).

    A line longer than ``max_line`` without its end is returned cut too, and the second value
    says so; the caller then skips the rest of it.
    """
    lines: list[tuple[bytes, bool]] = []
    end = buffer.rfind(b"\n")
    if end >= 0:
        for raw in bytes(buffer[:end]).split(b"\n"):
            line = raw.rstrip(b"\r")
            if stripped := line[:max_line].strip():
                lines.append((stripped, len(line) > max_line))
        del buffer[: end + 1]
    if len(buffer) > max_line:
        if stripped := bytes(buffer[:max_line]).strip():
            lines.append((stripped, True))
        buffer.clear()
        return lines, True
    return lines, False


def _delimited(raw: bytes) -> Frame:
    return decode_any(raw, partial=True)


class BinaryStream:
    """Waspmote frames from a byte stream, resynchronising after garbage (which is kept)."""

    def __init__(self, adapter: str, *, limit: int, remote: str | None = None) -> None:
        self.adapter = adapter
        self.limit = limit
        self.remote = remote
        # the scanner only delimits frames: one whose sensor ids the built-in tables lack is
        # still a frame (processing reads it with the gateway's own tables, partial or whole)
        self._scanner = FrameScanner(_delimited)

    def feed(self, chunk: bytes) -> list[Arrival]:
        """Arrivals for the frames and garbage completed by ``chunk``."""
        return self._arrivals(self._scanner.feed(chunk))

    def close(self) -> list[Arrival]:
        """End of stream: whatever is left, as garbage."""
        return self._arrivals(self._scanner.flush())

    def _arrivals(self, items: Iterable[Any]) -> list[Arrival]:
        now = utc_now()
        arrivals = []
        for item in items:
            if item.is_frame:
                arrivals.append(
                    arrival_from_bytes(
                        item.raw,
                        self.adapter,
                        limit=self.limit,
                        received_at=now,
                        remote=self.remote,
                    )
                )
            else:
                arrivals.append(
                    Arrival(
                        item.raw[: self.limit],
                        self.adapter,
                        Format.WASPMOTE,
                        remote=self.remote,
                        received_at=now,
                        problem=f"{len(item.raw)} bytes at stream offset {item.offset} are not "
                        f"a frame ({item.error})",
                    )
                )
        return arrivals
