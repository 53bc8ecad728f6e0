"""Processing past one machine: processing processes that share a PostgreSQL store.

``openpcs process`` runs :func:`serve_claims`: the processing side of
:mod:`openpcs.gateway.processing`, fed by claims instead of a gateway's announcements. Any
number of them, on any machines that reach the store, process what any number of gateway
front ends (``pipeline.processing: elsewhere``) archive.

Frames are split into :data:`PARTITIONS` partitions by their sender (the serial the frame
claims, else the network's name for the device), so that one device's frames are processed by
one process at a time, in id order: the deduplication window and the tiny frames' reading sets
need that. A process owns a partition while it holds a PostgreSQL advisory lock on it, on a
connection of its own; the database lets go of the locks of a process that dies, and the
others take its partitions over. Each process also holds a membership lock, so that all know
how many share the work: a process holding more than its share lets the rest go, between
batches.
"""

from __future__ import annotations

import logging
import math
import random
import signal
import threading
import time
from typing import Any, Final

from sqlalchemy import Connection, Engine

from openpcs.gateway.processing import Processing
from openpcs.gateway.processing_setup import processing_of_its_own, reload_devices
from openpcs.gateway.records import utc_now
from openpcs.gateway.settings import GatewaySettings
from openpcs.gateway.store.database import is_sqlite, open_engine
from openpcs.gateway.store.schema import FrameStatus

__all__ = ["PARTITIONS", "PartitionClaims", "serve_claims"]

_log = logging.getLogger("openpcs.gateway.pipeline")

#: How many partitions frames are split into.
PARTITIONS: Final = 64
_REBALANCE_S: Final = 0.5
_IDLE_S: Final = 0.2
_DIRECTORY_S: Final = 30.0


class PartitionClaims:
    """The partitions this process owns, kept by advisory locks on a connection of its own."""

    def __init__(self, engine: Engine) -> None:
        if is_sqlite(engine):
            raise ValueError("claims need a PostgreSQL store (a SQLite store has one processor)")
        self.engine = engine
        self.owned: set[int] = set()
        self._connect()

    def _connect(self) -> None:
        """A connection of its own, its key spaces and its membership lock."""
        self.connection: Connection = self.engine.connect().execution_options(
            isolation_level="AUTOCOMMIT"
        )
        # advisory locks are the database's, not a schema's: the key spaces (a two-part key's
        # first half) are the schema's own, so that stores in other schemas do not meet
        space = "SELECT hashtext(current_schema() || %s)"
        self._partitions = int(
            self.connection.exec_driver_sql(space, ("/partitions",)).scalar_one()
        )
        self._members = int(self.connection.exec_driver_sql(space, ("/members",)).scalar_one())
        self._scalar("SELECT pg_advisory_lock(%s, %s)", self._members, random.getrandbits(31))

    def _scalar(self, sql: str, *parameters: int) -> Any:
        return self.connection.exec_driver_sql(sql, parameters).scalar()

    def members(self) -> int:
        """How many processing processes share the work (this one included)."""
        count = self._scalar(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND objsubid = 2 AND classid::bigint = (%s::bigint & 4294967295)",
            self._members,
        )
        return max(1, int(count or 0))

    def rebalance(self) -> bool:
        """Own this process's share of the partitions: let extras go, take free ones. Whether
        it took any (their pending frames are to be read from the start)."""
        share = math.ceil(PARTITIONS / self.members())
        while len(self.owned) > share:
            partition = self.owned.pop()
            self._scalar("SELECT pg_advisory_unlock(%s, %s)", self._partitions, partition)
        took = False
        free = [p for p in range(PARTITIONS) if p not in self.owned]
        random.shuffle(free)
        for partition in free:
            if len(self.owned) >= share:
                break
            if self._scalar("SELECT pg_try_advisory_lock(%s, %s)", self._partitions, partition):
                self.owned.add(partition)
                took = True
        return took

    def reconnect(self) -> None:
        """Give every partition up and open a new locks' connection (if the store answers)."""
        self.owned.clear()
        try:
            # discarded, not returned to the pool: its session (and every lock) must end
            self.connection.invalidate()
            self.connection.close()
        except Exception as exc:  # it is broken already
            _log.debug("closing the locks' connection: %s", exc)
        try:
            self._connect()
        except Exception as exc:
            _log.error("the store does not answer: %s", exc)

    def close(self) -> None:
        """Let every lock go (closing the connection does too)."""
        self.connection.close()
        self.owned.clear()


