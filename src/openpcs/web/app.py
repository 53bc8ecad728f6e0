"""The HTTP application of ``openpcs serve``: the gateway's routes and the web application.

The web's pages live at ``/`` (login, configure, devices, templates, batches, account,
settings), its REST API at ``/api/v1/pcs``, its assets at ``/static`` from the package (no CDN:
it runs offline). Web errors answer JSON ``{"error": "<field>: <what>", "path": "<field>"}`` with
their status; a page asked for without a session redirects to ``/login``. Every answer carries
the security headers of :mod:`openpcs.web.security_headers`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from openpcs.gateway.api.app import create_app
from openpcs.gateway.runtime import Gateway
from openpcs.web.account_api import account_api_router
from openpcs.web.account_pages import account_router
from openpcs.web.api import pcs_router
from openpcs.web.auth import LoginRequired
from openpcs.web.device_gateway_pages import device_gateway_router
from openpcs.web.errors import WebError
from openpcs.web.pages import pages_router
from openpcs.web.security_headers import ALWAYS_HEADERS, SecurityHeaders
from openpcs.web.services import open_services
from openpcs.web.settings_pages import settings_router

__all__ = ["create_web_app"]


def create_web_app(gateway: Gateway) -> FastAPI:
    """The gateway's application with the web application added (``gateway`` is open)."""
    services = open_services(gateway)
    app = create_app(gateway)
    app.title = "openpcs"
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(application: FastAPI) -> AsyncIterator[None]:
        async with inner(application):
            try:
                yield
            finally:
                services.batches.close()

    app.router.lifespan_context = lifespan
    app.add_middleware(SecurityHeaders)
    app.answer_headers = ALWAYS_HEADERS  # the node lane's answers, given in front of it

    @app.exception_handler(WebError)
    async def web_error(_request: Request, exc: WebError) -> Response:
        return JSONResponse({"error": str(exc), "path": exc.path}, exc.status)

    @app.exception_handler(LoginRequired)
    async def login_first(_request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse(exc.location, status_code=303)

    static = resources.files("openpcs.web").joinpath("static")
    app.mount("/static", StaticFiles(directory=str(static)), name="static")

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> Response:
        """The site's icon where browsers look for it without a page's link."""
        return RedirectResponse("/static/favicon.svg", status_code=301)

    app.include_router(pcs_router(services))
    app.include_router(account_api_router(services))
    app.include_router(account_router(services))
    app.include_router(pages_router(services))
    app.include_router(device_gateway_router(services))
    app.include_router(settings_router(services))
    app.state.web = services
    return app
