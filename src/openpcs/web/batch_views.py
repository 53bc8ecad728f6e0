"""Reading batches: their progress, their nodes, and their zips (sealed at rest)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import Engine, func, select

from openpcs.gateway.secret_box import SecretBox
from openpcs.web.downloads import Download
from openpcs.web.errors import NotFound
from openpcs.web.sealed_files import open_file
from openpcs.web.store.schema import BATCH_NODES, BATCHES

__all__ = ["DONE", "FAILED", "BatchNodeView", "BatchView", "BatchViews"]

_BATCHES = BATCHES
_NODES = BATCH_NODES
DONE: Final = "done"
FAILED: Final = "failed"


@dataclass(frozen=True, slots=True)
class BatchNodeView:
    """One node of a batch."""

    position: int
    serial: str
    name: str
    state: str
    message: str
    bundle_name: str
    has_hex: bool


@dataclass(frozen=True, slots=True)
class BatchView:
    """A batch, its counts and (when asked) its nodes."""

    id: int
    created_at: datetime
    finished_at: datetime | None
    made_by: str
    template_name: str
    template_version: int
    state: str
    total: int
    done: int
    failed: int
    message: str
    has_archive: bool
    nodes: list[BatchNodeView]


class BatchViews:
    """Batches as pages and the API show them."""

    def __init__(self, engine: Engine, box: SecretBox) -> None:
        self.engine = engine
        self.box = box

    def get(self, batch_id: int, *, with_nodes: bool = True) -> BatchView:
        """A batch and its progress; :class:`NotFound` if there is none."""
        views = self._views([batch_id], with_nodes=with_nodes)
        if not views:
            raise NotFound(f"no batch {batch_id}")
        return views[0]

    def recent(self, limit: int = 50) -> list[BatchView]:
        """The newest batches, without their nodes."""
        with self.engine.connect() as connection:
            ids = connection.execute(
                select(_BATCHES.c.id).order_by(_BATCHES.c.id.desc()).limit(limit)
            ).scalars()
            wanted = [int(i) for i in ids]
        return self._views(wanted, with_nodes=False)

    def _views(self, ids: list[int], *, with_nodes: bool) -> list[BatchView]:
        if not ids:
            return []
        b, n = _BATCHES.c, _NODES.c
        columns = [c for c in _BATCHES.c if c.name != "archive"]
        with self.engine.connect() as connection:
            batches = connection.execute(
                select(*columns, b.archive.is_not(None).label("has_archive"))
                .where(b.id.in_(ids))
                .order_by(b.id.desc())
            ).all()
            counts = connection.execute(
                select(n.batch_id, n.state, func.count())
                .where(n.batch_id.in_(ids))
                .group_by(n.batch_id, n.state)
            ).all()
            nodes = (
                connection.execute(
                    select(_NODES).where(n.batch_id.in_(ids)).order_by(n.batch_id, n.position)
                ).all()
                if with_nodes
                else []
            )
        tally: dict[tuple[int, str], int] = {(row[0], row[1]): int(row[2]) for row in counts}
        views = []
        for row in batches:
            mine = [
                BatchNodeView(
                    node.position,
                    node.serial,
                    node.name,
                    node.state,
                    node.message,
                    node.bundle_name,
                    node.has_hex,
                )
                for node in nodes
                if node.batch_id == row.id
            ]
            views.append(
                BatchView(
                    row.id,
                    row.created_at,
                    row.finished_at,
                    row.made_by,
                    row.template_name,
                    row.template_version,
                    row.state,
                    row.total,
                    tally.get((row.id, DONE), 0),
                    tally.get((row.id, FAILED), 0),
                    row.message,
                    bool(row.has_archive),
                    mine,
                )
            )
        return views

    def archive(self, batch_id: int) -> Download:
        """The batch's zip, opened, with who made it; :class:`NotFound` until it is finished."""
        with self.engine.connect() as connection:
            row = connection.execute(
                select(_BATCHES.c.archive, _BATCHES.c.made_by).where(_BATCHES.c.id == batch_id)
            ).first()
        if row is None or row.archive is None:
            raise NotFound(f"batch {batch_id} has no zip (not finished, or it failed)")
        data = open_file(self.box, bytes(row.archive))
        return Download(f"batch-{batch_id}.zip", data, row.made_by, f"batch {batch_id}")
