"""Batch programming from the web: a template and registered devices, run in the background.

A batch is a row in ``batches`` with one ``batch_nodes`` row per node, so its progress
outlives the browser tab that started it. The work is :func:`openpcs.program.batch.run_batch`
on the template (written as YAML, secrets never in it) and a CSV of the nodes: values the
template leaves out for each node (its keys, its DevEUI or MAC) come from the device's saved
configuration, or from the uploaded CSV's columns. At the end every bundle goes into the
firmware archive and one zip holds them all with the batch report.

Batches run one at a time in a worker thread; a batch the server was running when it stopped
is marked ``interrupted`` when it starts again.
"""

from __future__ import annotations

import io
import logging
import tempfile
import threading
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Final

import yaml
from sqlalchemy import Engine, insert, select, update

from openpcs.config.licence import check_batch
from openpcs.gateway.records import utc_now
from openpcs.program.batch import RowOutcome, run_batch
from openpcs.program.errors import BatchError, ProgramError
from openpcs.program.nodes_csv import NodeRow, node_document, read_nodes_csv
from openpcs.program.pipeline import BuilderChoice
from openpcs.web.auth import Caller
from openpcs.web.batch_keys import check_keys_given
from openpcs.web.batch_rows import csv_text_of, fills_from_saved, rows_from_csv
from openpcs.web.batch_views import DONE, FAILED, BatchNodeView, BatchView, BatchViews
from openpcs.web.build_settings import without_server_paths
from openpcs.web.config_digest import config_hash
from openpcs.web.errors import Conflict, NotFound, Refused
from openpcs.web.gateway_keys import GatewayKeys
from openpcs.web.names import check_name
from openpcs.web.programming import key_held_by_another, saved_for
from openpcs.web.registry import Registry
from openpcs.web.sealed_files import seal_file
from openpcs.web.store.schema import BATCH_NODES, BATCHES
from openpcs.web.templates_store import TemplateStore

__all__ = ["BatchNodeView", "BatchRunner", "BatchView"]

_log = logging.getLogger("openpcs.web.batch")
_BATCHES = BATCHES
_NODES = BATCH_NODES
QUEUED: Final = "queued"
RUNNING: Final = "running"
INTERRUPTED: Final = "interrupted"
#: rows a batch's own CSV is read back with (counted against the licence when it started)
_MAX_ROWS: Final = 10_000


