"""HTTP ingest: the Meshlium-compatible path, the frames API, and network-server webhooks.

- ``GET /getpost_frame_parser.php?frame=HEX`` (WiFi module) and ``POST`` with the form body
  ``frame=HEX`` (4G module): answered in plain text, ``ok <id>`` or ``<status> <id>: <reason>``.
- ``POST /api/v1/frames``: hex (``text/plain``, one frame per line), binary
  (``application/octet-stream``, one frame or a stream of them) or JSON (``{"frame": HEX}``,
  ``{"frames": [HEX or {"hex": …, "device": …, "counter": …, "meta": {…}}, …]}``).
- ``POST /api/v1/webhooks/lorawan/{dialect}``: ChirpStack v4 (``chirpstack``), ChirpStack v3
  (``chirpstack-v3``), The Things Stack (``tts``), or ``auto``.
- ``GET|POST /api/v1/webhooks/sigfox`` and ``POST /api/v1/webhooks/sms``.

Every answer is sent once the frames are durable. Frames that cannot be read are archived
with their error and answered with it (400 for a request that sent only bad frames).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Annotated, Any, Literal, NoReturn
from urllib.parse import parse_qsl

from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, PlainTextResponse

from openpcs.gateway.api.auth import presented_token, satisfies
from openpcs.gateway.ingest.callbacks import parse_sigfox, parse_sms
from openpcs.gateway.ingest.inputs import BinaryStream, arrival_from_bytes, arrival_from_hex
from openpcs.gateway.ingest.lorawan import NotAnUplink, parse_uplink
from openpcs.gateway.ingest.webhook_errors import WebhookError
from openpcs.gateway.pipeline import Overloaded, StoreUnavailable
from openpcs.gateway.records import Arrival, Format, Receipt, utc_now
from openpcs.gateway.senders import unauthorized_senders
from openpcs.gateway.settings import LimitsSettings
from openpcs.gateway.storable import counter_problem, device_problem
from openpcs.gateway.store.schema import FrameStatus

if TYPE_CHECKING:
    from openpcs.gateway.runtime import Gateway

__all__ = ["ingest_router"]

_MESHLIUM_PATH = "/getpost_frame_parser.php"
_DIALECTS: Mapping[str, Any] = {
    "chirpstack": "chirpstack-v4",
    "chirpstack-v4": "chirpstack-v4",
    "chirpstack-v3": "chirpstack-v3",
    "tts": "tts-v3",
    "ttn": "tts-v3",
    "auto": None,
}
_BAD = (FrameStatus.ERROR,)
_FRAME_BODIES = frozenset({"application/json", "application/octet-stream", "text/plain", ""})
#: Bodies up to this size are parsed on the event loop; larger ones in a worker thread.
_PARSE_INLINE_BYTES = 64 * 1024


def _remote(request: Request) -> str | None:
    return request.client.host if request.client else None


def _stored_status(receipts: list[Receipt]) -> int:
    """200 unless every frame was bad input (400)."""
    if receipts and all(r.status in _BAD for r in receipts):
        return status.HTTP_400_BAD_REQUEST
    return status.HTTP_200_OK


def ingest_router(gateway: Gateway) -> APIRouter:
    """The ingest routes of one gateway."""
    router = APIRouter()
    limits = gateway.settings.limits
    security = gateway.settings.security

    def authorize(request: Request, *, webhook: bool = False) -> str | None:
        """The token presented; 401 when this route needs one and it is neither one with the
        'ingest' scope nor a device's own ingest token (which sends that device's frames only,
        see :func:`unauthorized_senders`)."""
        token = presented_token(request, allow_query=True)
        needs_token = security.webhook_token_required if webhook else security.ingest_token_required
        if (
            needs_token
            and not satisfies(gateway.auth.scope_of(token), "ingest")
            and (token is None or gateway.directory.device_of_token(token) is None)
        ):
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "this ingest route needs a token with the 'ingest' scope",
                headers={"WWW-Authenticate": 'Bearer realm="openpcs"'},
            )
        return token

    async def store(
        request: Request, arrivals: list[Arrival], *, webhook: bool = False
    ) -> list[Receipt]:
        token = authorize(request, webhook=webhook)
        refused = unauthorized_senders(arrivals, gateway.directory, token)
        if refused:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, refused[0])
        for arrival in arrivals:
            arrival.sender_checked = True
        try:
            return await gateway.pipeline.submit(arrivals)
        except Overloaded as exc:
            raise HTTPException(
                status.HTTP_503_SERVICE_UNAVAILABLE, str(exc), headers={"Retry-After": "1"}
            ) from None
        except StoreUnavailable as exc:
            raise HTTPException(
                status.HTTP_503_SERVICE_UNAVAILABLE, str(exc), headers={"Retry-After": "5"}
            ) from None

    async def network_message(
        request: Request,
        payload: bytes,
        adapter: str,
        meta: dict[str, Any],
        *,
        device: str | None = None,
        counter: int | None = None,
    ) -> Response:
        """Store the frame a network's webhook delivered and answer with its receipt."""
        arrival = arrival_from_bytes(
            payload,
            adapter,
            limit=limits.max_frame_bytes,
            remote=_remote(request),
            meta=meta,
            device=device,
            counter=counter,
        )
        return _receipts(await store(request, [arrival], webhook=True))

    async def meshlium(request: Request, frame: str | None) -> Response:
        if frame is None:
            return PlainTextResponse(
                "error: the request has no 'frame' parameter\n", status.HTTP_400_BAD_REQUEST
            )
        arrival = arrival_from_hex(
            frame, "meshlium", limit=limits.max_frame_bytes, remote=_remote(request)
        )
        (receipt,) = await store(request, [arrival])
        text = f"{receipt.status} {receipt.id}"
        if receipt.error:
            text += f": {receipt.error}"
        return PlainTextResponse(text + "\n", _stored_status([receipt]))

    @router.get(_MESHLIUM_PATH, tags=["ingest"], response_class=PlainTextResponse)
    async def meshlium_get(
        request: Request,
        frame: Annotated[str | None, Query(description="the frame in hex")] = None,
    ) -> Response:
        """A frame as the WiFi module sends it to a Meshlium: ``?frame=<hex>``."""
        return await meshlium(request, frame)

    @router.post(_MESHLIUM_PATH, tags=["ingest"], response_class=PlainTextResponse)
    async def meshlium_post(request: Request) -> Response:
        """A frame as the 4G module sends it to a Meshlium: form body ``frame=<hex>``."""
        body = (await request.body()).decode("latin-1")
        fields = dict(parse_qsl(body, keep_blank_values=True))
        return await meshlium(request, fields.get("frame", request.query_params.get("frame")))

    @router.post(
        "/api/v1/frames",
        tags=["ingest"],
        responses={200: {"description": "one receipt per frame, in order"}},
    )
    async def post_frames(
        request: Request,
        format: Annotated[
            Literal["waspmote", "ncd-mesh", "ncd-api"],
            Query(description="what the frames are"),
        ] = "waspmote",
        device: Annotated[
            str | None, Query(description="the network's name for a sender of tiny frames")
        ] = None,
    ) -> JSONResponse:
        """Frames in hex, binary or JSON, one or many; see the module description."""
        authorize(request)
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type not in _FRAME_BODIES:
            raise HTTPException(
                status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
                "send text/plain (hex lines), application/octet-stream or application/json",
            )
        if device is not None and (problem := device_problem(device)):
            raise HTTPException(status.HTTP_400_BAD_REQUEST, f"device: {problem}")
        body = await request.body()
        base = {"format": Format(format), "remote": _remote(request), "device": device}
        parse = partial(_frames_of, content_type, body, base, limits, utc_now())
        # a large body is parsed off the event loop, which keeps serving meanwhile
        arrivals = parse() if len(body) <= _PARSE_INLINE_BYTES else await run_in_threadpool(parse)
        if not arrivals:
            raise HTTPException(status.HTTP_400_BAD_REQUEST, "the request holds no frame")
        receipts = await store(request, arrivals)
        return _receipts(receipts)

    @router.post("/api/v1/webhooks/lorawan/{dialect}", tags=["ingest"])
    async def lorawan_webhook(
        request: Request,
        dialect: str,
        event: Annotated[str | None, Query(description="ChirpStack's event type")] = None,
    ) -> Response:
        """An uplink from a LoRaWAN network server; its payload is a (tiny) Waspmote frame."""
        if dialect not in _DIALECTS:
            raise HTTPException(
                status.HTTP_404_NOT_FOUND,
                f"no LoRaWAN dialect {dialect!r}: use {', '.join(_DIALECTS)}",
            )
        try:
            uplink = parse_uplink(await request.body(), _DIALECTS[dialect], event=event)
        except NotAnUplink:
            return Response(status_code=status.HTTP_204_NO_CONTENT)
        except WebhookError as exc:
            raise HTTPException(status.HTTP_400_BAD_REQUEST, str(exc)) from None
        return await network_message(
            request,
            uplink.payload,
            f"lorawan-{uplink.dialect}",
            uplink.meta(),
            device=f"lorawan:{uplink.dev_eui}",
            counter=uplink.f_cnt,
        )

    async def sigfox(request: Request, fields: Mapping[str, Any]) -> Response:
        try:
            message = parse_sigfox(fields)
        except WebhookError as exc:
            raise HTTPException(status.HTTP_400_BAD_REQUEST, str(exc)) from None
        return await network_message(
            request,
            message.payload,
            "sigfox",
            message.meta(),
            device=f"sigfox:{message.device_id}",
            counter=message.seq_number,
        )

    @router.get("/api/v1/webhooks/sigfox", tags=["ingest"])
    async def sigfox_get(request: Request) -> Response:
        """A Sigfox callback sent as a GET: ``?device=…&data=…&time=…&seqNumber=…``."""
        return await sigfox(request, dict(request.query_params))

    @router.post("/api/v1/webhooks/sigfox", tags=["ingest"])
    async def sigfox_post(request: Request) -> Response:
        """A Sigfox callback sent as a POST with a JSON or form body."""
        return await sigfox(request, await _fields(request))

    @router.post("/api/v1/webhooks/sms", tags=["ingest"])
    async def sms_webhook(request: Request) -> Response:
        """A received SMS from an SMS gateway; its body is a Waspmote frame in hex."""
        try:
            message = parse_sms(await _fields(request))
        except WebhookError as exc:
            raise HTTPException(status.HTTP_400_BAD_REQUEST, str(exc)) from None
        return await network_message(request, message.payload, "sms", message.meta())

    return router


