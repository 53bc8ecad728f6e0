"""The first schema: frames, readings, reading sets, devices, aliases, outbox, API tokens.

Revision ID: 0001
Revises: (none)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TIME = sa.DateTime(timezone=True)
_PENDING = sa.text("status = 'pending'")

#: One row per value with who sent it and when, for people who query the database directly.
_READING_ROWS = """
CREATE VIEW reading_rows AS
SELECT f.id AS frame_id, r.position, f.serial, f.node_name, r.sensor, r.sensor_id,
       r.value, r."values", r.text, r.unit, f.received_at
FROM readings r JOIN frames f ON f.id = r.frame_id
"""


def upgrade() -> None:
    """Create every table, index and the ``reading_rows`` view."""
    op.create_table(
        "frames",
        sa.Column("id", _ID, nullable=False),
        sa.Column("received_at", _TIME, nullable=False),
        sa.Column("adapter", sa.String(32), nullable=False),
        sa.Column("remote", sa.String(64)),
        sa.Column("format", sa.String(16), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("meta", sa.JSON()),
        sa.Column("device", sa.String(64)),
        sa.Column("counter", sa.BigInteger()),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error", sa.Text()),
        sa.Column("serial", sa.String(32)),
        sa.Column("node_name", sa.String(32)),
        sa.Column("frame_type", sa.SmallInteger()),
        sa.Column("sequence", sa.SmallInteger()),
        sa.Column("dedup_key", sa.LargeBinary(16)),
        sa.Column("set_id", sa.BigInteger()),
        sa.PrimaryKeyConstraint("id", name="pk_frames"),
    )
    op.create_index("ix_frames_serial_received_at_id", "frames", ["serial", "received_at", "id"])
    op.create_index("ix_frames_received_at_id", "frames", ["received_at", "id"])
    if op.get_bind().dialect.name == "postgresql":  # see the model: shared stores only
        op.create_index("ix_frames_dedup_key", "frames", ["dedup_key"])
    op.create_index(
        "ix_frames_pending", "frames", ["id"], sqlite_where=_PENDING, postgresql_where=_PENDING
    )

    op.create_table(
        "readings",
        sa.Column("frame_id", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("sensor", sa.String(32), nullable=False),
        sa.Column("sensor_id", sa.SmallInteger()),
        sa.Column("value", sa.Float()),
        sa.Column("values", sa.JSON()),
        sa.Column("text", sa.Text()),
        sa.Column("unit", sa.String(16)),
        sa.ForeignKeyConstraint(
            ["frame_id"], ["frames.id"], name="fk_readings_frame_id_frames", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("frame_id", "position", name="pk_readings"),
        sqlite_with_rowid=False,
    )

    op.create_table(
        "reading_sets",
        sa.Column("id", _ID, nullable=False),
        sa.Column("serial", sa.String(32), nullable=False),
        sa.Column("sequence", sa.SmallInteger(), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("parts", sa.Integer(), nullable=False),
        sa.Column("counters", sa.JSON()),
        sa.Column("missing", sa.JSON()),
        sa.Column("first_at", _TIME, nullable=False),
        sa.Column("last_at", _TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_reading_sets"),
    )
    op.create_index("ix_reading_sets_serial_first_at", "reading_sets", ["serial", "first_at"])

    op.create_table(
        "devices",
        sa.Column("serial", sa.String(32), nullable=False),
        sa.Column("node_name", sa.String(32)),
        sa.Column("first_seen", _TIME),
        sa.Column("last_seen", _TIME),
        sa.Column("battery", sa.Float()),
        sa.Column("battery_unit", sa.String(8)),
        sa.Column("frames", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("errors", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("label", sa.String(64)),
        sa.Column("keys", sa.Text()),
        sa.Column("ingest_token_hash", sa.String(64)),
        sa.Column("tiny_table", sa.SmallInteger()),
        sa.Column("expected_sensors", sa.JSON()),
        sa.PrimaryKeyConstraint("serial", name="pk_devices"),
    )

    op.create_table(
        "device_aliases",
        sa.Column("alias", sa.String(64), nullable=False),
        sa.Column("serial", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("alias", name="pk_device_aliases"),
    )
    op.create_index("ix_device_aliases_serial", "device_aliases", ["serial"])

    op.create_table(
        "outbox",
        sa.Column("id", _ID, nullable=False),
        sa.Column("forwarder", sa.String(32), nullable=False),
        sa.Column("frame_id", sa.BigInteger(), nullable=False),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", _TIME, nullable=False),
        sa.Column("last_error", sa.Text()),
        sa.Column("dead", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
    )
    op.create_index(
        "ix_outbox_forwarder_dead_next_attempt_at",
        "outbox",
        ["forwarder", "dead", "next_attempt_at"],
    )

    op.create_table(
        "api_tokens",
        sa.Column("id", _ID, nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("scope", sa.String(8), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("revoked_at", _TIME),
        sa.PrimaryKeyConstraint("id", name="pk_api_tokens"),
        sa.UniqueConstraint("token_hash", name="uq_api_tokens_token_hash"),
    )

    op.execute(_READING_ROWS)


def downgrade() -> None:
    """Drop everything the upgrade created."""
    op.execute("DROP VIEW reading_rows")
    for table in (
        "api_tokens",
        "outbox",
        "device_aliases",
        "devices",
        "reading_sets",
        "readings",
        "frames",
    ):
        op.drop_table(table)
