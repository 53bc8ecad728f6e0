"""Browser flow: a node that sends frames before it is registered is listed on the registry
page with a "Register" action (never as raw JSON), and registering it shows its data."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from openpcs.frames.binary import encode_binary
from openpcs.frames.values import make_field
from tests.web.conftest import WebServer
from tests.web.test_e2e import shot, sign_in

STRAY = "0A1B2C3D4E5F6071"


@pytest.mark.parametrize("width", [1280, 390])
def test_a_node_sending_unregistered_is_offered_for_registration(
    web: WebServer, page: Any, width: int
) -> None:
    frame = encode_binary(
        serial=STRAY, node_name="stray-01", sequence=1, fields=[make_field("TC", 19.5)]
    )
    sent = httpx.get(f"{web.url}/getpost_frame_parser.php", params={"frame": frame.hex()})
    assert sent.text.startswith("ok "), sent.text
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, web, f"unregistered-{width}")
    page.goto(f"{web.url}/devices")
    row = page.locator(f'#unregistered tr[data-serial="{STRAY}"]')
    assert "stray-01" in (row.text_content() or "")
    shot(page, f"unregistered-{width}", "02-listed")
    row.locator("select").select_option("smart_cities_pro")
    row.locator("button").click()
    page.wait_for_url(f"{web.url}/devices?ok=*")
    assert page.locator(f'#unregistered tr[data-serial="{STRAY}"]').count() == 0
    page.goto(f"{web.url}/devices/{STRAY}")
    assert "19.5" in (page.text_content("#latest tbody") or "")
    shot(page, f"unregistered-{width}", "03-registered")
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
