"""Waspmote v15 data frames: pure functions over bytes, shared by every part of openpcs.

Decoding: :func:`decode_any` (or the kind-specific :func:`decode_binary`, :func:`decode_ascii`,
:func:`decode_tiny`), :func:`decrypt_frame`, :class:`FrameScanner` for streams.
Encoding: :func:`encode_binary`, :func:`encode_ascii`, :func:`encode_frame`,
:func:`encrypt_frame`, :func:`split_tiny`, :func:`split_fragments`.
Every decoding problem raises a :class:`FrameError` subclass naming the byte offset.
"""

from openpcs.frames.ascii import decode_ascii, encode_ascii
from openpcs.frames.binary import decode_binary, encode_binary, encode_binary_field
from openpcs.frames.codec import decode_any, encode_frame
from openpcs.frames.crypto import decrypt_frame, encrypt_frame, normalize_key
from openpcs.frames.errors import (
    BadDelimiter,
    BadKey,
    BadLength,
    BadText,
    BadValue,
    DecryptionFailed,
    FrameEncodeError,
    FrameError,
    NotHex,
    TrailingData,
    TruncatedFrame,
    UnknownFrameType,
    UnknownSensor,
)
from openpcs.frames.hextext import parse_hex
from openpcs.frames.model import Field, Frame, FrameKind, Unread, Value
from openpcs.frames.scanner import FrameScanner, ScanItem
from openpcs.frames.split import Split, split_fragments, split_tiny
from openpcs.frames.tables import BUILT_IN_TABLES, SensorTables
from openpcs.frames.tiny import decode_tiny, reassemble_tiny
from openpcs.frames.values import make_field

__all__ = [
    "BUILT_IN_TABLES",
    "BadDelimiter",
    "BadKey",
    "BadLength",
    "BadText",
    "BadValue",
    "DecryptionFailed",
    "Field",
    "Frame",
    "FrameEncodeError",
    "FrameError",
    "FrameKind",
    "FrameScanner",
    "NotHex",
    "ScanItem",
    "SensorTables",
    "Split",
    "TrailingData",
    "TruncatedFrame",
    "UnknownFrameType",
    "UnknownSensor",
    "Unread",
    "Value",
    "decode_any",
    "decode_ascii",
    "decode_binary",
    "decode_tiny",
    "decrypt_frame",
    "encode_ascii",
    "encode_binary",
    "encode_binary_field",
    "encode_frame",
    "encrypt_frame",
    "make_field",
    "normalize_key",
    "parse_hex",
    "reassemble_tiny",
    "split_fragments",
    "split_tiny",
]
