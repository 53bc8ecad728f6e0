"""The digest of a saved configuration is listed to anyone who may look at a device; it must
not let them test guesses of the secrets in it (a plain SHA-256 of a document holding a 4-digit
PIN gave the PIN away in 10,000 tries)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import httpx

from tests.web.conftest import WebServer
from tests.web.test_api import NODE, SERIAL, register


def _canonical(document: dict[str, Any]) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def test_a_listed_digest_cannot_be_recomputed_from_a_guess(
    web: WebServer, admin: httpx.Client
) -> None:
    register(admin)
    made = admin.post("/api/v1/pcs/program", json=NODE)
    assert made.status_code == 200, made.text
    reader = web.client(web.gateway.tokens.create("viewer", "read"))
    listed = reader.get(f"/api/v1/pcs/devices/{SERIAL}/programs").json()[0]["config_hash"]
    # every plain hash of the document as it was sent or kept, the right key included
    guesses = [NODE, NODE | {"licence": "basic"}, {k: v for k, v in NODE.items() if k != "serial"}]
    for guess in guesses:
        assert hashlib.sha256(_canonical(guess)).hexdigest() != listed
    # the same document gives the same digest (changes since the last build are still seen)
    saved = admin.put(f"/api/v1/pcs/devices/{SERIAL}/config", json=NODE)
    assert saved.status_code == 200, saved.text
    device = admin.get(f"/api/v1/pcs/devices/{SERIAL}").json()
    assert device["changed_since_build"] is False
    changed = json.loads(json.dumps(NODE))
    changed["radio"]["app_key"] = "00" * 16
    admin.put(f"/api/v1/pcs/devices/{SERIAL}/config", json=changed).raise_for_status()
    assert admin.get(f"/api/v1/pcs/devices/{SERIAL}").json()["changed_since_build"] is True
