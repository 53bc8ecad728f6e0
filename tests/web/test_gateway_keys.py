"""A node programmed from the web sends frames the gateway opens with no step by hand: the
keys its program gives it are handed to the gateway, sealed, with its network aliases."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import yaml

from openpcs.frames.binary import encode_binary
from openpcs.frames.crypto import encrypt_frame
from openpcs.frames.values import make_field
from openpcs.gateway.store.schema import DEVICES
from tests.web.conftest import WebServer
from tests.web.test_api import NODE, register, wait_batch

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "nodes"
KEY = "river-gauge-aes-key-32-characters"[:32]
WATER = "5B6C7D8E9FA0B1C2"


def _water_node() -> dict[str, Any]:
    text = (EXAMPLES / "smart-water_xbee-868lp_meshlium.yaml").read_text()
    document: dict[str, Any] = yaml.safe_load(text.replace("!secret aes_key", KEY))
    return document


def _frame(serial: str, key: str, sequence: int, frame_type: int = 96) -> bytes:
    inner = encode_binary(
        serial=serial,
        node_name="river",
        sequence=sequence,
        fields=[make_field("PH", 7.25), make_field("WT", 14.5), make_field("BAT", 64)],
    )
    return encrypt_frame(inner, key, frame_type)


def _send(web: WebServer, frame: bytes) -> httpx.Response:
    return httpx.get(f"{web.url}/getpost_frame_parser.php", params={"frame": frame.hex().upper()})


def test_a_node_compiled_from_the_web_is_decrypted_at_the_gateway(
    web: WebServer, admin: httpx.Client
) -> None:
    register(admin, WATER, model="smart_water")
    before = _send(web, _frame(WATER, KEY, 1))
    assert before.text.startswith("error "), before.text  # no key held yet
    made = admin.post("/api/v1/pcs/program", json=_water_node())
    assert made.status_code == 200, made.text
    after = _send(web, _frame(WATER, KEY, 2))
    assert after.status_code == 200
    assert after.text.startswith("ok "), after.text
    gateway = web.client()  # the gateway's API takes the admin token
    readings = gateway.get("/api/v1/readings", params={"serial": WATER}).json()["items"]
    assert {(r["sensor"], r["value"]) for r in readings} >= {("PH", 7.25), ("WT", 14.5)}
    # held sealed, never in clear, and shown as held
    with web.gateway.engine.connect() as connection:
        stored = connection.execute(DEVICES.select()).mappings().all()
    assert KEY not in json.dumps([dict(row) for row in stored], default=str)
    device = gateway.get(f"/api/v1/devices/{WATER}").json()
    assert device["keys"] == {"payload": True, "bridge": False}
    # a device-to-cloud frame is stored as received, and opens on request with the held key
    cloud = _send(web, _frame(WATER, KEY, 3, frame_type=100))
    assert cloud.text.startswith("encrypted "), cloud.text
    frame_id = int(cloud.text.split()[1].rstrip(":"))
    opened = gateway.post(f"/api/v1/frames/{frame_id}/decrypt")
    assert opened.status_code == 200, opened.text
    assert opened.json()["status"] == "ok"


def test_a_lorawan_node_gets_its_alias_and_a_batch_hands_over_each_key(
    web: WebServer, admin: httpx.Client
) -> None:
    register(admin)  # NODE: Smart Agriculture over LoRaWAN OTAA
    made = admin.post("/api/v1/pcs/program", json=NODE)
    assert made.status_code == 200, made.text
    device = web.client().get(f"/api/v1/devices/{NODE['serial']}").json()
    assert device["aliases"] == [f"lorawan:{NODE['radio']['dev_eui']}"]
    # the same DevEUI on another device is refused before anything is built
    register(admin, "1A2B3C4D5E6F7099")
    clash = admin.post("/api/v1/pcs/program", json=NODE | {"serial": "1A2B3C4D5E6F7099"})
    assert clash.status_code == 422, clash.text  # at its field, with every other finding
    assert clash.json()["errors"][0]["path"] == "radio.dev_eui"
    assert "already knows lorawan:0004A30B001C0530" in clash.json()["errors"][0]["message"]
    # while the DevEUI is half typed, the check says what is wrong with it (never a 500)
    typing = NODE | {"serial": "1A2B3C4D5E6F7099"}
    typing["radio"] = NODE["radio"] | {"dev_eui": "0004A30B001C05"}
    checked = admin.post("/api/v1/pcs/check", json=typing)
    assert checked.status_code == 200, checked.text
    assert "radio.dev_eui" in {e["path"] for e in checked.json()["errors"]}

    admin.put("/api/v1/pcs/licence", json={"licence": "elite"}).raise_for_status()
    serials = [f"5B6C7D8E9FA0B1{index:02X}" for index in range(3)]
    keys = [f"batch-node-{index}-key-for-the-gateway!"[:32] for index in range(3)]
    for serial in serials:
        register(admin, serial, model="smart_water")
    template = {k: v for k, v in _water_node().items() if k != "serial"}
    del template["encryption"]["key"]
    admin.put("/api/v1/pcs/templates/water", json=template).raise_for_status()
    csv_text = "serial,encryption.key\n" + "".join(
        f"{serial},{key}\n" for serial, key in zip(serials, keys, strict=True)
    )
    started = admin.post("/api/v1/pcs/batches", json={"template": "water", "csv": csv_text})
    assert started.status_code == 202, started.text
    assert wait_batch(admin, started.json()["id"])["done"] == 3
    # each device reopens as it was programmed: the template with its own key kept
    for serial in serials:
        saved = admin.get(f"/api/v1/pcs/devices/{serial}/config").json()
        assert saved["model"] == "smart_water"
        assert saved["radio"] == template["radio"]
        assert saved["_kept_secrets"] == ["encryption.key"]
        device = admin.get(f"/api/v1/pcs/devices/{serial}").json()
        assert device["changed_since_build"] is False
    for index, (serial, key) in enumerate(zip(serials, keys, strict=True)):
        answer = _send(web, _frame(serial, key, index))
        assert answer.text.startswith("ok "), answer.text
        wrong = _send(web, _frame(serial, keys[index - 1], 10 + index))  # another node's key
        assert wrong.text.startswith("error "), wrong.text


def test_a_batch_that_leaves_a_node_without_its_key_is_refused_before_it_starts(
    admin: httpx.Client,
) -> None:
    admin.put("/api/v1/pcs/licence", json={"licence": "elite"}).raise_for_status()
    serials = [f"5B6C7D8E9FA0B1{index:02X}" for index in range(7)]
    for serial in serials:
        register(admin, serial, model="smart_water")
    keyed = _water_node() | {"serial": serials[0]}
    admin.put(f"/api/v1/pcs/devices/{serials[0]}/config", json=keyed).raise_for_status()
    template = {k: v for k, v in _water_node().items() if k != "serial"}
    del template["encryption"]["key"]
    admin.put("/api/v1/pcs/templates/water", json=template).raise_for_status()
    refused = admin.post("/api/v1/pcs/batches", json={"template": "water", "serials": serials})
    assert refused.status_code == 400, refused.text
    assert refused.json() == {
        "error": "csv: the template leaves encryption.key to each node and 6 of 7 have none "
        f"({', '.join(serials[1:6])} …): upload a CSV with a column 'encryption.key', or save "
        "each device's configuration with it",
        "path": "csv",
    }
    assert admin.get("/api/v1/pcs/batches").json() == []
    # the first node alone has its key (from its saved configuration): that batch runs
    alone = admin.post("/api/v1/pcs/batches", json={"template": "water", "serials": serials[:1]})
    assert alone.status_code == 202, alone.text


def test_picked_devices_and_a_csv_make_one_batch_and_a_node_left_without_a_key_is_named(
    admin: httpx.Client,
) -> None:
    """Ten devices picked and a CSV of nine keys: the tenth is not dropped without a word but
    named before anything runs; once it has its key saved, all ten run, each under its
    registry name (the CSV has no name column)."""
    admin.put("/api/v1/pcs/licence", json={"licence": "elite"}).raise_for_status()
    serials = [f"5B6C7D8E9FA0B2{index:02X}" for index in range(10)]
    for index, serial in enumerate(serials):
        added = admin.post(
            "/api/v1/pcs/devices",
            json={"serial": serial, "name": f"gauge-{index}", "model": "smart_water"},
        )
        assert added.status_code == 201, added.text
    template = {k: v for k, v in _water_node().items() if k != "serial"}
    del template["encryption"]["key"]
    admin.put("/api/v1/pcs/templates/water", json=template).raise_for_status()
    keys = {serial: f"gauge-{serial[-2:]}-aes-key-32-characters!!"[:32] for serial in serials}
    csv_text = "serial,encryption.key\n" + "".join(
        f"{serial},{keys[serial]}\n" for serial in serials[:9]
    )
    batch = {"template": "water", "serials": serials, "csv": csv_text}
    refused = admin.post("/api/v1/pcs/batches", json=batch)
    assert refused.status_code == 400, refused.text
    assert f"1 of 10 have none ({serials[9]})" in refused.json()["error"]
    assert admin.get("/api/v1/pcs/batches").json() == []

    last = _water_node() | {
        "serial": serials[9],
        "encryption": {"mode": "device_to_gateway", "key": keys[serials[9]]},
    }
    admin.put(f"/api/v1/pcs/devices/{serials[9]}/config", json=last).raise_for_status()
    started = admin.post("/api/v1/pcs/batches", json=batch)
    assert started.status_code == 202, started.text
    done = wait_batch(admin, started.json()["id"])
    assert (done["done"], done["failed"]) == (10, 0), done
    assert [node["name"] for node in done["nodes"]] == [f"gauge-{i}" for i in range(10)]
