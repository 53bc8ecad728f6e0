"""The web application over HTTP: sign-in, CSRF, registry, check, program, templates, batches."""

from __future__ import annotations

import io
import json
import re
import time
import zipfile
from pathlib import Path
from typing import Any

import httpx
import pytest

from openpcs.config.check import check_file, check_text
from openpcs.web.build_settings import NO_BINARY_ON_SERVER
from tests.web.conftest import WebServer, names_a_config_field

SERIAL = "1A2B3C4D5E6F7081"
NODE: dict[str, Any] = {
    "serial": SERIAL,
    "node_name": "field-1",
    "model": "smart_agriculture",
    "sockets": {"A": "weather_station", "B": "soil_moisture"},
    "sleep": {"minutes": 15},
    "radio": {
        "type": "lorawan",
        "region": "eu",
        "activation": "otaa",
        "dev_eui": "0004A30B001C0530",
        "app_eui": "70B3D57ED0000001",
        "app_key": "2B7E151628AED2A6ABF7158809CF4F3C",
    },
}
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "nodes"


def register(client: httpx.Client, serial: str = SERIAL, model: str = "smart_agriculture") -> None:
    answer = client.post("/api/v1/pcs/devices", json={"serial": serial, "model": model})
    assert answer.status_code == 201, answer.text


# --- who may call ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/", "/configure", "/devices", "/templates", "/batches", "/account"]
)
def test_pages_send_strangers_to_the_login_page(web: WebServer, path: str) -> None:
    answer = httpx.get(web.url + path)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/login?next=")


def test_api_wants_a_session_or_a_token(web: WebServer) -> None:
    assert httpx.get(f"{web.url}/api/v1/pcs/devices").status_code == 401
    with web.client() as client:  # the gateway's admin token works here too
        assert client.get("/api/v1/pcs/devices").json() == []


def test_a_wrong_password_does_not_sign_in(web: WebServer) -> None:
    with pytest.raises(AssertionError):
        web.session(password="not the password")


def test_changes_need_the_sessions_csrf_token(web: WebServer, admin: httpx.Client) -> None:
    without = httpx.post(
        f"{web.url}/api/v1/pcs/devices",
        json={"serial": SERIAL, "model": "smart_agriculture"},
        cookies=admin.cookies,
    )
    assert without.status_code == 403
    assert "CSRF" in without.json()["error"]
    form = httpx.post(
        f"{web.url}/devices",
        data={"serial": SERIAL, "model": "smart_agriculture", "csrf_token": "forged"},
        cookies=admin.cookies,
    )
    assert form.status_code == 403
    assert admin.get("/api/v1/pcs/devices").json() == []


def test_a_read_token_may_look_not_change(web: WebServer) -> None:
    token = web.gateway.tokens.create("viewer", "read")
    with web.client(token) as client:
        assert client.get("/api/v1/pcs/devices").status_code == 200
        refused = client.post(
            "/api/v1/pcs/devices", json={"serial": SERIAL, "model": "smart_agriculture"}
        )
        assert refused.status_code == 403


def test_a_user_cannot_manage_accounts(web: WebServer, admin: httpx.Client) -> None:
    made = admin.post("/api/v1/pcs/users", json={"username": "Ana", "password": "correct horse"})
    assert made.status_code == 201
    assert made.json()["username"] == "ana"
    user = web.session("ana", "correct horse")
    assert user.get("/api/v1/pcs/users").status_code == 403
    assert user.get("/account").status_code == 200
    assert admin.delete("/api/v1/pcs/users/admin").status_code == 409  # the last admin stays
    assert (
        admin.post("/api/v1/pcs/users", json={"username": "x", "password": "short"}).json()["path"]
        == "password"
    )


def test_tokens_are_made_and_revoked_on_the_account_page(
    web: WebServer, admin: httpx.Client
) -> None:
    made = admin.post("/tokens", data={"name": "script", "scope": "read"})
    assert made.status_code == 303
    page = admin.get("/account").text
    token = re.search(r'id="new-token">([^<]+)<', page)
    assert token is not None
    with web.client(token.group(1)) as client:
        assert client.get("/api/v1/pcs/licence").status_code == 200
    assert "new-token" not in admin.get("/account").text  # shown once
    assert admin.post("/tokens/script/revoke").status_code == 303
    with web.client(token.group(1)) as client:
        assert client.get("/api/v1/pcs/licence").status_code == 401


