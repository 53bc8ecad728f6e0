"""How submissions reach the archiving thread and how their answers come back: what one turn
of an event loop submits is handed over together, and a batch's answers wake each loop once."""

from __future__ import annotations

import asyncio
import gc
import threading
import weakref
from typing import Any

import pytest
from sqlalchemy import Engine

from openpcs.gateway.dedup import DedupWindow
from openpcs.gateway.directory import Directory
from openpcs.gateway.pipeline import Overloaded, Pipeline, StoreUnavailable
from openpcs.gateway.pipeline_jobs import Job, answer_jobs
from openpcs.gateway.processor import Processor
from openpcs.gateway.records import Arrival, Receipt
from openpcs.gateway.store import queries
from openpcs.gateway.store.writer import StoreWriter
from openpcs.gateway.tiny_sets import TinyAssembler
from tests.gateway import frames as f


class CountingWriter(StoreWriter):
    """A writer that records the size of every batch it archives."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self.batches: list[int] = []

    def archive(self, arrivals: Any) -> list[int]:
        self.batches.append(len(arrivals))
        return super().archive(arrivals)


class CountingLoop(asyncio.SelectorEventLoop):
    """An event loop that counts the times another thread woke it with a callback."""

    wakeups = 0

    def call_soon_threadsafe(self, callback: Any, *args: Any, context: Any = None) -> Any:
        if threading.current_thread() is not threading.main_thread():
            CountingLoop.wakeups += 1
        return super().call_soon_threadsafe(callback, *args, context=context)


def _pipeline(writer: StoreWriter, **options: Any) -> Pipeline:
    return Pipeline(writer, Processor(Directory(), DedupWindow(600)), TinyAssembler(60), **options)


def test_one_turn_of_submissions_is_one_batch_answered_with_one_wakeup(
    sqlite_engine: Engine,
) -> None:
    writer = CountingWriter(sqlite_engine)
    pipeline = _pipeline(writer)
    pipeline.start()
    CountingLoop.wakeups = 0

    async def fifty_requests() -> list[list[Receipt]]:
        return await asyncio.gather(
            *(pipeline.submit([Arrival(f.binary(i), "t")]) for i in range(50))
        )

    try:
        with asyncio.Runner(loop_factory=CountingLoop) as runner:
            answers = runner.run(fifty_requests())
    finally:
        pipeline.stop()
    assert writer.batches == [50]
    assert CountingLoop.wakeups == 1
    ids = [receipt.id for (receipt,) in answers]
    assert ids == list(range(ids[0], ids[0] + 50))  # each its own frame, in order
    assert {receipt.status for (receipt,) in answers} == {"archived"}


def test_a_submission_handed_over_after_stopping_began_is_refused_not_lost(
    sqlite_engine: Engine,
) -> None:
    writer = CountingWriter(sqlite_engine)
    pipeline = _pipeline(writer)
    pipeline.start()

    async def submit_then_stop() -> None:
        waiting = asyncio.ensure_future(pipeline.submit([Arrival(f.binary(1), "t")]))
        await asyncio.sleep(0)  # the submission is made; its hand-over comes after this turn
        pipeline.stop()
        with pytest.raises(StoreUnavailable, match="stopping"):
            await waiting

    asyncio.run(submit_then_stop())
    assert writer.batches == []  # never archived, so never acknowledged
    assert pipeline.stats.waiting == 0
    assert queries.frames(sqlite_engine)[0] == []


def test_submit_refuses_at_once_beyond_the_waiting_limit(sqlite_engine: Engine) -> None:
    pipeline = _pipeline(StoreWriter(sqlite_engine), max_waiting=10)  # not started: nothing drains

    async def eleven() -> None:
        first = asyncio.ensure_future(
            pipeline.submit([Arrival(f.binary(i), "t") for i in range(10)])
        )
        await asyncio.sleep(0)
        with pytest.raises(Overloaded, match="10 frames are waiting"):
            await pipeline.submit([Arrival(f.binary(11), "t")])
        first.cancel()

    asyncio.run(eleven())


def test_answers_keep_a_settled_future_and_skip_a_closed_loop() -> None:
    loop = asyncio.new_event_loop()
    settled = loop.create_future()
    settled.set_result([Receipt(1, "ok")])
    fresh = loop.create_future()
    called: list[Any] = []
    receipts = [Receipt(2, "archived")]
    answer_jobs(
        [
            (Job([], "archived", future=settled), [Receipt(9, "error")]),
            (Job([], "archived", future=fresh), receipts),
            (Job([], "archived", deliver=called.append), receipts),
        ]
    )
    assert called == [receipts]  # a function is called at once
    loop.run_until_complete(asyncio.sleep(0))
    assert settled.result() == [Receipt(1, "ok")]
    assert fresh.result() is receipts
    closed = loop.create_future()
    loop.close()
    answer_jobs([(Job([], "archived", future=closed), receipts)])  # nothing waits: no error
    assert not closed.done()


def test_a_failing_answer_function_costs_no_other_job_its_answer() -> None:
    loop = asyncio.new_event_loop()
    try:
        waiting = loop.create_future()
        called: list[Any] = []

        def broken(_: Any) -> None:
            raise RuntimeError("the sender's acknowledgement failed")

        receipts = [Receipt(1, "archived")]
        answer_jobs(
            [
                (Job([], "archived", deliver=broken), receipts),
                (Job([], "archived", future=waiting), receipts),
                (Job([], "archived", deliver=called.append), receipts),
            ]
        )
        loop.run_until_complete(asyncio.sleep(0))
        assert waiting.result() is receipts
        assert called == [receipts]
    finally:
        loop.close()


def test_a_job_is_answered_one_way() -> None:
    with pytest.raises(ValueError, match="one of them"):
        Job([], "archived")


def test_stopping_refuses_what_a_closed_loop_never_handed_over(sqlite_engine: Engine) -> None:
    pipeline = _pipeline(CountingWriter(sqlite_engine))
    pipeline.start()
    loop = asyncio.new_event_loop()
    submission = pipeline.submit([Arrival(f.binary(1), "t")])
    waits_on: list[Any] = []
    loop.call_soon(lambda: waits_on.append(submission.send(None)))  # submits, then waits
    loop.call_soon(loop.stop)  # the loop ends in the turn that made the submission
    loop.run_forever()
    loop.close()
    assert pipeline.stats.waiting == 1  # gathered, never handed over
    pipeline.stop()
    submission.close()
    assert pipeline.stats.waiting == 0
    (future,) = waits_on
    assert not future.done()  # its loop is gone: nothing waits for it any more
    assert queries.frames(sqlite_engine)[0] == []


class RefusingWriter(StoreWriter):
    """A writer whose store refuses every batch."""

    def archive(self, arrivals: Any) -> list[int]:
        raise OSError("disk full")


class Request:
    """Stands for what a caller of ``submit`` holds while it waits (a request and its body)."""


def test_a_refused_submission_lets_go_of_its_caller(sqlite_engine: Engine) -> None:
    """The gateway collects cycles rarely (``gateway/collector.py``): the failure's traceback
    holds the waiting frames, which must not hold the failure in turn."""
    pipeline = _pipeline(RefusingWriter(sqlite_engine))
    pipeline.start()
    requests: list[weakref.ref[Request]] = []

    async def caller() -> str:
        request = Request()
        requests.append(weakref.ref(request))
        try:
            await pipeline.submit([Arrival(f.binary(1), "t")])
        except StoreUnavailable as exc:
            return str(exc)
        return "stored"

    gc.collect()
    gc.disable()
    try:
        answer = asyncio.run(caller())
        pipeline.stop()  # the archiving thread has let go of the batch it answered
        held = [request for request in requests if request() is not None]
    finally:
        gc.enable()
    assert "could not take the frames" in answer
    assert held == []
