"""The pipeline's guarantees: archive before anything else, acknowledge only what is durable,
recover what a failure left pending, refuse work beyond its limit."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import Engine

from openpcs.gateway.dedup import DedupWindow
from openpcs.gateway.directory import Directory
from openpcs.gateway.pipeline import Overloaded, Pipeline, StoreUnavailable
from openpcs.gateway.processing import ProcessingStats
from openpcs.gateway.processor import Processor
from openpcs.gateway.records import Arrival
from openpcs.gateway.store import queries
from openpcs.gateway.store.writer import StoreWriter
from openpcs.gateway.tiny_sets import TinyAssembler
from tests.gateway import frames as f
from tests.gateway.running import wait_for


class FlakyWriter(StoreWriter):
    """A writer whose archive or save can be made to fail, and which records the order."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self.fail_archive = False
        self.fail_save = 0
        self.calls: list[str] = []

    def archive(self, arrivals: Any) -> list[int]:
        self.calls.append("archive")
        if self.fail_archive:
            raise OSError("disk full")
        return super().archive(arrivals)

    def save(self, results: Any, *args: Any, **kwargs: Any) -> None:
        if results:
            self.calls.append("save")
        if results and self.fail_save:
            self.fail_save -= 1
            raise OSError("connection reset")
        super().save(results, *args, **kwargs)


def _pipeline(writer: StoreWriter, **options: Any) -> Pipeline:
    pipeline = Pipeline(
        writer,
        Processor(Directory(), DedupWindow(600)),
        TinyAssembler(60),
        recovery_interval_s=0.2,
        **{"acknowledge": "processed", **options},
    )
    pipeline.start()
    return pipeline


def test_frames_are_archived_before_processing_and_receipts_follow_order(
    sqlite_engine: Engine,
) -> None:
    writer = FlakyWriter(sqlite_engine)
    pipeline = _pipeline(writer)
    try:
        arrivals = [Arrival(f.binary(i), "t") for i in range(5)] + [Arrival(b"bad", "t")]
        receipts = asyncio.run(pipeline.submit(arrivals))
    finally:
        pipeline.stop()
    assert [r.status for r in receipts] == ["ok"] * 5 + ["error"]
    assert [r.id for r in receipts] == sorted(r.id for r in receipts)
    assert writer.calls[:2] == ["archive", "save"]
    assert [r.readings for r in receipts] == [3] * 5 + [0]


def test_a_store_that_cannot_archive_acknowledges_nothing(sqlite_engine: Engine) -> None:
    writer = FlakyWriter(sqlite_engine)
    writer.fail_archive = True
    pipeline = _pipeline(writer)
    try:
        with pytest.raises(
            StoreUnavailable, match=r"^the store could not take the frames; send them again$"
        ):
            asyncio.run(pipeline.submit([Arrival(f.binary(1), "t")]))
        writer.fail_archive = False
        (receipt,) = asyncio.run(pipeline.submit([Arrival(f.binary(1), "t")]))
    finally:
        pipeline.stop()
    assert receipt.status == "ok"  # the failed attempt left no trace to be a duplicate of


def test_a_failed_save_leaves_frames_pending_and_recovery_stores_them(
    sqlite_engine: Engine,
) -> None:
    writer = FlakyWriter(sqlite_engine)
    writer.fail_save = 1
    pipeline = _pipeline(writer)
    try:
        receipts = asyncio.run(pipeline.submit([Arrival(f.binary(i), "t") for i in range(3)]))
        assert [r.status for r in receipts] == ["pending"] * 3
        assert all(r.id is not None for r in receipts)
        assert "processing will be retried" in str(receipts[0].error)

        def stored() -> int:
            page, _ = queries.readings(sqlite_engine, sensor="TC")
            return len(page)

        assert wait_for(lambda: stored() == 3)
        assert pipeline.stats.recovered == 3
    finally:
        pipeline.stop()
    frames, _ = queries.frames(sqlite_engine)
    assert {x.status for x in frames} == {"ok"}  # not duplicates of themselves


def test_a_failed_save_keeps_a_duplicate_of_an_earlier_frame_a_duplicate(
    sqlite_engine: Engine,
) -> None:
    """The retry of a failed batch finds each frame as the first attempt did: a frame new then
    is new again, a repeat of a frame stored before the failure is still its duplicate."""
    writer = FlakyWriter(sqlite_engine)
    pipeline = _pipeline(writer)
    try:
        (first,) = asyncio.run(pipeline.submit([Arrival(f.binary(1), "t")]))
        writer.fail_save = 1
        again = [Arrival(f.binary(1), "t"), Arrival(f.binary(2), "t"), Arrival(f.binary(2), "t")]
        receipts = asyncio.run(pipeline.submit(again))
        assert [r.status for r in receipts] == ["pending"] * 3

        def settled() -> bool:
            frames, _ = queries.frames(sqlite_engine)
            return all(x.status != "pending" for x in frames) and len(frames) == 4

        assert wait_for(settled)
    finally:
        pipeline.stop()
    assert first.status == "ok"
    frames, _ = queries.frames(sqlite_engine)
    assert [x.status for x in sorted(frames, key=lambda x: x.id)] == [
        "ok",
        "duplicate",
        "ok",
        "duplicate",
    ]


