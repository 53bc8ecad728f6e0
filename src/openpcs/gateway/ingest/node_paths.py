"""The paths nodes send to, served without the web framework's per-request work.

A node's WiFi or 4G module sends one frame per request to ``/getpost_frame_parser.php`` (GET
``?frame=<hex>``, or POST with the form body ``frame=<hex>``) or, programmed for the Cloud
Bridge, to ``/hw/ps`` (GET). Under load these requests are most of what the gateway serves, so
:class:`NodeLane` answers them in front of the application
(:class:`~openpcs.gateway.api.gateway_app.GatewayApp`): the same refusals as the application's
middlewares (NUL, body limit), the same token rules, limits, ``?wait=`` choice and answers as
every ingest route (:func:`answer_node` is the one implementation; the routes the OpenAPI
description lists call it too), with the application's extra answer headers (the web's
security headers), and none of the framework's middleware stack, routing, dependency solving
or exception machinery.

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
from starlette.types import Message, Receive, Scope, Send

from openpcs.gateway.api.auth import satisfies, token_in
from openpcs.gateway.api.refusals import NUL_MESSAGE, declared_over, holds_nul, over_limit_message
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
    "lane_adapter",
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
Headers = tuple[tuple[bytes, bytes], ...]


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
        refusal: tuple[int, str, Headers] = (
            503,
            BUSY_MESSAGE,
            ((b"retry-after", str(RETRY_AFTER_S).encode()),),
        )
    except _Refused as caught:
        # its parts only: the exception's traceback holds the frames that raised it (and the
        # request's body), in a cycle through this frame that only the collector would free
        refusal = (caught.status, caught.detail, caught.headers)
    return _refusal_answer(request, *refusal)


def _refusal_answer(request: NodeRequest, status: int, detail: str, extra: Headers) -> NodeAnswer:
    if request.plain_errors:
        return NodeAnswer(status, f"error: {detail}\n".encode(), (_TEXT, *extra))
    code, document, headers = _json_answer(status, detail)
    return NodeAnswer(code, document, (*headers, *extra))


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


def lane_adapter(scope: Scope) -> str | None:
    """The adapter a node path's request is archived under; ``None`` for any other request."""
    return _LANE.get((scope["method"], scope["path"]))


class NodeLane:
    """Answers the node paths with :func:`answer_node`, in front of the application (see
    :mod:`openpcs.gateway.api.gateway_app`), giving its refusals as the application's
    middlewares do: a NUL in the query string (400), a body over ``limits.max_body_bytes``
    (413), an unexpected error (500, logged)."""

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway

    async def serve(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        adapter: str,
        extra_headers: Headers = (),
    ) -> None:
        """Answer one node request (``adapter`` from :func:`lane_adapter`)."""
        started = False

        async def answer(
            status: int, body: bytes, headers: tuple[tuple[bytes, bytes], ...]
        ) -> None:
            nonlocal started
            length = (b"content-length", str(len(body)).encode())
            started = True
            await send(
                {
                    "type": "http.response.start",
                    "status": status,
                    "headers": [length, *headers, *extra_headers],
                }
            )
            await send({"type": "http.response.body", "body": body})

        try:
            refusal = self._refusal(scope)
            if refusal is not None:
                await answer(*refusal)
                return
            await self._serve(scope, receive, adapter, answer)
        except ClientDisconnect:  # the sender left before its body came: nothing to store
            return
        except _TooLarge:
            await answer(*self._too_large())
        except Exception:
            _log.exception("%s %s: unexpected error", scope["method"], scope["path"])
            if not started:
                await answer(500, b"Internal Server Error", (_TEXT,))

    def _refusal(self, scope: Scope) -> NodeAnswer | None:
        if holds_nul(scope):
            return _json_answer(400, NUL_MESSAGE)
        if declared_over(scope, self._limit):
            return self._too_large()
        return None

    @property
    def _limit(self) -> int:
        return self.gateway.settings.limits.max_body_bytes

    def _too_large(self) -> NodeAnswer:
        return _json_answer(413, over_limit_message(self._limit))

    async def _serve(
        self,
        scope: Scope,
        receive: Receive,
        adapter: str,
        answer: Callable[[int, bytes, Headers], Awaitable[None]],
    ) -> None:
        body = partial(_whole_body, receive, self._limit) if scope["method"] == "POST" else None
        client = scope.get("client")
        request = NodeRequest(
            adapter,
            dict(reversed(scope["headers"])),  # the first of a repeated header, as Starlette
            scope.get("query_string", b""),
            body,
            client[0] if client else None,
            scope["path"].endswith(".php"),
        )
        await answer(*await answer_node(self.gateway, request))


class _TooLarge(Exception):
    """The body grew past the limit while it was read."""


def _json_answer(status: int, message: str) -> NodeAnswer:
    document = json.dumps({"error": message}, separators=(",", ":")).encode()
    return NodeAnswer(status, document, (_JSON,))


async def _whole_body(receive: Receive, limit: int) -> bytes:
    """The request body, refused (:class:`_TooLarge`) as soon as it is over ``limit`` bytes."""
    chunks: list[bytes] = []
    seen = 0
    while True:
        message: Message = await receive()
        if message["type"] != "http.request":  # gone before the body ended
            raise ClientDisconnect
        chunk = message.get("body", b"")
        seen += len(chunk)
        if seen > limit:
            raise _TooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)
