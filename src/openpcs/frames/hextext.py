"""Frames written as hexadecimal text, as HTTP, SMS, TCP and the CLI carry them."""

from __future__ import annotations

import string
from typing import Final

from openpcs.frames.errors import NotHex

__all__ = ["parse_hex"]

_HEX_DIGITS: Final = frozenset(string.hexdigits)


def parse_hex(text: str) -> bytes:
    """Return the bytes of a hex frame; whitespace is ignored and a ``0x`` prefix allowed.

    Raises :class:`NotHex` naming the offset (in ``text``) of the first character that is not a
    hex digit, or the end for an odd number of digits.
    """
    body = text.strip()
    skipped = len(text) - len(text.lstrip())
    if body[:2] in ("0x", "0X"):
        body = body[2:]
        skipped += 2
    digits = []
    for index, char in enumerate(body):
        if char in _HEX_DIGITS:
            digits.append(char)
        elif not char.isspace():
            raise NotHex(f"{char!r} is not a hex digit", skipped + index)
    if not digits:
        raise NotHex("no hex digits given", skipped)
    if len(digits) % 2:
        raise NotHex(f"odd number of hex digits ({len(digits)})", len(text))
    return bytes.fromhex("".join(digits))
