"""The parts of ``openpcs upload`` that need no node: Intel HEX read back as written (and what
is wrong named by line), the program checked before it reaches the node, the port chosen,
avrdude's messages turned into progress and into what the user is told."""

from __future__ import annotations

import json
import stat
import zipfile
from pathlib import Path

import pytest
import serial
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from openpcs.cli import app
from openpcs.cli import upload as cli_upload
from openpcs.program.intel_hex import HexError, read_intel_hex
from openpcs.upload import ports
from openpcs.upload.avrdude import avrdude_command, write_program
from openpcs.upload.facts import upload_facts
from openpcs.upload.ports import SerialPort, choose_port, usb_serial_ports
from openpcs.upload.program_file import UploadError, program_to_upload
from tests.requirements import require_programs


def _record(kind: int, address: int, data: bytes) -> str:
    raw = bytes([len(data), address >> 8, address & 0xFF, kind]) + data
    return ":" + (raw + bytes([-sum(raw) & 0xFF])).hex().upper()


def _hex(runs: dict[int, bytes]) -> str:
    """Intel HEX as avr-objcopy writes it: 16-byte records, a segment base past 64 KiB."""
    lines, base = [], 0
    for start, data in sorted(runs.items()):
        for offset in range(0, len(data), 16):
            address = start + offset
            if address - base >= 0x10000 or address < base:
                base = address & ~0xFFFF
                lines.append(_record(2, 0, (base >> 4).to_bytes(2, "big")))
            chunk = data[offset : offset + 16]
            if (address - base) + len(chunk) > 0x10000:
                chunk = chunk[: 0x10000 - (address - base)]
            lines.append(_record(0, address - base, chunk))
    return "\n".join([*lines, ":00000001FF"]) + "\n"


@given(
    st.dictionaries(
        st.integers(0, 0x1DFFF).map(lambda a: a & ~0xF), st.binary(min_size=1, max_size=16)
    )
)
def test_intel_hex_reads_back_what_was_written(runs: dict[int, bytes]) -> None:
    image = read_intel_hex(_hex(runs))
    memory = image.fill(0x20000)
    for start, data in runs.items():
        assert memory[start : start + len(data)] == data
    assert image.size == sum(len(data) for data in runs.values())


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("10000000", "line 1: a record starts with ':'"),
        (":0100000000FG\n:00000001FF", "line 1: not hex digits in pairs"),
        (":02000000AA55\n:00000001FF", "line 1: its length byte does not match the record"),
        (":01000000AA56\n:00000001FF", "line 1: wrong checksum"),
        (":0100000000FF", "the file has no end-of-file record"),
        (":00000001FF\n:0100000000FF", "line 2: a record after the end-of-file record"),
        (":0100000000FF\n:0100000000FF\n:00000001FF", "line 2: address 0x00000 is written twice"),
        (":00000006FA\n:00000001FF", "line 1: no record type 06"),
    ],
)
def test_intel_hex_names_what_is_wrong(text: str, said: str) -> None:
    with pytest.raises(HexError, match=said.replace("(", r"\(").replace(")", r"\)")):
        read_intel_hex(text)


def test_a_program_past_the_bootloader_or_empty_or_unreadable_is_refused(tmp_path: Path) -> None:
    limit = upload_facts().application_limit
    big = tmp_path / "big.hex"
    big.write_text(_hex({limit - 16: bytes(32)}))
    with pytest.raises(UploadError, match="reaches 0x1e010, past 0x1e000 where the node's"):
        program_to_upload(big, limit)
    empty = tmp_path / "empty.hex"
    empty.write_text(":00000001FF\n")
    with pytest.raises(UploadError, match="the program is empty"):
        program_to_upload(empty, limit)
    text = tmp_path / "notes.hex"
    text.write_text("hello\n")
    with pytest.raises(UploadError, match=r"not a program in Intel HEX \(line 1: a record"):
        program_to_upload(text, limit)
    with pytest.raises(UploadError, match="no such file"):
        program_to_upload(tmp_path / "none.hex", limit)
    with pytest.raises(UploadError, match=r"a folder, not a bundle or a \.hex file"):
        program_to_upload(tmp_path, limit)
    fine = tmp_path / "fine.hex"
    fine.write_text(_hex({0: b"\x0c\x94"}))
    assert program_to_upload(fine, limit).serial is None


