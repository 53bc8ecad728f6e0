"""The gateway's tables, as SQLAlchemy 2 models. Alembic migrations create them.

- ``frames``: every frame as it arrived (the archive), with what processing made of it.
- ``readings``: one row per field of a stored frame, in the frame's order. Who sent it and when
  live on the frame; the ``reading_rows`` view joins them into one row per value.
- ``reading_sets``: tiny frames that share a sequence byte, reassembled into one set.
- ``devices``: per device, what was seen (last seen, battery, counts) and its settings (keys,
  ingest token, sensor table for tiny frames, expected sensors).
- ``device_aliases``: network identities (a LoRaWAN DevEUI, a Sigfox id) that name a device.
- ``outbox``: frames waiting for a forwarder, with their retry state.
- ``api_tokens``: hashes of the tokens that may query, ingest or administer.

Times are UTC. SQLite stores them as text without the zone; reads add UTC back.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Final, Literal, cast

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    TypeDecorator,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "API_TOKENS",
    "DEVICES",
    "DEVICE_ALIASES",
    "FRAMES",
    "OUTBOX",
    "POSTGRESQL_ONLY_INDEXES",
    "READINGS",
    "READING_SETS",
    "ApiToken",
    "Base",
    "Device",
    "DeviceAlias",
    "Frame",
    "FrameStatus",
    "OutboxItem",
    "Reading",
    "ReadingSet",
    "StatusName",
    "UtcDateTime",
    "belongs_on",
    "table_of",
]

#: Constraint names the same on every database, so migrations can refer to them.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: Indexes created on PostgreSQL only (see ``Frame``); migrations and comparisons skip them
#: elsewhere.
POSTGRESQL_ONLY_INDEXES: Final = frozenset({"ix_frames_dedup_key"})


def belongs_on(dialect: str) -> Any:
    """An alembic ``include_object`` hook leaving out what does not exist on ``dialect``."""

    def include(_obj: Any, name: str | None, kind: str, _reflected: bool, _other: Any) -> bool:
        return not (kind == "index" and name in POSTGRESQL_ONLY_INDEXES and dialect != "postgresql")

    return include


#: JSON where Python's None is SQL NULL (not the JSON text ``null``), as raw writes store it.
_JSON = JSON(none_as_null=True)

#: 64-bit ids, which SQLite wants spelled INTEGER to make them its row id.
Id = BigInteger().with_variant(Integer(), "sqlite")


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every database (SQLite keeps no zone: UTC is added)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Store aware datetimes in UTC; a naive one is taken to be UTC already."""
        if value is None or value.tzinfo is None:
            return value
        converted = value.astimezone(UTC)
        return converted.replace(tzinfo=None) if dialect.name == "sqlite" else converted

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Every datetime read back is aware and in UTC."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


#: The values of ``frames.status``, as a type.
StatusName = Literal["pending", "ok", "partial", "error", "duplicate", "encrypted", "ignored"]


class FrameStatus:
    """The values of ``frames.status``."""

    PENDING = "pending"  # archived, not processed yet
    OK = "ok"  # decoded and stored
    PARTIAL = "partial"  # the fields its sensor table defines stored; the error says the rest
    ERROR = "error"  # kept with the reason it could not be decoded
    DUPLICATE = "duplicate"  # the same frame arrived within the window
    ENCRYPTED = "encrypted"  # a device-to-cloud frame, stored as received
    IGNORED = "ignored"  # a valid packet that carries no readings (a mesh packet not for us)
    ALL = (PENDING, OK, PARTIAL, ERROR, DUPLICATE, ENCRYPTED, IGNORED)


