"""The levels of the MCU's output ports as the program last wrote them, shared by the devices
that watch a line (a socket's enable line, a power switch)."""

from __future__ import annotations

__all__ = ["PortLevels"]


class PortLevels:
    """Port letter (``"A"``…``"G"``) to the value of its output register."""

    def __init__(self) -> None:
        self.values: dict[str, int] = {}

    def write(self, port: str, value: int) -> None:
        """The program wrote ``value`` to ``port``."""
        self.values[port] = value

    def high(self, port: str, pin: int) -> bool:
        """Whether ``pin`` of ``port`` is driven high."""
        return bool(self.values.get(port, 0) >> pin & 1)
