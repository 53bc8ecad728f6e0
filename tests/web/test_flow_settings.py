"""Browser flow "a binary, or a clear reason": without an API folder the configure page says the
download holds sources and links an admin to the settings page; there the admin sees the
toolchain check, is refused folders that are not API trees (nothing of them echoed), sets one,
runs a test build, and the configure page then offers the binary. At 1280 px and at 390 px.
Also: who may see the page, and which folder wins."""

from __future__ import annotations

import html
import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import httpx
import pytest

from openpcs.program.api_tree import API_DIR_ENV
from openpcs.program.cache import CACHE_DIR_ENV
from openpcs.web.build_settings import NO_BINARY_ON_SERVER
from tests.program.fake_tree import write_fake_tree
from tests.web.conftest import WebServer
from tests.web.test_api import NODE, register
from tests.web.test_e2e import shot, sign_in


@pytest.fixture(autouse=True)
def _no_api_in_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(API_DIR_ENV, raising=False)
    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path / "build-cache"))


def _set_folder(page: Any, web: WebServer, folder: str) -> str:
    page.fill("#api-dir", folder)
    with page.expect_navigation():
        page.click('button:has-text("Use this folder")')
    notice = str(page.text_content("main .notice"))
    if "error" in str(page.get_attribute("main .notice", "class")):
        assert page.input_value("#api-dir") == folder  # kept to correct, not typed again
    else:
        assert page.url.startswith(f"{web.url}/settings?")
    return notice


@pytest.mark.usefixtures("avr_toolchain")
@pytest.mark.parametrize("width", [1280, 390])
def test_flow_an_admin_sets_the_api_folder_and_gets_binaries(
    web: WebServer, page: Any, tmp_path: Path, width: int
) -> None:
    flow = f"settings-{width}"
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, web, flow)
    assert page.text_content("#compile") == "Compile and Download Sources"
    note = page.locator("#no-binary")
    assert "no Waspmote API folder is set" in str(note.text_content())
    assert "--api-dir" not in str(note.text_content())  # no command-line talk on a page
    shot(page, flow, "02-sources-only")
    note.locator('a:has-text("settings page")').click()
    page.wait_for_url(f"{web.url}/settings")

    rows = page.locator("#checks tbody tr")
    assert "found" in str(rows.nth(0).text_content())  # the compiler
    assert "avr-libc" in str(rows.nth(1).text_content())
    assert "missing" in str(rows.nth(2).text_content())  # no API folder yet
    assert page.text_content("#api-dir-in-use") == "none"
    page.click("#run-test-build")  # nothing to build with yet: said as such, not as a failure
    assert str(page.text_content("#test-result td:nth-child(2)")) == "not run"
    shot(page, flow, "03-settings")

    assert "full path" in _set_folder(page, web, "relative/folder")
    secret = tmp_path / "not-a-tree"
    secret.mkdir()
    (secret / "notes.txt").write_text("the-contents-of-a-server-file", encoding="utf-8")
    refused = _set_folder(page, web, str(secret))
    assert "not a Waspmote API tree" in refused
    assert "the-contents-of-a-server-file" not in page.content()
    assert "no such directory" in _set_folder(page, web, "/etc/passwd")
    assert "root:" not in page.content()
    assert page.text_content("#api-dir-in-use") == "none"  # nothing refused was kept
    assert page.locator('button:has-text("Forget")').count() == 0  # nor offered to forget
    shot(page, flow, "04-refused")

    tree = write_fake_tree(tmp_path / "api")
    assert "builds now use the Waspmote API" in _set_folder(page, web, str(tree))
    assert page.text_content("#api-dir-in-use") == str(tree.resolve())
    assert "found" in str(rows.nth(2).text_content())
    assert "WASPMOTE_API_VERSION 99" in str(rows.nth(2).text_content())
    assert "its release is not recorded in the folder" in str(rows.nth(2).text_content())

    page.click("#run-test-build")
    page.wait_for_selector("#test-result")
    result = str(page.text_content("#test-result"))
    assert "passed" in result, result
    assert "bytes of flash" in result
    shot(page, flow, "05-test-build")
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 1

    page.goto(f"{web.url}/configure")
    assert page.text_content("#compile") == "Compile and Download Binary"
    assert page.locator("#no-binary").count() == 0


