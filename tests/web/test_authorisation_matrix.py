"""Every route of ``openpcs serve`` against every kind of caller, from the application's route
table: nobody is served above the policy of :mod:`tests.web.route_policy`, nobody gets a server
error, and no answer but a firmware download carries a node's key or a credential.

Callers: anonymous, an ``ingest`` and a ``read`` token, a user's session, an admin's session
(with their CSRF tokens), the admin token, and the admin's session cookie without its CSRF token
(what a forged cross-site request carries: it may look, never change). A caller the policy does
not admit must be refused (401/403; a stranger asking for a page may be sent to ``/login``); one
it admits may get any answer but a 5xx, a 401 or a trip to the login page (that would mean its
session was lost and the run checked nothing). Requests are harmless: the path parameters of
:data:`~tests.web.route_policy.PATH_VALUES`, an empty JSON object or a form with one unknown
field (a valid body of :data:`BODIES` where a route checks the caller only after its body). The
device (with its keys saved), program 1 and batch 1 exist, made by the admin.
"""

from __future__ import annotations

import io
import json
import logging
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from tests.web.conftest import WebServer
from tests.web.route_policy import (
    ADMIN,
    CALLERS,
    MOUNTS,
    POLICY,
    READ,
    Level,
    admits,
    live_routes,
    logged_tracebacks,
    path_for,
)
from tests.web.test_api import NODE, SERIAL, register, wait_batch

APP_KEY: Final = NODE["radio"]["app_key"]
USER_PASSWORD: Final = "a long user password"
#: Query strings: a page that shows a stored thing (the device's saved configuration), a
#: network server's event that is no uplink (nothing to store, a token is still needed).
QUERIES: Final[dict[tuple[str, str], dict[str, str]]] = {
    ("GET", "/configure"): {"serial": SERIAL},
    ("POST", "/api/v1/webhooks/lorawan/{dialect}"): {"event": "join"},
}
#: Valid harmless bodies where the route decides who may call only once its body is valid
#: (elsewhere an empty JSON object or a one-field form): refused by the handler all the same.
BODIES: Final[dict[tuple[str, str], dict[str, str]]] = {
    ("PUT", "/api/v1/pcs/licence"): {"licence": "elite"},
    ("POST", "/api/v1/pcs/users"): {"username": "x", "password": "x"},
    ("PUT", "/api/v1/pcs/account/password"): {"current_password": "not it", "password": "x"},
    ("POST", "/settings/licence"): {"licence": "elite"},
    ("POST", "/users"): {"username": "x", "password": "x"},
    ("POST", "/tokens"): {"name": "x", "scope": "none"},
    ("POST", "/account/password"): {"current_password": "not it", "password": "x"},
    ("POST", "/login"): {"username": "x", "password": "x"},
}
#: Routes that end the caller's session go last, so the run keeps its callers signed in.
ENDS_SESSION: Final = frozenset({("POST", "/logout")})


def template_of(node: dict[str, Any]) -> dict[str, Any]:
    """A node's configuration as a template: no serial, name or keys."""
    template = json.loads(json.dumps(node))
    for key in ("serial", "node_name"):
        template.pop(key, None)
    template["radio"].pop("app_key", None)
    return template


def made_by_admin(web: WebServer, admin: httpx.Client) -> None:
    """The registered device with its keys saved, program 1 and batch 1, all the admin's."""
    register(admin)
    made = admin.post("/api/v1/pcs/program", json=NODE)
    assert made.status_code == 200, made.text
    assert admin.get(f"/api/v1/pcs/devices/{SERIAL}/programs").json()[0]["id"] == 1
    assert admin.put("/api/v1/pcs/licence", json={"licence": "elite"}).status_code == 200
    saved = admin.put("/api/v1/pcs/templates/field", json=template_of(NODE))
    assert saved.status_code == 200, saved.text
    started = admin.post("/api/v1/pcs/batches", json={"template": "field", "serials": [SERIAL]})
    assert started.status_code == 202, started.text
    assert started.json()["id"] == 1
    assert wait_batch(admin, 1)["state"] == "done"


