"""Errors raised by the frame codec.

Every problem with bytes handed to a decoder is a :class:`FrameError` subclass whose message
names the byte offset, so callers catch one type and users read where the frame went wrong.
Problems with values handed to an encoder are :class:`FrameEncodeError`, which names the field.
"""

from __future__ import annotations

from openpcs.errors import OffsetError

__all__ = [
    "BadDelimiter",
    "BadKey",
    "BadLength",
    "BadText",
    "BadValue",
    "DecryptionFailed",
    "FrameEncodeError",
    "FrameError",
    "NotHex",
    "TrailingData",
    "TruncatedFrame",
    "UnknownFrameType",
    "UnknownSensor",
]


class FrameError(OffsetError):
    """Bytes that are not a valid Waspmote frame; ``offset`` is where the problem was found."""


class TruncatedFrame(FrameError):
    """The frame ends before a header or field is complete."""


class BadDelimiter(FrameError):
    """The frame does not start with ``<=>`` or a separator is missing."""


class BadLength(FrameError):
    """A length byte disagrees with the bytes present."""


class UnknownFrameType(FrameError):
    """The frame-type byte is not one openpcs decodes."""


class UnknownSensor(FrameError):
    """A field carries a sensor id or tag that the frame's sensor table does not define."""


class BadText(FrameError):
    """Text that must be ASCII (node name, string value, ASCII frame) is not."""


class BadValue(FrameError):
    """A value in an ASCII frame is not a number of the field's type or is out of range."""


class TrailingData(FrameError):
    """Bytes follow the end of a complete frame."""


class NotHex(FrameError):
    """Text given as a hex frame is not hexadecimal; ``offset`` counts characters of the text."""

    def __init__(self, message: str, offset: int | None = None) -> None:
        super().__init__(message, offset)
        if offset is not None:
            self.args = (f"{message} (at character {offset})",)

    def __str__(self) -> str:
        return str(self.args[0])


class DecryptionFailed(FrameError):
    """An encrypted frame did not decrypt to a valid frame with the key(s) given."""


class BadKey(ValueError):
    """An AES key has the wrong size or is not ASCII text."""


class FrameEncodeError(ValueError):
    """Values given to an encoder cannot be written as a frame; ``path`` names the field."""

    def __init__(self, message: str, path: str | None = None) -> None:
        self.path = path
        self.reason = message
        super().__init__(message if path is None else f"{path}: {message}")
