"""Web writes while something else writes to the store: they wait their turn, never fail.

Templates (save, rename, delete) and accounts are written through the HTTP API by several
threads at once while another connection holds the store's write lock (SQLite: ``BEGIN
IMMEDIATE`` on the file; PostgreSQL: an ``EXCLUSIVE`` table lock), and beside TCP ingest.
Every request must succeed once the lock is free, and every write must be in the store. A
store busy for longer than the busy timeout answers 503 with ``Retry-After``, never 500.
"""

from __future__ import annotations

import socket
import sqlite3
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import psycopg
from sqlalchemy import event
from sqlalchemy.engine import make_url

from openpcs.web.app import create_web_app
from tests.gateway import frames as f
from tests.gateway.conftest import make_settings
from tests.web.conftest import WebServer

DOCUMENT: dict[str, Any] = {
    "node_name": "field",
    "model": "smart_agriculture",
    "sockets": {"A": "weather_station"},
    "sleep": {"minutes": 15},
}
_WRITERS = 8
_SAFETY_S = 20.0  # below the store's busy timeout (30 s): the lock is released before it ends
_WRITES = ("INSERT", "UPDATE", "DELETE", "BEGIN IMMEDIATE")


def _server(tmp_path: Path, database: str, **values: Any) -> WebServer:
    return WebServer(make_settings(tmp_path, database=database, **values), create_web_app)


