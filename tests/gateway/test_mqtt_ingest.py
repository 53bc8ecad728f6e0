"""MQTT ingest end to end: frames published to the real broker reach the gateway's store.

Every test uses its own topic, client ids and device serial (from a uuid), so that tests
sharing the broker never see each other's messages. The gateways keep their broker sessions
(clean start off, an hour's expiry); the tests remove them when they are done.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import create_engine

from openpcs.gateway.ingest.mqtt import MqttIngest
from openpcs.gateway.records import Arrival, Receipt
from openpcs.gateway.settings import MqttIngestSettings
from tests.gateway import frames
from tests.gateway.conftest import make_settings, mqtt_address
from tests.gateway.running import RunningGateway, wait_for

TIMEOUT = 30.0
EXPECTED = [("TC", 21.37, "°C"), ("HUM", 48.2, "%RH"), ("BAT", 87, "%")]


def unique(prefix: str) -> str:
    """A name no other test (or earlier run) uses."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def unique_serial() -> str:
    """A device serial of this test only (16 hex digits)."""
    return uuid.uuid4().hex[:16].upper()


@contextmanager
def paho_client(address: tuple[str, int], client_id: str | None = None) -> Iterator[paho.Client]:
    """A connected MQTT v5 client with its network loop running."""
    connected = threading.Event()
    client = paho.Client(
        CallbackAPIVersion.VERSION2,
        client_id=client_id or unique("openpcs-test-pub"),
        protocol=paho.MQTTv5,
    )

    def on_connect(*args: Any) -> None:
        if not args[3].is_failure:
            connected.set()

    client.on_connect = on_connect
    client.connect(*address)
    client.loop_start()
    try:
        assert connected.wait(TIMEOUT), "the test client could not connect to the broker"
        yield client
    finally:
        client.disconnect()
        client.loop_stop()


def publish(client: paho.Client, topic: str, payload: bytes | str) -> None:
    """Publish with QoS 1 and wait for the broker's PUBACK."""
    info = client.publish(topic, payload, qos=1)
    info.wait_for_publish(TIMEOUT)
    assert info.is_published(), f"the broker did not acknowledge a message to {topic}"


def forget_session(address: tuple[str, int], client_id: str) -> None:
    """Remove the broker's session of ``client_id``: a clean start without expiry ends it."""
    try:
        with paho_client(address, client_id):
            pass
    except (OSError, AssertionError):
        pass  # nothing to clean up on a broker that is gone


class Gateways:
    """Starts gateways with MQTT ingest and stops them (and their sessions) at the end."""

    def __init__(self, tmp_path: Path, address: tuple[str, int]) -> None:
        self.tmp_path = tmp_path
        self.address = address
        self.started: list[RunningGateway] = []
        self.client_ids: list[str] = []

    def start(
        self,
        topic_filter: str,
        *,
        client_id: str | None = None,
        share_group: str | None = None,
        name: str = "gateway",
        **settings: Any,
    ) -> RunningGateway:
        """A gateway subscribed to ``topic_filter`` (waits until the subscription holds)."""
        host, port = self.address
        client_id = client_id or unique("openpcs-test-ingest")
        self.client_ids.append(client_id)
        ingest: dict[str, Any] = {
            "enabled": True,
            "url": f"mqtt://{host}:{port}",
            "topics": [topic_filter],
            "client_id": client_id,
        }
        if share_group is not None:
            ingest["share_group"] = share_group
        running = RunningGateway(
            make_settings(self.tmp_path / name, mqtt_ingest=ingest, **settings)
        )
        self.started.append(running)
        adapter = running.gateway.mqtt
        assert adapter is not None, "the gateway did not start its MQTT ingest"
        assert adapter.subscribed.wait(TIMEOUT), "the gateway did not subscribe to the broker"
        return running

    def stop(self) -> None:
        for running in self.started:
            running.stop()
        for client_id in self.client_ids:
            forget_session(self.address, client_id)


@pytest.fixture
def broker() -> tuple[str, int]:
    """The test broker's address (skips, or fails on CI, when it is unreachable)."""
    return mqtt_address()


@pytest.fixture
def gateways(tmp_path: Path, broker: tuple[str, int]) -> Iterator[Gateways]:
    """A factory of gateways with MQTT ingest, all stopped after the test."""
    started = Gateways(tmp_path, broker)
    try:
        yield started
    finally:
        started.stop()


