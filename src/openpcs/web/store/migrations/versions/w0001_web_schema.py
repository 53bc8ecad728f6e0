"""The web application's first schema: accounts, registry, programs, templates, batches.

Revision ID: w0001
Revises: (none)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "w0001"
down_revision = None
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create the web application's tables."""
    op.create_table(
        "web_users",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(256), nullable=False),
        sa.Column("role", sa.String(8), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "web_sessions",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column(
            "user_id", _ID, sa.ForeignKey("web_users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("expires_at", _TIME, nullable=False),
    )
    op.create_table(
        "web_settings",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.String(256), nullable=False),
    )
    op.create_table(
        "registry_devices",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("serial", sa.String(16), nullable=False, unique=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("model", sa.String(64), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("config_sealed", sa.Text()),
        sa.Column("config_hash", sa.String(64)),
        sa.Column("config_saved_at", _TIME),
    )
    op.create_table(
        "programs",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("serial", sa.String(16), nullable=False, index=True),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("made_by", sa.String(64), nullable=False),
        sa.Column("config_hash", sa.String(64), nullable=False),
        sa.Column("bundle_name", sa.String(128), nullable=False),
        sa.Column("has_hex", sa.Boolean(), nullable=False),
        sa.Column("flash_bytes", sa.Integer()),
        sa.Column("ram_bytes", sa.Integer()),
        sa.Column("batch_id", _ID),
        sa.Column("bundle", sa.LargeBinary(), nullable=False),
    )
    op.create_table(
        "node_templates",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
    )
    op.create_table(
        "template_versions",
        sa.Column("id", _ID, primary_key=True),
        sa.Column(
            "template_id",
            _ID,
            sa.ForeignKey("node_templates.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("saved_by", sa.String(64), nullable=False),
    )
    op.create_table(
        "batches",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("finished_at", _TIME),
        sa.Column("made_by", sa.String(64), nullable=False),
        sa.Column("template_name", sa.String(64), nullable=False),
        sa.Column("template_version", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("archive", sa.LargeBinary()),
    )
    op.create_table(
        "batch_nodes",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("batch_id", _ID, sa.ForeignKey("batches.id", ondelete="CASCADE"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("serial", sa.String(16), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("bundle_name", sa.String(128), nullable=False),
        sa.Column("has_hex", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_batch_nodes_batch_id", "batch_nodes", ["batch_id"])
    op.create_index("ix_web_sessions_user_id", "web_sessions", ["user_id"])


def downgrade() -> None:
    """Drop the web application's tables."""
    for table in (
        "batch_nodes",
        "batches",
        "template_versions",
        "node_templates",
        "programs",
        "registry_devices",
        "web_settings",
        "web_sessions",
        "web_users",
    ):
        op.drop_table(table)
