"""The gateway's application class: the node paths are answered in front of the framework.

Under load, nodes sending one frame per request are most of what the gateway serves. A
:class:`GatewayApp` hands those requests (:func:`~openpcs.gateway.ingest.node_paths.lane_adapter`)
to its :class:`~openpcs.gateway.ingest.node_paths.NodeLane` before Starlette's middleware
stack and FastAPI's routing run; the lane applies the same refusals (NUL, body limit), token
rules and answers, and adds ``answer_headers`` (the web application sets its security headers
there) to each of its answers. Every other request, and the lifespan, go to FastAPI as usual.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from starlette.types import Receive, Scope, Send

from openpcs.gateway.ingest.node_paths import NodeLane, lane_adapter

__all__ = ["GatewayApp"]


class GatewayApp(FastAPI):
    """FastAPI, with the node lane in front when ``node_lane`` is set."""

    def __init__(self, **settings: Any) -> None:
        super().__init__(**settings)
        self.node_lane: NodeLane | None = None
        self.answer_headers: tuple[tuple[bytes, bytes], ...] = ()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        lane = self.node_lane
        if lane is not None and scope["type"] == "http":
            adapter = lane_adapter(scope)
            if adapter is not None:
                await lane.serve(scope, receive, send, adapter, self.answer_headers)
                return
        await super().__call__(scope, receive, send)