def mqtt_ingest(running: RunningGateway) -> MqttIngest:
    adapter = running.gateway.mqtt
    assert adapter is not None
    return adapter


def frames_of(running: RunningGateway, **params: Any) -> list[dict[str, Any]]:
    """Every archived frame the query API lists for these filters (following pages)."""
    found: list[dict[str, Any]] = []
    after = None
    while True:
        page = running.get(
            "/api/v1/frames", limit=1000, **params, **({"after": after} if after else {})
        )
        found += page["items"]
        after = page["next"]
        if after is None:
            return found


def eventually(condition: Callable[[], Any], explain: Callable[[], str]) -> None:
    """Wait for ``condition``; on giving up, say what was seen instead."""
    try:
        wait_for(condition, TIMEOUT)
    except AssertionError as exc:
        raise AssertionError(f"{exc}: {explain()}") from None


def seen(running: RunningGateway, serial: str) -> str:
    """What the gateway holds of ``serial`` and what its MQTT adapter did, for a failure."""
    adapter = mqtt_ingest(running)
    stored = sorted(frame["sequence"] for frame in frames_of(running, serial=serial))
    return (
        f"received {adapter.received}, acknowledged {adapter.acknowledged}, "
        f"stored {len(stored)} frames: sequences {stored}"
    )


def readings_by_frame(running: RunningGateway, serial: str) -> dict[int, list[tuple[Any, ...]]]:
    """The readings of ``serial`` grouped by frame: ``(sensor, value, unit)`` in field order."""
    grouped: dict[int, list[tuple[Any, ...]]] = {}
    for reading in sorted(running.readings(serial=serial), key=lambda r: r["position"]):
        grouped.setdefault(reading["frame_id"], []).append(
            (reading["sensor"], reading["value"], reading["unit"])
        )
    return grouped


def test_frames_published_as_bytes_and_as_hex_are_stored(
    gateways: Gateways, broker: tuple[str, int]
) -> None:
    topic = unique("openpcs-test")
    running = gateways.start(topic + "/#")
    serial = unique_serial()
    published: dict[int, tuple[str, bytes | str]] = {
        1: (f"{topic}/raw", frames.binary(1, serial=serial)),
        2: (f"{topic}/hex/lower", frames.binary(2, serial=serial).hex()),
        3: (f"{topic}/hex/upper", frames.binary(3, serial=serial).hex(" ").upper()),
    }
    with paho_client(broker) as client:
        for message_topic, payload in published.values():
            publish(client, message_topic, payload)

    readings = wait_for(
        lambda: (found := readings_by_frame(running, serial)) and len(found) == 3 and found,
        TIMEOUT,
    )
    assert list(readings.values()) == [EXPECTED] * 3

    stored = {frame["sequence"]: frame for frame in frames_of(running, serial=serial)}
    assert sorted(stored) == [1, 2, 3]
    for sequence, (message_topic, _) in published.items():
        frame = stored[sequence]
        assert frame["adapter"] == "mqtt"
        assert frame["status"] == "ok"
        assert frame["meta"] == {"topic": message_topic}
        assert frame["remote"] == f"{broker[0]}:{broker[1]}"
        assert bytes.fromhex(frame["data"]) == frames.binary(sequence, serial=serial)
        assert frame["id"] in readings

    adapter = mqtt_ingest(running)
    wait_for(lambda: adapter.acknowledged == 3, TIMEOUT)
    assert adapter.received == 3
    status = running.get("/api/v1/status")["mqtt_ingest"]
    assert status == {"connected": True, "received": 3, "acknowledged": 3, "retries": 0}


def test_garbage_on_the_topic_is_archived_as_an_error(
    gateways: Gateways, broker: tuple[str, int]
) -> None:
    topic = unique("openpcs-test")
    running = gateways.start(topic + "/#")
    serial = unique_serial()
    garbage = {
        f"{topic}/binary-garbage": b"\x00\x01garbage\xff\xfe",
        f"{topic}/odd-hex": b"ABC",
    }
    with paho_client(broker) as client:
        for message_topic, payload in garbage.items():
            publish(client, message_topic, payload)
        publish(client, f"{topic}/good", frames.binary(9, serial=serial))

    errors = wait_for(
        lambda: (found := frames_of(running, status="error")) and len(found) == 2 and found,
        TIMEOUT,
    )
    by_topic = {frame["meta"]["topic"]: frame for frame in errors}
    assert set(by_topic) == set(garbage)
    for frame in by_topic.values():
        assert frame["adapter"] == "mqtt"
        assert frame["status"] == "error"
        assert frame["error"]
        assert frame["serial"] is None
    assert bytes.fromhex(by_topic[f"{topic}/binary-garbage"]["data"]) == b"\x00\x01garbage\xff\xfe"

    # the good frame among them is stored, and garbage is acknowledged too (it is archived)
    wait_for(lambda: readings_by_frame(running, serial), TIMEOUT)
    assert list(readings_by_frame(running, serial).values()) == [EXPECTED]
    adapter = mqtt_ingest(running)
    wait_for(lambda: adapter.acknowledged == 3, TIMEOUT)
    assert adapter.received == 3