# --- the registry ------------------------------------------------------------------------------


def test_the_licence_caps_the_registry(admin: httpx.Client) -> None:
    for index in range(6):
        register(admin, f"00000000000000{index:02X}")
    over = admin.post(
        "/api/v1/pcs/devices", json={"serial": "00000000000000FF", "model": "smart_agriculture"}
    )
    assert over.status_code == 409
    assert over.json()["error"] == (
        "serial: PCS Basic programs up to 6 nodes and this registry has 6 already: a higher "
        "licence takes more"
    )
    assert admin.put("/api/v1/pcs/licence", json={"licence": "pro"}).status_code == 200
    register(admin, "00000000000000FF")
    refused = admin.put("/api/v1/pcs/licence", json={"licence": "basic"})
    assert refused.status_code == 409


def test_devices_are_found_by_serial_name_or_tag(admin: httpx.Client) -> None:
    admin.post(
        "/api/v1/pcs/devices",
        json={
            "serial": "aaaa000000000001",
            "name": "North field",
            "model": "smart_water",
            "tags": ["Vineyard", "north"],
        },
    )
    register(admin, "BBBB000000000002")

    def found(q):
        return [d["serial"] for d in admin.get("/api/v1/pcs/devices", params={"q": q}).json()]

    assert found("vineyard") == ["AAAA000000000001"]
    assert found("north FIELD".lower()) == ["AAAA000000000001"]
    assert found("bbbb") == ["BBBB000000000002"]
    assert found("") == ["AAAA000000000001", "BBBB000000000002"]


def test_a_csv_import_adds_the_good_lines_and_names_the_bad(admin: httpx.Client) -> None:
    text = (
        "serial,name,model,tags\n"
        "0000000000000001,a,smart_water,x;y\n"
        "nothex,b,smart_water,\n"
        "0000000000000001,c,smart_water,\n"
        "0000000000000002,d,no_such_model,\n"
        "0000000000000003,e,Smart Water,\n"  # the model's name, as the pages show it
        "0000000000000004,f, smart agriculture PRO ,\n"
    )
    report = admin.post("/api/v1/pcs/devices/import", content=text).json()
    assert report["added"] == ["0000000000000001", "0000000000000003", "0000000000000004"]
    assert report["refused"][0].startswith("line 3: the serial ID is 16 hex digits")
    assert report["refused"][1] == "line 4: serial: 0000000000000001 is registered already"
    assert report["refused"][2].startswith(
        "line 5: model: unknown model 'no_such_model': one of Smart Environment PRO, "
    )
    assert "Smart Water Xtreme" in report["refused"][2]
    assert admin.get("/api/v1/pcs/devices/0000000000000001").json()["tags"] == ["x", "y"]
    models = [admin.get(f"/api/v1/pcs/devices/000000000000000{n}").json()["model"] for n in (3, 4)]
    assert models == ["smart_water", "smart_agriculture_pro"]


def test_a_csv_import_past_the_licence_says_so_once_for_the_lines_left(
    admin: httpx.Client,
) -> None:
    rows = "".join(f"{n:016X},n{n},smart_water,\n" for n in range(1, 10))
    report = admin.post("/api/v1/pcs/devices/import", content="serial,name,model\n" + rows).json()
    assert len(report["added"]) == 6  # PCS Basic programs six nodes
    assert report["refused"] == [
        "lines 8 to 10: not added: serial: PCS Basic programs up to 6 nodes and this registry "
        "has 6 already: a higher licence takes more"
    ]


