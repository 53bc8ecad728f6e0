"""The processing side in a process of its own: the gateway's second core.

:class:`ProcessLink` (in the gateway's process) starts the processing process, announces each
archived batch to it over a pipe (the highest id, and the ids whose receipts a client waits
for), and hands its answers back. The processing process (:func:`run_processing_process`)
reads the announced frames back from the archive in id order, processes and stores them, and
answers. It reads nothing from the network: what it gets is the archive and the settings.

Either process may die: the frames are in the archive. A processing process that dies is
started again (waiting clients get ``pending`` receipts), and it recovers the frames left
pending; when the gateway's process dies, the processing process sees the pipe close,
finishes what it was announced and ends.
"""

from __future__ import annotations

import itertools
import logging
import multiprocessing
import queue
import threading
import time
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from typing import Any, Final

from openpcs.gateway.processing import ProcessingStats
from openpcs.gateway.processing_link import AgainDone, HandedOver, retry_receipts
from openpcs.gateway.processing_worker import serve_processing
from openpcs.gateway.records import Arrival
from openpcs.gateway.settings import GatewaySettings

__all__ = ["ProcessLink"]

_log = logging.getLogger("openpcs.gateway.pipeline")
_RESTART_FIRST_S: Final = 0.5
_RESTART_MAX_S: Final = 30.0
_READY_S: Final = 120.0
_HEALTHY_S: Final = 60.0


