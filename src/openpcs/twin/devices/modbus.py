"""A Modbus RTU slave on a UART (Modbus over serial line, V1.02): requests read by their
function's own length, checked by address and CRC-16 (polynomial 0xA001 reflected, from
0xFFFF, low byte first), and answered from a register map; functions 0x03 (read holding
registers) and 0x10 (write multiple registers). Another function is exception 0x01; a count
of registers of none or past the specification's limits (125 read, 123 written), or a write
whose byte count is not its registers', exception 0x03; a register outside the map exception
0x02. A request for another slave, or with a wrong CRC, gets no answer (as on a real bus), the
latter reported; a silence of 3.5 characters ends a frame, so a stray byte is forgotten.

The device behind the registers decides what a write does (:meth:`ModbusSlave.written`).
"""

from __future__ import annotations

import struct
from typing import Final

from openpcs.twin.radios.module import Reply, cycles_after

__all__ = ["ModbusSlave", "modbus_crc"]

_READ_HOLDING: Final = 0x03
_WRITE_MULTIPLE: Final = 0x10
_ILLEGAL_FUNCTION: Final = 0x01
_ILLEGAL_ADDRESS: Final = 0x02
_ILLEGAL_VALUE: Final = 0x03
#: the longest request the slave waits for (a 0x10 of 123 registers)
_LONGEST: Final = 256
#: where the functions that carry data give its byte count (write multiple coils, write
#: multiple registers, read/write multiple registers); the others' requests are 8 bytes
_BYTE_COUNT_AT: Final = {0x0F: 6, 0x10: 6, 0x17: 10}
#: how many registers one request may read, or write (the specification's limits)
_MOST_READ: Final = 125
_MOST_WRITTEN: Final = 123
#: the silence that ends a frame on the line, in characters (10 bits each: no parity)
_FRAME_GAP_CHARACTERS: Final = 3.5


def modbus_crc(data: bytes) -> bytes:
    """The CRC-16 of ``data`` as Modbus RTU sends it (low byte first)."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return struct.pack("<H", crc)


def _length(request: bytes | bytearray) -> int | None:
    """How long the request that starts ``request`` is (``None``: not yet known)."""
    if len(request) < 2:
        return None
    counted_at = _BYTE_COUNT_AT.get(request[1])
    if counted_at is not None:
        return counted_at + 3 + request[counted_at] if len(request) > counted_at else None
    return 8


class ModbusSlave:
    """Slave ``address`` holding ``registers`` (register: 16-bit value) on a line at ``baud``,
    answering ``answer_ms`` after a request. A silence of 3.5 characters on the line ends
    what came before it: a request cut short, or a stray byte, is forgotten there."""

    def __init__(
        self, address: int, registers: dict[int, int], answer_ms: float, baud: int
    ) -> None:
        self.address = address
        self.registers = registers
        self.problems: list[str] = []
        self._answer_ms = answer_ms
        self._gap_ms = 1000 * _FRAME_GAP_CHARACTERS * 10 / baud
        self._last_cycle: int | None = None
        self._pending = bytearray()

    def clear(self) -> None:
        """Forget a half-received request (the slave lost its power)."""
        self._pending.clear()

    def written(self, first: int, values: list[int], cycle: int) -> None:
        """Registers from ``first`` on were written (the device may act on it)."""
        for offset, value in enumerate(values):
            self.registers[first + offset] = value

    def received(self, data: bytes, cycle: int) -> list[Reply]:
        """Whole requests in what came, each answered."""
        last, self._last_cycle = self._last_cycle, cycle
        if self._pending and last is not None and cycle > cycles_after(last, self._gap_ms):
            self.problems.append(f"a request cut short: {bytes(self._pending).hex()}")
            self._pending.clear()
        self._pending += data
        replies = []
        while (length := _length(self._pending)) is not None and len(self._pending) >= length:
            request = bytes(self._pending[:length])
            del self._pending[:length]
            answer = self._answer(request, cycle)
            if answer is not None:
                reply = answer + modbus_crc(answer)
                replies.append(Reply(cycles_after(cycle, self._answer_ms), reply))
        if len(self._pending) > _LONGEST:
            self._pending.clear()
        return replies

    def _answer(self, request: bytes, cycle: int) -> bytes | None:
        if modbus_crc(request[:-2]) != request[-2:]:
            self.problems.append(f"a request with a wrong CRC: {request.hex()}")
            return None
        if request[0] != self.address:
            return None
        function = request[1]
        if function not in (_READ_HOLDING, _WRITE_MULTIPLE):
            return self._exception(function, _ILLEGAL_FUNCTION)
        first, count = struct.unpack(">HH", request[2:6])
        most = _MOST_READ if function == _READ_HOLDING else _MOST_WRITTEN
        if not 1 <= count <= most or (function == _WRITE_MULTIPLE and request[6] != 2 * count):
            return self._exception(function, _ILLEGAL_VALUE)
        wanted = range(first, first + count)
        if any(register not in self.registers for register in wanted):
            return self._exception(function, _ILLEGAL_ADDRESS)
        if function == _READ_HOLDING:
            words = b"".join(struct.pack(">H", self.registers[r]) for r in wanted)
            return bytes([self.address, function, len(words)]) + words
        values = list(struct.unpack(f">{count}H", request[7 : 7 + 2 * count]))
        self.written(first, values, cycle)
        return request[:6]

    def _exception(self, function: int, code: int) -> bytes:
        return bytes([self.address, function | 0x80, code])
