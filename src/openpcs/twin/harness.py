"""The emulator harness run on a program, and what it says answered (docs/twin.md).

:func:`run_program` runs a ``.hex`` for a number of MCU cycles. What the program does that
the outside sees (UART bytes, I2C steps, output pins, power-down sleep) goes to a
:class:`World`, which answers through the :class:`Link` it is given: bytes for the program at
a cycle, input lines driven, a reset, a stop. The harness waits for each answer, so a run is
the same every time. Without a world, the program hears the bytes of ``received`` from the
start, its I2C goes to ``bus``, and a power-down sleep ends the run.
"""

from __future__ import annotations

import contextlib
import struct
import subprocess
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import IO, Final, Protocol

from openpcs.twin.bus import I2cBus
from openpcs.twin.harness_build import HarnessError, harness_binary

__all__ = [
    "CLOCK_HZ",
    "HarnessError",
    "Link",
    "RunResult",
    "Stop",
    "StopReason",
    "World",
    "harness_binary",
    "run_program",
]

#: the Waspmote's crystal
CLOCK_HZ: Final = 14_745_600
_HEADER: Final = struct.Struct("<cH")
_STOP: Final = struct.Struct("<cIQ")
_STEP: Final = struct.Struct("<cBQ")
_CYCLE: Final = struct.Struct("<Q")
_CHUNK: Final = 60_000


class StopReason(Enum):
    """Why a run ended."""

    CYCLE_LIMIT = "L"
    STACK_GUARD = "G"
    CRASHED = "C"
    STOPPED = "D"
    ASKED = "Q"


@dataclass(frozen=True)
class Stop:
    """Where and when the run ended (``pc`` a byte address in flash, ``cycle`` the MCU's)."""

    reason: StopReason
    pc: int
    cycle: int
    text: str

    @property
    def seconds(self) -> float:
        """The MCU time at the stop."""
        return self.cycle / CLOCK_HZ


@dataclass
class RunResult:
    """What the program sent on each UART (by port number) and how the run ended."""

    stop: Stop
    sent: dict[int, bytes] = field(default_factory=dict)


class Link:
    """What the devices say to the running program; each is taken by the harness in order,
    before it goes on from the message being answered."""

    def __init__(self, send: Callable[[bytes], None]) -> None:
        self._send = send

    def uart(self, port: int, data: bytes, cycle: int) -> None:
        """``data`` arrives on UART ``port``, its first byte not before ``cycle``."""
        for start in range(0, len(data), _CHUNK):
            payload = bytes([port]) + _CYCLE.pack(cycle) + data[start : start + _CHUNK]
            self._message(b"U", payload)

    def drive(self, port: str, pin: int, level: bool) -> None:
        """Drive input ``pin`` of ``port`` (``"D"``, 2) from outside, as an interrupt line."""
        self._message(b"E", port.encode("ascii") + bytes([pin, int(level)]))

    def analog(self, channel: int, millivolts: int) -> None:
        """Put ``millivolts`` on analog input ``channel`` (ADC0..ADC7) from now on."""
        self._message(b"V", bytes([channel]) + millivolts.to_bytes(4, "little"))

    def reset(self) -> None:
        """Reset the MCU (what the RTC's watchdog alarm does)."""
        self._message(b"R", b"")

    def stop(self) -> None:
        """End the run (it stops with :attr:`StopReason.ASKED`)."""
        self._message(b"Q", b"")

    def _message(self, kind: bytes, payload: bytes) -> None:
        self._send(_HEADER.pack(kind, len(payload)) + payload)


class World(Protocol):
    """The devices around the MCU. Each call happens while the program waits for it."""

    def started(self, link: Link) -> None:
        """The run begins; ``link`` is how the devices speak from now on."""

    def uart_sent(self, port: int, data: bytes, cycle: int) -> None:
        """The program sent ``data`` on UART ``port``, the last byte by ``cycle``."""

    def port_written(self, port: str, value: int, cycle: int) -> None:
        """The program changed output register ``port`` (``"A"``…``"G"``) to ``value``."""

    def i2c(self, step: str, byte: int, cycle: int) -> int:
        """An I2C step (:meth:`I2cBus.step`) and its answer."""

    def sleeps(self, cycle: int) -> int:
        """The MCU goes into power-down; the cycle it wakes at (0: nothing wakes it)."""

    def marked(self, cycle: int) -> None:
        """The program reached the run's mark (``run_program``'s ``mark``)."""


class _Plain:
    """The world of a run without one: bytes from the start, a bus, no wake-up."""

    def __init__(self, received: dict[int, bytes] | None, bus: I2cBus) -> None:
        self.received = received or {}
        self.bus = bus

    def started(self, link: Link) -> None:
        for port, data in self.received.items():
            link.uart(port, data, 0)

    def uart_sent(self, port: int, data: bytes, cycle: int) -> None:
        pass

    def port_written(self, port: str, value: int, cycle: int) -> None:
        pass

    def i2c(self, step: str, byte: int, cycle: int) -> int:
        return self.bus.step(step, byte, cycle)

    def sleeps(self, cycle: int) -> int:
        return 0

    def marked(self, cycle: int) -> None:
        pass


