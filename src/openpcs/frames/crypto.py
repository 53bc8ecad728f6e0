"""Encrypted Waspmote v15 frames: types 96, 100, 102 (AES-128/192/256) and 103 (AES-128);
and decrypting the v12 types 97, 98, 99 and 101 (see :mod:`openpcs.frames.v12`).

Layout: ``<=>``, type, ``8 + len(ciphertext)``, the 8-byte serial in clear, then the whole
inner frame (binary or ASCII, or a type-100 frame inside a 103) encrypted with AES in ECB mode
after zero padding to a multiple of 16 bytes. The key is the ASCII text the user configured:
16, 24 or 32 characters select AES-128, -192 or -256; type 103 takes exactly 16.

ECB is what the node and its gateways speak; openpcs implements it for compatibility, not as
a recommendation. A wrong key is detected because the decrypted bytes must be a valid frame
header for the same serial, with zero padding after its end.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Final

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from openpcs.frames.ascii import ascii_header_serial
from openpcs.frames.errors import (
    BadDelimiter,
    BadKey,
    BadLength,
    DecryptionFailed,
    FrameEncodeError,
    FrameError,
    TruncatedFrame,
    UnknownFrameType,
)
from openpcs.frames.layout import (
    ASCII_FLAG,
    DELIMITER,
    ENCRYPTED_HEADER_SIZE,
    ENCRYPTED_TYPES,
    MAX_FRAME,
    SERIAL_SIZE,
    table_of_binary_type,
)
from openpcs.frames.v12 import (
    V12_ASCII,
    V12_BINARY,
    V12_ENCRYPTED,
    parse_v12_encrypted_header,
    v12_serial,
)

__all__ = [
    "HW_AES_TYPE",
    "Key",
    "decrypt_frame",
    "decrypt_v12_frame",
    "encrypt_frame",
    "normalize_key",
    "parse_encrypted_header",
]

#: The type whose key must be AES-128 (the node's secure element).
HW_AES_TYPE: Final = 103
#: Encrypted types a 103 frame may wrap (device-to-cloud inside the cloud layer).
_NESTABLE: Final = frozenset({100})
_BLOCK: Final = 16
#: Where the ciphertext starts; decryption errors point there.
_CIPHER_START: Final = ENCRYPTED_HEADER_SIZE
_KEY_SIZES: Final = (16, 24, 32)

#: A key as the user types it (ASCII text) or as raw bytes.
Key = str | bytes


def normalize_key(key: Key, frame_type: int | None = None) -> bytes:
    """Return the key bytes, checking the size for AES (and AES-128 for type 103)."""
    if isinstance(key, str):
        if not key.isascii():
            raise BadKey("the AES key must be ASCII text")
        raw = key.encode("ascii")
    else:
        raw = bytes(key)
    if len(raw) not in _KEY_SIZES:
        raise BadKey(f"the AES key must be 16, 24 or 32 characters, got {len(raw)}")
    if frame_type == HW_AES_TYPE and len(raw) != 16:
        raise BadKey("frame type 103 uses AES-128: the key must be 16 characters")
    return raw


@lru_cache(maxsize=1024)
def _cipher(key: bytes) -> Cipher[modes.ECB]:
    return Cipher(algorithms.AES(key), modes.ECB())


def _pad(data: bytes) -> bytes:
    remainder = len(data) % _BLOCK
    return data if remainder == 0 and data else data + bytes(_BLOCK - remainder)


def _inner_serial(inner: bytes) -> bytes:
    """Return the 8 serial bytes of an inner frame (binary, ASCII or encrypted)."""
    if len(inner) < 5 or inner[:3] != DELIMITER:
        raise FrameEncodeError("the frame to encrypt must start with '<=>'", "frame")
    if inner[3] >= ASCII_FLAG:
        text = ascii_header_serial(inner)
        if text is None:
            raise FrameEncodeError("the ASCII frame to encrypt has no valid serial", "frame")
        return bytes.fromhex(text)
    if len(inner) < ENCRYPTED_HEADER_SIZE:
        raise FrameEncodeError("the frame to encrypt is shorter than its header", "frame")
    return inner[5:13]


def encrypt_frame(
    inner: bytes | bytearray | memoryview, key: Key, frame_type: int = 96, max_size: int = MAX_FRAME
) -> bytes:
    """Encrypt a complete frame into an encrypted frame of ``frame_type`` (96, 100, 102, 103).

    Only a type-100 frame may be wrapped again, and only in a 103 frame. Raises
    :class:`FrameEncodeError` when the result would exceed ``max_size`` bytes.
    """
    raw = bytes(inner)
    if frame_type not in ENCRYPTED_TYPES:
        raise FrameEncodeError(f"frame type {frame_type} is not an encrypted type", "frame_type")
    key_bytes = normalize_key(key, frame_type)
    serial = _inner_serial(raw)
    if raw[3] in ENCRYPTED_TYPES and not (frame_type == HW_AES_TYPE and raw[3] in _NESTABLE):
        raise FrameEncodeError(
            f"a type {raw[3]} frame can only be wrapped by type 103 when it is type 100", "frame"
        )
    encryptor = _cipher(key_bytes).encryptor()
    ciphertext = encryptor.update(_pad(raw)) + encryptor.finalize()
    total = ENCRYPTED_HEADER_SIZE + len(ciphertext)
    if total > max_size:
        raise FrameEncodeError(
            f"encrypted frame would be {total} bytes, more than {max_size}", "frame"
        )
    return DELIMITER + bytes((frame_type, SERIAL_SIZE + len(ciphertext))) + serial + ciphertext


def parse_encrypted_header(data: bytes) -> tuple[int, bytes, bytes]:
    """Check an encrypted frame's shape; return its type, serial bytes and ciphertext."""
    size = len(data)
    if size < ENCRYPTED_HEADER_SIZE + _BLOCK:
        raise TruncatedFrame(f"encrypted frame needs at least 29 bytes, got {size}", size)
    if data[:3] != DELIMITER:
        raise BadDelimiter("frame does not start with '<=>'", 0)
    if data[3] not in ENCRYPTED_TYPES:
        raise UnknownFrameType(f"frame type {data[3]} is not an encrypted v15 type", 3)
    declared = data[4] + 5
    if declared != size:
        raise BadLength(f"length byte says {data[4]} bytes follow, {size - 5} do", 4)
    cipher_len = size - ENCRYPTED_HEADER_SIZE
    if cipher_len % _BLOCK:
        raise BadLength(f"ciphertext of {cipher_len} bytes is not whole 16-byte blocks", 13)
    return data[3], data[5:13], data[ENCRYPTED_HEADER_SIZE:]


