"""Inside the processing process: announced frames read back from the archive and processed.

:func:`serve_processing` is the process's whole life. It builds the processing side from the
settings (its own store connection, devices' settings and reading sets), says ``ready``,
recovers what an earlier run left pending, then follows the front's messages:

- ``("new", up_to, token, ids)``: frames up to ``up_to`` are archived; with a token, the
  front waits for the receipts of ``ids``;
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
import signal
from collections import deque
from collections.abc import Sequence
from multiprocessing.connection import Connection
from typing import Any, Final

from openpcs.gateway.processing import Processing
from openpcs.gateway.processing_link import retry_receipts
from openpcs.gateway.processing_setup import build_processing, build_processor
from openpcs.gateway.records import Receipt
from openpcs.gateway.secret_box import SecretBox
from openpcs.gateway.settings import GatewaySettings
from openpcs.gateway.store.database import open_engine
from openpcs.gateway.store.devices import load_directory
from openpcs.gateway.tiny_sets import TinyAssembler

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
    lock = open(settings.data_dir / _LOCK_FILE, "a+b")  # noqa: SIM115  (held for the process's life)
    fcntl.flock(lock, fcntl.LOCK_EX)
    engine = open_engine(
        settings.database_url,
        synchronous=settings.sqlite_synchronous,
        cache_mb=settings.sqlite_cache_mb,
        busy_timeout_s=settings.sqlite_busy_timeout_s,
    )
    secret = settings.security.secret_key
    box = SecretBox.for_gateway(settings.data_dir, secret.get_secret_value() if secret else None)
    processing = build_processing(
        settings,
        engine,
        build_processor(settings, load_directory(engine, box)),
        TinyAssembler(settings.pipeline.tiny_timeout_s),
    )

    def reload() -> None:
        processing.processor.directory = load_directory(engine, box)

    worker = _Worker(processing, connection, ceiling, batch_frames, reload)
    processing.on_outbox = lambda: worker.send(("outbox",))
    try:
        worker.run()
    finally:
        engine.dispose()
        lock.close()


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
        self.cursor = self.announced = ceiling
        self.waiting: dict[int, Sequence[int]] = {}
        self.wanted: set[int] = set()
        self.found: dict[int, Receipt] = {}
        self.agains: deque[tuple[Any, ...]] = deque()
        self.stopping = False
        self.orphaned = False

    def run(self) -> None:
        processing = self.processing
        processing.seed()
        processing.taken = self.cursor
        self.connection.send(("ready",))
        _guarded(lambda: processing.recover(initial=True, interrupted=self.connection.poll))
        while True:
            busy = self.cursor < self.announced or bool(self.agains)
            self._read_messages(0 if busy or self.stopping else _IDLE_WAKE_S)
            if self.orphaned:  # what was announced is pending: the next start recovers it
                break
            if self.cursor < self.announced:
                self._next_batch()
            elif self.agains:
                self._again(self.agains.popleft())
            elif self.stopping:
                break
            else:
                _guarded(lambda: processing.idle(self.connection.poll))
        _guarded(lambda: processing.save_sets(processing.tiny.close_all()))
        self.send(("stats", processing.stats))

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
            _, up_to, token, ids = message
            self.announced = max(self.announced, up_to)
            if token is not None:
                self.waiting[token] = ids
                self.wanted.update(ids)
        elif kind == "again":
            self.agains.append(message)
        elif kind == "reload":
            _guarded(self.reload)
        elif kind == "stop":
            self.stopping = True

    def _next_batch(self) -> None:
        processing = self.processing
        try:
            rows = processing.writer.pending(self.cursor, self.batch_frames, up_to=self.announced)
        except Exception as exc:  # the store is down: answer the waiting ones, try later
            _log.error("reading archived frames failed: %s", exc)
            self.cursor = self.announced
            self._answer(lookup=False)
            return
        if not rows:  # processed already (by recovery at start)
            self.cursor = self.announced
        else:
            ids = [frame_id for frame_id, _ in rows]
            try:
                receipts = processing.process(ids, [arrival for _, arrival in rows])
            except Exception as exc:  # a defect must not end the process; recovery comes back
                _log.exception("processing %d frames failed", len(ids))
                receipts = retry_receipts(ids, type(exc).__name__)
            self.cursor = ids[-1]
            wanted = self.wanted
            self.found.update((r.id, r) for r in receipts if r.id in wanted)
            self.send(("stats", processing.stats))
        self._answer(lookup=True)

    def _answer(self, *, lookup: bool) -> None:
        """Answer every waiting front whose frames are all at or below the cursor; frames not
        processed in this run are answered with their stored status."""
        ready = [t for t, ids in self.waiting.items() if not ids or ids[-1] <= self.cursor]
        if not ready:
            return
        missing = [i for t in ready for i in self.waiting[t] if i not in self.found]
        stored: dict[int, tuple[str, str | None]] = {}
        if missing and lookup:
            try:
                stored = self.processing.writer.statuses(missing)
            except Exception as exc:
                _log.error("reading frames' statuses failed: %s", exc)
        for token in ready:
            ids = self.waiting.pop(token)
            receipts = []
            for frame_id in ids:
                self.wanted.discard(frame_id)
                receipt = self.found.pop(frame_id, None)
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
