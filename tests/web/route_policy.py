"""Who may call each route of ``openpcs serve`` (the gateway's routes and the web application):
the policy the authorisation matrix and the OpenAPI fuzz run hold the server to.

Every route and method of the application's route table has an entry (a new route without one
fails ``test_every_route_has_a_policy``). An entry names the callers that may be served; a
caller outside it must be refused (401/403, or a redirect to the login page for a stranger on a
page). The entries follow ``docs/web.md`` ("Who may do what") and ``docs/gateway.md`` (ingest,
query and admin tokens), written as the policy *should* be where the code allows more.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Final

from starlette.routing import Mount

__all__ = [
    "ADMIN",
    "ANYONE",
    "CALLERS",
    "INGEST",
    "MOUNTS",
    "OWNER_OR_ADMIN",
    "PATH_VALUES",
    "POLICY",
    "READ",
    "TOKEN_ADMIN",
    "TOKEN_READ",
    "USER",
    "Level",
    "admits",
    "live_routes",
    "logged_tracebacks",
    "path_for",
]

#: Who calls: nobody, the gateway's tokens by scope, a user's and an admin's browser session,
#: and the admin's session cookie sent without its CSRF token (a forged cross-site request).
CALLERS: Final = (
    "anonymous",
    "ingest",
    "read",
    "user",
    "admin",
    "admin_token",
    "admin_without_csrf",
)
SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Level:
    """A route's minimum: the callers it may serve, and why."""

    name: str
    allowed: frozenset[str]

    def admits(self, caller: str) -> bool:
        """Whether ``caller`` may be served."""
        return caller in self.allowed


ANYONE: Final = Level("anyone", frozenset(CALLERS))


def admits(level: Level, caller: str, method: str) -> bool:
    """Whether ``level`` lets ``caller`` be served a ``method`` request: a session without
    its CSRF token may look where the admin may, and change only what anyone may."""
    if caller == "admin_without_csrf":
        return level.admits("admin") if method in SAFE_METHODS else level is ANYONE
    return level.admits(caller)


#: Gateway routes take tokens only (a browser session is nobody there).
INGEST: Final = Level("ingest token", frozenset({"ingest", "admin_token"}))
TOKEN_READ: Final = Level("read token", frozenset({"read", "admin_token"}))
TOKEN_ADMIN: Final = Level("admin token", frozenset({"admin_token"}))
#: Web routes: a session or a token of the read or admin scope.
READ: Final = Level("read", frozenset({"read", "user", "admin", "admin_token"}))
USER: Final = Level("user", frozenset({"user", "admin", "admin_token"}))
ADMIN: Final = Level("admin", frozenset({"admin", "admin_token"}))
#: Firmware holds the nodes' keys: admins and the account that made it. The matrix asks for a
#: bundle and a batch zip the admin made, so the user and the read token are strangers to it.
OWNER_OR_ADMIN: Final = Level("owner or admin", frozenset({"admin", "admin_token"}))

_PCS: Final = "/api/v1/pcs"

