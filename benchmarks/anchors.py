"""The anchors the gateway's figures are measured beside, in the same run on the same machine.

- ``bare``: an ASGI application with no framework, answering every request ``ok 1`` as the
  Meshlium path does, served by uvicorn with the gateway's server settings: the ceiling of a
  Python HTTP service here.
- ``fastapi``: a FastAPI application with one GET route answering the same: the cost of the
  framework alone, without the gateway's work.
- :func:`executemany_floor`: SQLite's own ``executemany`` of 5-column rows into a WAL
  database with ``synchronous=FULL``, no index, one commit per 5,000 rows: the most a store
  can write.

Run ``python benchmarks/anchors.py bare|fastapi PORT`` to serve an anchor application.
"""

from __future__ import annotations

import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

_BODY = b"ok 1"


async def bare_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """The whole application: read nothing, answer 200 ``ok 1``."""
    if scope["type"] != "http":
        return
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"text/plain"), (b"content-length", b"4")],
        }
    )
    await send({"type": "http.response.body", "body": _BODY})


def fastapi_app() -> Any:
    """A FastAPI application whose one route answers ``ok 1`` to the Meshlium path."""
    from fastapi import FastAPI
    from fastapi.responses import PlainTextResponse

    app = FastAPI()

    @app.get("/getpost_frame_parser.php", response_class=PlainTextResponse)
    async def meshlium(frame: str = "") -> str:
        return "ok 1"

    return app


def serve(kind: str, port: int) -> None:
    """Serve an anchor application on ``port`` (loopback) until killed."""
    import uvicorn

    app = bare_app if kind == "bare" else fastapi_app()
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def executemany_floor(path: Path, rows: int = 200_000, batch: int = 5000) -> float:
    """Rows per second SQLite's ``executemany`` writes (5 columns, WAL, synchronous FULL)."""
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")
    connection.execute(
        "CREATE TABLE floor "
        "(frame_id INTEGER, position INTEGER, sensor TEXT, value REAL, unit TEXT)"
    )
    data = [(i // 3, i % 3, "TC", 21.5 + i % 7, "°C") for i in range(rows)]
    start = time.perf_counter()
    for first in range(0, rows, batch):
        connection.execute("BEGIN")
        connection.executemany(
            "INSERT INTO floor VALUES (?, ?, ?, ?, ?)", data[first : first + batch]
        )
        connection.execute("COMMIT")
    elapsed = time.perf_counter() - start
    connection.close()
    return rows / elapsed


if __name__ == "__main__":
    serve(sys.argv[1], int(sys.argv[2]))
