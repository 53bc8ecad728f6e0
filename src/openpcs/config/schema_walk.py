"""Finding the model type behind a path like ``("radio", "lorawan", "dev_eui")``.

Used to suggest the keys a model accepts ("did you mean") and to tell whether a field takes
text, so a YAML scalar such as ``0012`` stays the text the user typed.
"""

from __future__ import annotations

import types
import typing
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, SecretStr

__all__ = ["is_secret", "model_at", "takes_text"]

_UNION_TYPES = (Union, types.UnionType)


def _unwrap(annotation: Any) -> list[Any]:
    """Return the alternatives of an annotation, without ``Annotated`` and ``None``."""
    origin = get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(get_args(annotation)[0])
    if origin in _UNION_TYPES:
        found: list[Any] = []
        for arg in get_args(annotation):
            if arg is not type(None):
                found.extend(_unwrap(arg))
        return found
    return [annotation]


def _discriminator_values(model: type[BaseModel]) -> set[Any]:
    values: set[Any] = set()
    for name in ("type", "protocol"):
        field = model.model_fields.get(name)
        if field is not None and get_origin(field.annotation) is Literal:
            values.update(get_args(field.annotation))
    return values


def _step(annotation: Any, part: str | int) -> Any | None:
    """The annotation one step further along a path, or ``None`` when the path leaves it."""
    for option in _unwrap(annotation):
        origin = get_origin(option)
        if isinstance(option, type) and issubclass(option, BaseModel):
            field = option.model_fields.get(str(part))
            if field is not None:
                return field.annotation
        elif origin in (list, tuple) and isinstance(part, int):
            return get_args(option)[0]
        elif origin is dict:
            return get_args(option)[1]
    return None


def model_at(root: type[BaseModel], path: tuple[str | int, ...]) -> list[type[BaseModel]]:
    """Return the models that the value at ``path`` may be (several for a union).

    Pydantic locations of discriminated unions carry the tag (``radio.lorawan.port``); a
    path part that names a union member's tag selects that member.
    """
    current: Any = root
    for part in path:
        options = [o for o in _unwrap(current) if isinstance(o, type) and issubclass(o, BaseModel)]
        tagged = [o for o in options if part in _discriminator_values(o)]
        if len(options) > 1 and tagged:
            current = tagged[0]
            continue
        following = _step(current, part)
        if following is None:
            return []
        current = following
    return [o for o in _unwrap(current) if isinstance(o, type) and issubclass(o, BaseModel)]


def is_leaf(root: type[BaseModel], path: tuple[str | int, ...]) -> bool:
    """Whether ``path`` names a plain value (no model, list or dict among its types). After
    such a path pydantic names the member of a plain union it tried (``int``,
    ``constrained-str``), which is no part of the document."""
    annotation = _annotation_at(root, path)
    if annotation is None:
        return False
    return not any(
        (isinstance(option, type) and issubclass(option, BaseModel))
        or get_origin(option) in (list, tuple, dict)
        for option in _unwrap(annotation)
    )


def _annotation_at(root: type[BaseModel], path: tuple[str | int, ...]) -> Any | None:
    current: Any = root
    for part in path:
        following = _step(current, part)
        if following is None:
            return None
        current = following
    return current


def is_secret(root: type[BaseModel], path: tuple[str | int, ...]) -> bool:
    """Whether the field at ``path`` holds a secret (``SecretStr``, maybe optional)."""
    annotation = _annotation_at(root, path) if path else None
    alternatives = _unwrap(annotation) if annotation is not None else []
    return bool(alternatives) and all(alt is SecretStr for alt in alternatives)


def takes_text(root: type[BaseModel], path: tuple[str | int, ...]) -> bool:
    """Whether the field at ``path`` takes only text (``str`` or ``SecretStr``, maybe optional)."""
    if not path:
        return False
    current: Any = root
    for part in path:
        following = _step(current, part)
        if following is None:
            # inside a discriminated union: try the member whose fields know this part
            return False
        current = following
    alternatives = _unwrap(current)
    return bool(alternatives) and all(alt in (str, SecretStr) for alt in alternatives)
