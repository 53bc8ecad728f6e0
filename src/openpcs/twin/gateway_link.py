"""Where the twin's radios deliver: an openpcs gateway, running elsewhere (its URL and an
admin token) or started here on a temporary store.

Before the first frame the node's keys and network aliases are registered with the gateway
(``PUT /api/v1/devices/{serial}``), as the web app does when it programs a node. Each
delivery then goes the way the radio's traffic reaches a gateway: an XBee's packet as the
gateway's own XBee hands it over (a 0x90 receive packet from the node's address, ``POST
/api/v1/frames?format=ncd-api``); a LoRaWAN uplink as a network server's webhook tells it
(ChirpStack v4's uplink event, ``POST /api/v1/webhooks/lorawan/chirpstack?event=up``); a
Sigfox message as the Sigfox backend's callback (``POST /api/v1/webhooks/sigfox``).
"""

from __future__ import annotations

import base64
import logging
import socket
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final, Literal
from urllib.parse import quote

import httpx
import uvicorn

from openpcs.gateway.api.app import create_app
from openpcs.gateway.listener_settings import HttpsSettings
from openpcs.gateway.runtime import ADMIN_TOKEN_FILE, Gateway
from openpcs.gateway.settings import resolve_settings
from openpcs.gateway.tls_files import GatewayCertificates, ensure
from openpcs.ncd.api import ReceivePacket, wrap
from openpcs.twin.internet import Internet
from openpcs.twin.radios.module import Delivery, Stored, first_receipt

__all__ = ["GatewayClient", "GatewayError", "Stored", "local_gateway"]

_START_S: Final = 20.0
_TIMEOUT_S: Final = 30.0
#: receive options of a packet the gateway's XBee acknowledged
_ACKNOWLEDGED: Final = 0x01


class GatewayError(Exception):
    """The gateway refused or could not be reached; the message says which and why."""


class GatewayClient:
    """Talks to one gateway at ``url`` with an admin ``token``; its TCP ingest listens at
    ``tcp_address`` (``None``: it has none the twin knows of)."""

    def __init__(
        self, url: str, token: str | None, tcp_address: tuple[str, int] | None = None
    ) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._client = httpx.Client(base_url=url.rstrip("/"), headers=headers, timeout=_TIMEOUT_S)
        self.url = url.rstrip("/")
        self.tcp_address = tcp_address
        self._token = token
        #: the gateway's HTTPS address and the CA it is checked with, when the twin knows them
        self.https: tuple[str, Path | None] | None = None

    def internet(self) -> Internet:
        """The Internet a node's 4G or WiFi module reaches, every host this gateway; the
        networks that carry SMS post them with this client's token."""
        return Internet(self.url, self.tcp_address, carrier_token=self._token, https=self.https)

    def close(self) -> None:
        """Let the connections go."""
        self._client.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise GatewayError(f"the gateway at {self.url} cannot be reached: {exc}") from None
        if response.status_code in (401, 403):
            raise GatewayError(f"the gateway at {self.url} refused the token (an admin token)")
        if response.status_code >= 400:
            detail = response.text.strip()[:300]
            raise GatewayError(f"the gateway said {response.status_code}: {detail}")
        return response

    def register(
        self,
        serial: str,
        keys: Mapping[str, str],
        aliases: list[str],
        *,
        tiny_table: int | None = None,
    ) -> None:
        """Give the gateway the node's keys, network aliases and the sensor table of its tiny
        frames (its board's frame type; ``None``: the gateway's default, v15's)."""
        change: dict[str, Any] = {}
        if tiny_table is not None:
            change["tiny_table"] = tiny_table
        if keys:
            change["keys"] = dict(keys)
        if aliases:
            change["aliases"] = aliases
        if change:
            self._call("PUT", f"/api/v1/devices/{quote(serial, safe='')}", json=change)

    def deliver(self, delivery: Delivery) -> Stored:
        """Hand one delivery to the gateway the way its radio's traffic reaches one."""
        if delivery.via == "lorawan":
            response = self._call(
                "POST",
                "/api/v1/webhooks/lorawan/chirpstack",
                params={"event": "up", "wait": "processed"},
                json=_chirpstack_uplink(delivery),
            )
        elif delivery.via == "sigfox":
            callback = {
                "device": delivery.meta["device"],
                "data": delivery.payload.hex(),
                "seqNumber": int(delivery.meta["seq_number"]),
            }
            response = self._call(
                "POST", "/api/v1/webhooks/sigfox", params={"wait": "processed"}, json=callback
            )
        else:
            source = bytes.fromhex(delivery.meta.get("source", "00" * 8))
            packet = ReceivePacket(source, delivery.payload, options=_ACKNOWLEDGED)
            response = self._call(
                "POST",
                "/api/v1/frames",
                params={"format": "ncd-api", "wait": "processed"},
                content=wrap(packet.data()),
                headers={"Content-Type": "application/octet-stream"},
            )
        try:
            return first_receipt(response.json())
        except (ValueError, KeyError, IndexError, TypeError, AttributeError):
            raise GatewayError(f"{self.url} did not answer as an openpcs gateway") from None

    def readings(self, serial: str) -> list[dict[str, Any]]:
        """The readings the gateway holds for ``serial``, oldest first."""
        found: list[dict[str, Any]] = []
        after: str | None = None
        while True:
            params: dict[str, Any] = {"serial": serial, "limit": 500}
            if after:
                params["after"] = after
            try:
                page = self._call("GET", "/api/v1/readings", params=params).json()
                found += page["items"]
                after = page.get("next")
            except (ValueError, KeyError, TypeError):
                raise GatewayError(f"{self.url} did not answer as an openpcs gateway") from None
            if not after:
                return found


