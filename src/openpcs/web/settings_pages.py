"""The settings page (admins): the Waspmote API folder the web application builds against,
the check of the toolchain, and a test build. Changes are form POSTs that redirect back with
a message; the test build answers the page with its outcome."""

# no "from __future__ import annotations": FastAPI reads the routes' annotations, and
# ``Admin`` is local to the router's function

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from openpcs.web.auth import Caller, require_admin
from openpcs.web.build_settings import Check
from openpcs.web.errors import WebError
from openpcs.web.page_render import back, render_page
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

    def settings_page(request: Request, caller: Caller, test: Check | None = None) -> HTMLResponse:
        build = services.build
        return render_page(
            services,
            "settings.html",
            request,
            caller,
            folder=build.api_folder(),
            stored=build.stored() or "",
            checks=build.checks(),
            test=test,
        )

    @router.get("/settings")
    def settings(request: Request, caller: Admin) -> Response:
        return settings_page(request, caller)

    @router.post("/settings/api-dir")
    def set_api_dir(
        _caller: Admin, api_dir: Annotated[str, Form(max_length=1024)] = ""
    ) -> Response:
        try:
            tree = services.build.set_api_dir(api_dir)
        except WebError as exc:
            return back("/settings", str(exc), error=True)
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
