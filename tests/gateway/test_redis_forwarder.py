"""The Redis Streams forwarder end to end, against the Redis server on this machine
(``OPENPCS_TEST_REDIS``, default ``127.0.0.1:6379``): every stored frame added to the stream
once (at least once), and through an outage (the forwarder reaches Redis through a TCP proxy
the test closes and opens again) nothing is lost."""

from __future__ import annotations

import json
import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from tests.gateway.conftest import unavailable
from tests.gateway.running import wait_for
from tests.gateway.test_forwarders import (
    TIMEOUT,
    BrokerProxy,
    backlog,
    check_document,
    forwarder_stats,
    running_gateway,
    send_frames,
    stored_frames,
    unique_serial,
)

REDIS_ADDRESS = os.environ.get("OPENPCS_TEST_REDIS", "127.0.0.1:6379")


@pytest.fixture
def redis_server() -> tuple[str, int]:
    host, _, port = REDIS_ADDRESS.rpartition(":")
    try:
        socket.create_connection((host, int(port)), 2).close()
    except OSError as exc:
        unavailable(f"the Redis server at {REDIS_ADDRESS}", str(exc))
    return host, int(port)


@pytest.fixture
def stream(redis_server: tuple[str, int]) -> Iterator[tuple[redis.Redis, str]]:
    client = redis.Redis(*redis_server)
    name = f"openpcs-test:{uuid.uuid4().hex[:12]}"
    try:
        yield client, name
    finally:
        client.delete(name)
        client.close()


def _documents(client: redis.Redis, name: str) -> list[dict[str, Any]]:
    return [json.loads(fields[b"frame"]) for _, fields in client.xrange(name)]


def _forwarder(url: str, name: str, **more: Any) -> dict[str, Any]:
    return {"name": "streams", "url": url, "stream": name, **more}


def test_each_stored_frame_is_added_to_the_stream(
    tmp_path: Path, redis_server: tuple[str, int], stream: tuple[redis.Redis, str]
) -> None:
    client, name = stream
    host, port = redis_server
    serial = unique_serial()
    forwarder = _forwarder(f"redis://{host}:{port}/0", name)
    with running_gateway(tmp_path, redis_streams=[forwarder]) as running:
        sent = send_frames(running, serial, range(5))
        wait_for(lambda: len(_documents(client, name)) >= 5, TIMEOUT)
        stored = stored_frames(running, serial)
        wait_for(lambda: backlog(running, "streams")["waiting"] == 0, TIMEOUT)
    documents = _documents(client, name)
    assert {d["frame_id"] for d in documents} == set(sent.values())
    for document in documents:
        check_document(document, stored[document["frame_id"]])


def test_frames_stored_during_an_outage_are_added_once_redis_is_back(
    tmp_path: Path, redis_server: tuple[str, int], stream: tuple[redis.Redis, str]
) -> None:
    client, name = stream
    proxy = BrokerProxy(redis_server)
    proxy.open()
    try:
        serial = unique_serial()
        forwarder = _forwarder(f"redis://127.0.0.1:{proxy.port}/0", name, timeout_s=2)
        with running_gateway(tmp_path, redis_streams=[forwarder]) as running:
            (first,) = send_frames(running, serial, range(1)).values()
            wait_for(lambda: first in {d["frame_id"] for d in _documents(client, name)}, TIMEOUT)

            proxy.close()  # Redis out of reach: ingesting goes on, the outbox holds the rest
            outage = set(send_frames(running, serial, range(1, 21)).values())
            wait_for(lambda: forwarder_stats(running, "streams")["failed_attempts"] >= 20, TIMEOUT)
            assert backlog(running, "streams") == {"waiting": 20, "dead": 0}
            assert not outage & {d["frame_id"] for d in _documents(client, name)}

            proxy.open()
            wait_for(lambda: {d["frame_id"] for d in _documents(client, name)} >= outage, TIMEOUT)
            wait_for(lambda: backlog(running, "streams")["waiting"] == 0, TIMEOUT)
            stored = stored_frames(running, serial)
    finally:
        proxy.shut()
    documents = _documents(client, name)
    assert {d["frame_id"] for d in documents} == outage | {first}
    for document in documents:  # duplicates may come (at least once); every one is right
        check_document(document, stored[document["frame_id"]])


def test_the_stream_is_kept_about_its_length(
    tmp_path: Path, redis_server: tuple[str, int], stream: tuple[redis.Redis, str]
) -> None:
    client, name = stream
    host, port = redis_server
    forwarder = _forwarder(f"redis://{host}:{port}/0", name, max_length=10)
    with running_gateway(tmp_path, redis_streams=[forwarder]) as running:
        send_frames(running, unique_serial(), range(250))
        wait_for(lambda: backlog(running, "streams")["waiting"] == 0, TIMEOUT)
    # MAXLEN ~ trims whole nodes of the stream (100 entries each by default), never below 10
    assert 10 <= client.xlen(name) < 250