def test_a_csv_import_reads_any_spreadsheets_line_ends_and_refuses_what_is_not_csv(
    admin: httpx.Client,
) -> None:
    """Lone carriage returns (older Mac spreadsheets) are line ends; a short line's missing
    cells are empty, a long line is refused alone; unreadable text names its line (not 500)."""
    text = (
        "serial,name,model,tags\r"
        "0000000000000001,a,smart_water\r"
        "0000000000000002,b,smart_water,t,x\r"
    )
    report = admin.post("/api/v1/pcs/devices/import", content=text).json()
    assert report == {"added": ["0000000000000001"], "refused": ["line 3: 5 cells for 4 columns"]}
    for bad, said in [
        ('serial,model\n0000000000000003,"smart_water\n', "line 2: not CSV (unexpected end"),
        ("serial,model\n0000000000000003," + "x" * 150_000 + "\n", "line 2: not CSV (field"),
    ]:
        refused = admin.post("/api/v1/pcs/devices/import", content=bad)
        assert refused.status_code == 400, refused.text
        assert refused.json()["error"].startswith(f"file: {said}")


# --- check and program -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "example", sorted(p.name for p in EXAMPLES.glob("*.yaml") if p.name != "secrets.yaml")
)
def test_the_form_check_says_what_the_command_says(admin: httpx.Client, example: str) -> None:
    loaded = check_file(EXAMPLES / example)
    assert loaded.config is not None
    document = json.loads(loaded.config.model_dump_json(exclude_none=True))
    for path in ("radio", "destination", "encryption"):  # secrets dump masked: put them back
        section = getattr(loaded.config, path)
        if section is not None:
            for name in type(section).model_fields:
                value = getattr(section, name)
                if hasattr(value, "get_secret_value"):
                    document[path][name] = value.get_secret_value()
    report = admin.post("/api/v1/pcs/check", json=document | {"licence": "basic"}).json()
    expected = check_file(EXAMPLES / example)
    # the registry's licence (basic) replaces the file's: compare with the file so licensed
    if loaded.config.licence == "basic":
        assert [(e["path"], e["message"]) for e in report["errors"]] == [
            (i.path, i.message) for i in expected.errors
        ]
        ours = [w for w in report["warnings"] if w["rule"] != "registry"]
        assert [(w["path"], w["message"]) for w in ours] == [
            (i.path, i.message) for i in expected.warnings
        ]
    assert "Frame plan" in report["text"] or report["errors"]
    # what only the web knows: the example's node is not registered (yet)
    registry = [(w["path"], w["message"]) for w in report["warnings"] if w["rule"] == "registry"]
    assert registry == [
        (
            "serial",
            f"{document['serial']} is not in the device registry: register it on the "
            "Devices page to program it",
        )
    ]


def test_a_bad_appkey_is_reported_at_its_field(admin: httpx.Client) -> None:
    bad = json.loads(json.dumps(NODE))
    bad["radio"]["app_key"] = "12345"
    report = admin.post("/api/v1/pcs/check", json=bad).json()
    assert report["errors"] == [
        {
            "path": "radio.app_key",
            "message": "app_key is 32 hex digits",
            "rule": "radio-lorawan",
            "line": 1,
        }
    ] or [(e["path"], e["message"]) for e in report["errors"]] == [
        ("radio.app_key", "app_key is 32 hex digits")
    ]
    assert report["data"]["summary"]["radio"]["app_key"] == "********"


def test_programming_needs_a_registered_valid_node(admin: httpx.Client) -> None:
    missing = admin.post("/api/v1/pcs/program", json=NODE)
    assert missing.status_code == 422  # said at the serial, beside any other finding
    assert [(e["path"], e["rule"]) for e in missing.json()["errors"]] == [("serial", "registry")]
    # an empty form: every finding at once, the serial's among them
    empty = admin.post("/api/v1/pcs/program", json={"model": "smart_water"}).json()
    paths = {e["path"] for e in empty["errors"]}
    assert {"serial", "radio"} <= paths, paths
    register(admin)
    bad = json.loads(json.dumps(NODE))
    bad["node_name"] = "a-name-far-too-long"
    refused = admin.post("/api/v1/pcs/program", json=bad)
    assert refused.status_code == 422
    assert [e["path"] for e in refused.json()["errors"]] == ["node_name"]
    assert admin.get(f"/api/v1/pcs/devices/{SERIAL}/programs").json() == []


