"""Browser flow "keys reach the gateway": a Smart Water node with AES device-to-gateway is
built from the web; the frames its program sends are opened at the gateway with no step by
hand; the device page says the gateway holds the key, opens a device-to-cloud frame in one
click, and lets an admin replace or remove the key. At 1280 px and at 390 px."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.web.conftest import WebServer
from tests.web.test_api import register
from tests.web.test_e2e import shot, sign_in
from tests.web.test_gateway_keys import KEY, WATER, _frame, _send, _water_node


@pytest.mark.parametrize("width", [1280, 390])
def test_flow_keys_reach_the_gateway(
    web: WebServer, page: Any, admin: httpx.Client, width: int
) -> None:
    expect = pytest.importorskip("playwright.sync_api").expect
    flow = f"keys-{width}"
    page.set_viewport_size({"width": width, "height": 900})
    register(admin, WATER, model="smart_water")
    assert admin.post("/api/v1/pcs/program", json=_water_node()).status_code == 200
    assert _send(web, _frame(WATER, KEY, 1)).text.startswith("ok ")
    cloud = _send(web, _frame(WATER, KEY, 2, frame_type=100))
    assert cloud.text.startswith("encrypted "), cloud.text

    sign_in(page, web, flow)
    page.goto(f"{web.url}/devices/{WATER}")
    assert "holds this node's payload key" in page.text_content("#payload-key")
    assert "7.25" in page.text_content("#latest tbody")  # the type-96 frame, opened on arrival
    shot(page, flow, "02-device")
    assert KEY not in page.content()

    page.click(".open-frame button")
    page.wait_for_url(f"{web.url}/devices/{WATER}?ok=*")
    assert "opened: ok" in page.text_content("body")
    assert page.locator(".open-frame").count() == 0  # nothing left to open
    shot(page, flow, "03-opened")

    form = page.locator("#replace-key")
    form.locator('input[name="key"]').fill("too-short")
    form.locator('button[value="replace"]').click()
    page.wait_for_url(f"{web.url}/devices/{WATER}?error=*")
    assert "payload:" in page.text_content("body")
    shot(page, flow, "04-refused")

    form.locator('button[value="remove"]').click()
    page.wait_for_url(f"{web.url}/devices/{WATER}?ok=*")
    assert "holds no payload key" in page.text_content("#payload-key")
    shot(page, flow, "05-removed")
    assert _send(web, _frame(WATER, KEY, 3)).text.startswith("error ")

    new_key = "a-replacement-aes-key-32-chars!!"
    form.locator('input[name="key"]').fill(new_key)
    form.locator('button[value="replace"]').click()
    page.wait_for_url(f"{web.url}/devices/{WATER}?ok=*")
    assert "holds this node's payload key" in page.text_content("#payload-key")
    assert _send(web, _frame(WATER, new_key, 4)).text.startswith("ok ")
    # a frame from a node still on the old key is listed with the device, saying why
    assert "does not decrypt" in _send(web, _frame(WATER, KEY, 5)).text
    page.reload()
    expect(page.locator("#frames")).to_contain_text("the key does not decrypt it")
    # the page's layout holds at this width: nothing wider than the window
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