class ProcessLink:
    """The processing side in a processing process, started again if it dies."""

    def __init__(
        self,
        settings: GatewaySettings,
        last_id: Callable[[], int],
        *,
        batch_frames: int = 5000,
    ) -> None:
        """``last_id`` gives the highest archived frame id (the ceiling of a new process's
        recovery)."""
        self.settings = settings
        self.last_id = last_id
        self.batch_frames = batch_frames
        self.on_outbox: Callable[[], None] | None = None
        self._stats = ProcessingStats()
        self._earlier = ProcessingStats()  # what processes that ended did
        self._lock = threading.Lock()
        self._tokens = itertools.count(1)
        self._answers: dict[int, tuple[Sequence[int], HandedOver]] = {}
        self._agains: dict[int, AgainDone] = {}
        self._context = multiprocessing.get_context("spawn")
        self._process: Any = None
        self._connection: Connection | None = None
        self._reader: threading.Thread | None = None
        self._stopping = False
        self._restarts = 0
        self._started_at = 0.0
        #: Frames archived while no process ran, announced to the next one.
        self._missed: list[int] = []
        #: Messages on their way, sent by a thread of their own: a full pipe (the process
        #: busy with a batch) never holds the lock the answers need.
        self._outgoing: queue.SimpleQueue[tuple[Connection, tuple[Any, ...]] | None] = (
            queue.SimpleQueue()
        )
        self._sender = threading.Thread(target=self._send_all, name="openpcs-processing-send")
        self._sender.daemon = True

    @property
    def stats(self) -> ProcessingStats:
        """The figures the processing process sent last."""
        return _added(self._earlier, self._stats)

    @property
    def running(self) -> bool:
        """Whether the processing process is alive."""
        process = self._process
        return process is not None and process.is_alive() and self._connection is not None

    @property
    def processed(self) -> int:
        """Frames the processing processes (this one and those that ended) processed."""
        return self._earlier.frames + self._stats.frames

    @property
    def pid(self) -> int | None:
        """The processing process's id while it runs."""
        return self._process.pid if self.running else None

    def start(self, ceiling: int) -> None:
        """Start the processing process and wait until it runs."""
        self._spawn(ceiling)
        self._sender.start()
        self._reader = threading.Thread(target=self._read, name="openpcs-processing-link")
        self._reader.daemon = True
        self._reader.start()

    def _spawn(self, ceiling: int) -> None:
        process, connection = self._started(ceiling)
        with self._lock:
            self._process, self._connection = process, connection
            self._started_at = time.monotonic()

    def _started(self, ceiling: int) -> tuple[Any, Connection]:
        """A processing process that said it is ready, and the front's end of its pipe."""
        ours, theirs = self._context.Pipe()
        process = self._context.Process(
            target=serve_processing,
            args=(self.settings, ceiling, theirs, logging.getLogger().getEffectiveLevel()),
            kwargs={"batch_frames": self.batch_frames},
            name="openpcs-processing",
            daemon=True,
        )
        process.start()
        theirs.close()
        if not ours.poll(_READY_S):
            process.kill()
            raise RuntimeError("the processing process did not start")
        try:
            message = ours.recv()
        except EOFError:
            process.join(5)
            raise RuntimeError(
                f"the processing process ended at start (exit code {process.exitcode})"
            ) from None
        if message != ("ready",):
            process.kill()
            raise RuntimeError(f"the processing process said {message[0]!r} at start")
        return process, ours

    # --- the front's calls ----------------------------------------------------------------

    def hand_over(
        self, ids: Sequence[int], arrivals: Sequence[Arrival], answer: HandedOver | None
    ) -> None:
        """Announce newly archived frames (the process reads them from the archive)."""
        del arrivals  # the process reads them back: they are durable already
        with self._lock:
            if self._connection is None:
                self._missed.extend(ids)
                if answer is not None:
                    answer(retry_receipts(ids, "the processing process is starting again"))
                return
            token = None
            if answer is not None:
                token = next(self._tokens)
                self._answers[token] = (ids, answer)
            self._send(("new", list(ids), token))

    def again(
        self, frame_ids: Sequence[int], open_cloud: bool, quiet: bool, done: AgainDone
    ) -> None:
        """Ask the process to process archived frames again."""
        with self._lock:
            if self._connection is None:
                done(RuntimeError("the processing process is starting again"))
                return
            token = next(self._tokens)
            self._agains[token] = done
            self._send(("again", token, list(frame_ids), open_cloud, quiet))

    def reload_directory(self) -> None:
        """Tell the process to read the devices' settings again."""
        with self._lock:
            if self._connection is not None:
                self._send(("reload",))

    def stop(self, timeout: float) -> None:
        """Let the process finish what it was announced, then wait for it to end."""
        with self._lock:
            self._stopping = True
            if self._connection is not None:
                self._send(("stop",))
        process = self._process
        if process is not None:
            process.join(timeout)
            if process.is_alive():
                _log.error("the processing process did not stop in %.0f s: killed", timeout)
                process.kill()
                process.join(5)
        if self._reader is not None:
            self._reader.join(5)
        self._outgoing.put(None)

    def _stop_asked(self) -> bool:
        return self._stopping

    def _send(self, message: tuple[Any, ...]) -> None:
        """Queue a message for the current process (called under the lock)."""
        if self._connection is not None:
            self._outgoing.put((self._connection, message))

    def _send_all(self) -> None:
        while (item := self._outgoing.get()) is not None:
            connection, message = item
            try:
                connection.send(message)
            except (OSError, ValueError) as exc:  # a process that ended: the reader restarts
                _log.debug("a message to the processing process was not sent: %s", exc)
            except Exception:  # never end this thread: later announcements would be lost
                _log.exception("a message to the processing process could not be sent")

    # --- the process's answers ------------------------------------------------------------

    def _read(self) -> None:
        while True:
            connection = self._connection
            try:
                if connection is None:
                    raise EOFError
                message = connection.recv()
            except (EOFError, OSError):
                if not self._restart():
                    return
                continue
            self._handle(message)

    def _handle(self, message: tuple[Any, ...]) -> None:
        kind = message[0]
        if kind == "answer":
            with self._lock:
                waiting = self._answers.pop(message[1], None)
            if waiting is not None:
                waiting[1](list(message[2]))
        elif kind == "again":
            with self._lock:
                done = self._agains.pop(message[1], None)
            if done is not None:
                outcome = message[2]
                done(RuntimeError(outcome) if isinstance(outcome, str) else list(outcome))
        elif kind == "stats":
            self._stats = message[1]
        elif kind == "outbox" and self.on_outbox is not None:
            self.on_outbox()

    def _restart(self) -> bool:
        """After the process ended: answer what waited, start another unless stopping."""
        with self._lock:
            self._connection = None
            self._earlier, self._stats = self.stats, ProcessingStats()
            answers, self._answers = self._answers, {}
            agains, self._agains = self._agains, {}
            stopping = self._stopping
        for ids, answer in answers.values():
            answer(retry_receipts(ids, "the processing process ended"))
        for done in agains.values():
            done(RuntimeError("the processing process ended"))
        if stopping:
            return False
        code = None
        if self._process is not None:
            self._process.join(5)
            code = self._process.exitcode
        if time.monotonic() - self._started_at > _HEALTHY_S:
            self._restarts = 0  # a process that ran a while was not failing at start
        delay = min(_RESTART_MAX_S, _RESTART_FIRST_S * 2**self._restarts)
        _log.error("the processing process ended (exit code %s); starting it again", code)
        while not self._stopping:
            time.sleep(delay)
            self._restarts += 1
            try:
                process, connection = self._started(self.last_id())
            except Exception as exc:
                delay = min(_RESTART_MAX_S, delay * 2)
                _log.error("starting the processing process failed: %s", exc)
                continue
            with self._lock:
                if self._stop_asked():  # stop() came while it started
                    process.kill()
                    return False
                self._process, self._connection = process, connection
                self._started_at = time.monotonic()
                # what was archived while none ran was announced to nobody
                missed, self._missed = self._missed, []
                self._send(("new", missed, None))
            return True
        return False


def _added(earlier: ProcessingStats, current: ProcessingStats) -> ProcessingStats:
    """The figures of processes that ended and of the running one, together."""
    by_status = dict(earlier.by_status)
    for status, count in current.by_status.items():
        by_status[status] = by_status.get(status, 0) + count
    return ProcessingStats(
        batches=earlier.batches + current.batches,
        frames=earlier.frames + current.frames,
        by_status=by_status,
        save_failures=earlier.save_failures + current.save_failures,
        recovered=earlier.recovered + current.recovered,
        open_reading_sets=current.open_reading_sets,
    )
