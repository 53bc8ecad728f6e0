"""The ingest pipeline's front: one thread that archives in batches and acknowledges.

Adapters :meth:`Pipeline.submit` arrivals and wait for their receipts. The submissions an
event loop makes in one turn reach the archiving thread together, once that turn ends (one
hand-over, one wake-up of the thread), and their answers come back to the loop together (see
:mod:`openpcs.gateway.pipeline_jobs`). The archiving thread takes every submission waiting (up
to ``batch_frames`` frames) as one batch, so that under load a batch grows and one commit
serves many frames (group commit):

1. it archives the batch (one commit: from here on the frames are durable);
2. it hands the archived frames to the processing side (:mod:`openpcs.gateway.processing_link`:
   a thread here, or a processing process of its own), which decodes, deduplicates and stores
   them in id order;
3. it answers each submission: right after the archive (``acknowledge="archived"``, the
   default) with status ``archived`` and the frame's id, or once the processing side stored
   the results (``"processed"``) with the frame's status, as a client wanting the decode
   status asks.

An arrival the adapter already found wrong (text that is not hex, a sender its token may not
send for) is archived and answered ``error`` with its reason either way. When the store cannot
archive, the submission fails with :class:`StoreUnavailable` and nothing was acknowledged. A
processed answer is ``pending`` when storing the results failed or the processing side
restarted: the frame is archived, and recovery processes it.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Final

from openpcs.gateway.pipeline_jobs import (
    ARCHIVED,
    Acknowledge,
    Delivery,
    Job,
    answer_jobs,
    settle_soon,
)
from openpcs.gateway.processing import OutboxPlanner, Processing, summary
from openpcs.gateway.processing_link import ProcessingLink, ThreadLink
from openpcs.gateway.processor import Processor
from openpcs.gateway.records import Arrival, Receipt
from openpcs.gateway.senders import claimed_serial, mark_tokenless
from openpcs.gateway.storable import make_storable
from openpcs.gateway.store.schema import FrameStatus
from openpcs.gateway.store.writer import StoreWriter
from openpcs.gateway.tiny_sets import TinyAssembler

__all__ = [
    "ARCHIVED",
    "Acknowledge",
    "Overloaded",
    "Pipeline",
    "PipelineStats",
    "StoreUnavailable",
]

_log = logging.getLogger(__name__)
_IDLE_WAKE_S: Final = 0.5


class Overloaded(Exception):
    """Too many frames are waiting already; the sender should try again shortly."""


class StoreUnavailable(Exception):
    """The store could not archive the frames; nothing was acknowledged. Its message is one
    line for senders, never the database's own (details go to the log)."""


@dataclass(slots=True)
class PipelineStats:
    """Counters for the status endpoint and the logs: the front's and the processing side's."""

    archived: int = 0
    batches: int = 0
    frames: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    archive_failures: int = 0
    save_failures: int = 0
    recovered: int = 0
    waiting: int = 0
    open_reading_sets: int = 0