def test_a_bundle_is_archived_and_changes_are_flagged(admin: httpx.Client) -> None:
    register(admin)
    made = admin.post("/api/v1/pcs/program", json=NODE)
    assert made.status_code == 200, made.text
    assert made.headers["content-type"] == "application/zip"
    bundle = zipfile.ZipFile(io.BytesIO(made.content))
    assert json.loads(bundle.read("manifest.json"))["serial"] == SERIAL
    device = admin.get(f"/api/v1/pcs/devices/{SERIAL}").json()
    assert device["has_config"]
    assert not device["changed_since_build"]
    history = admin.get(f"/api/v1/pcs/devices/{SERIAL}/programs").json()
    assert [p["made_by"] for p in history] == ["admin"]
    again = admin.get(f"/api/v1/pcs/programs/{history[0]['id']}/bundle")
    assert again.content == made.content

    # the saved configuration comes back without its key, which stays kept
    saved = admin.get(f"/api/v1/pcs/devices/{SERIAL}/config").json()
    assert "app_key" not in saved["radio"]
    assert saved["_kept_secrets"] == ["radio.app_key"]
    changed = dict(saved, sleep={"minutes": 30})
    del changed["_kept_secrets"]
    assert admin.put(f"/api/v1/pcs/devices/{SERIAL}/config", json=changed).status_code == 200
    assert admin.get(f"/api/v1/pcs/devices/{SERIAL}").json()["changed_since_build"]
    # a form that leaves the key empty builds with the saved one
    rebuilt = admin.post("/api/v1/pcs/program", json=changed | {"serial": SERIAL})
    assert rebuilt.status_code == 200, rebuilt.text
    assert not admin.get(f"/api/v1/pcs/devices/{SERIAL}").json()["changed_since_build"]


# --- templates ---------------------------------------------------------------------------------


def test_templates_keep_versions_and_never_secrets(admin: httpx.Client) -> None:
    first = admin.put(
        "/api/v1/pcs/templates/weather",
        json=NODE | {"encryption": {"mode": "device_to_gateway", "key": "k" * 16}},
    )
    assert first.json() == {
        "name": "weather",
        "version": 1,
        # each secret becomes a placeholder each node fills, named after its path
        "placeholders": {"encryption.key": "encryption_key", "radio.app_key": "radio_app_key"},
    }
    kept = admin.get("/api/v1/pcs/templates/weather").json()["document"]
    assert "serial" not in kept
    assert "app_key" not in kept["radio"]
    assert kept["encryption"] == {"mode": "device_to_gateway"}
    assert (
        admin.put("/api/v1/pcs/templates/weather", json=NODE | {"sleep": {"minutes": 5}}).json()[
            "version"
        ]
        == 2
    )
    versions = admin.get("/api/v1/pcs/templates/weather/versions").json()
    assert [v["version"] for v in versions] == [2, 1]
    assert admin.get("/api/v1/pcs/templates/weather", params={"version": 1}).json()["document"][
        "sleep"
    ] == {"minutes": 15}
    text = admin.get("/api/v1/pcs/templates/weather/yaml").text
    assert "2B7E1516" not in text
    assert "minutes: 5" in text
    assert (
        admin.post("/api/v1/pcs/templates/weather/rename", json={"name": "station"}).status_code
        == 200
    )
    assert admin.put("/api/v1/pcs/templates/copy/yaml", content=text).json()["version"] == 1
    assert [t["name"] for t in admin.get("/api/v1/pcs/templates").json()] == ["copy", "station"]
    assert admin.delete("/api/v1/pcs/templates/station").status_code == 204
    assert admin.get("/api/v1/pcs/templates/station").status_code == 404