def test_a_share_group_splits_the_frames_between_gateways(
    gateways: Gateways, broker: tuple[str, int]
) -> None:
    topic = unique("openpcs-test")
    group = unique("group")
    first = gateways.start(topic + "/#", share_group=group, name="first")
    second = gateways.start(topic + "/#", share_group=group, name="second")
    # both members hold the subscription before anything is published
    assert mqtt_ingest(first).subscribed.is_set()
    assert mqtt_ingest(second).subscribed.is_set()
    serial = unique_serial()
    count = 40
    with paho_client(broker) as client:
        for sequence in range(count):
            publish(client, f"{topic}/node", frames.binary(sequence, serial=serial))

    def sequences(running: RunningGateway) -> list[int]:
        return [frame["sequence"] for frame in frames_of(running, serial=serial)]

    wait_for(lambda: len(sequences(first)) + len(sequences(second)) >= count, TIMEOUT)
    adapters = [mqtt_ingest(first), mqtt_ingest(second)]
    wait_for(lambda: sum(a.acknowledged for a in adapters) == count, TIMEOUT)
    assert sum(a.received for a in adapters) == count

    in_first, in_second = sequences(first), sequences(second)
    assert len(in_first) + len(in_second) == count
    assert len(set(in_first)) == len(in_first)
    assert len(set(in_second)) == len(in_second)
    assert not set(in_first) & set(in_second), "a frame was stored by both gateways"
    assert set(in_first) | set(in_second) == set(range(count))
    assert in_first, "the first gateway got no frame: the subscription was not shared"
    assert in_second, "the second gateway got no frame: the subscription was not shared"
    for running, stored in ((first, in_first), (second, in_second)):
        readings = readings_by_frame(running, serial)
        assert len(readings) == len(stored)
        assert all(values == EXPECTED for values in readings.values())
    assert all(adapter.acknowledged == adapter.received for adapter in adapters)


def test_every_received_message_is_acknowledged_once_stored(
    gateways: Gateways, broker: tuple[str, int]
) -> None:
    topic = unique("openpcs-test")
    running = gateways.start(topic + "/#")
    serial = unique_serial()
    count = 25
    with paho_client(broker) as client:
        for sequence in range(count):
            publish(client, f"{topic}/node", frames.binary(sequence, serial=serial).hex())

    adapter = mqtt_ingest(running)
    wait_for(lambda: adapter.received == count and adapter.acknowledged == count, TIMEOUT)
    stored = frames_of(running, serial=serial)
    assert sorted(frame["sequence"] for frame in stored) == list(range(count))
    assert all(frame["status"] == "ok" for frame in stored)
    status = running.get("/api/v1/status")
    assert status["mqtt_ingest"]["received"] == count
    assert status["mqtt_ingest"]["acknowledged"] == count
    assert status["pipeline"]["by_status"] == {"ok": count}


