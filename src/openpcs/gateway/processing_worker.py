"""Inside the processing process: announced frames read back from the archive and processed.

:func:`serve_processing` is the process's whole life. It builds the processing side from the
settings (its own store connection, devices' settings and reading sets), says ``ready``,
recovers what an earlier run left pending, then follows the front's messages:

- ``("new", ids, token)``: the gateway archived these frames; with a token, it waits for
  their receipts;
- ``("again", token, ids, open_cloud, quiet)``: process archived frames again;
- ``("reload",)``: the devices' settings changed in the store;
- ``("stop",)``: finish what was announced, close the reading sets, end;
- the pipe closing (the gateway died): end after the batch at hand; the next start recovers
  the rest.

It answers ``("answer", token, receipts)``, ``("again", token, receipts or error text)``,
``("stats", figures)`` after each batch and ``("outbox",)`` when forwarders have work.
"""

from __future__ import annotations

import fcntl
import logging
import os
import signal
from collections import deque
from multiprocessing.connection import Connection
from typing import Any, Final

from openpcs.gateway.collector import settle_collector
from openpcs.gateway.processing import Processing
from openpcs.gateway.processing_link import retry_receipts
from openpcs.gateway.processing_setup import processing_of_its_own, reload_devices
from openpcs.gateway.records import Receipt
from openpcs.gateway.settings import GatewaySettings
from openpcs.gateway.store.database import open_engine

__all__ = ["serve_processing"]

_log = logging.getLogger("openpcs.gateway.pipeline")
_IDLE_WAKE_S: Final = 0.5
_LOCK_FILE: Final = "processing.lock"


