"""Errors shared by every byte-level codec in openpcs."""

from __future__ import annotations

from typing import Self

__all__ = ["OffsetError"]


class OffsetError(ValueError):
    """Bytes that do not parse. ``offset`` is the byte where the problem was found."""

    def __init__(self, message: str, offset: int | None = None) -> None:
        self.offset = offset
        self.reason = message
        super().__init__(message if offset is None else f"{message} (at byte {offset})")

    def shifted(self, by: int) -> Self:
        """The same error with its offset counted from ``by`` bytes earlier (an outer frame)."""
        return type(self)(self.reason, None if self.offset is None else self.offset + by)
