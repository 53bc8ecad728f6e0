"""Running the gateway: one asyncio process (uvicorn) serving HTTP and HTTPS, with the other
listeners.

The HTTP and HTTPS sockets are bound before the servers start, so that their ports are known
(``--port 0`` asks for any free one) and written, with the other listeners' ports, to
``gateway.json`` in the data folder for tools and tests to find, once all are up.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import socket
import sys
from collections.abc import Callable, Generator
from typing import Any, Final

import uvicorn
from starlette.types import ASGIApp

from openpcs.gateway.api.app import create_app
from openpcs.gateway.collector import settle_collector
from openpcs.gateway.runtime import Gateway
from openpcs.gateway.settings import GatewaySettings
from openpcs.gateway.tls_files import ensure

__all__ = ["STATE_FILE", "ListenError", "serve"]

STATE_FILE: Final = "gateway.json"
_LOG_FORMAT: Final = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class ListenError(OSError):
    """The HTTP address cannot be listened on (a port in use, an address not of this host)."""


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP named: asyncio turns Nagle's algorithm off (TCP_NODELAY) only on sockets
    # that say they are TCP, and an answer's head and body are two writes; with Nagle on, the
    # body waits for the client's delayed ACK (40 ms a request on Linux)
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ListenError(exc.errno, f"{host}:{port}: {exc.strerror or exc}") from None
    sock.set_inheritable(True)
    return sock


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's event loop where it is installed (every listener runs on the loop made here:
    uvicorn's own ``loop`` setting only applies when uvicorn starts the loop itself)."""
    try:
        import uvloop
    except ImportError:
        return None
    factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
    return factory


class _Listener(uvicorn.Server):
    """A uvicorn server whose signals :func:`_serve_all` takes: it stops the listeners in
    order (the application's last), where each uvicorn server would stop only itself."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        """The signals are :func:`_serve_all`'s."""
        yield


def _state(settings: GatewaySettings, gateway: Gateway, ports: dict[str, int]) -> None:
    """Record where everything listens (``gateway.json``) and say it."""
    state: dict[str, Any] = {"pid": os.getpid()}
    if "http" in ports:
        state["http"] = {"host": settings.http.host, "port": ports["http"]}
    if "https" in ports:
        state["https"] = {"host": settings.https.host, "port": ports["https"]}
    state |= {name: {"port": port} for name, port in gateway.ports.items()}
    # whole or not at all: tools read it as soon as it is there
    path = settings.data_dir / STATE_FILE
    written = path.with_suffix(".json.new")
    written.write_text(json.dumps(state, indent=2) + "\n", encoding="utf-8")
    os.replace(written, path)
    listening = [f"{name} {state[name]['host']}:{port}" for name, port in ports.items()]
    listening += [f"{name} port {port}" for name, port in gateway.ports.items()]
    logging.getLogger("openpcs.gateway").info("listening: %s", ", ".join(listening))


async def _until(condition: Callable[[], bool], tasks: list[asyncio.Future[None]]) -> None:
    """Wait until ``condition`` holds or one of ``tasks`` has ended."""
    while not condition() and not any(task.done() for task in tasks):
        await asyncio.sleep(0.05)


async def _serve_all(
    listeners: list[tuple[str, uvicorn.Server, socket.socket]],
    done: Callable[[dict[str, int]], None],
) -> None:
    """Run the listeners: the first (whose lifespan starts and stops the application), then
    the others once it has started; ``done`` is told their ports once all are up. SIGINT or
    SIGTERM stops the others first, then the first, so that no request is cut off from the
    application; a listener that fails to start stops them all, its error raised."""
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signal_number, stopping.set)
    (_, main, main_socket), others = listeners[0], listeners[1:]
    running = asyncio.ensure_future(main.serve(sockets=[main_socket]))
    beside: list[asyncio.Future[None]] = []
    try:
        await _until(lambda: main.started, [running])
        if main.started:
            beside = [
                asyncio.ensure_future(server.serve(sockets=[sock])) for _, server, sock in others
            ]
            await _until(lambda: all(server.started for _, server, _ in others), [running, *beside])
            failed = [task for task in beside if task.done()]
            if failed:
                failed[0].result()  # its error, raised
                raise OSError("a listener stopped as it started")
            done({name: int(sock.getsockname()[1]) for name, _, sock in listeners})
        waiting: asyncio.Future[Any] = asyncio.ensure_future(stopping.wait())
        watched: list[asyncio.Future[Any]] = [waiting, running, *beside]
        await asyncio.wait(watched, return_when=asyncio.FIRST_COMPLETED)
        waiting.cancel()
    finally:
        for _, server, _ in others:
            server.should_exit = True
        await asyncio.gather(*beside, return_exceptions=True)
        main.should_exit = True
        await asyncio.wait([running])
    running.result()


def serve(
    settings: GatewaySettings, app_factory: Callable[[Gateway], ASGIApp] = create_app
) -> None:
    """Open the store and run the gateway until interrupted (SIGINT/SIGTERM stop it cleanly).

    ``app_factory`` builds the HTTP application around the opened gateway (the command
    passes the web application's, which serves the gateway's routes too). It is served over
    HTTP and over HTTPS (:mod:`openpcs.gateway.tls_files` makes or takes the certificate),
    as the settings turn them on.

    Raises :class:`openpcs.gateway.store.database.StoreError` (the store or the data folder
    cannot be used), :class:`ListenError` (a port in use) and :class:`TlsError` (the HTTPS
    certificate cannot be made or used) before anything is started.
    """
    logging.basicConfig(level=settings.log_level.upper(), format=_LOG_FORMAT, stream=sys.stderr)
    logging.getLogger("sqlalchemy").setLevel(logging.WARNING)
    # httpx logs every request's URL at INFO, and a webhook URL may carry its key
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    gateway = Gateway(settings)
    gateway.open()
    https = settings.https
    certificates = None
    if https.enabled:
        given = (https.certificate, https.key) if https.certificate and https.key else None
        certificates = ensure(settings.data_dir, https.host, https.names, given)
    app = app_factory(gateway)
    listeners: list[tuple[str, uvicorn.Server, socket.socket]] = []
    common: dict[str, Any] = {
        "loop": "none",  # the loop is made below, for every listener at once
        "http": "httptools",
        "access_log": False,
        "server_header": False,
        "log_level": settings.log_level,
        "timeout_graceful_shutdown": 10,
        "log_config": None,
    }
    if settings.http.enabled:
        sock = _bind(settings.http.host, settings.http.port)
        config = uvicorn.Config(app, lifespan="on", **common)
        listeners.append(("http", _Listener(config), sock))
    if certificates is not None:
        sock = _bind(https.host, https.port)
        config = uvicorn.Config(
            app,
            lifespan="off" if listeners else "on",
            ssl_certfile=str(certificates.certificate),
            ssl_keyfile=str(certificates.key),
            ssl_ciphers=https.ciphers,
            **common,
        )
        listeners.append(("https", _Listener(config), sock))
    settle_collector()
    with asyncio.Runner(loop_factory=_loop_factory()) as runner:
        runner.run(_serve_all(listeners, lambda ports: _state(settings, gateway, ports)))
