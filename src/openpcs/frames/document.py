"""A frame described as data (the YAML/JSON that ``openpcs frame encode`` reads), and its bytes.

The shape is the one ``openpcs frame decode --json`` prints, so a decoded frame can be edited
and encoded again. Fields are given by tag (``{tag: TC, value: 23.5}`` or just ``{TC: 23.5}``)
or by id (``{id: 206, values: [21.0]}``); with both, the id decides and the tag must match it.
``name`` and ``unit`` are accepted and ignored.
``encrypt`` wraps the frame in one encrypted layer, or several in order (100 then 103).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from openpcs.catalog import sensor_table, table_for_frame_type
from openpcs.frames.ascii import encode_ascii
from openpcs.frames.binary import encode_binary
from openpcs.frames.crypto import encrypt_frame
from openpcs.frames.errors import BadKey, FrameEncodeError
from openpcs.frames.layout import ASCII_FLAG
from openpcs.frames.model import Field
from openpcs.frames.values import checked_values, resolve_sensor

__all__ = ["EncryptLayer", "FieldItem", "FrameDocument", "encode_document", "parse_document"]

_FIELD_KEYS = frozenset({"id", "tag", "value", "values", "name", "unit"})
Scalar = int | float | str


class FieldItem(BaseModel):
    """One field: a sensor (``tag`` or ``id``) and its value or values."""

    model_config = ConfigDict(extra="forbid", strict=False)

    id: int | None = None
    tag: str | None = None
    value: Scalar | None = None
    values: list[Scalar] | None = None
    name: str | None = None
    unit: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        """Accept ``{TC: 23.5}`` for ``{tag: TC, value: 23.5}`` (a list means several values)."""
        if isinstance(data, Mapping) and len(data) == 1:
            ((key, raw),) = data.items()
            if isinstance(key, str) and key not in _FIELD_KEYS:
                if isinstance(raw, list):
                    return {"tag": key, "values": raw}
                return {"tag": key, "value": raw}
        return data

    @model_validator(mode="after")
    def _one_of_each(self) -> FieldItem:
        if self.id is None and self.tag is None:
            raise ValueError("give the sensor as 'tag' or 'id'")
        if (self.value is None) == (self.values is None):
            raise ValueError("give exactly one of 'value' or 'values'")
        return self

    def all_values(self) -> list[Scalar]:
        """Return the values as a list, whichever key held them."""
        return list(self.values) if self.values is not None else [self.value]  # type: ignore[list-item]


class EncryptLayer(BaseModel):
    """One encryption layer: the encrypted frame type and the AES key as typed by the user."""

    model_config = ConfigDict(extra="forbid")

    type: Literal[96, 100, 102, 103] = 96
    key: str


class FrameDocument(BaseModel):
    """A whole frame: header, fields and optional encryption."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["binary", "ascii"] = "binary"
    frame_type: int = 6
    sensor_table: int | None = None
    serial: str
    node_name: str = ""
    sequence: int = 0
    fields: list[FieldItem]
    encrypted_as: list[int] = []
    encrypt: EncryptLayer | list[EncryptLayer] | None = None

    @field_validator("frame_type")
    @classmethod
    def _plain_type(cls, value: int) -> int:
        if not 0 <= value <= 0xFF:
            raise ValueError("frame type is one byte, 0..255")
        return value & ~ASCII_FLAG if value >= ASCII_FLAG else value

    @field_validator("encrypted_as")
    @classmethod
    def _no_layers(cls, value: list[int]) -> list[int]:
        if value:
            raise ValueError("describes a decoded frame; to encrypt, give 'encrypt: {type, key}'")
        return value

    def layers(self) -> list[EncryptLayer]:
        """Return the encryption layers, innermost first."""
        if self.encrypt is None:
            return []
        return self.encrypt if isinstance(self.encrypt, list) else [self.encrypt]


def _dotted(location: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in location) or "frame"


def parse_document(data: object) -> FrameDocument:
    """Validate a mapping as a :class:`FrameDocument`; errors name the field path."""
    try:
        return FrameDocument.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise FrameEncodeError(first["msg"], _dotted(first["loc"])) from None


def encode_document(data: object) -> bytes:
    """Return the frame bytes a document describes (see the module docstring for the shape)."""
    document = parse_document(data)
    table_id = table_for_frame_type(document.frame_type)
    if table_id is None:
        raise FrameEncodeError(
            f"frame type {document.frame_type} has no sensor table", "frame_type"
        )
    table = sensor_table(table_id)
    fields = []
    for index, item in enumerate(document.fields):
        path = f"fields.{index}"
        spec = resolve_sensor(table, item.id if item.id is not None else str(item.tag), path)
        if item.tag is not None and item.tag != spec.tag:
            raise FrameEncodeError(f"id {spec.id} is {spec.tag}, not {item.tag}", path)
        fields.append(Field(spec, checked_values(spec, item.all_values(), path)))
    encoder = encode_ascii if document.kind == "ascii" else encode_binary
    frame = encoder(
        serial=document.serial,
        fields=fields,
        node_name=document.node_name,
        sequence=document.sequence,
        frame_type=document.frame_type,
    )
    for number, layer in enumerate(document.layers()):
        try:
            frame = encrypt_frame(frame, layer.key, layer.type)
        except BadKey as exc:
            raise FrameEncodeError(str(exc), f"encrypt.{number}.key") from None
    return frame
