"""Stored and reflected script probes in every name a user or a frame can set, rendered in
Chromium with a dialog listener; the pages' security headers; the policy breaks no page."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from openpcs.frames.binary import encode_binary
from openpcs.frames.values import make_field
from openpcs.web.security_headers import CONTENT_SECURITY_POLICY
from tests.web.conftest import WebServer
from tests.web.test_e2e import shot, sign_in

SERIAL = "0102030405060709"
PROBE = "<img src=x onerror=alert(1)>"
FRAME_PROBE = "<b/onclick=1>"  # a node name is at most 16 characters


def plant_probes(web: WebServer, admin: httpx.Client) -> None:
    """Everything a user or a node can name, named with markup."""
    registered = admin.post(
        "/api/v1/pcs/devices", json={"serial": SERIAL, "name": PROBE, "model": "smart_cities_pro"}
    )
    assert registered.status_code == 201, registered.text
    for name in (PROBE, "</script><script>alert(2)</script>"):
        refused = admin.put(f"/api/v1/pcs/templates/{name}", json={"model": "smart_water"})
        assert refused.status_code in (400, 404), refused.text
        refused_user = admin.post(
            "/api/v1/pcs/users", json={"username": name, "password": "a long password 1"}
        )
        assert refused_user.status_code == 400, refused_user.text
    tagged = admin.patch(f"/api/v1/pcs/devices/{SERIAL}", json={"tags": [PROBE]})
    assert tagged.status_code == 400, tagged.text
    config = {"model": "smart_cities_pro", "node_name": PROBE[:16], "sockets": {}}
    assert admin.put(f"/api/v1/pcs/devices/{SERIAL}/config", json=config).status_code == 200
    frame = encode_binary(
        serial=SERIAL,
        node_name=FRAME_PROBE,
        sequence=1,
        fields=[make_field("TC", 21.5), make_field("BAT", 90)],
    )
    sent = httpx.post(
        f"{web.url}/api/v1/frames",
        content=frame.hex().upper() + "\n",
        headers={"Content-Type": "text/plain"},
    )
    assert sent.status_code == 200, sent.text


@pytest.mark.parametrize("width", [1280, 390])
def test_no_name_runs_as_script_on_any_page(
    web: WebServer, admin: httpx.Client, page: Any, width: int
) -> None:
    plant_probes(web, admin)
    dialogs: list[str] = []
    blocked: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on(
        "console",
        lambda message: (
            blocked.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, web, f"xss-{width}")
    reflected = "%3Cimg%20src%3Dx%20onerror%3Dalert(3)%3E"
    for path in (
        "/devices",
        f"/devices/{SERIAL}",
        f"/configure?serial={SERIAL}",
        "/templates",
        "/batches",
        "/account",
        f"/devices?q={reflected}",
        f"/devices?error={reflected}",
        f"/templates?show={reflected}",
        f"/login?next={reflected}",
    ):
        page.goto(web.url + path)
        page.wait_for_load_state("networkidle")
        assert "<img src=x" not in page.evaluate("document.body.innerHTML.replace(/&lt;/g, '')")
    page.goto(f"{web.url}/devices/{SERIAL}")
    assert PROBE in page.locator("h1, main").first.text_content()  # shown, as text
    shot(page, f"xss-{width}", "device")
    assert dialogs == []
    assert blocked == [], "a page needed something the security policy refuses"


def test_pages_carry_the_security_headers(web: WebServer, admin: httpx.Client) -> None:
    for path in ("/devices", "/templates", "/account"):
        answer = admin.get(path)
        assert answer.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["referrer-policy"] == "same-origin"
    login = httpx.get(f"{web.url}/login")
    assert "frame-ancestors 'none'" in login.headers["content-security-policy"]
    assert "unsafe-inline" not in login.headers["content-security-policy"]
    api = admin.get("/api/v1/pcs/devices")
    assert api.headers["x-content-type-options"] == "nosniff"
    # the node paths are answered in front of the application: they carry the headers too
    frame = encode_binary(serial=SERIAL, fields=[make_field("BAT", 50)]).hex()
    for answer in (
        admin.get("/getpost_frame_parser.php", params={"frame": frame}),
        admin.get("/hw/ps", params={"frame": "not hex"}),
        admin.get("/getpost_frame_parser.php", params={"frame": "3C\x00"}),
    ):
        assert answer.headers["x-content-type-options"] == "nosniff", answer.text
        assert answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["referrer-policy"] == "same-origin"
        assert "content-security-policy" not in answer.headers  # no page: text and JSON