def _receipts(receipts: list[Receipt]) -> JSONResponse:
    content = {
        "frames": [r.to_dict() for r in receipts],
        "stored": sum(r.status != FrameStatus.ERROR for r in receipts),
        "errors": sum(r.status == FrameStatus.ERROR for r in receipts),
    }
    return JSONResponse(content, _stored_status(receipts))


def _load_json(body: bytes) -> Any:
    """The JSON document of a request body; 400 naming the problem when it is not one."""
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as exc:  # incl. bad UTF-8 and 4,300-digit numbers
        raise HTTPException(status.HTTP_400_BAD_REQUEST, f"$: not JSON ({exc})") from None


async def _fields(request: Request) -> dict[str, Any]:
    """A webhook's fields from a JSON object or a form body (and the query string)."""
    body = await request.body()
    fields: dict[str, Any] = dict(request.query_params)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json":
        loaded = _load_json(body)
        if not isinstance(loaded, dict):
            raise HTTPException(status.HTTP_400_BAD_REQUEST, "$: expected a JSON object")
        fields.update(loaded)
    else:
        fields.update(parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True))
    return fields


def _frames_of(
    content_type: str,
    body: bytes,
    base: dict[str, Any],
    limits: LimitsSettings,
    received: datetime,
) -> list[Arrival]:
    """The arrivals of a ``POST /api/v1/frames`` body; 413 beyond ``limits.max_batch_frames``."""
    limit = limits.max_frame_bytes
    if content_type == "application/json":
        arrivals = _json_arrivals(body, base, limit, received)
    elif content_type == "application/octet-stream":
        arrivals = _binary_arrivals(body, base["format"], base, limit, received)
    else:
        arrivals = []
        for line in body.decode("utf-8", errors="replace").splitlines():
            if line.strip() and not line.lstrip().startswith("#"):
                if len(arrivals) == limits.max_batch_frames:
                    _too_many(limits.max_batch_frames)
                arrivals.append(
                    arrival_from_hex(line, "api", limit=limit, received_at=received, **base)
                )
    if len(arrivals) > limits.max_batch_frames:
        _too_many(limits.max_batch_frames)
    return arrivals


