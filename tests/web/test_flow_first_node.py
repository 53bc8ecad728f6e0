"""Browser flow "first node", the whole journey a new user pays for, at 1280 px and at 390 px:
sign in → settings (the API folder) → register → configure a Smart Water node with AES
device-to-gateway → check → compile (sources only without an API tree; a ``.hex`` where
``WASPMOTE_API_DIR`` names a real one, set through the settings page) → send the frames that
node's program sends (its frame plan's fields, encrypted with its key) to the Meshlium path →
see the readings and the plot on the device page. No step by hand outside the browser but
the node itself."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path
from typing import Any

import httpx
import pytest

from openpcs.config.check import check_data
from openpcs.frames.binary import encode_binary
from openpcs.frames.crypto import encrypt_frame
from openpcs.frames.values import make_field
from openpcs.program.api_tree import API_DIR_ENV
from openpcs.program.cache import CACHE_DIR_ENV
from tests.web.conftest import WebServer
from tests.web.test_e2e import register, shot, sign_in

SERIAL = "3B00000000000A01"
KEY = "first-node-aes-key-32-characters"
#: what the user types: probes and their calibrations, per socket
PROBES = {
    "A": (
        "ph",
        {"point_10": "1.985", "point_7": "2.07", "point_4": "2.227", "temperature": "23.7"},
    ),
    "D": ("water_temperature", {}),
}


def _node_frames(document: dict[str, Any], count: int) -> list[bytes]:
    """The frames the node's program sends, as its check plans them: each planned field with
    a value in its range, encrypted with the node's key as a type-96 frame."""
    result = check_data(document)
    assert result.plan is not None, [i.message for i in result.errors]
    frames = []
    for sequence in range(count):
        fields = []
        for planned in result.plan.fields:
            if planned.occasional:
                continue  # the low-battery text is sent only when a threshold is crossed
            sensor = planned.sensor
            value = {"PH_A": 7.0 + sequence / 10, "WT": 14.0 + sequence, "BAT": 90 - sequence}
            fields.append(make_field(sensor.tag, *[value.get(sensor.tag, 1)] * sensor.count))
        inner = encode_binary(serial=SERIAL, node_name="river-1", sequence=sequence, fields=fields)
        frames.append(encrypt_frame(inner, KEY, 96))
    return frames


@pytest.mark.usefixtures("avr_toolchain")
@pytest.mark.parametrize("width", [1280, 390])
def test_flow_first_node(
    web: WebServer, page: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, width: int
) -> None:
    expect = pytest.importorskip("playwright.sync_api").expect
    real_api = os.environ.get(API_DIR_ENV)
    monkeypatch.delenv(API_DIR_ENV, raising=False)  # the folder is set on the page, or not
    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path / "cache"))
    flow = f"first-node-{width}"
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, web, flow)

    # settings: the toolchain check; the API folder where there is one
    page.goto(f"{web.url}/settings")
    expect(page.locator("#checks tbody tr").first).to_contain_text("found")
    if real_api:
        page.fill("#api-dir", real_api)
        page.click('button:has-text("Use this folder")')
        expect(page.locator("main .notice")).to_contain_text("builds now use the Waspmote API")
    shot(page, flow, "02-settings")

    register(page, web, SERIAL, "river-1", "smart_water")
    page.goto(f"{web.url}/configure?serial={SERIAL}")
    page.wait_for_selector('#node-form[data-ready="true"]')
    expect(page.locator('[name="model"]')).to_have_value("smart_water")
    for socket, (probe, calibration) in PROBES.items():
        page.select_option(f'[name="sockets.{socket}.probe"]', probe)
        for name, value in calibration.items():
            page.fill(f'[name="sockets.{socket}.calibration.{name}"]', value)
    page.fill('[name="sleep.minutes"]', "10")
    page.select_option('[name="radio.type"]', "xbee_868lp")
    radio = page.locator("#radio .group:not([hidden])")
    radio.locator('[name="radio.mac"]').fill("0013A20040C0FFEE")
    radio.locator('[name="radio.pan_id"]').fill("3322")
    radio.locator('[name="radio.channel_mask"]').fill("3FFFFFFF")
    page.select_option('[name="destination.type"]', "meshlium")
    page.select_option('[name="encryption.mode"]', "device_to_gateway")
    page.fill('[name="encryption.key"]', KEY)
    page.click("#check")
    expect(page.locator("#check-verdict")).to_contain_text("Valid")
    glance = page.locator("#check-sheet table").first
    expect(glance).to_contain_text("pH, socket A (PH_A), Water temperature (WT), Battery level")
    shot(page, flow, "03-checked")
    document = page.evaluate("() => window.openpcsForm.collect()")

    binary = "Binary" if real_api else "Sources"
    expect(page.locator("#compile")).to_have_text(f"Compile and Download {binary}")
    with page.expect_download(timeout=600_000) as download_info:
        page.click("#compile")
    saved = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(saved)
    with zipfile.ZipFile(saved) as bundle:
        hexes = [name for name in bundle.namelist() if name.endswith(".hex")]
        assert any(name.endswith(".pde") for name in bundle.namelist())
    assert bool(hexes) == bool(real_api), bundle.namelist()
    expect(page.locator("#form-status")).to_contain_text(
        "binary" if real_api else "sources only, no binary"
    )
    shot(page, flow, "04-compiled")

    # the node runs: its frames reach the Meshlium path and open with the key it was given
    document["licence"] = "basic"
    for frame in _node_frames(document, 4):
        answer = httpx.get(
            f"{web.url}/getpost_frame_parser.php", params={"frame": frame.hex().upper()}
        )
        assert answer.text.startswith("ok "), answer.text

    page.goto(f"{web.url}/devices/{SERIAL}")
    expect(page.locator("main > p").first).to_contain_text("Smart Water")  # its name, not its id
    latest = page.locator("#latest tbody")
    expect(latest).to_contain_text("pH")
    expect(latest).to_contain_text("7.3")
    expect(page.locator("#payload-key")).to_contain_text("holds this node's payload key")
    expect(page.locator("#plots-status")).to_contain_text("12 readings")
    expect(page.locator('#plots figure[data-sensor="PH_A"] canvas')).to_have_count(1)
    assert page.locator("#frames tbody tr.status-ok").count() == 4
    assert KEY not in page.content()
    shot(page, flow, "05-data")
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
