"""The settings page (admins): the Waspmote API folder the web application builds against,
the check of the toolchain, and a test build. Changes are form POSTs that redirect back with
a message; a refused folder and the test build answer the page itself (the folder typed still
in its field, the build's outcome in the check)."""

# no "from __future__ import annotations": FastAPI reads the routes' annotations, and
# ``Admin`` is local to the router's function

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from openpcs.gateway.tls_files import ca_fingerprint
from openpcs.web.auth import Caller, require_admin
from openpcs.web.build_settings import Check
from openpcs.web.errors import WebError
from openpcs.web.page_render import back, page_message, render_page
from openpcs.web.services import WebServices

__all__ = ["settings_router"]


def settings_router(services: WebServices) -> APIRouter:
    """The routes of the settings page."""
    router = APIRouter(include_in_schema=False)

    async def admin_caller(request: Request) -> Caller:
        """The signed-in admin; checked before a form is read."""
        caller = await services.auth.page_caller(request)
        require_admin(caller)
        return caller

    Admin = Annotated[Caller, Depends(admin_caller)]  # noqa: N806

    def settings_page(
        request: Request, caller: Caller, test: Check | None = None, **refused: str
    ) -> HTMLResponse:
        """The page; ``refused`` (``error`` and the ``stored`` text typed) answers a folder
        that was not kept, with what was typed still in its field to correct."""
        build = services.build
        kept = build.stored() or ""
        return render_page(
            services,
            "settings.html",
            request,
            caller,
            folder=build.api_folder(),
            checks=build.checks(),
            https=services.gateway.settings.https,
            ca_fingerprint=ca_fingerprint(services.gateway.settings),
            test=test,
            kept=kept,
            **({"stored": kept} | refused),
        )

    @router.get("/settings")
    def settings(request: Request, caller: Admin) -> Response:
        return settings_page(request, caller)

    @router.post("/settings/api-dir")
    def set_api_dir(
        request: Request, caller: Admin, api_dir: Annotated[str, Form(max_length=1024)] = ""
    ) -> Response:
        try:
            tree = services.build.set_api_dir(api_dir)
        except WebError as exc:
            return settings_page(request, caller, error=page_message(exc), stored=api_dir)
        return back("/settings", f"builds now use the Waspmote API at {tree.root}")

    @router.post("/settings/api-dir/forget")
    def forget_api_dir(_caller: Admin) -> Response:
        services.build.forget_api_dir()
        folder = services.build.api_folder()
        now = f"{folder.path} ({folder.source})" if folder.path else "no folder"
        return back("/settings", f"the folder set here is forgotten; builds use {now}")

    @router.post("/settings/test-build")
    def test_build(request: Request, caller: Admin) -> Response:
        return settings_page(request, caller, services.build.test_build())

    return router