def test_an_exported_template_checks_with_the_nodes_secrets(
    admin: httpx.Client, tmp_path: Path
) -> None:
    """The export writes each placeholder as ``!secret NAME``: with a secrets file beside it,
    ``openpcs check`` passes it; a link key, optional, is a placeholder too (it used to be
    dropped without a word)."""
    xbee = {
        "serial": SERIAL,
        "model": "smart_water",
        "radio": {
            "type": "xbee_868lp",
            "mac": "0013A20040C0FFEE",
            "pan_id": "3322",
            "channel_mask": "3FFFFFFF",
            "link_key": "a-link-key-16chr",
        },
        "destination": {"type": "meshlium"},
        "encryption": {"mode": "device_to_gateway", "key": "k" * 32},
    }
    saved = admin.put("/api/v1/pcs/templates/linked", json=xbee).json()
    assert saved["placeholders"] == {
        "radio.link_key": "radio_link_key",
        "encryption.key": "encryption_key",
    }
    text = admin.get("/api/v1/pcs/templates/linked/yaml").text
    assert "link_key: !secret 'radio_link_key'" in text
    assert "key: !secret 'encryption_key'" in text
    assert "k" * 32 not in text
    assert "a-link-key-16chr" not in text
    (tmp_path / "secrets.yaml").write_text(
        f"encryption_key: {'n' * 32}\nradio_link_key: another-key-16ch\n", encoding="utf-8"
    )
    result = check_text(text, source="linked.yaml", base_dir=tmp_path)
    assert result.errors == [], [f"{i.path}: {i.message}" for i in result.errors]
    assert result.template


def test_a_template_refuses_a_secret_its_radio_or_destination_has_no_field_for(
    admin: httpx.Client,
) -> None:
    """A secret where the chosen kind has no such field would be dropped without a word, and
    a placeholder for it would make each node bring a value nothing uses."""
    misplaced = NODE | {"destination": {"type": "meshlium", "api_key": "an-api-key"}}
    refused = admin.put("/api/v1/pcs/templates/misplaced", json=misplaced)
    assert refused.status_code == 400
    assert refused.json()["path"] == "destination.api_key"
    assert refused.json()["error"].startswith("destination.api_key: unknown key 'api_key'")
    for wrong in ({"k": "v"}, 1234567812345678):  # not text: said as such, at its place
        wrong_kind = NODE | {"encryption": {"mode": "device_to_gateway", "key": wrong}}
        refused = admin.put("/api/v1/pcs/templates/w", json=wrong_kind).json()
        assert refused["path"] == "encryption.key"
        assert refused["error"] == "encryption.key: a secret is text: put it in quotes"
    assert admin.get("/api/v1/pcs/templates/misplaced").status_code == 404
    # a key while encryption is disabled is ignored by the node: no node is asked for one
    unused = NODE | {"encryption": {"mode": "disabled", "key": "k" * 16}}
    saved = admin.put("/api/v1/pcs/templates/unused", json=unused).json()
    assert "encryption.key" not in saved["placeholders"]


def test_a_template_import_refuses_what_is_not_a_configuration(admin: httpx.Client) -> None:
    broken = admin.put("/api/v1/pcs/templates/x/yaml", content="model: [unclosed\n")
    assert broken.status_code == 400
    assert "line" in broken.json()["error"]
    unknown = admin.put("/api/v1/pcs/templates/x/yaml", content="model: smart_water\nsleeep: {}\n")
    assert unknown.status_code == 400
    assert unknown.json()["path"] == "sleeep"
    text = (EXAMPLES.parent / "templates" / "weather-station-lorawan.yaml").read_text()
    environment = admin.put("/api/v1/pcs/templates/x/yaml", content=text)
    assert environment.status_code == 400  # !env is for files on the user's own disk
    assert environment.json()["path"] == "radio.dev_eui"
    text = text.replace("!env NODE_DEV_EUI", "!secret node_dev_eui")
    secret = admin.put("/api/v1/pcs/templates/x/yaml", content=text)
    assert secret.status_code == 200
    stored = admin.get("/api/v1/pcs/templates/x").json()
    assert "app_key" not in stored["document"]["radio"]
    assert "dev_eui" not in stored["document"]["radio"]
    assert stored["placeholders"] == {
        "radio.dev_eui": "node_dev_eui",
        "radio.app_key": "lorawan_app_key",
    }
    # a !secret the node would not use (a key while encryption is disabled) asks no node
    unused = text + "encryption: {mode: disabled, key: !secret aes_key}\n"
    assert admin.put("/api/v1/pcs/templates/y/yaml", content=unused).status_code == 200
    placeholders = admin.get("/api/v1/pcs/templates/y").json()["placeholders"]
    assert "encryption.key" not in placeholders
    assert placeholders["radio.dev_eui"] == "node_dev_eui"
    # a warning that is not "ignored" (a JP/KR module joins with its own EUI, but the check
    # still needs one) leaves the value each node's to give
    japan = text.replace("region: eu", "region: jp_kr\n  band: as923")
    assert admin.put("/api/v1/pcs/templates/z/yaml", content=japan).status_code == 200
    kept = admin.get("/api/v1/pcs/templates/z").json()["placeholders"]
    assert kept["radio.dev_eui"] == "node_dev_eui"


