"""Who saved a device's configuration, since its keys are theirs (and admins') to use.

A configuration saved before this revision has no saver: its keys are filled into a program or a
batch for admins only.

Revision ID: w0003
Revises: w0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "w0003"
down_revision = "w0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``registry_devices.config_saved_by``."""
    with op.batch_alter_table("registry_devices") as batch:
        batch.add_column(sa.Column("config_saved_by", sa.String(64), nullable=True))


def downgrade() -> None:
    """Drop ``registry_devices.config_saved_by``."""
    with op.batch_alter_table("registry_devices") as batch:
        batch.drop_column("config_saved_by")
