"""Forwarders end to end: stored frames published to the real broker and POSTed to a receiver.

The outage tests never stop the shared broker: the MQTT forwarder reaches it through a TCP
proxy written here, which can be closed (connections dropped and refused) and opened again on
the same port. The webhook receiver is a small HTTP server whose answer the test chooses.
Every test uses its own topic prefix and device serial (from a uuid).
"""

from __future__ import annotations

import asyncio
import json
import threading
import uuid
from collections import Counter
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from tests.gateway import frames
from tests.gateway.conftest import make_settings, mqtt_address
from tests.gateway.running import RunningGateway, wait_for

TIMEOUT = 30.0
FAST_RETRY = {"initial_s": 0.1, "max_s": 0.5}
EXPECTED_READINGS = [
    {"sensor": "TC", "value": 21.37, "unit": "°C"},
    {"sensor": "HUM", "value": 48.2, "unit": "%RH"},
    {"sensor": "BAT", "value": 87, "unit": "%"},
]
DOCUMENT_KEYS = {
    "frame_id",
    "received_at",
    "adapter",
    "serial",
    "node_name",
    "frame_type",
    "sequence",
    "status",
    "readings",
}


def unique(prefix: str) -> str:
    """A name no other test (or earlier run) uses."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def unique_serial() -> str:
    """A device serial of this test only (16 hex digits)."""
    return uuid.uuid4().hex[:16].upper()


# --- the pieces around the gateway ---------------------------------------------------------


class BrokerProxy:
    """A TCP proxy to the broker; closed, it drops its connections and refuses new ones."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.port = 0
        self.connections = 0
        self._server: asyncio.Server | None = None
        self._transports: set[asyncio.WriteTransport] = set()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()

    def _call(self, coroutine: Coroutine[Any, Any, None]) -> None:
        asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(TIMEOUT)

    @property
    def is_open(self) -> bool:
        return self._server is not None

    def open(self) -> None:
        """Listen (on the same port as before, once there is one)."""
        self._call(self._open())

    def close(self) -> None:
        """Stop listening and cut every connection."""
        self._call(self._close())

    def shut(self) -> None:
        """Close, and end the proxy's thread."""
        self.close()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(TIMEOUT)
        self._loop.close()

    async def _open(self) -> None:
        self._server = await asyncio.start_server(
            self._serve, "127.0.0.1", self.port, reuse_address=True
        )
        self.port = int(self._server.sockets[0].getsockname()[1])

    async def _close(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for transport in list(self._transports):
            transport.abort()
        self._transports.clear()
        if server is not None:
            await server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            writer.transport.abort()
            return
        pair = (writer.transport, upstream_writer.transport)
        if self._server is None:  # closed while connecting upstream
            for transport in pair:
                transport.abort()
            return
        self._transports.update(pair)
        self.connections += 1
        try:
            await asyncio.gather(
                self._pipe(reader, upstream_writer), self._pipe(upstream_reader, writer)
            )
        finally:
            for transport in pair:
                transport.abort()
                self._transports.discard(transport)

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.transport.abort()  # one side gone: the whole connection goes


class Subscriber:
    """A paho client collecting the JSON documents published under a topic filter."""

    def __init__(self, address: tuple[str, int], topic_filter: str) -> None:
        self.messages: list[tuple[str, dict[str, Any]]] = []
        self._lock = threading.Lock()
        self._subscribed = threading.Event()
        self._client = paho.Client(
            CallbackAPIVersion.VERSION2, client_id=unique("openpcs-test-sub"), protocol=paho.MQTTv5
        )
        self._client.on_connect = lambda client, *_: client.subscribe(topic_filter, qos=1)
        self._client.on_subscribe = lambda *_: self._subscribed.set()
        self._client.on_message = self._on_message
        self._client.connect(*address)
        self._client.loop_start()
        if not self._subscribed.wait(TIMEOUT):
            self.close()
            raise AssertionError(f"could not subscribe to {topic_filter}")

    def _on_message(self, _client: paho.Client, _userdata: Any, message: paho.MQTTMessage) -> None:
        document = json.loads(message.payload)
        with self._lock:
            self.messages.append((message.topic, document))

    def received(self) -> list[tuple[str, dict[str, Any]]]:
        with self._lock:
            return list(self.messages)

    def frame_ids(self) -> Counter[int]:
        """How many times each frame was received."""
        return Counter(document["frame_id"] for _, document in self.received())

    def close(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()


class HookReceiver:
    """An HTTP endpoint recording every POST and answering with ``answer``."""

    def __init__(self, answer: int = 200) -> None:
        self.answer = answer
        #: ``(status answered, headers, JSON body)`` of every request, in order.
        self.requests: list[tuple[int, dict[str, str], dict[str, Any]]] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver._lock:
                    answer = receiver.answer
                    receiver.requests.append((answer, dict(self.headers), json.loads(body)))
                self.send_response(answer)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hook"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def set_answer(self, answer: int) -> None:
        with self._lock:
            self.answer = answer

    def received(self) -> list[tuple[int, dict[str, str], dict[str, Any]]]:
        with self._lock:
            return list(self.requests)

    def attempts(self) -> Counter[int]:
        """How many requests each frame got, whatever the answer."""
        return Counter(body["frame_id"] for _, _, body in self.received())

    def accepted(self) -> Counter[int]:
        """How many 2xx answers each frame got."""
        return Counter(body["frame_id"] for code, _, body in self.received() if code < 300)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(TIMEOUT)


# --- fixtures and helpers ------------------------------------------------------------------


@pytest.fixture
def broker() -> tuple[str, int]:
    """The test broker's address (skips, or fails on CI, when it is unreachable)."""
    return mqtt_address()


@pytest.fixture
def proxy(broker: tuple[str, int]) -> Iterator[BrokerProxy]:
    """An open proxy to the broker."""
    opened = BrokerProxy(broker)
    opened.open()
    try:
        yield opened
    finally:
        opened.shut()


@pytest.fixture
def receiver() -> Iterator[HookReceiver]:
    """A webhook receiver answering 200 until told otherwise."""
    started = HookReceiver()
    try:
        yield started
    finally:
        started.close()


@contextmanager
def subscribed(address: tuple[str, int], topic_filter: str) -> Iterator[Subscriber]:
    subscriber = Subscriber(address, topic_filter)
    try:
        yield subscriber
    finally:
        subscriber.close()


@contextmanager
def running_gateway(tmp_path: Path, **forwarders: Any) -> Iterator[RunningGateway]:
    """A gateway with these forwarders settings (fast retries unless ``retry`` is given)."""
    settings = make_settings(tmp_path, forwarders={"retry": FAST_RETRY, **forwarders})
    running = RunningGateway(settings)
    try:
        yield running
    finally:
        running.stop()


def mqtt_forwarder(url: str, prefix: str, level: str = "{serial}") -> dict[str, Any]:
    """A QoS 1 MQTT forwarder named "broker" publishing to ``<prefix>/<level>/frames``."""
    return {"name": "broker", "url": url, "topic": f"{prefix}/{level}/frames", "qos": 1}


def send_frames(running: RunningGateway, serial: str, sequences: range) -> dict[int, int]:
    """Send frames over the Meshlium path; frame id per sequence (each stored as ``ok``)."""
    ids = {}
    with running.client(token=None) as client:
        for sequence in sequences:
            frame = frames.binary(sequence, serial=serial).hex().upper()
            response = client.get("/getpost_frame_parser.php", params={"frame": frame})
            assert response.status_code == 200, response.text
            status, frame_id = response.text.split()
            assert status == "ok", response.text
            ids[sequence] = int(frame_id)
    return ids


def stored_frames(running: RunningGateway, serial: str) -> dict[int, dict[str, Any]]:
    """The archived frames of ``serial`` by id."""
    page = running.get("/api/v1/frames", serial=serial, limit=1000)
    assert page["next"] is None
    return {frame["id"]: frame for frame in page["items"]}


def backlog(running: RunningGateway, forwarder: str) -> dict[str, int]:
    """The forwarder's outbox items waiting and dead (a forwarder without items is absent)."""
    outbox = running.get("/api/v1/status")["outbox"]
    return dict(outbox.get(forwarder, {"waiting": 0, "dead": 0}))


def forwarder_stats(running: RunningGateway, forwarder: str) -> dict[str, Any]:
    stats: dict[str, Any] = running.get("/api/v1/status")["forwarders"][forwarder]
    return stats


def check_document(document: dict[str, Any], stored: dict[str, Any]) -> None:
    """``document`` is the forwarded JSON of the stored frame ``stored`` (from the API)."""
    assert set(document) == DOCUMENT_KEYS  # frames from the Meshlium path have no meta
    assert document["frame_id"] == stored["id"]
    assert document["serial"] == stored["serial"]
    assert document["node_name"] == frames.NAME
    assert document["adapter"] == "meshlium"
    assert document["frame_type"] == 6
    assert document["sequence"] == stored["sequence"]
    assert document["status"] == "ok"
    assert document["readings"] == EXPECTED_READINGS
    assert document["received_at"].endswith("Z")
    forwarded_at = datetime.fromisoformat(document["received_at"])
    assert forwarded_at == datetime.fromisoformat(stored["received_at"])
    assert forwarded_at.utcoffset() is not None
    assert forwarded_at.utcoffset().total_seconds() == 0  # type: ignore[union-attr]


# --- MQTT forwarder ------------------------------------------------------------------------


def test_the_mqtt_forwarder_publishes_each_frame_once(
    tmp_path: Path, broker: tuple[str, int]
) -> None:
    host, port = broker
    prefix = unique("openpcs-test")
    forwarder = mqtt_forwarder(f"mqtt://{host}:{port}", prefix)
    serials = [unique_serial(), unique_serial()]
    with (
        subscribed(broker, f"{prefix}/#") as subscriber,
        running_gateway(tmp_path, mqtt=[forwarder]) as running,
    ):
        sent = {serial: send_frames(running, serial, range(1, 6)) for serial in serials}
        all_ids = {frame_id for ids in sent.values() for frame_id in ids.values()}
        wait_for(lambda: set(subscriber.frame_ids()) >= all_ids, TIMEOUT)
        wait_for(lambda: backlog(running, "broker")["waiting"] == 0, TIMEOUT)
        assert backlog(running, "broker") == {"waiting": 0, "dead": 0}
        assert forwarder_stats(running, "broker")["delivered"] == len(all_ids)

        counts = subscriber.frame_ids()
        assert set(counts) == all_ids
        assert all(times == 1 for times in counts.values()), counts
        for serial in serials:
            stored = stored_frames(running, serial)
            assert sorted(stored) == sorted(sent[serial].values())
            for topic, document in subscriber.received():
                if document["serial"] == serial:
                    assert topic == f"{prefix}/{serial}/frames"
                    check_document(document, stored[document["frame_id"]])


def test_a_node_name_with_topic_wildcards_is_published_under_a_safe_level(
    tmp_path: Path, broker: tuple[str, int]
) -> None:
    prefix = unique("openpcs-test")
    forwarder = mqtt_forwarder(f"mqtt://{broker[0]}:{broker[1]}", prefix, "{node_name}")
    serial = unique_serial()
    with (
        subscribed(broker, f"{prefix}/#") as subscriber,
        running_gateway(tmp_path, mqtt=[forwarder]) as running,
    ):
        sent = send_frames(running, serial, range(1, 4))
        wild = frames.binary(9, serial=serial, name="a+b/c")
        with running.client(token=None) as client:
            response = client.get("/getpost_frame_parser.php", params={"frame": wild.hex()})
        assert response.text.startswith("ok ")
        all_ids = set(sent.values()) | {int(response.text.split()[1])}
        wait_for(lambda: set(subscriber.frame_ids()) >= all_ids, TIMEOUT)
        wait_for(lambda: backlog(running, "broker")["waiting"] == 0, TIMEOUT)
        topics = {document["frame_id"]: topic for topic, document in subscriber.received()}
    assert topics[int(response.text.split()[1])] == f"{prefix}/a_b_c/frames"
    assert {topics[i] for i in sent.values()} == {f"{prefix}/{frames.NAME}/frames"}
    assert all(times == 1 for times in subscriber.frame_ids().values())


def test_frames_stored_while_the_broker_is_unreachable_arrive_once_it_is_back(
    tmp_path: Path, broker: tuple[str, int], proxy: BrokerProxy
) -> None:
    prefix = unique("openpcs-test")
    forwarder = mqtt_forwarder(f"mqtt://127.0.0.1:{proxy.port}", prefix)
    serial = unique_serial()
    with (
        subscribed(broker, f"{prefix}/#") as subscriber,
        running_gateway(tmp_path, mqtt=[forwarder]) as running,
    ):
        # the forwarder works through the proxy
        (first,) = send_frames(running, serial, range(1)).values()
        wait_for(lambda: first in subscriber.frame_ids(), TIMEOUT)
        assert proxy.connections >= 1

        # outage: ingesting goes on, forwarding waits in the outbox
        proxy.close()
        outage = send_frames(running, serial, range(1, 31))
        outage_ids = set(outage.values())
        stored = stored_frames(running, serial)
        assert set(stored) == outage_ids | {first}
        assert all(frame["status"] == "ok" for frame in stored.values())
        readings = running.readings(serial=serial)
        assert len(readings) == 3 * 31
        wait_for(lambda: forwarder_stats(running, "broker")["failed_attempts"] >= 30, TIMEOUT)
        assert backlog(running, "broker") == {"waiting": 30, "dead": 0}
        assert forwarder_stats(running, "broker")["last_error"]
        assert not outage_ids & set(subscriber.frame_ids())

        # the broker is reachable again: everything arrives, the outbox drains
        proxy.open()
        wait_for(lambda: set(subscriber.frame_ids()) >= outage_ids, TIMEOUT)
        wait_for(lambda: backlog(running, "broker")["waiting"] == 0, TIMEOUT)
        assert backlog(running, "broker") == {"waiting": 0, "dead": 0}
        assert forwarder_stats(running, "broker")["delivered"] >= 31
        assert proxy.connections >= 2

        received = subscriber.received()
        assert {document["frame_id"] for _, document in received} == outage_ids | {first}
        for topic, document in received:  # duplicates may come (at least once); all correct
            assert topic == f"{prefix}/{serial}/frames"
            check_document(document, stored[document["frame_id"]])


# --- webhook forwarder ---------------------------------------------------------------------


def webhook(receiver: HookReceiver) -> dict[str, Any]:
    return {
        "name": "hook",
        "url": receiver.url,
        "headers": {"Authorization": "Bearer hook-secret"},
        "timeout_s": 5,
    }


def test_webhook_frames_stored_during_an_outage_arrive_afterwards(
    tmp_path: Path, receiver: HookReceiver
) -> None:
    receiver.set_answer(503)
    serial = unique_serial()
    with running_gateway(tmp_path, webhooks=[webhook(receiver)]) as running:
        sent = send_frames(running, serial, range(20))
        ids = set(sent.values())
        stored = stored_frames(running, serial)
        assert set(stored) == ids

        wait_for(lambda: set(receiver.attempts()) >= ids, TIMEOUT)
        wait_for(lambda: forwarder_stats(running, "hook")["failed_attempts"] >= 20, TIMEOUT)
        assert backlog(running, "hook") == {"waiting": 20, "dead": 0}
        stats = forwarder_stats(running, "hook")
        assert stats["delivered"] == 0
        assert stats["last_error"] == "the endpoint answered 503"
        assert not receiver.accepted()

        receiver.set_answer(200)
        wait_for(lambda: set(receiver.accepted()) >= ids, TIMEOUT)
        wait_for(lambda: backlog(running, "hook")["waiting"] == 0, TIMEOUT)
        assert backlog(running, "hook") == {"waiting": 0, "dead": 0}
        assert forwarder_stats(running, "hook")["delivered"] == 20
        assert set(receiver.accepted()) == ids

    requests = receiver.received()
    assert requests
    for _, headers, body in requests:
        lowered = {name.lower(): value for name, value in headers.items()}
        assert lowered["authorization"] == "Bearer hook-secret"
        assert lowered["content-type"] == "application/json"
        check_document(body, stored[body["frame_id"]])


def test_a_4xx_answer_is_retried_until_the_endpoint_accepts(
    tmp_path: Path, receiver: HookReceiver
) -> None:
    receiver.set_answer(400)
    serial = unique_serial()
    with running_gateway(tmp_path, webhooks=[webhook(receiver)]) as running:
        (frame_id,) = send_frames(running, serial, range(7, 8)).values()
        wait_for(lambda: receiver.attempts()[frame_id] >= 3, TIMEOUT)
        assert backlog(running, "hook") == {"waiting": 1, "dead": 0}
        stats = forwarder_stats(running, "hook")
        assert stats["last_error"] == "the endpoint answered 400"
        assert stats["dead"] == 0
        assert stats["delivered"] == 0

        receiver.set_answer(200)
        wait_for(lambda: receiver.accepted()[frame_id] == 1, TIMEOUT)
        wait_for(lambda: backlog(running, "hook")["waiting"] == 0, TIMEOUT)
        assert forwarder_stats(running, "hook")["delivered"] == 1
        assert backlog(running, "hook") == {"waiting": 0, "dead": 0}


def test_an_item_failing_max_attempts_times_is_kept_as_dead(
    tmp_path: Path, receiver: HookReceiver
) -> None:
    receiver.set_answer(500)
    serial = unique_serial()
    retry = {**FAST_RETRY, "max_attempts": 3}
    with running_gateway(tmp_path, webhooks=[webhook(receiver)], retry=retry) as running:
        (first,) = send_frames(running, serial, range(1, 2)).values()
        wait_for(lambda: backlog(running, "hook")["dead"] == 1, TIMEOUT)
        assert backlog(running, "hook") == {"waiting": 0, "dead": 1}
        assert receiver.attempts()[first] == 3
        stats = forwarder_stats(running, "hook")
        assert stats["dead"] == 1
        assert stats["failed_attempts"] == 3
        assert stats["delivered"] == 0
        assert stats["last_error"] == "the endpoint answered 500"

        # a second item going through its attempts is not joined by the dead one
        (second,) = send_frames(running, serial, range(2, 3)).values()
        wait_for(lambda: backlog(running, "hook")["dead"] == 2, TIMEOUT)
        assert receiver.attempts() == Counter({first: 3, second: 3})
        assert backlog(running, "hook") == {"waiting": 0, "dead": 2}
        # a dead item stays dead even once the endpoint accepts again
        receiver.set_answer(200)
        (third,) = send_frames(running, serial, range(3, 4)).values()
        wait_for(lambda: receiver.accepted()[third] == 1, TIMEOUT)
        wait_for(lambda: forwarder_stats(running, "hook")["delivered"] == 1, TIMEOUT)
        assert receiver.attempts() == Counter({first: 3, second: 3, third: 1})
        assert backlog(running, "hook") == {"waiting": 0, "dead": 2}
