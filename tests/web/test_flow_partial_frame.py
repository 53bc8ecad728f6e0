"""Browser flow: a frame with a sensor id the tables lack is shown on the device page as
``partial``, with the readings before the unknown id and the error saying what was not read."""

from __future__ import annotations

import struct
from typing import Any

import httpx

from openpcs.frames.binary import encode_binary
from openpcs.frames.values import make_field
from tests.web.conftest import WebServer
from tests.web.test_e2e import shot, sign_in

NODE = "0A1B2C3D4E5F6072"


def test_a_partial_frame_shows_its_readings_and_what_was_not_read(
    web: WebServer, page: Any
) -> None:
    frame = bytearray(
        encode_binary(serial=NODE, node_name="custom-fw", fields=[make_field("TC", 18.25)])
        + bytes([200])
        + struct.pack("<f", 4.5)
    )
    frame[4] = len(frame) - 5
    sent = httpx.get(f"{web.url}/getpost_frame_parser.php", params={"frame": frame.hex()})
    assert sent.text.startswith("partial "), sent.text
    sign_in(page, web, "partial-frame")
    page.goto(f"{web.url}/devices")
    row = page.locator(f'#unregistered tr[data-serial="{NODE}"]')
    row.locator("select").select_option("smart_cities_pro")
    row.locator("button").click()
    page.wait_for_url(f"{web.url}/devices?ok=*")
    page.goto(f"{web.url}/devices/{NODE}")
    assert "18.25" in (page.text_content("#latest tbody") or "")
    stored = page.locator("#frames tr.status-partial")
    assert stored.count() == 1
    assert "sensor id 200 is not in the frame's sensor table" in (stored.text_content() or "")
    shot(page, "partial-frame", "02-device")