#: (method, path as in the route table) -> who may be served.
POLICY: Final[dict[tuple[str, str], Level]] = {
    # --- documentation and health ---------------------------------------------------------
    ("GET", "/openapi.json"): ANYONE,
    ("GET", "/docs"): ANYONE,
    ("GET", "/docs/oauth2-redirect"): ANYONE,
    ("GET", "/redoc"): ANYONE,
    ("GET", "/healthz"): ANYONE,
    # --- gateway ingest: nodes cannot send a token (ingest_token_required is off by default);
    # network servers' webhooks need an ingest token (webhook_token_required is on)
    ("GET", "/getpost_frame_parser.php"): ANYONE,
    ("POST", "/getpost_frame_parser.php"): ANYONE,
    ("GET", "/hw/ps"): ANYONE,
    ("GET", "/ca.pem"): ANYONE,
    ("POST", "/api/v1/frames"): ANYONE,
    ("POST", "/api/v1/webhooks/lorawan/{dialect}"): INGEST,
    ("GET", "/api/v1/webhooks/sigfox"): INGEST,
    ("POST", "/api/v1/webhooks/sigfox"): INGEST,
    ("POST", "/api/v1/webhooks/sms"): INGEST,
    # --- gateway queries (read scope) and admin calls (admin scope) --------------------------
    ("GET", "/api/v1/devices"): TOKEN_READ,
    ("GET", "/api/v1/devices/{serial}"): TOKEN_READ,
    ("GET", "/api/v1/readings"): TOKEN_READ,
    ("GET", "/api/v1/frames"): TOKEN_READ,
    ("GET", "/api/v1/frames/{frame_id}"): TOKEN_READ,
    ("GET", "/api/v1/sets"): TOKEN_READ,
    ("GET", "/api/v1/status"): TOKEN_READ,
    ("PUT", "/api/v1/devices/{serial}"): TOKEN_ADMIN,
    ("POST", "/api/v1/frames/reprocess"): TOKEN_ADMIN,
    ("POST", "/api/v1/frames/{frame_id}/decrypt"): TOKEN_ADMIN,
    ("POST", "/api/v1/tokens"): TOKEN_ADMIN,
    ("DELETE", "/api/v1/tokens/{name}"): TOKEN_ADMIN,
    # --- the web's REST API ------------------------------------------------------------------
    ("GET", f"{_PCS}/catalog"): READ,
    ("POST", f"{_PCS}/check"): USER,
    ("POST", f"{_PCS}/program"): USER,
    ("GET", f"{_PCS}/licence"): READ,  # the tier and the count: no secret (a judgement call)
    ("PUT", f"{_PCS}/licence"): ADMIN,
    ("GET", f"{_PCS}/devices"): READ,
    ("POST", f"{_PCS}/devices"): USER,
    ("POST", f"{_PCS}/devices/import"): USER,
    ("GET", f"{_PCS}/devices/{{serial}}"): READ,
    ("PATCH", f"{_PCS}/devices/{{serial}}"): USER,
    ("DELETE", f"{_PCS}/devices/{{serial}}"): ADMIN,
    ("GET", f"{_PCS}/devices/{{serial}}/config"): READ,  # without its secrets
    ("PUT", f"{_PCS}/devices/{{serial}}/config"): USER,
    ("GET", f"{_PCS}/devices/{{serial}}/programs"): READ,
    ("GET", f"{_PCS}/programs/{{program_id}}/bundle"): OWNER_OR_ADMIN,
    ("GET", f"{_PCS}/templates"): READ,
    ("GET", f"{_PCS}/templates/{{name}}"): READ,
    ("PUT", f"{_PCS}/templates/{{name}}"): USER,
    ("DELETE", f"{_PCS}/templates/{{name}}"): USER,
    ("GET", f"{_PCS}/templates/{{name}}/versions"): READ,
    ("POST", f"{_PCS}/templates/{{name}}/rename"): USER,
    ("GET", f"{_PCS}/templates/{{name}}/yaml"): READ,
    ("PUT", f"{_PCS}/templates/{{name}}/yaml"): USER,
    ("GET", f"{_PCS}/batches"): READ,
    ("POST", f"{_PCS}/batches"): USER,
    ("GET", f"{_PCS}/batches/{{batch_id}}"): READ,
    ("GET", f"{_PCS}/batches/{{batch_id}}/zip"): OWNER_OR_ADMIN,
    ("GET", f"{_PCS}/users"): ADMIN,
    ("POST", f"{_PCS}/users"): ADMIN,
    ("DELETE", f"{_PCS}/users/{{username}}"): ADMIN,
    ("PUT", f"{_PCS}/account/password"): USER,  # one's own; a token has none (400)
    # --- signing in and the account pages ------------------------------------------------------
    ("GET", "/login"): ANYONE,
    ("POST", "/login"): ANYONE,
    ("POST", "/logout"): USER,
    ("GET", "/account"): READ,
    ("POST", "/account/password"): USER,
    ("POST", "/users"): ADMIN,
    ("POST", "/users/{username}/delete"): ADMIN,
    ("POST", "/tokens"): ADMIN,
    ("POST", "/tokens/{name}/revoke"): ADMIN,
    # --- pages -------------------------------------------------------------------------------
    ("GET", "/"): READ,
    ("GET", "/favicon.ico"): ANYONE,
    ("GET", "/configure"): READ,
    ("GET", "/devices"): READ,
    ("POST", "/devices"): USER,
    ("POST", "/devices/import"): USER,
    ("POST", "/settings/licence"): ADMIN,
    ("GET", "/settings"): ADMIN,
    ("POST", "/settings/api-dir"): ADMIN,
    ("POST", "/settings/api-dir/forget"): ADMIN,
    ("POST", "/settings/test-build"): ADMIN,
    ("GET", "/devices/{serial}"): READ,
    ("GET", "/devices/{serial}/series.json"): READ,
    ("GET", "/devices/{serial}/readings.csv"): READ,
    ("POST", "/devices/{serial}/keys"): ADMIN,
    ("POST", "/devices/{serial}/edit"): USER,
    ("POST", "/devices/{serial}/delete"): ADMIN,
    ("POST", "/devices/{serial}/frames/{frame_id}/open"): ADMIN,
    ("GET", "/programs/{program_id}/bundle"): OWNER_OR_ADMIN,
    ("GET", "/templates"): READ,
    ("POST", "/templates/import"): USER,
    ("POST", "/templates/{name}/rename"): USER,
    ("POST", "/templates/{name}/delete"): USER,
    ("GET", "/templates/{name}/export.yaml"): READ,
    ("GET", "/batches"): READ,
    ("POST", "/batches"): USER,
    ("GET", "/batches/{batch_id}"): READ,
    ("GET", "/batches/{batch_id}/zip"): OWNER_OR_ADMIN,
}

