"""Raw frames from an MQTT broker, acknowledged only once they are durable.

The client speaks MQTT v5 and subscribes to the configured topics, as shared subscriptions
(``$share/<group>/<topic>``) when a share group is set, so that several gateway instances
split the messages. A message's payload is the frame's bytes, or its hex text.

Messages of QoS 1 and 2 are acknowledged by hand, after the pipeline has archived and stored
the frame: a gateway that dies before that leaves the message unacknowledged, and the broker
delivers it again (to this session when it reconnects, which keeps its session for an hour,
or to another member of the share group). paho-mqtt is used for this because it lets the
application send the acknowledgement; its network loop runs in its own thread.
"""

from __future__ import annotations

import hashlib
import logging
import random
import socket
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from openpcs.gateway.ingest.inputs import arrival_from_bytes, arrival_from_hex
from openpcs.gateway.pipeline import Overloaded, StoreUnavailable
from openpcs.gateway.records import Arrival, Receipt
from openpcs.gateway.settings import MqttIngestSettings, broker_address

__all__ = ["MqttIngest", "default_client_id", "subscription_topics"]

_log = logging.getLogger(__name__)
_SESSION_EXPIRY_S: Final = 3600
_HEX_TEXT: Final = frozenset(b"0123456789ABCDEFabcdef \t\r\n")
_RETRY_FIRST_S: Final = 0.05
_RETRY_MAX_S: Final = 5.0

Enqueue = Callable[[Sequence[Arrival], Callable[[list[Receipt] | BaseException], None]], None]


@dataclass(slots=True)
class _Message:
    """A received message whose frame is not stored yet."""

    client: paho.Client
    arrival: Arrival
    mid: int
    qos: int
    attempt: int = 0


def default_client_id(instance: str) -> str:
    """A client id that stays the same across restarts of one instance (so that its broker
    session, with the messages it has not acknowledged, is resumed) and differs between
    instances on one host: the host name and a digest of the instance's data folder."""
    digest = hashlib.sha256(instance.encode("utf-8")).hexdigest()[:8]
    return f"openpcs-{socket.gethostname()}-{digest}"


def subscription_topics(settings: MqttIngestSettings) -> list[str]:
    """The topic filters to subscribe to, with the shared-subscription prefix if asked."""
    if settings.share_group is None:
        return list(settings.topics)
    return [f"$share/{settings.share_group}/{topic}" for topic in settings.topics]


class MqttIngest:
    """The MQTT subscriber; ``enqueue`` queues arrivals and reports their receipts."""

    def __init__(
        self,
        settings: MqttIngestSettings,
        enqueue: Enqueue,
        *,
        max_frame: int,
        instance: str = "",
    ) -> None:
        self.settings = settings
        self._enqueue = enqueue
        self.max_frame = max_frame
        self.host, self.port, self.tls = broker_address(settings.url)
        self.received = 0
        self.acknowledged = 0
        self.retries = 0
        self._stopping = threading.Event()
        self.connected = threading.Event()
        self.subscribed = threading.Event()
        client_id = settings.client_id or default_client_id(instance)
        self._client = paho.Client(
            CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=paho.MQTTv5,
            manual_ack=True,
        )
        if settings.username:
            password = settings.password.get_secret_value() if settings.password else None
            self._client.username_pw_set(settings.username, password)
        if self.tls:
            self._client.tls_set()
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect
        self._client.on_subscribe = self._on_subscribe
        self._client.on_message = self._on_message
        self._client.reconnect_delay_set(1, 30)

    def start(self) -> None:
        """Connect in the background (and again whenever the connection drops)."""
        properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        properties.SessionExpiryInterval = _SESSION_EXPIRY_S
        self._client.connect_async(
            self.host, self.port, keepalive=30, clean_start=False, properties=properties
        )
        self._client.loop_start()

    def stop(self) -> None:
        """Disconnect; unacknowledged messages stay with the broker."""
        self._stopping.set()
        self._client.disconnect()
        self._client.loop_stop()

    def _on_connect(
        self, client: paho.Client, _userdata: Any, _flags: Any, reason: Any, _props: Any
    ) -> None:
        if reason.is_failure:
            _log.error("MQTT broker %s:%d refused the connection: %s", self.host, self.port, reason)
            return
        self.connected.set()
        qos = int(self.settings.qos)
        topics = [(topic, qos) for topic in subscription_topics(self.settings)]
        client.subscribe(topics)

    def _on_subscribe(
        self, _client: paho.Client, _userdata: Any, _mid: int, reasons: Any, _props: Any
    ) -> None:
        failed = [r for r in reasons if r.is_failure]
        if failed:
            _log.error("MQTT subscription refused: %s", failed[0])
        else:
            self.subscribed.set()

    def _on_disconnect(
        self, _client: paho.Client, _userdata: Any, _flags: Any, reason: Any, _props: Any
    ) -> None:
        self.connected.clear()
        self.subscribed.clear()
        if reason.is_failure:
            _log.warning("MQTT connection lost (%s); reconnecting", reason)

    def _on_message(self, client: paho.Client, _userdata: Any, message: paho.MQTTMessage) -> None:
        self.received += 1
        arrival = self.arrival(bytes(message.payload), message.topic)
        self._submit(_Message(client, arrival, message.mid, message.qos))

    def _submit(self, message: _Message) -> None:
        """Queue a message's frame; acknowledge it once stored, else try again later.

        A broker sends an unacknowledged message again only when the session reconnects, and
        holds back new ones once too many wait: so the adapter keeps trying itself.
        """
        if self._stopping.is_set():
            return

        def done(outcome: list[Receipt] | BaseException) -> None:
            if isinstance(outcome, BaseException) or outcome[0].id is None:
                self._retry(message, outcome)
                return
            message.client.ack(message.mid, message.qos)
            self.acknowledged += 1

        try:
            self._enqueue([message.arrival], done)
        except (Overloaded, StoreUnavailable) as exc:
            self._retry(message, exc)

    def _retry(self, message: _Message, why: object) -> None:
        if self._stopping.is_set():  # unacknowledged: the broker keeps it for the next start
            return
        self.retries += 1
        if message.attempt == 0:
            _log.warning("an MQTT frame could not be stored yet (%s); trying again", why)
        if isinstance(why, Overloaded):  # the queue drains in moments: try again soon
            delay = random.uniform(_RETRY_FIRST_S, 6 * _RETRY_FIRST_S)
        else:  # the store is down: wait longer each time
            delay = min(_RETRY_MAX_S, _RETRY_FIRST_S * 2**message.attempt)
        message.attempt += 1
        timer = threading.Timer(delay, self._submit, (message,))
        timer.daemon = True
        timer.start()

    def arrival(self, payload: bytes, topic: str) -> Arrival:
        """The arrival of one message: hex text is decoded, other payloads taken as bytes."""
        meta = {"topic": topic}
        remote = f"{self.host}:{self.port}"
        if payload and set(payload) <= _HEX_TEXT:
            text = payload.decode("ascii")
            return arrival_from_hex(text, "mqtt", limit=self.max_frame, remote=remote, meta=meta)
        return arrival_from_bytes(payload, "mqtt", limit=self.max_frame, remote=remote, meta=meta)
