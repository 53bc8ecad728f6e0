"""The pipeline's jobs, and how their answers reach the submitters.

A job is one submission: its arrivals, when it wants its answer (``acknowledge``) and where the
answer goes. A submission made from an event loop (:meth:`Pipeline.submit
<openpcs.gateway.pipeline.Pipeline.submit>`) waits on a future of that loop; one made from
anywhere else (:meth:`Pipeline.enqueue <openpcs.gateway.pipeline.Pipeline.enqueue>`) gives a
function that a pipeline thread calls.

:func:`answer_jobs` answers a batch's jobs together: all the futures of one loop are settled
by one callback, so a batch of a thousand one-frame requests wakes their loop once, not a
thousand times (each wake-up is a write to the loop's self-pipe and a turn of the loop).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Final, Literal

from openpcs.gateway.records import Arrival, Receipt

__all__ = ["ARCHIVED", "Acknowledge", "Delivery", "Job", "Outcome", "answer_jobs", "settle_soon"]

#: When a submission is answered: once archived, or once its results are stored.
Acknowledge = Literal["archived", "processed"]
#: The receipt status of a frame acknowledged once archived.
ARCHIVED: Final = "archived"

#: A job's answer: one receipt per arrival, in order, or why there are none.
Outcome = list[Receipt] | BaseException
Delivery = Callable[[Outcome], None]
Settled = list[tuple[asyncio.Future[list[Receipt]], Outcome]]

_log = logging.getLogger("openpcs.gateway.pipeline")


@dataclass(slots=True)
class Job:
    """One submission. Exactly one of ``future`` (settled in its own event loop) and
    ``deliver`` (called from a pipeline thread) is set."""

    arrivals: list[Arrival]
    acknowledge: Acknowledge
    future: asyncio.Future[list[Receipt]] | None = None
    deliver: Delivery | None = None

    def __post_init__(self) -> None:
        if (self.future is None) == (self.deliver is None):
            raise ValueError("a job is answered through a future or a function, one of them")


def answer_jobs(answers: Iterable[tuple[Job, Outcome]]) -> None:
    """Give each job its outcome, from any thread.

    A job's future is settled in its loop: one ``call_soon_threadsafe`` per loop for all of
    them, in the order given. A future already done (its waiter was cancelled, or it was
    answered before) keeps what it has; a loop that has closed has no one waiting, and its
    futures are left. A job with a ``deliver`` function is called at once; one that raises is
    logged, and every other job is answered all the same (as are the futures met before
    ``answers`` itself raised, which is then raised).
    """
    by_loop: dict[asyncio.AbstractEventLoop, Settled] = {}
    failed = 0
    try:
        for job, outcome in answers:
            if job.future is not None:
                by_loop.setdefault(job.future.get_loop(), []).append((job.future, outcome))
            elif job.deliver is not None:
                try:
                    job.deliver(outcome)
                except Exception:
                    if not failed:  # the first with its traceback, then how many in all
                        _log.exception("answering a submission failed")
                    failed += 1
    finally:
        for settled in by_loop.values():
            settle_soon(settled)
        if failed > 1:
            _log.error("answering %d submissions of one batch failed", failed)


def settle_soon(settled: Settled) -> None:
    """Settle futures of one event loop with their outcomes, from any thread, in one callback
    of that loop (a future already done keeps what it has; a closed loop is left alone)."""
    if not settled:
        return
    try:
        settled[0][0].get_loop().call_soon_threadsafe(_settle_all, settled)
    except RuntimeError:  # the loop closed: nothing waits on these futures any more
        return


def _settle_all(settled: Settled) -> None:
    for future, outcome in settled:
        if future.done():
            continue
        if isinstance(outcome, BaseException):
            future.set_exception(outcome)
        else:
            future.set_result(outcome)