#: Mounts the route table may hold (served to anyone, no policy per file).
MOUNTS: Final = frozenset({"/static"})

#: Harmless values for path parameters (the matrix registers this serial and makes program 1
#: and batch 1; names of templates, accounts and tokens are ones nobody made).
PATH_VALUES: Final[dict[str, str]] = {
    "serial": "1A2B3C4D5E6F7081",
    "program_id": "1",
    "batch_id": "1",
    "frame_id": "1",
    "name": "x",
    "username": "x",
    "dialect": "chirpstack",
}


def path_for(template: str, values: dict[str, str] | None = None) -> str:
    """``template`` with each ``{parameter}`` filled from ``values`` or :data:`PATH_VALUES`."""
    filled = template
    for name, value in (PATH_VALUES | (values or {})).items():
        filled = filled.replace("{" + name + "}", value)
    assert "{" not in filled, f"no harmless value for a parameter of {template}"
    return filled


def _contexts(routes: Iterable[Any]) -> Iterator[Any]:
    """Every route, with those of included routers flattened (FastAPI >= 0.137.2 keeps an
    included router as one node of ``app.routes``; ``iter_route_contexts`` walks them)."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # an older FastAPI: app.routes is already flat
        yield from routes
        return
    yield from iter_route_contexts(list(routes))


def live_routes(app: Any) -> tuple[list[tuple[str, str]], list[str]]:
    """The application's (method, path) pairs, HEAD left out, and the paths of its mounts."""
    found: list[tuple[str, str]] = []
    mounts: list[str] = []
    for context in _contexts(app.routes):
        if isinstance(getattr(context, "original_route", context), Mount):
            mounts.append(str(context.path))
            continue
        for method in sorted(set(context.methods or ()) - {"HEAD"}):
            found.append((method, str(context.path)))
    return found, mounts


def logged_tracebacks(records: Iterable[logging.LogRecord]) -> list[str]:
    """The distinct tracebacks among ``records`` (what the server logged of its 5xx answers),
    told apart by their last line."""
    seen: dict[str, str] = {}
    for record in records:
        if record.exc_info and record.levelno >= logging.ERROR:
            text = logging.Formatter().format(record)
            seen.setdefault(text.strip().splitlines()[-1], text)
    return list(seen.values())