def _trim_plaintext(plain: bytes, outer_type: int, serial: bytes) -> bytes:
    """Return the inner frame without its zero padding, or raise if it is not a frame."""
    if plain[:3] != DELIMITER:
        raise DecryptionFailed("decrypted bytes do not start with '<=>'")
    inner_type = plain[3]
    if inner_type >= ASCII_FLAG:
        if table_of_binary_type()[inner_type - ASCII_FLAG] is None:
            raise DecryptionFailed(f"decrypted frame has unknown type {inner_type}")
        inner = plain.rstrip(b"\x00")
        if ascii_header_serial(inner) != serial.hex().upper():
            raise DecryptionFailed("decrypted frame carries a different serial")
        return inner
    nested = outer_type == HW_AES_TYPE and inner_type in _NESTABLE
    if table_of_binary_type()[inner_type] is None and not nested:
        raise DecryptionFailed(f"decrypted frame has unexpected type {inner_type}")
    end = plain[4] + 5
    if end > len(plain) or any(plain[end:]):
        raise DecryptionFailed("decrypted frame length does not match its padding")
    if plain[5:13] != serial:
        raise DecryptionFailed("decrypted frame carries a different serial")
    return plain[:end]


def decrypt_frame(data: bytes | bytearray | memoryview, keys: Key | Sequence[Key]) -> bytes:
    """Decrypt one encrypted frame and return the inner frame's bytes (one layer only).

    ``keys`` is one key or several to try in turn. Raises :class:`DecryptionFailed` when no key
    turns the ciphertext into a valid frame of the same serial, and :class:`BadKey` for a key
    that cannot be an AES key.
    """
    raw = bytes(data)
    frame_type, serial, ciphertext = parse_encrypted_header(raw)
    candidates = [keys] if isinstance(keys, str | bytes) else list(keys)
    if not candidates:
        raise DecryptionFailed(
            f"frame type {frame_type} is encrypted and no key was given", _CIPHER_START
        )
    if frame_type == HW_AES_TYPE and all(len(normalize_key(k)) != 16 for k in candidates):
        raise DecryptionFailed("frame type 103 needs a 16-character (AES-128) key", _CIPHER_START)
    last: FrameError | None = None
    for key in candidates:
        key_bytes = normalize_key(key, None)
        if frame_type == HW_AES_TYPE and len(key_bytes) != 16:
            continue
        decryptor = _cipher(key_bytes).decryptor()
        plain = decryptor.update(ciphertext) + decryptor.finalize()
        try:
            return _trim_plaintext(plain, frame_type, serial)
        except DecryptionFailed as exc:
            last = exc
    tried = len(candidates)
    detail = f" ({last.reason})" if last is not None and tried == 1 else ""
    raise DecryptionFailed(
        f"frame type {frame_type} from {serial.hex().upper()}: "
        f"{'the key does' if tried == 1 else f'none of the {tried} keys do'} not decrypt it"
        f"{detail}",
        _CIPHER_START,
    )


