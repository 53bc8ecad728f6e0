"""The outbox: claiming due items for a forwarder, then removing or rescheduling them.

An item is claimed by moving its ``next_attempt_at`` past a lease, in one statement, so that
a second gateway instance sharing a PostgreSQL store skips it (``FOR UPDATE SKIP LOCKED``)
and a crashed forwarder's items come due again when the lease ends. Delivered items are
deleted; failed ones get their attempt counted, the error kept and the next attempt set.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine

from openpcs.gateway.store.bulk import Dialected

__all__ = ["Claimed", "OutboxStore"]


@dataclass(frozen=True, slots=True)
class Claimed:
    """An outbox item claimed for one delivery attempt."""

    id: int
    frame_id: int
    topic: str
    payload: str
    attempts: int


class OutboxStore:
    """Outbox operations over the store's engine (safe to call from worker threads)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sql = Dialected(engine.dialect)

    def claim(self, forwarder: str, now: datetime, lease: timedelta, limit: int) -> list[Claimed]:
        """Claim up to ``limit`` due items of ``forwarder`` for ``lease``, oldest first."""
        sql = self.sql
        lock = "" if sql.sqlite else " FOR UPDATE SKIP LOCKED"
        statement = sql.text(
            "UPDATE outbox SET next_attempt_at = ? WHERE id IN ("
            "SELECT id FROM outbox WHERE forwarder = ? AND dead = ? AND next_attempt_at <= ? "
            f"ORDER BY id LIMIT ?{lock}) "
            "RETURNING id, frame_id, topic, payload, attempts"
        )
        parameters = (sql.time(now + lease), forwarder, False, sql.time(now), limit)
        with self.engine.begin() as connection:
            rows = connection.exec_driver_sql(statement, parameters).all()
        claimed = [Claimed(int(r[0]), int(r[1]), r[2], r[3], int(r[4])) for r in rows]
        claimed.sort(key=lambda item: item.id)
        return claimed

    def delivered(self, ids: Sequence[int]) -> None:
        """Remove delivered items."""
        if not ids:
            return
        sql = self.sql
        with self.engine.begin() as connection:
            for start in range(0, len(ids), 500):
                chunk = tuple(ids[start : start + 500])
                connection.exec_driver_sql(
                    f"DELETE FROM outbox WHERE id IN {sql.in_list(len(chunk))}", chunk
                )

    def failed(self, failures: Sequence[tuple[int, int, datetime, str, bool]]) -> None:
        """Record failed attempts: ``(id, attempts, next_attempt_at, error, dead)`` each."""
        if not failures:
            return
        sql = self.sql
        statement = sql.update(
            "outbox", ("attempts", "next_attempt_at", "last_error", "dead"), "id"
        )
        rows = [
            (attempts, sql.time(when), error[:500], dead, item_id)
            for item_id, attempts, when, error, dead in failures
        ]
        with self.engine.begin() as connection:
            connection.exec_driver_sql(statement, rows)

    def backlog(self) -> dict[str, dict[str, int]]:
        """Per forwarder: items waiting and items given up on (``dead``)."""
        with self.engine.connect() as connection:
            rows = connection.exec_driver_sql(
                "SELECT forwarder, dead, count(*) FROM outbox GROUP BY forwarder, dead"
            ).all()
        result: dict[str, dict[str, int]] = {}
        for forwarder, dead, count in rows:
            entry = result.setdefault(forwarder, {"waiting": 0, "dead": 0})
            entry["dead" if dead else "waiting"] += int(count)
        return result