# --- batches -----------------------------------------------------------------------------------


def wait_batch(client: httpx.Client, batch_id: int) -> dict[str, Any]:
    for _ in range(600):
        batch = client.get(f"/api/v1/pcs/batches/{batch_id}").json()
        if batch["state"] not in ("queued", "running"):
            return batch
        time.sleep(0.1)
    raise AssertionError("the batch did not finish")


def test_batches_need_the_elite_licence(admin: httpx.Client) -> None:
    register(admin)
    admin.put("/api/v1/pcs/templates/t", json=NODE)
    refused = admin.post("/api/v1/pcs/batches", json={"template": "t", "serials": [SERIAL]})
    assert refused.status_code == 409
    assert (
        refused.json()["error"]
        == "licence: batch programming needs the Elite licence, not PCS Basic"
    )


@pytest.mark.parametrize(
    ("csv_text", "said"),
    [
        (
            "serial,name\r1A2B3C4D5E6F7081,a\r1a2b3c4d5e6f7081,b\r",
            "line 3: 1A2B3C4D5E6F7081 is already on line 2",
        ),
        ('serial,name\n1A2B3C4D5E6F7081,"a\n', "line 2: not CSV (unexpected end"),
        ("serial,name\n1A2B3C4D5E6F7081,a,b\n", "line 2: 3 cells for 2 columns"),
        ("serial,name\n1A2B3C4D5E6F7081," + "a" * 150_000 + "\n", "line 2: not CSV (field"),
    ],
)
def test_a_batch_csv_that_cannot_be_used_is_refused_naming_its_line(
    admin: httpx.Client, csv_text: str, said: str
) -> None:
    admin.put("/api/v1/pcs/licence", json={"licence": "elite"})
    register(admin)
    admin.put("/api/v1/pcs/templates/t", json={k: v for k, v in NODE.items() if k != "serial"})
    refused = admin.post("/api/v1/pcs/batches", json={"template": "t", "csv": csv_text})
    assert refused.status_code == 400, refused.text
    assert refused.json()["error"].startswith(f"csv: {said}")


