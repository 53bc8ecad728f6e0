"""The processing side built from the gateway's settings, in the gateway's process or in a
processing process of its own: the same processor, reading sets and forwarding plan."""

from __future__ import annotations

from sqlalchemy import Engine

from openpcs.gateway.dedup import DedupWindow
from openpcs.gateway.directory import Directory
from openpcs.gateway.forward.document import OutboxPlanner, Route
from openpcs.gateway.processing import Processing
from openpcs.gateway.processor import Processor
from openpcs.gateway.secret_box import SecretBox
from openpcs.gateway.settings import GatewaySettings
from openpcs.gateway.store.database import is_sqlite
from openpcs.gateway.store.devices import load_directory
from openpcs.gateway.store.write_turn import TURN_FILE, WriteTurn
from openpcs.gateway.store.writer import StoreWriter
from openpcs.gateway.tiny_sets import TinyAssembler
from openpcs.ncd.mesh import MeshReceiver

__all__ = [
    "build_processing",
    "build_processor",
    "outbox_planner",
    "processing_of_its_own",
    "reload_devices",
    "write_turn",
]


def write_turn(settings: GatewaySettings, engine: Engine) -> WriteTurn | None:
    """The turn the gateway's writers take on a SQLite store (``None`` on PostgreSQL)."""
    return WriteTurn(settings.data_dir / TURN_FILE) if is_sqlite(engine) else None


def build_processor(settings: GatewaySettings, directory: Directory) -> Processor:
    """The frame processor the settings describe, with these devices' settings."""
    mesh = MeshReceiver(settings.udp_mesh.link) if settings.udp_mesh.enabled else None
    return Processor(
        directory,
        DedupWindow(settings.pipeline.dedup_window_s),
        mesh,
        api_escaped=settings.serial.escaped,
        tables=settings.sensor_tables.tables(),
    )


def outbox_planner(settings: GatewaySettings) -> OutboxPlanner | None:
    """What each forwarder gets of a stored frame (``None`` without forwarders)."""
    forwarders = settings.forwarders
    routes = [Route(m.name, m.topic) for m in forwarders.mqtt]
    routes += [Route(w.name) for w in forwarders.webhooks]
    routes += [Route(r.name) for r in forwarders.redis_streams]
    routes += [Route(n.name) for n in forwarders.nats]
    routes += [Route(a.name) for a in forwarders.amqp]
    return OutboxPlanner(routes) if routes else None


def build_processing(
    settings: GatewaySettings, engine: Engine, processor: Processor, tiny: TinyAssembler
) -> Processing:
    """The processing side on ``engine`` with ``processor`` and the reading sets ``tiny``."""
    pipeline = settings.pipeline
    return Processing(
        StoreWriter(engine, write_turn(settings, engine)),
        processor,
        tiny,
        dedup_window_s=pipeline.dedup_window_s,
        recovery_interval_s=pipeline.recovery_interval_s,
        shared_store=not is_sqlite(engine),
        outbox=outbox_planner(settings),
    )


def processing_of_its_own(settings: GatewaySettings, engine: Engine) -> Processing:
    """The processing side of a process that runs nothing else (a processing process, or
    ``openpcs process``): its own devices' settings, read from ``engine`` with the gateway's
    secret key, and its own reading sets. :func:`reload_devices` reads the settings again."""
    processor = build_processor(settings, load_directory(engine, _secret_box(settings)))
    return build_processing(
        settings, engine, processor, TinyAssembler(settings.pipeline.tiny_timeout_s)
    )


def reload_devices(settings: GatewaySettings, processing: Processing) -> None:
    """Read the devices' settings of ``processing``'s store again."""
    engine = processing.writer.engine
    processing.processor.directory = load_directory(engine, _secret_box(settings))


def _secret_box(settings: GatewaySettings) -> SecretBox:
    secret = settings.security.secret_key
    return SecretBox.for_gateway(settings.data_dir, secret.get_secret_value() if secret else None)
