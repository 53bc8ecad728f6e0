"""Names a link can carry safely, and template placeholders.

Every name a user sets (templates, accounts, tags) now matches
``[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}``. Stored names that break the rule are renamed (each
character outside it becomes ``_``, a leading one is dropped, a number is added where the result
is taken); each rename is logged, and the accounts' names are changed where they are recorded
as who made or saved something. Template versions gain ``placeholders``: the ``!secret``
names of an imported file, by path.

Revision ID: w0002
Revises: w0001
"""

from __future__ import annotations

import logging
import re

import sqlalchemy as sa
from alembic import op

revision = "w0002"
down_revision = "w0001"
branch_labels = None
depends_on = None

_log = logging.getLogger("openpcs.web.migrations")
_RULE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}")
_OUTSIDE = re.compile(r"[^A-Za-z0-9 ._-]")


def _renamed(name: str, taken: set[str]) -> str:
    """A name that keeps the rule, as close to ``name`` as it can be, not in ``taken``."""
    text = _OUTSIDE.sub("_", name.strip()).lstrip(" ._-")[:64] or "renamed"
    candidate, number = text, 1
    while candidate in taken or _RULE.fullmatch(candidate) is None:
        number += 1
        suffix = f"-{number}"
        candidate = text[: 64 - len(suffix)].rstrip(" ") + suffix
    return candidate


def _rename_column(table: str, column: str, refers: list[tuple[str, str]]) -> None:
    """Rename every value of ``table.column`` that breaks the rule, and its ``refers``."""
    bind = op.get_bind()
    names = [row[0] for row in bind.execute(sa.text(f"SELECT {column} FROM {table}"))]
    taken = set(names)
    for name in names:
        if _RULE.fullmatch(name) is not None:
            continue
        new = _renamed(name, taken)
        taken.add(new)
        bind.execute(
            sa.text(f"UPDATE {table} SET {column} = :new WHERE {column} = :old"),
            {"new": new, "old": name},
        )
        for other, other_column in refers:
            bind.execute(
                sa.text(f"UPDATE {other} SET {other_column} = :new WHERE {other_column} = :old"),
                {"new": new, "old": name},
            )
        _log.warning("renamed %s %r to %r: names now keep to %s", table, name, new, _RULE.pattern)


def _rename_tags() -> None:
    bind = op.get_bind()
    devices = sa.table("registry_devices", sa.column("id"), sa.column("tags", sa.JSON()))
    for device_id, tags in bind.execute(sa.select(devices.c.id, devices.c.tags)).all():
        kept: list[str] = []
        for tag in tags or []:
            new = tag if _RULE.fullmatch(tag) else _renamed(tag, set(kept))
            if new != tag:
                _log.warning("device %s: tag %r renamed to %r", device_id, tag, new)
            if new not in kept:
                kept.append(new)
        if kept != (tags or []):
            bind.execute(devices.update().where(devices.c.id == device_id).values(tags=kept))


def upgrade() -> None:
    """Rename the names that break the rule; add ``template_versions.placeholders``."""
    with op.batch_alter_table("template_versions") as batch:
        batch.add_column(sa.Column("placeholders", sa.JSON(), nullable=True))
    _rename_column("node_templates", "name", [("batches", "template_name")])
    _rename_column(
        "web_users",
        "username",
        [
            ("programs", "made_by"),
            ("batches", "made_by"),
            ("template_versions", "saved_by"),
        ],
    )
    _rename_tags()


def downgrade() -> None:
    """Drop the placeholders (renamed names stay renamed)."""
    with op.batch_alter_table("template_versions") as batch:
        batch.drop_column("placeholders")
