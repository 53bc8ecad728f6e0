"""Named node templates with every saved version; YAML export and import.

A template is a configuration document without a serial ID or node name. Secrets (keys,
passwords) are removed before a version is stored, whatever the form sent: a template is
shared, a key is per node. Each becomes a named placeholder instead (``encryption.key`` →
``encryption_key``), which the form marks for the node's own value, a batch asks a CSV column
for, and the YAML export writes as ``!secret encryption_key``. Each save adds a version;
loading takes the newest unless one is named.

Imported YAML is text from the network: ``!env`` and ``!file`` are refused, and each
``!secret NAME`` is kept as a placeholder (its path and name, never a value), which the YAML
export writes back as ``!secret NAME``.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import yaml
from pydantic import ValidationError
from sqlalchemy import Engine, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from openpcs.config.check import check_data
from openpcs.config.loader import ConfigLoadError, clean_loc, data_values, parse_config_text
from openpcs.config.model import NodeConfig
from openpcs.config.schema_walk import is_secret
from openpcs.config.secret_paths import without_secrets
from openpcs.config.yaml_source import PathKey, format_path
from openpcs.gateway.records import utc_now
from openpcs.web.batch_keys import keys_needed
from openpcs.web.errors import Conflict, NotFound, Refused
from openpcs.web.names import check_name
from openpcs.web.store.schema import TEMPLATES, VERSIONS

__all__ = [
    "TemplateEntry",
    "TemplateStore",
    "VersionEntry",
    "node_secrets",
    "template_document",
]

_TEMPLATES = TEMPLATES
_VERSIONS = VERSIONS
#: How often a save that met a template made at the same moment is tried.
_SAVE_ATTEMPTS: Final = 3
_MAX_YAML: Final = 256 * 1024
#: The serial a template is checked under to see which keys it needs (any node's would do).
_ANY_SERIAL: Final = "0000000000000001"
#: What each node has of its own, never kept in a template.
_NODE_OWN: Final = ("serial", "node_name")
#: how the rules' warnings begin for a value the node does not use ("ignored: an open network
#: takes no password"); other warnings at a secret's place leave it the node's to give
_IGNORED: Final = "ignored"


@dataclass(frozen=True, slots=True)
class TemplateEntry:
    """A template, its newest version number and when it changed."""

    name: str
    version: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class VersionEntry:
    """One saved version; ``placeholders`` maps a path (``radio.apn``) to the name of the
    secret each node brings there."""

    version: int
    created_at: datetime
    saved_by: str
    document: dict[str, Any]
    placeholders: dict[str, str]


class _SecretReference(str):
    """A placeholder's name, written as ``!secret NAME`` by the export."""


class _ExportDumper(yaml.SafeDumper):
    """YAML as ``openpcs check`` reads it, placeholders as ``!secret`` references."""


_ExportDumper.add_representer(
    _SecretReference, lambda dumper, name: dumper.represent_scalar("!secret", str(name))
)


def _stored_placeholders(placeholders: dict[PathKey, str]) -> list[dict[str, Any]]:
    return [{"path": list(path), "name": name} for path, name in placeholders.items()]


def _with_references(document: Any, placeholders: list[dict[str, Any]]) -> Any:
    """A copy of ``document`` with each placeholder set as a :class:`_SecretReference`."""
    result: Any = copy.deepcopy(document)
    for item in placeholders:
        path, name = item["path"], item["name"]
        target = result
        for part in path[:-1]:
            target = target.setdefault(part, {}) if isinstance(target, dict) else target[part]
        if isinstance(target, dict):
            target[path[-1]] = _SecretReference(name)
    return result


def _set_secrets(value: Any, path: PathKey = ()) -> list[PathKey]:
    """Paths of the secret fields ``value`` (a raw configuration document) gives a value."""
    if isinstance(value, dict):
        return [p for key, item in value.items() for p in _set_secrets(item, (*path, key))]
    if isinstance(value, list):
        return [p for index, item in enumerate(value) for p in _set_secrets(item, (*path, index))]
    given = value is not None and value != ""
    return [path] if given and path and is_secret(NodeConfig, path) else []


def _with_stand_ins(document: dict[str, Any], paths: Iterable[PathKey]) -> dict[str, Any]:
    """A copy of ``document`` with a text at each of ``paths`` (an imported ``!secret``),
    so the check judges them as set."""
    filled = copy.deepcopy(document)
    for path in paths:
        holder: Any = filled
        for part in path[:-1]:
            holder = holder.get(part) if isinstance(holder, dict) else None
        if isinstance(holder, dict):
            holder[path[-1]] = "stand-in-secret-text"
    return filled


