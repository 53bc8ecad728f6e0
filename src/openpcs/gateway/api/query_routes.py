"""The query API: devices, readings (JSON or CSV), frames, reading sets. Needs ``read``.

Every list is a page: ``limit`` rows and a ``next`` cursor to pass as ``after``. Times are
RFC 3339 (``2026-11-21T10:00:00Z``); ``since`` is inclusive and ``until`` exclusive.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Response, status
from fastapi.responses import JSONResponse
from pydantic import AfterValidator, BeforeValidator

from openpcs.gateway.api.responses import errors
from openpcs.gateway.directory import normalize_serial
from openpcs.gateway.storable import MAX_ID
from openpcs.gateway.store import queries
from openpcs.gateway.store.schema import StatusName
from openpcs.gateway.views import DeviceView, FrameView, Page, ReadingView

if TYPE_CHECKING:
    from openpcs.gateway.runtime import Gateway

#: 422: a request the API understood but cannot take (the name varies across versions).
_UNPROCESSABLE = 422

__all__ = ["Since", "Until", "check_range", "query_router", "readings_csv"]

_MAX_LIMIT = 10_000
_CSV_COLUMNS = (
    "received_at",
    "serial",
    "node_name",
    "sensor",
    "value",
    "values",
    "text",
    "unit",
    "frame_id",
    "position",
)

Limit = Annotated[int, Query(ge=1, le=_MAX_LIMIT, description="rows per page")]
After = Annotated[str | None, Query(description="the `next` cursor of the previous page")]


#: RFC 3339's date-time (a space may stand for the ``T``); a missing zone is refused by
#: :func:`_moment` once the text is read.
_RFC3339 = re.compile(r"\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d:\d\d(?:\.\d{1,9})?(?:[Zz]|[+-]\d\d:\d\d)?")


def _rfc3339(value: object) -> object:
    """Only RFC 3339 text is a time here: pydantic would also read ``0.0`` or ``1700000000``
    as seconds since 1970, and a date alone as its midnight, in no stated zone."""
    if not isinstance(value, str) or _RFC3339.fullmatch(value) is None:
        raise ValueError("give a time as RFC 3339 text (2026-11-21T10:00:00Z)")
    return value


def _moment(value: datetime | None) -> datetime | None:
    """A time given with its zone, in UTC; naive or unrepresentable times are refused."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("give the time zone (Z or +01:00)")
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("out of range once in UTC") from None


Since = Annotated[
    datetime | None,
    BeforeValidator(_rfc3339),
    AfterValidator(_moment),
    Query(description="from this time (inclusive): RFC 3339 with its zone"),
]
Until = Annotated[
    datetime | None,
    BeforeValidator(_rfc3339),
    AfterValidator(_moment),
    Query(description="up to this time (exclusive): RFC 3339 with its zone"),
]


def check_range(since: datetime | None, until: datetime | None) -> None:
    """422 naming ``until`` when the range ends before it begins (it would read as "no
    readings then" rather than as the mistake it is)."""
    if since is not None and until is not None and until <= since:
        raise HTTPException(_UNPROCESSABLE, "until: must be later than since")


def _serial(text: str | None) -> str | None:
    if text is None:
        return None
    try:
        return normalize_serial(text)
    except ValueError as exc:
        raise HTTPException(_UNPROCESSABLE, f"serial: {exc}") from None


def _cell(text: str | None) -> str:
    """Text a node sent, made inert for spreadsheets: a cell starting with ``= + - @`` (or a
    tab or carriage return) would be read as a formula, so it gets a leading ``'``."""
    if not text:
        return ""
    return "'" + text if text[0] in _FORMULA_STARTS else text


_FORMULA_STARTS = frozenset("=+-@\t\r")


def readings_csv(items: list[ReadingView]) -> str:
    """Readings as CSV text (RFC 4180: CRLF line ends) with its header line. Cells that a
    spreadsheet would run as a formula are neutralised, and a cell holding a line break of
    either kind (a bare CR included) is quoted, so that no text a node sent can start a row
    of its own, where the formula guard would not see it."""
    buffer = io.StringIO()
    # with "\r\n" as the line end the writer quotes any cell holding a CR or an LF
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(_CSV_COLUMNS)
    for item in items:
        writer.writerow(
            (
                item.received_at.isoformat().replace("+00:00", "Z"),
                item.serial or "",
                _cell(item.node_name),
                _cell(item.sensor),
                "" if item.value is None else item.value,
                "" if item.values is None else json.dumps(item.values),
                _cell(item.text),
                _cell(item.unit),
                item.frame_id,
                item.position,
            )
        )
    return buffer.getvalue()


