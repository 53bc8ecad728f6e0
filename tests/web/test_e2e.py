"""A newcomer's three flows in a real browser (headless Chromium driven by Playwright).

Flow 1: sign in, register a device, fill the form for Smart Agriculture over LoRaWAN OTAA, see
the inline error for a bad AppKey and fix it, check the configuration, download the bundle
and open the zip. Flow 2: a batch of ten, followed across a page reload. Flow 3: frames sent to
the ingest endpoint show in the device's readings and plot. Each step's screenshot is saved in
``test-artifacts/web/``.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import expect

from openpcs.config.check import check_file
from openpcs.frames.binary import encode_binary
from openpcs.frames.values import make_field
from tests.web.conftest import ARTIFACTS, WebServer, names_a_config_field

SERIAL = "1A2B3C4D5E6F7081"
GOOD_KEY = "2B7E151628AED2A6ABF7158809CF4F3C"
#: The batch flows' template: Smart Environment PRO nodes over XBee to one Meshlium.
STREET: dict[str, Any] = {
    "model": "smart_environment_pro",
    "sockets": {"A": "gas_no2", "E": "bme280"},
    "sleep": {"minutes": 15},
    "radio": {"type": "xbee_802_15_4", "mac": "0013A20041A1B2C3", "pan_id": "2024", "channel": 15},
    "destination": {"type": "meshlium"},
}


def shot(page: Any, flow: str, step: str) -> None:
    """Save a full-page screenshot of a step."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{flow}-{step}.png"), full_page=True)


def sign_in(page: Any, web: WebServer, flow: str) -> None:
    page.goto(f"{web.url}/configure")
    assert "/login" in page.url  # an unauthenticated page sends the visitor to sign in
    shot(page, flow, "01-login")
    page.fill('input[name="username"]', "admin")
    page.fill('input[name="password"]', web.admin_password)
    page.click('button:has-text("Sign in")')
    page.wait_for_url(f"{web.url}/configure")


def register(page: Any, web: WebServer, serial: str, name: str, model: str) -> None:
    page.goto(f"{web.url}/devices")
    form = page.locator("#add-device")
    form.locator('input[name="serial"]').fill(serial)
    form.locator('input[name="name"]').fill(name)
    form.locator('select[name="model"]').select_option(model)
    form.locator('input[name="tags"]').fill("field, north")
    form.locator('button[type="submit"]').click()
    page.wait_for_selector(f'tr[data-serial="{serial}"]')


