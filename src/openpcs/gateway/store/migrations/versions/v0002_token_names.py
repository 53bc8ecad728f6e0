"""API token names keep the name rule every user-set name keeps.

Token names now match ``[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}`` (a name is used in the path of
``DELETE /api/v1/tokens/{name}`` and shown on pages). A stored name that breaks it is
renamed: each character outside the rule becomes ``_``, leading separators are dropped
(``token`` when nothing is left) and a number is added where the result is taken, so distinct
names stay distinct (revoking by name revokes what it did before). Tokens sharing a name keep
sharing it. Each rename is logged; the tokens themselves, their scopes and revocations are
untouched.

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


def _kept(name: str, taken: set[str]) -> str:
    """``name`` with every character outside the rule replaced, never empty, and not in
    ``taken`` (a number is added), so that distinct names stay distinct."""
    text = _OUTSIDE.sub("_", name.strip()).lstrip(" ._-")[:64].rstrip(" ") or "token"
    candidate, number = text, 1
    while candidate in taken:
        number += 1
        suffix = f"-{number}"
        candidate = text[: 64 - len(suffix)].rstrip(" ") + suffix
    return candidate


def upgrade() -> None:
    """Rename the token names that break the rule (tokens sharing a name keep sharing it)."""
    tokens = sa.table("api_tokens", sa.column("id"), sa.column("name"))
    bind = op.get_bind()
    names = sorted(set(bind.execute(sa.select(tokens.c.name)).scalars()))
    taken = set(names)
    for name in names:
        if _RULE.fullmatch(name) is not None:
            continue
        new = _kept(name, taken)
        taken.add(new)
        bind.execute(tokens.update().where(tokens.c.name == name).values(name=new))
        _log.warning(
            "renamed API token name %r to %r: names now keep to %s", name, new, _RULE.pattern
        )


def downgrade() -> None:
    """Nothing to undo: renamed names stay renamed."""
