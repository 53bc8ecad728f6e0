"""The link of a gateway front end whose frames are processed elsewhere.

With ``pipeline.processing: elsewhere`` (a PostgreSQL store), ``openpcs serve`` archives and
answers, and ``openpcs process`` instances (:mod:`openpcs.gateway.processing_claims`) process.
:class:`ElsewhereLink` hands nothing over: the archive is what they read. A client waiting for
processing (``?wait=processed``) is answered once the store shows its frames' statuses (read
every 50 ms, for up to ``answer_within_s``; then ``pending``). Processing archived frames again
(an admin's request) runs here, in a thread, on the store.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Final

from openpcs.gateway.processing import Processing
from openpcs.gateway.processing_link import (
    AgainDone,
    AgainJob,
    HandedOver,
    LinkInThisProcess,
    retry_receipts,
    run_again,
)
from openpcs.gateway.records import Arrival, Receipt
from openpcs.gateway.store.schema import FrameStatus

__all__ = ["ElsewhereLink"]

_log = logging.getLogger("openpcs.gateway.pipeline")
_POLL_S: Final = 0.05


class ElsewhereLink(LinkInThisProcess):
    """Processing by other processes; ``processing`` serves requests to process again."""

    def __init__(self, processing: Processing, *, answer_within_s: float = 30.0) -> None:
        self.processing = processing
        self.answer_within_s = answer_within_s
        self.on_outbox: Callable[[], None] | None = None
        self._waiting: list[tuple[float, Sequence[int], HandedOver]] = []
        self._condition = threading.Condition()
        self._again_lock = threading.Lock()
        self._stopping = False
        self._thread: threading.Thread | None = None

    @property
    def processed(self) -> None:
        """None: the frames are processed by other processes, which this one does not see
        (:attr:`stats` counts what was processed again here)."""
        return None

    def start(self, ceiling: int) -> None:
        """Start the thread answering clients that wait for processing."""
        del ceiling  # the processing processes recover what is pending
        self._thread = threading.Thread(target=self._run, name="openpcs-processed", daemon=True)
        self._thread.start()

    def hand_over(
        self, ids: Sequence[int], arrivals: Sequence[Arrival], answer: HandedOver | None
    ) -> None:
        """Nothing to hand over; remember who waits for these frames' statuses."""
        del arrivals
        if answer is None:
            return
        with self._condition:
            self._waiting.append((time.monotonic() + self.answer_within_s, ids, answer))
            self._condition.notify()

    def again(
        self, frame_ids: Sequence[int], open_cloud: bool, quiet: bool, done: AgainDone
    ) -> None:
        """Process archived frames again here, in a thread of its own."""

        def work() -> None:
            with self._again_lock:
                run_again(self.processing, AgainJob(frame_ids, open_cloud, quiet, done))

        threading.Thread(target=work, name="openpcs-again", daemon=True).start()

    def reload_directory(self) -> None:
        """Nothing to do: the processing processes read the devices' settings themselves."""

    def _run(self) -> None:
        while True:
            with self._condition:
                if not self._waiting and not self._stopping:
                    self._condition.wait(1.0)
                waiting, self._waiting = self._waiting, []
                stopping = self._stopping
            if stopping:
                for _, ids, answer in waiting:
                    answer(retry_receipts(ids, "the gateway is stopping"))
                return
            if waiting:
                later = self._answer(waiting)
                with self._condition:
                    self._waiting[:0] = later
                time.sleep(_POLL_S)

    def _answer(
        self, waiting: list[tuple[float, Sequence[int], HandedOver]]
    ) -> list[tuple[float, Sequence[int], HandedOver]]:
        """Answer those whose frames are processed (or who waited long enough); the rest."""
        try:
            stored = self.processing.writer.statuses([i for _, ids, _ in waiting for i in ids])
        except Exception as exc:
            _log.error("reading frames' statuses failed: %s", exc)
            stored = {}
        now = time.monotonic()
        later = []
        for deadline, ids, answer in waiting:
            found = [stored.get(i, (FrameStatus.PENDING, None)) for i in ids]
            if any(status == FrameStatus.PENDING for status, _ in found) and now < deadline:
                later.append((deadline, ids, answer))
                continue
            receipts = [
                Receipt(i, status, error or None)
                if status != FrameStatus.PENDING
                else retry_receipts([i], "not processed yet")[0]
                for i, (status, error) in zip(ids, found, strict=True)
            ]
            answer(receipts)
        return later
