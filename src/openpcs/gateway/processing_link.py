"""How the archiving front hands archived frames to the processing side.

Two links with one contract (:class:`ProcessingLink`):

- :class:`ThreadLink` runs :class:`~openpcs.gateway.processing.Processing` in a thread of the
  gateway's own process, handing it the archived arrivals themselves;
- :class:`~openpcs.gateway.processing_process.ProcessLink` runs it in a processing process of
  its own (the second core), which reads the announced frames back from the archive.

Either way the processing side takes frames in id order, one batch at a time, and answers a
hand-over that asked for them with one receipt per frame. Housekeeping (closing reading sets,
recovering pending frames) runs when it is idle.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final, Protocol

from openpcs.gateway.processing import Processing, ProcessingStats, summary
from openpcs.gateway.records import Arrival, Receipt
from openpcs.gateway.store.schema import FrameStatus

__all__ = [
    "AgainDone",
    "AgainJob",
    "HandedOver",
    "LinkInThisProcess",
    "ProcessingLink",
    "ThreadLink",
    "retry_receipts",
    "run_again",
]

_log = logging.getLogger("openpcs.gateway.pipeline")
_IDLE_WAKE_S: Final = 0.5

#: Called with one receipt per frame handed over, in order.
HandedOver = Callable[[list[Receipt]], None]
#: Called with the receipts of frames processed again, or the error that stopped it.
AgainDone = Callable[[list[Receipt] | BaseException], None]


def retry_receipts(ids: Sequence[int], why: str) -> list[Receipt]:
    """Receipts for archived frames whose processing did not finish: ``pending``, and recovery
    processes them later."""
    note = f"archived; processing will be retried ({why})"
    return [Receipt(frame_id, FrameStatus.PENDING, note) for frame_id in ids]


class ProcessingLink(Protocol):
    """The processing side as the archiving front sees it."""

    #: Called (from a thread of the link) when outbox rows were stored.
    on_outbox: Callable[[], None] | None

    @property
    def stats(self) -> ProcessingStats:
        """The latest figures of the processing side."""

    @property
    def running(self) -> bool:
        """Whether the processing side is alive."""

    @property
    def pid(self) -> int | None:
        """The processing process's id (``None`` when processing runs in this process)."""

    @property
    def processed(self) -> int | None:
        """How many frames the processing side has processed so far, cheap to read on every
        submission (``None``: it runs elsewhere, where this front cannot count it)."""

    def start(self, ceiling: int) -> None:
        """Start; frames archived up to ``ceiling`` before this are recovered, later ones
        come by :meth:`hand_over`."""

    def hand_over(
        self, ids: Sequence[int], arrivals: Sequence[Arrival], answer: HandedOver | None
    ) -> None:
        """Newly archived frames (ids rising); ``answer`` gets their receipts if given."""

    def again(
        self, frame_ids: Sequence[int], open_cloud: bool, quiet: bool, done: AgainDone
    ) -> None:
        """Process archived frames again; ``done`` gets their receipts."""

    def reload_directory(self) -> None:
        """The devices' settings changed in the store: read them again."""

    def stop(self, timeout: float) -> None:
        """Finish what was handed over, close the reading sets, stop."""


@dataclass(slots=True)
class _New:
    ids: Sequence[int]
    arrivals: Sequence[Arrival]
    answer: HandedOver | None


@dataclass(slots=True)
class AgainJob:
    """Archived frames to process again, and who gets the receipts."""

    ids: Sequence[int]
    open_cloud: bool
    quiet: bool
    done: AgainDone


class LinkInThisProcess:
    """What links that keep a processing side in this process share: its figures, and the
    thread they run (the processing thread, or one that answers waiting clients)."""

    processing: Processing
    _thread: threading.Thread | None
    _condition: threading.Condition
    _stopping: bool

    @property
    def stats(self) -> ProcessingStats:
        """The figures of the processing side kept here."""
        return self.processing.stats

    @property
    def running(self) -> bool:
        """Whether the link's thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    @property
    def pid(self) -> None:
        """None: no processing process of this gateway's own."""
        return None

    def stop(self, timeout: float) -> None:
        """Tell the link's thread to stop (it finishes what it holds first) and wait for it."""
        with self._condition:
            self._stopping = True
            self._condition.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None