class Base(DeclarativeBase):
    """The declarative base of the gateway's models."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UtcDateTime(), dict[str, Any]: _JSON}  # noqa: RUF012


class Frame(Base):
    """A frame as received and what processing made of it.

    ``data`` is the frame's bytes once the transport's encoding is undone; ``device`` and
    ``counter`` are the network's name for the sender and its frame counter, for frames that
    carry no serial (tiny frames); ``meta`` is radio metadata. ``serial`` and the columns after
    it are filled by processing.
    """

    __tablename__ = "frames"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    received_at: Mapped[datetime]
    adapter: Mapped[str] = mapped_column(String(32))
    remote: Mapped[str | None] = mapped_column(String(64))
    format: Mapped[str] = mapped_column(String(16))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    meta: Mapped[dict[str, Any] | None]
    device: Mapped[str | None] = mapped_column(String(64))
    counter: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)
    serial: Mapped[str | None] = mapped_column(String(32))
    node_name: Mapped[str | None] = mapped_column(String(32))
    frame_type: Mapped[int | None] = mapped_column(SmallInteger)
    sequence: Mapped[int | None] = mapped_column(SmallInteger)
    dedup_key: Mapped[bytes | None] = mapped_column(LargeBinary(16))
    set_id: Mapped[int | None] = mapped_column(BigInteger)

    __table_args__ = (
        Index(None, "serial", "received_at", "id"),
        Index(None, "received_at", "id"),
        # only instances sharing a PostgreSQL store look keys up in the database; one SQLite
        # gateway keeps its window in memory and would only pay for the index on every write
        Index(None, "dedup_key").ddl_if(dialect="postgresql"),
        Index(
            "ix_frames_pending",
            "id",
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
    )


class Reading(Base):
    """One field of a stored frame: its sensor, its value(s) and unit, in the frame's order.

    ``value`` is the first value when it is a number; ``values`` lists every value of a field
    that has several; ``text`` is a string value.
    """

    __tablename__ = "readings"

    frame_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("frames.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    sensor: Mapped[str] = mapped_column(String(32))
    sensor_id: Mapped[int | None] = mapped_column(SmallInteger)
    value: Mapped[float | None] = mapped_column(Float)
    values: Mapped[list[Any] | None] = mapped_column(_JSON)
    text: Mapped[str | None] = mapped_column(Text)
    unit: Mapped[str | None] = mapped_column(String(16))

    __table_args__ = ({"sqlite_with_rowid": False},)


class ReadingSet(Base):
    """Tiny frames of one device that share a sequence byte: one reading set.

    ``status`` is ``open`` while parts may still arrive, then ``complete`` or ``partial``.
    ``counters`` are the network frame counters of the parts (LoRaWAN FCnt, Sigfox sequence);
    ``missing`` names expected sensors that no part carried.
    """

    __tablename__ = "reading_sets"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    serial: Mapped[str] = mapped_column(String(32))
    sequence: Mapped[int] = mapped_column(SmallInteger)
    status: Mapped[str] = mapped_column(String(12))
    parts: Mapped[int] = mapped_column(Integer)
    counters: Mapped[list[Any] | None] = mapped_column(_JSON)
    missing: Mapped[list[Any] | None] = mapped_column(_JSON)
    first_at: Mapped[datetime]
    last_at: Mapped[datetime]

    __table_args__ = (Index(None, "serial", "first_at"),)


class Device(Base):
    """A device: what the gateway saw of it, and its settings.

    ``keys`` holds the device's AES keys encrypted with the gateway's secret key; only hashes
    of ingest tokens are kept.
    """

    __tablename__ = "devices"

    serial: Mapped[str] = mapped_column(String(32), primary_key=True)
    node_name: Mapped[str | None] = mapped_column(String(32))
    first_seen: Mapped[datetime | None]
    last_seen: Mapped[datetime | None]
    battery: Mapped[float | None] = mapped_column(Float)
    battery_unit: Mapped[str | None] = mapped_column(String(8))
    frames: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    errors: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    label: Mapped[str | None] = mapped_column(String(64))
    keys: Mapped[str | None] = mapped_column(Text)
    ingest_token_hash: Mapped[str | None] = mapped_column(String(64))
    tiny_table: Mapped[int | None] = mapped_column(SmallInteger)
    expected_sensors: Mapped[list[Any] | None] = mapped_column(_JSON)


class DeviceAlias(Base):
    """A network identity (``lorawan:<DevEUI>``, ``sigfox:<id>``) that names a device."""

    __tablename__ = "device_aliases"

    alias: Mapped[str] = mapped_column(String(64), primary_key=True)
    serial: Mapped[str] = mapped_column(String(32), index=True)


class OutboxItem(Base):
    """A frame's JSON waiting for one forwarder; deleted once delivered.

    ``dead`` marks an item that used up its attempts; it stays for an operator to see.
    """

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    forwarder: Mapped[str] = mapped_column(String(32))
    frame_id: Mapped[int] = mapped_column(BigInteger)
    topic: Mapped[str] = mapped_column(Text)
    payload: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(Text)
    dead: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))

    __table_args__ = (Index(None, "forwarder", "dead", "next_attempt_at"),)


class ApiToken(Base):
    """An API token: its SHA-256 hash, its scope (read, ingest, admin) and when it was used."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    scope: Mapped[str] = mapped_column(String(8))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


def table_of(model: type[DeclarativeBase]) -> Table:
    """A declarative model's table, typed as such for Core statements."""
    return cast(Table, model.__table__)


#: The tables, typed as such for Core statements.
FRAMES: Final = table_of(Frame)
READINGS: Final = table_of(Reading)
READING_SETS: Final = table_of(ReadingSet)
DEVICES: Final = table_of(Device)
DEVICE_ALIASES: Final = table_of(DeviceAlias)
OUTBOX: Final = table_of(OutboxItem)
API_TOKENS: Final = table_of(ApiToken)