def test_the_settings_page_is_for_admins(
    web: WebServer, admin: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(web.server.config.app.state.web.build, "configured", "/srv/no-api-here")
    assert admin.post("/users", data={"username": "ursula", "password": "a-long-password-1"})
    user = web.session("ursula", "a-long-password-1")
    assert user.get("/settings").status_code == 403
    refused = user.post("/settings/api-dir", data={"api_dir": "/tmp"})
    assert refused.status_code == 403
    assert user.post("/settings/test-build").status_code == 403
    configure = user.get("/configure").text
    user.close()
    assert 'href="/settings"' not in configure  # neither in the navigation nor in the note
    assert "An admin sets the Waspmote API folder" in configure
    assert "/srv/no-api-here" not in configure  # a server path is for admins only
    for_admin = admin.get("/configure").text
    assert 'href="/settings"' in for_admin
    assert "/srv/no-api-here: no such directory" in for_admin


def test_the_folder_set_on_the_page_wins_and_can_be_forgotten(
    web: WebServer, admin: httpx.Client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from_environment = write_fake_tree(tmp_path / "from-env")
    monkeypatch.setenv(API_DIR_ENV, str(from_environment))
    page = admin.get("/settings").text
    assert f"{API_DIR_ENV} in the server&#39;s environment" in page

    chosen = write_fake_tree(tmp_path / "chosen")
    answer = admin.post("/settings/api-dir", data={"api_dir": f"  {chosen}  "})
    assert answer.status_code == 303
    assert "ok=" in answer.headers["location"]
    services = web.server.config.app.state.web
    assert services.build.api_folder().path == str(chosen)
    builder = services.builder().builder
    assert builder is not None
    assert builder.tree.root == chosen.resolve()

    answer = admin.post("/settings/api-dir/forget")
    assert "builds use" in httpx.URL(answer.headers["location"]).params["ok"]
    assert services.build.api_folder().path == str(from_environment)
    assert services.builder().builder.tree.root == from_environment.resolve()


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("", "give the folder"),
        ("a" * 300, "at most 256"),
        ("/tmp/\x07bell", "control characters"),
        ("/" + "é" * 200, "cannot be read"),  # 201 characters, 401 bytes: too long a name
    ],
)
def test_bad_folder_text_is_refused_by_name(
    web: WebServer, admin: httpx.Client, typed: str, said: str
) -> None:
    answer = admin.post("/settings/api-dir", data={"api_dir": typed})
    assert answer.status_code == 422, answer.text
    notice = re.search(r'<p class="notice error" role="alert">([^<]*)</p>', answer.text)
    assert notice is not None
    message = html.unescape(notice.group(1))
    assert not message.startswith("api_dir")  # a page says it beside the field, in words
    assert said in message
    field = re.search(r'<input name="api_dir" id="api-dir"[^>]* value="([^"]*)"', answer.text)
    assert field is not None
    assert html.unescape(field.group(1)) == typed  # there to correct
    assert web.server.config.app.state.web.build.stored() is None


def test_an_unreadable_folder_in_use_is_said_not_a_server_error(
    web: WebServer, admin: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder from the settings file that the file system refuses (here a name too long for
    it) is named with why on the settings page, and the configure page still answers."""
    services = web.server.config.app.state.web
    monkeypatch.setattr(services.build, "configured", "/" + "é" * 200)
    page = admin.get("/settings")
    assert page.status_code == 200
    assert "cannot be read (File name too long)" in page.text
    answer = admin.post("/settings/test-build")
    assert answer.status_code in (200, 303)
    configure = admin.get("/configure")
    assert configure.status_code == 200
    assert "cannot be read" in configure.text
    # the bundle's manifest travels with whoever built it: it says why, naming no server path
    register(admin)
    made = admin.post("/api/v1/pcs/program", json=NODE)
    assert made.status_code == 200, made.text
    bundle = zipfile.ZipFile(io.BytesIO(made.content))
    assert json.loads(bundle.read("manifest.json"))["binary"]["reason"] == NO_BINARY_ON_SERVER
    for name in bundle.namelist():
        assert "é" * 20 not in bundle.read(name).decode("utf-8", errors="replace"), name
