"""Whose keys a build may change: an account that is neither an admin nor the one whose keys a
device had cannot replace the keys the gateway holds for it, cannot learn them by saving
guesses and watching digests, and a batch's firmware stays with the account as it is now."""

from __future__ import annotations

import threading

import httpx

from tests.web.conftest import WebServer
from tests.web.test_api import register, wait_batch
from tests.web.test_gateway_keys import KEY, WATER, _frame, _send, _water_node

MALLORY_KEY = "mallory-aes-key-32-characters!!!"


def _user(web: WebServer, admin: httpx.Client, name: str) -> httpx.Client:
    made = admin.post("/api/v1/pcs/users", json={"username": name, "password": "a long password 1"})
    assert made.status_code == 201, made.text
    return web.session(name, "a long password 1")


def test_another_account_cannot_replace_the_key_the_gateway_holds(
    web: WebServer, admin: httpx.Client
) -> None:
    register(admin, WATER, model="smart_water")
    alice = _user(web, admin, "alice")
    assert alice.post("/api/v1/pcs/program", json=_water_node()).status_code == 200
    mallory = _user(web, admin, "mallory")
    theirs = _water_node()
    theirs["encryption"]["key"] = MALLORY_KEY
    refused = mallory.post("/api/v1/pcs/program", json=theirs)
    assert refused.status_code == 409, refused.text  # alice's keys are alice's to replace
    assert _send(web, _frame(WATER, KEY, 1)).text.startswith("ok ")
    assert _send(web, _frame(WATER, MALLORY_KEY, 2)).text.startswith("error ")
    # a batch builds mallory's firmware, but the gateway keeps the key it holds
    admin.put("/api/v1/pcs/licence", json={"licence": "elite"}).raise_for_status()
    template = {k: v for k, v in _water_node().items() if k != "serial"}
    del template["encryption"]["key"]
    mallory.put("/api/v1/pcs/templates/water", json=template).raise_for_status()
    started = mallory.post(
        "/api/v1/pcs/batches",
        json={"template": "water", "csv": f"serial,encryption.key\n{WATER},{MALLORY_KEY}\n"},
    )
    assert started.status_code == 202, started.text
    assert wait_batch(mallory, started.json()["id"])["done"] == 1
    assert _send(web, _frame(WATER, KEY, 3)).text.startswith("ok ")
    # nor does the saved configuration change hands: alice's keys stay alice's
    saved = alice.get(f"/api/v1/pcs/devices/{WATER}/config").json()
    assert saved["_kept_secrets"] == ["encryption.key"]
    assert mallory.get(f"/api/v1/pcs/devices/{WATER}/config").json()["_kept_secrets"] == []
    # an admin's batch uses alice's saved keys and leaves her configuration hers to change
    admin.put("/api/v1/pcs/templates/water", json=template).raise_for_status()
    by_admin = admin.post("/api/v1/pcs/batches", json={"template": "water", "serials": [WATER]})
    assert by_admin.status_code == 202, by_admin.text
    assert wait_batch(admin, by_admin.json()["id"])["done"] == 1
    assert alice.put(f"/api/v1/pcs/devices/{WATER}/config", json=_water_node()).status_code == 200
    # an admin may replace it
    assert admin.post("/api/v1/pcs/program", json=theirs).status_code == 200
    assert _send(web, _frame(WATER, MALLORY_KEY, 4)).text.startswith("ok ")


def test_digests_tell_nothing_of_the_keys(web: WebServer, admin: httpx.Client) -> None:
    """A digest is bound to the account it belongs to: the same configuration, the right key
    included, saved by another account (an admin here, the only other who may) gives
    another digest, so no digest can confirm a guess."""
    register(admin, WATER, model="smart_water")
    alice = _user(web, admin, "alice")
    assert alice.post("/api/v1/pcs/program", json=_water_node()).status_code == 200
    built = alice.get(f"/api/v1/pcs/devices/{WATER}/programs").json()[0]["config_hash"]
    saved = admin.put(f"/api/v1/pcs/devices/{WATER}/config", json=_water_node())
    assert saved.status_code == 200, saved.text
    assert saved.json()["config_hash"] != built
    assert admin.get(f"/api/v1/pcs/devices/{WATER}").json()["changed_since_build"] is True
    again = alice.put(f"/api/v1/pcs/devices/{WATER}/config", json=_water_node())
    assert again.status_code == 409  # the admin saved it last: its keys are the admin's now
    assert (
        saved.json()["config_hash"]
        == admin.put(f"/api/v1/pcs/devices/{WATER}/config", json=_water_node()).json()[
            "config_hash"
        ]
    )


def test_a_batch_of_an_account_removed_while_it_ran_is_not_the_new_namesakes(
    web: WebServer, admin: httpx.Client
) -> None:
    admin.put("/api/v1/pcs/licence", json={"licence": "elite"}).raise_for_status()
    register(admin, WATER, model="smart_water")
    carol = _user(web, admin, "carol")
    template = {k: v for k, v in _water_node().items() if k != "serial"}
    template["encryption"] = {"mode": "disabled"}
    carol.put("/api/v1/pcs/templates/water", json=template).raise_for_status()
    services = web.server.config.app.state.web
    hold = threading.Event()
    services.batches._pool.submit(hold.wait, 60)  # the batch waits behind this
    started = carol.post("/api/v1/pcs/batches", json={"template": "water", "serials": [WATER]})
    assert started.status_code == 202, started.text
    assert admin.delete("/api/v1/pcs/users/carol").status_code == 204
    hold.set()
    batch = wait_batch(admin, started.json()["id"])
    assert batch["done"] == 1
    again = _user(web, admin, "carol")
    program = admin.get(f"/api/v1/pcs/devices/{WATER}/programs").json()[0]
    assert program["made_by"] == "removed:carol"
    assert again.get(f"/api/v1/pcs/programs/{program['id']}/bundle").status_code == 403
    assert again.get(f"/api/v1/pcs/batches/{batch['id']}/zip").status_code == 403
