"""The registry's pages: how full the licence is, a licence change that must be confirmed, and
a device edited or removed from its page."""

from __future__ import annotations

import re

import httpx

from tests.web.test_api import SERIAL, register


def _csrf(client: httpx.Client) -> str:
    found = re.search(r'<meta name="csrf-token" content="([^"]+)"', client.get("/devices").text)
    assert found is not None
    return found.group(1)


def test_the_registry_says_how_full_the_licence_is(admin: httpx.Client) -> None:
    for index in range(6):
        register(admin, f"00000000000000{index:02X}")
    page = admin.get("/devices").text
    assert "6 of 6 devices registered (PCS Basic)" in page
    csrf = _csrf(admin)
    unconfirmed = admin.post("/settings/licence", data={"licence": "pro", "csrf_token": csrf})
    assert "tick the box to confirm" in unconfirmed.headers["location"].replace("%20", " ")
    assert admin.get("/api/v1/pcs/licence").json()["licence"] == "basic"
    confirmed = admin.post(
        "/settings/licence", data={"licence": "pro", "csrf_token": csrf, "confirm": "yes"}
    )
    assert confirmed.status_code == 303
    assert admin.get("/api/v1/pcs/licence").json()["licence"] == "pro"
    assert "6 of 20 devices registered (PCS PRO)" in admin.get("/devices").text


def test_a_device_is_edited_and_removed_from_its_page(admin: httpx.Client) -> None:
    register(admin)
    csrf = _csrf(admin)
    edited = admin.post(
        f"/devices/{SERIAL}/edit",
        data={"name": "orchard", "tags": "north, pump", "csrf_token": csrf},
    )
    assert edited.status_code == 303
    device = admin.get(f"/api/v1/pcs/devices/{SERIAL}").json()
    assert (device["name"], device["tags"]) == ("orchard", ["north", "pump"])
    bad = admin.post(f"/devices/{SERIAL}/edit", data={"tags": "a/b", "csrf_token": csrf})
    assert "error=" in bad.headers["location"]
    kept = admin.post(f"/devices/{SERIAL}/delete", data={"csrf_token": csrf})
    assert "tick the box" in kept.headers["location"].replace("%20", " ")
    assert admin.get(f"/api/v1/pcs/devices/{SERIAL}").status_code == 200
    removed = admin.post(f"/devices/{SERIAL}/delete", data={"csrf_token": csrf, "confirm": "yes"})
    assert removed.headers["location"].startswith("/devices?ok=")
    assert admin.get(f"/api/v1/pcs/devices/{SERIAL}").status_code == 404