def test_flow_1_single_node(web: WebServer, page: Any, tmp_path: Path) -> None:
    sign_in(page, web, "flow1")
    register(page, web, SERIAL, "field-1", "smart_agriculture")
    shot(page, "flow1", "02-registered")
    page.goto(f"{web.url}/configure?serial={SERIAL}")
    page.wait_for_selector('#node-form[data-ready="true"]')
    assert page.input_value('[name="serial"]') == SERIAL
    assert page.input_value('[name="model"]') == "smart_agriculture"
    page.select_option('[name="sockets.A.probe"]', "weather_station")
    page.select_option('[name="sockets.B.probe"]', "soil_moisture")
    page.fill('[name="sleep.minutes"]', "15")
    page.select_option('[name="radio.type"]', "lorawan")
    radio = page.locator("#radio .group:not([hidden])")
    radio.locator('[name="radio.region"]').select_option("eu")
    radio.locator('[name="radio.activation"]').select_option("otaa")
    radio.locator('[name="radio.dev_eui"]').fill("0004A30B001C0530")
    radio.locator('[name="radio.app_eui"]').fill("70B3D57ED0000001")
    assert radio.locator('[name="radio.dev_addr"]').is_hidden()  # an ABP field stays hidden
    # every input the script made as well as the page's own names a configuration field
    names = page.evaluate(
        "() => [...document.querySelectorAll('#node-form [name]')].map((e) => e.name)"
    )
    for name in set(names):
        assert names_a_config_field(name), name
    radio.locator('[name="radio.app_key"]').fill("12345")
    page.click("#check")
    message = page.locator('.field[data-path="radio.app_key"] .msg.error')
    message.wait_for()
    shot(page, "flow1", "03-bad-appkey")
    shown = message.text_content()

    # the same configuration through the command's own check gives the same message
    document = page.evaluate("() => JSON.stringify(window.openpcsForm.collect())")
    config = json.loads(document) | {"licence": "basic"}
    path = tmp_path / "node.json"
    path.write_text(json.dumps(config))
    expected = {i.path: i.message for i in check_file(path).errors}
    assert expected == {"radio.app_key": shown}

    radio.locator('[name="radio.app_key"]').fill(GOOD_KEY)
    page.click("#check")
    page.wait_for_selector("#check-verdict.ok")
    assert page.locator('.field[data-path="radio.app_key"] .msg.error').count() == 0
    # the summary reads as a sheet: the form's sections and labels, names, yes/no, no secret
    sheet = page.locator("#check-sheet")
    headings = sheet.locator("h3").all_text_contents()
    assert headings[:3] == ["At a glance", "Node", "Probes"]
    assert "Radio" in headings
    radio_rows = sheet.locator("h3:has-text('Radio') + table tr")
    rows = dict(
        zip(
            radio_rows.locator("th").all_text_contents(),
            radio_rows.locator("td").all_text_contents(),
            strict=True,
        )
    )
    assert rows["Application key (AppKey)"] == "set (hidden)"
    assert rows["Adaptive data rate (ADR)"] in ("yes", "no")
    assert GOOD_KEY not in page.content()
    assert "True" not in str(sheet.text_content())
    assert not page.locator("#check-text").is_visible()  # the raw text is one click away
    page.click("#check-raw summary")
    text = page.text_content("#check-text")
    assert "Frame plan" in text
    assert "DR5" in text
    assert "battery about" in text
    shot(page, "flow1", "04-checked")

    with page.expect_download() as download_info:
        page.click("#compile")
    download = download_info.value
    assert download.suggested_filename.startswith(SERIAL)
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    with zipfile.ZipFile(saved) as bundle:
        names = bundle.namelist()
        manifest = json.loads(bundle.read("manifest.json"))
        summary = bundle.read("summary.txt").decode()
    assert "summary.txt" in names
    assert any(n.endswith(".pde") for n in names)
    assert manifest["serial"] == SERIAL
    assert GOOD_KEY not in summary
    # a source-only bundle is never presented as the binary: the button, a note and the
    # status say so before and after the download
    sources_only = not any(n.endswith(".hex") for n in names)
    assert sources_only == download.suggested_filename.endswith("-source.zip")
    expected = "Sources" if sources_only else "Binary"
    assert page.text_content("#compile") == f"Compile and Download {expected}"
    assert (page.locator("#no-binary").count() == 1) == sources_only
    status = page.text_content("#form-status") or ""
    assert ("sources only, no binary" in status) == sources_only
    shot(page, "flow1", "05-downloaded")

    page.goto(f"{web.url}/devices/{SERIAL}")
    assert page.locator("#programs tbody tr a").first.text_content() == download.suggested_filename
    shot(page, "flow1", "06-history")
    # how to put it on the node: the command for a binary, what to do for sources only
    upload = page.text_content("#upload") or ""
    assert ("holds no binary" in upload) == sources_only
    assert (f"openpcs upload {download.suggested_filename}" in upload) == (not sources_only)


def test_flow_2_batch_of_ten(web: WebServer, page: Any, admin: httpx.Client) -> None:
    assert admin.put("/api/v1/pcs/licence", json={"licence": "elite"}).status_code == 200
    template = STREET
    assert admin.put("/api/v1/pcs/templates/street", json=template).status_code == 200
    serials = [f"3A0000000000{index:04X}" for index in range(1, 11)]
    for index, serial in enumerate(serials):
        added = admin.post(
            "/api/v1/pcs/devices",
            json={"serial": serial, "name": f"street-{index}", "model": "smart_environment_pro"},
        )
        assert added.status_code == 201, added.text
    sign_in(page, web, "flow2")
    page.goto(f"{web.url}/batches")
    page.select_option('select[name="template"]', "street")
    page.click("#select-all")
    shot(page, "flow2", "02-new-batch")
    page.click('#new-batch button[type="submit"]')
    page.wait_for_url(f"{web.url}/batches/*")
    shot(page, "flow2", "03-running")
    page.reload()  # the batch runs on the server: a reload finds it where it is
    page.wait_for_selector('#batch[data-state="done"]', timeout=120_000)
    shot(page, "flow2", "04-done")
    assert page.text_content("#batch-count") == "10"
    assert page.text_content("#batch-failed") == "0"
    with page.expect_download() as download_info:
        page.click("#batch-zip a")
    archive = zipfile.ZipFile(io.BytesIO(Path(download_info.value.path()).read_bytes()))
    bundles = [n for n in archive.namelist() if n.endswith(".zip")]
    assert sorted(n[:16] for n in bundles) == serials
    assert "batch-report.json" in archive.namelist()


