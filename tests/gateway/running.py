"""A gateway running in a thread of the test process, on real loopback sockets."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from openpcs.gateway.api.app import create_app
from openpcs.gateway.runtime import ADMIN_TOKEN_FILE, Gateway
from openpcs.gateway.settings import GatewaySettings

_START_S = 20.0


def wait_for(condition: Callable[[], Any], timeout: float = 15.0, step: float = 0.05) -> Any:
    """Poll ``condition`` until it gives something true; fail the test after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting after {timeout} s: last result {result!r}")
        time.sleep(step)


class RunningGateway:
    """Starts a :class:`Gateway` behind uvicorn in a thread; ``stop`` shuts it down cleanly."""

    def __init__(
        self, settings: GatewaySettings, app_factory: Callable[[Gateway], Any] = create_app
    ) -> None:
        self.settings = settings
        self.gateway = Gateway(settings)
        self.gateway.open()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.port = int(sock.getsockname()[1])
        config = uvicorn.Config(
            app_factory(self.gateway),
            loop="asyncio",
            lifespan="on",
            access_log=False,
            log_level="warning",
            log_config=None,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [sock]}, daemon=True
        )
        self.thread.start()
        wait_for(lambda: self.server.started or not self.thread.is_alive(), _START_S)
        if not self.server.started:
            raise RuntimeError("the test gateway did not start")
        self.url = f"http://127.0.0.1:{self.port}"
        token_file = settings.data_dir / ADMIN_TOKEN_FILE
        self.admin_token = token_file.read_text().strip() if token_file.exists() else None

    @property
    def tcp_port(self) -> int:
        """The TCP ingest port."""
        return self.gateway.ports["tcp"]

    def client(self, token: str | None = "admin") -> httpx.Client:
        """An HTTP client for the gateway; ``token="admin"`` sends the admin token."""
        headers = {}
        if token == "admin":
            token = self.admin_token
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)

    def get(self, path: str, **params: Any) -> Any:
        """GET a query route with the admin token; the JSON answer (asserting 200)."""
        with self.client() as client:
            response = client.get(path, params=params)
        assert response.status_code == 200, response.text
        return response.json()

    def readings(self, **params: Any) -> list[dict[str, Any]]:
        """Every reading the query API returns for these filters (following pages)."""
        found: list[dict[str, Any]] = []
        after = None
        while True:
            page = self.get(
                "/api/v1/readings", limit=1000, **params, **({"after": after} if after else {})
            )
            found += page["items"]
            after = page["next"]
            if after is None:
                return found

    def stop(self) -> None:
        """Shut the server and the gateway down."""
        self.server.should_exit = True
        self.thread.join(30)


def start_serve(data_dir: Path, *flags: str) -> tuple[subprocess.Popen[bytes], dict[str, Any]]:
    """``openpcs serve`` in a process of its own on ``data_dir``, on any free ports (HTTP,
    HTTPS, TCP), with ``flags`` more; the process and its ``gateway.json`` once it is up."""
    state_file = data_dir / "gateway.json"
    state_file.unlink(missing_ok=True)
    ports = ("--port", "0", "--https-port", "0", "--tcp-port", "0", "--log-level", "warning")
    process = subprocess.Popen(
        [*(sys.executable, "-m", "openpcs", "serve", "--data-dir", str(data_dir)), *ports, *flags],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )

    def ready() -> dict[str, Any] | None:
        if process.poll() is not None:
            said = process.stderr.read().decode() if process.stderr else ""
            raise AssertionError(f"the gateway exited: {said}")
        if not state_file.exists():
            return None
        state: dict[str, Any] = json.loads(state_file.read_text())
        return state if state.get("pid") == process.pid else None

    return process, wait_for(ready, timeout=30)
