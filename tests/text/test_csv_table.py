"""CSV as spreadsheets write it: any line end, a byte-order mark, quoted line ends; what cannot
be read is refused naming its line, never a csv.Error escaping to the caller."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openpcs.text.csv_table import CsvProblem, read_csv_table

_CELL = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12
)


@given(
    rows=st.lists(st.lists(_CELL, min_size=3, max_size=3), min_size=1, max_size=6),
    end=st.sampled_from(["\r\n", "\n", "\r"]),
    bom=st.booleans(),
)
def test_what_a_csv_writer_writes_reads_back_cell_for_cell(
    rows: list[list[str]], end: str, bom: bool
) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=end, quoting=csv.QUOTE_ALL).writerows(
        [["serial", "name", "encryption.key"], *rows]
    )
    table = read_csv_table(("\ufeff" if bom else "") + buffer.getvalue())
    assert table.header == ["serial", "name", "encryption.key"]
    kept = [row for row in rows if any(cell.strip() for cell in row)]
    assert [list(row.cells.values()) for row in table.rows] == [
        [cell.strip() for cell in row] for row in kept
    ]
    assert all(row.problem is None for row in table.rows)


def test_a_mac_spreadsheets_lone_carriage_returns_end_lines() -> None:
    table = read_csv_table("serial,name\r3B01,north\r3B02,south\r")
    assert [(row.line, row.cells["name"]) for row in table.rows] == [(2, "north"), (3, "south")]


def test_a_line_with_other_than_one_cell_a_column_says_so_and_keeps_its_place() -> None:
    table = read_csv_table("serial,name,tags\n3B01,a\n3B02,b,c,d\n3B03,c,x\n3B04,d,,, \n")
    assert [row.problem for row in table.rows] == [
        "2 cells for 3 columns",
        "4 cells for 3 columns",
        None,
        None,  # empty cells past the last column are the separators spreadsheets leave
    ]
    assert table.rows[0].cells == {"serial": "3B01", "name": "a"}


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("", "empty; the first line names the columns"),
        (" , \nx,y\n", "empty; the first line names the columns"),
        ('serial,name\n3B01,"never closed\n', "line 2: not CSV (unexpected end"),
        ('serial,name\n3B01,"ab"c\n', "line 2: not CSV"),
        ('serial,name\n3B01,"open\n3B02,b\n3B03,c\n', "line 2: not CSV (unexpected end"),
        ("serial,name\n3B01," + "k" * 5000 + "\n", "line 2: a cell is longer than 4096"),
        ("serial,name\n3B01," + "k" * 200_000 + "\n", "line 2: not CSV (field larger"),
    ],
)
def test_text_that_cannot_be_read_is_refused_naming_the_line(text: str, said: str) -> None:
    with pytest.raises(CsvProblem) as refused:
        read_csv_table(text)
    assert str(refused.value).startswith(said)
