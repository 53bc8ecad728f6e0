"""NCD status labels from the header's reserved byte, as NCD's own decoders expose them: the
push notification's report type (2), the RTD's fault status (39), the tilt sensor's read
status (47) and the oil sensor's error (93); stored as text readings beside the values."""

from __future__ import annotations

import pytest

from openpcs.catalog import CatalogError
from openpcs.catalog.ncd import _compile as compile_sensor_type
from openpcs.catalog.ncd import ncd_sensor_types
from openpcs.gateway.dedup import DedupWindow
from openpcs.gateway.directory import Directory
from openpcs.gateway.processor import Processor
from openpcs.gateway.records import Arrival, Format
from openpcs.ncd.payloads import encode_sensor_data
from tests.gateway import frames as f


@pytest.mark.parametrize(
    ("sensor_type", "reserved", "firmware", "label"),
    [
        (2, 0x00, 6, "regular"),
        (2, 0x20, 6, "interrupt"),
        (2, 0x3F, 6, "interrupt"),  # only bit 5 counts
        (2, 0x20, 5, None),  # firmware 5 and older report none
        (39, 0 << 1, 6, "data_valid"),
        (39, 15 << 1, 6, "data_invalid"),
        (39, 32 << 1, 6, "ref_in_vbias"),
        (39, 16 << 1, 6, "ref_in_force_close"),
        (39, 8 << 1, 7, "rtd_in_force_open"),
        (39, (4 | 1) << 1, 6, "over_under_voltage"),  # the low bits are not the fault's
        (39, 48 << 1, 6, None),  # two faults at once name none
        (39, 8 << 1, 5, None),
        (47, 0x00, 1, "read_success"),
        (47, 0x01, 1, "read_success"),  # bit 0 is not the status
        (47, 0x02, 1, "read_failure"),
        (93, 0x00, 1, "read_failed"),
        (93, 0x02, 1, "addr_failed"),
        (93, 0x04, 1, None),
    ],
)
def test_status_labels(sensor_type: int, reserved: int, firmware: int, label: str | None) -> None:
    status = ncd_sensor_types()[sensor_type].status
    assert status is not None
    assert status.label(reserved, firmware) == label


def _readings(sensor_type: int, data: bytes, reserved: int, firmware: int) -> list[tuple]:
    payload = encode_sensor_data(
        node_id=3, sensor_type=sensor_type, data=data, firmware=firmware, reserved=reserved
    )
    processor = Processor(Directory(), DedupWindow(600))
    result = processor.process(1, Arrival(f.api_receive(payload), "serial", Format.NCD_API))
    assert result.status == "ok", result.error
    return [(row[2], row[4], row[6]) for row in result.readings]


def test_the_rtd_fault_is_a_text_reading_beside_the_temperature() -> None:
    data = (2150).to_bytes(4, "big", signed=True)
    rows = _readings(39, data, reserved=8 << 1, firmware=6)
    assert rows[:2] == [("temperature", 21.5, None), ("fault_status", None, "rtd_in_force_open")]
    assert rows[2][0] == "battery"


def test_a_type_without_a_label_for_its_byte_adds_no_row() -> None:
    data = (2000).to_bytes(2, "big", signed=True) + (250).to_bytes(2, "big")
    assert [name for name, _, _ in _readings(93, data, reserved=4, firmware=1)] == [
        "temperature",
        "dielectric_constant",
        "battery",
    ]


@pytest.mark.parametrize(
    "status",
    [
        {"values": {0: "ok"}},  # no name
        {"name": "s", "shift": 9000},
        {"name": "s", "values": {300: "x"}},
        {"name": "s", "values": {0: ""}},
        {"name": "s", "colour": "red"},
    ],
)
def test_a_malformed_status_entry_is_refused_naming_the_type(status: dict[str, object]) -> None:
    entry = {"name": "x", "fields": [{"name": "v", "type": "u8"}], "status": status}
    with pytest.raises(CatalogError, match=r"ncd_sensor_types\.yaml: type 77"):
        compile_sensor_type(77, entry)