def _too_many(limit: int) -> NoReturn:
    raise HTTPException(
        status.HTTP_413_CONTENT_TOO_LARGE,
        f"more than {limit} frames in one request; send them in several",
    )


def _json_arrivals(body: bytes, base: dict[str, Any], limit: int, received: Any) -> list[Arrival]:
    document = _load_json(body)
    if isinstance(document, dict) and "frame" in document:
        items: list[Any] = [document["frame"]]
        where = "frame"
    elif isinstance(document, dict) and isinstance(document.get("frames"), list):
        items, where = document["frames"], "frames"
    elif isinstance(document, list):
        items, where = document, "$"
    else:
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST,
            '$: expected {"frame": "<hex>"}, {"frames": [...]} or a list of frames',
        )
    arrivals = []
    for index, item in enumerate(items):
        place = where if where == "frame" else f"{where}[{index}]"
        arrivals.append(_json_arrival(item, place, base, limit, received))
    return arrivals


def _json_arrival(
    item: Any, place: str, base: dict[str, Any], limit: int, received: Any
) -> Arrival:
    fields = dict(base)
    if isinstance(item, dict):
        text = item.get("hex")
        unknown = set(item) - {"hex", "device", "counter", "meta"}
        if unknown:
            raise HTTPException(
                status.HTTP_400_BAD_REQUEST,
                f"{place}.{sorted(unknown)[0]}: unknown field (hex, device, counter, meta)",
            )
        for name, problem_of in (("device", device_problem), ("counter", counter_problem)):
            if (value := item.get(name)) is not None:
                if problem := problem_of(value):
                    raise HTTPException(status.HTTP_400_BAD_REQUEST, f"{place}.{name}: {problem}")
                fields[name] = value
        meta = item.get("meta")
        if meta is not None and not isinstance(meta, dict):
            raise HTTPException(status.HTTP_400_BAD_REQUEST, f"{place}.meta: an object")
        fields["meta"] = meta
    else:
        text = item
    if not isinstance(text, str):
        raise HTTPException(status.HTTP_400_BAD_REQUEST, f"{place}: a frame is a hex string")
    return arrival_from_hex(text, "api", limit=limit, received_at=received, **fields)


def _binary_arrivals(
    body: bytes, kind: Format, base: dict[str, Any], limit: int, received: Any
) -> list[Arrival]:
    if kind is not Format.WASPMOTE or b"<=>" not in body:
        # one frame of another kind (a mesh packet, an API frame, a tiny frame)
        return [arrival_from_bytes(body, "api", limit=limit, received_at=received, **base)]
    stream = BinaryStream("api", limit=limit, remote=base["remote"])
    return stream.feed(body) + stream.close()