def _v12_plaintext(plain: bytes, serial: str) -> bytes:
    """The v12 frame inside, without its zero padding, or :class:`DecryptionFailed`."""
    if plain[:3] != DELIMITER or plain[3] not in (V12_BINARY, V12_ASCII):
        raise DecryptionFailed("decrypted bytes are not a v12 frame")
    if plain[3] == V12_ASCII:
        inner = plain.rstrip(b"\x00")
        number = inner[6 : inner.find(b"#", 6)]
        if not number.isdigit() or int(number) != int(serial, 16):
            raise DecryptionFailed("decrypted frame carries a different serial")
        return inner
    end = plain[4] + 5
    if end > len(plain) or any(plain[end:]):
        raise DecryptionFailed("decrypted frame length does not match its padding")
    if v12_serial(plain[5:9]) != serial:
        raise DecryptionFailed("decrypted frame carries a different serial")
    return plain[:end]


def decrypt_v12_frame(data: bytes | bytearray | memoryview, keys: Key | Sequence[Key]) -> bytes:
    """Decrypt an encrypted v12 frame (97, 98, 99: AES-128, -192, -256; 101 any size) and
    return the v12 frame inside; :class:`DecryptionFailed` when no key given opens it."""
    raw = bytes(data)
    header, ciphertext = parse_v12_encrypted_header(raw)
    size = V12_ENCRYPTED[header.frame_type]
    candidates = [keys] if isinstance(keys, str | bytes) else list(keys)
    usable = [k for k in map(normalize_key, candidates) if size is None or len(k) == size]
    if not usable:
        wanted = "a key" if size is None else f"a {size}-character key"
        raise DecryptionFailed(f"frame type {header.frame_type} needs {wanted}", header.body)
    for key_bytes in usable:
        decryptor = _cipher(key_bytes).decryptor()
        plain = decryptor.update(ciphertext) + decryptor.finalize()
        try:
            return _v12_plaintext(plain, header.serial)
        except DecryptionFailed:
            continue
    raise DecryptionFailed(
        f"frame type {header.frame_type} from {header.serial}: the key does not decrypt it",
        header.body,
    )
