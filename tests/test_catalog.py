"""The sensor tables as data: complete, typed, and checked on load."""

from __future__ import annotations

import pytest

from openpcs.catalog import (
    CatalogError,
    ValueType,
    sensor_table,
    sensor_tables,
    table_for_frame_type,
)
from openpcs.catalog.sensors import parse_sensor_table

HEADER = "id,tag,type,count,decimals,api_constants,name,unit,note\n"


def test_three_tables_with_all_their_rows() -> None:
    counts = {t.frame_type: len(t.sensors) for t in sensor_tables()}
    assert counts == {6: 152, 7: 241, 8: 194}


@pytest.mark.parametrize(
    ("table", "sensor_id", "tag", "value_type", "count", "decimals"),
    [
        (6, 0, "CO", ValueType.FLOAT, 1, 3),
        (6, 52, "BAT", ValueType.UINT8, 1, 0),
        (6, 53, "GPS", ValueType.FLOAT, 2, 6),
        (6, 54, "RSSI", ValueType.INT16, 1, 0),
        (6, 58, "DATE", ValueType.UINT8, 3, 0),
        (6, 63, "ACC", ValueType.INT16, 3, 0),
        (6, 65, "STR", ValueType.STRING, 1, 0),
        (6, 73, "PART", ValueType.ULONG32, 2, 0),
        (6, 123, "TST", ValueType.ULONG32, 1, 0),
        (6, 129, "RAD", ValueType.FLOAT, 1, 6),
        (6, 183, "MB_IR", ValueType.INT16, 3, 0),
        (6, 190, "PM_BIN", ValueType.UINT16, 24, 0),
        (6, 191, "PM_BINL", ValueType.UINT16, 16, 0),
        (6, 192, "PM_BINH", ValueType.UINT16, 8, 0),
        (6, 199, "RESULT", ValueType.UINT8, 1, 0),
        (7, 12, "LW", ValueType.FLOAT, 1, 4),
        (7, 45, "MB_IR", ValueType.INT16, 3, 0),
        (7, 216, "WSS", ValueType.STRING, 1, 0),
        (7, 255, "GPS_ST", ValueType.STRING, 1, 0),
        (8, 32, "EM_PH", ValueType.FLOAT, 1, 2),
        (8, 238, "EM_BGA", ValueType.FLOAT, 1, 2),
    ],
)
def test_rows_match_the_reference_tables(
    table: int, sensor_id: int, tag: str, value_type: ValueType, count: int, decimals: int
) -> None:
    spec = sensor_table(table).get(sensor_id)
    assert spec is not None
    assert (spec.tag, spec.type, spec.count, spec.decimals) == (tag, value_type, count, decimals)


def test_api_constants_names_and_units() -> None:
    table = sensor_table(6)
    tc = table.find_constant("SENSOR_CITIES_PRO_TC")
    assert tc is not None
    assert tc.id == 74
    assert tc.unit == "°C"
    assert "SENSOR_BME_TC" in tc.api_constants
    modbus = table.find_constant("SENSOR_MODBUS_INPUT_REGS")
    assert modbus is not None
    assert modbus.id == 0xB7
    assert table.find_constant("NO_SUCH_CONSTANT") is None
    assert all(spec.name for t in sensor_tables() for spec in t.sensors)


def test_reserved_ids_are_absent() -> None:
    table = sensor_table(6)
    assert [table.get(i) for i in (22, 29, 66, 121, 179)] == [None] * 5
    assert table.get(-1) is None
    assert table.get(256) is None


def test_common_ids_agree_across_tables() -> None:
    standard = sensor_table(6)
    for other in (sensor_table(7), sensor_table(8)):
        for sensor_id in (52, 53, 54, 55, 58, 59, 63, 65, 123, 125, 126, 127):
            mine, theirs = standard.get(sensor_id), other.get(sensor_id)
            assert mine is not None
            assert theirs is not None
            assert (mine.tag, mine.type, mine.count) == (theirs.tag, theirs.type, theirs.count)


def test_a_tag_used_twice_resolves_to_its_lowest_id() -> None:
    table = sensor_table(7)
    assert table.tags_with_several_ids == {
        "TC7_A": (105, 206),
        "TC7_B": (106, 207),
        "TC7_C": (107, 208),
        "TC7_D": (108, 209),
    }
    spec = table.find_tag("TC7_A")
    assert spec is not None
    assert spec.id == 105
    assert sensor_table(6).tags_with_several_ids == {}


def test_loader_is_cached() -> None:
    assert sensor_table(6) is sensor_table(6)


@pytest.mark.parametrize(
    ("frame_type", "table"), [(1, 6), (2, 6), (5, 6), (6, 6), (7, 7), (8, 8), (0, None), (9, None)]
)
def test_frame_types_map_to_tables(frame_type: int, table: int | None) -> None:
    assert table_for_frame_type(frame_type) == table


def test_unknown_table_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        sensor_table(9)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            "1,A,float,1,2,,a,,\n1,B,float,1,2,,b,,\n",
            "t.csv line 3: duplicate id 1 (first on line 2)",
        ),
        ("1,A,double,1,2,,a,,\n", "t.csv line 2: unknown type 'double'"),
        ("1,A,string,2,0,,a,,\n", "t.csv line 2: a string field cannot carry 2 values"),
        ("1,A,uint16,3,0,,a,,\n", "t.csv line 2: a uint16 field cannot carry 3 values"),
        ("1,A,float,0,2,,a,,\n", "t.csv line 2: count 0 is outside 1..255"),
        ("x,A,float,1,2,,a,,\n", "t.csv line 2: id 'x' is not a whole number"),
        ("300,A,float,1,2,,a,,\n", "t.csv line 2: id 300 is outside 0..255"),
        ("1,A:B,float,1,2,,a,,\n", "t.csv line 2: tag 'A:B'"),
        ("1,A,float,1,2,,a\n", "t.csv line 2: expected 9 cells, found 7"),
        ("1,A,float,1,12,,a,,\n", "t.csv line 2: decimals 12 is outside 0..9"),
    ],
)
def test_bad_rows_fail_with_file_and_line(rows: str, message: str) -> None:
    with pytest.raises(CatalogError) as caught:
        parse_sensor_table(HEADER + rows, source="t.csv", frame_type=6)
    assert str(caught.value).startswith(message)


def test_comments_are_skipped_and_line_numbers_stay_true() -> None:
    text = "# a comment\n" + HEADER + "# another\n1,A,float,1,2,,a,,\n1,B,uint8,1,0,,b,,\n"
    with pytest.raises(CatalogError, match="line 5: duplicate id 1 \\(first on line 4\\)"):
        parse_sensor_table(text, source="t.csv", frame_type=6)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "t.csv: the file has no header row"),
        ("id,tag\n", "t.csv line 1: header must be"),
        (HEADER, "t.csv: the table has no rows"),
    ],
)
def test_bad_files(text: str, message: str) -> None:
    with pytest.raises(CatalogError, match=message):
        parse_sensor_table(text, source="t.csv", frame_type=6)
