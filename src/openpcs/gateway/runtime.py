"""The running gateway: every part built from the settings, started and stopped in order.

:meth:`Gateway.open` prepares the store (migrations, secret key, first admin token) and the
pipeline; :meth:`Gateway.start` starts the worker, the listeners and the forwarders inside
the running event loop; :meth:`Gateway.stop` undoes it, letting submitted frames finish.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from openpcs.frames import BUILT_IN_TABLES
from openpcs.gateway.api.auth import Authenticator, satisfies
from openpcs.gateway.directory import Directory
from openpcs.gateway.forward.amqp import AmqpSender
from openpcs.gateway.forward.dispatcher import Dispatcher
from openpcs.gateway.forward.mqtt import MqttSender
from openpcs.gateway.forward.nats_jetstream import NatsSender
from openpcs.gateway.forward.redis_streams import RedisStreamSender
from openpcs.gateway.forward.webhook import WebhookSender
from openpcs.gateway.ingest.mqtt import MqttIngest
from openpcs.gateway.ingest.serial_port import SerialIngest, find_port
from openpcs.gateway.ingest.tcp import TcpIngest
from openpcs.gateway.ingest.udp import UdpMeshIngest
from openpcs.gateway.partial_again import reprocess_partial_frames
from openpcs.gateway.pipeline import Pipeline
from openpcs.gateway.processing_elsewhere import ElsewhereLink
from openpcs.gateway.processing_process import ProcessLink
from openpcs.gateway.processing_setup import (
    build_processing,
    build_processor,
    outbox_planner,
    write_turn,
)
from openpcs.gateway.records import Arrival, Receipt
from openpcs.gateway.secret_box import SECRET_FILE, SecretBox
from openpcs.gateway.senders import mark_tokenless
from openpcs.gateway.sensor_table_settings import tables_fingerprint
from openpcs.gateway.settings import GatewaySettings
from openpcs.gateway.store.database import (
    StoreError,
    is_sqlite,
    migrate,
    open_engine,
    store_failure,
)
from openpcs.gateway.store.devices import load_directory
from openpcs.gateway.store.outbox import OutboxStore
from openpcs.gateway.store.tokens import TokenStore
from openpcs.gateway.store.writer import StoreWriter
from openpcs.gateway.tiny_sets import TinyAssembler

__all__ = ["ADMIN_TOKEN_FILE", "Gateway"]

_log = logging.getLogger("openpcs.gateway")
ADMIN_TOKEN_FILE: Final = "admin-token"
_DIRECTORY_REFRESH_S: Final = 30.0


def write_owner_only(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` (its folder made if needed), readable by its owner only: a
    first token or password, never logged."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(text)


def _data_folder(path: Path) -> None:
    """Make the data folder (owner-only) if needed; :class:`StoreError` saying why it cannot
    be used otherwise."""
    if path.exists() and not path.is_dir():
        raise StoreError(f"{path}: the data folder is a file, not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise StoreError(
            f"{path}: the data folder cannot be made ({exc.strerror or exc})"
        ) from None


class Gateway:
    """One gateway instance and everything it runs."""

    def __init__(self, settings: GatewaySettings) -> None:
        self.settings = settings
        self.engine: Engine
        self.box: SecretBox
        self.tokens: TokenStore
        self.auth: Authenticator
        self.pipeline: Pipeline
        self.outbox: OutboxStore
        self.dispatchers: list[Dispatcher] = []
        self.tcp: TcpIngest | None = None
        self.udp: UdpMeshIngest | None = None
        self.mqtt: MqttIngest | None = None
        self.serial: SerialIngest | None = None
        self.ports: dict[str, int] = {}
        self.started_at: float | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._opened = False

    # --- building -------------------------------------------------------------------------

    def open(self) -> None:
        """Open and migrate the store, load keys and tokens, build the pipeline.

        Raises :class:`StoreError` naming the data folder or the store and the reason when
        it cannot be used (a folder that is a file, a database that cannot be reached or
        written), and :class:`SecretBoxError` for a secret key that is not one.
        """
        settings = self.settings
        # the data folder holds the secret key, the first admin token and where it listens
        _data_folder(settings.data_dir)
        secret = settings.security.secret_key
        try:
            self.box = SecretBox.for_gateway(
                settings.data_dir, secret.get_secret_value() if secret else None
            )
        except OSError as exc:
            raise StoreError(
                f"{settings.data_dir / SECRET_FILE}: the secret key cannot be read or made "
                f"({exc.strerror or exc})"
            ) from None
        self.engine = open_engine(
            settings.database_url,
            synchronous=settings.sqlite_synchronous,
            cache_mb=settings.sqlite_cache_mb,
            busy_timeout_s=settings.sqlite_busy_timeout_s,
        )
        try:
            migrate(self.engine)
            self.tokens = TokenStore(self.engine)
            self.auth = Authenticator(settings.security.tokens, self.tokens)
            self._first_admin_token()
            directory = load_directory(self.engine, self.box)
        except DBAPIError as exc:
            raise store_failure(self.engine.url, exc) from None
        processor = build_processor(settings, directory)
        pipeline = settings.pipeline
        writer = StoreWriter(self.engine, write_turn(settings, self.engine))
        link: ProcessLink | ElsewhereLink | None = None
        if pipeline.processing == "process":
            link = ProcessLink(settings, writer.last_id, batch_frames=pipeline.batch_frames)
        elif pipeline.processing == "elsewhere":
            tiny = TinyAssembler(pipeline.tiny_timeout_s)
            link = ElsewhereLink(build_processing(settings, self.engine, processor, tiny))
        self.pipeline = Pipeline(
            writer,
            processor,
            TinyAssembler(pipeline.tiny_timeout_s),
            batch_frames=pipeline.batch_frames,
            max_waiting=settings.limits.max_pending_frames,
            max_backlog=settings.limits.max_backlog_frames,
            dedup_window_s=pipeline.dedup_window_s,
            recovery_interval_s=pipeline.recovery_interval_s,
            shared_store=not is_sqlite(self.engine),
            outbox=outbox_planner(settings),
            acknowledge=pipeline.acknowledge,
            link=link,
        )
        self.outbox = OutboxStore(self.engine)
        self._opened = True

    def _first_admin_token(self) -> None:
        """A store without an admin token gets one, written to the data folder (never logged)."""
        configured = any(t.scope == "admin" for t in self.settings.security.tokens)
        if configured or self.tokens.has_admin():
            return
        token = self.tokens.create("first-admin", "admin")
        path = self.settings.data_dir / ADMIN_TOKEN_FILE
        write_owner_only(path, token + "\n")
        _log.warning("created the first admin token; it is in %s", path)

    @property
    def directory(self) -> Directory:
        """The devices' settings as processing sees them."""
        return self.pipeline.processor.directory

    def reload_directory(self) -> None:
        """Read the devices' settings again (after a change)."""
        self.pipeline.processor.directory = load_directory(self.engine, self.box)
        self.pipeline.reload_directory()

    # --- running --------------------------------------------------------------------------

    async def start(self) -> None:
        """Start the pipeline, the listeners and the forwarders in the running loop."""
        if not self._opened:
            self.open()
        settings = self.settings
        self._loop = asyncio.get_running_loop()
        self.pipeline.on_outbox = self._nudge_forwarders
        self.pipeline.start()
        limits = settings.limits
        if settings.tcp.enabled:
            self.tcp = TcpIngest(
                self.submit_task,
                max_frame=limits.max_frame_bytes,
                max_line=limits.max_line_bytes,
                ack=settings.tcp.ack,
                idle_timeout_s=settings.tcp.idle_timeout_s,
                opens=self._opens_tcp,
                token_required=settings.security.ingest_token_required,
                check_senders=lambda arrivals, token: mark_tokenless(
                    arrivals, self.directory, token
                ),
            )
            self.ports["tcp"] = await self.tcp.start(settings.tcp.host, settings.tcp.port)
        if settings.udp_mesh.enabled:
            self.udp = UdpMeshIngest(self.pipeline.enqueue, max_frame=limits.max_frame_bytes)
            self.ports["udp"] = await self.udp.start(settings.udp_mesh.host, settings.udp_mesh.port)
        if settings.mqtt_ingest.enabled:
            self.mqtt = MqttIngest(
                settings.mqtt_ingest,
                self.pipeline.enqueue,
                max_frame=limits.max_frame_bytes,
                instance=str(settings.data_dir.resolve()),
            )
            self.mqtt.start()
        self._start_serial()
        self._start_forwarders()
        if not is_sqlite(self.engine):
            self._tasks.append(asyncio.create_task(self._refresh_directory()))
        if settings.pipeline.processing != "elsewhere":  # one place, not every front end
            self._tasks.append(asyncio.create_task(self._partial_frames_again()))
        self.started_at = time.time()
        _log.info("gateway started: %s", ", ".join(f"{k} port {v}" for k, v in self.ports.items()))

    def _opens_tcp(self, token: str) -> bool:
        """Whether ``token`` opens a TCP connection: it has the ``ingest`` scope or is a
        device's own ingest token (which then sends that device's frames only)."""
        return satisfies(self.auth.scope_of(token), "ingest") or (
            self.directory.device_of_token(token) is not None
        )

    def _start_serial(self) -> None:
        serial_settings = self.settings.serial
        port = find_port(serial_settings.port)
        if serial_settings.port == "auto" and port is None:
            _log.info("no serial port found: the serial adapter stays off")
        if port is None:
            return
        self.serial = SerialIngest(
            self.pipeline.enqueue,
            port,
            baudrate=serial_settings.baudrate,
            escaped=serial_settings.escaped,
            max_frame=self.settings.limits.max_frame_bytes,
        )
        self.serial.start()

    def _start_forwarders(self) -> None:
        forwarders = self.settings.forwarders
        senders: list[Any] = [MqttSender(m) for m in forwarders.mqtt]
        senders += [WebhookSender(w) for w in forwarders.webhooks]
        senders += [RedisStreamSender(r) for r in forwarders.redis_streams]
        senders += [NatsSender(n) for n in forwarders.nats]
        senders += [AmqpSender(a) for a in forwarders.amqp]
        for sender in senders:
            dispatcher = Dispatcher(
                sender, self.outbox, forwarders.retry, forwarders.poll_interval_s
            )
            self.dispatchers.append(dispatcher)
            self._tasks.append(asyncio.create_task(dispatcher.run()))

    def _nudge_forwarders(self) -> None:
        """Called from the pipeline's thread when outbox rows were stored."""
        if self._loop is not None and self.dispatchers:
            for dispatcher in self.dispatchers:
                self._loop.call_soon_threadsafe(dispatcher.nudge)

    async def _partial_frames_again(self) -> None:
        """Process the partial frames again if the sensor tables changed since last time."""
        try:
            await reprocess_partial_frames(
                self.pipeline,
                self.engine,
                self.settings.data_dir,
                tables_fingerprint(self.pipeline.processor.tables),
                tables_fingerprint(BUILT_IN_TABLES),
            )
        except Exception as exc:  # the next start tries again
            _log.warning("processing partial frames again failed: %s", exc)

    async def _refresh_directory(self) -> None:
        while True:
            await asyncio.sleep(_DIRECTORY_REFRESH_S)
            try:
                await asyncio.to_thread(self.reload_directory)
            except Exception as exc:  # keep the last good directory
                _log.warning("reading device settings failed: %s", exc)

    def submit_task(self, arrivals: Sequence[Arrival]) -> asyncio.Task[list[Receipt]]:
        """Submit arrivals from TCP; the task ends with their receipts, given once archived or
        processed as ``tcp.acknowledge`` says."""
        return asyncio.ensure_future(self.pipeline.submit(arrivals, self.settings.tcp.acknowledge))

    async def stop(self) -> None:
        """Stop taking frames, let submitted ones finish, stop the forwarders, close the store."""
        if self.tcp is not None:
            await self.tcp.stop()
        if self.udp is not None:
            self.udp.stop()
        if self.mqtt is not None:
            await asyncio.to_thread(self.mqtt.stop)
        if self.serial is not None:
            await asyncio.to_thread(self.serial.stop)
        await asyncio.to_thread(self.pipeline.stop)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        for dispatcher in self.dispatchers:
            await dispatcher.sender.close()
        self.engine.dispose()

    # --- reporting ------------------------------------------------------------------------

    @staticmethod
    def _serial_status(adapter: SerialIngest) -> dict[str, Any]:
        return {"port": adapter.port, "frames": adapter.frames, "error": adapter.error}

    def status(self) -> dict[str, Any]:
        """What the status endpoint shows."""
        stats = self.pipeline.stats
        backlog = self.outbox.backlog()
        return {
            "uptime_s": round(time.time() - self.started_at, 1) if self.started_at else 0,
            "pipeline": {
                "running": self.pipeline.running,
                "batches": stats.batches,
                "frames": stats.frames,
                "by_status": dict(stats.by_status),
                "waiting": stats.waiting,
                "recovered": stats.recovered,
                "archive_failures": stats.archive_failures,
                "save_failures": stats.save_failures,
                "open_reading_sets": stats.open_reading_sets,
                "archived": stats.archived,
                "processing": self.settings.pipeline.processing,
                "processing_pid": self.pipeline.link.pid,
            },
            "listeners": dict(self.ports),
            "tcp": None
            if self.tcp is None
            else {"open": self.tcp.open_connections, "accepted": self.tcp.connections},
            "mqtt_ingest": None
            if self.mqtt is None
            else {
                "connected": self.mqtt.connected.is_set(),
                "received": self.mqtt.received,
                "acknowledged": self.mqtt.acknowledged,
                "retries": self.mqtt.retries,
            },
            "serial": None
            if self.serial is None
            else {
                "port": self.serial.port,
                "frames": self.serial.frames,
                "error": self.serial.error,
            },
            "forwarders": {
                d.sender.name: {
                    "delivered": d.stats.delivered,
                    "failed_attempts": d.stats.failed_attempts,
                    "dead": d.stats.dead,
                    "last_error": d.stats.last_error,
                }
                for d in self.dispatchers
            },
            "outbox": {
                name: backlog.get(name, {"waiting": 0, "dead": 0})
                for name in [d.sender.name for d in self.dispatchers] + sorted(backlog)
            },
        }
