"""The gateway's HTTP application: ingest, query and admin routes, limits, errors, health.

Errors are JSON ``{"error": "<where>: <what>"}`` (the Meshlium path answers plain text); a
request body over ``limits.max_body_bytes`` is refused with 413 before it is read whole. A
store too busy to take a write (:mod:`openpcs.gateway.store.contention`) is answered 503
with ``Retry-After``, never 500, for these routes and those added on top of them (the web
application's). Query strings are never logged: they may carry frames and ingest tokens.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from sqlalchemy.exc import IntegrityError, OperationalError
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from openpcs import __version__
from openpcs.gateway.api.admin_routes import admin_router
from openpcs.gateway.api.ca_route import ca_router
from openpcs.gateway.api.gateway_app import GatewayApp
from openpcs.gateway.api.query_routes import query_router
from openpcs.gateway.api.refusals import (
    NUL_MESSAGE,
    declared_over,
    holds_nul,
    over_limit_message,
)
from openpcs.gateway.api.responses import EVERY_ROUTE
from openpcs.gateway.ingest.http_routes import ingest_router
from openpcs.gateway.ingest.node_paths import NodeLane
from openpcs.gateway.runtime import Gateway
from openpcs.gateway.store.contention import (
    BUSY_MESSAGE,
    CONFLICT_MESSAGE,
    RETRY_AFTER_S,
    contention_code,
)

__all__ = ["BodyLimit", "RefuseNul", "create_app"]

_log = logging.getLogger("openpcs.gateway.http")


class BodyLimit:
    """ASGI middleware: refuse bodies over ``limit`` bytes with 413, counting as they stream."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if declared_over(scope, self.limit):
            await self._refuse(send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge
            return message

        try:
            await self.app(scope, counted, send)
        except _TooLarge:
            await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        response = JSONResponse({"error": over_limit_message(self.limit)}, 413)
        await response({"type": "http"}, _no_receive, send)


class RefuseNul:
    """ASGI middleware: refuse with 400 a request whose path or query string holds a NUL.

    No name, serial, tag or cursor of this API has one, and PostgreSQL refuses NUL in text:
    such a request would otherwise fail deep in a query.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and holds_nul(scope):
            response = JSONResponse({"error": NUL_MESSAGE}, 400)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


class _TooLarge(Exception):
    pass


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}


def _where(location: tuple[Any, ...]) -> str:
    parts = [str(p) for p in location if p not in ("body",)]
    return ".".join(parts) or "body"


def create_app(gateway: Gateway) -> GatewayApp:
    """The application serving ``gateway``; its lifespan starts and stops the gateway."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await gateway.start()
        try:
            yield
        finally:
            await gateway.stop()

    app = GatewayApp(
        title="openpcs gateway",
        version=__version__,
        summary="Receives, archives, decrypts, decodes, stores and forwards sensor frames.",
        lifespan=lifespan,
    )
    # the node paths are answered in front of all this, with the same limits and refusals
    app.node_lane = NodeLane(gateway)
    app.add_middleware(BodyLimit, limit=gateway.settings.limits.max_body_bytes)
    app.add_middleware(RefuseNul)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if request.url.path.endswith(".php"):
            return PlainTextResponse(f"error: {exc.detail}\n", exc.status_code, exc.headers)
        return JSONResponse({"error": exc.detail}, exc.status_code, exc.headers)

    @app.exception_handler(ClientDisconnect)
    async def client_gone(_request: Request, _exc: ClientDisconnect) -> Response:
        """The client left before its body arrived: nothing was stored, nobody reads this."""
        return Response(status_code=400)

    @app.exception_handler(OperationalError)
    async def store_busy(request: Request, exc: OperationalError) -> Response:
        """A write the busy store refused: 503 and when to try again (other database errors
        stay server errors). Logged with the driver's code only: no SQL, no values."""
        code = contention_code(exc)
        if code is None:
            raise exc
        _log.warning("%s %s: the store was busy (%s)", request.method, request.url.path, code)
        headers = {"Retry-After": str(RETRY_AFTER_S)}
        if request.url.path.endswith(".php"):
            return PlainTextResponse(f"error: {BUSY_MESSAGE}\n", 503, headers)
        return JSONResponse({"error": BUSY_MESSAGE}, 503, headers)

    @app.exception_handler(IntegrityError)
    async def conflicting_write(request: Request, _exc: IntegrityError) -> Response:
        """A write a constraint refused because of another write at the same moment (two
        requests making the same name): 409, nothing of it stored. Logged without the
        database's message, whose detail repeats the values."""
        _log.warning("%s %s: a conflicting write was refused", request.method, request.url.path)
        return JSONResponse({"error": CONFLICT_MESSAGE}, 409)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, exc: RequestValidationError) -> Response:
        problems = [f"{_where(e['loc'])}: {e['msg']}" for e in exc.errors()]
        return JSONResponse({"error": "; ".join(problems), "problems": problems}, 422)

    @app.get(
        "/healthz",
        tags=["health"],
        responses={**EVERY_ROUTE, 503: {"description": "the pipeline is stopped"}},
    )
    async def health() -> Response:
        """``ok`` while the pipeline's worker is alive (no token needed)."""
        if gateway.pipeline.running:
            return JSONResponse({"status": "ok"})
        return JSONResponse({"status": "pipeline stopped"}, 503)

    app.include_router(ingest_router(gateway), responses=EVERY_ROUTE)
    app.include_router(ca_router(gateway), responses=EVERY_ROUTE)
    app.include_router(query_router(gateway), responses=EVERY_ROUTE)
    app.include_router(admin_router(gateway), responses=EVERY_ROUTE)
    return app