def run_program(
    hex_path: Path,
    *,
    cycles: int,
    stack_limit: int = 0,
    received: dict[int, bytes] | None = None,
    bus: I2cBus | None = None,
    world: World | None = None,
    mark: int = 0,
    eeprom: bytes | None = None,
    cache_root: Path | None = None,
    timeout_s: float = 600,
) -> RunResult:
    """Run ``hex_path`` for at most ``cycles`` MCU cycles among ``world``'s devices (or,
    without one, with the bytes of ``received`` (port → bytes) there from the start and
    ``bus`` answering its I2C steps; none: every address answers as an unmodelled chip).
    ``stack_limit`` (the first address above ``.data``/``.bss``) turns the stack guard on;
    ``eeprom`` is the MCU's EEPROM at start (from address 0, at most 4 KiB); each time the
    program reaches flash byte address ``mark`` (when not 0) the world is told.
    :class:`HarnessError` when the harness cannot run the file or ends without saying why."""
    binary = harness_binary(cache_root)
    chosen = world if world is not None else _Plain(received, bus or I2cBus())
    command = [str(binary), str(hex_path), str(CLOCK_HZ), str(stack_limit), str(cycles), str(mark)]
    with tempfile.TemporaryDirectory(prefix="openpcs-twin-run-") as scratch:
        if eeprom is not None:
            image = Path(scratch) / "eeprom.bin"
            image.write_bytes(eeprom[:4096])
            command.append(str(image))
        return _run(command, hex_path, chosen, timeout_s)


def _read_exactly(stream: IO[bytes], size: int) -> bytes:
    data = stream.read(size)
    return data if data is not None else b""


class _Session:
    """One run's conversation: each message from the harness handed to the world."""

    def __init__(self, world: World, send: Callable[[bytes], None]) -> None:
        self.world = world
        self.send = send
        self.sent: dict[int, bytearray] = {}
        self.stop: Stop | None = None

    def take(self, kind: bytes, payload: bytes) -> None:
        if kind == b"U" and len(payload) > 9:
            port, cycle = payload[0], _CYCLE.unpack_from(payload, 1)[0]
            self.sent.setdefault(port, bytearray()).extend(payload[9:])
            self.world.uart_sent(port, payload[9:], cycle)
            self.send(_HEADER.pack(b"K", 0))
        elif kind == b"I" and len(payload) == _STEP.size:
            step, byte, cycle = _STEP.unpack(payload)
            answer = self.world.i2c(step.decode("ascii"), byte, cycle)
            if step != b"p":
                self.send(_HEADER.pack(b"A", 1) + bytes([answer & 0xFF]))
        elif kind == b"P" and len(payload) == 10:
            name, value = chr(payload[0]), payload[1]
            self.world.port_written(name, value, _CYCLE.unpack_from(payload, 2)[0])
            self.send(_HEADER.pack(b"K", 0))
        elif kind == b"Z" and len(payload) == 8:
            wake = self.world.sleeps(_CYCLE.unpack(payload)[0])
            self.send(_HEADER.pack(b"W", 8) + _CYCLE.pack(max(wake, 0)))
        elif kind == b"M" and len(payload) == 8:
            self.world.marked(_CYCLE.unpack(payload)[0])
            self.send(_HEADER.pack(b"K", 0))
        elif kind == b"S" and len(payload) >= _STOP.size:
            code, pc, cycle = _STOP.unpack_from(payload)
            text = payload[_STOP.size :].decode("utf-8", "replace")
            self.stop = Stop(StopReason(code.decode("ascii")), pc, cycle, text)


def _run(command: list[str], hex_path: Path, world: World, timeout_s: float) -> RunResult:
    process = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    stdin, stdout = process.stdin, process.stdout
    if stdin is None or stdout is None:  # both were asked for: never so
        raise HarnessError("the harness's pipes could not be opened")
    lock = threading.Lock()

    def send(frame: bytes) -> None:
        # a harness that has stopped takes nothing more: its last message says why
        with lock, contextlib.suppress(BrokenPipeError, ValueError):
            stdin.write(frame)
            stdin.flush()

    timed_out = threading.Event()

    def kill_on_time() -> None:
        timed_out.set()
        process.kill()

    killer = threading.Timer(timeout_s, kill_on_time)
    killer.start()
    link = Link(send)
    session = _Session(world, send)
    try:
        world.started(link)
        send(_HEADER.pack(b"K", 0))  # ready: the harness starts the MCU
        while (header := _read_exactly(stdout, _HEADER.size)) and len(header) == _HEADER.size:
            kind, length = _HEADER.unpack(header)
            payload = _read_exactly(stdout, length)
            if len(payload) != length:
                raise HarnessError("the harness's output ends inside a message")
            session.take(kind, payload)
    except BaseException:
        process.kill()  # a device model failed: the harness must not wait for its answer
        raise
    finally:
        with contextlib.suppress(BrokenPipeError, ValueError):
            stdin.close()
        returncode = process.wait()
        killer.cancel()
        error = process.stderr.read() if process.stderr is not None else b""
        stdout.close()
        if process.stderr is not None:
            process.stderr.close()
    if returncode != 0:
        said = error.decode("utf-8", "replace").strip() or f"exit {returncode}"
        if timed_out.is_set():
            said = f"it took longer than {timeout_s:g} s of host time"
        elif returncode < 0:
            said = f"the harness was stopped by signal {-returncode}"
        raise HarnessError(f"the harness could not run {hex_path.name}: {said}")
    if session.stop is None:
        raise HarnessError("the harness ended without saying why")
    return RunResult(session.stop, {port: bytes(data) for port, data in session.sent.items()})