def test_a_batch_takes_each_nodes_keys_from_its_saved_configuration(admin: httpx.Client) -> None:
    admin.put("/api/v1/pcs/licence", json={"licence": "elite"})
    serials = ["1A2B3C4D5E6F7081", "1A2B3C4D5E6F7082", "1A2B3C4D5E6F7083"]
    for index, serial in enumerate(serials):
        register(admin, serial)
        if index < 2:  # the third has no saved keys
            node = json.loads(json.dumps(NODE)) | {"serial": serial}
            node["radio"]["dev_eui"] = f"0004A30B001C053{index}"
            admin.put(f"/api/v1/pcs/devices/{serial}/config", json=node)
    template = json.loads(json.dumps(NODE))
    del template["radio"]["dev_eui"]
    admin.put("/api/v1/pcs/templates/t", json=template)
    # the node without keys is named before anything runs (its DevEUI missing too hides it not)
    refused = admin.post("/api/v1/pcs/batches", json={"template": "t", "serials": serials})
    assert refused.status_code == 400, refused.text
    assert "radio.app_key" in refused.json()["error"]
    assert "1 of 3 have none (1A2B3C4D5E6F7083)" in refused.json()["error"]
    started = admin.post("/api/v1/pcs/batches", json={"template": "t", "serials": serials[:2]})
    assert started.status_code == 202, started.text
    batch = wait_batch(admin, started.json()["id"])
    assert batch["state"] == "done"
    assert (batch["done"], batch["failed"]) == (2, 0)
    archive = zipfile.ZipFile(
        io.BytesIO(admin.get(f"/api/v1/pcs/batches/{batch['id']}/zip").content)
    )
    bundles = sorted(n for n in archive.namelist() if n.endswith(".zip"))
    assert [n[:16] for n in bundles] == serials[:2]
    history = admin.get(f"/api/v1/pcs/devices/{serials[0]}/programs").json()
    assert history[0]["batch_id"] == batch["id"]
    # without a binary the report says so in words that name no path of the server
    report = json.loads(archive.read("batch-report.json"))
    assert report["binaries"] == f"source only: {NO_BINARY_ON_SERVER}"
    # a cell over two lines moves the CSV's lines, not the nodes' places: each outcome lands
    # on its own node (a name is one line of printable ASCII: this one fails, the next not)
    names = f'serial,name\n{serials[0]},"north\nfield"\n{serials[1]},south\n'
    again = admin.post(
        "/api/v1/pcs/batches", json={"template": "t", "serials": serials[:2], "csv": names}
    )
    assert again.status_code == 202, again.text
    nodes = wait_batch(admin, again.json()["id"])["nodes"]
    assert [(n["serial"], n["state"]) for n in nodes] == [
        (serials[0], "failed"),
        (serials[1], "done"),
    ]
    assert nodes[0]["message"] == "node_name: the node name must be printable ASCII"


def test_a_batch_of_unregistered_devices_is_refused(admin: httpx.Client) -> None:
    admin.put("/api/v1/pcs/licence", json={"licence": "elite"})
    admin.put("/api/v1/pcs/templates/t", json=NODE)
    refused = admin.post(
        "/api/v1/pcs/batches", json={"template": "t", "csv": "serial\n0000000000000009\n"}
    )
    assert refused.status_code == 404
    assert "not in the device registry" in refused.json()["error"]


def test_an_interrupted_batch_is_marked_on_the_next_start(
    web: WebServer, admin: httpx.Client
) -> None:
    from openpcs.web.store.schema import BATCH_NODES, BATCHES

    with web.gateway.engine.begin() as connection:
        batch_id = connection.execute(
            BATCHES.insert().values(
                created_at=__import__("datetime").datetime.now(__import__("datetime").UTC),
                made_by="admin",
                template_name="t",
                template_version=1,
                state="running",
                total=2,
                message="",
            )
        ).inserted_primary_key[0]
        for position, state in enumerate(["done", "running"]):
            connection.execute(
                BATCH_NODES.insert().values(
                    batch_id=batch_id, position=position, serial=f"{position:016X}", state=state
                )
            )
    services = web.server.config.app.state.web
    assert services.batches.recover() == 1
    assert admin.get("/api/v1/pcs/batches").json()[0]["state"] == "interrupted"
    nodes = admin.get(f"/api/v1/pcs/batches/{batch_id}").json()["nodes"]
    assert [node["state"] for node in nodes] == ["done", "interrupted"]
    page = admin.get(f"/batches/{batch_id}").text  # the page says why it stopped
    assert '<span id="batch-message" >: the server stopped before this batch finished' in page
    assert page.count('class="failed"') == 1


# --- the form ----------------------------------------------------------------------------------


def test_every_form_input_sets_a_configuration_field(admin: httpx.Client) -> None:
    page = admin.get("/configure").text
    page = page[page.index('<form id="node-form"') : page.index("</form>", page.index("node-form"))]
    names = set(re.findall(r'name="([a-z_][a-z0-9_.]*)"', page)) - {"csrf_token"}
    assert {"serial", "model", "radio.app_key", "sleep.minutes", "encryption.key"} <= names
    for name in names:
        assert names_a_config_field(name), name


def test_the_form_page_escapes_what_it_embeds(admin: httpx.Client) -> None:
    admin.post(
        "/api/v1/pcs/devices",
        json={"serial": SERIAL, "name": "</script><b>x", "model": "smart_agriculture"},
    )
    page = admin.get(f"/configure?serial={SERIAL}").text
    assert "</script><b>" not in page
