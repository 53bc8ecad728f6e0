"""The form's fields, made from the configuration's own models.

Every input of the PCS form is named by the path of the :class:`NodeConfig` field it sets
(``radio.app_key``, ``sleep.minutes``); :func:`fields_of` walks a model and describes each scalar
field (its input kind, choices from ``Literal`` types, default, label), so the form cannot hold a
field the configuration lacks. Lists (sockets, Modbus reads, GPS fields, battery thresholds) have
their own widgets, whose inputs are named the same way (``battery_warning.thresholds.0``).
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal, get_args, get_origin

import yaml
from pydantic import BaseModel, SecretStr
from pydantic_core import PydanticUndefined

from openpcs.config.model import Destination, Radio

__all__ = [
    "FormField",
    "choice_names",
    "fields_of",
    "label_for",
    "option_label",
    "union_members",
]

#: The discriminating field of a union member: the section's own select chooses it.
_TAGS = ("type", "protocol")


@dataclass(frozen=True)
class FormField:
    """One input: the configuration path it sets and how to show it.

    ``kind`` is ``text``, ``int``, ``float``, ``int_or_text`` (a number, or text such as
    ``0x0F``), ``bool``, ``select``, ``secret`` or ``textarea``.
    """

    path: str
    label: str
    kind: str
    choices: tuple[str, ...] = ()
    default: Any = None
    required: bool = False
    when: str = ""


def _data(name: str) -> Any:
    return yaml.safe_load(
        resources.files("openpcs.web").joinpath(f"data/{name}").read_text("utf-8")
    )


@cache
def _labels() -> dict[str, str]:
    labels: dict[str, str] = _data("labels.yaml")
    return labels


def choice_names(path: str) -> dict[str, str]:
    """The names of the choices of the field ``path`` the script fills (``destination.type``,
    ``event``), by value (``data/option_labels.yaml``)."""
    named = _option_labels().get("by_path", {}).get(path, {})
    return {str(key): str(value) for key, value in named.items()}


@cache
def _option_labels() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = _data("option_labels.yaml")
    return found


def option_label(path: str, value: str) -> str:
    """How the form names the choice ``value`` of the field ``path`` (``data/option_labels.
    yaml``: by the field's path or the end of it, else by the value alone), else the value."""
    labels = _option_labels()
    parts = path.split(".")
    for start in range(len(parts)):
        named = labels.get("by_path", {}).get(".".join(parts[start:]), {})
        if value in named:
            return str(named[value])
    return str(labels.get("values", {}).get(value, value))


@cache
def conditions() -> dict[str, dict[str, str]]:
    """``fields`` and ``sections`` shown only under a condition (``data/form.yaml``)."""
    found: dict[str, dict[str, str]] = _data("form.yaml")
    return found


def _joined(*parts: str) -> str:
    return ";".join(part for part in parts if part)


def label_for(path: str) -> str:
    """The label of a field: by the end of its path, else its name made readable."""
    labels = _labels()
    parts = path.split(".")
    for start in range(len(parts)):
        found = labels.get(".".join(parts[start:]))
        if found:
            return found
    return parts[-1].replace("_", " ").capitalize()


def _alternatives(annotation: Any) -> list[Any]:
    origin = get_origin(annotation)
    if origin is typing.Annotated:
        return _alternatives(get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [
            alt
            for arg in get_args(annotation)
            if arg is not type(None)
            for alt in _alternatives(arg)
        ]
    return [annotation]


def union_members(union: Any) -> list[type[BaseModel]]:
    """The models of a discriminated union (``Radio``, ``Destination``)."""
    return [alt for alt in _alternatives(union) if isinstance(alt, type)]


def tag_of(model: type[BaseModel]) -> str:
    """The value of a union member's ``type``/``protocol`` field."""
    for name in _TAGS:
        field = model.model_fields.get(name)
        if field is not None:
            return str(get_args(field.annotation)[0])
    raise ValueError(f"{model.__name__} has no type field")


def _kind(annotation: Any, name: str) -> tuple[str, tuple[str, ...]] | None:
    options = _alternatives(annotation)
    if len(options) == 1 and get_origin(options[0]) is Literal:
        return "select", tuple(str(value) for value in get_args(options[0]))
    if options == [SecretStr]:
        return "secret", ()
    if options == [bool]:
        return "bool", ()
    if options == [int]:
        return "int", ()
    if options == [float]:
        return "float", ()
    if set(options) == {int, str}:
        return "int_or_text", ()
    if options == [str]:
        return ("textarea" if name == "certificate" else "text"), ()
    return None


def fields_of(model: type[BaseModel], prefix: str, *, when: str = "") -> list[FormField]:
    """The scalar fields of ``model`` under ``prefix``, nested models flattened; lists and
    mappings are left to their own widgets; a union member's tag is left to its select."""
    found: list[FormField] = []
    for name, info in model.model_fields.items():
        if name in _TAGS and get_origin(info.annotation) is Literal:
            continue
        path = f"{prefix}.{name}" if prefix else name
        nested = [
            alt
            for alt in _alternatives(info.annotation)
            if isinstance(alt, type) and issubclass(alt, BaseModel)
        ]
        if len(nested) == 1:
            found.extend(fields_of(nested[0], path, when=when))
            continue
        kind = _kind(info.annotation, name)
        if kind is None:
            continue
        default = None if info.default is PydanticUndefined else info.default
        if isinstance(default, BaseModel | SecretStr):
            default = None
        found.append(
            FormField(
                path,
                label_for(path),
                kind[0],
                kind[1],
                default,
                required=info.is_required(),
                when=_joined(when, conditions()["fields"].get(path, "")),
            )
        )
    return found


def member_fields(union: Any, prefix: str) -> dict[str, list[FormField]]:
    """Per member of a union (by its tag), its fields, shown while the tag is chosen."""
    return {
        tag_of(member): fields_of(
            member, prefix, when=f"{prefix}.{_tag_name(member)}={tag_of(member)}"
        )
        for member in union_members(union)
    }


def _tag_name(model: type[BaseModel]) -> str:
    return next(name for name in _TAGS if name in model.model_fields)


def radio_fields() -> dict[str, list[FormField]]:
    """Each radio's settings, by radio type."""
    return member_fields(Radio, "radio")


def destination_fields() -> dict[str, list[FormField]]:
    """Each destination's settings, by destination type."""
    return member_fields(Destination, "destination")
