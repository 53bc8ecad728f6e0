"""The ingest pipeline: one worker thread that archives, processes and stores in batches.

Adapters :meth:`Pipeline.submit` arrivals and wait for their receipts. The worker takes every
submission waiting (up to ``batch_frames`` frames) as one batch, so that under load a batch
grows and each commit serves many frames (group commit):

1. archive the batch (commit: the frames are durable from here on);
2. process each frame (decrypt, decode, deduplicate; tiny frames join their reading sets);
3. store the results with their outbox rows (commit);
4. answer every submission with one :class:`Receipt` per arrival.

A frame is acknowledged only after step 3, or after step 1 with status ``pending`` when
storing its results failed: it is archived, and recovery processes it again. Recovery also
picks up, at start and then periodically, frames left pending by a crash between 1 and 3.
When the store cannot archive, the submission fails with :class:`StoreUnavailable` and
nothing was acknowledged.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Final

from openpcs.gateway.processor import Processor
from openpcs.gateway.records import Arrival, Processed, Receipt, utc_now
from openpcs.gateway.senders import claimed_serial, mark_tokenless, own_token_refusal
from openpcs.gateway.storable import make_storable
from openpcs.gateway.store.schema import FrameStatus
from openpcs.gateway.store.writer import OutboxRow, StoreWriter
from openpcs.gateway.tiny_sets import TinyAssembler, TinySet

__all__ = ["Overloaded", "Pipeline", "PipelineStats", "StoreUnavailable"]

_log = logging.getLogger(__name__)
_IDLE_WAKE_S: Final = 0.5
_RECOVERY_BATCH: Final = 2000

#: Statuses of frames stored with their readings (a repeat of one is a duplicate).
_STORED: Final = (FrameStatus.OK, FrameStatus.PARTIAL)
#: Statuses of frames the forwarders get.
_FORWARDED: Final = (FrameStatus.OK, FrameStatus.PARTIAL, FrameStatus.ENCRYPTED)

Delivery = Callable[[list[Receipt] | BaseException], None]
OutboxPlanner = Callable[[int, Arrival, Processed], list[OutboxRow]]


class Overloaded(Exception):
    """Too many frames are waiting already; the sender should try again shortly."""


class StoreUnavailable(Exception):
    """The store could not archive the frames; nothing was acknowledged. Its message is one
    line for senders, never the database's own (details go to the log)."""


@dataclass(slots=True)
class PipelineStats:
    """Counters for the status endpoint and the logs."""

    batches: int = 0
    frames: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    archive_failures: int = 0
    save_failures: int = 0
    recovered: int = 0
    waiting: int = 0


@dataclass(slots=True)
class _Job:
    arrivals: list[Arrival]
    deliver: Delivery
    again: list[int] | None = None  # frame ids when processing archived frames again
    open_cloud: bool = False
    quiet: bool = False  # frames processed again that stay partial are not forwarded again


