"""The opt-in secure profile: what the spec's construction lacks, added without changing the RX
pipeline's shape.

- A per-source 32-bit frame counter travels inside the authenticated, encrypted part; the
  receiver keeps the last counter per source and refuses anything not higher (a replay, however
  old — the spec's 255-tag ring forgets a packet after 255 others).
- The tag is HMAC-SHA-256 truncated to 16 bytes instead of MD5 over key ‖ data (MD5 is broken for
  collisions, and secret-prefix hashing is open to length extension).
- Encryption and authentication use separate keys derived from the link key.

Packet: tag (16) ‖ AES-128-CTR(enc_key, tag)(counter (4) ‖ network ID (2) ‖ source (8) ‖ API
frame). The packet is 4 bytes longer than the spec's.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Final

from openpcs.ncd.sealing import ADDRESS_SIZE, NETWORK_ID_SIZE, TAG_SIZE, CounterMode, Opened

__all__ = ["COUNTER_SIZE", "SecureProfile"]

COUNTER_SIZE: Final = 4
_MAX_COUNTER: Final = 0xFFFFFFFF


def _subkey(key: bytes, label: bytes) -> bytes:
    return hmac.new(key, label, hashlib.sha256).digest()


class SecureProfile:
    """HMAC-SHA-256 tags, a per-source frame counter and derived keys."""

    name = "secure"

    def __init__(self, key: bytes) -> None:
        self._cipher = CounterMode(_subkey(key, b"openpcs mesh encryption")[:16])
        self._mac = _subkey(key, b"openpcs mesh authentication")
        self._next: dict[bytes, int] = {}
        self._last_seen: dict[bytes, int] = {}

    def next_counter(self, source: bytes) -> int:
        """The counter the next packet from ``source`` will carry (starts at 1)."""
        return self._next.get(source, 1)

    def set_counter(self, source: bytes, value: int) -> None:
        """Restore a sender's counter (it must survive reboots, or replays become possible)."""
        if not 1 <= value <= _MAX_COUNTER:
            raise ValueError("the frame counter is 1..4294967295")
        self._next[source] = value

    def _tag(self, plaintext: bytes) -> bytes:
        return hmac.new(self._mac, plaintext, hashlib.sha256).digest()[:TAG_SIZE]

    def seal(self, network_id: int, source: bytes, api_frame: bytes) -> bytes:
        """tag ‖ ciphertext, with this source's next frame counter inside."""
        counter = self.next_counter(source)
        if counter > _MAX_COUNTER:
            raise OverflowError("the frame counter is exhausted: change the link key")
        self._next[source] = counter + 1
        plaintext = (
            counter.to_bytes(COUNTER_SIZE, "big")
            + network_id.to_bytes(NETWORK_ID_SIZE, "big")
            + source
            + api_frame
        )
        tag = self._tag(plaintext)
        return tag + self._cipher.apply(tag, plaintext)

    def open(self, packet: bytes) -> Opened | None:
        """Decrypt and verify the HMAC tag."""
        tag = packet[:TAG_SIZE]
        plaintext = self._cipher.apply(tag, packet[TAG_SIZE:])
        if len(plaintext) < COUNTER_SIZE + NETWORK_ID_SIZE + ADDRESS_SIZE:
            return None
        if not hmac.compare_digest(self._tag(plaintext), tag):
            return None
        start = COUNTER_SIZE + NETWORK_ID_SIZE
        return Opened(
            tag,
            int.from_bytes(plaintext[COUNTER_SIZE:start], "big"),
            plaintext[start : start + ADDRESS_SIZE],
            plaintext[start + ADDRESS_SIZE :],
            counter=int.from_bytes(plaintext[:COUNTER_SIZE], "big"),
        )

    def fresh(self, opened: Opened) -> bool:
        """Accept only a counter higher than the last seen from the same source."""
        counter = opened.counter or 0
        if counter <= self._last_seen.get(opened.source, 0):
            return False
        self._last_seen[opened.source] = counter
        return True
