"""The gateway serves on uvloop's event loop where uvloop is installed (a dependency), every
listener on the one loop ``serve`` makes."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path
from typing import Any

import uvloop

from openpcs.gateway.runtime import Gateway
from openpcs.gateway.server import serve
from tests.gateway.conftest import make_settings


def test_serve_runs_the_application_on_uvloop(tmp_path: Path) -> None:
    loops: list[type[Any]] = []

    def app_factory(gateway: Gateway) -> Any:
        async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
            assert scope["type"] == "lifespan"
            await receive()  # startup
            loop = asyncio.get_running_loop()
            loops.append(type(loop))
            await send({"type": "lifespan.startup.complete"})
            loop.call_later(0.2, os.kill, os.getpid(), signal.SIGTERM)  # serve stops cleanly
            await receive()  # shutdown
            await send({"type": "lifespan.shutdown.complete"})

        return app

    serve(make_settings(tmp_path, https={"enabled": False}), app_factory)
    assert loops == [uvloop.Loop]
