"""What a removed account owned stays out of reach of a new account given its name."""

from __future__ import annotations

import json

import httpx

from tests.web.conftest import WebServer
from tests.web.test_api import NODE, SERIAL, register, wait_batch
from tests.web.test_firmware_access import other_user


def test_a_new_account_with_a_removed_accounts_name_inherits_nothing(
    web: WebServer, admin: httpx.Client
) -> None:
    register(admin)
    admin.put("/api/v1/pcs/licence", json={"licence": "elite"}).raise_for_status()
    bob = other_user(web, admin)
    made = bob.post("/api/v1/pcs/program", json=NODE)  # keeps NODE (with its key) as saved
    assert made.status_code == 200, made.text
    template = {k: v for k, v in NODE.items() if k not in ("serial", "node_name")}
    bob.put("/api/v1/pcs/templates/t", json=template).raise_for_status()
    started = bob.post("/api/v1/pcs/batches", json={"template": "t", "serials": [SERIAL]})
    assert started.status_code == 202, started.text
    batch = wait_batch(bob, started.json()["id"])
    program = bob.get(f"/api/v1/pcs/devices/{SERIAL}/programs").json()[-1]["id"]
    assert bob.get(f"/api/v1/pcs/devices/{SERIAL}/config").json()["_kept_secrets"]
    bob.close()

    assert admin.delete("/api/v1/pcs/users/bob").status_code == 204
    again = other_user(web, admin)  # a new account, the same name
    assert again.get(f"/api/v1/pcs/programs/{program}/bundle").status_code == 403
    assert again.get(f"/api/v1/pcs/batches/{batch['id']}/zip").status_code == 403
    assert again.get(f"/api/v1/pcs/devices/{SERIAL}/config").json()["_kept_secrets"] == []
    history = again.get(f"/api/v1/pcs/devices/{SERIAL}/programs").json()
    assert {entry["made_by"] for entry in history} == {"removed:bob"}
    # admins keep everything
    assert admin.get(f"/api/v1/pcs/programs/{program}/bundle").status_code == 200
    assert admin.get(f"/api/v1/pcs/batches/{batch['id']}/zip").status_code == 200
    assert admin.get(f"/api/v1/pcs/devices/{SERIAL}/config").json()["_kept_secrets"]
    again.close()


def test_saving_over_keys_another_account_saved_is_refused(
    web: WebServer, admin: httpx.Client
) -> None:
    register(admin)
    bob = other_user(web, admin)
    assert bob.put(f"/api/v1/pcs/devices/{SERIAL}/config", json=NODE).status_code == 200
    admin.post("/api/v1/pcs/users", json={"username": "carol", "password": "a long password 2"})
    carol = web.session("carol", "a long password 2")
    keyless = json.loads(json.dumps(NODE))
    del keyless["radio"]["app_key"]
    for document in (keyless, NODE):  # with every key given too: they are not carol's
        refused = carol.put(f"/api/v1/pcs/devices/{SERIAL}/config", json=document)
        assert refused.status_code == 409, refused.text
        assert refused.json()["path"] == "radio.app_key"
        assert "keys another account saved" in refused.json()["error"]
    built = carol.post("/api/v1/pcs/program", json=NODE)
    assert built.status_code == 409, built.text
    assert bob.get(f"/api/v1/pcs/devices/{SERIAL}/config").json()["_kept_secrets"] == [
        "radio.app_key"
    ]
    assert admin.put(f"/api/v1/pcs/devices/{SERIAL}/config", json=keyless).status_code == 200
    assert bob.put(f"/api/v1/pcs/devices/{SERIAL}/config", json=NODE).status_code == 409
    carol.close()
    bob.close()