class Pipeline:
    """Group-committing archive → process → store, run by one worker thread."""

    def __init__(
        self,
        writer: StoreWriter,
        processor: Processor,
        tiny: TinyAssembler,
        *,
        batch_frames: int = 5000,
        max_waiting: int = 500_000,
        dedup_window_s: float = 600.0,
        recovery_interval_s: float = 30.0,
        shared_store: bool = False,
        outbox: OutboxPlanner | None = None,
    ) -> None:
        self.writer = writer
        self.processor = processor
        self.tiny = tiny
        self.batch_frames = batch_frames
        self.max_waiting = max_waiting
        self.dedup_window_s = dedup_window_s
        self.recovery_interval_s = recovery_interval_s
        self.shared_store = shared_store
        self.outbox = outbox
        self.stats = PipelineStats()
        #: Called (from the worker thread) after outbox rows were stored.
        self.on_outbox: Callable[[], None] | None = None
        self._jobs: deque[_Job] = deque()
        self._waiting = 0
        self._condition = threading.Condition()
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._next_recovery = 0.0
        self._save_error = ""

    # --- life cycle ----------------------------------------------------------------------

    def start(self) -> None:
        """Seed the dedup window from the store, recover pending frames, start the worker."""
        now = utc_now()
        self.processor.dedup.seed(self.writer.recent_keys(now, self.dedup_window_s))
        self._thread = threading.Thread(target=self._run, name="openpcs-pipeline", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Finish every submitted job, close open reading sets' bookkeeping, stop the worker."""
        with self._condition:
            self._stopping = True
            self._condition.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    @property
    def running(self) -> bool:
        """Whether the worker is alive."""
        return self._thread is not None and self._thread.is_alive()

    # --- submitting ----------------------------------------------------------------------

    def enqueue(self, arrivals: Sequence[Arrival], deliver: Delivery) -> None:
        """Queue arrivals; ``deliver`` is called from the worker with the receipts or an error.

        Raises :class:`Overloaded` at once when too many frames are waiting.
        """
        self._enqueue(_Job(list(arrivals), deliver))

    def _enqueue(self, job: _Job) -> None:
        count = len(job.arrivals) or 1
        with self._condition:
            if self._stopping:
                raise StoreUnavailable("the gateway is stopping")
            if self._waiting + count > self.max_waiting and self._waiting:
                raise Overloaded(f"{self._waiting} frames are waiting to be stored; try again")
            self._waiting += count
            self.stats.waiting = self._waiting
            self._jobs.append(job)
            self._condition.notify()

    async def submit(self, arrivals: Sequence[Arrival]) -> list[Receipt]:
        """Queue arrivals and wait until they are durable; one receipt per arrival, in order."""
        if not arrivals:
            return []
        loop = asyncio.get_running_loop()
        future: asyncio.Future[list[Receipt]] = loop.create_future()

        def deliver(outcome: list[Receipt] | BaseException) -> None:
            loop.call_soon_threadsafe(_settle, future, outcome)

        self.enqueue(arrivals, deliver)
        return await future

    async def process_again(
        self, frame_ids: Sequence[int], *, open_cloud: bool = False, quiet: bool = False
    ) -> list[Receipt]:
        """Process archived frames again (after adding a key or a fix); their receipts. Tiny
        frames stay in their reading sets; no frame counts as another instance's duplicate.

        ``open_cloud`` opens device-to-cloud frames with the payload key the gateway holds;
        with ``quiet`` a frame that is still partial is not forwarded again.
        """
        loop = asyncio.get_running_loop()
        future: asyncio.Future[list[Receipt]] = loop.create_future()

        def deliver(outcome: list[Receipt] | BaseException) -> None:
            loop.call_soon_threadsafe(_settle, future, outcome)

        self._enqueue(_Job([], deliver, list(frame_ids), open_cloud, quiet))
        return await future

    # --- the worker ----------------------------------------------------------------------

    def _run(self) -> None:
        self._guarded(lambda: self._recover(initial=True))
        while True:
            jobs = self._take()
            if jobs is None:
                break
            if jobs:
                self._run_jobs(jobs)
            else:
                self._guarded(self._idle)
        self._guarded(lambda: self._save_sets(self.tiny.close_all()))

    @staticmethod
    def _guarded(work: Callable[[], None]) -> None:
        """Run housekeeping; a failure is logged and the worker goes on."""
        try:
            work()
        except Exception:
            _log.exception("pipeline housekeeping failed")

    def _take(self) -> list[_Job] | None:
        with self._condition:
            if not self._jobs and not self._stopping:
                self._condition.wait(_IDLE_WAKE_S)
            if not self._jobs:
                return None if self._stopping else []
            taken = [self._jobs.popleft()]
            if taken[0].again is not None:  # processing frames again is a batch of its own
                return taken
            frames = len(taken[0].arrivals)
            while self._jobs and self._jobs[0].again is None:
                size = len(self._jobs[0].arrivals)
                if frames + size > self.batch_frames:
                    break
                taken.append(self._jobs.popleft())
                frames += size
            return taken

    def _release(self, jobs: Sequence[_Job]) -> None:
        count = sum(len(j.arrivals) or 1 for j in jobs)
        with self._condition:
            self._waiting -= count
            self.stats.waiting = self._waiting

    def _run_jobs(self, jobs: list[_Job]) -> None:
        try:
            self._run_jobs_unguarded(jobs)
        except Exception as exc:  # a defect or a store failure must not end the worker
            _log.exception("a batch of %d submissions failed", len(jobs))
            failure = StoreUnavailable(f"the batch failed ({type(exc).__name__}): try again")
            for job in jobs:
                job.deliver(failure)  # a job answered already ignores a second answer
        finally:
            self._release(jobs)

    def _run_jobs_unguarded(self, jobs: list[_Job]) -> None:
        if jobs[0].again is not None:
            receipts = self._again(jobs[0])
            jobs[0].deliver(receipts)
            return
        arrivals = [a for job in jobs for a in job.arrivals]
        directory = self.processor.directory
        mark_tokenless(arrivals, directory)
        for arrival in arrivals:
            make_storable(arrival)
            if arrival.serial is None:
                arrival.serial = claimed_serial(arrival, directory)
        try:
            ids = self.writer.archive(arrivals)
        except Exception as exc:
            self.stats.archive_failures += 1
            _log.error("archiving %d frames failed: %s", len(arrivals), _summary(exc))
            failure = StoreUnavailable("the store could not take the frames; send them again")
            for job in jobs:
                job.deliver(failure)
            return
        receipts = self._process_and_save(ids, arrivals)
        start = 0
        for job in jobs:
            end = start + len(job.arrivals)
            job.deliver(receipts[start:end])
            start = end

    def _process_and_save(
        self,
        ids: Sequence[int],
        arrivals: Sequence[Arrival],
        *,
        again: _Job | None = None,
        kept_sets: dict[int, int | None] | None = None,
    ) -> list[Receipt]:
        process = self.processor.process
        open_cloud = again is not None and again.open_cloud
        results = [
            process(frame_id, arrival, again=again is not None, open_cloud=open_cloud)
            for frame_id, arrival in zip(ids, arrivals, strict=True)
        ]
        self._refuse_hidden_senders(arrivals, results)
        if self.shared_store and again is None:
            self._duplicates_elsewhere(results)
        for result in results:
            if kept_sets is not None and result.tiny is not None:  # it stays in its set
                result.tiny, result.set_id = None, kept_sets.get(result.frame_id)
        sets, links = self._assemble(arrivals, results)
        outbox = self._outbox(arrivals, results, quiet=again is not None and again.quiet)
        try:
            self.writer.save(
                list(zip(arrivals, results, strict=True)),
                sets,
                outbox,
                set_links=links,
                replace=again is not None,
            )
        except Exception as exc:
            self.stats.save_failures += 1
            self._save_error = _summary(exc)
            _log.error("storing the results of %d frames failed: %s", len(results), _summary(exc))
            for result in results:
                if result.dedup_key is not None:
                    self.processor.dedup.forget(result.dedup_key)
            note = f"archived; processing will be retried ({type(exc).__name__})"
            return [Receipt(r.frame_id, FrameStatus.PENDING, note) for r in results]
        if outbox and self.on_outbox is not None:
            self.on_outbox()
        self.stats.batches += 1
        self.stats.frames += len(results)
        by_status = self.stats.by_status
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

    def _again(self, job: _Job) -> list[Receipt]:
        frame_ids = job.again or []
        found = self.writer.arrivals(frame_ids)
        for _, _, key, _ in found:
            if key is not None:
                self.processor.dedup.forget(key)
        receipts = self._process_and_save(
            [row[0] for row in found],
            [row[1] for row in found],
            again=job,
            kept_sets={row[0]: row[3] for row in found},
        )
        by_id = {r.id: r for r in receipts}
        return [
            by_id.get(frame_id, Receipt(frame_id, "missing", "no such frame"))
            for frame_id in frame_ids
        ]

    def _idle(self) -> None:
        self._save_sets(self.tiny.expired())
        if time.monotonic() >= self._next_recovery:
            self._recover(initial=False)

    def _save_sets(self, sets: list[TinySet]) -> None:
        if not sets:
            return
        try:
            self.writer.save([], sets)
        except Exception as exc:
            _log.error("closing %d reading sets failed: %s", len(sets), exc)

    def _recover(self, *, initial: bool) -> None:
        """Process frames left pending (a crash between archive and store, a failed save)."""
        self._next_recovery = time.monotonic() + self.recovery_interval_s
        grace = 0.0 if initial and not self.shared_store else self.recovery_interval_s
        before = utc_now() - timedelta(seconds=grace)
        after = 0
        while True:
            try:
                pending = self.writer.pending(after, _RECOVERY_BATCH, before=before)
            except Exception as exc:
                _log.error("looking for pending frames failed: %s", exc)
                return
            if not pending:
                return
            ids = [frame_id for frame_id, _ in pending]
            receipts = self._process_and_save(ids, [a for _, a in pending])
            if any(r.status == FrameStatus.PENDING for r in receipts):
                self._isolate(pending)
            self.stats.recovered += len(ids)
            after = ids[-1]
            with self._condition:
                if self._jobs or self._stopping:
                    return

    def _isolate(self, pending: list[tuple[int, Arrival]]) -> None:
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


def _summary(exc: BaseException) -> str:
    """An error's type and first line (a database error's next lines repeat its SQL)."""
    lines = str(exc).splitlines()
    return f"{type(exc).__name__}: {lines[0] if lines else ''}"


def _settle(future: asyncio.Future[list[Receipt]], outcome: list[Receipt] | BaseException) -> None:
    if future.done():
        return
    if isinstance(outcome, BaseException):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)
