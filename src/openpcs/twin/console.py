"""The USB console: what the program prints, line by line, each stamped with the node's
time (the MCU's seconds since power-on, including the time it slept)."""

from __future__ import annotations

from dataclasses import dataclass

from openpcs.twin.harness import CLOCK_HZ

__all__ = ["Console", "ConsoleLine"]


@dataclass(frozen=True)
class ConsoleLine:
    """One printed line and the cycle it ended at."""

    cycle: int
    text: str

    @property
    def seconds(self) -> float:
        """The node's time at the line."""
        return self.cycle / CLOCK_HZ

    def __str__(self) -> str:
        return f"[{self.seconds:10.3f} s] {self.text}"


def _readable(raw: bytes) -> str:
    """The line as text: UTF-8, with control bytes (a frame printed as a string holds some)
    shown as ``\\xNN`` so that the report stays plain text."""
    text = raw.decode("utf-8", "replace")
    return "".join(c if c.isprintable() or c == "\t" else f"\\x{ord(c):02X}" for c in text)


class Console:
    """Gathers the bytes printed into lines (``\\n`` ends one; ``\\r`` is dropped)."""

    def __init__(self) -> None:
        self.lines: list[ConsoleLine] = []
        self._partial = bytearray()

    def feed(self, data: bytes, cycle: int) -> None:
        """Bytes printed by ``cycle``."""
        for byte in data:
            if byte == 0x0A:
                self._end(cycle)
            elif byte != 0x0D:
                self._partial.append(byte)

    def finish(self, cycle: int) -> None:
        """The run ended: a line left unfinished is kept as it is."""
        if self._partial:
            self._end(cycle)

    def _end(self, cycle: int) -> None:
        self.lines.append(ConsoleLine(cycle, _readable(bytes(self._partial))))
        self._partial.clear()

    @property
    def last(self) -> str:
        """The last line printed (or being printed), "" before any."""
        if self._partial:
            return _readable(bytes(self._partial))
        return self.lines[-1].text if self.lines else ""