class ThreadLink(LinkInThisProcess):
    """The processing side in a thread of this process (batches of up to ``batch_frames``)."""

    def __init__(self, processing: Processing, batch_frames: int = 5000) -> None:
        self.processing = processing
        self.batch_frames = batch_frames
        self.on_outbox: Callable[[], None] | None = None
        processing.on_outbox = self._outbox_stored
        self._items: deque[_New | AgainJob] = deque()
        self._queued = 0  # frames in the queue
        self._condition = threading.Condition()
        self._stopping = False
        self._thread: threading.Thread | None = None

    @property
    def processed(self) -> int:
        """Frames the processing thread has processed."""
        return self.processing.stats.frames

    def start(self, ceiling: int) -> None:
        """Seed the dedup window and start the thread (it recovers first)."""
        self.processing.seed()
        self.processing.taken = max(self.processing.taken, ceiling)
        self._thread = threading.Thread(target=self._run, name="openpcs-processing", daemon=True)
        self._thread.start()

    def hand_over(
        self, ids: Sequence[int], arrivals: Sequence[Arrival], answer: HandedOver | None
    ) -> None:
        """Queue newly archived frames; waits while more than ``4 * batch_frames`` frames are
        queued (the front then queues, up to its limit: backpressure, not memory)."""
        with self._condition:
            while self._queued > 4 * self.batch_frames and not self._stopping and self.running:
                self._condition.wait(_IDLE_WAKE_S)
            self._queued += len(ids)
            self._items.append(_New(ids, arrivals, answer))
            self._condition.notify_all()

    def again(
        self, frame_ids: Sequence[int], open_cloud: bool, quiet: bool, done: AgainDone
    ) -> None:
        """Queue frames to process again."""
        self._put(AgainJob(frame_ids, open_cloud, quiet, done))

    def reload_directory(self) -> None:
        """Nothing to do: this side shares the front's directory."""

    def _outbox_stored(self) -> None:
        if self.on_outbox is not None:
            self.on_outbox()

    def _put(self, item: AgainJob) -> None:
        with self._condition:
            self._items.append(item)
            self._condition.notify_all()

    def _pending_work(self) -> bool:
        return bool(self._items) or self._stopping

    def _run(self) -> None:
        processing = self.processing
        _guarded(lambda: processing.recover(initial=True, interrupted=self._pending_work))
        while True:
            with self._condition:
                if not self._items and not self._stopping:
                    self._condition.wait(_IDLE_WAKE_S)
                taken = self._take()
                if not taken and self._stopping:
                    break
            if not taken:
                _guarded(lambda: processing.idle(self._pending_work))
                continue
            first = taken[0]
            if isinstance(first, AgainJob):
                run_again(processing, first)
            else:
                self._run_new([item for item in taken if isinstance(item, _New)])
        _guarded(lambda: processing.save_sets(processing.tiny.close_all()))

    def _take(self) -> list[_New | AgainJob]:
        """The next batch: one again-job, or consecutive new frames up to ``batch_frames``."""
        if not self._items:
            return []
        taken: list[_New | AgainJob] = [self._items.popleft()]
        if isinstance(taken[0], AgainJob):
            return taken
        frames = len(taken[0].ids)
        while self._items and isinstance(self._items[0], _New):
            size = len(self._items[0].ids)
            if frames + size > self.batch_frames:
                break
            taken.append(self._items.popleft())
            frames += size
        self._queued -= frames
        self._condition.notify_all()  # a hand-over waiting for room
        return taken

    def _run_new(self, items: list[_New]) -> None:
        ids = [i for item in items for i in item.ids]
        arrivals = [a for item in items for a in item.arrivals]
        try:
            receipts = self.processing.process(ids, arrivals)
        except Exception as exc:  # a defect must not end the thread; recovery comes back
            _log.exception("processing %d frames failed", len(ids))
            receipts = retry_receipts(ids, type(exc).__name__)
        start = 0
        for item in items:
            end = start + len(item.ids)
            if item.answer is not None:
                item.answer(receipts[start:end])
            start = end


def run_again(processing: Processing, job: AgainJob) -> None:
    """Process a job's frames again and give it the receipts, or the error that stopped it."""
    try:
        receipts = processing.again(job.ids, open_cloud=job.open_cloud, quiet=job.quiet)
    except Exception as exc:
        _log.exception("processing %d frames again failed", len(job.ids))
        job.done(exc)
        return
    job.done(receipts)


def _guarded(work: Callable[[], None]) -> None:
    """Run housekeeping; a failure is logged and the processing side goes on."""
    try:
        work()
    except Exception as exc:
        _log.error("pipeline housekeeping failed: %s", summary(exc))