def _csv(items: list[ReadingView], following: str | None) -> Response:
    headers = {"X-Next-Cursor": following} if following else {}
    return Response(readings_csv(items), media_type="text/csv; charset=utf-8", headers=headers)


def query_router(gateway: Gateway) -> APIRouter:
    """The query routes of one gateway."""
    router = APIRouter(
        prefix="/api/v1",
        tags=["query"],
        dependencies=[Depends(gateway.auth.requirement("read"))],
        responses=errors(401, 403),
    )
    engine = gateway.engine

    async def fetch(
        query: Callable[..., tuple[list[Any], str | None]], **filters: Any
    ) -> tuple[list[Any], str | None]:
        """One page from a store query, run off the event loop; a bad cursor is a 422."""
        try:
            return await asyncio.to_thread(query, engine, **filters)
        except queries.CursorError as exc:
            raise HTTPException(_UNPROCESSABLE, str(exc)) from None

    @router.get("/devices", response_model=Page, responses=errors(422))
    async def list_devices(limit: Limit = 100, after: After = None) -> Page:
        """Devices seen or configured: last seen, battery, frame and error counts."""
        items, following = await fetch(queries.devices, after=after, limit=limit)
        return Page(items=items, next=following)

    @router.get(
        "/devices/{serial}",
        response_model=DeviceView,
        responses=errors(404, 422, e404="no such device"),
    )
    async def get_device(serial: str) -> DeviceView:
        """One device."""
        found = await asyncio.to_thread(queries.device, engine, _serial(serial) or "")
        if found is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no device {serial}")
        return found

    @router.get(
        "/readings",
        response_model=Page,
        responses={
            200: {"content": {"text/csv": {}}, "description": "JSON page, or CSV"},
            **errors(422),
        },
    )
    async def list_readings(
        serial: Annotated[str | None, Query(description="the device")] = None,
        sensor: Annotated[str | None, Query(description="a sensor tag (TC) or NCD name")] = None,
        since: Since = None,
        until: Until = None,
        limit: Limit = 1000,
        after: After = None,
        format: Annotated[Literal["json", "csv"], Query(description="answer as")] = "json",
    ) -> Response:
        """Readings in the order they were stored (frame by frame, which is arrival order);
        as CSV the next cursor is in the ``X-Next-Cursor`` header."""
        check_range(since, until)
        items, following = await fetch(
            queries.readings,
            serial=_serial(serial),
            sensor=sensor,
            since=since,
            until=until,
            after=after,
            limit=limit,
        )
        if format == "csv":
            return _csv(items, following)
        page = Page(items=items, next=following)
        return JSONResponse(page.model_dump(mode="json"))

    @router.get("/frames", response_model=Page, responses=errors(422))
    async def list_frames(
        serial: Annotated[str | None, Query(description="the device")] = None,
        status_is: Annotated[
            StatusName | None,
            Query(alias="status", description="only frames with this status"),
        ] = None,
        since: Since = None,
        until: Until = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        after: After = None,
        order: Annotated[
            Literal["desc", "asc"], Query(description="newest first or last")
        ] = "desc",
    ) -> Page:
        """Archived frames with their status and error, newest first."""
        check_range(since, until)
        items, following = await fetch(
            queries.frames,
            serial=_serial(serial),
            status=status_is,
            since=since,
            until=until,
            after=after,
            limit=limit,
            order=order,
        )
        return Page(items=items, next=following)

    @router.get(
        "/frames/{frame_id}",
        response_model=FrameView,
        responses=errors(404, 422, e404="no such frame"),
    )
    async def get_frame(frame_id: Annotated[int, Path(ge=1, le=MAX_ID)]) -> FrameView:
        """One archived frame with its readings."""
        found = await asyncio.to_thread(queries.frame, engine, frame_id)
        if found is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no frame {frame_id}")
        return found

    @router.get("/sets", response_model=Page, responses=errors(422))
    async def list_sets(
        serial: Annotated[str | None, Query(description="the device")] = None,
        status_is: Annotated[
            Literal["open", "complete", "partial"] | None, Query(alias="status")
        ] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        after: After = None,
    ) -> Page:
        """Reading sets of tiny frames, newest first, with their status."""
        items, following = await fetch(
            queries.reading_sets, serial=_serial(serial), status=status_is, after=after, limit=limit
        )
        return Page(items=items, next=following)

    @router.get("/status")
    async def service_status() -> dict[str, object]:
        """The pipeline's counters, the forwarders' backlogs and the listeners."""
        return await asyncio.to_thread(gateway.status)

    return router
