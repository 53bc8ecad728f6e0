"""HTTP ingest: the Meshlium-compatible path, the frames API, and network-server webhooks.

- ``GET /getpost_frame_parser.php?frame=HEX`` (WiFi module) and ``POST`` with the form body
  ``frame=HEX`` (4G module): answered in plain text, ``ok <id>`` or ``<status> <id>: <reason>``.
- ``GET /hw/ps?frame=HEX``: a frame as a node programmed for the Libelium Cloud Bridge sends it
  (its API key as a Bearer token, taken as a token like any other: a device's own ingest token
  when the admin gave it that key), answered as the Meshlium path answers.
- ``POST /api/v1/frames``: hex (``text/plain``, one frame per line), binary
  (``application/octet-stream``, one frame or a stream of them) or JSON (``{"frame": HEX}``,
  ``{"frames": [HEX or {"hex": …, "device": …, "counter": …, "meta": {…}}, …]}``).
- ``POST /api/v1/webhooks/lorawan/{dialect}``: ChirpStack v4 (``chirpstack``), ChirpStack v3
  (``chirpstack-v3``), The Things Stack (``tts``), or ``auto``.
- ``GET|POST /api/v1/webhooks/sigfox`` and ``POST /api/v1/webhooks/sms``.

Every route checks the caller's token before it reads anything of the request (a caller
without the token a route needs learns nothing of what a good request looks like). Every
answer is sent once the frames are durable. Frames that cannot be read are archived
with their error and answered with it (400 for a request that sent only bad frames).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, PlainTextResponse

from openpcs.gateway.api.auth import presented_token, satisfies
from openpcs.gateway.api.responses import errors, plain_errors
from openpcs.gateway.ingest.acknowledge import WAIT_PARAMETER, acknowledge_of
from openpcs.gateway.ingest.callbacks import parse_sigfox, parse_sms
from openpcs.gateway.ingest.inputs import arrival_from_bytes
from openpcs.gateway.ingest.lorawan import NotAnUplink, parse_uplink
from openpcs.gateway.ingest.node_paths import (
    CLOUD_BRIDGE_PATH,
    MESHLIUM_PATH,
    NodeRequest,
    answer_node,
)
from openpcs.gateway.ingest.request_bodies import frames_of, webhook_fields
from openpcs.gateway.ingest.webhook_errors import WebhookError
from openpcs.gateway.pipeline import Overloaded, StoreUnavailable
from openpcs.gateway.records import Arrival, Format, Receipt, utc_now
from openpcs.gateway.senders import unauthorized_senders
from openpcs.gateway.storable import device_problem
from openpcs.gateway.store.schema import FrameStatus

if TYPE_CHECKING:
    from openpcs.gateway.runtime import Gateway

__all__ = ["ingest_router"]

_DIALECTS: Mapping[str, Any] = {
    "chirpstack": "chirpstack-v4",
    "chirpstack-v4": "chirpstack-v4",
    "chirpstack-v3": "chirpstack-v3",
    "tts": "tts-v3",
    "ttn": "tts-v3",
    "auto": None,
}
_BAD = (FrameStatus.ERROR,)
_MESHLIUM_ERRORS = plain_errors(400, 401, 413, 503)
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
    router = APIRouter(
        responses=errors(401, e401="a token is required (security settings) and none valid came")
    )
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

    async def store(request: Request, token: str | None, arrivals: list[Arrival]) -> list[Receipt]:
        """Archive and process the frames of a caller :func:`authorize` let in (``token``
        is what it presented); their receipts once archived or processed (``?wait=``)."""
        wait = acknowledge_of(request)
        refused = unauthorized_senders(arrivals, gateway.directory, token)
        if refused:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, refused[0])
        for arrival in arrivals:
            arrival.sender_checked = True
        try:
            return await gateway.pipeline.submit(arrivals, wait)
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
        token: str | None,
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
        return _receipts(await store(request, token, [arrival]))

    async def node(request: Request, adapter: str, *, form: bool = False) -> Response:
        """A node path's answer (the same :class:`NodeLane` gives before routing)."""
        headers = {k.encode("latin-1"): v.encode("latin-1") for k, v in request.headers.items()}
        node_request = NodeRequest(
            adapter,
            headers,
            request.scope.get("query_string", b""),
            request.body if form else None,
            _remote(request),
            request.url.path.endswith(".php"),
        )
        answer = await answer_node(gateway, node_request)
        return Response(
            answer.body, answer.status, {k.decode(): v.decode() for k, v in answer.headers}
        )

    @router.get(
        MESHLIUM_PATH,
        tags=["ingest"],
        response_class=PlainTextResponse,
        responses={**_MESHLIUM_ERRORS, **errors(422)},
        openapi_extra=WAIT_PARAMETER,
    )
    async def meshlium_get(
        request: Request,
        frame: Annotated[str | None, Query(description="the frame in hex")] = None,
    ) -> Response:
        """A frame as the WiFi module sends it to a Meshlium: ``?frame=<hex>``."""
        del frame  # read by answer_node, with the rest of the query
        return await node(request, "meshlium")

    @router.post(
        MESHLIUM_PATH,
        tags=["ingest"],
        response_class=PlainTextResponse,
        responses=_MESHLIUM_ERRORS,
        openapi_extra=WAIT_PARAMETER,
    )
    async def meshlium_post(request: Request) -> Response:
        """A frame as the 4G module sends it to a Meshlium: form body ``frame=<hex>``."""
        return await node(request, "meshlium", form=True)

    @router.get(
        CLOUD_BRIDGE_PATH,
        tags=["ingest"],
        response_class=PlainTextResponse,
        responses={**_MESHLIUM_ERRORS, **errors(422)},
        openapi_extra=WAIT_PARAMETER,
    )
    async def cloud_bridge_get(
        request: Request,
        frame: Annotated[str | None, Query(description="the frame in hex")] = None,
    ) -> Response:
        """A frame as a node sends it to the Libelium Cloud Bridge: ``?frame=<hex>``."""
        del frame  # read by answer_node, with the rest of the query
        return await node(request, "cloud-bridge")

    @router.post(
        "/api/v1/frames",
        openapi_extra=WAIT_PARAMETER,
        tags=["ingest"],
        responses={
            200: {"description": "one receipt per frame, in order"},
            **errors(400, 413, 415, 422, e400="every frame was bad, or the body is malformed"),
        },
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
        token = authorize(request)
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
        parse = partial(frames_of, content_type, body, base, limits, utc_now())
        # a large body is parsed off the event loop, which keeps serving meanwhile
        arrivals = parse() if len(body) <= _PARSE_INLINE_BYTES else await run_in_threadpool(parse)
        if not arrivals:
            raise HTTPException(status.HTTP_400_BAD_REQUEST, "the request holds no frame")
        return _receipts(await store(request, token, arrivals))

    @router.post(
        "/api/v1/webhooks/lorawan/{dialect}",
        openapi_extra=WAIT_PARAMETER,
        tags=["ingest"],
        responses={
            204: {"description": "another event than an uplink: nothing to store"},
            **errors(404, 422, e404="no such LoRaWAN dialect"),
        },
    )
    async def lorawan_webhook(
        request: Request,
        dialect: str,
        event: Annotated[str | None, Query(description="ChirpStack's event type")] = None,
    ) -> Response:
        """An uplink from a LoRaWAN network server; its payload is a (tiny) Waspmote frame."""
        token = authorize(request, webhook=True)
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
            token,
            uplink.payload,
            f"lorawan-{uplink.dialect}",
            uplink.meta(),
            device=f"lorawan:{uplink.dev_eui}",
            counter=uplink.f_cnt,
        )

    async def sigfox(request: Request, token: str | None, fields: Mapping[str, Any]) -> Response:
        try:
            message = parse_sigfox(fields)
        except WebhookError as exc:
            raise HTTPException(status.HTTP_400_BAD_REQUEST, str(exc)) from None
        return await network_message(
            request,
            token,
            message.payload,
            "sigfox",
            message.meta(),
            device=f"sigfox:{message.device_id}",
            counter=message.seq_number,
        )

    @router.get("/api/v1/webhooks/sigfox", openapi_extra=WAIT_PARAMETER, tags=["ingest"])
    async def sigfox_get(request: Request) -> Response:
        """A Sigfox callback sent as a GET: ``?device=…&data=…&time=…&seqNumber=…``."""
        token = authorize(request, webhook=True)
        return await sigfox(request, token, dict(request.query_params))

    @router.post("/api/v1/webhooks/sigfox", openapi_extra=WAIT_PARAMETER, tags=["ingest"])
    async def sigfox_post(request: Request) -> Response:
        """A Sigfox callback sent as a POST with a JSON or form body."""
        token = authorize(request, webhook=True)
        return await sigfox(request, token, await webhook_fields(request))

    @router.post("/api/v1/webhooks/sms", openapi_extra=WAIT_PARAMETER, tags=["ingest"])
    async def sms_webhook(request: Request) -> Response:
        """A received SMS from an SMS gateway; its body is a Waspmote frame in hex."""
        token = authorize(request, webhook=True)
        try:
            message = parse_sms(await webhook_fields(request))
        except WebhookError as exc:
            raise HTTPException(status.HTTP_400_BAD_REQUEST, str(exc)) from None
        return await network_message(request, token, message.payload, "sms", message.meta())

    return router


def _receipts(receipts: list[Receipt]) -> JSONResponse:
    content = {
        "frames": [r.to_dict() for r in receipts],
        "stored": sum(r.status != FrameStatus.ERROR for r in receipts),
        "errors": sum(r.status == FrameStatus.ERROR for r in receipts),
    }
    return JSONResponse(content, _stored_status(receipts))
