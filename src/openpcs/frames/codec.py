"""One entry point for each direction: :func:`decode_any` and :func:`encode_frame`.

``decode_any`` tells the frame kinds apart by their first bytes: ``<=>`` then a binary type
(1-8), an ASCII type (0x81-0x88), an encrypted type (96, 100, 102, 103) or a v12 type (0,
0x80, encrypted 97, 98, 99, 101); anything else whose byte 1 equals its length is a tiny
frame. Encrypted frames are decrypted when a key is
given (a 103 frame may hold a 100 frame: give both keys) and returned undecrypted, as kind
``ENCRYPTED`` with their ciphertext, when none is. When the outer layer opens but no key given
opens the inner one, the inner frame is returned encrypted, with the outer type in
``encrypted_as``; a key that opens nothing at all is an error.
"""

from __future__ import annotations

from collections.abc import Sequence

from openpcs.frames.ascii import decode_ascii, encode_ascii
from openpcs.frames.binary import decode_binary, encode_binary
from openpcs.frames.crypto import Key, decrypt_frame, decrypt_v12_frame, parse_encrypted_header
from openpcs.frames.errors import (
    BadDelimiter,
    DecryptionFailed,
    FrameEncodeError,
    UnknownFrameType,
)
from openpcs.frames.layout import ASCII_FLAG, DELIMITER, ENCRYPTED_TYPES
from openpcs.frames.model import Frame, FrameKind
from openpcs.frames.tables import BUILT_IN_TABLES, SensorTables
from openpcs.frames.tiny import decode_tiny, looks_like_tiny
from openpcs.frames.v12 import (
    V12_ASCII,
    V12_BINARY,
    V12_ENCRYPTED,
    decode_v12_ascii,
    decode_v12_binary,
    parse_v12_encrypted_header,
)

__all__ = ["decode_any", "encode_frame"]

_MAX_LAYERS = 2


def _keys(key: Key | Sequence[Key] | None) -> list[Key]:
    if key is None:
        return []
    if isinstance(key, str | bytes):
        return [key]
    return list(key)


def _still_encrypted(frame_type: int, serial: str, ciphertext: bytes, layers: list[int]) -> Frame:
    return Frame(
        FrameKind.ENCRYPTED,
        frame_type,
        serial,
        None,
        None,
        (),
        None,
        tuple(layers),
        ciphertext,
    )


def decode_any(
    data: bytes | bytearray | memoryview,
    key: Key | Sequence[Key] | None = None,
    *,
    tiny_table: int = 6,
    tables: SensorTables = BUILT_IN_TABLES,
    partial: bool = False,
) -> Frame:
    """Decode any Waspmote v15 frame: binary, ASCII, tiny or encrypted.

    ``key`` is an AES key, or several to try (outer and inner layer of a 103 frame, or the keys
    of several nodes). ``tiny_table`` is the sensor table used for tiny frames, which do not
    say theirs; ``tables`` the sensor tables fields are read with. Raises a
    :class:`FrameError` subclass for anything that is not a valid frame, including an encrypted
    frame that no key given can decrypt; with ``partial``, a field of a sensor the table does
    not define does not: the frame comes back with what could be read and says the rest in
    ``unread``.
    """
    raw = bytes(data)
    planned = tables.plans.read(raw)  # a plain binary frame of a layout seen before
    if planned is not None:
        return planned
    keys = _keys(key)
    layers: list[int] = []
    if raw[:3] == DELIMITER and len(raw) > 3 and raw[3] in V12_ENCRYPTED:
        header, ciphertext = parse_v12_encrypted_header(raw)
        if not keys:
            return _still_encrypted(header.frame_type, header.serial, ciphertext, layers)
        raw = decrypt_v12_frame(raw, keys)
        layers.append(header.frame_type)
    while raw[:3] == DELIMITER and len(raw) > 3 and raw[3] in ENCRYPTED_TYPES:
        frame_type, serial, ciphertext = parse_encrypted_header(raw)
        if not keys or len(layers) == _MAX_LAYERS:
            return _still_encrypted(frame_type, serial.hex().upper(), ciphertext, layers)
        try:
            inner = decrypt_frame(raw, keys)
        except DecryptionFailed:
            if not layers:
                raise
            # The outer layer opened; an inner device-to-cloud layer may belong to someone else.
            return _still_encrypted(frame_type, serial.hex().upper(), ciphertext, layers)
        layers.append(frame_type)
        raw = inner
    frame = _decode_plain(raw, tiny_table, tables, partial)
    return frame._replace(encrypted_as=tuple(layers)) if layers else frame


def _decode_plain(raw: bytes, tiny_table: int, tables: SensorTables, partial: bool) -> Frame:
    if raw[:3] == DELIMITER and len(raw) > 3:
        frame_type = raw[3]
        if frame_type == V12_ASCII:
            return decode_v12_ascii(raw, tables=tables, partial=partial)
        if frame_type >= ASCII_FLAG:
            return decode_ascii(raw, tables=tables, partial=partial)
        if frame_type == V12_BINARY:
            return decode_v12_binary(raw, tables=tables, partial=partial)
        if frame_type in V12_ENCRYPTED:
            raise UnknownFrameType(f"frame type {frame_type} is a v12 encrypted frame inside", 3)
        return decode_binary(raw, tables=tables, partial=partial)
    if looks_like_tiny(raw):
        return decode_tiny(raw, tiny_table, tables=tables, partial=partial)
    raise BadDelimiter("not a frame: no '<=>' delimiter and not a tiny frame", 0)


def encode_frame(frame: Frame) -> bytes:
    """Encode a frame built by hand or decoded earlier, as its ``kind`` says (binary or ASCII).

    The frame type's low bits choose the sensor table; encryption is a separate step
    (:func:`openpcs.frames.encrypt_frame`).
    """
    if frame.serial is None or frame.kind not in (FrameKind.BINARY, FrameKind.ASCII):
        raise FrameEncodeError(f"cannot encode a {frame.kind.value} frame this way", "kind")
    frame_type = frame.frame_type if frame.frame_type is not None else frame.sensor_table or 6
    encoder = encode_ascii if frame.kind is FrameKind.ASCII else encode_binary
    return encoder(
        serial=frame.serial,
        fields=frame.fields,
        node_name=frame.node_name or "",
        sequence=frame.sequence or 0,
        frame_type=frame_type & 0x3F,
    )
