"""Configuration digests are keyed and bound to their author; plain ones are dropped.

Digests stored before this revision were plain SHA-256 of the configuration, secrets included,
listed with every program: a reader could test guesses of a PIN or password against them. They
are cleared (a device's becomes empty, a program's the empty text), so no plain digest stays
listed; a device shows "changed since the last build" again once it is saved and rebuilt.

Revision ID: w0004
Revises: w0003
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op

revision = "w0004"
down_revision = "w0003"
branch_labels = None
depends_on = None

_log = logging.getLogger("openpcs.web.migrations")


def upgrade() -> None:
    """Clear the plain digests of saved configurations and programs."""
    bind = op.get_bind()
    devices = bind.execute(
        sa.text("UPDATE registry_devices SET config_hash = NULL WHERE config_hash IS NOT NULL")
    ).rowcount
    programs = bind.execute(
        sa.text("UPDATE programs SET config_hash = '' WHERE config_hash <> ''")
    ).rowcount
    if devices or programs:
        _log.warning(
            "cleared %d device and %d program configuration digests (plain SHA-256, "
            "which could be used to test guesses of secrets)",
            devices,
            programs,
        )


def downgrade() -> None:
    """Nothing to undo: cleared digests stay cleared."""
