"""TCP replies while the store is locked: still exactly one line per frame, in order.

Another connection holds the SQLite store exclusively past the busy timeout while a client
sends frames; each is answered ``- unavailable <reason>`` on one line (a short fixed reason,
never the database's message). Once the lock is gone the client sends them again with more,
and reply line i names the stored frame whose bytes are frame i's.
"""

from __future__ import annotations

import socket
import sqlite3
from pathlib import Path

from tests.gateway import frames as f
from tests.gateway.conftest import make_settings
from tests.gateway.running import RunningGateway

_UNAVAILABLE = b"- unavailable the store could not take the frames; send them again\n"


def _lines(frames: list[bytes]) -> bytes:
    return b"".join(frame.hex().encode() + b"\n" for frame in frames)


def test_every_frame_gets_one_reply_line_while_the_store_is_locked(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, sqlite_busy_timeout_s=0.2)
    running = RunningGateway(settings)
    refused = [f.binary(n, values=f.fields(temperature=n)) for n in range(1, 6)]
    later = [f.binary(n, values=f.fields(temperature=n)) for n in range(6, 11)]
    try:
        with socket.create_connection(("127.0.0.1", running.tcp_port), timeout=60) as sock:
            replies = sock.makefile("rb")
            holder = sqlite3.connect(settings.data_dir / "gateway.db", isolation_level=None)
            holder.execute("BEGIN EXCLUSIVE")
            try:
                sock.sendall(_lines(refused))
                while_locked = [replies.readline() for _ in refused]
            finally:
                holder.execute("ROLLBACK")
                holder.close()
            sent_again = refused + later
            sock.sendall(_lines(sent_again))
            after = [replies.readline() for _ in sent_again]
            sock.shutdown(socket.SHUT_WR)
            rest = replies.read()
        assert while_locked == [_UNAVAILABLE] * len(refused)
        assert rest == b""
        ids = []
        for frame, line in zip(sent_again, after, strict=True):
            number, status = line.rstrip(b"\n").split(b" ")
            assert status == b"ok", line
            stored = running.get(f"/api/v1/frames/{int(number)}")
            assert bytes.fromhex(stored["data"]) == frame
            ids.append(int(number))
        listed = running.get("/api/v1/frames", limit=100)["items"]
        assert sorted(item["id"] for item in listed) == sorted(ids)  # none of the refused kept
    finally:
        running.stop()