@contextmanager
def _write_lock(url: str) -> Iterator[None]:
    """Hold the store's write lock from another connection until the block ends."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        holder = sqlite3.connect(parsed.database or "", isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        return
    conninfo = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo) as holder:
        holder.execute("LOCK TABLE node_templates, template_versions, web_users IN EXCLUSIVE MODE")
        yield
        holder.rollback()


class _WaitingWriters:
    """Counts the server's transactions that asked for the write lock (by their first write
    statement), so that a test releases its lock once every request it sent is waiting."""

    def __init__(self, engine: Any, expected: int) -> None:
        self.engine = engine
        self.expected = expected
        self.seen: list[Any] = []  # the connections themselves: ids could be reused
        self.all_waiting = threading.Event()
        self._lock = threading.Lock()
        event.listen(engine, "before_cursor_execute", self._statement)

    def _statement(self, connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if threading.current_thread().name == "openpcs-pipeline":
            return
        if not statement.lstrip().upper().startswith(_WRITES):
            return
        with self._lock:
            if not any(seen is connection for seen in self.seen):
                self.seen.append(connection)
            if len(self.seen) >= self.expected:
                self.all_waiting.set()

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._statement)


def _run_all(calls: list[Callable[[httpx.Client], httpx.Response]], web: WebServer) -> list[Any]:
    """Run every call in its own thread with its own client; their answers, in order."""

    def run(call: Callable[[httpx.Client], httpx.Response]) -> Any:
        with web.client() as client:
            answer = call(client)
            return answer.status_code, answer.text

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def test_template_and_account_writes_wait_for_a_held_lock_and_all_land(
    store_url: str, tmp_path: Path
) -> None:
    web = _server(tmp_path, store_url, tcp={"enabled": False})
    try:
        with web.client() as client:
            for name in ("keep", "old-1", "old-2", "gone-1", "gone-2"):
                assert client.put(f"/api/v1/pcs/templates/{name}", json=DOCUMENT).status_code == 200
        calls: list[Callable[[httpx.Client], httpx.Response]] = [
            lambda c: c.put("/api/v1/pcs/templates/new-1", json=DOCUMENT),
            lambda c: c.put("/api/v1/pcs/templates/keep", json=DOCUMENT),
            lambda c: c.post("/api/v1/pcs/templates/old-1/rename", json={"name": "renamed-1"}),
            lambda c: c.post("/api/v1/pcs/templates/old-2/rename", json={"name": "renamed-2"}),
            lambda c: c.delete("/api/v1/pcs/templates/gone-1"),
            lambda c: c.delete("/api/v1/pcs/templates/gone-2"),
            lambda c: c.post(
                "/api/v1/pcs/users", json={"username": "ann", "password": "a-long-password-1"}
            ),
            lambda c: c.post(
                "/api/v1/pcs/users", json={"username": "bob", "password": "a-long-password-2"}
            ),
        ]
        assert len(calls) == _WRITERS
        waiting = _WaitingWriters(web.gateway.engine, _WRITERS)
        try:
            with ThreadPoolExecutor(1) as outside:
                with _write_lock(store_url):
                    answers = outside.submit(_run_all, calls, web)
                    waiting.all_waiting.wait(_SAFETY_S)
                results = answers.result()
        finally:
            waiting.close()
        assert [status for status, _ in results] == [200, 200, 200, 200, 204, 204, 201, 201], [
            text for _, text in results
        ]
        with web.client() as client:
            names = {t["name"]: t["version"] for t in client.get("/api/v1/pcs/templates").json()}
            users = {u["username"] for u in client.get("/api/v1/pcs/users").json()}
        assert names == {"keep": 2, "new-1": 1, "renamed-1": 1, "renamed-2": 1}
        assert {"ann", "bob"} <= users
    finally:
        web.stop()


def test_web_writes_beside_tcp_ingest_never_fail(tmp_path: Path) -> None:
    web = _server(tmp_path, f"sqlite:///{tmp_path / 'store.db'}")
    stop = threading.Event()
    acknowledged: list[bytes] = []

    def ingest() -> None:
        with socket.create_connection(("127.0.0.1", web.tcp_port), timeout=60) as sock:
            replies = sock.makefile("rb")
            sequence = 0
            while not stop.is_set():
                frames = [
                    f.binary(n % 256, values=f.fields(temperature=n / 8))
                    for n in range(sequence, sequence + 50)
                ]
                lines = [frame.hex().encode() + b"\n" for frame in frames]
                sequence += 50
                sock.sendall(b"".join(lines))
                acknowledged.extend(replies.readline() for _ in lines)

    def writer(number: int) -> list[int]:
        codes = []
        with web.client() as client:
            for i in range(25):
                if i % 5 == 4:
                    answer = client.post(
                        "/api/v1/pcs/users",
                        json={"username": f"user-{number}-{i}", "password": "a-long-password-1"},
                    )
                else:
                    answer = client.put(f"/api/v1/pcs/templates/t{number}-{i % 3}", json=DOCUMENT)
                codes.append(answer.status_code)
        return codes

    try:
        with ThreadPoolExecutor(5) as pool:
            load = pool.submit(ingest)
            try:
                writers = [pool.submit(writer, n) for n in range(4)]
                codes = [code for done in writers for code in done.result()]
            finally:
                stop.set()
            load.result()
        assert sorted(set(codes)) == [200, 201]
        assert acknowledged
        assert all(line.split(b" ")[1] == b"ok\n" for line in acknowledged)
        with web.client() as client:
            versions = {t["name"]: t["version"] for t in client.get("/api/v1/pcs/templates").json()}
        saves = [i % 3 for i in range(25) if i % 5 != 4]
        assert versions == {f"t{n}-{k}": saves.count(k) for n in range(4) for k in range(3)}
    finally:
        stop.set()
        web.stop()


def test_a_store_busy_past_the_busy_timeout_answers_503_with_retry_after(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    web = _server(tmp_path, url, tcp={"enabled": False}, sqlite_busy_timeout_s=0.2)
    try:
        with web.client() as client:
            with _write_lock(url):
                busy = client.put("/api/v1/pcs/templates/busy", json=DOCUMENT)
                account = client.post(
                    "/api/v1/pcs/users", json={"username": "cat", "password": "a-long-password-3"}
                )
                reading = client.get("/api/v1/pcs/templates")  # readers never wait for writers
            after = client.put("/api/v1/pcs/templates/busy", json=DOCUMENT)
    finally:
        web.stop()
    for answer in (busy, account):
        assert answer.status_code == 503, answer.text
        assert int(answer.headers["retry-after"]) >= 1
        assert answer.json() == {"error": "the store is busy; try again shortly"}
        assert "\n" not in answer.text
    assert reading.status_code == 200
    assert after.status_code == 200
    assert after.json()["version"] == 1


def test_racing_creations_of_one_name_never_fail_with_500(store_url: str, tmp_path: Path) -> None:
    """Twenty saves of a template that does not exist yet, and six creations of one account,
    at the same moment: every save lands as its own version, one account is made and the
    others are told it exists (PostgreSQL let both look for the name and not find it)."""
    web = _server(tmp_path, store_url, tcp={"enabled": False})
    saves: list[Callable[[httpx.Client], httpx.Response]] = [
        lambda c: c.put("/api/v1/pcs/templates/race", json=DOCUMENT) for _ in range(20)
    ]
    accounts: list[Callable[[httpx.Client], httpx.Response]] = [
        lambda c: c.post(
            "/api/v1/pcs/users", json={"username": "twin", "password": "a-long-password-1"}
        )
        for _ in range(6)
    ]
    try:
        saved = _run_all(saves, web)
        made = _run_all(accounts, web)
        with web.client() as client:
            versions = client.get("/api/v1/pcs/templates/race/versions").json()
    finally:
        web.stop()
    assert [status for status, _ in saved] == [200] * 20, saved
    assert sorted(v["version"] for v in versions) == list(range(1, 21))
    assert sorted(status for status, _ in made) == [201] + [409] * 5, made
    assert all("exists already" in text for status, text in made if status == 409)


def test_racing_registrations_never_pass_the_licence(store_url: str, tmp_path: Path) -> None:
    """Twelve devices registered at once into a registry one short of its licence: one is
    added, eleven are refused (the count and the insert share one transaction)."""
    web = _server(tmp_path, store_url, tcp={"enabled": False})
    try:
        with web.client() as client:
            for index in range(5):
                added = client.post(
                    "/api/v1/pcs/devices",
                    json={"serial": f"00000000000000{index:02X}", "model": "smart_water"},
                )
                assert added.status_code == 201, added.text
        racing: list[Callable[[httpx.Client], httpx.Response]] = [
            lambda c, n=n: c.post(
                "/api/v1/pcs/devices",
                json={"serial": f"00000000000001{n:02X}", "model": "smart_water"},
            )
            for n in range(12)
        ]
        answers = _run_all(racing, web)
        with web.client() as client:
            count = client.get("/api/v1/pcs/licence").json()["devices"]
    finally:
        web.stop()
    assert sorted(status for status, _ in answers) == [201] + [409] * 11, answers
    assert count == 6
