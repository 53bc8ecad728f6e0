"""The NATS JetStream and AMQP (RabbitMQ) forwarders end to end, against the servers on this
machine (``OPENPCS_TEST_NATS``, default ``127.0.0.1:4222``; ``OPENPCS_TEST_AMQP``, default
``127.0.0.1:5672`` with guest/guest): every stored frame published and acknowledged, and
through an outage (the forwarder reaches the server through a TCP proxy the test closes and
opens again) nothing is lost."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import aio_pika
import nats
import pytest

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

NATS_ADDRESS = os.environ.get("OPENPCS_TEST_NATS", "127.0.0.1:4222")
AMQP_ADDRESS = os.environ.get("OPENPCS_TEST_AMQP", "127.0.0.1:5672")


def _reachable(what: str, address: str) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    try:
        socket.create_connection((host, int(port)), 2).close()
    except OSError as exc:
        unavailable(f"the {what} at {address}", str(exc))
    return host, int(port)


# --- reading what arrived -----------------------------------------------------------------


async def _nats_documents(address: tuple[str, int], stream: str) -> list[dict[str, Any]]:
    client = await nats.connect(f"nats://{address[0]}:{address[1]}", allow_reconnect=False)
    try:
        jetstream = client.jetstream()
        try:
            info = await jetstream.stream_info(stream)
        except nats.js.errors.NotFoundError:
            return []  # the forwarder has not made it yet
        if not info.state.messages:  # made, nothing in it yet: its sequences start at 0
            return []
        found = []
        for sequence in range(info.state.first_seq, info.state.last_seq + 1):
            message = await jetstream.get_msg(stream, sequence)
            if message.data:
                found.append(json.loads(message.data))
        return found
    finally:
        await client.close()


async def _nats_drop(address: tuple[str, int], stream: str) -> None:
    client = await nats.connect(f"nats://{address[0]}:{address[1]}", allow_reconnect=False)
    try:
        await client.jetstream().delete_stream(stream)
    except nats.js.errors.NotFoundError:
        pass
    finally:
        await client.close()


class _AmqpQueue:
    """The messages the queue holds, read once (acknowledged) and kept here."""

    def __init__(self, address: tuple[str, int], queue: str) -> None:
        self.url = f"amqp://guest:guest@{address[0]}:{address[1]}/"
        self.queue = queue
        self.seen: list[dict[str, Any]] = []

    def documents(self) -> list[dict[str, Any]]:
        asyncio.run(self._drain())
        return self.seen

    async def _drain(self) -> None:
        connection = await aio_pika.connect(self.url)
        async with connection:
            channel = await connection.channel()
            queue = await channel.declare_queue(self.queue, durable=True)
            while (message := await queue.get(fail=False)) is not None:
                self.seen.append(json.loads(message.body))
                await message.ack()

    def delete(self) -> None:
        async def drop() -> None:
            connection = await aio_pika.connect(self.url)
            async with connection:
                channel = await connection.channel()
                await channel.queue_delete(self.queue)

        asyncio.run(drop())


# --- the forwarders -------------------------------------------------------------------------


@pytest.fixture
def nats_server() -> Iterator[tuple[tuple[str, int], str]]:
    address = _reachable("NATS server", NATS_ADDRESS)
    stream = f"OPENPCS_TEST_{uuid.uuid4().hex[:10].upper()}"
    yield address, stream
    asyncio.run(_nats_drop(address, stream))


@pytest.fixture
def amqp_queue() -> Iterator[tuple[tuple[str, int], _AmqpQueue]]:
    address = _reachable("AMQP broker", AMQP_ADDRESS)
    queue = _AmqpQueue(address, f"openpcs-test-{uuid.uuid4().hex[:10]}")
    yield address, queue
    queue.delete()


def _outage(
    tmp_path: Path,
    proxy: BrokerProxy,
    forwarders: dict[str, Any],
    arrived: Callable[[], list[dict[str, Any]]],
) -> None:
    """Frames before, during and after an outage of the server: each arrives (at least once)."""
    serial = unique_serial()
    with running_gateway(tmp_path, **forwarders) as running:
        (first,) = send_frames(running, serial, range(1)).values()
        wait_for(lambda: first in {d["frame_id"] for d in arrived()}, TIMEOUT)
        proxy.close()
        outage = set(send_frames(running, serial, range(1, 16)).values())
        wait_for(lambda: forwarder_stats(running, "queue")["failed_attempts"] >= 1, TIMEOUT)
        assert backlog(running, "queue") == {"waiting": 15, "dead": 0}
        assert not outage & {d["frame_id"] for d in arrived()}
        proxy.open()
        wait_for(lambda: {d["frame_id"] for d in arrived()} >= outage, TIMEOUT)
        wait_for(lambda: backlog(running, "queue")["waiting"] == 0, TIMEOUT)
        stored = stored_frames(running, serial)
    documents = arrived()
    assert {d["frame_id"] for d in documents} == outage | {first}
    for document in documents:
        check_document(document, stored[document["frame_id"]])


def test_nats_jetstream_acknowledges_each_frame_and_loses_none_in_an_outage(
    tmp_path: Path, nats_server: tuple[tuple[str, int], str]
) -> None:
    address, stream = nats_server
    subject = f"openpcs-test.{stream.lower()}"
    proxy = BrokerProxy(address)
    proxy.open()
    try:
        forwarder = {
            "name": "queue",
            "url": f"nats://127.0.0.1:{proxy.port}",
            "subject": subject,
            "stream": stream,
            "timeout_s": 2,
        }
        _outage(
            tmp_path,
            proxy,
            {"nats": [forwarder]},
            lambda: asyncio.run(_nats_documents(address, stream)),
        )
    finally:
        proxy.shut()


def test_amqp_confirms_each_frame_and_loses_none_in_an_outage(
    tmp_path: Path, amqp_queue: tuple[tuple[str, int], _AmqpQueue]
) -> None:
    address, queue = amqp_queue
    proxy = BrokerProxy(address)
    proxy.open()
    try:
        forwarder = {
            "name": "queue",
            "url": f"amqp://guest:guest@127.0.0.1:{proxy.port}/",
            "queue": queue.queue,
            "timeout_s": 2,
        }
        _outage(tmp_path, proxy, {"amqp": [forwarder]}, queue.documents)
    finally:
        proxy.shut()