def test_flow_3_data_shows_in_the_plot(web: WebServer, page: Any, admin: httpx.Client) -> None:
    serial = "0102030405060708"
    assert (
        admin.post(
            "/api/v1/pcs/devices",
            json={"serial": serial, "name": "plot", "model": "smart_cities_pro"},
        ).status_code
        == 201
    )
    for index, temperature in enumerate((20.5, 21.0, 22.25)):
        frame = encode_binary(
            serial=serial,
            node_name="plot",
            sequence=index,
            fields=[make_field("TC", temperature), make_field("BAT", 90)],
        )
        sent = httpx.post(
            f"{web.url}/api/v1/frames",
            content=frame.hex().upper() + "\n",
            headers={"Content-Type": "text/plain"},
        )
        assert sent.status_code == 200, sent.text
    sign_in(page, web, "flow3")
    page.goto(f"{web.url}/devices/{serial}")
    latest = page.locator("#latest tbody").text_content()
    assert "TC" in latest
    assert "22.25" in latest
    plot = page.locator('#plots figure[data-sensor="TC"] canvas')
    plot.wait_for()
    assert page.locator("#frames tbody tr").count() == 3
    shot(page, "flow3", "02-device")
    series = page.request.get(f"{web.url}/devices/{serial}/series.json").json()["series"]
    values = {item["sensor"]: [value for _, value in item["points"]] for item in series}
    assert values["TC"] == [20.5, 21.0, 22.25]


def test_flow_4_batch_from_a_csv_of_keys(
    web: WebServer, page: Any, admin: httpx.Client, tmp_path: Path
) -> None:
    """A template that needs a key per node, and a CSV upload that gives each node its own:
    every bundle holds its node's key and name, none another's."""
    assert admin.put("/api/v1/pcs/licence", json={"licence": "elite"}).status_code == 200
    template = STREET | {"encryption": {"mode": "device_to_gateway"}}
    assert admin.put("/api/v1/pcs/templates/keyed", json=template).status_code == 200
    nodes = {
        f"3B0000000000{index:04X}": f"keyed{index:02d}-aes-key-32-characters!!!"[:32]
        for index in range(1, 11)
    }
    for index, serial in enumerate(nodes):
        added = admin.post(
            "/api/v1/pcs/devices",
            json={"serial": serial, "name": f"keyed-{index}", "model": "smart_environment_pro"},
        )
        assert added.status_code == 201, added.text
    keys_csv = tmp_path / "nodes.csv"
    keys_csv.write_text(
        "serial,name,encryption.key\n"
        + "".join(f"{serial},row-{i},{key}\n" for i, (serial, key) in enumerate(nodes.items()))
    )
    sign_in(page, web, "flow4")
    page.goto(f"{web.url}/batches")
    page.select_option('select[name="template"]', "keyed")
    picked = list(nodes)[:2]
    for serial in picked:
        page.check(f'input[name="serials"][value="{serial}"]')
    page.click('#new-batch button[type="submit"]')  # no keys for them yet: refused by name
    expect(page.locator("main .notice.error")).to_contain_text(picked[0])
    assert page.input_value('select[name="template"]') == "keyed"  # the choices stay made
    ticked = page.locator('input[name="serials"]:checked')
    assert [ticked.nth(i).get_attribute("value") for i in range(ticked.count())] == picked
    shot(page, "flow4", "02-refused")
    page.set_input_files('#new-batch input[type="file"]', str(keys_csv))
    shot(page, "flow4", "03-csv-chosen")
    page.click('#new-batch button[type="submit"]')
    page.wait_for_url(f"{web.url}/batches/*")
    page.wait_for_selector('#batch[data-state="done"]', timeout=120_000)
    shot(page, "flow4", "04-done")
    assert page.text_content("#batch-count") == "10"
    assert page.text_content("#batch-failed") == "0"
    with page.expect_download() as download_info:
        page.click("#batch-zip a")
    archive = zipfile.ZipFile(io.BytesIO(Path(download_info.value.path()).read_bytes()))
    bundles = sorted(n for n in archive.namelist() if n.endswith(".zip"))
    assert [n[:16] for n in bundles] == sorted(nodes)
    for index, name in enumerate(bundles):
        serial = name[:16]
        bundle = zipfile.ZipFile(io.BytesIO(archive.read(name)))
        values = next(
            bundle.read(n).decode() for n in bundle.namelist() if n.endswith("node_values.cpp")
        )
        assert nodes[serial] in values
        assert f"row-{list(nodes).index(serial)}" in values
        assert not any(key in values for other, key in nodes.items() if other != serial), index
