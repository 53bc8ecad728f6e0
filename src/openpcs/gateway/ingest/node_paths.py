"""The paths nodes send to, served without the web framework's per-request work.

A node's WiFi or 4G module sends one frame per request to ``/getpost_frame_parser.php`` (GET
``?frame=<hex>``, or POST with the form body ``frame=<hex>``) or, programmed for the Cloud
Bridge, to ``/hw/ps`` (GET). Under load these requests are most of what the gateway serves, so
:class:`NodeLane`, an ASGI middleware inside the application's own (body limit, NUL refusal,
security headers), answers them itself: the same token rules, limits, ``?wait=`` choice and
answers as every ingest route (:func:`answer_node` is the one implementation; the routes the
OpenAPI description lists call it too), without routing, dependency solving and the exception
machinery.

An answer is plain text, ``<status> <id>`` and ``: <reason>`` when there is one, 200 (400 when
the frame was bad); errors are ``error: <what>`` in plain text on the Meshlium path and
``{"error": …}`` on the Cloud Bridge's, as the application's error handler gives them.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from functools import partial
from typing import TYPE_CHECKING, Final, NamedTuple
from urllib.parse import parse_qsl

from sqlalchemy.exc import OperationalError
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from openpcs.gateway.api.auth import satisfies, token_in
from openpcs.gateway.ingest.acknowledge import acknowledge_choice
from openpcs.gateway.ingest.inputs import arrival_from_hex
from openpcs.gateway.pipeline import Acknowledge, Overloaded, StoreUnavailable
from openpcs.gateway.senders import unauthorized_senders
from openpcs.gateway.store.contention import BUSY_MESSAGE, RETRY_AFTER_S, contention_code
from openpcs.gateway.store.schema import FrameStatus

if TYPE_CHECKING:
    from openpcs.gateway.runtime import Gateway

__all__ = [
    "CLOUD_BRIDGE_PATH",
    "MESHLIUM_PATH",
    "NodeAnswer",
    "NodeLane",
    "NodeRequest",
    "answer_node",
]

_log = logging.getLogger("openpcs.gateway.http")

MESHLIUM_PATH: Final = "/getpost_frame_parser.php"
CLOUD_BRIDGE_PATH: Final = "/hw/ps"
#: The paths and methods the lane answers, and the adapter each is archived under.
_LANE: Final = {
    ("GET", MESHLIUM_PATH): "meshlium",
    ("POST", MESHLIUM_PATH): "meshlium",
    ("GET", CLOUD_BRIDGE_PATH): "cloud-bridge",
}
_TEXT: Final = (b"content-type", b"text/plain; charset=utf-8")
_JSON: Final = (b"content-type", b"application/json")
_CHALLENGE: Final = (b"www-authenticate", b'Bearer realm="openpcs"')


class NodeAnswer(NamedTuple):
    """What a node path answers: status code, body, and its headers."""

    status: int
    body: bytes
    headers: tuple[tuple[bytes, bytes], ...]


class _Refused(Exception):
    def __init__(self, status: int, detail: str, *headers: tuple[bytes, bytes]) -> None:
        super().__init__(detail)
        self.status, self.detail, self.headers = status, detail, headers


def _wait(query: Mapping[str, str]) -> Acknowledge | None:
    try:
        return acknowledge_choice(query.get("wait"))
    except ValueError as exc:
        raise _Refused(400, str(exc)) from None


class NodeRequest(NamedTuple):
    """One node request: the adapter it is archived under, its headers (names in lower case),
    query string, what reads the form body once the token is checked (``None`` for a GET),
    the sender's address, and whether errors are answered in plain text (the Meshlium path)
    or JSON."""

    adapter: str
    headers: Mapping[bytes, bytes]
    query_string: bytes
    body: Callable[[], Awaitable[bytes]] | None
    remote: str | None
    plain_errors: bool


async def answer_node(gateway: Gateway, request: NodeRequest) -> NodeAnswer:
    """Archive (and, if asked, process) the frame of one node request; what to answer."""
    try:
        return await _answer(gateway, request)
    except OperationalError as exc:  # a token lookup the busy store refused, as the app says
        code = contention_code(exc)
        if code is None:
            raise
        _log.warning("%s: the store was busy (%s)", request.adapter, code)
        refused = _Refused(503, BUSY_MESSAGE, (b"retry-after", str(RETRY_AFTER_S).encode()))
    except _Refused as caught:
        refused = caught
    if request.plain_errors:
        text = f"error: {refused.detail}\n".encode()
        return NodeAnswer(refused.status, text, (_TEXT, *refused.headers))
    document = json.dumps({"error": refused.detail}, separators=(",", ":")).encode()
    return NodeAnswer(refused.status, document, (_JSON, *refused.headers))


async def _answer(gateway: Gateway, request: NodeRequest) -> NodeAnswer:
    query = dict(parse_qsl(request.query_string.decode("latin-1"), keep_blank_values=True))
    token = token_in(lambda name: _header(request.headers, name), query.get("token"))
    security = gateway.settings.security
    if (
        security.ingest_token_required
        and not satisfies(gateway.auth.scope_of(token), "ingest")
        and (token is None or gateway.directory.device_of_token(token) is None)
    ):
        detail = "this ingest route needs a token with the 'ingest' scope"
        raise _Refused(401, detail, _CHALLENGE)
    frame = query.get("frame")
    if request.body is not None:
        body = await request.body()
        form = dict(parse_qsl(body.decode("latin-1"), keep_blank_values=True))
        frame = form.get("frame", frame)
    if frame is None:
        return NodeAnswer(400, b"error: the request has no 'frame' parameter\n", (_TEXT,))
    limit = gateway.settings.limits.max_frame_bytes
    arrival = arrival_from_hex(frame, request.adapter, limit=limit, remote=request.remote)
    wait = _wait(query)
    refused = unauthorized_senders([arrival], gateway.directory, token)
    if refused:
        raise _Refused(401, refused[0])
    arrival.sender_checked = True
    try:
        (receipt,) = await gateway.pipeline.submit([arrival], wait)
    except Overloaded as exc:
        raise _Refused(503, str(exc), (b"retry-after", b"1")) from None
    except StoreUnavailable as exc:
        raise _Refused(503, str(exc), (b"retry-after", b"5")) from None
    text = f"{receipt.status} {receipt.id}"
    if receipt.error:
        text += f": {receipt.error}"
    code = 400 if receipt.status == FrameStatus.ERROR else 200
    return NodeAnswer(code, (text + "\n").encode(), (_TEXT,))


def _header(headers: Mapping[bytes, bytes], name: str) -> str | None:
    value = headers.get(name.encode())
    return None if value is None else value.decode("latin-1")


class NodeLane:
    """ASGI middleware answering the node paths with :func:`answer_node`; every other request
    goes on to the application."""

    def __init__(self, app: ASGIApp, gateway: Gateway) -> None:
        self.app = app
        self.gateway = gateway

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        adapter = _LANE.get((scope.get("method", ""), scope.get("path", "")))
        if scope["type"] != "http" or adapter is None:
            await self.app(scope, receive, send)
            return
        body = partial(_whole_body, receive) if scope["method"] == "POST" else None
        client = scope.get("client")
        request = NodeRequest(
            adapter,
            dict(reversed(scope["headers"])),  # the first of a repeated header, as Starlette
            scope.get("query_string", b""),
            body,
            client[0] if client else None,
            scope["path"].endswith(".php"),
        )
        try:
            answer = await answer_node(self.gateway, request)
        except ClientDisconnect:  # the sender left before its body came: nothing to store
            return
        length = (b"content-length", str(len(answer.body)).encode())
        await send(
            {
                "type": "http.response.start",
                "status": answer.status,
                "headers": [length, *answer.headers],
            }
        )
        await send({"type": "http.response.body", "body": answer.body})


async def _whole_body(receive: Receive) -> bytes:
    """The request body (the body limit around the application counts it as it comes)."""
    chunks: list[bytes] = []
    while True:
        message: Message = await receive()
        if message["type"] != "http.request":  # gone before the body ended
            raise ClientDisconnect
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)
