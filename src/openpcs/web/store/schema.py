"""The web application's tables, as SQLAlchemy 2 models; its own Alembic history creates them.

They share the gateway's database (SQLite file or PostgreSQL) but not its migrations: the
web's revisions are recorded in ``openpcs_web_version``.

- ``web_users``: local accounts (``admin`` or ``user``) with scrypt password hashes.
- ``web_sessions``: signed-in browsers, by the SHA-256 of their cookie.
- ``web_settings``: the registry's licence tier.
- ``registry_devices``: registered nodes (serial, name, model, tags) and each one's saved
  configuration, sealed with the gateway's secret key because it holds the node's keys, and
  the account that saved it (whose keys they are to use).
- ``programs``: the firmware archive, every bundle made for a device with its configuration's
  hash, so that a device can say whether it changed since its last build.
- ``node_templates`` / ``template_versions``: named templates and every saved version (never
  a secret: they are removed before a version is stored; ``!secret`` placeholders are kept
  as names).
- ``batches`` / ``batch_nodes``: batch programming jobs, their per-node outcome and the zip.

Times are UTC (the gateway's :class:`UtcDateTime`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from openpcs.gateway.store.schema import NAMING, Id, UtcDateTime, table_of

__all__ = [
    "BATCHES",
    "BATCH_NODES",
    "DEVICES",
    "PROGRAMS",
    "SESSIONS",
    "SETTINGS",
    "TEMPLATES",
    "USERS",
    "VERSIONS",
    "VERSION_TABLE",
    "Batch",
    "BatchNode",
    "NodeTemplate",
    "Program",
    "RegistryDevice",
    "Session",
    "Setting",
    "TemplateVersion",
    "User",
    "WebBase",
]

#: Where the web's Alembic history is recorded (the gateway's is ``alembic_version``).
VERSION_TABLE: Final = "openpcs_web_version"


class WebBase(DeclarativeBase):
    """The declarative base of the web application's models."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UtcDateTime(), dict[str, Any]: JSON()}  # noqa: RUF012


class User(WebBase):
    """A local account."""

    __tablename__ = "web_users"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime]
    disabled: Mapped[bool] = mapped_column(default=False)


class Session(WebBase):
    """A signed-in browser: the hash of its cookie, whose it is, and until when."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("web_users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class Setting(WebBase):
    """One registry-wide setting (the licence tier)."""

    __tablename__ = "web_settings"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(256))


class RegistryDevice(WebBase):
    """A registered node and its saved configuration (sealed: it holds the node's keys)."""

    __tablename__ = "registry_devices"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    serial: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(64), default="")
    model: Mapped[str] = mapped_column(String(64))
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime]
    config_sealed: Mapped[str | None] = mapped_column(Text)
    config_hash: Mapped[str | None] = mapped_column(String(64))
    config_saved_at: Mapped[datetime | None]
    config_saved_by: Mapped[str | None] = mapped_column(String(64))


class Program(WebBase):
    """One bundle made for a device: the firmware archive."""

    __tablename__ = "programs"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    serial: Mapped[str] = mapped_column(String(16), index=True)
    created_at: Mapped[datetime]
    made_by: Mapped[str] = mapped_column(String(64))
    config_hash: Mapped[str] = mapped_column(String(64))
    bundle_name: Mapped[str] = mapped_column(String(128))
    has_hex: Mapped[bool]
    flash_bytes: Mapped[int | None] = mapped_column(Integer)
    ram_bytes: Mapped[int | None] = mapped_column(Integer)
    batch_id: Mapped[int | None] = mapped_column(Id)
    bundle: Mapped[bytes] = mapped_column(LargeBinary)


class NodeTemplate(WebBase):
    """A named template; its content is in its versions."""

    __tablename__ = "node_templates"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class TemplateVersion(WebBase):
    """One saved version of a template: the configuration document without serial or secrets."""

    __tablename__ = "template_versions"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("node_templates.id", ondelete="CASCADE"))
    version: Mapped[int]
    document: Mapped[dict[str, Any]]
    placeholders: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    created_at: Mapped[datetime]
    saved_by: Mapped[str] = mapped_column(String(64))


class Batch(WebBase):
    """A batch programming job."""

    __tablename__ = "batches"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    created_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    made_by: Mapped[str] = mapped_column(String(64))
    template_name: Mapped[str] = mapped_column(String(64))
    template_version: Mapped[int]
    state: Mapped[str] = mapped_column(String(16))
    total: Mapped[int]
    message: Mapped[str] = mapped_column(Text, default="")
    archive: Mapped[bytes | None] = mapped_column(LargeBinary)


class BatchNode(WebBase):
    """One node of a batch and what became of it."""

    __tablename__ = "batch_nodes"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    serial: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(64), default="")
    state: Mapped[str] = mapped_column(String(16))
    message: Mapped[str] = mapped_column(Text, default="")
    bundle_name: Mapped[str] = mapped_column(String(128), default="")
    has_hex: Mapped[bool] = mapped_column(default=False)


#: The tables, typed as such for Core statements.
USERS: Final = table_of(User)
SESSIONS: Final = table_of(Session)
SETTINGS: Final = table_of(Setting)
DEVICES: Final = table_of(RegistryDevice)
PROGRAMS: Final = table_of(Program)
TEMPLATES: Final = table_of(NodeTemplate)
VERSIONS: Final = table_of(TemplateVersion)
BATCHES: Final = table_of(Batch)
BATCH_NODES: Final = table_of(BatchNode)
