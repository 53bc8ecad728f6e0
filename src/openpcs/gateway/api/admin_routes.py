"""Admin calls: device settings (keys, ingest token, tiny frames), processing frames again,
opening device-to-cloud frames, and tokens. Needs ``admin``.

Keys and tokens go in and never come out: a device shows only which keys it holds.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Annotated, Literal

from fastapi import APIRouter, Body, Depends, HTTPException, Path, status
from pydantic import AfterValidator, BaseModel, Field, StrictInt

from openpcs.gateway.api.responses import errors
from openpcs.gateway.directory import normalize_serial
from openpcs.gateway.pipeline import StoreUnavailable
from openpcs.gateway.storable import MAX_ID
from openpcs.gateway.store import queries
from openpcs.gateway.store.devices import DeviceUpdate, update_device
from openpcs.gateway.views import DeviceView, ReceiptView
from openpcs.text.names import name_problem

if TYPE_CHECKING:
    from openpcs.gateway.runtime import Gateway

#: 422: a request the API understood but cannot take (the name varies across versions).
_UNPROCESSABLE = 422

__all__ = ["admin_router"]


FrameId = Annotated[int, Path(ge=1, le=MAX_ID, description="a frame's id")]


def _token_name(name: str) -> str:
    if problem := name_problem(name, "token"):
        raise ValueError(problem)
    return name


class NewToken(BaseModel):
    """A token to create; its name keeps :data:`openpcs.text.names.NAME_RULE`."""

    name: Annotated[str, AfterValidator(_token_name)]
    scope: Literal["read", "ingest", "admin"]


class CreatedToken(BaseModel):
    """A created token: shown this once, stored only as a hash."""

    name: str
    scope: str
    token: str


class Reprocess(BaseModel):
    """Frames to process again (at most 10,000 per call): JSON integers, not ``true`` or
    ``"5"`` or ``5.0``."""

    frame_ids: list[Annotated[StrictInt, Field(ge=1, le=MAX_ID)]] = Field(
        min_length=1, max_length=10_000
    )


def admin_router(gateway: Gateway) -> APIRouter:
    """The admin routes of one gateway."""
    router = APIRouter(
        prefix="/api/v1",
        tags=["admin"],
        dependencies=[Depends(gateway.auth.requirement("admin"))],
        responses=errors(401, 403),
    )

    @router.put("/devices/{serial}", response_model=DeviceView, responses=errors(422))
    async def put_device(serial: str, change: Annotated[DeviceUpdate, Body()]) -> DeviceView:
        """Change a device's settings; fields left out stay as they are, ``null`` clears."""
        try:
            normalized = normalize_serial(serial)
            await asyncio.to_thread(update_device, gateway.engine, gateway.box, normalized, change)
        except ValueError as exc:
            raise HTTPException(_UNPROCESSABLE, str(exc)) from None
        await asyncio.to_thread(gateway.reload_directory)
        found = await asyncio.to_thread(queries.device, gateway.engine, normalized)
        assert found is not None
        return found

    async def again(frame_ids: list[int], *, open_cloud: bool = False) -> list[ReceiptView]:
        try:
            receipts = await gateway.pipeline.process_again(frame_ids, open_cloud=open_cloud)
        except StoreUnavailable as exc:
            raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, str(exc)) from None
        return [ReceiptView(**r._asdict()) for r in receipts]

    @router.post("/frames/reprocess", response_model=list[ReceiptView], responses=errors(422))
    async def reprocess(request: Reprocess) -> list[ReceiptView]:
        """Process archived frames again, e.g. after adding the key they needed."""
        return await again(request.frame_ids)

    @router.post(
        "/frames/{frame_id}/decrypt",
        response_model=ReceiptView,
        responses=errors(404, 422, e404="no such frame"),
    )
    async def decrypt(frame_id: FrameId) -> ReceiptView:
        """Open a device-to-cloud frame (type 100) with the payload key the gateway holds and
        store its readings; the archived frame stays as received."""
        (receipt,) = await again([frame_id], open_cloud=True)
        if receipt.status == "missing":
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no frame {frame_id}")
        return receipt

    @router.post(
        "/tokens",
        response_model=CreatedToken,
        status_code=status.HTTP_201_CREATED,
        responses=errors(422),
    )
    async def create_token(request: NewToken) -> CreatedToken:
        """Create an API token; it is shown in this answer only."""
        token = await asyncio.to_thread(gateway.tokens.create, request.name, request.scope)
        return CreatedToken(name=request.name, scope=request.scope, token=token)

    @router.delete(
        "/tokens/{name}",
        status_code=status.HTTP_204_NO_CONTENT,
        responses=errors(404, 422, e404="no active token with this name or id"),
    )
    async def revoke_token(name: str) -> None:
        """Revoke the tokens with this name (or id)."""
        count = await asyncio.to_thread(gateway.tokens.revoke, name)
        gateway.auth.forget()
        if not count:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no active token {name!r}")

    return router
