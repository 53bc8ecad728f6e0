"""Every status a gateway route answers is listed in its OpenAPI ``responses``.

Each route is called in the ways that make it answer each of its statuses (no token, a weak
token, a NUL in the query string, a body over the limit, bad parameters, something missing,
a locked store), and every status seen must be one the route's description lists.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.gateway import frames as f
from tests.gateway.conftest import make_settings
from tests.gateway.running import RunningGateway

_SAMPLES = {"serial": f.SERIAL, "frame_id": "1", "name": "nobody", "dialect": "tts"}
_EVERY_ROUTE = {"400", "413", "503"}


@pytest.fixture
def strict(tmp_path: Path) -> Iterator[RunningGateway]:
    """A gateway asking tokens for ingest, with a small body limit and a short busy timeout."""
    settings = make_settings(
        tmp_path,
        security={"ingest_token_required": True},
        limits={"max_body_bytes": 4096},
        sqlite_busy_timeout_s=0.2,
    )
    running = RunningGateway(settings)
    yield running
    running.stop()


def _operations(gateway: RunningGateway) -> dict[tuple[str, str], set[str]]:
    with gateway.client(token=None) as client:
        paths = client.get("/openapi.json").json()["paths"]
    return {
        (method.upper(), path): set(operation["responses"])
        for path, operations in paths.items()
        for method, operation in operations.items()
    }


def test_every_status_a_route_gives_is_in_its_description(strict: RunningGateway) -> None:
    operations = _operations(strict)
    with strict.client() as admin:
        tokens = {
            scope: admin.post("/api/v1/tokens", json={"name": scope, "scope": scope}).json()[
                "token"
            ]
            for scope in ("read", "ingest")
        }
    seen: dict[tuple[str, str], set[int]] = {key: set() for key in operations}

    def call(method: str, template: str, token: str | None = None, **request: Any) -> int:
        path = template.format(**_SAMPLES) if "{" in template else template
        path = request.pop("path", path)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        with httpx.Client(base_url=strict.url, headers=headers, timeout=30) as client:
            answer = client.request(method, path, **request)
        seen[(method, template)].add(answer.status_code)
        return answer.status_code

    admin_token = strict.admin_token
    frame = f.binary(1).hex()
    for method, template in operations:
        call(method, template)  # no token
        call(method, template, tokens["read"])
        call(method, template, tokens["ingest"])
        call(method, template, admin_token, params={"x": "\x00"})
        call(method, template, admin_token, content=b"x" * 5000)
        call(method, template, admin_token, params={"since": "0", "limit": "x"})
    sent = call(
        "POST", "/api/v1/frames", tokens["ingest"], json={"frame": frame}, params={"device": "x"}
    )
    assert sent == 200
    call("POST", "/api/v1/tokens", admin_token, json={"name": "more", "scope": "read"})
    call("POST", "/api/v1/frames", admin_token, content=b"{}", headers={"content-type": "a/b"})
    call("POST", "/api/v1/frames", admin_token, json={"frames": ["zz"]})
    call("GET", "/getpost_frame_parser.php", admin_token, params={"frame": frame})
    call("POST", "/getpost_frame_parser.php", admin_token, content=f"frame={frame}")
    call("GET", "/hw/ps", admin_token, params={"frame": frame})
    call(
        "POST", "/api/v1/webhooks/lorawan/{dialect}", admin_token, path="/api/v1/webhooks/lorawan/x"
    )
    call("POST", "/api/v1/webhooks/lorawan/{dialect}", admin_token, params={"event": "join"})
    call("GET", "/api/v1/frames/{frame_id}", admin_token, path="/api/v1/frames/999")
    call(
        "POST", "/api/v1/frames/{frame_id}/decrypt", admin_token, path="/api/v1/frames/999/decrypt"
    )
    call("DELETE", "/api/v1/tokens/{name}", admin_token, path="/api/v1/tokens/read")
    call("GET", "/api/v1/devices/{serial}", admin_token, path="/api/v1/devices/FFFFFFFFFFFFFFFF")
    holder = sqlite3.connect(strict.settings.data_dir / "gateway.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        busy = call("POST", "/api/v1/frames", admin_token, json={"frame": frame})
        call("POST", "/api/v1/frames/reprocess", admin_token, json={"frame_ids": [1]})
        call("POST", "/api/v1/tokens", admin_token, json={"name": "late", "scope": "read"})
        call("GET", "/getpost_frame_parser.php", admin_token, params={"frame": frame})
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert busy == 503
    strict.gateway.pipeline.stop()
    call("GET", "/healthz")
    unlisted = {
        f"{method} {template}: {sorted(missing)}"
        for (method, template), statuses in seen.items()
        if (missing := statuses - {int(c) for c in operations[(method, template)]})
    }
    assert unlisted == set()
    assert all(listed >= _EVERY_ROUTE for listed in operations.values())
    assert {code for statuses in seen.values() for code in statuses} == {
        200,
        201,
        204,
        400,
        401,
        403,
        404,
        413,
        415,
        422,
        503,
    }
