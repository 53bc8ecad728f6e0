"""Web test fixtures: a gateway with the web application on loopback, and signed-in clients."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from openpcs.config.model import NodeConfig
from openpcs.config.schema_walk import model_at
from openpcs.web.app import create_web_app
from openpcs.web.services import ADMIN_PASSWORD_FILE
from tests.gateway.conftest import make_settings, store_url  # noqa: F401  (the store fixture)
from tests.gateway.running import RunningGateway
from tests.requirements import skip_or_fail


def names_a_config_field(name: str) -> bool:
    """Whether a form input's name is the path of a :class:`NodeConfig` field (an item of a
    list field, ``battery_warning.thresholds.0``, counts as its list)."""
    parts: tuple[str | int, ...] = tuple(int(p) if p.isdigit() else p for p in name.split("."))
    while parts and isinstance(parts[-1], int):
        parts = parts[:-1]
    owners = model_at(NodeConfig, parts[:-1])
    return any(parts[-1] in owner.model_fields for owner in owners)


ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "web"
CHROMIUM = os.environ.get("OPENPCS_TEST_CHROMIUM", "/usr/bin/chromium")


class WebServer(RunningGateway):
    """A running gateway serving the web application, with its first admin's password."""

    @property
    def admin_password(self) -> str:
        """The first admin account's password, as written to the data folder."""
        return (self.settings.data_dir / ADMIN_PASSWORD_FILE).read_text().strip()

    def session(self, username: str = "admin", password: str | None = None) -> httpx.Client:
        """A client signed in through the login form, sending its CSRF token on changes."""
        client = httpx.Client(base_url=self.url, timeout=60, follow_redirects=False)
        page = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token is not None
        answer = client.post(
            "/login",
            data={
                "username": username,
                "password": password or self.admin_password,
                "csrf_token": token.group(1),
                "next": "/devices",
            },
        )
        assert answer.status_code == 303, answer.text
        assert answer.headers["location"] == "/devices", "wrong username or password"
        devices = client.get("/devices")
        csrf = re.search(r'<meta name="csrf-token" content="([^"]+)"', devices.text)
        assert csrf is not None
        client.headers["X-CSRF-Token"] = csrf.group(1)
        return client


@pytest.fixture
def web(tmp_path: Path) -> Iterator[WebServer]:
    """The web application on SQLite, on loopback, no TCP listener needed."""
    settings = make_settings(tmp_path, tcp={"enabled": False})
    server = WebServer(settings, create_web_app)
    yield server
    server.stop()


@pytest.fixture
def admin(web: WebServer) -> Iterator[httpx.Client]:
    """A client signed in as the first admin."""
    client = web.session()
    yield client
    client.close()


@pytest.fixture
def page(web: WebServer) -> Iterator[Any]:
    """A browser page (Chromium, through Playwright) on the web application."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        skip_or_fail(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    with playwright_api.sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path=CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"),
            headless=True,
            args=["--no-sandbox"],
        )
        context = browser.new_context(
            accept_downloads=True, viewport={"width": 1280, "height": 900}
        )
        context.set_default_timeout(20_000)
        yield context.new_page()
        context.close()
        browser.close()