@pytest.fixture
def callers(web: WebServer, admin: httpx.Client) -> Iterator[dict[str, httpx.Client]]:
    """A client per caller of :data:`CALLERS` on a server holding the admin's things."""
    made = admin.post("/api/v1/pcs/users", json={"username": "ana", "password": USER_PASSWORD})
    assert made.status_code == 201, made.text
    made_by_admin(web, admin)
    tokens = web.gateway.tokens
    clients = {
        "anonymous": httpx.Client(base_url=web.url, timeout=60),
        "ingest": web.client(tokens.create("matrix-ingest", "ingest")),
        "read": web.client(tokens.create("matrix-read", "read")),
        "user": web.session("ana", USER_PASSWORD),
        "admin": admin,
        "admin_token": web.client(),
        "admin_without_csrf": httpx.Client(base_url=web.url, timeout=60, cookies=admin.cookies),
    }
    yield clients
    for name, client in clients.items():
        if name != "admin":
            client.close()


def secrets_of(web: WebServer, clients: dict[str, httpx.Client]) -> dict[str, str]:
    """What no answer may show: the node's key, the tokens and the passwords."""
    found = {"the node's app_key": APP_KEY, "the node's app_key in lower case": APP_KEY.lower()}
    found["the user's password"] = USER_PASSWORD
    found["the admin's password"] = web.admin_password
    for name in ("ingest", "read", "admin_token"):
        found[f"the {name} token"] = clients[name].headers["authorization"].split()[1]
    return found


def send(client: httpx.Client, method: str, route: str) -> httpx.Response:
    """A harmless request to ``route``: an empty JSON object to the API, a form to a page."""
    url = path_for(route)
    params = QUERIES.get((method, route))
    if method in ("GET", "DELETE"):
        return client.request(method, url, params=params)
    body = BODIES.get((method, route))
    if url.startswith("/api/") or url.endswith(".php"):
        return client.request(method, url, params=params, json=body or {})
    return client.request(method, url, params=params, data=body or {"unknown": "x"})


def to_login(answer: httpx.Response) -> bool:
    """Whether ``answer`` sends the browser to the login page."""
    return answer.is_redirect and answer.headers.get("location", "").startswith("/login")


def judge(caller: str, method: str, route: str, level: Level, answer: httpx.Response) -> str | None:
    """What is wrong with ``answer`` to ``caller``, or ``None``."""
    status = answer.status_code
    if status >= 500:
        return "a server error"
    if admits(level, caller, method):
        if status == 401 or (to_login(answer) and route not in ("/login", "/logout")):
            return f"refused as unknown, although the policy ({level.name}) admits it"
        return None
    refused = status in (401, 403)
    if caller == "anonymous" and not route.startswith("/api/"):
        refused = refused or to_login(answer)
    if not refused:
        return f"served although the policy admits only {level.name}"
    return None


def leaked(answer: httpx.Response, secrets: dict[str, str]) -> list[str]:
    """The secrets ``answer`` shows (a zip, a firmware download, is judged by its status)."""
    if answer.headers.get("content-type", "").startswith("application/zip"):
        return []
    return [what for what, value in secrets.items() if value in answer.text]


def test_the_judge_tells_refusals_from_service() -> None:
    def answer(status: int, location: str = "") -> httpx.Response:
        return httpx.Response(status, headers={"location": location} if location else {})

    assert judge("read", "GET", "/api/v1/pcs/users", ADMIN, answer(200)) is not None
    assert judge("read", "GET", "/api/v1/pcs/users", ADMIN, answer(422)) is not None
    assert judge("read", "GET", "/api/v1/pcs/users", ADMIN, answer(403)) is None
    assert judge("anonymous", "GET", "/devices", READ, answer(303, "/login?next=/devices")) is None
    assert judge("anonymous", "GET", "/api/v1/pcs/devices", READ, answer(303, "/login")) is not None
    assert judge("user", "GET", "/devices", READ, answer(303, "/login?next=/devices")) is not None
    assert judge("admin", "GET", "/api/v1/pcs/users", ADMIN, answer(401)) is not None
    assert judge("admin", "GET", "/api/v1/pcs/users", ADMIN, answer(404)) is None
    assert judge("admin", "GET", "/api/v1/pcs/users", ADMIN, answer(500)) == "a server error"
    assert judge("admin_without_csrf", "GET", "/account", READ, answer(200)) is None
    assert judge("admin_without_csrf", "POST", "/users", ADMIN, answer(303, "/account")) is not None
    assert leaked(httpx.Response(200, text=f"key {APP_KEY}"), {"key": APP_KEY}) == ["key"]


