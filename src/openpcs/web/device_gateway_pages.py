"""The device page's gateway actions (admins): replace or remove a key the gateway holds for
the device, and open a stored device-to-cloud frame with the held key. Each is a form POST
that redirects back to the device page with a message."""

# no "from __future__ import annotations": FastAPI reads the routes' annotations, and
# ``Admin`` is local to the router's function

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from openpcs.gateway.pipeline import Overloaded, StoreUnavailable
from openpcs.gateway.store import queries
from openpcs.web.api import RowId
from openpcs.web.auth import Caller, require_admin
from openpcs.web.names import path_url
from openpcs.web.page_render import back
from openpcs.web.services import WebServices

__all__ = ["device_gateway_router"]

_NAMES = {"payload": "payload key", "bridge": "Cloud Bridge key"}


def device_gateway_router(services: WebServices) -> APIRouter:
    """The routes behind the device page's "Gateway" section."""
    router = APIRouter(include_in_schema=False)

    async def admin_caller(request: Request) -> Caller:
        """The signed-in admin; checked before the form is read, so that no one else learns
        what a good request looks like."""
        caller = await services.auth.page_caller(request)
        require_admin(caller)
        return caller

    Admin = Annotated[Caller, Depends(admin_caller)]  # noqa: N806

    @router.post("/devices/{serial}/keys")
    def change_key(
        _caller: Admin,
        serial: str,
        kind: Annotated[Literal["payload", "bridge"], Form()],
        action: Annotated[Literal["replace", "remove"], Form()],
        key: Annotated[str, Form(max_length=64)] = "",
    ) -> Response:
        entry = services.registry.get(serial)
        here = path_url("devices", entry.serial)
        given = key.strip() if action == "replace" else None
        if action == "replace" and not given:
            return back(here, f"type the new {_NAMES[kind]}", error=True)
        try:
            services.keys.replace(entry.serial, kind, given)
        except ValueError as exc:
            return back(here, str(exc), error=True)
        done = "now holds the new" if given else "no longer holds the"
        return back(here, f"the gateway {done} {_NAMES[kind]} of {entry.serial}")

    @router.post("/devices/{serial}/frames/{frame_id}/open")
    async def open_frame(_caller: Admin, serial: str, frame_id: RowId) -> Response:
        entry = services.registry.get(serial)
        here = path_url("devices", entry.serial)
        found = queries.frame(services.gateway.engine, frame_id)
        if found is None or found.serial != entry.serial:
            return back(here, f"frame {frame_id} is not one of this device's", error=True)
        try:
            (receipt,) = await services.gateway.pipeline.process_again([frame_id], open_cloud=True)
        except (Overloaded, StoreUnavailable) as exc:
            return back(here, f"frame {frame_id}: {exc}", error=True)
        if receipt.error:
            return back(here, f"frame {frame_id}: {receipt.error}", error=True)
        return back(here, f"frame {frame_id} opened: {receipt.status}")

    return router