class Pipeline:
    """Group-committing archive, then processing (:class:`ProcessingLink`), then answers."""

    def __init__(
        self,
        writer: StoreWriter,
        processor: Processor,
        tiny: TinyAssembler,
        *,
        batch_frames: int = 5000,
        max_waiting: int = 500_000,
        max_backlog: int = 1_000_000,
        dedup_window_s: float = 600.0,
        recovery_interval_s: float = 30.0,
        shared_store: bool = False,
        outbox: OutboxPlanner | None = None,
        acknowledge: Acknowledge = "archived",
        link: ProcessingLink | None = None,
    ) -> None:
        """Without ``link``, processing runs in a thread of this process with ``processor``
        and ``tiny``; with one, ``processor`` serves the front only (its directory checks
        senders)."""
        self.writer = writer
        self.processor = processor
        self.tiny = tiny
        self.batch_frames = batch_frames
        self.max_waiting = max_waiting
        self.max_backlog = max_backlog
        self.acknowledge: Acknowledge = acknowledge
        if link is None:
            processing = Processing(
                writer,
                processor,
                tiny,
                dedup_window_s=dedup_window_s,
                recovery_interval_s=recovery_interval_s,
                shared_store=shared_store,
                outbox=outbox,
            )
            link = ThreadLink(processing, batch_frames)
        self.link = link
        link.on_outbox = self._outbox_stored
        #: Called (from a pipeline thread) after outbox rows were stored.
        self.on_outbox: Callable[[], None] | None = None
        self._front = PipelineStats()
        self._jobs: deque[Job] = deque()
        #: Per event loop, what it submitted in its current turn (see :meth:`submit`).
        self._gathered: dict[asyncio.AbstractEventLoop, list[Job]] = {}
        self._waiting = 0
        self._condition = threading.Condition()
        self._stopping = False
        self._thread: threading.Thread | None = None

    def _outbox_stored(self) -> None:
        if self.on_outbox is not None:
            self.on_outbox()

    @property
    def stats(self) -> PipelineStats:
        """The front's counters with the processing side's latest figures."""
        side = self.link.stats
        front = self._front
        return PipelineStats(
            archived=front.archived,
            batches=side.batches,
            frames=side.frames,
            by_status=dict(side.by_status),
            archive_failures=front.archive_failures,
            save_failures=side.save_failures,
            recovered=side.recovered,
            waiting=self._waiting,
            open_reading_sets=side.open_reading_sets,
        )

    @property
    def backlog(self) -> int:
        """About how many frames this front archived that processing has not yet (the
        processing side's count includes frames recovered or processed again: never below 0;
        0 when processing runs elsewhere, where this front cannot see it)."""
        processed = self.link.processed
        return 0 if processed is None else max(0, self._front.archived - processed)

    # --- life cycle ----------------------------------------------------------------------

    def start(self) -> None:
        """Start the processing side (it recovers what an earlier run left pending), then the
        archiving thread."""
        self.link.start(self.writer.last_id())
        self._thread = threading.Thread(target=self._run, name="openpcs-pipeline", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Archive and answer every job handed over, refuse (:class:`StoreUnavailable`) those
        an event loop gathered but had not handed over yet, then stop the processing side
        (which finishes what it was handed and closes the reading sets' bookkeeping)."""
        with self._condition:
            self._stopping = True
            self._condition.notify_all()
            gathered = [job for jobs in self._gathered.values() for job in jobs]
            self._gathered.clear()
        self._refuse_stopping(gathered)
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout)
        self.link.stop(timeout)

    @property
    def running(self) -> bool:
        """Whether the archiving thread and the processing side are alive."""
        alive = self._thread is not None and self._thread.is_alive()
        return alive and self.link.running

    def reload_directory(self) -> None:
        """Tell the processing side that the devices' settings changed in the store."""
        self.link.reload_directory()

    # --- submitting ----------------------------------------------------------------------

    def enqueue(
        self,
        arrivals: Sequence[Arrival],
        deliver: Delivery,
        acknowledge: Acknowledge | None = None,
    ) -> None:
        """Queue arrivals; ``deliver`` is called from a pipeline thread with the receipts or an
        error, once archived or once processed (``acknowledge``, else the pipeline's own).

        Raises :class:`Overloaded` at once when too many frames are waiting, and
        :class:`StoreUnavailable` when the pipeline is stopping.
        """
        job = Job(list(arrivals), acknowledge or self.acknowledge, deliver=deliver)
        with self._condition:
            self._admit(len(job.arrivals))
            self._jobs.append(job)
            self._condition.notify()

    def _admit(self, count: int) -> None:
        """Count ``count`` more frames as waiting, or refuse them (the condition held)."""
        if self._stopping:
            raise StoreUnavailable("the gateway is stopping")
        if self._waiting + count > self.max_waiting and self._waiting:
            raise Overloaded(f"{self._waiting} frames are waiting to be stored; try again")
        if (backlog := self.backlog) > self.max_backlog:
            raise Overloaded(f"{backlog} archived frames are waiting to be processed; try again")
        self._waiting += count

    async def submit(
        self, arrivals: Sequence[Arrival], acknowledge: Acknowledge | None = None
    ) -> list[Receipt]:
        """Queue arrivals and wait for their receipts, one per arrival, in order.

        Refused at once as :meth:`enqueue` refuses. What the running loop submits in one turn
        is handed to the archiving thread together once that turn ends (so one hand-over and
        one wake-up serve every request the loop read at once)."""
        if not arrivals:
            return []
        loop = asyncio.get_running_loop()
        future: asyncio.Future[list[Receipt]] = loop.create_future()
        job = Job(list(arrivals), acknowledge or self.acknowledge, future=future)
        with self._condition:
            self._admit(len(job.arrivals))
            gathered = self._gathered.get(loop)
            if gathered is None:
                self._gathered[loop] = gathered = []
                loop.call_soon(self._hand_gathered, loop)
            gathered.append(job)
        try:
            return await future
        finally:  # a failure's traceback holds this frame: it must not hold the failure too
            del future, job, gathered

    def _hand_gathered(self, loop: asyncio.AbstractEventLoop) -> None:
        """Queue what ``loop`` submitted this turn (:meth:`stop` refuses what it finds
        gathered, so nothing is left for a stopped archiving thread)."""
        with self._condition:
            jobs = self._gathered.pop(loop, [])
            if jobs:
                self._jobs.extend(jobs)
                self._condition.notify()

    def _refuse_stopping(self, jobs: list[Job]) -> None:
        if jobs:
            self._release(jobs)
            refusal = StoreUnavailable("the gateway is stopping")
            answer_jobs((job, refusal) for job in jobs)

    async def process_again(
        self, frame_ids: Sequence[int], *, open_cloud: bool = False, quiet: bool = False
    ) -> list[Receipt]:
        """Process archived frames again (after adding a key or a fix); their receipts. Tiny
        frames stay in their reading sets; no frame counts as another instance's duplicate.

        ``open_cloud`` opens device-to-cloud frames with the payload key the gateway holds;
        with ``quiet`` a frame that is still partial is not forwarded again.
        """
        if self._stopping:
            raise StoreUnavailable("the gateway is stopping")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[list[Receipt]] = loop.create_future()
        self.link.again(list(frame_ids), open_cloud, quiet, partial(_settle_again, future))
        try:
            return await future
        finally:  # as in submit: no cycle through a failure's traceback
            del future

    # --- the archiving thread ------------------------------------------------------------

    def _run(self) -> None:
        while True:
            jobs = self._take()
            if jobs is None:
                break
            if jobs:
                self._run_jobs(jobs)
            del jobs  # answered: not kept (a failure's traceback, say) while the thread waits

    def _take(self) -> list[Job] | None:
        with self._condition:
            if not self._jobs and not self._stopping:
                self._condition.wait(_IDLE_WAKE_S)
            if not self._jobs:
                return None if self._stopping else []
            taken = [self._jobs.popleft()]
            frames = len(taken[0].arrivals)
            while self._jobs:
                size = len(self._jobs[0].arrivals)
                if frames + size > self.batch_frames:
                    break
                taken.append(self._jobs.popleft())
                frames += size
            return taken

    def _release(self, jobs: Sequence[Job]) -> None:
        count = sum(len(j.arrivals) for j in jobs)
        with self._condition:
            self._waiting -= count

    def _run_jobs(self, jobs: list[Job]) -> None:
        try:
            self._archive_and_hand_over(jobs)
        except Exception as exc:  # a defect or a store failure must not end the thread
            _log.exception("a batch of %d submissions failed", len(jobs))
            failure = StoreUnavailable(f"the batch failed ({type(exc).__name__}): try again")
            answer_jobs((job, failure) for job in jobs)  # a future answered keeps its answer
        finally:
            self._release(jobs)

    def _archive_and_hand_over(self, jobs: list[Job]) -> None:
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
            self._front.archive_failures += 1
            _log.error("archiving %d frames failed: %s", len(arrivals), summary(exc))
            failure = StoreUnavailable("the store could not take the frames; send them again")
            answer_jobs((job, failure) for job in jobs)
            return
        self._front.archived += len(ids)
        waiting: list[tuple[Job, int, int]] = []
        answered: list[tuple[Job, list[Receipt]]] = []
        start = 0
        for job in jobs:
            end = start + len(job.arrivals)
            if job.acknowledge == "processed":
                waiting.append((job, start, end))
            else:
                answered.append((job, _archived_receipts(ids[start:end], job.arrivals)))
            start = end
        answer_jobs(answered)
        self.link.hand_over(ids, arrivals, _answer_waiting(waiting) if waiting else None)


def _archived_receipts(ids: Sequence[int], arrivals: Sequence[Arrival]) -> list[Receipt]:
    """Receipts given once archived: ``archived``, or ``error`` with what was found already."""
    return [
        Receipt(frame_id, FrameStatus.ERROR, arrival.problem)
        if arrival.problem
        else Receipt(frame_id, ARCHIVED)
        for frame_id, arrival in zip(ids, arrivals, strict=True)
    ]


def _settle_again(
    future: asyncio.Future[list[Receipt]], outcome: list[Receipt] | BaseException
) -> None:
    """Answer a :meth:`Pipeline.process_again`: a failure as :class:`StoreUnavailable`."""
    if isinstance(outcome, BaseException) and not isinstance(outcome, StoreUnavailable):
        outcome = StoreUnavailable(f"processing failed ({type(outcome).__name__})")
    settle_soon([(future, outcome)])


def _answer_waiting(waiting: list[tuple[Job, int, int]]) -> Callable[[list[Receipt]], None]:
    """What answers the jobs waiting for processing, given the batch's receipts."""

    def answer(receipts: list[Receipt]) -> None:
        answer_jobs((job, receipts[start:end]) for job, start, end in waiting)

    return answer
