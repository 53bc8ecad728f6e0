"""Errors of the NCD communication layer. Each names the byte offset it was found at."""

from __future__ import annotations

from openpcs.errors import OffsetError

__all__ = [
    "ApiFrameError",
    "BadChecksum",
    "BadDelimiter",
    "BadLength",
    "MeshPacketError",
    "PayloadError",
    "TruncatedApiFrame",
]


class ApiFrameError(OffsetError):
    """Bytes that are not a valid API frame."""


class BadDelimiter(ApiFrameError):
    """The frame does not start with 0x7E."""


class TruncatedApiFrame(ApiFrameError):
    """The frame or one of its fields ends early."""


class BadLength(ApiFrameError):
    """The length field disagrees with the bytes present, or a frame is too short for its type."""


class BadChecksum(ApiFrameError):
    """The checksum byte is not 0xFF minus the low byte of the sum of the frame data."""


class PayloadError(OffsetError):
    """A payload (sensor data, command, reply) that does not parse."""


class MeshPacketError(OffsetError):
    """An over-the-air mesh packet too short or malformed to process."""
