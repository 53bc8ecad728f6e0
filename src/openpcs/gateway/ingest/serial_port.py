"""A local radio module on a serial port: its API frames, read with resynchronisation.

The module runs the mesh layer itself and hands the host API frames (a 0x90 receive packet or
the spec's 0x10 frame with the sender's address); each complete frame is archived as it came
and processed into readings. A thread reads the port (pyserial blocks); frames go to the
pipeline in the order they were read. ``port: auto`` takes the first serial port pyserial
finds, and leaves the adapter off (with a log line) when there is none.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence

import serial
from serial.tools import list_ports

from openpcs.gateway.pipeline import Overloaded, StoreUnavailable
from openpcs.gateway.records import Arrival, Format, Receipt
from openpcs.ncd.api import ApiFrame
from openpcs.ncd.stream import ApiStreamReader
from openpcs.resync import StreamItem

__all__ = ["SerialIngest", "find_port"]

_log = logging.getLogger(__name__)
_READ_TIMEOUT_S = 0.2

Enqueue = Callable[[Sequence[Arrival], Callable[[list[Receipt] | BaseException], None]], None]


def find_port(setting: str | None) -> str | None:
    """The port to open: the setting, or for ``auto`` the first port found (``None`` if none)."""
    if setting != "auto":
        return setting
    ports = sorted(info.device for info in list_ports.comports())
    return ports[0] if ports else None


class SerialIngest:
    """Reads API frames from a serial port in a thread and queues them for the pipeline."""

    def __init__(
        self, enqueue: Enqueue, port: str, *, baudrate: int, escaped: bool, max_frame: int
    ) -> None:
        self._enqueue = enqueue
        self.port = port
        self.baudrate = baudrate
        self.escaped = escaped
        self.max_frame = max_frame
        self.frames = 0
        self.garbage_bytes = 0
        self.error: str | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Open the port and start reading; raises ``serial.SerialException`` if it cannot."""
        connection = serial.Serial(self.port, self.baudrate, timeout=_READ_TIMEOUT_S)
        self._thread = threading.Thread(
            target=self._run, args=(connection,), name="openpcs-serial", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop reading and close the port."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    def _run(self, connection: serial.Serial) -> None:
        reader = ApiStreamReader(escaped=self.escaped, max_length=self.max_frame)
        try:
            while not self._stop.is_set():
                chunk = connection.read(connection.in_waiting or 1)
                if not chunk:
                    continue
                arrivals = []
                for item in reader.feed(chunk):
                    if item.is_frame:
                        self.frames += 1
                        arrivals.append(
                            Arrival(item.raw, "serial", Format.NCD_API, remote=self.port)
                        )
                    else:  # kept, like every byte a sender delivers
                        arrivals.append(self._garbage(item))
                if arrivals:
                    self._queue(arrivals)
        except serial.SerialException as exc:
            self.error = str(exc)
            _log.error("serial port %s: %s", self.port, exc)
        finally:
            connection.close()
            leftover = [self._garbage(item) for item in reader.flush()]
            if leftover:  # bytes after the last frame are kept too
                self._queue(leftover, force=True)

    def _garbage(self, item: StreamItem[ApiFrame]) -> Arrival:
        self.garbage_bytes += len(item.raw)
        return Arrival(
            item.raw[: self.max_frame],
            "serial",
            Format.NCD_API,
            remote=self.port,
            problem=f"{len(item.raw)} bytes at stream offset {item.offset} are not an API frame "
            f"({item.error})",
        )

    def _queue(self, arrivals: list[Arrival], *, force: bool = False) -> None:
        while force or not self._stop.is_set():
            force = False
            try:
                self._enqueue(arrivals, self._done)
                return
            except Overloaded:
                self._stop.wait(0.5)  # the port keeps its bytes meanwhile
            except StoreUnavailable as exc:
                _log.error("serial frames could not be queued: %s", exc)
                return

    def _done(self, outcome: list[Receipt] | BaseException) -> None:
        if isinstance(outcome, BaseException):
            _log.error("serial frames could not be stored: %s", outcome)
