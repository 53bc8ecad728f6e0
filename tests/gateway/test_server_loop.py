"""The gateway serves on uvloop's event loop where uvloop is installed (a dependency), every
listener on the one loop ``serve`` makes, with the garbage collector set for a long run."""

from __future__ import annotations

import asyncio
import gc
import os
import signal
from pathlib import Path
from typing import Any

import uvloop

from openpcs.gateway.collector import THRESHOLDS
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

    before = gc.get_threshold()
    try:
        serve(make_settings(tmp_path, https={"enabled": False}), app_factory)
    finally:  # serve set the collector for a long run; this test process goes on with its own
        gc.unfreeze()
        gc.set_threshold(*before)
    assert loops == [uvloop.Loop]


def test_serve_freezes_what_start_up_made_and_collects_less_often(tmp_path: Path) -> None:
    seen: list[tuple[tuple[int, int, int], int]] = []

    def app_factory(gateway: Gateway) -> Any:
        async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
            await receive()
            seen.append((gc.get_threshold(), gc.get_freeze_count()))
            await send({"type": "lifespan.startup.complete"})
            asyncio.get_running_loop().call_later(0.2, os.kill, os.getpid(), signal.SIGTERM)
            await receive()
            await send({"type": "lifespan.shutdown.complete"})

        return app

    before = gc.get_threshold()
    assert gc.get_freeze_count() == 0
    try:
        serve(make_settings(tmp_path, https={"enabled": False}), app_factory)
    finally:  # this test process goes on with its own settings
        gc.unfreeze()
        gc.set_threshold(*before)
    ((thresholds, frozen),) = seen
    assert thresholds == THRESHOLDS
    assert frozen > 0