def test_the_route_walk_sees_included_routers_and_mounts(tmp_path: Path) -> None:
    inner = APIRouter(prefix="/inner")

    @inner.post("/things/{name}")
    def thing(name: str) -> str:
        return name

    app = FastAPI()
    app.include_router(inner, prefix="/outer")
    app.mount("/files", StaticFiles(directory=str(tmp_path)))
    routes, mounts = live_routes(app)
    assert ("POST", "/outer/inner/things/{name}") in routes
    assert ("GET", "/openapi.json") in routes
    assert mounts == ["/files"]


def test_every_route_has_a_policy(web: WebServer) -> None:
    routes, mounts = live_routes(web.server.config.app)
    assert ("GET", "/api/v1/pcs/catalog") in routes, "the route table was not walked"
    assert ("GET", "/devices/{serial}") in routes, "the pages are missing from the route table"
    missing = sorted(set(routes) - set(POLICY))
    assert not missing, f"routes without a policy entry in tests/web/route_policy.py: {missing}"
    stale = sorted(set(POLICY) - set(routes))
    assert not stale, f"policy entries for routes that are gone: {stale}"
    assert set(mounts) <= MOUNTS, f"a mount without a policy: {sorted(set(mounts) - MOUNTS)}"
    assert len(routes) == len(set(routes)), "a route is registered twice"


def ask(client: httpx.Client, caller: str, method: str, route: str, secrets: dict[str, str]) -> str:
    """The problem with one route's answer to one caller, or ``""``."""
    level = POLICY.get((method, route))
    if level is None:
        return f"{method} {route}: no policy entry in tests/web/route_policy.py"
    answer = send(client, method, route)
    wrong = [judge(caller, method, route, level, answer) or ""]
    if shown := leaked(answer, secrets):
        wrong.append("the answer shows " + ", ".join(shown))
    if not any(wrong):
        return ""
    body = answer.text[:300].replace("\n", " ")
    why = "; ".join(w for w in wrong if w)
    return f"{method} {route} as {caller}: {answer.status_code}, {why}: {body}"


@pytest.mark.parametrize("caller", CALLERS)
def test_no_caller_is_served_above_its_policy(
    web: WebServer,
    callers: dict[str, httpx.Client],
    caller: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    routes, _ = live_routes(web.server.config.app)
    assert len(routes) >= len(POLICY), "routes are missing from the route table"
    order = sorted(routes, key=lambda r: (r[0] != "GET", r in ENDS_SESSION, r[1], r[0]))
    secrets = secrets_of(web, callers)
    with caplog.at_level(logging.ERROR):
        problems = [ask(callers[caller], caller, m, r, secrets) for m, r in order]
    problems = [problem for problem in problems if problem]
    traces = logged_tracebacks(caplog.records)
    report = "\n".join([*problems, *(["--- server tracebacks ---", *traces] if traces else [])])
    assert not problems, f"{len(problems)} problem(s) in {len(order)} routes:\n{report}"
    assert not traces, report


def keys_in_zip(data: bytes) -> list[str]:
    """The files of a zip (and of the zips in it) that hold the node's app_key."""
    found = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            content = archive.read(name)
            if name.endswith(".zip"):
                found += [f"{name}/{inner}" for inner in keys_in_zip(content)]
            elif APP_KEY.encode() in content or APP_KEY.lower().encode() in content:
                found.append(name)
    return found


@pytest.mark.parametrize("how", ["program", "batches"])
def test_a_user_cannot_take_the_keys_another_account_saved(
    web: WebServer, callers: dict[str, httpx.Client], how: str
) -> None:
    """Firmware goes to admins and its maker only because it holds the node's keys; a user who
    never knew a device's keys must not get them by making firmware for it. The admin saved
    them; the user sends the configuration without them."""
    user = callers["user"]
    if how == "program":
        document = json.loads(json.dumps(NODE))
        del document["radio"]["app_key"]
        answer = user.post("/api/v1/pcs/program", json=document)
        data = answer.content if answer.status_code == 200 else b""
    else:
        answer = user.post("/api/v1/pcs/batches", json={"template": "field", "serials": [SERIAL]})
        data = b""
        if answer.status_code == 202:
            batch = wait_batch(user, answer.json()["id"])
            zipped = user.get(f"/api/v1/pcs/batches/{batch['id']}/zip")
            data = zipped.content if zipped.status_code == 200 else b""
    assert answer.status_code < 500, answer.text
    found = keys_in_zip(data) if data else []
    assert not found, (
        f"POST /api/v1/pcs/{how} as a user ({answer.status_code}) gave firmware holding the "
        f"app_key the admin saved: {found}"
    )