def _chirpstack_uplink(delivery: Delivery) -> dict[str, Any]:
    """A LoRaWAN delivery as ChirpStack v4 posts an uplink event."""
    meta = delivery.meta
    return {
        "deviceInfo": {"devEui": meta["dev_eui"].lower()},
        "devAddr": delivery.to.lower(),
        "fCnt": int(meta["f_cnt"]),
        "fPort": int(meta["f_port"]),
        "dr": int(meta["dr"]),
        "confirmed": meta.get("confirmed") == "true",
        "data": base64.b64encode(delivery.payload).decode("ascii"),
    }


def _started(
    app: Any, lifespan: Literal["on", "off"], tls: GatewayCertificates | None = None
) -> tuple[uvicorn.Server, threading.Thread, int]:
    """``app`` served on a free loopback port in a thread (over TLS with ``tls``)."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    port = int(listener.getsockname()[1])
    config = uvicorn.Config(
        app,
        lifespan=lifespan,
        access_log=False,
        log_config=None,
        log_level="warning",
        ssl_certfile=str(tls.certificate) if tls else None,
        ssl_keyfile=str(tls.key) if tls else None,
        ssl_ciphers=HttpsSettings().ciphers,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + _START_S
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    if not server.started:
        raise GatewayError("the twin's own gateway did not start")
    return server, thread, port


@contextmanager
def local_gateway() -> Iterator[GatewayClient]:
    """A gateway on a temporary store, listening on loopback while the block runs, over HTTP
    and over HTTPS (with a CA of its own, as ``openpcs serve`` has)."""
    with tempfile.TemporaryDirectory(prefix="openpcs-twin-gateway-") as data:
        settings = resolve_settings(
            {
                "data_dir": data,
                "http": {"host": "127.0.0.1", "port": 0},
                "tcp": {"port": 0},
                # the twin judges every frame's decoded status as the node's answer carries it
                "pipeline": {"acknowledge": "processed", "processing": "thread"},
            },
            environ={},
        )
        gateway = Gateway(settings)
        # its admin token is the twin's own, read below: nothing to tell the user
        runtime_log = logging.getLogger("openpcs.gateway")
        level = runtime_log.level
        runtime_log.setLevel(logging.ERROR)
        try:
            gateway.open()
        finally:
            runtime_log.setLevel(level)
        app = create_app(gateway)
        served = [_started(app, "on")]
        made = ensure(Path(data), "127.0.0.1", ())
        served.append(_started(app, "off", made))
        token = (Path(data) / ADMIN_TOKEN_FILE).read_text().strip()
        tcp_port = gateway.ports.get("tcp")
        tcp = ("127.0.0.1", tcp_port) if tcp_port else None
        client = GatewayClient(f"http://127.0.0.1:{served[0][2]}", token, tcp)
        client.https = (f"https://127.0.0.1:{served[1][2]}", made.ca)
        try:
            yield client
        finally:
            client.close()
            for server, thread, _ in reversed(served):
                server.should_exit = True
                thread.join(_START_S)
