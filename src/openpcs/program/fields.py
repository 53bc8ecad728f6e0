"""Frame fields as the generated program adds them: the API constant and the right overload.

``frame.addSensor`` picks its packing from the sensor table and checks the C++ overload
against the field's type in binary frames, so each value is cast to the type the overload
for that field takes: ``int`` for uint8/int16 fields, ``unsigned long`` for uint32,
``double`` for floats and ``char*`` for strings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from openpcs.catalog import SensorSpec, ValueType
from openpcs.config.plan import PlannedField
from openpcs.program.errors import GenerationError

__all__ = ["FieldRef", "add_sensor"]

_CASTS: Final = {
    ValueType.UINT8: "int",
    ValueType.INT16: "int",
    ValueType.UINT16: "uint16_t*",
    ValueType.FLOAT: "double",
    ValueType.ULONG32: "unsigned long",
    ValueType.STRING: "char*",
}


@dataclass(frozen=True, slots=True)
class FieldRef:
    """A planned field: its API constant, tag, value type and count, and what adds it."""

    constant: str
    tag: str
    type: ValueType
    count: int
    path: str

    @classmethod
    def of(cls, planned: PlannedField, frame_type: int) -> FieldRef:
        """The reference for one planned field; a field without an API constant is an error."""
        sensor: SensorSpec = planned.sensor
        if not sensor.api_constants:
            raise GenerationError(
                f"{planned.path or planned.source}: field {sensor.tag} has no API constant "
                f"in the frame type {frame_type} table"
            )
        return cls(sensor.api_constants[0], sensor.tag, sensor.type, sensor.count, planned.path)


def add_sensor(field: FieldRef, *values: str) -> str:
    """``frame.addSensor(CONSTANT, (cast)(value), …);`` for one field."""
    if len(values) != field.count:
        raise GenerationError(
            f"{field.tag} takes {field.count} value(s), the program gives {len(values)}"
        )
    cast = _CASTS[field.type]
    arguments = ", ".join(f"({cast})({value})" for value in values)
    return f"frame.addSensor({field.constant}, {arguments});"