def test_frames_left_pending_by_a_crash_are_processed_at_start(sqlite_engine: Engine) -> None:
    writer = StoreWriter(sqlite_engine)
    ids = writer.archive([Arrival(f.binary(i), "t") for i in range(4)])  # then "the crash"
    pipeline = _pipeline(writer)
    try:
        wait_for(lambda: len(queries.readings(sqlite_engine, sensor="HUM")[0]) == 4)
    finally:
        pipeline.stop()
    frames, _ = queries.frames(sqlite_engine, order="asc")
    assert [x.id for x in frames] == ids
    assert [x.status for x in frames] == ["ok"] * 4


def test_too_much_waiting_work_is_refused_not_queued(sqlite_engine: Engine) -> None:
    pipeline = Pipeline(
        StoreWriter(sqlite_engine),
        Processor(Directory(), DedupWindow(600)),
        TinyAssembler(60),
        max_waiting=10,
    )  # not started: nothing drains the queue
    pipeline.enqueue([Arrival(f.binary(i), "t") for i in range(10)], lambda _: None)
    with pytest.raises(Overloaded, match="10 frames are waiting"):
        pipeline.enqueue([Arrival(f.binary(11), "t")], lambda _: None)


def test_the_dedup_window_survives_a_restart(sqlite_engine: Engine) -> None:
    pipeline = _pipeline(StoreWriter(sqlite_engine))
    try:
        (first,) = asyncio.run(pipeline.submit([Arrival(f.binary(7), "t")]))
    finally:
        pipeline.stop()
    restarted = _pipeline(StoreWriter(sqlite_engine))
    try:
        (second,) = asyncio.run(restarted.submit([Arrival(f.binary(7), "t")]))
    finally:
        restarted.stop()
    assert (first.status, second.status) == ("ok", "duplicate")


def test_stopping_finishes_what_was_submitted(sqlite_engine: Engine) -> None:
    pipeline = _pipeline(StoreWriter(sqlite_engine))
    outcomes: list[Any] = []
    for i in range(20):
        pipeline.enqueue([Arrival(f.binary(i), "t")], outcomes.append)
    pipeline.stop()
    assert len(outcomes) == 20
    assert all(o[0].status == "ok" for o in outcomes)
    with pytest.raises(StoreUnavailable, match="stopping"):
        pipeline.enqueue([Arrival(f.binary(99), "t")], outcomes.append)


class PoisonWriter(StoreWriter):
    """A writer whose store refuses any batch holding one particular frame."""

    def __init__(self, engine: Engine, poison: bytes) -> None:
        super().__init__(engine)
        self.poison = poison

    def save(self, results: Any, *args: Any, **kwargs: Any) -> None:
        if any(arrival.data == self.poison for arrival, _ in results):
            raise ValueError("value out of range for the column")
        super().save(results, *args, **kwargs)


def test_a_frame_the_store_refuses_holds_no_other_back(sqlite_engine: Engine) -> None:
    poison = f.binary(3)
    pipeline = _pipeline(PoisonWriter(sqlite_engine, poison))
    try:
        receipts = asyncio.run(
            pipeline.submit([Arrival(f.binary(i), "t") for i in range(2)] + [Arrival(poison, "t")])
        )
        assert [r.status for r in receipts] == ["pending"] * 3

        def settled() -> list[str]:
            frames, _ = queries.frames(sqlite_engine, order="asc")
            statuses = [x.status for x in frames]
            return statuses if "pending" not in statuses else []

        assert wait_for(settled) == ["ok", "ok", "error"]
    finally:
        pipeline.stop()
    refused = queries.frame(sqlite_engine, receipts[2].id or 0)
    assert refused is not None
    assert (
        refused.error
        == "the store refused its results (ValueError: value out of range for the column)"
    )


class _SlowSide:
    """A processing side that takes frames and processes none."""

    on_outbox = None
    stats = ProcessingStats()
    running = True
    pid = None
    processed = 0

    def start(self, ceiling: int) -> None:
        del ceiling

    def hand_over(self, ids: Any, arrivals: Any, answer: Any) -> None:
        del ids, arrivals, answer

    def stop(self, timeout: float) -> None:
        del timeout


def test_a_backlog_past_its_limit_is_refused_not_grown(sqlite_engine: Engine) -> None:
    pipeline = Pipeline(
        StoreWriter(sqlite_engine),
        Processor(Directory(), DedupWindow(600)),
        TinyAssembler(60),
        max_backlog=3,
        link=_SlowSide(),  # type: ignore[arg-type]
    )
    pipeline.start()
    try:
        receipts = asyncio.run(pipeline.submit([Arrival(f.binary(i), "t") for i in range(4)]))
        assert [r.status for r in receipts] == ["archived"] * 4
        with pytest.raises(Overloaded, match="4 archived frames are waiting to be processed"):
            asyncio.run(pipeline.submit([Arrival(f.binary(9), "t")]))
    finally:
        pipeline.stop()
