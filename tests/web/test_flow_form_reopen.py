"""Browser flows: a saved configuration reopened in the form gives back every field (lists and
nested sections included), and picking a registered serial in the form loads that device."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from openpcs.config.model import NodeConfig
from openpcs.config.secret_paths import without_secrets
from tests.web.conftest import WebServer
from tests.web.test_api import register
from tests.web.test_e2e import shot, sign_in

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "nodes"
SECRETS = yaml.safe_load((EXAMPLES / "secrets.yaml").read_text())
#: Examples whose every field the form has an input for.
REOPENED = [
    "smart-water_xbee-868lp_meshlium.yaml",
    "smart-agriculture-xtreme_4g_tcp.yaml",
    "smart-cities-pro_lorawan-asia-pac-latam-otaa.yaml",
    "smart-security_wifi_http.yaml",
]


def _example(name: str) -> dict[str, Any]:
    text = (EXAMPLES / name).read_text()
    for secret, value in SECRETS.items():
        text = text.replace(f"!secret {secret}", yaml.safe_dump(value).strip().removesuffix("..."))
    document: dict[str, Any] = yaml.safe_load(text)
    document.setdefault("battery_warning", {"thresholds": [40, 25, 10]})
    return document


def _node(document: dict[str, Any]) -> dict[str, Any]:
    """A configuration as the checker reads it, every default spelled out."""
    found: dict[str, Any] = NodeConfig.model_validate(
        {k: v for k, v in document.items() if k != "licence"}
    ).model_dump(mode="json")
    return found


def _saved(admin: httpx.Client, document: dict[str, Any]) -> None:
    """Register the document's device and save the document as its configuration."""
    register(admin, document["serial"], model=document["model"])
    admin.put(f"/api/v1/pcs/devices/{document['serial']}/config", json=document).raise_for_status()


def _loaded(page: Any) -> dict[str, Any]:
    page.wait_for_selector('form[data-ready="true"]')
    collected: dict[str, Any] = page.evaluate("window.openpcsForm.collect()")
    return collected


def _opened(
    page: Any, web: WebServer, admin: httpx.Client, document: dict[str, Any], user: str
) -> dict[str, Any]:
    """Save the document as its device's configuration, sign in as a new user and open the
    form on that device; the form's collected values once it is ready."""
    _saved(admin, document)
    sign_in(page, web, user)
    page.goto(f"{web.url}/configure?serial={document['serial']}")
    return _loaded(page)


@pytest.mark.parametrize("name", REOPENED)
def test_a_saved_configuration_comes_back_whole(
    web: WebServer, page: Any, admin: httpx.Client, name: str
) -> None:
    document = _example(name)
    register(admin, document["serial"], model=document["model"])
    saved = admin.put(f"/api/v1/pcs/devices/{document['serial']}/config", json=document)
    assert saved.status_code == 200, saved.text
    sign_in(page, web, f"reopen-{name[:-5]}")
    page.goto(f"{web.url}/configure?serial={document['serial']}")
    collected = _loaded(page)
    thresholds = [
        page.input_value(f'[name="battery_warning.thresholds.{index}"]') for index in range(3)
    ]
    shot(page, f"reopen-{name[:-5]}", "02-reopened")
    assert thresholds == [str(t) for t in document["battery_warning"]["thresholds"]]
    # what the form gives back is the saved configuration: the same node, field for field
    # (secrets stay on the server; the form spells out defaults the file left implicit)
    assert _node(collected) == _node(without_secrets(document, NodeConfig))


def test_picking_a_registered_serial_loads_that_device(
    web: WebServer, page: Any, admin: httpx.Client
) -> None:
    expect = pytest.importorskip("playwright.sync_api").expect
    document = _example("smart-water_xbee-868lp_meshlium.yaml")
    _saved(admin, document)
    other = "1A2B3C4D5E6F7081"
    admin.post(
        "/api/v1/pcs/devices",
        json={"serial": other, "name": "orchard", "model": "smart_agriculture"},
    ).raise_for_status()
    sign_in(page, web, "pick-serial")
    page.goto(f"{web.url}/configure")
    _loaded(page)
    page.fill("#f-serial", document["serial"])
    page.dispatch_event("#f-serial", "change")
    # (the page's CSP allows no eval, so the waits are on locators, not on script text)
    expect(page.locator("#f-model")).to_have_value("smart_water")
    expect(page.locator('[name="battery_warning.thresholds.0"]')).to_have_value("40")
    assert page.input_value('[name="sockets.A.probe"]') == "ph"
    shot(page, "pick-serial", "02-saved-loaded")
    page.fill("#f-serial", other)
    page.dispatch_event("#f-serial", "change")
    expect(page.locator("#f-model")).to_have_value("smart_agriculture")
    assert page.input_value('[name="node_name"]') == "orchard"
    assert page.input_value('[name="sockets.A.probe"]') == ""
    shot(page, "pick-serial", "03-model-loaded")
    # another model than the registered one: the check says so at the model, as compile would
    page.select_option("#f-model", "smart_water")
    page.click("#check")
    expect(page.locator('[data-path="model"] .msg')).to_contain_text(
        f"{other} is registered as Smart Agriculture"
    )
    expect(page.locator("#check-verdict")).not_to_contain_text("Valid")


