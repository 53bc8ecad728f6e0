"""Firmware holds nodes' keys: who may download a bundle or a batch zip, the record of every
download, and the files sealed at rest."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text, update

from openpcs.web.sealed_files import open_file, seal_stored_files
from openpcs.web.store.schema import PROGRAMS
from tests.web.conftest import WebServer
from tests.web.test_api import NODE, SERIAL, register, wait_batch
from tests.web.test_e2e import shot, sign_in

APP_KEY = NODE["radio"]["app_key"]


@pytest.fixture
def built(web: WebServer, admin: httpx.Client) -> int:
    """A bundle the admin made for a registered node; its id."""
    register(admin)
    made = admin.post("/api/v1/pcs/program", json=NODE)
    assert made.status_code == 200, made.text
    history = admin.get(f"/api/v1/pcs/devices/{SERIAL}/programs").json()
    return int(history[0]["id"])


def other_user(web: WebServer, admin: httpx.Client) -> httpx.Client:
    made = admin.post(
        "/api/v1/pcs/users", json={"username": "bob", "password": "a long password 1"}
    )
    assert made.status_code == 201, made.text
    return web.session("bob", "a long password 1")


def test_a_bundle_goes_to_its_maker_and_admins_only(
    web: WebServer, admin: httpx.Client, built: int, caplog: pytest.LogCaptureFixture
) -> None:
    path = f"/api/v1/pcs/programs/{built}/bundle"
    reader = web.client(web.gateway.tokens.create("viewer", "read"))
    bob = other_user(web, admin)
    with caplog.at_level(logging.INFO, logger="openpcs.web.downloads"):
        assert reader.get(path).status_code == 403
        assert bob.get(path).status_code == 403
        assert bob.get(f"/programs/{built}/bundle").status_code == 403
        assert admin.get(path).status_code == 200
        assert web.client().get(path).status_code == 200  # the admin token
    refused = [r for r in caplog.records if "refused" in r.getMessage()]
    downloaded = [r for r in caplog.records if "downloaded" in r.getMessage()]
    assert [r.getMessage().split()[0] for r in refused] == ["token:read", "bob", "bob"]
    assert [r.getMessage().split()[0] for r in downloaded] == ["admin", "token:admin"]
    assert all(f"device {SERIAL}" in r.getMessage() for r in caplog.records)
    assert APP_KEY not in caplog.text
    # the device page links the bundle for those who may download it only
    assert f"/programs/{built}/bundle" in admin.get(f"/devices/{SERIAL}").text
    assert f"/programs/{built}/bundle" not in bob.get(f"/devices/{SERIAL}").text
    reader.close()
    bob.close()


def test_the_device_page_says_how_to_put_the_last_binary_on_the_node(
    web: WebServer, admin: httpx.Client, built: int
) -> None:
    page = admin.get(f"/devices/{SERIAL}").text
    assert "holds no binary (built source only)" in page  # no Waspmote API here
    assert "openpcs upload" not in page
    with web.gateway.engine.begin() as connection:
        connection.execute(update(PROGRAMS).values(has_hex=True))
        name = connection.execute(select(PROGRAMS.c.bundle_name)).scalar_one()
    page = admin.get(f"/devices/{SERIAL}").text
    section = page[page.index('<section id="upload">') :]
    assert f"<code>openpcs upload {name}</code>" in section
    assert f'href="/programs/{built}/bundle"' in section
    bob = other_user(web, admin)
    theirs = bob.get(f"/devices/{SERIAL}").text
    section = theirs[theirs.index('<section id="upload">') :]
    assert f"Its maker or an admin downloads {name}" in section
    assert f"/programs/{built}/bundle" not in section
    bob.close()
    # a newer build without a binary: said, and the older one's command still given
    assert admin.post("/api/v1/pcs/program", json=NODE).status_code == 200
    page = admin.get(f"/devices/{SERIAL}").text
    section = page[page.index('<section id="upload">') :]
    assert "holds no binary (built source only)" in section
    assert "An older build, of " in section
    assert f"<code>openpcs upload {name}</code>" in section


def test_a_user_downloads_what_the_user_made(web: WebServer, admin: httpx.Client) -> None:
    register(admin)
    bob = other_user(web, admin)
    made = bob.post("/api/v1/pcs/program", json=NODE)
    assert made.status_code == 200, made.text
    history = bob.get(f"/api/v1/pcs/devices/{SERIAL}/programs").json()
    assert history[0]["made_by"] == "bob"
    assert bob.get(f"/api/v1/pcs/programs/{history[0]['id']}/bundle").content == made.content
    assert admin.get(f"/api/v1/pcs/programs/{history[0]['id']}/bundle").status_code == 200
    bob.close()


def test_a_batch_zip_goes_to_its_starter_and_admins_only(
    web: WebServer, admin: httpx.Client
) -> None:
    assert admin.put("/api/v1/pcs/licence", json={"licence": "elite"}).status_code == 200
    register(admin)
    template = {k: v for k, v in NODE.items() if k not in ("serial", "node_name")}
    assert admin.put("/api/v1/pcs/templates/field", json=template).status_code == 200
    nodes = f"serial,name,radio.app_key,radio.dev_eui\n{SERIAL},n1,{APP_KEY},0004A30B001C0530\n"
    started = admin.post("/api/v1/pcs/batches", json={"template": "field", "csv": nodes})
    assert started.status_code == 202, started.text
    batch = wait_batch(admin, started.json()["id"])
    assert batch["state"] == "done", batch
    path = f"/api/v1/pcs/batches/{batch['id']}/zip"
    bob = other_user(web, admin)
    assert bob.get(path).status_code == 403
    assert bob.get(f"/batches/{batch['id']}/zip").status_code == 403
    assert "/zip" not in bob.get(f"/batches/{batch['id']}").text
    assert admin.get(path).status_code == 200
    with web.gateway.engine.connect() as connection:
        stored = connection.execute(text("SELECT archive FROM batches")).scalar_one()
    assert not bytes(stored).startswith(b"PK")
    assert APP_KEY.encode() not in bytes(stored)
    bob.close()


def test_bundles_are_sealed_at_rest_and_old_ones_sealed_at_start(
    web: WebServer, admin: httpx.Client, built: int
) -> None:
    engine, box = web.gateway.engine, web.gateway.box
    with engine.connect() as connection:
        stored = bytes(connection.execute(select(PROGRAMS.c.bundle)).scalar_one())
    assert not stored.startswith(b"PK")
    bundle = open_file(box, stored)
    assert bundle.startswith(b"PK")
    # a bundle stored before sealing began (a plain zip) is still served, and sealed at start
    with engine.begin() as connection:
        connection.execute(update(PROGRAMS).values(bundle=bundle))
    assert admin.get(f"/api/v1/pcs/programs/{built}/bundle").content == bundle

    assert seal_stored_files(engine, box) == 1
    assert seal_stored_files(engine, box) == 0
    with engine.connect() as connection:
        resealed = bytes(connection.execute(select(PROGRAMS.c.bundle)).scalar_one())
    assert open_file(box, resealed) == bundle
    assert not resealed.startswith(b"PK")


@pytest.mark.parametrize("row_id", [2**63, 2**64, 10**30])
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/pcs/programs/{}/bundle",
        "/api/v1/pcs/batches/{}",
        "/api/v1/pcs/batches/{}/zip",
        "/programs/{}/bundle",
        "/batches/{}",
        "/batches/{}/zip",
    ],
)
def test_ids_beyond_64_bits_are_refused(admin: httpx.Client, path: str, row_id: int) -> None:
    answer = admin.get(path.format(row_id))
    assert 400 <= answer.status_code < 500, answer.text


def test_the_upload_command_fits_a_phone(
    web: WebServer, admin: httpx.Client, built: int, page: Any
) -> None:
    """The command names a long bundle file; on a 390 px screen it wraps, the page does not
    scroll sideways."""
    with web.gateway.engine.begin() as connection:
        connection.execute(update(PROGRAMS).values(has_hex=True))
        name = connection.execute(select(PROGRAMS.c.bundle_name)).scalar_one()
    page.set_viewport_size({"width": 390, "height": 900})
    sign_in(page, web, "upload-390")
    page.goto(f"{web.url}/devices/{SERIAL}")
    shot(page, "upload-390", "device")
    assert f"openpcs upload {name}" in (page.text_content("#upload pre") or "")
    assert page.evaluate("document.documentElement.scrollWidth") <= 391
