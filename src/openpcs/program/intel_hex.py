"""Intel HEX, as avr-objcopy writes a program and avrdude reads it: records ``:LLAAAATT…CC``
of data (00), end of file (01), extended segment (02) and linear (04) addresses, and the
start addresses (03, 05) that carry nothing for the flash.

:func:`read_intel_hex` gives the bytes by address; anything that is not a well-formed file
(a bad character, a wrong length or checksum, a record after the end, bytes written twice, no
end) is a :class:`HexError` naming the line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

__all__ = ["HexError", "HexImage", "read_intel_hex"]

_DATA, _END, _SEGMENT, _START_SEGMENT, _LINEAR, _START_LINEAR = range(6)
#: the record types that give an address base, and the shift of their value
_BASES: Final = {_SEGMENT: 4, _LINEAR: 16}
_HEX_DIGITS: Final = frozenset("0123456789abcdefABCDEF")


class HexError(ValueError):
    """A file that is not Intel HEX as avrdude reads it; the message names the line."""


@dataclass(frozen=True)
class HexImage:
    """The bytes of a file, by address: runs of consecutive bytes, in address order."""

    runs: tuple[tuple[int, bytes], ...]

    @property
    def size(self) -> int:
        """How many bytes the file writes."""
        return sum(len(data) for _, data in self.runs)

    @property
    def end(self) -> int:
        """The address after the highest byte written (0 for an empty file)."""
        return max((start + len(data) for start, data in self.runs), default=0)

    def fill(self, length: int, blank: int = 0xFF) -> bytes:
        """The first ``length`` bytes of memory holding this image, ``blank`` elsewhere."""
        memory = bytearray([blank]) * length
        for start, data in self.runs:
            memory[start : start + len(data)] = data[: max(0, length - start)]
        return bytes(memory[:length])


def _record(line: str, number: int) -> tuple[int, int, bytes]:
    """The (type, address, data) of one record; :class:`HexError` naming ``number``."""
    if not line.startswith(":"):
        raise HexError(f"line {number}: a record starts with ':'")
    digits = line[1:]
    if len(digits) % 2 or not set(digits) <= _HEX_DIGITS:
        raise HexError(f"line {number}: not hex digits in pairs")
    raw = bytes.fromhex(digits)
    if len(raw) < 5 or len(raw) != raw[0] + 5:
        raise HexError(f"line {number}: its length byte does not match the record")
    if sum(raw) & 0xFF:
        raise HexError(f"line {number}: wrong checksum")
    return raw[3], int.from_bytes(raw[1:3], "big"), raw[4:-1]


def read_intel_hex(text: str) -> HexImage:
    """The image a file describes; :class:`HexError` for one that is not well formed."""
    written: dict[int, bytes] = {}
    base = 0
    ended = False
    for number, given in enumerate(text.removeprefix("\ufeff").splitlines(), 1):
        line = given.strip()
        if not line:
            continue
        if ended:
            raise HexError(f"line {number}: a record after the end-of-file record")
        kind, address, data = _record(line, number)
        if kind == _DATA and data:
            # (a record past a segment's 64 KiB would wrap within it; avr-objcopy never
            # writes one, and avrdude reads it on as here)
            start = base + address
            if start in written:
                raise HexError(f"line {number}: address {start:#07x} is written twice")
            written[start] = data
        elif kind == _END:
            ended = True
        elif kind in _BASES:
            if len(data) != 2:
                raise HexError(f"line {number}: an address record holds two bytes")
            base = int.from_bytes(data, "big") << _BASES[kind]
        elif kind in (_START_SEGMENT, _START_LINEAR):
            if len(data) != 4:
                raise HexError(f"line {number}: a start address record holds four bytes")
        elif kind != _DATA:
            raise HexError(f"line {number}: no record type {kind:02X}")
    if not ended:
        raise HexError("the file has no end-of-file record (:00000001FF): it is cut short")
    return HexImage(_merged(written))


def _merged(written: dict[int, bytes]) -> tuple[tuple[int, bytes], ...]:
    """Records joined into runs; :class:`HexError` when two overlap."""
    runs: list[tuple[int, bytearray]] = []
    for start in sorted(written):
        data = written[start]
        if runs and start < runs[-1][0] + len(runs[-1][1]):
            raise HexError(f"address {start:#07x} is written by two records")
        if runs and start == runs[-1][0] + len(runs[-1][1]):
            runs[-1][1].extend(data)
        else:
            runs.append((start, bytearray(data)))
    return tuple((start, bytes(data)) for start, data in runs if data)
