"""Where a configuration holds secrets (AES keys, link keys, passwords, LoRaWAN keys)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, SecretStr

from openpcs.config.schema_walk import is_secret

__all__ = ["secret_paths", "without_secrets"]


def secret_paths(
    value: object, path: tuple[str | int, ...] = ()
) -> Iterator[tuple[str | int, ...]]:
    """Paths of every secret (``SecretStr``) set in a configuration, depth first."""
    if isinstance(value, SecretStr):
        yield path
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from secret_paths(getattr(value, name), (*path, name))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from secret_paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from secret_paths(item, (*path, index))


def without_secrets(document: dict[str, Any], root: type[BaseModel]) -> dict[str, Any]:
    """A copy of ``document`` (a raw document of ``root``) without its secret fields and
    without unset (``None``) values: what a template may keep."""
    kept: dict[str, Any] = _kept(document, root, ())
    return kept


def _kept(value: Any, root: type[BaseModel], path: tuple[str | int, ...]) -> Any:
    if isinstance(value, dict):
        return {
            key: _kept(item, root, (*path, key))
            for key, item in value.items()
            if item is not None and not is_secret(root, (*path, key))
        }
    if isinstance(value, list):
        return [_kept(item, root, (*path, index)) for index, item in enumerate(value)]
    return value