class BatchRunner(BatchViews):
    """Starts batches, runs them one at a time in the background, reports their progress."""

    def __init__(
        self,
        engine: Engine,
        registry: Registry,
        templates: TemplateStore,
        builder: Callable[[], BuilderChoice],
        *,
        jobs: int = 2,
        keys: GatewayKeys | None = None,
    ) -> None:
        super().__init__(engine, registry.box)
        self.registry = registry
        self.keys = keys
        self.templates = templates
        self.builder = builder
        self.jobs = jobs
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="openpcs-batch")
        self._lock = threading.Lock()

    def recover(self) -> int:
        """Mark the batches a stopped server left unfinished, and their nodes that had not
        finished; how many batches."""
        unfinished = (QUEUED, RUNNING)
        with self.engine.begin() as connection:
            ids = select(_BATCHES.c.id).where(_BATCHES.c.state.in_(unfinished))
            connection.execute(
                update(_NODES)
                .where(_NODES.c.batch_id.in_(ids), _NODES.c.state.in_(unfinished))
                .values(state=INTERRUPTED, message="not finished: the server stopped")
            )
            result = connection.execute(
                update(_BATCHES)
                .where(_BATCHES.c.state.in_(unfinished))
                .values(
                    state=INTERRUPTED,
                    finished_at=utc_now(),
                    message="the server stopped before this batch finished; start it again",
                )
            )
            return int(result.rowcount or 0)

    def close(self) -> None:
        """Let a running batch finish, start no queued one."""
        self._pool.shutdown(wait=True, cancel_futures=True)

    # --- starting -------------------------------------------------------------------------

    def start(
        self,
        template_name: str,
        *,
        serials: list[str] | None = None,
        csv_text: str | None = None,
        caller: Caller,
        version: int | None = None,
    ) -> int:
        """Queue a batch of registered devices (``serials``), an uploaded CSV's, or both
        (the CSV's cells over each device's own values); its id.

        Refused before anything runs: a licence without batch programming, more nodes than
        it allows, a device not in the registry, a CSV that cannot be read. A device's saved
        keys fill its row only where ``caller`` may use them (the saver and admins).
        """
        made_by = caller.name
        template_name = check_name(template_name, "template", "template")
        entry = self.templates.load(template_name, version)
        template = dict(entry.document)
        template["licence"] = self.registry.licence()
        rows = self._rows(serials or [], csv_text, template, caller)
        refused = check_batch(template["licence"], len(rows))
        if refused is not None:
            raise Conflict(refused.message, "licence")
        what = f"the template {template_name!r}"
        for row in rows:
            device = self.registry.get(row["serial"])
            if problem := device.model_problem(row.get("model") or template.get("model"), what):
                raise Refused(problem, "template")
        check_keys_given(template, rows, entry.placeholders)
        now = utc_now()
        with self.engine.begin() as connection:
            batch_id = int(
                connection.execute(
                    insert(_BATCHES)
                    .values(
                        created_at=now,
                        made_by=made_by,
                        template_name=template_name,
                        template_version=entry.version,
                        state=QUEUED,
                        total=len(rows),
                        message="",
                    )
                    .returning(_BATCHES.c.id)
                ).scalar_one()
            )
            connection.execute(
                insert(_NODES),
                [
                    {
                        "batch_id": batch_id,
                        "position": index,
                        "serial": row["serial"],
                        "name": row.get("name", ""),
                        "state": QUEUED,
                        "message": "",
                        "bundle_name": "",
                        "has_hex": False,
                    }
                    for index, row in enumerate(rows)
                ],
            )
        admin = caller.account.is_admin
        self._pool.submit(self._run, batch_id, template, csv_text_of(rows), admin)
        return batch_id

    def _rows(
        self, serials: list[str], csv_text: str | None, template: dict[str, Any], caller: Caller
    ) -> list[dict[str, str]]:
        """One row per node: the picked devices and the CSV's, each starting from the
        registry (its name, what its saved configuration adds to the template) with the
        CSV's filled cells over it."""
        by_serial: dict[str, dict[str, str]] = {}
        for serial in serials:
            device = self.registry.get(serial)
            if device.serial not in by_serial:
                by_serial[device.serial] = self._registry_row(device.serial, template, caller)
        for row in rows_from_csv(csv_text) if csv_text is not None else []:
            serial = row["serial"]
            base = by_serial.get(serial) or self._registry_row(serial, template, caller)
            by_serial[serial] = base | {column: cell for column, cell in row.items() if cell}
        if not by_serial:
            raise Refused("pick at least one device, or upload a CSV", "devices")
        return list(by_serial.values())

    def _registry_row(
        self, serial: str, template: dict[str, Any], caller: Caller
    ) -> dict[str, str]:
        device = self.registry.get(serial)
        saved = saved_for(self.registry, device.serial, caller)
        return {"serial": device.serial, "name": device.name} | fills_from_saved(template, saved)

    # --- running --------------------------------------------------------------------------

    def _set_node(self, batch_id: int, position: int, outcome: RowOutcome) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                update(_NODES)
                .where(_NODES.c.batch_id == batch_id, _NODES.c.position == position)
                .values(
                    state=DONE if outcome.ok else FAILED,
                    message=without_server_paths(outcome.message),
                    bundle_name=outcome.bundle,
                    has_hex=outcome.has_hex,
                )
            )

    def _finish(self, batch_id: int, state: str, message: str, archive: bytes | None) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                update(_BATCHES)
                .where(_BATCHES.c.id == batch_id)
                .values(
                    state=state,
                    message=message,
                    archive=None if archive is None else seal_file(self.box, archive),
                    finished_at=utc_now(),
                )
            )

    def _run(self, batch_id: int, template: dict[str, Any], nodes_csv: str, admin: bool) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                update(_BATCHES).where(_BATCHES.c.id == batch_id).values(state=RUNNING)
            )
            connection.execute(
                update(_NODES).where(_NODES.c.batch_id == batch_id).values(state=RUNNING)
            )
        try:
            with tempfile.TemporaryDirectory(prefix="openpcs-batch-") as scratch:
                folder = Path(scratch)
                template_path = folder / "template.yaml"
                template_path.write_text(yaml.safe_dump(template, sort_keys=False), "utf-8")
                nodes_path = folder / "nodes.csv"
                nodes_path.write_text(nodes_csv, "utf-8")
                out = folder / "bundles"
                # a node's line is not its position: a quoted cell may hold line ends
                rows = {row.line: row for row in read_nodes_csv(nodes_path, limit=_MAX_ROWS)}
                positions = {line: index for index, line in enumerate(rows)}
                report = run_batch(
                    template_path,
                    nodes_path,
                    out,
                    self.builder(),
                    jobs=self.jobs,
                    on_done=lambda done: self._set_node(batch_id, positions[done.line], done),
                )
                archive = self._archive(
                    batch_id=batch_id,
                    template=template,
                    rows=rows,
                    outcomes=report.rows,
                    out=out,
                    admin=admin,
                )
            failed = len(report.failed)
            message = f"{len(report.rows) - failed} bundled, {failed} failed"
            self._finish(batch_id, DONE, message, archive)
        except (BatchError, ProgramError, Refused, NotFound) as exc:
            self._fail_nodes(batch_id)
            # the batch's files are the server's own: its message names them by their names
            # (a node's message too, in _set_node)
            said = without_server_paths(str(exc))
            self._finish(batch_id, FAILED, said, None)
        except Exception as exc:  # a batch must end in a state, whatever went wrong
            _log.exception("batch %d failed", batch_id)
            self._fail_nodes(batch_id)
            self._finish(batch_id, FAILED, f"internal error: {exc.__class__.__name__}", None)

    def _owner(self, batch_id: int) -> str:
        with self.engine.connect() as connection:
            return str(
                connection.execute(
                    select(_BATCHES.c.made_by).where(_BATCHES.c.id == batch_id)
                ).scalar_one()
            )

    def _hand_over(self, serial: str, document: dict[str, Any], made_by: str, admin: bool) -> None:
        """Give the gateway the keys a node's program sets (:meth:`GatewayKeys.give`), and
        keep its configuration as the device's saved one, so the device reopens as it was
        programmed; unless that would replace keys another account saved (they stay, an
        admin's batch included: the owner keeps her device) or the device was removed while
        the batch ran."""
        saved, saver = self.registry.saved_config_and_saver(serial)
        if self.keys is not None:
            self.keys.give(serial, document, builder=made_by, admin=admin, saver=saver)
        try:
            if not key_held_by_another(saved, saver, made_by, admin=False):
                self.registry.save_config(serial, document, made_by)
        except NotFound:
            _log.info("batch: %s left the registry while its batch ran", serial)

    def _fail_nodes(self, batch_id: int) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                update(_NODES)
                .where(_NODES.c.batch_id == batch_id, _NODES.c.state.in_((QUEUED, RUNNING)))
                .values(state=FAILED, message="the batch did not run")
            )

    def _archive(
        self,
        *,
        batch_id: int,
        template: dict[str, Any],
        rows: dict[int, NodeRow],
        outcomes: list[RowOutcome],
        out: Path,
        admin: bool,
    ) -> bytes:
        """Put each bundle in the firmware archive, credited to the batch's owner as stored
        now (an account removed meanwhile is recorded as removed); hand each node's keys to
        the gateway and keep its configuration as the device's saved one; one zip of every
        bundle and the report."""
        made_by = self._owner(batch_id)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
            for outcome in outcomes:
                if not outcome.ok:
                    continue
                data = (out / outcome.bundle).read_bytes()
                archive.writestr(outcome.bundle, data)
                document = node_document(template, rows[outcome.line])
                self._hand_over(outcome.serial, document, made_by, admin)
                self.registry.record_program(
                    outcome.serial,
                    made_by=made_by,
                    digest=config_hash(document, self.registry.box, made_by),
                    bundle_name=outcome.bundle,
                    bundle=data,
                    has_hex=outcome.has_hex,
                    flash_bytes=outcome.flash_bytes,
                    ram_bytes=outcome.ram_bytes,
                    batch_id=batch_id,
                )
            for report in sorted(out.glob("batch-report.*")):
                archive.writestr(report.name, report.read_bytes())
        return buffer.getvalue()
