"""Partial frames processed again once the sensor tables that read them have changed.

A frame stored ``partial`` names a sensor id its table did not define. When the settings'
custom tables change, or openpcs brings new ids (a digest of every row, kept in the data
folder, differs), the gateway processes every partial frame again at start, in the
background: those the new tables read whole become ``ok``, with all their readings, and go
to the forwarders again; those still partial keep their place (and their reading set) and
are not forwarded again. The digest is written only once every partial frame has been
processed, so an interrupted run is resumed at the next start.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Final

from sqlalchemy import Engine, select

from openpcs.gateway.pipeline import Pipeline
from openpcs.gateway.store.schema import Frame, FrameStatus

__all__ = ["FINGERPRINT_FILE", "partial_frame_ids", "reprocess_partial_frames"]

_log = logging.getLogger(__name__)
#: The digest of the sensor tables the stored frames were read with, in the data folder.
FINGERPRINT_FILE: Final = "sensor-tables.sha256"
_BATCH: Final = 1000


def partial_frame_ids(engine: Engine, after: int, limit: int) -> list[int]:
    """The ids of up to ``limit`` partial frames after id ``after``, in id order."""
    query = (
        select(Frame.id)
        .where(Frame.status == FrameStatus.PARTIAL, Frame.id > after)
        .order_by(Frame.id)
        .limit(limit)
    )
    with engine.connect() as connection:
        return list(connection.scalars(query))


def _previous(path: Path, unchanged: str) -> str:
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return unchanged
    except (OSError, UnicodeDecodeError) as exc:
        _log.warning("%s cannot be read (%s): partial frames are processed again", path, exc)
        return ""


async def reprocess_partial_frames(
    pipeline: Pipeline, engine: Engine, data_dir: Path, fingerprint: str, built_in: str
) -> int:
    """Process every partial frame again when ``fingerprint`` differs from the stored one
    (``built_in`` when none is stored: the built-in tables); return how many became whole.
    The stored digest is ``fingerprint`` afterwards.

    Raises what the store raises; the digest is then left as it was, for the next start.
    """
    path = data_dir / FINGERPRINT_FILE
    previous = _previous(path, built_in)
    whole = seen = after = 0
    while previous != fingerprint and (
        ids := await asyncio.to_thread(partial_frame_ids, engine, after, _BATCH)
    ):
        receipts = await pipeline.process_again(ids, quiet=True)
        whole += sum(r.status != FrameStatus.PARTIAL for r in receipts)
        seen += len(ids)
        after = ids[-1]
    if previous != fingerprint or not path.exists():
        path.write_text(fingerprint + "\n", encoding="ascii")
    if seen:
        _log.info("sensor tables changed: %d partial frames processed again, %d whole", seen, whole)
    return whole
