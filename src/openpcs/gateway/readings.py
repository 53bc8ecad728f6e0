"""Turning a decoded frame or NCD sensor message into reading rows, one per field.

Numbers are stored as the node sent them (a binary frame's float32 stays exactly that value);
:func:`shown` gives the short decimal people expect when a reading is read back.
"""

from __future__ import annotations

import json
import math
from typing import Any, Final, cast

from openpcs.catalog import ValueType
from openpcs.catalog.ncd import ncd_sensor_types
from openpcs.frames import Frame, Value
from openpcs.frames.model import json_value
from openpcs.gateway.records import ReadingRow
from openpcs.ncd.payloads import SensorData

__all__ = [
    "BATTERY_TAG",
    "battery_of_frame",
    "frame_readings",
    "ncd_readings",
    "shown",
    "shown_values",
]

#: The Waspmote battery field (percent).
BATTERY_TAG: Final = "BAT"
#: The sensor name of an NCD node's battery voltage.
NCD_BATTERY: Final = "battery"
_STRING: Final = ValueType.STRING


_INFINITE: Final = (math.inf, -math.inf)


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def frame_readings(frame: Frame, frame_id: int) -> list[ReadingRow]:
    """One row per field of a decoded Waspmote frame, in the frame's order.

    This runs for every field the gateway stores, so it avoids per-value calls: a value
    that is not a finite number (NaN, infinity) is stored as no value.
    """
    rows: list[ReadingRow] = []
    append = rows.append
    for position, (sensor, values) in enumerate(frame.fields):
        unit = sensor.unit or None
        first = values[0]
        if sensor.type is _STRING:
            append((frame_id, position, sensor.tag, sensor.id, None, None, str(first), unit))
            continue
        # NaN is the one value unequal to itself; only numbers reach here (strings went above)
        number = None if first != first or first in _INFINITE else cast(float, first)  # noqa: PLR0124
        listed = None
        if len(values) > 1:
            listed = _listed(values, sensor.type)
        append((frame_id, position, sensor.tag, sensor.id, number, listed, None, unit))
    return rows


def _listed(values: tuple[Value, ...], value_type: ValueType) -> str:
    """Every value of a field as JSON, exactly as decoded (``shown`` rounds them on reading);
    a value that is not a finite number becomes ``null``."""
    try:
        return json.dumps(values, allow_nan=False)
    except ValueError:
        return json.dumps([json_value(v, value_type) for v in values])


def battery_of_frame(frame: Frame) -> tuple[float, str] | None:
    """The battery level a Waspmote frame reports (``BAT``, percent), if it has one."""
    item = frame.field(BATTERY_TAG)
    if item is None:
        return None
    level = _number(item.values[0])
    return None if level is None else (level, item.sensor.unit or "%")


def ncd_readings(message: SensorData, frame_id: int) -> list[ReadingRow]:
    """One row per value of an NCD sensor message, its status label as text when its type
    reports one (see :class:`openpcs.catalog.ncd.NcdStatus`), then the battery voltage."""
    rows: list[ReadingRow] = [
        (frame_id, position, item.name, None, _number(item.value), None, None, item.unit or None)
        for position, item in enumerate(message.values)
    ]
    kind = ncd_sensor_types().get(message.sensor_type)
    status = kind.status if kind is not None else None
    label = status.label(message.reserved, message.firmware) if status is not None else None
    if status is not None and label is not None:
        rows.append((frame_id, len(rows), status.name, None, None, None, label, None))
    battery = round(message.battery_volts, 3)
    rows.append((frame_id, len(rows), NCD_BATTERY, None, battery, None, None, "V"))
    return rows


_EXACT_INTEGERS: Final = 2**53


def shown_values(values: list[Any]) -> list[Any]:
    """Every value of a multi-value reading as people read it (numbers through :func:`shown`)."""
    return [shown(v) if isinstance(v, float) else v for v in values]


def shown(value: float | None) -> float | int | None:
    """A stored number as people read it: a whole number as an integer (1763712000, not
    1763712000.0), a float32 as its shortest decimal (21.37, not 21.3700008392334)."""
    if value is None:
        return None
    if isinstance(value, int) or (value.is_integer() and abs(value) < _EXACT_INTEGERS):
        return int(value)
    result = json_value(value, ValueType.FLOAT)
    return result if isinstance(result, float) else value
