"""The twin's I2C bus: each step the program takes on the bus (address, byte written, byte
read, stop) answered by the device model at that address.

A device model implements :class:`I2cDevice`. An address with no model is answered as the
harness is told to: absent (no ACK: the program sees no chip there) or, with
``unmodelled="ack"``, a chip that ACKs everything and reads zeros, reported in
:attr:`I2cBus.unmodelled` so a run says which chips the twin only pretended to have.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, Protocol

__all__ = ["I2cBus", "I2cDevice"]


class I2cDevice(Protocol):
    """A chip on the bus; ``cycle`` is the MCU's clock at the step."""

    def start(self, read: bool, cycle: int) -> None:
        """The program addressed the chip (``read``: it will read)."""

    def write(self, byte: int, cycle: int) -> None:
        """The program wrote ``byte`` to the chip."""

    def read(self, cycle: int) -> int:
        """The next byte the chip gives."""

    def stop(self, cycle: int) -> None:
        """The transaction ended."""


class I2cBus:
    """Routes the harness's I2C steps (``a``, ``w``, ``r``, ``p``) to the devices."""

    def __init__(
        self,
        devices: Mapping[int, I2cDevice] | None = None,
        *,
        unmodelled: Literal["absent", "ack"] = "ack",
    ) -> None:
        self.devices = dict(devices or {})
        self.answer_unmodelled = unmodelled == "ack"
        #: addresses the program used that have no model, and how many times
        self.unmodelled: dict[int, int] = {}
        self._current: I2cDevice | None = None
        self._current_address: int | None = None

    def step(self, step: str, byte: int, cycle: int) -> int:
        """The harness's answer to one step: 1/0 (ACK or not) for ``a`` and ``w``, the byte
        for ``r``, 0 for ``p``."""
        if step == "a":
            address, read = byte >> 1, bool(byte & 1)
            self._current_address = address
            self._current = self.devices.get(address)
            if self._current is None:
                self.unmodelled[address] = self.unmodelled.get(address, 0) + 1
                return 1 if self.answer_unmodelled else 0
            self._current.start(read, cycle)
            return 1
        if step == "w":
            if self._current is not None:
                self._current.write(byte, cycle)
            return 1 if self._current is not None or self.answer_unmodelled else 0
        if step == "r":
            return self._current.read(cycle) & 0xFF if self._current is not None else 0
        if step == "p":
            if self._current is not None:
                self._current.stop(cycle)
            self._current = None
            self._current_address = None
            return 0
        raise ValueError(f"not an I2C step: {step!r}")