def node_secrets(
    document: dict[str, Any], kept: dict[str, Any], imported: Mapping[PathKey, str] | None = None
) -> dict[PathKey, str]:
    """The secrets a template leaves to each node, each named after its path
    (``encryption.key`` → ``encryption_key``) or by its ``imported`` ``!secret`` name: those
    ``document`` sets or ``imported`` names (a link key too) that its node would use (not
    those its check calls ignored, as a key while encryption is disabled), and those the
    template's check needs (an AES key for the encryption it chose)."""
    imported = imported or {}
    document = _with_stand_ins(document, imported)
    body = {k: v for k, v in document.items() if k not in _NODE_OWN} | {"serial": _ANY_SERIAL}
    warnings = check_data(body, source="template").warnings
    ignored = {issue.path for issue in warnings if issue.message.startswith(_IGNORED)}
    given = [*_set_secrets(document), *imported]  # a !secret may stand for any value
    paths = [path for path in given if format_path(path) not in ignored]
    paths += [tuple(path.split(".")) for path in keys_needed(kept, _ANY_SERIAL)]
    return {
        path: imported.get(path) or "_".join(str(part) for part in path)
        for path in dict.fromkeys(paths)
    }


def _refuse_misplaced_secrets(body: dict[str, Any]) -> None:
    """:class:`Refused` naming a secret ``body`` sets where its radio or destination has no
    such field, or that is not text: it would be dropped without a word."""
    try:
        NodeConfig.model_validate(body)
    except ValidationError as exc:
        for error in exc.errors():
            loc = clean_loc(NodeConfig, tuple(error["loc"]))
            if not loc or not is_secret(NodeConfig, loc):
                continue
            path = format_path(loc)
            if error["type"].endswith("_type"):
                raise Refused("a secret is text: put it in quotes", path) from None
            if error["type"] == "extra_forbidden":
                found = check_data(body | {"serial": _ANY_SERIAL}, source="template").errors
                said = next((issue.message for issue in found if issue.path == path), None)
                raise Refused(said or str(error["msg"]), path) from None


def template_document(document: dict[str, Any]) -> dict[str, Any]:
    """What a template keeps of a configuration document: no serial, no node name (each
    node's own), no secrets.

    Raises :class:`Refused` naming the field when the document is not a configuration at all
    (its values are checked by the rules when it is used, not here).
    """
    _, problems = data_values(document, NodeConfig)
    if problems:
        raise Refused(problems[0].message, problems[0].path)
    body = {k: v for k, v in document.items() if k not in _NODE_OWN}
    _refuse_misplaced_secrets(body)
    kept = without_secrets(body, NodeConfig)
    try:
        NodeConfig.model_validate(kept)
    except ValidationError as exc:
        # a value each node brings (a DevEUI, a MAC) may be missing; anything else may not
        wrong = [error for error in exc.errors() if error["type"] != "missing"]
        if wrong:
            path = ".".join(str(part) for part in wrong[0]["loc"])
            raise Refused(f"not a node configuration: {wrong[0]['msg']}", path) from None
    return kept