def serve_processing(
    settings: GatewaySettings,
    ceiling: int,
    connection: Connection,
    log_level: int,
    *,
    batch_frames: int = 5000,
) -> None:
    """Run the processing side until told to stop or the front goes away.

    It first takes the data folder's processing lock, so that a processing process left
    running by a gateway that died finishes its batch before another starts: two would
    process the same pending frames.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the front decides when to stop
    logging.basicConfig(level=log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    lock = os.open(settings.data_dir / _LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    fcntl.flock(lock, fcntl.LOCK_EX)  # held for the process's life
    engine = open_engine(
        settings.database_url,
        synchronous=settings.sqlite_synchronous,
        cache_mb=settings.sqlite_cache_mb,
        busy_timeout_s=settings.sqlite_busy_timeout_s,
    )
    processing = processing_of_its_own(settings, engine)

    def reload() -> None:
        reload_devices(settings, processing)

    worker = _Worker(processing, connection, ceiling, batch_frames, reload)
    processing.on_outbox = lambda: worker.send(("outbox",))
    settle_collector()
    try:
        worker.run()
    finally:
        engine.dispose()
        os.close(lock)


class _Worker:
    """The message loop of :func:`serve_processing`."""

    def __init__(
        self,
        processing: Processing,
        connection: Connection,
        ceiling: int,
        batch_frames: int,
        reload: Any,
    ) -> None:
        self.processing = processing
        self.connection = connection
        self.batch_frames = batch_frames
        self.reload = reload
        self.ceiling = ceiling
        self.announced: deque[tuple[list[int], int | None]] = deque()
        self.agains: deque[tuple[Any, ...]] = deque()
        self.stopping = False
        self.orphaned = False

    def run(self) -> None:
        processing = self.processing
        processing.seed()
        processing.taken = self.ceiling
        self.connection.send(("ready",))
        # what an earlier run left pending goes first, whole: each device's frames in order
        # (messages meanwhile wait their turn; a gateway gone or stopping ends it early)
        _guarded(lambda: processing.recover(initial=True, interrupted=self._must_end))
        while True:
            busy = bool(self.announced) or bool(self.agains)
            self._read_messages(0 if busy or self.stopping else _IDLE_WAKE_S)
            if self.orphaned:  # what was announced is pending: the next start recovers it
                break
            if self.announced:
                self._next_batch()
            elif self.agains:
                self._again(self.agains.popleft())
            elif self.stopping:
                break
            else:
                _guarded(lambda: processing.idle(self.connection.poll))
        _guarded(lambda: processing.save_sets(processing.tiny.close_all()))
        self.send(("stats", processing.stats))

    def _must_end(self) -> bool:
        self._read_messages(0)
        return self.orphaned or self.stopping

    def _read_messages(self, timeout: float) -> None:
        try:
            if not self.connection.poll(timeout):
                return
            while True:
                self._take(self.connection.recv())
                if not self.connection.poll(0):
                    return
        except (EOFError, OSError):
            self.orphaned = True  # the front is gone

    def _take(self, message: tuple[Any, ...]) -> None:
        kind = message[0]
        if kind == "new":
            _, ids, token = message
            if ids:
                self.announced.append((list(ids), token))
        elif kind == "again":
            self.agains.append(message)
        elif kind == "reload":
            _guarded(self.reload)
        elif kind == "stop":
            self.stopping = True

    def _next_batch(self) -> None:
        """Process the frames of the next announcements (up to ``batch_frames``): exactly
        those this gateway archived (on a shared store, others' are not this process's)."""
        processing = self.processing
        items = [self.announced.popleft()]
        count = len(items[0][0])
        while self.announced and count + len(self.announced[0][0]) <= self.batch_frames:
            items.append(self.announced.popleft())
            count += len(items[-1][0])
        ids = [i for item_ids, _ in items for i in item_ids]
        # recovery covers these from now on, whatever happens below
        highest = max(ids)
        processing.taken = max(processing.taken, highest)
        found: dict[int, Receipt] = {}
        try:
            rows = processing.writer.pending_ids(ids)
        except Exception as exc:  # the store is down: recovery comes back to them
            _log.error("reading archived frames failed: %s", exc)
            rows = None
        if rows:
            row_ids = [frame_id for frame_id, _ in rows]
            try:
                receipts = processing.process(row_ids, [arrival for _, arrival in rows])
            except Exception as exc:  # a defect must not end the process; recovery comes back
                _log.exception("processing %d frames failed", len(row_ids))
                receipts = retry_receipts(row_ids, type(exc).__name__)
            found = {r.id: r for r in receipts if r.id is not None}
            self.send(("stats", processing.stats))
        waiting = [(item_ids, token) for item_ids, token in items if token is not None]
        if waiting:
            self._answer(waiting, found, lookup=rows is not None)

    def _answer(
        self,
        waiting: list[tuple[list[int], int]],
        found: dict[int, Receipt],
        *,
        lookup: bool,
    ) -> None:
        """Answer the fronts waiting for these frames; frames not processed here now (by
        recovery at start, say) are answered with their stored status."""
        missing = [i for ids, _ in waiting for i in ids if i not in found]
        stored: dict[int, tuple[str, str | None]] = {}
        if missing and lookup:
            try:
                stored = self.processing.writer.statuses(missing)
            except Exception as exc:
                _log.error("reading frames' statuses failed: %s", exc)
        for ids, token in waiting:
            receipts = []
            for frame_id in ids:
                receipt = found.get(frame_id)
                if receipt is None:
                    status, error = stored.get(frame_id, ("pending", "archived; not processed yet"))
                    receipt = Receipt(frame_id, status, error)
                receipts.append(receipt)
            self.send(("answer", token, receipts))

    def _again(self, message: tuple[Any, ...]) -> None:
        _, token, ids, open_cloud, quiet = message
        try:
            outcome: Any = self.processing.again(ids, open_cloud=open_cloud, quiet=quiet)
        except Exception as exc:
            _log.exception("processing %d frames again failed", len(ids))
            outcome = f"processing again failed ({type(exc).__name__})"
        self.send(("again", token, outcome))
        self.send(("stats", self.processing.stats))

    def send(self, message: tuple[Any, ...]) -> None:
        try:
            self.connection.send(message)
        except (OSError, ValueError):
            self.orphaned = True  # the front is gone


def _guarded(work: Any) -> None:
    """Run housekeeping; a failure is logged and the process goes on."""
    try:
        work()
    except Exception:
        _log.exception("processing housekeeping failed")