def test_a_message_not_yet_stored_is_delivered_again_after_a_reconnect(
    gateways: Gateways, broker: tuple[str, int]
) -> None:
    """Acknowledgement after durability: a message never stored is sent again.

    A first subscriber takes the message but its pipeline never answers (as if the gateway
    died before the frame was durable): nothing is acknowledged. A gateway resuming the same
    session then gets the message from the broker again and stores it.
    """
    host, port = broker
    topic = unique("openpcs-test")
    client_id = unique("openpcs-test-ingest")
    serial = unique_serial()
    taken: list[Arrival] = []

    def never_stored(
        arrivals: Sequence[Arrival], _deliver: Callable[[list[Receipt] | BaseException], None]
    ) -> None:
        taken.extend(arrivals)

    settings = MqttIngestSettings(
        enabled=True, url=f"mqtt://{host}:{port}", topics=(topic + "/#",), client_id=client_id
    )
    gateways.client_ids.append(client_id)
    stuck = MqttIngest(settings, never_stored, max_frame=2048)
    stuck.start()
    try:
        assert stuck.subscribed.wait(TIMEOUT)
        with paho_client(broker) as client:
            publish(client, f"{topic}/node", frames.binary(5, serial=serial))
        wait_for(lambda: stuck.received == 1, TIMEOUT)
        assert stuck.acknowledged == 0
        assert [a.data for a in taken] == [frames.binary(5, serial=serial)]
    finally:
        stuck.stop()

    running = gateways.start(topic + "/#", client_id=client_id)
    readings = wait_for(lambda: readings_by_frame(running, serial), TIMEOUT)
    assert list(readings.values()) == [EXPECTED]
    adapter = mqtt_ingest(running)
    wait_for(lambda: adapter.acknowledged == 1, TIMEOUT)
    (frame,) = frames_of(running, serial=serial)
    assert frame["adapter"] == "mqtt"
    assert frame["meta"] == {"topic": f"{topic}/node"}


def test_frames_refused_while_the_pipeline_is_full_are_stored_later(
    gateways: Gateways, broker: tuple[str, int]
) -> None:
    """A message the pipeline refuses (too many frames waiting) is not lost.

    With room for one waiting frame, messages arriving while one is being stored are refused
    and left unacknowledged; they must still reach the store, and the refusals must not stop
    the broker from delivering the rest.
    """
    topic = unique("openpcs-test")
    running = gateways.start(topic + "/#", limits={"max_pending_frames": 1})
    serial = unique_serial()
    count = 60
    with paho_client(broker) as client:  # in one burst, so that frames arrive while one waits
        infos = [
            client.publish(f"{topic}/node", frames.binary(sequence, serial=serial), qos=1)
            for sequence in range(count)
        ]
        for info in infos:
            info.wait_for_publish(TIMEOUT)
            assert info.is_published()

    def stored() -> set[int]:
        return {frame["sequence"] for frame in frames_of(running, serial=serial, status="ok")}

    eventually(lambda: stored() == set(range(count)), lambda: seen(running, serial))
    frames_stored = frames_of(running, serial=serial)
    assert len(frames_stored) == count
    readings = readings_by_frame(running, serial)
    assert len(readings) == count
    assert all(values == EXPECTED for values in readings.values())


def test_frames_that_arrive_while_the_store_is_down_are_stored_once_it_is_back(
    postgres_url: str, gateways: Gateways, broker: tuple[str, int]
) -> None:
    """Acknowledgement after durability, with a store outage instead of a crash.

    While the frames table is out of reach, messages arrive but none is acknowledged; once
    the store is back, every one of them is stored.
    """
    topic = unique("openpcs-test")
    running = gateways.start(topic + "/#", database=postgres_url)
    adapter = mqtt_ingest(running)
    pipeline = running.gateway.pipeline
    serial = unique_serial()
    admin = create_engine(postgres_url)
    try:
        with paho_client(broker) as client:
            publish(client, f"{topic}/node", frames.binary(0, serial=serial))
            wait_for(lambda: adapter.acknowledged == 1, TIMEOUT)

            with admin.begin() as connection:
                connection.exec_driver_sql("ALTER TABLE frames RENAME TO frames_away")
            try:
                for sequence in range(1, 6):
                    publish(client, f"{topic}/node", frames.binary(sequence, serial=serial))
                wait_for(
                    lambda: (
                        adapter.received == 6
                        and pipeline.stats.archive_failures >= 1
                        and pipeline.stats.waiting == 0
                    ),
                    TIMEOUT,
                )
                assert adapter.acknowledged == 1, "a frame was acknowledged but not stored"
            finally:
                with admin.begin() as connection:
                    connection.exec_driver_sql("ALTER TABLE frames_away RENAME TO frames")

            publish(client, f"{topic}/node", frames.binary(6, serial=serial))
            eventually(
                lambda: {f["sequence"] for f in frames_of(running, serial=serial)} == set(range(7)),
                lambda: seen(running, serial),
            )
    finally:
        admin.dispose()
    readings = readings_by_frame(running, serial)
    assert len(readings) == 7
    assert all(values == EXPECTED for values in readings.values())
    wait_for(lambda: adapter.acknowledged >= 7, TIMEOUT)
