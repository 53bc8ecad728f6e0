"""Reproductions of attacks on the web application, each refused: text sent to the server
never reads its environment, secrets or files, and a name cannot turn a link into another one.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import httpx
import pytest

from tests.web.conftest import WebServer

CANARY = "canary-value-8d1f"
TEMPLATE_YAML = """\
model: smart_environment_pro
sockets: {{A: gas_co}}
radio:
  type: 4g
  region: eu_br
  apn: {tag}
destination: {{type: http, host: gateway.example.org, port: 8080, path: /p}}
"""


def import_template(client: httpx.Client, name: str, text: str) -> httpx.Response:
    return client.put(f"/api/v1/pcs/templates/{name}/yaml", content=text.encode())


# --- escalation through template import -------------------------------------------------------


@pytest.mark.parametrize("tag", ["!env OPENPCS_TEST_CANARY", "!file /etc/hostname"])
def test_template_import_never_reads_the_servers_environment_or_files(
    admin: httpx.Client, monkeypatch: pytest.MonkeyPatch, tag: str
) -> None:
    monkeypatch.setenv("OPENPCS_TEST_CANARY", CANARY)
    answer = import_template(admin, "field", TEMPLATE_YAML.format(tag=tag))
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert tag.split(maxsplit=1)[0] in error
    assert "not read from text sent to the server" in error
    assert "radio.apn" in error
    assert admin.get("/api/v1/pcs/templates").json() == []


def test_template_import_through_the_page_never_reads_the_environment(
    admin: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENPCS_TEST_CANARY", CANARY)
    text = TEMPLATE_YAML.format(tag="!env OPENPCS_TEST_CANARY")
    answer = admin.post(
        "/templates/import",
        data={"name": "field"},
        files={"file": ("t.yaml", text.encode(), "application/yaml")},
    )
    assert answer.status_code == 303
    assert "error=" in answer.headers["location"]
    assert admin.get("/api/v1/pcs/templates").json() == []


def test_a_secret_reference_stays_a_placeholder_and_is_exported_as_one(
    admin: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENPCS_SECRET_SITE_APN", CANARY)
    answer = import_template(admin, "field", TEMPLATE_YAML.format(tag="!secret site_apn"))
    assert answer.status_code == 200, answer.text
    stored = admin.get("/api/v1/pcs/templates/field").json()
    assert CANARY not in str(stored)
    assert stored["placeholders"] == {"radio.apn": "site_apn"}
    exported = admin.get("/api/v1/pcs/templates/field/yaml").text
    assert CANARY not in exported
    assert re.search(r"apn: !secret '?site_apn'?\n", exported), exported
    assert exported.index("model:") < exported.index("radio:"), "the file's order is kept"


def test_the_form_check_reads_its_document_as_data(admin: httpx.Client) -> None:
    """Characters outside the BMP survive (the JSON was once re-read as YAML, and an emoji
    became two lone surrogates), and a key over 1,024 characters is a named error."""
    document = {
        "model": "smart_environment_pro",
        "node_name": "\U0001f600",
        "sockets": {"A": "gas_co"},
    }
    answer = admin.post("/api/v1/pcs/check", json=document)
    assert answer.status_code == 200, answer.text
    assert not [e for e in answer.json()["errors"] if e["path"] == "node_name"]
    long_key = admin.post("/api/v1/pcs/check", json=document | {"k" * 1100: 1})
    assert long_key.status_code in (200, 400), long_key.text
    assert "k" * 1100 not in long_key.text


def test_a_lone_surrogate_is_refused_before_it_is_stored(admin: httpx.Client) -> None:
    admin.post("/api/v1/pcs/devices", json={"serial": "1A2B3C4D5E6F7081", "model": "smart_water"})
    first = {"model": "smart_water", "node_name": "tank"}
    assert admin.put("/api/v1/pcs/devices/1A2B3C4D5E6F7081/config", json=first).status_code == 200
    body = '{"model": "smart_water", "node_name": "\\ud800"}'
    answer = admin.put(
        "/api/v1/pcs/devices/1A2B3C4D5E6F7081/config",
        content=body,
        headers={"content-type": "application/json"},
    )
    assert answer.status_code == 400, answer.text
    assert answer.json()["path"] == "node_name"
    saved = admin.get("/api/v1/pcs/devices/1A2B3C4D5E6F7081/config")
    assert saved.status_code == 200
    assert saved.json()["node_name"] == "tank"
    assert admin.get("/api/v1/pcs/devices/1A2B3C4D5E6F7081").status_code == 200


# --- confused deputy through names ------------------------------------------------------------


@pytest.mark.parametrize("name", ["../users/victim", "a/b", "..", ".hidden", "x" * 65, "tab\there"])
def test_template_names_are_restricted(admin: httpx.Client, name: str) -> None:
    answer = admin.put(
        "/api/v1/pcs/templates/" + quote(name, safe=""),
        json={"model": "smart_water", "sockets": {}},
    )
    assert answer.status_code in (400, 404), answer.text
    page = admin.post(
        "/templates/import",
        data={"name": name},
        files={"file": ("t.yaml", b"model: smart_water\n", "application/yaml")},
    )
    assert "error=" in page.headers["location"]
    assert admin.get("/api/v1/pcs/templates").json() == []


def test_a_template_page_link_posts_to_its_own_template(
    web: WebServer, admin: httpx.Client
) -> None:
    """Every action on the templates page is built from the name as one path segment."""
    saved = admin.put("/api/v1/pcs/templates/Field 2.v1", json={"model": "smart_water"})
    assert saved.status_code == 200, saved.text
    page = admin.get("/templates").text
    actions = set(re.findall(r'(?:action|href)="(/templates/[^"?]*)', page))
    assert actions == {
        "/templates/Field%202.v1/export.yaml",
        "/templates/Field%202.v1/rename",
        "/templates/Field%202.v1/delete",
        "/templates/import",
    }


@pytest.mark.parametrize("name", ["..", "../admin", "a/b", "-x", "x" * 65])
def test_account_and_token_names_are_restricted(admin: httpx.Client, name: str) -> None:
    made = admin.post("/api/v1/pcs/users", json={"username": name, "password": "a long password 1"})
    assert made.status_code == 400, made.text
    token = admin.post("/tokens", data={"name": name, "scope": "read"})
    assert token.status_code == 303
    assert "error=" in token.headers["location"]
    assert "openpcs_new_token" not in token.headers.get("set-cookie", "")


def test_account_page_links_are_built_from_segments(web: WebServer, admin: httpx.Client) -> None:
    made = admin.post(
        "/api/v1/pcs/users", json={"username": "ann lee", "password": "a long password 1"}
    )
    assert made.status_code == 201, made.text
    token = admin.post("/tokens", data={"name": "night script", "scope": "read"})
    cookie = token.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    page = admin.get("/account").text
    assert 'action="/users/ann%20lee/delete"' in page
    assert 'action="/tokens/night%20script/revoke"' in page


def test_a_batch_template_name_with_a_nul_is_refused(admin: httpx.Client) -> None:
    answer = admin.post("/api/v1/pcs/batches", json={"template": "a\x00b", "serials": ["1"]})
    assert answer.status_code == 400, answer.text
    assert answer.json()["path"] == "template"


def test_http_basic_credentials_do_not_act_on_the_web_application(web: WebServer) -> None:
    """A browser that once opened ``https://x:<token>@host/`` sends those credentials by
    itself, also on a form another site posts: the web application takes tokens only from
    headers a browser never adds on its own (the gateway's query API still takes Basic)."""
    basic = httpx.BasicAuth("x", web.admin_token)
    with httpx.Client(base_url=web.url, timeout=60, auth=basic) as forged:
        page = forged.post("/users", data={"username": "mallory", "password": "a-long-password-1"})
        api = forged.post(
            "/api/v1/pcs/users", json={"username": "mallory", "password": "a-long-password-1"}
        )
        looked = forged.get("/api/v1/pcs/devices")
        queried = forged.get("/api/v1/devices")
    assert page.status_code == 303
    assert page.headers["location"].startswith("/login")
    assert api.status_code == looked.status_code == 401
    assert "not HTTP Basic" in api.json()["error"]
    assert queried.status_code == 200
    with web.client() as admin:
        names = [user["username"] for user in admin.get("/api/v1/pcs/users").json()]
    assert "mallory" not in names
