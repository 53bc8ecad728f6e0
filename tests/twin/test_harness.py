"""The twin's harness on programs written here in plain avr-libc C (CI has no Waspmote API):
UART bytes both ways, the UART corrected where simavr differs from the ATmega1281, the stack
guard, the cycle limit, a program that stops, and bad input named."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from openpcs.twin.harness import CLOCK_HZ, HarnessError, StopReason, harness_binary, run_program

FIRMWARE = Path(__file__).parent / "firmware"


def _built(name: str, out: Path, *defines: str) -> tuple[Path, int]:
    """The program's .hex and the first RAM address above its variables (headers the test
    wrote in ``out`` are found; each of ``defines`` is defined)."""
    elf = out / f"{name}.elf"
    source = str(FIRMWARE / f"{name}.c")
    flags = [f"-D{define}" for define in defines]
    subprocess.run(
        ["avr-gcc", "-mmcu=atmega1281", "-Os", *flags, "-I", str(out), "-o", str(elf), source],
        check=True,
    )
    hex_path = out / f"{name}.hex"
    subprocess.run(
        ["avr-objcopy", "-O", "ihex", "-R", ".eeprom", str(elf), str(hex_path)], check=True
    )
    symbols = subprocess.run(["avr-nm", str(elf)], capture_output=True, text=True, check=True)
    end = next(
        int(line.split()[0], 16) for line in symbols.stdout.splitlines() if line.endswith(" _end")
    )
    return hex_path, end & 0xFFFF


def test_a_transmitter_turned_off_and_on_again_still_sends(tmp_path: Path) -> None:
    """simavr clears UDRE0 when the transmitter goes off and never sets it again when
    nothing is in flight; the Waspmote firmware then waited for ever (docs/twin.md)."""
    program, _ = _built("uart_reopen", tmp_path)
    result = run_program(program, cycles=CLOCK_HZ // 10, cache_root=tmp_path)
    assert result.sent[0] == b"booted\r\nagain\r\n"
    assert result.stop.reason is StopReason.CYCLE_LIMIT


def test_bytes_reach_the_program_and_its_answers_come_back(tmp_path: Path) -> None:
    program, _ = _built("echo", tmp_path)
    line = b"at+ver\r\n" * 200  # more than simavr's receive FIFO holds at once
    result = run_program(program, cycles=CLOCK_HZ, received={1: line + b"."}, cache_root=tmp_path)
    assert result.sent[1] == line.upper()
    assert result.stop.reason is StopReason.STOPPED
    # 1,600 bytes at 115,200 baud take about 0.14 s of MCU time, none of it skipped
    assert 0.1 < result.stop.seconds < 1


def test_a_stack_that_runs_into_the_variables_is_stopped_where_it_is(tmp_path: Path) -> None:
    program, end_of_variables = _built("deep_stack", tmp_path)
    result = run_program(
        program, cycles=CLOCK_HZ, stack_limit=end_of_variables, cache_root=tmp_path
    )
    assert result.stop.reason is StopReason.STACK_GUARD
    assert "stack ran into the program's variables" in result.stop.text
    assert 0 < result.stop.pc < program.stat().st_size  # in the program, not past it


def test_a_frame_across_a_256_byte_boundary_is_no_overflow(tmp_path: Path) -> None:
    """SPH is written before SPL: for two instructions SP reads up to 255 bytes low."""
    program, _ = _built("stack_boundary", tmp_path)
    free = run_program(program, cycles=CLOCK_HZ, cache_root=tmp_path)
    deepest = int(free.sent[0].split()[-1], 16)
    assert free.stop.reason is StopReason.STOPPED
    # a limit below the deepest frame, above where SP dips between the two writes
    guarded = run_program(program, cycles=CLOCK_HZ, stack_limit=deepest - 0x20, cache_root=tmp_path)
    assert guarded.stop.reason is StopReason.STOPPED
    assert guarded.sent == free.sent
    caught = run_program(program, cycles=CLOCK_HZ, stack_limit=deepest + 2, cache_root=tmp_path)
    assert caught.stop.reason is StopReason.STACK_GUARD


def test_a_watchdog_reset_leaves_the_uart_as_the_chip_does(tmp_path: Path) -> None:
    """simavr's reset turns the transmitter on again; the harness puts it right each time."""
    program, _ = _built("watchdog_reset", tmp_path)
    result = run_program(program, cycles=CLOCK_HZ // 5, cache_root=tmp_path)
    lines = result.sent[0].decode().splitlines()
    assert lines[0].startswith("b=00 ")
    assert lines[1] == "b=00 r=08"  # after the watchdog's reset (WDRF), the same state
    assert result.stop.reason is StopReason.STOPPED


def test_a_run_longer_than_its_host_time_is_said_so(tmp_path: Path) -> None:
    program, _ = _built("spin", tmp_path)
    with pytest.raises(HarnessError, match=r"took longer than 0\.5 s of host time"):
        run_program(program, cycles=10**15, timeout_s=0.5, cache_root=tmp_path)


def test_a_program_that_never_ends_stops_at_its_cycle_limit(tmp_path: Path) -> None:
    program, _ = _built("spin", tmp_path)
    result = run_program(program, cycles=1_000_000, cache_root=tmp_path)
    assert result.stop.reason is StopReason.CYCLE_LIMIT
    assert 1_000_000 <= result.stop.cycle < 1_000_010
    assert result.sent == {}


def test_the_harness_is_built_once_per_source(tmp_path: Path) -> None:
    first = harness_binary(tmp_path)
    assert first.parent.parent == tmp_path / "twin"
    stamp = first.stat().st_mtime_ns
    assert harness_binary(tmp_path) == first
    assert first.stat().st_mtime_ns == stamp


def test_a_file_that_is_no_program_is_named(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.hex"
    bogus.write_text("these are notes, not a program\n")
    with pytest.raises(HarnessError, match=r"notes\.hex: not an Intel HEX program"):
        run_program(bogus, cycles=1000, cache_root=tmp_path)


def test_addresses_past_sram_do_not_stop_the_program(tmp_path: Path) -> None:
    """A buffer read past the end of RAM (the Waspmote API does, at start, on a v15) runs on
    as on the ATmega1281, where simavr stopped the run as a crash."""
    program, _ = _built("past_ram", tmp_path)
    result = run_program(program, cycles=CLOCK_HZ // 100, cache_root=tmp_path)
    assert result.sent[0] == b"ok\n"
    assert result.stop.reason is StopReason.CYCLE_LIMIT


@pytest.mark.parametrize("streamed", [False, True], ids=["copied to the stack", "streamed"])
def test_the_certificate_defect_is_stopped_by_the_stack_guard(
    tmp_path: Path, streamed: bool
) -> None:
    """The defect the firmware issue fixed: a CA certificate copied from flash into a stack
    buffer runs into the variables of a program that uses most of the RAM; the guard stops it
    where it is. Streamed from flash, the same program installs it and goes on."""
    pem = (Path(__file__).parents[2] / "examples" / "nodes" / "demo-ca.pem").read_text()
    text = pem.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\r\\n")
    (tmp_path / "certificate.h").write_text(
        "#include <avr/pgmspace.h>\n"
        f'static const char CERTIFICATE[] PROGMEM = "{text}";\n'
        # the variables leave the stack half the certificate's length
        f"#define VARIABLES {0x2000 - len(pem) // 2 - 40}\n"
    )
    program, end_of_variables = _built(
        "certificate_copy", tmp_path, *(["STREAMED"] if streamed else [])
    )
    assert 0x2200 - end_of_variables < len(pem)  # less room than the copy needs
    result = run_program(
        program, cycles=CLOCK_HZ, stack_limit=end_of_variables, cache_root=tmp_path
    )
    if streamed:
        assert result.stop.reason is StopReason.STOPPED
        assert result.sent[0] == f"{len(pem.replace(chr(10), chr(13) + chr(10))):04x}\n".encode()
    else:
        assert result.stop.reason is StopReason.STACK_GUARD
        assert 0 < result.stop.pc < program.stat().st_size
        assert result.sent == {}
