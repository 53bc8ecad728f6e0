"""Taking turns at writing a SQLite store across the gateway's processes.

SQLite lets one writer in at a time; a writer that finds the store locked sleeps in steps of
1, 2, 5, 10 … ms before it looks again, which makes the archiving front wait well past the
end of the processing process's commit. :class:`WriteTurn` is an exclusive ``flock`` on a file
in the data folder that both take around their write transactions: a waiter wakes the moment
the other lets go, and the kernel lets go for a process that dies. Other writers (the web
application, the command line) do not take it: SQLite's own busy wait still orders them.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

__all__ = ["TURN_FILE", "WriteTurn"]

#: The lock file's name in the data folder.
TURN_FILE: Final = "store-write.lock"


class WriteTurn:
    """An exclusive turn at writing, between threads and processes (one file per thread: a
    ``flock`` is held by an open file, so two threads must not share one)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._files = threading.local()

    def _descriptor(self) -> int:
        descriptor: int | None = getattr(self._files, "descriptor", None)
        if descriptor is None:
            descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            self._files.descriptor = descriptor
        return descriptor

    @contextmanager
    def __call__(self) -> Iterator[None]:
        """Hold the turn while the block runs."""
        descriptor = self._descriptor()
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(descriptor, fcntl.LOCK_UN)
