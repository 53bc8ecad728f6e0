"""Running the gateway: one asyncio process (uvicorn) serving HTTP, with the other listeners.

The HTTP socket is bound before the server starts, so that its port is known (``--port 0``
asks for any free one) and written, with the other listeners' ports, to ``gateway.json`` in
the data folder for tools and tests to find.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import sys
from collections.abc import Callable
from typing import Final

import uvicorn
from starlette.types import ASGIApp

from openpcs.gateway.api.app import create_app
from openpcs.gateway.runtime import Gateway
from openpcs.gateway.settings import GatewaySettings

__all__ = ["STATE_FILE", "ListenError", "serve"]

STATE_FILE: Final = "gateway.json"
_LOG_FORMAT: Final = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class ListenError(OSError):
    """The HTTP address cannot be listened on (a port in use, an address not of this host)."""


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ListenError(exc.errno, f"{host}:{port}: {exc.strerror or exc}") from None
    sock.set_inheritable(True)
    return sock


def _loop_name() -> str:
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return "asyncio"
    return "uvloop"


class _Server(uvicorn.Server):
    """uvicorn's server, writing the state file once every listener is up."""

    def __init__(self, config: uvicorn.Config, gateway: Gateway, http_port: int) -> None:
        super().__init__(config)
        self.gateway = gateway
        self.http_port = http_port

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        """Start as uvicorn does, then record where everything listens."""
        await super().startup(sockets)
        settings = self.gateway.settings
        state = {
            "pid": os.getpid(),
            "http": {"host": settings.http.host, "port": self.http_port},
            **{name: {"port": port} for name, port in self.gateway.ports.items()},
        }
        path = settings.data_dir / STATE_FILE
        path.write_text(json.dumps(state, indent=2) + "\n", encoding="utf-8")
        logging.getLogger("openpcs.gateway").info(
            "listening: http %s:%d%s",
            settings.http.host,
            self.http_port,
            "".join(f", {name} port {port}" for name, port in self.gateway.ports.items()),
        )


def serve(
    settings: GatewaySettings, app_factory: Callable[[Gateway], ASGIApp] = create_app
) -> None:
    """Open the store and run the gateway until interrupted (SIGINT/SIGTERM stop it cleanly).

    ``app_factory`` builds the HTTP application around the opened gateway (the command
    passes the web application's, which serves the gateway's routes too).

    Raises :class:`openpcs.gateway.store.database.StoreError` (the store or the data folder
    cannot be used) and :class:`ListenError` (a port in use) before anything is started.
    """
    logging.basicConfig(level=settings.log_level.upper(), format=_LOG_FORMAT, stream=sys.stderr)
    logging.getLogger("sqlalchemy").setLevel(logging.WARNING)
    # httpx logs every request's URL at INFO, and a webhook URL may carry its key
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    gateway = Gateway(settings)
    gateway.open()
    sock = _bind(settings.http.host, settings.http.port)
    port = int(sock.getsockname()[1])
    config = uvicorn.Config(
        app_factory(gateway),
        loop=_loop_name(),
        http="httptools",
        lifespan="on",
        access_log=False,
        server_header=False,
        log_level=settings.log_level,
        timeout_graceful_shutdown=10,
        log_config=None,
    )
    server = _Server(config, gateway, port)
    server.run(sockets=[sock])
