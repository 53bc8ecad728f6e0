"""Browser flow "the gateway's certificate on the node": the settings page hands out the
gateway's CA (with its fingerprint), and the form's HTTPS destinations take it with one click,
the configuration then checking clean."""

from __future__ import annotations

from typing import Any

import httpx
from playwright.sync_api import expect

from openpcs.gateway.tls_files import ensure
from tests.web.conftest import WebServer
from tests.web.test_e2e import shot, sign_in


def test_flow_the_gateway_s_ca_goes_into_an_https_destination(
    web: WebServer, page: Any, admin: httpx.Client
) -> None:
    settings = web.settings
    made = ensure(settings.data_dir, settings.https.host, settings.https.names)
    assert made.ca is not None
    ca = made.ca.read_text()
    sign_in(page, web, "gateway-ca")
    page.goto(f"{web.url}/settings")
    section = page.locator("#https")
    assert section.locator('a[href="/ca.pem"]').count() == 1
    assert "SHA-256" in str(section.text_content())
    shot(page, "gateway-ca", "01-settings")
    assert admin.get("/ca.pem").text == ca

    page.goto(f"{web.url}/configure")
    page.select_option("#f-radio\\.type", "4g")
    page.select_option("#f-destination\\.type", "https")
    button = page.locator('.use-gateway-ca[data-target="f-https-destination.certificate"]')
    button.click()
    field = page.locator("#f-https-destination\\.certificate")
    # waits for the fetch to fill the field; a string predicate (wait_for_function) is
    # evaluated in the page, where the pages' CSP refuses it once it has to poll
    expect(field).to_have_value(ca)
    assert "the gateway's CA certificate" in str(
        page.locator('.field[data-path="destination.certificate"]:visible .msg').text_content()
    )
    shot(page, "gateway-ca", "02-form")
    # the Cloud Bridge's certificate is Libelium's: no such button there
    assert (
        page.locator(
            '.use-gateway-ca[data-target="f-cloud_bridge-destination.certificate"]'
        ).count()
        == 0
    )
