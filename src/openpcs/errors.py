"""Errors shared by every byte-level codec in openpcs."""

from __future__ import annotations

__all__ = ["OffsetError"]


class OffsetError(ValueError):
    """Bytes that do not parse. ``offset`` is the byte where the problem was found."""

    def __init__(self, message: str, offset: int | None = None) -> None:
        self.offset = offset
        self.reason = message
        super().__init__(message if offset is None else f"{message} (at byte {offset})")
