"""Sealing and opening mesh packets: the spec profile, the counter-mode cipher both profiles use,
and what an opened packet holds.

Spec profile (the default):

- plaintext = network ID (2) ‖ source address (8) ‖ API frame;
- hash key = MD5 over the canonical text of key ‖ plaintext: every byte as two uppercase hex
  digits, separated by single spaces (spec ERRATA 1 — this reproduces the spec's vector);
- cipher = AES-128 in CTR mode, the 16-byte hash as the initial counter block, no padding;
- packet = hash ‖ ciphertext.

The opt-in secure profile (:mod:`openpcs.ncd.secure`) builds on the same parts.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Final, Protocol

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from openpcs.ncd.link import NETWORK_ID_SIZE
from openpcs.ncd.trusted import bare, slot_setters

__all__ = [
    "ADDRESS_SIZE",
    "NETWORK_ID_SIZE",
    "TAG_SIZE",
    "CounterMode",
    "MeshProfile",
    "Opened",
    "SpecProfile",
    "hash_key",
    "hash_text",
]

TAG_SIZE: Final = 16
ADDRESS_SIZE: Final = 8
_BLOCK: Final = 16
_COUNTER_MASK: Final = (1 << 128) - 1


def hash_text(data: bytes) -> bytes:
    """The canonical text the spec hashes: uppercase two-digit hex separated by single spaces."""
    return data.hex(" ").upper().encode("ascii")


def hash_key(key: bytes, plaintext: bytes) -> bytes:
    """MD5 over the canonical text of key ‖ plaintext (network ID ‖ source ‖ API frame)."""
    return hashlib.md5(hash_text(key + plaintext), usedforsecurity=False).digest()


class CounterMode:
    """AES in CTR mode under one key, for many short packets each with its own counter block.

    A CTR context of the cryptography package costs microseconds to set up, more than the
    packet itself; so one ECB context of the key encrypts the counter blocks (the initial
    block, then it plus 1 … as a 128-bit big-endian number that wraps, as CTR counts) and the
    keystream is XORed in. The output is AES-CTR's, byte for byte (the tests compare it with
    the package's CTR mode). Like the receiver that holds it, one instance serves one thread.
    """

    __slots__ = ("_blocks",)

    def __init__(self, key: bytes) -> None:
        self._blocks = Cipher(algorithms.AES(key), modes.ECB()).encryptor()

    def apply(self, counter_block: bytes, data: bytes) -> bytes:
        """``data`` encrypted (or decrypted: the same) from ``counter_block``.

        Raises ``ValueError`` unless ``counter_block`` is 16 bytes (the shared context must
        only ever be given whole blocks, or every later packet would be read shifted).
        """
        if len(counter_block) != _BLOCK:
            raise ValueError(f"the counter block is 16 bytes, got {len(counter_block)}")
        size = len(data)
        counters = bytes(counter_block)  # a copy: extended below, never the caller's
        if size > _BLOCK:
            value = int.from_bytes(counter_block, "big")
            for _ in range((size - 1) // _BLOCK):
                value = (value + 1) & _COUNTER_MASK
                counters += value.to_bytes(_BLOCK, "big")
        stream = self._blocks.update(counters)
        mixed = int.from_bytes(data, "big") ^ int.from_bytes(stream[:size], "big")
        return mixed.to_bytes(size, "big")


@dataclass(frozen=True, slots=True)
class Opened:
    """An authenticated packet's contents."""

    tag: bytes
    network_id: int
    source: bytes
    api_frame: bytes
    counter: int | None = None


_set_tag, _set_network_id, _set_source, _set_api_frame, _set_counter = slot_setters(Opened)


class MeshProfile(Protocol):
    """How packets are sealed, authenticated and judged fresh."""

    name: str

    def seal(self, network_id: int, source: bytes, api_frame: bytes) -> bytes:
        """The over-the-air packet for an API frame."""

    def open(self, packet: bytes) -> Opened | None:
        """The authenticated contents, or ``None`` when the tag does not verify."""

    def fresh(self, opened: Opened) -> bool:
        """Whether the packet is new (not a replay); records it when it is."""


class SpecProfile:
    """The spec's construction: MD5 hash key, AES-128-CTR keyed by the hash, no counter."""

    name = "spec"

    def __init__(self, key: bytes) -> None:
        self.key = key
        self._cipher = CounterMode(key)
        # MD5 state after the key's text and the space that follows it (see hash_key)
        self._key_text = hashlib.md5(hash_text(key) + b" ", usedforsecurity=False)

    def seal(self, network_id: int, source: bytes, api_frame: bytes) -> bytes:
        """hash ‖ AES-CTR(key, hash)(network ID ‖ source ‖ API frame)."""
        plaintext = network_id.to_bytes(NETWORK_ID_SIZE, "big") + source + api_frame
        tag = hash_key(self.key, plaintext)
        return tag + self._cipher.apply(tag, plaintext)

    def open(self, packet: bytes) -> Opened | None:
        """Decrypt and check the hash over key ‖ plaintext."""
        tag = packet[:TAG_SIZE]
        plaintext = self._cipher.apply(tag, packet[TAG_SIZE:])
        digest = self._key_text.copy()
        digest.update(hash_text(plaintext))
        if not hmac.compare_digest(digest.digest(), tag):
            return None
        opened = bare(Opened)
        _set_tag(opened, tag)
        _set_network_id(opened, plaintext[0] << 8 | plaintext[1])
        _set_source(opened, plaintext[NETWORK_ID_SIZE : NETWORK_ID_SIZE + ADDRESS_SIZE])
        _set_api_frame(opened, plaintext[NETWORK_ID_SIZE + ADDRESS_SIZE :])
        _set_counter(opened, None)
        return opened

    def fresh(self, opened: Opened) -> bool:
        """The spec has no freshness beyond the duplicate ring."""
        return True
