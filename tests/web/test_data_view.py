"""The device page reads a node's data as people do: sensor names and units from the sensor
tables; a timestamp, a date, a time and a position shown as such and never plotted."""

from __future__ import annotations

import re

import httpx

from openpcs.frames.binary import encode_binary
from openpcs.frames.values import make_field
from tests.web.conftest import WebServer
from tests.web.test_api import register

SERIAL = "0102030405060709"


def test_readings_are_named_and_shown_as_what_they_are(web: WebServer, admin: httpx.Client) -> None:
    register(admin, SERIAL, model="smart_cities_pro")
    fields = [
        make_field("TST", 1763712000),
        make_field("DATE", 26, 12, 5),
        make_field("TIME", 9, 30, 5),
        make_field("GPS", 41.656208, -0.878734),
        make_field("TC", 21.5),
    ]
    frame = encode_binary(serial=SERIAL, node_name="plaza", sequence=1, fields=fields)
    sent = httpx.get(f"{web.url}/getpost_frame_parser.php", params={"frame": frame.hex()})
    assert sent.text.startswith("ok "), sent.text
    page = admin.get(f"/devices/{SERIAL}").text
    rows = {
        tag: re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cells)).strip()
        for tag, cells in re.findall(r'<tr data-sensor="([A-Z_]+)">(.*?)</tr>', page, re.S)
    }
    assert rows["TC"].startswith("Temperature TC 21.5 °C")
    assert "2025-11-21 08:00:00 UTC" in rows["TST"]
    assert "2026-12-05" in rows["DATE"]
    assert "09:30:05" in rows["TIME"]
    assert "41.656208, -0.878734" in rows["GPS"]
    series = admin.get(f"/devices/{SERIAL}/series.json").json()["series"]
    assert [item["sensor"] for item in series] == ["TC"]  # the only measurement
    assert series[0]["name"] == "Temperature"
    assert series[0]["unit"] == "°C"
    assert [value for _, value in series[0]["points"]] == [21.5]