class TemplateStore:
    """Templates and their versions in the store."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def all(self) -> list[TemplateEntry]:
        """Every template, by name."""
        t, v = _TEMPLATES.c, _VERSIONS.c
        newest = (
            select(v.template_id, func.max(v.version).label("version"))
            .group_by(v.template_id)
            .subquery()
        )
        query = (
            select(t.name, newest.c.version, t.created_at, t.updated_at)
            .join(newest, newest.c.template_id == t.id)
            .order_by(t.name)
        )
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        return [TemplateEntry(*row) for row in rows]

    def _id(self, connection: Any, name: str) -> int:
        found = connection.execute(select(_TEMPLATES.c.id).where(_TEMPLATES.c.name == name))
        template_id = found.scalar()
        if template_id is None:
            raise NotFound(f"no template named {name!r}", "name")
        return int(template_id)

    def save(
        self,
        name: str,
        document: dict[str, Any],
        saved_by: str,
        placeholders: dict[PathKey, str] | None = None,
    ) -> int:
        """Add a version (a new template the first time); the version number.

        Each secret becomes a placeholder each node fills (:func:`node_secrets`);
        ``placeholders`` are the ``!secret`` names of an imported file, by path, which keep
        their names."""
        name = check_name(name, "template")
        kept = template_document(document)
        stored = _stored_placeholders(node_secrets(document, kept, placeholders))
        for _ in range(_SAVE_ATTEMPTS - 1):
            # another request may make the template first (PostgreSQL lets both look for it
            # and not find it): the next attempt finds it and adds a version to it
            with contextlib.suppress(IntegrityError):
                return self._add_version(name, kept, stored, saved_by)
        try:
            return self._add_version(name, kept, stored, saved_by)
        except IntegrityError:
            raise Conflict(f"{name!r} is being saved by someone else; try again", "name") from None

    def _add_version(
        self, name: str, kept: dict[str, Any], stored: list[dict[str, Any]], saved_by: str
    ) -> int:
        """One attempt of :meth:`save`: the template row is locked (``FOR UPDATE``) so that
        two saves of one template never take the same version number."""
        now = utc_now()
        with self.engine.begin() as connection:
            template_id = connection.execute(
                select(_TEMPLATES.c.id).where(_TEMPLATES.c.name == name).with_for_update()
            ).scalar()
            if template_id is None:
                template_id = connection.execute(
                    insert(_TEMPLATES)
                    .values(name=name, created_at=now, updated_at=now)
                    .returning(_TEMPLATES.c.id)
                ).scalar_one()
            else:
                connection.execute(
                    update(_TEMPLATES).where(_TEMPLATES.c.id == template_id).values(updated_at=now)
                )
            version = (
                connection.execute(
                    select(func.max(_VERSIONS.c.version)).where(
                        _VERSIONS.c.template_id == template_id
                    )
                ).scalar()
                or 0
            ) + 1
            connection.execute(
                insert(_VERSIONS).values(
                    template_id=template_id,
                    version=version,
                    document=kept,
                    placeholders=stored,
                    created_at=now,
                    saved_by=saved_by,
                )
            )
        return int(version)

    def versions(self, name: str) -> list[VersionEntry]:
        """Every version of a template, newest first."""
        v = _VERSIONS.c
        with self.engine.connect() as connection:
            template_id = self._id(connection, name)
            rows = connection.execute(
                select(v.version, v.created_at, v.saved_by, v.document, v.placeholders)
                .where(v.template_id == template_id)
                .order_by(v.version.desc())
            ).all()
        return [
            VersionEntry(
                row.version,
                row.created_at,
                row.saved_by,
                row.document,
                {format_path(tuple(p["path"])): p["name"] for p in row.placeholders or []},
            )
            for row in rows
        ]

    def load(self, name: str, version: int | None = None) -> VersionEntry:
        """A version of a template (the newest by default)."""
        for entry in self.versions(name):
            if version is None or entry.version == version:
                return entry
        raise NotFound(f"template {name!r} has no version {version}", "version")

    def rename(self, name: str, new_name: str) -> None:
        """Rename a template; :class:`Conflict` when the new name is taken."""
        new_name = check_name(new_name, "template")
        try:
            with self.engine.begin() as connection:
                template_id = self._id(connection, name)
                connection.execute(
                    update(_TEMPLATES)
                    .where(_TEMPLATES.c.id == template_id)
                    .values(name=new_name, updated_at=utc_now())
                )
        except IntegrityError:
            raise Conflict(f"a template named {new_name!r} exists already", "name") from None

    def remove(self, name: str) -> None:
        """Delete a template and its versions."""
        with self.engine.begin() as connection:
            template_id = self._id(connection, name)
            connection.execute(delete(_VERSIONS).where(_VERSIONS.c.template_id == template_id))
            connection.execute(delete(_TEMPLATES).where(_TEMPLATES.c.id == template_id))

    def export_yaml(self, name: str, version: int | None = None) -> str:
        """A version as YAML, as ``openpcs check`` and ``openpcs batch`` read it."""
        entry = self.load(name, version)
        with self.engine.connect() as connection:
            stored = connection.execute(
                select(_VERSIONS.c.placeholders).where(
                    _VERSIONS.c.template_id == self._id(connection, name),
                    _VERSIONS.c.version == entry.version,
                )
            ).scalar()
        document = _with_references(entry.document, stored or [])
        header = f"# openpcs template {name!r}, version {entry.version} (no secrets)\n"
        return header + yaml.dump(
            document, Dumper=_ExportDumper, sort_keys=False, allow_unicode=True
        )

    def import_yaml(self, name: str, text: str, saved_by: str) -> int:
        """Save YAML text as a new version; secrets in it are dropped, never stored.

        The text came over the network: :class:`Refused` at the value's path for ``!env``
        and ``!file``; ``!secret NAME`` is kept as a placeholder."""
        if len(text) > _MAX_YAML:
            raise Refused(f"a template file is at most {_MAX_YAML // 1024} KiB", "file")
        try:
            loaded = parse_config_text(text, source="file", from_network=True)
        except ConfigLoadError as exc:
            raise Refused(str(exc), "file") from None
        if loaded.read_issues:
            first = loaded.read_issues[0]
            raise Refused(first.message, first.path)
        if not isinstance(loaded.raw, dict):
            raise Refused("a template is a mapping of configuration keys", "file")
        return self.save(name, loaded.raw, saved_by, loaded.located.placeholders)
