"""The node paths' lane (answered before routing) keeps every rule of the application around it."""

from __future__ import annotations

import asyncio
import base64
import gc
import socket
import time
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from openpcs.gateway.api.gateway_app import GatewayApp
from openpcs.gateway.api.refusals import NUL_MESSAGE, over_limit_message
from openpcs.gateway.ingest import node_paths
from openpcs.gateway.ingest.node_paths import NodeLane
from tests.gateway import frames as f
from tests.gateway.conftest import make_settings
from tests.gateway.running import RunningGateway

_PATH = "/getpost_frame_parser.php"


def test_the_lane_keeps_the_limits_and_the_nul_refusal_around_it(tmp_path: Path) -> None:
    running = RunningGateway(make_settings(tmp_path, limits={"max_body_bytes": 1024}))
    try:
        with running.client(None) as client:
            nul = client.get(_PATH, params={"frame": "3C3D\x00"})
            big = client.post(
                _PATH,
                content=b"frame=" + b"3C" * 2000,
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
            form = client.post(
                _PATH,
                content=b"frame=" + f.binary(1).hex().encode(),
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
            head = client.head(_PATH, params={"frame": f.binary(2).hex()})
            frames = running.get("/api/v1/frames")["items"]
    finally:
        running.stop()
    assert nul.status_code == 400
    assert "NUL" in nul.json()["error"]
    assert big.status_code == 413
    assert form.status_code == 200
    assert form.text.startswith("ok ")
    assert head.status_code == 405  # not a node's request: the application answers it
    assert [x["adapter"] for x in frames] == ["meshlium"]  # only the form's frame was stored


def test_the_lane_asks_for_tokens_as_the_routes_do(tmp_path: Path) -> None:
    running = RunningGateway(make_settings(tmp_path, security={"ingest_token_required": True}))
    frame = f.binary(1).hex()
    try:
        admin = running.admin_token
        assert admin is not None
        basic = base64.b64encode(f"any:{admin}".encode()).decode()
        with running.client(None) as client:
            closed = client.get(_PATH, params={"frame": frame})
            bridge = client.get("/hw/ps", params={"frame": frame})
            by_query = client.get(_PATH, params={"frame": frame, "token": admin})
            by_basic = client.get(
                _PATH,
                params={"frame": f.binary(2).hex()},
                headers={"Authorization": f"Basic {basic}"},
            )
            by_key = client.get(
                _PATH, params={"frame": f.binary(3).hex()}, headers={"X-Api-Key": admin}
            )
            no_frame = client.get(_PATH, params={"token": admin})
            bad_wait = client.get(_PATH, params={"frame": frame, "token": admin, "wait": "x"})
    finally:
        running.stop()
    assert closed.status_code == 401
    assert closed.headers["www-authenticate"] == 'Bearer realm="openpcs"'
    assert closed.text == "error: this ingest route needs a token with the 'ingest' scope\n"
    assert bridge.status_code == 401
    assert bridge.json() == {"error": "this ingest route needs a token with the 'ingest' scope"}
    assert [r.text.split()[0] for r in (by_query, by_basic, by_key)] == ["ok", "ok", "ok"]
    assert (no_frame.status_code, no_frame.text) == (
        400,
        "error: the request has no 'frame' parameter\n",
    )
    assert bad_wait.status_code == 400
    assert bad_wait.text.startswith("error: wait: 'x' is not one of")


def test_a_sender_gone_before_its_body_ended_stores_nothing(tmp_path: Path) -> None:
    running = RunningGateway(make_settings(tmp_path))
    try:
        with socket.create_connection(("127.0.0.1", running.port), 10) as connection:
            connection.sendall(
                b"POST " + _PATH.encode() + b" HTTP/1.1\r\nHost: g\r\n"
                b"Content-Type: application/x-www-form-urlencoded\r\n"
                b"Content-Length: 400\r\n\r\nframe=3C3D3E06"
            )
        time.sleep(0.5)
        frames = running.get("/api/v1/frames")["items"]
    finally:
        running.stop()
    assert frames == []


def _lane_app() -> GatewayApp:
    """A bare application with a lane in front whose gateway has only its settings (no store:
    anything past the token check fails)."""
    gateway = SimpleNamespace(
        settings=SimpleNamespace(
            limits=SimpleNamespace(max_body_bytes=64),
            security=SimpleNamespace(ingest_token_required=False),
        )
    )
    app = GatewayApp()
    app.node_lane = NodeLane(gateway)  # type: ignore[arg-type]
    app.answer_headers = ((b"x-extra", b"yes"),)

    @app.get("/elsewhere")
    async def elsewhere() -> str:
        return "the application"

    return app


async def _ask(app: GatewayApp, method: str, path: str, **options: Any) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://lane") as client:
        return await client.request(method, path, **options)


def test_the_lane_answers_in_front_with_its_own_refusals_and_headers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def broken(*_: object) -> object:
        raise RuntimeError("a defect")

    monkeypatch.setattr(node_paths, "answer_node", broken)
    app = _lane_app()
    nul = asyncio.run(_ask(app, "GET", _PATH, params={"frame": "3C\x00"}))
    big = asyncio.run(_ask(app, "POST", _PATH, content=b"frame=" + b"3C" * 64))
    declared = asyncio.run(
        _ask(app, "GET", _PATH, params={"frame": "3C"}, headers={"Content-Length": "1000"})
    )
    failed = asyncio.run(_ask(app, "GET", _PATH, params={"frame": "3C3D"}))
    other = asyncio.run(_ask(app, "GET", "/elsewhere"))
    assert (nul.status_code, nul.json()) == (400, {"error": NUL_MESSAGE})
    assert (big.status_code, big.json()) == (413, {"error": over_limit_message(64)})
    assert (declared.status_code, declared.json()) == (413, {"error": over_limit_message(64)})
    assert (failed.status_code, failed.text) == (500, "Internal Server Error")
    assert {nul.headers["x-extra"], big.headers["x-extra"], failed.headers["x-extra"]} == {"yes"}
    assert other.json() == "the application"
    assert "x-extra" not in other.headers  # the application's own answers are its business


def test_a_body_growing_past_the_limit_unannounced_is_refused() -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(10):
            yield b"frame=3C3D3E"  # no Content-Length: the lane counts as it reads

    answer = asyncio.run(_ask(_lane_app(), "POST", _PATH, content=chunks()))
    assert answer.status_code == 413
    assert answer.json() == {"error": over_limit_message(64)}


def test_a_refused_request_leaves_nothing_for_the_collector() -> None:
    """The gateway collects cycles rarely (``gateway/collector.py``): a refusal must not keep
    its request, body and all, in a cycle of the exception's traceback until then."""
    gateway = SimpleNamespace(
        settings=SimpleNamespace(
            security=SimpleNamespace(ingest_token_required=False),
            limits=SimpleNamespace(max_frame_bytes=1 << 20),
        )
    )
    body = b"frame=" + b"3C" * 200_000

    async def read_body() -> bytes:
        return body

    request = node_paths.NodeRequest(
        "meshlium", {}, b"wait=bogus", read_body, "127.0.0.1", plain_errors=True
    )
    gc.collect()
    gc.disable()
    try:
        answer = _run_without_suspending(node_paths.answer_node(gateway, request))  # type: ignore[arg-type]
        unreachable = gc.collect()
    finally:
        gc.enable()
    assert answer.status == 400
    assert answer.body.startswith(b"error: ")
    assert unreachable == 0


def _run_without_suspending(coroutine: Any) -> Any:
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value
    raise AssertionError("the coroutine waited for something")
