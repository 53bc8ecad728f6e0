"""The crypto EEPROM a Waspmote v15 keeps its serial number in (an Atmel AES132, which the
API's ``WaspEEPROM`` drives at I2C address 0x55 once the factory has moved it from 0x50).

What the API asks of it at start, and what this model answers:

- a write of a two-byte memory address, then bytes: at 0xFE00 (the command buffer) a command
  ``count, opcode, mode, param1 (2), param2 (2), CRC (2)``; the chip runs it and keeps the
  response ``count, status, data…, CRC (2)`` for the next read;
- a read after the address 0xFFF0: the status register (0: ready);
- the BlockRead command (opcode 0x10) of the serial number (8 bytes at 0xF000) and of the
  JEDEC identifier (0x00 0x1F at 0xF010), at most 32 bytes (more: the count-error status,
  0x10); Reset (0x00) and Sleep (0x11) answer success, Info (0x0C) two zero bytes;
- a write of bytes at another address stores them (``saveKey()`` writes a key into the key
  memory, 16 bytes per slot from 0xF200); Legacy (0x0F, param1 the slot) answers the
  AES-128 encryption of its 16-byte block with that slot's key (an unwritten slot holds
  0xFF bytes), as ``encrypt()`` uses it for the Cloud Bridge's frames.

A command whose CRC is wrong gets the chip's CRC-error status (0xFF); an opcode the model does
not know gets the parse-error status (0x50) and is reported in :attr:`CryptoEeprom.problems`,
as is a write too short to hold a memory address.
The CRC is CRC-16 with polynomial 0x8005, initial value 0, most significant bit first, high
byte first (the AES132's).
"""

from __future__ import annotations

from typing import Final

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

__all__ = ["CRYPTO_EEPROM_ADDRESS", "CryptoEeprom", "crc16"]

CRYPTO_EEPROM_ADDRESS: Final = 0x55
_COMMAND_BUFFER: Final = 0xFE00
_STATUS_REGISTER: Final = 0xFFF0
_SERIAL: Final = 0xF000
_JEDEC: Final = 0xF010
_JEDEC_ID: Final = b"\x00\x1f"
_BLOCK_READ: Final = 0x10
_SUCCESS_ONLY: Final = frozenset({0x00, 0x11})  # Reset, Sleep
_CRC_ERROR: Final = 0xFF
_PARSE_ERROR: Final = 0x50
_COUNT_ERROR: Final = 0x10
_INFO: Final = 0x0C
_BLOCK_READ_MAX: Final = 32
#: Legacy: AES-128 (ECB) of one 16-byte block with a key of the key memory
_LEGACY: Final = 0x0F
_KEY_MEMORY: Final = 0xF200
_KEY_SLOTS: Final = 16
_BLOCK: Final = 16
#: what an unwritten byte of the chip's memory holds
_ERASED: Final = 0xFF


def crc16(data: bytes) -> bytes:
    """The AES132's CRC of ``data``, high byte first."""
    crc = 0
    for byte in data:
        for bit in range(7, -1, -1):
            top = (crc >> 15) & 1
            crc = (crc << 1) & 0xFFFF
            if ((byte >> bit) & 1) ^ top:
                crc ^= 0x8005
    return crc.to_bytes(2, "big")


def _response(status: int, data: bytes = b"") -> bytes:
    body = bytes([len(data) + 4, status]) + data
    return body + crc16(body)


class CryptoEeprom:
    """The chip (see the module docstring), holding the node's 8-byte serial number."""

    def __init__(self, serial: bytes) -> None:
        if len(serial) != 8:
            raise ValueError("a Waspmote serial number is 8 bytes")
        self.memory = {_SERIAL + i: byte for i, byte in enumerate(serial)}
        self.memory |= {_JEDEC + i: byte for i, byte in enumerate(_JEDEC_ID)}
        self._address = _COMMAND_BUFFER
        self._written = bytearray()
        self._response = b""
        self._read_at = 0
        #: commands the model does not know, as the chip received them
        self.problems: list[str] = []

    def start(self, read: bool, cycle: int) -> None:
        """A read goes on from the address set last (a repeated start after an address
        write sets it); a write sets one."""
        self._take_written()

    def write(self, byte: int, cycle: int) -> None:
        """The memory address (two bytes), then what is written there."""
        self._written.append(byte & 0xFF)

    def read(self, cycle: int) -> int:
        """The status register, or the next byte of the response."""
        if self._address == _STATUS_REGISTER:
            return 0x00
        if self._read_at < len(self._response):
            self._read_at += 1
            return self._response[self._read_at - 1]
        return 0x00

    def stop(self, cycle: int) -> None:
        """A written command runs when its transaction ends."""
        self._take_written()

    def _take_written(self) -> None:
        if len(self._written) < 2:
            if self._written:
                self.problems.append(f"a write of {self._written.hex()} holds no memory address")
            self._written = bytearray()
            return
        self._address = self._written[0] << 8 | self._written[1]
        data = bytes(self._written[2:])
        self._written = bytearray()
        if self._address == _COMMAND_BUFFER and data:
            self._response = self._run(data)
            self._read_at = 0
        elif data:
            self.memory |= {self._address + i: byte for i, byte in enumerate(data)}

    def _run(self, command: bytes) -> bytes:
        count = command[0]
        if count < 4 or len(command) < count - 2 + 2:
            return _response(_PARSE_ERROR)
        body, crc = command[: count - 2], command[count - 2 : count]
        if crc16(body) != crc:
            return _response(_CRC_ERROR)
        opcode = body[1]
        if opcode in _SUCCESS_ONLY:
            return _response(0x00)
        if opcode == _INFO:
            return _response(0x00, b"\x00\x00")
        if opcode == _BLOCK_READ and len(body) >= 7:
            address = body[3] << 8 | body[4]
            length = body[5] << 8 | body[6]
            if length > _BLOCK_READ_MAX:
                return _response(_COUNT_ERROR)
            return _response(0x00, bytes(self.memory.get(address + i, 0x00) for i in range(length)))
        if opcode == _LEGACY and len(body) == 7 + _BLOCK:
            return self._legacy(body[3] << 8 | body[4], body[7:])
        self.problems.append(f"command {body[:7].hex()} is not modelled")
        return _response(_PARSE_ERROR)

    def _legacy(self, slot: int, block: bytes) -> bytes:
        """``block`` encrypted with the key in ``slot`` (AES-128, one block)."""
        if slot >= _KEY_SLOTS:
            return _response(_PARSE_ERROR)
        start = _KEY_MEMORY + slot * _BLOCK
        key = bytes(self.memory.get(start + i, _ERASED) for i in range(_BLOCK))
        encryptor = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
        return _response(0x00, encryptor.update(block) + encryptor.finalize())