def test_fields_that_do_not_apply_are_hidden(web: WebServer, page: Any) -> None:
    """A Meshlium reached over XBee takes no host, port or certificate: those show for 4G."""
    expect = pytest.importorskip("playwright.sync_api").expect
    sign_in(page, web, "fields-shown")
    page.goto(f"{web.url}/configure")
    _loaded(page)
    page.select_option("#f-model", "smart_water")
    page.select_option('[name="radio.type"]', "xbee_868lp")
    page.select_option('[name="destination.type"]', "meshlium")
    host = page.locator('[data-path="destination.host"]:not([hidden])')
    expect(host).to_have_count(0)
    shot(page, "fields-shown", "02-xbee-meshlium")
    page.select_option('[name="radio.type"]', "4g")
    expect(host).to_have_count(1)
    expect(page.locator('[data-path="destination.certificate"]:not([hidden])')).to_have_count(1)
    shot(page, "fields-shown", "03-4g-meshlium")


def test_the_check_panel_never_says_valid_while_a_field_is_red(
    web: WebServer, page: Any, admin: httpx.Client
) -> None:
    expect = pytest.importorskip("playwright.sync_api").expect
    document = _example("smart-water_xbee-868lp_meshlium.yaml")
    _opened(page, web, admin, document, "verdict")
    page.click("#check")
    expect(page.locator("#check-verdict")).to_contain_text("Valid")
    # a value the server refuses outright (beyond 64 bits) marks its field: no longer valid
    page.fill('[name="sleep.minutes"]', "99999999999999999999999")
    page.dispatch_event('[name="sleep.minutes"]', "change")
    expect(page.locator(".field.has-error")).not_to_have_count(0)
    expect(page.locator("#check-verdict")).to_contain_text("error(s)")
    shot(page, "verdict", "02-refused")


def test_a_saved_template_keeps_no_node_name_and_the_picker_offers_its_new_version(
    web: WebServer, page: Any, admin: httpx.Client
) -> None:
    expect = pytest.importorskip("playwright.sync_api").expect
    document = _example("smart-water_xbee-868lp_meshlium.yaml") | {"node_name": "river-1"}
    _opened(page, web, admin, document, "template-save")
    page.fill("#template-name", "river")
    for version in (1, 2):
        page.click("#template-save")
        expect(page.locator("#template-status")).to_contain_text(f"saved river v{version}")
        expect(page.locator("#template-pick")).to_have_value("river")
        expect(page.locator("#template-pick option:checked")).to_have_text(f"river (v{version})")
    shot(page, "template-save", "02-saved")
    kept = admin.get("/api/v1/pcs/templates/river").json()["document"]
    assert "node_name" not in kept
    assert "serial" not in kept
    assert kept["sockets"]["A"]["probe"] == "ph"
    # the AES key (saved, not typed) is a placeholder each node fills: said, and marked
    expect(page.locator("#template-status")).to_contain_text("each node brings its own AES key")
    page.click("#template-load")  # on this device, whose key is saved: nothing to fill
    expect(page.locator("#template-status")).to_have_text("loaded river v2")
    page.goto(f"{web.url}/configure")  # a new node: its own key is asked for
    page.select_option("#template-pick", "river")
    page.click("#template-load")
    expect(page.locator("#template-status")).to_contain_text("fill in this node's AES key")
    key = page.locator('[name="encryption.key"]')
    expect(key).to_have_attribute("placeholder", "this node's own: fill it in")
    shot(page, "template-save", "03-loaded")
    # the hint belongs to what was loaded: picking the device brings back its own ("saved")
    page.fill("#f-serial", document["serial"])
    page.dispatch_event("#f-serial", "change")
    expect(key).to_have_attribute("placeholder", "saved — leave empty to keep")


def test_check_shows_every_rule_error_while_a_required_field_is_empty(
    web: WebServer, page: Any, admin: httpx.Client
) -> None:
    """Seam 7: an empty required field (the radio's MAC) hides none of the rules' findings
    elsewhere (a PAN ID that is not hex): both fields are red at once."""
    expect = pytest.importorskip("playwright.sync_api").expect
    document = _example("smart-water_xbee-868lp_meshlium.yaml")
    _opened(page, web, admin, document, "whole-truth")
    shown = page.locator('.group[data-when="radio.type=xbee_868lp"]')
    shown.locator('[name="radio.mac"]').fill("")
    shown.locator('[name="radio.pan_id"]').fill("ZZZZ")
    shown.locator('[name="radio.pan_id"]').dispatch_event("change")
    page.click("#check")
    mac = shown.locator('[data-path="radio.mac"] .msg')
    pan = shown.locator('[data-path="radio.pan_id"] .msg')
    expect(mac).to_contain_text("is required")
    expect(pan).not_to_be_empty()
    expect(page.locator("#check-verdict")).to_contain_text("error(s)")
    shot(page, "whole-truth", "02-both-red")
