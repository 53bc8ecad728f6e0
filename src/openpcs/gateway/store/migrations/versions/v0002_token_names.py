"""API token names keep the name rule every user-set name keeps.

Token names now match ``[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}`` (a name is used in the path of
``DELETE /api/v1/tokens/{name}`` and shown on pages). A stored name that breaks it is
renamed: each character outside the rule becomes ``_`` and leading separators are dropped
(``token`` when nothing is left). Tokens sharing a name keep sharing it. Each rename is
logged; the tokens themselves, their scopes and revocations are untouched.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import logging
import re

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_log = logging.getLogger("openpcs.gateway.migrations")
# the rule as it stands at this revision (a migration keeps its own copy: it must not change)
_RULE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}")
_OUTSIDE = re.compile(r"[^A-Za-z0-9 ._-]")


def _kept(name: str) -> str:
    """``name`` with every character outside the rule replaced, never empty."""
    return _OUTSIDE.sub("_", name.strip()).lstrip(" ._-")[:64].rstrip(" ") or "token"


def upgrade() -> None:
    """Rename the token names that break the rule."""
    tokens = sa.table("api_tokens", sa.column("id"), sa.column("name"))
    bind = op.get_bind()
    for token_id, name in bind.execute(sa.select(tokens.c.id, tokens.c.name)).all():
        if _RULE.fullmatch(name) is not None:
            continue
        new = _kept(name)
        bind.execute(tokens.update().where(tokens.c.id == token_id).values(name=new))
        _log.warning(
            "renamed API token %s %r to %r: names now keep to %s",
            token_id,
            name,
            new,
            _RULE.pattern,
        )


def downgrade() -> None:
    """Nothing to undo: renamed names stay renamed."""
