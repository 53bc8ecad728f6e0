"""The crypto EEPROM model (the AES132 holding a v15 Waspmote's serial number): its CRC, the
commands the API sends at start and their answers, and what it does not model, reported."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from hypothesis import given
from hypothesis import strategies as st

from openpcs.twin.bus import I2cBus
from openpcs.twin.devices.crypto_eeprom import CRYPTO_EEPROM_ADDRESS, CryptoEeprom, crc16

SERIAL = bytes.fromhex("3F5A1C0B7E2D4A91")


def test_the_crc_is_crc16_with_polynomial_8005() -> None:
    assert crc16(b"123456789").hex() == "fee8"  # the catalogued check value (CRC-16/UMTS)
    # the API's command to read the serial number, with the CRC it sends
    assert crc16(bytes.fromhex("091000f0000008")).hex() == "c999"


def _exchange(bus: I2cBus, command: bytes, answer_length: int) -> bytes:
    address = CRYPTO_EEPROM_ADDRESS << 1
    assert bus.step("a", address, 0) == 1
    for byte in b"\xfe\x00" + command + crc16(command):
        assert bus.step("w", byte, 0) == 1
    bus.step("p", 0, 0)
    assert bus.step("a", address | 1, 0) == 1
    answer = bytes(bus.step("r", address | 1, 0) for _ in range(answer_length))
    bus.step("p", 0, 0)
    return answer


def test_the_serial_number_and_jedec_id_are_read_as_the_api_reads_them() -> None:
    bus = I2cBus({CRYPTO_EEPROM_ADDRESS: CryptoEeprom(SERIAL)})
    serial = _exchange(bus, bytes.fromhex("091000f0000008"), 12)
    assert serial[:2] == b"\x0c\x00"  # count, status: success
    assert serial[2:10] == SERIAL
    assert serial[10:] == crc16(serial[:10])
    jedec = _exchange(bus, bytes.fromhex("091000f0100002"), 6)
    assert jedec == b"\x06\x00\x00\x1f" + crc16(b"\x06\x00\x00\x1f")


@given(st.binary(min_size=8, max_size=8))
def test_any_serial_number_comes_back_whole(serial: bytes) -> None:
    bus = I2cBus({CRYPTO_EEPROM_ADDRESS: CryptoEeprom(serial)})
    assert _exchange(bus, bytes.fromhex("091000f0000008"), 12)[2:10] == serial


def test_a_wrong_crc_and_an_unknown_command_get_the_chips_errors() -> None:
    chip = CryptoEeprom(SERIAL)
    bus = I2cBus({CRYPTO_EEPROM_ADDRESS: chip})
    address = CRYPTO_EEPROM_ADDRESS << 1
    bus.step("a", address, 0)
    for byte in b"\xfe\x00" + bytes.fromhex("091000f0000008") + b"\x00\x00":
        bus.step("w", byte, 0)
    bus.step("p", 0, 0)
    bus.step("a", address | 1, 0)
    assert bus.step("r", 0, 0) == 4
    assert bus.step("r", 0, 0) == 0xFF  # CRC error
    bus.step("p", 0, 0)
    unknown = _exchange(bus, bytes.fromhex("09120000000000"), 4)
    assert unknown[1] == 0x50  # parse error
    assert chip.problems == ["command 09120000000000 is not modelled"]
    too_long = _exchange(bus, bytes.fromhex("091000f0000021"), 4)
    assert too_long[1] == 0x10  # count error: a BlockRead is at most 32 bytes
    info = _exchange(bus, bytes.fromhex("090c00000c0000"), 6)  # as PWR.switchesOFF asks
    assert info[:4] == b"\x06\x00\x00\x00"
    bus.step("a", address, 0)
    bus.step("w", 0x07, 0)  # one byte: no memory address
    bus.step("p", 0, 0)
    assert chip.problems[-1] == "a write of 07 holds no memory address"


def test_a_serial_number_is_eight_bytes() -> None:
    with pytest.raises(ValueError, match="8 bytes"):
        CryptoEeprom(b"\x01\x02")


def _legacy_command(slot: int, block: bytes) -> bytes:
    """The API's encryptBlock16(): count, opcode 0x0F, mode, param1 (the slot), param2, data."""
    return bytes([7 + 16 + 2, 0x0F, 0x00, 0x00, slot, 0x00, 0x00]) + block


def test_a_key_saved_in_a_slot_encrypts_as_aes_128() -> None:
    chip = CryptoEeprom(SERIAL)
    bus = I2cBus({CRYPTO_EEPROM_ADDRESS: chip})
    key = bytes.fromhex("2b7e151628aed2a6abf7158809cf4f3c")  # FIPS-197's example key
    zeros = bytes(16)

    def encrypt(slot: int) -> bytes:
        answer = _exchange(bus, _legacy_command(slot, zeros), 20)
        assert answer[:2] == b"\x14\x00"  # count, status: success
        assert answer[18:] == crc16(answer[:18])
        return answer[2:18]

    before = encrypt(15)
    # saveKey(15, key, 16): a write of the key at 0xF200 + 15 * 16
    address = CRYPTO_EEPROM_ADDRESS << 1
    assert bus.step("a", address, 0) == 1
    for byte in b"\xf2\xf0" + key:
        bus.step("w", byte, 0)
    bus.step("p", 0, 0)
    encryptor = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    assert encrypt(15) == encryptor.update(zeros) + encryptor.finalize()
    assert before != encrypt(15)  # an unwritten slot holds 0xFF bytes, another key
    assert encrypt(14) == before
    assert chip.problems == []
    # a slot past the sixteenth: the chip's parse error
    assert _exchange(bus, _legacy_command(16, zeros), 2) == b"\x04\x50"