class _ClaimsLoop:
    """Pending frames of the owned partitions, processed in id order, batch by batch."""

    def __init__(
        self, processing: Processing, claims: PartitionClaims, batch_frames: int, reload: Any
    ) -> None:
        self.processing = processing
        self.claims = claims
        self.batch_frames = batch_frames
        self.reload = reload
        self.stopping = threading.Event()
        self.cursor = 0

    def run(self) -> None:
        processing = self.processing
        next_rebalance = next_reload = next_rescan = 0.0
        while not self.stopping.is_set():
            now = time.monotonic()
            if now >= next_rebalance:
                self._rebalance()
                next_rebalance = now + _REBALANCE_S
            if now >= next_reload:
                self.reload()
                next_reload = now + _DIRECTORY_S
            if now >= next_rescan:  # frames committed late, or whose save failed
                self.cursor = 0
                next_rescan = now + processing.recovery_interval_s
            if not self._batch():
                processing.save_sets(processing.tiny.expired())
                self.stopping.wait(_IDLE_S)
        processing.save_sets(processing.tiny.close_all())

    def _rebalance(self) -> None:
        """Take this process's share; on a store error, own nothing until it answers again
        (a lost locks' connection means the partitions may be another's already)."""
        try:
            if self.claims.rebalance():
                self.cursor = 0
                self._learn_recent_keys()
        except Exception as exc:
            _log.error("claiming partitions failed (owning none until it works): %s", exc)
            self.claims.reconnect()

    def _learn_recent_keys(self) -> None:
        """After taking partitions over: the keys of frames stored within the window, so that
        the in-memory window knows what their previous owner stored."""
        processing = self.processing
        keys = processing.writer.recent_keys(utc_now(), processing.dedup_window_s)
        processing.processor.dedup.merge(keys)

    def _batch(self) -> bool:
        """Process the next batch; whether there was one."""
        parts = sorted(self.claims.owned)
        if not parts:
            return False
        try:
            rows = self.processing.writer.pending_in_parts(
                self.cursor, self.batch_frames, parts, PARTITIONS
            )
        except Exception as exc:
            _log.error("reading pending frames failed: %s", exc)
            return False
        if not rows:
            return False
        ids = [frame_id for frame_id, _ in rows]
        try:
            receipts = self.processing.process(ids, [arrival for _, arrival in rows])
            if any(r.status == FrameStatus.PENDING for r in receipts):
                # one frame the store refuses must not hold the others back at every rescan
                self.processing.isolate(rows)
        except Exception:  # a defect must not end the process; the rescan comes back
            _log.exception("processing %d frames failed", len(ids))
        self.cursor = ids[-1]
        return True


def serve_claims(settings: GatewaySettings) -> None:
    """Run one processing process on the settings' (PostgreSQL) store until SIGINT or
    SIGTERM; the batch at hand is finished first."""
    engine = open_engine(settings.database_url, synchronous=settings.sqlite_synchronous)
    processing = processing_of_its_own(settings, engine)
    # one process at a time owns a sender's partition and learns the stored keys when it
    # takes one over: its window is the whole truth, and no batch asks the store again
    processing.shared_store = False

    def reload() -> None:
        try:
            reload_devices(settings, processing)
        except Exception as exc:  # keep the last good directory
            _log.warning("reading device settings failed: %s", exc)

    claims = PartitionClaims(engine)
    loop = _ClaimsLoop(processing, claims, settings.pipeline.batch_frames, reload)
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: loop.stopping.set())
    _log.info("processing frames of partitions claimed on %s", engine.url.database)
    try:
        loop.run()
    finally:
        claims.close()
        engine.dispose()
