"""The processing side of the pipeline: archived frames decoded, deduplicated and stored.

:class:`Processing` takes archived frames in id order (so that each device's frames keep their
order, which the dedup window and the tiny frames' reading sets need), processes them, and
stores their results with their outbox rows in one commit per batch. It runs in one thread,
either in the gateway's own process or in a processing process of its own
(:mod:`openpcs.gateway.processing_link`); it never archives.

A frame whose results could not be stored stays ``pending`` in the archive, and
:meth:`Processing.recover` processes it again later. Only frames at or below the highest id
this side has taken (:attr:`Processing.taken`) are recovered: a higher one is still on its
way here, and processing it twice would count it as its own duplicate.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Final

from openpcs.gateway.processor import Processor
from openpcs.gateway.records import Arrival, Processed, Receipt, utc_now
from openpcs.gateway.senders import own_token_refusal
from openpcs.gateway.store.schema import FrameStatus
from openpcs.gateway.store.writer import OutboxRow, StoreWriter
from openpcs.gateway.tiny_sets import TinyAssembler, TinySet

__all__ = ["OutboxPlanner", "Processing", "ProcessingStats", "summary"]

_log = logging.getLogger("openpcs.gateway.pipeline")
_RECOVERY_BATCH: Final = 2000

#: Statuses of frames stored with their readings (a repeat of one is a duplicate).
_STORED: Final = (FrameStatus.OK, FrameStatus.PARTIAL)
#: Statuses of frames the forwarders get.
_FORWARDED: Final = (FrameStatus.OK, FrameStatus.PARTIAL, FrameStatus.ENCRYPTED)

OutboxPlanner = Callable[[int, Arrival, Processed], list[OutboxRow]]


@dataclass(slots=True)
class ProcessingStats:
    """What the processing side has done, for the status endpoint and the logs."""

    batches: int = 0
    frames: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    save_failures: int = 0
    recovered: int = 0
    open_reading_sets: int = 0


class Processing:
    """Processes archived frames and stores their results; used by one thread at a time."""

    def __init__(
        self,
        writer: StoreWriter,
        processor: Processor,
        tiny: TinyAssembler,
        *,
        dedup_window_s: float = 600.0,
        recovery_interval_s: float = 30.0,
        shared_store: bool = False,
        outbox: OutboxPlanner | None = None,
    ) -> None:
        self.writer = writer
        self.processor = processor
        self.tiny = tiny
        self.dedup_window_s = dedup_window_s
        self.recovery_interval_s = recovery_interval_s
        self.shared_store = shared_store
        self.outbox = outbox
        self.stats = ProcessingStats()
        #: The highest frame id handed to this side so far.
        self.taken = 0
        #: Called after outbox rows were stored.
        self.on_outbox: Callable[[], None] | None = None
        self._next_recovery = 0.0
        self._save_error = ""

    def seed(self) -> None:
        """Fill the dedup window with the keys of frames stored within it."""
        self.processor.dedup.seed(self.writer.recent_keys(utc_now(), self.dedup_window_s))

    # --- frames handed over -------------------------------------------------------------

    def process(self, ids: Sequence[int], arrivals: Sequence[Arrival]) -> list[Receipt]:
        """Process and store newly archived frames (ids rising); one receipt per frame."""
        if ids:
            self.taken = max(self.taken, ids[-1])
        return self._process_and_save(ids, arrivals)

    def again(self, frame_ids: Sequence[int], *, open_cloud: bool, quiet: bool) -> list[Receipt]:
        """Process archived frames again (see :meth:`Pipeline.process_again`)."""
        found = self.writer.arrivals(frame_ids)
        for _, _, key, _ in found:
            if key is not None:
                self.processor.dedup.forget(key)
        receipts = self._process_and_save(
            [row[0] for row in found],
            [row[1] for row in found],
            again=True,
            open_cloud=open_cloud,
            quiet=quiet,
            kept_sets={row[0]: row[3] for row in found},
        )
        by_id = {r.id: r for r in receipts}
        return [
            by_id.get(frame_id, Receipt(frame_id, "missing", "no such frame"))
            for frame_id in frame_ids
        ]

    def _process_and_save(
        self,
        ids: Sequence[int],
        arrivals: Sequence[Arrival],
        *,
        again: bool = False,
        open_cloud: bool = False,
        quiet: bool = False,
        kept_sets: dict[int, int | None] | None = None,
    ) -> list[Receipt]:
        process = self.processor.process
        results = [
            process(frame_id, arrival, again=again, open_cloud=open_cloud)
            for frame_id, arrival in zip(ids, arrivals, strict=True)
        ]
        self._refuse_hidden_senders(arrivals, results)
        if self.shared_store and not again:
            self._duplicates_elsewhere(results)
        for result in results:
            if kept_sets is not None and result.tiny is not None:  # it stays in its set
                result.tiny, result.set_id = None, kept_sets.get(result.frame_id)
        sets, links = self._assemble(arrivals, results)
        outbox = self._outbox(arrivals, results, quiet=quiet)
        try:
            self.writer.save(
                list(zip(arrivals, results, strict=True)),
                sets,
                outbox,
                set_links=links,
                replace=again,
            )
        except Exception as exc:
            self.stats.save_failures += 1
            self._save_error = summary(exc)
            _log.error("storing the results of %d frames failed: %s", len(results), summary(exc))
            for result in results:  # the keys this batch added; a duplicate's is its original's
                if result.dedup_key is not None and result.status != FrameStatus.DUPLICATE:
                    self.processor.dedup.forget(result.dedup_key)
            note = f"archived; processing will be retried ({type(exc).__name__})"
            return [Receipt(r.frame_id, FrameStatus.PENDING, note) for r in results]
        if outbox and self.on_outbox is not None:
            self.on_outbox()
        stats = self.stats
        stats.batches += 1
        stats.frames += len(results)
        stats.open_reading_sets = len(self.tiny)
        by_status = stats.by_status
        for result in results:
            by_status[result.status] = by_status.get(result.status, 0) + 1
        return [Receipt(r.frame_id, r.status, r.error, r.serial, len(r.readings)) for r in results]

    def _refuse_hidden_senders(
        self, arrivals: Sequence[Arrival], results: Sequence[Processed]
    ) -> None:
        """Refuse the frames of devices with their own ingest token whose serial only decoding
        showed (a mesh packet, a tiny frame of an unknown alias): no token was checked."""
        directory = self.processor.directory
        for arrival, result in zip(arrivals, results, strict=True):
            serial = result.serial
            if serial is None or serial == arrival.serial or directory.ingest_allowed(serial, None):
                continue
            if result.dedup_key is not None:
                self.processor.dedup.forget(result.dedup_key)
            result.status = FrameStatus.ERROR
            result.error = f"{own_token_refusal(serial)}; its serial was hidden until decoding"
            result.readings = []
            result.battery = None
            result.tiny = None
            result.dedup_key = None

    def _duplicates_elsewhere(self, results: list[Processed]) -> None:
        """Mark as duplicates the frames another instance sharing the store already stored."""
        keys = [r.dedup_key for r in results if r.status in _STORED and r.dedup_key]
        if not keys:
            return
        since = utc_now() - timedelta(seconds=self.dedup_window_s)
        try:
            stored = self.writer.stored_keys(keys, since)
        except Exception as exc:  # a failed check must not stop storing
            _log.warning("checking duplicates in the shared store failed: %s", exc)
            return
        for result in results:
            if result.status in _STORED and result.dedup_key in stored:
                result.status = FrameStatus.DUPLICATE
                result.error = "the same frame was stored by another gateway instance"
                result.readings = []
                result.battery = None
                result.tiny = None

    def _assemble(
        self, arrivals: Sequence[Arrival], results: Sequence[Processed]
    ) -> tuple[list[TinySet], list[tuple[Processed, TinySet]]]:
        touched: dict[int, TinySet] = {}
        links: list[tuple[Processed, TinySet]] = []
        for arrival, result in zip(arrivals, results, strict=True):
            if result.tiny is None:
                continue
            settings = self.processor.directory.settings(result.tiny.serial)
            expected = settings.expected_sensors if settings else None
            current, closed = self.tiny.add(result.tiny, arrival.received_at, expected)
            if closed is not None:
                touched[id(closed)] = closed
            touched[id(current)] = current
            links.append((result, current))
        return list(touched.values()), links

    def _outbox(
        self, arrivals: Sequence[Arrival], results: Sequence[Processed], *, quiet: bool
    ) -> list[OutboxRow]:
        if self.outbox is None:
            return []
        rows: list[OutboxRow] = []
        for arrival, result in zip(arrivals, results, strict=True):
            if result.status in _FORWARDED and not (quiet and result.status == FrameStatus.PARTIAL):
                rows.extend(self.outbox(result.frame_id, arrival, result))
        return rows

    # --- housekeeping -------------------------------------------------------------------

    def idle(self, interrupted: Callable[[], bool] = bool) -> None:
        """Close the reading sets whose time is up; recover pending frames when it is time
        (see :meth:`recover` for ``interrupted``)."""
        self.save_sets(self.tiny.expired())
        if time.monotonic() >= self._next_recovery:
            self.recover(initial=False, interrupted=interrupted)

    def save_sets(self, sets: list[TinySet]) -> None:
        """Store reading sets (closed ones, or all of them at the end)."""
        if not sets:
            return
        try:
            self.writer.save([], sets)
        except Exception as exc:
            _log.error("closing %d reading sets failed: %s", len(sets), exc)
        self.stats.open_reading_sets = len(self.tiny)

    def recover(self, *, initial: bool, interrupted: Callable[[], bool] = bool) -> None:
        """Process frames left pending at or below :attr:`taken` (a crash between archive and
        store, a failed save), in id order; stops early when ``interrupted()`` says so.

        At start (``initial``) on a store of its own, every pending frame is an orphan; on a
        shared store, or later, only those older than the recovery interval are (others may be
        another instance's frames in flight).
        """
        self._next_recovery = time.monotonic() + self.recovery_interval_s
        grace = 0.0 if initial and not self.shared_store else self.recovery_interval_s
        before = utc_now() - timedelta(seconds=grace)
        after = 0
        while True:
            try:
                pending = self.writer.pending(
                    after, _RECOVERY_BATCH, before=before, up_to=self.taken
                )
            except Exception as exc:
                _log.error("looking for pending frames failed: %s", exc)
                return
            if not pending:
                return
            ids = [frame_id for frame_id, _ in pending]
            receipts = self._process_and_save(ids, [a for _, a in pending])
            if any(r.status == FrameStatus.PENDING for r in receipts):
                self.isolate(pending)
            self.stats.recovered += len(ids)
            after = ids[-1]
            if interrupted():
                return

    def isolate(self, pending: list[tuple[int, Arrival]]) -> None:
        """Store pending frames one by one, so that one the store refuses holds no other back;
        that one is marked an error with the store's reason."""
        for frame_id, arrival in pending:
            (receipt,) = self._process_and_save([frame_id], [arrival])
            if receipt.status != FrameStatus.PENDING:
                continue
            try:
                self.writer.mark_error(
                    frame_id, f"the store refused its results ({self._save_error})"
                )
            except Exception as exc:  # the store itself is down: recovery comes back later
                _log.error("marking frame %d failed: %s", frame_id, exc)
                return


def summary(exc: BaseException) -> str:
    """An error's type and first line (a database error's next lines repeat its SQL)."""
    lines = str(exc).splitlines()
    return f"{type(exc).__name__}: {lines[0] if lines else ''}"