class _Listed:
    def __init__(self, device: str, vid: int | None, pid: int | None) -> None:
        self.device, self.vid, self.pid, self.description = device, vid, pid, "USB serial"


def test_the_port_is_the_one_usb_serial_chip_or_the_one_asked_for(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    listed = [
        _Listed("/dev/ttyUSB1", 0x0403, 0x6001),
        _Listed("/dev/ttyS0", None, None),
        _Listed("/dev/ttyACM0", 0x2341, 0x0043),  # not a chip a node carries
        _Listed("/dev/ttyUSB0", 0x10C4, 0xEA60),
    ]
    monkeypatch.setattr(ports.list_ports, "comports", lambda: listed)
    found = usb_serial_ports(upload_facts().usb_serial)
    assert [p.device for p in found] == ["/dev/ttyUSB0", "/dev/ttyUSB1"]
    assert str(found[1]) == "/dev/ttyUSB1 (USB serial) [USB 0403:6001]"
    assert choose_port(None, found[:1], None) == "/dev/ttyUSB0"
    assert choose_port(None, found, lambda c: c[1]) == "/dev/ttyUSB1"
    with pytest.raises(UploadError, match="several ports may be the node's: /dev/ttyUSB0"):
        choose_port(None, found, None)
    with pytest.raises(UploadError, match="no node found on USB: connect the node's USB"):
        choose_port(None, [], None)
    assert choose_port("/dev/null", [], None) == "/dev/null"  # a character device
    regular = tmp_path / "ttyFAKE"
    regular.touch()
    with pytest.raises(UploadError, match="ttyFAKE is not a serial port: name the node's USB"):
        choose_port(str(regular), [], None)
    with pytest.raises(UploadError, match="no port /dev/nope: is the node connected by USB"):
        choose_port("/dev/nope", [SerialPort("/dev/ttyUSB0", "", None)], None)


def _fake_avrdude(tmp_path: Path, said: str, status: int) -> list[str]:
    script = tmp_path / "avrdude"
    (tmp_path / "said.txt").write_text(said)
    script.write_text(f"#!/bin/sh\ncat {tmp_path / 'said.txt'} >&2\nexit {status}\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return [str(script), "-U", "flash:w:x.hex:i"]


_GOOD = (
    "avrdude: AVR device initialized and ready to accept instructions\n"
    "avrdude: writing 392 bytes flash ...\n\n"
    "Writing | ################################################## | 100% 0.04s\n\n"
    "avrdude: 392 bytes of flash written\n"
    "avrdude: verifying flash memory against app.hex\n\n"
    "Reading | ################################################## | 100% 0.03s\n\n"
    "avrdude: 392 bytes of flash verified\n\navrdude done.  Thank you.\n"
)


def test_avrdude_s_bars_become_progress_and_a_verified_flash_an_upload(tmp_path: Path) -> None:
    seen: list[tuple[str, int]] = []
    uploaded = write_program(
        _fake_avrdude(tmp_path, _GOOD, 0), "/dev/ttyUSB0", lambda *p: seen.append(p)
    )
    assert (uploaded.written, uploaded.verified) == (392, 392)
    assert [p for p in seen if p[0] == "writing"][-1] == ("writing", 100)
    assert [p for p in seen if p[0] == "verifying"][-1] == ("verifying", 100)
    assert len(seen) == 100
    assert seen[0] == ("writing", 2)
    # ended well but never said the flash was verified: not an upload
    unverified = _GOOD.replace("392 bytes of flash verified", "")
    with pytest.raises(UploadError, match="avrdude did not write the program"):
        write_program(_fake_avrdude(tmp_path, unverified, 0), "/dev/ttyUSB0", lambda *p: None)


@pytest.mark.parametrize(
    ("said", "told"),
    [
        (
            "avrdude OS error: cannot open port /dev/ttyUSB0: Permission denied\n",
            "no permission on /dev/ttyUSB0: add yourself to the dialout group (sudo usermod "
            "-aG dialout $USER), then log out and in again",
        ),
        (
            "avrdude OS error: cannot open port /dev/ttyUSB0: No such file or directory\n",
            "no port /dev/ttyUSB0: is the node connected by USB?",
        ),
        (
            "avrdude OS error: cannot open port /dev/ttyUSB0: Device or resource busy\n",
            "/dev/ttyUSB0 is in use by another program (a serial monitor?): close it and try again",
        ),
        (
            "avrdude warning: attempt 3 of 3: not in sync: resp=0x00\n",
            "no answer from the node's bootloader on /dev/ttyUSB0: switch the node on and try "
            "again",
        ),
        (
            "avrdude error: verification mismatch\n  device 0x00 != input 0x0c at addr 0x0000\n",
            "the node's flash does not hold what was written (verification failed): try again",
        ),
        (
            "avrdude error: something new\n",
            "avrdude did not write the program: avrdude error: something new",
        ),
    ],
)
def test_avrdude_s_failures_are_said_in_the_user_s_words(
    tmp_path: Path, said: str, told: str
) -> None:
    with pytest.raises(UploadError) as failed:
        write_program(_fake_avrdude(tmp_path, said, 1), "/dev/ttyUSB0", lambda *p: None)
    assert str(failed.value) == told


def test_a_port_the_user_may_not_open_is_a_dialout_matter(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The node is asked which it is before avrdude runs: the port's refusal there is told as
    avrdude's would be."""
    port = "/dev/null"
    program = tmp_path / "node.hex"
    program.write_text(_hex({0: b"\x0c\x94"}))
    bundle = tmp_path / "node.zip"
    with zipfile.ZipFile(bundle, "w") as zipped:
        manifest = {"serial": "0011A2B3C4D5E6F7", "binary": {"included": True, "hex": "n.hex"}}
        zipped.writestr("manifest.json", json.dumps(manifest))
        zipped.write(program, "n.hex")

    def refused(port: str, baud: int, listen_s: float) -> str:
        raise serial.SerialException(
            f"[Errno 13] could not open port {port}: [Errno 13] Permission denied: '{port}'"
        )

    monkeypatch.setattr(cli_upload, "node_serial", refused)
    result = CliRunner().invoke(app, ["upload", str(bundle), "--port", port])
    assert result.exit_code == 1
    assert f"error: no permission on {port}: add yourself to the dialout group" in result.output


def test_a_bundle_is_told_for_what_it_is(tmp_path: Path) -> None:
    """Only a source-only bundle is told to be built with the API; a bundle must name its
    node."""
    limit = upload_facts().application_limit
    not_bundle = tmp_path / "other.zip"
    with zipfile.ZipFile(not_bundle, "w") as zipped:
        zipped.writestr("readme.txt", "hello")
    with pytest.raises(UploadError) as failed:
        program_to_upload(not_bundle, limit)
    assert str(failed.value) == f"{not_bundle}: not an openpcs bundle (no manifest.json)"
    nameless = tmp_path / "nameless.zip"
    with zipfile.ZipFile(nameless, "w") as zipped:
        manifest = {"serial": 12345, "binary": {"included": True, "hex": "n.hex"}}
        zipped.writestr("manifest.json", json.dumps(manifest))
        zipped.writestr("n.hex", _hex({0: b"\x0c\x94"}))
    with pytest.raises(UploadError, match="the bundle names no node"):
        program_to_upload(nameless, limit)


def test_the_command_is_the_bootloader_s_with_few_attempts(tmp_path: Path) -> None:
    require_programs("avrdude")
    command = avrdude_command(upload_facts(), "/dev/ttyUSB0", tmp_path / "p.hex")
    assert command[1:] == [
        *("-p", "atmega1281", "-c", "stk500v1", "-P", "/dev/ttyUSB0", "-b", "115200"),
        *("-D", "-F", "-x", "attempts=3", "-U", f"flash:w:{tmp_path / 'p.hex'}:i"),
    ]
