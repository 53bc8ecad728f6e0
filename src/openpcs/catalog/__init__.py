"""Device knowledge as data: the sensor tables (and, later, models, radios and licences)."""

from openpcs.catalog.custom_sensors import extend_sensor_table
from openpcs.catalog.sensors import (
    ALLOWED_COUNTS,
    V12_TABLE,
    CatalogError,
    SensorSpec,
    SensorTable,
    ValueType,
    sensor_table,
    sensor_tables,
    table_for_frame_type,
)

__all__ = [
    "ALLOWED_COUNTS",
    "V12_TABLE",
    "CatalogError",
    "SensorSpec",
    "SensorTable",
    "ValueType",
    "extend_sensor_table",
    "sensor_table",
    "sensor_tables",
    "table_for_frame_type",
]
