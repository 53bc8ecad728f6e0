"""A web batch's CSV: read as spreadsheets write it, refused naming the line where a batch
could not use it (before it starts, never with a path of the server's)."""

from __future__ import annotations

import pytest

from openpcs.web.batch_rows import rows_from_csv
from openpcs.web.build_settings import without_server_paths
from openpcs.web.errors import Refused

A, B = "1A2B3C4D5E6F7081", "1A2B3C4D5E6F7082"


def test_a_short_line_leaves_its_last_cells_empty_and_node_name_is_the_name() -> None:
    rows = rows_from_csv(f"serial,node_name,radio.dev_eui\r\n{A.lower()},north\r\n{B},,00AA\r\n")
    assert rows == [
        {"serial": A, "name": "north"},
        {"serial": B, "name": "", "radio.dev_eui": "00AA"},
    ]


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("name\nx\n", "line 1: the header needs a 'serial' column"),
        ("serial,name,name\nA,b,c\n", "line 1: column 'name' appears twice"),
        ("serial,name,node_name\nA,b,c\n", "line 1: 'name' and 'node_name' both set the name"),
        ("serial,,name\nA,b,c\n", "line 1: column '' is not a configuration path"),
        ("serial,radio.mca\nA,b\n", "did you mean 'radio.mac'"),
        (f"serial,name\n{A},a,extra\n", "line 2: 3 cells for 2 columns"),
        (",name\n,a\n", "line 1: the header needs a 'serial' column"),
        (f"serial,name\n{A},a\n{A.lower()},b\n", f"line 3: {A} is already on line 2"),
        ("serial,name\n", "the CSV has no nodes"),
    ],
)
def test_a_csv_a_batch_cannot_use_is_refused_naming_the_line(text: str, said: str) -> None:
    with pytest.raises(Refused) as refused:
        rows_from_csv(text)
    assert said in str(refused.value)
    assert str(refused.value).startswith("csv: ")


@pytest.mark.parametrize(
    ("said", "shown"),
    [
        ("/tmp/openpcs-batch-x1/nodes.csv line 1: bad", "nodes.csv line 1: bad"),
        (
            "compiling /srv/api/libraries/XBee/WaspXBee.cpp failed: /usr/bin/avr-gcc: error",
            "compiling WaspXBee.cpp failed: avr-gcc: error",
        ),
        ("sends to https://example.org/a/b", "sends to https://example.org/a/b"),
        ("socket A/B, 1/2 of the flash, ./rel/x.c", "socket A/B, 1/2 of the flash, ./rel/x.c"),
    ],
)
def test_what_a_build_says_names_no_folder_of_the_server(said: str, shown: str) -> None:
    assert without_server_paths(said) == shown
