"""The gateway's forwarders' settings: where stored frames go next (MQTT, webhooks, Redis
Streams, NATS JetStream, AMQP) and how failed deliveries are retried."""

from __future__ import annotations

import ssl
from collections.abc import Mapping
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    Field,
    FilePath,
    SecretStr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from openpcs.gateway.mqtt_address import broker_address, mqtt_url
from openpcs.gateway.settings_section import SettingsSection as _Section

__all__ = [
    "AmqpForwarderSettings",
    "ForwardersSettings",
    "MqttForwarderSettings",
    "NatsForwarderSettings",
    "RedisStreamForwarderSettings",
    "RetrySettings",
    "WebhookForwarderSettings",
]


class RetrySettings(_Section):
    """Backoff between delivery attempts of a forwarder: doubling from ``initial_s``."""

    initial_s: float = Field(1.0, gt=0)
    max_s: float = Field(300.0, gt=0)
    max_attempts: int = Field(0, ge=0, description="0: never give up")


class MqttForwarderSettings(_Section):
    """Publish each stored frame as JSON to an MQTT broker.

    ``topic`` may use ``{serial}``, ``{node_name}``, ``{frame_type}``, ``{adapter}`` and
    ``{status}``. Over ``mqtts://``, ``ca_certificate`` is the CA the broker's certificate is
    checked with (the system's when not given), and ``client_certificate`` with
    ``client_key`` (PEM files, both or neither; ``client_key_password`` for an encrypted key)
    authenticate the gateway, as AWS IoT Core and Azure IoT Hub ask. The files are loaded when
    the settings are.
    """

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$")
    url: Annotated[str, AfterValidator(mqtt_url)] = "mqtt://127.0.0.1:1883"
    topic: str = "openpcs/{serial}/frames"
    qos: Literal[0, 1, 2] = 1
    retain: bool = False
    client_id: str | None = None
    username: str | None = None
    password: SecretStr | None = None
    ca_certificate: FilePath | None = None
    client_certificate: FilePath | None = None
    client_key: FilePath | None = None
    client_key_password: SecretStr | None = None

    @model_validator(mode="after")
    def _tls_files(self) -> MqttForwarderSettings:
        if (self.client_certificate is None) != (self.client_key is None):
            raise ValueError("give client_certificate and client_key together, or neither")
        files = (self.ca_certificate, self.client_certificate)
        if any(f is not None for f in files) and not broker_address(self.url)[2]:
            raise ValueError("certificates go with an mqtts:// URL")
        _check_tls_files(self)
        return self


def _check_tls_files(settings: MqttForwarderSettings) -> None:
    """Load the certificates as the connection will, so that a wrong file (or a key that needs
    a password not given) stops the start instead of failing, or prompting, later."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    try:
        if settings.ca_certificate is not None:
            context.load_verify_locations(cafile=settings.ca_certificate)
    except (ssl.SSLError, ValueError) as exc:
        raise ValueError(f"ca_certificate is not a PEM certificate ({exc})") from None
    if settings.client_certificate is None:
        return
    secret = settings.client_key_password
    try:  # b"": an encrypted key without a password fails instead of asking on the terminal
        context.load_cert_chain(
            settings.client_certificate,
            settings.client_key,
            password=secret.get_secret_value().encode() if secret else b"",
        )
    except ssl.SSLError as exc:
        raise ValueError(
            "client_certificate and client_key do not load together: a PEM certificate and "
            f"its key (encrypted keys need client_key_password) ({exc.reason or exc})"
        ) from None


class WebhookForwarderSettings(_Section):
    """POST each stored frame as JSON to a URL; any 2xx answer counts as delivered.

    Credentials may be given in the URL (``https://user:password@host/…``, sent as HTTP Basic)
    or as an ``Authorization`` header, not both: the URL's would silently replace the header.
    """

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$")
    url: str
    headers: Mapping[str, SecretStr] = Field(default_factory=dict)
    timeout_s: float = Field(10.0, gt=0)

    @field_validator("headers")
    @classmethod
    def _one_authorization(
        cls, headers: Mapping[str, SecretStr], info: ValidationInfo
    ) -> Mapping[str, SecretStr]:
        url = info.data.get("url")
        if not isinstance(url, str) or not any(h.lower() == "authorization" for h in headers):
            return headers
        try:
            parts = urlsplit(url)
            credentials = parts.username is not None or parts.password is not None
        except ValueError:  # a URL that is no URL fails when used, not here
            return headers
        if credentials:
            raise ValueError(
                "Authorization is set here and by the credentials in url (user:password@host), "
                "which would replace it: keep one of them"
            )
        return headers


class RedisStreamForwarderSettings(_Section):
    """Add each stored frame's JSON to a Redis stream (``XADD <stream> * frame <json>``),
    keeping about ``max_length`` entries (``MAXLEN ~``: Redis trims whole nodes, never below
    it). ``url`` is ``redis://[:password@]host:port/db`` (``rediss://`` for TLS); a
    ``password`` given apart is kept out of the URL."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$")
    url: str = Field("redis://127.0.0.1:6379/0", pattern=r"^rediss?://")
    stream: str = Field("openpcs:frames", min_length=1, max_length=200)
    max_length: int = Field(100_000, ge=1)
    password: SecretStr | None = None
    timeout_s: float = Field(10.0, gt=0)


class NatsForwarderSettings(_Section):
    """Publish each stored frame's JSON to a NATS JetStream ``subject``, counting it delivered
    at the stream's acknowledgement. With ``stream``, a stream of that name capturing the
    subject is made when there is none. Each message carries ``Nats-Msg-Id:
    openpcs-<frame id>``, so JetStream drops a resent one within its duplicate window."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$")
    url: str = Field("nats://127.0.0.1:4222", pattern=r"^(nats|tls)://")
    subject: str = Field("openpcs.frames", pattern=r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$")
    stream: str | None = Field("OPENPCS", pattern=r"^[A-Za-z0-9_-]{1,64}$")
    token: SecretStr | None = None
    timeout_s: float = Field(10.0, gt=0)


class AmqpForwarderSettings(_Section):
    """Publish each stored frame's JSON to an AMQP 0-9-1 broker (RabbitMQ), persistent, with
    publisher confirms: a frame counts delivered once the broker confirms it, and a message no
    queue takes (unroutable) is an error, not a loss. ``queue`` is declared durable and the
    message goes to it through the default exchange. ``url`` is
    ``amqp[s]://user:password@host:port/vhost``."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$")
    url: SecretStr = SecretStr("amqp://guest:guest@127.0.0.1:5672/")
    queue: str = Field("openpcs.frames", min_length=1, max_length=255)
    timeout_s: float = Field(10.0, gt=0)


class ForwardersSettings(_Section):
    """Where stored frames go next; each forwarder has its own outbox rows and retries."""

    mqtt: tuple[MqttForwarderSettings, ...] = ()
    webhooks: tuple[WebhookForwarderSettings, ...] = ()
    redis_streams: tuple[RedisStreamForwarderSettings, ...] = ()
    nats: tuple[NatsForwarderSettings, ...] = ()
    amqp: tuple[AmqpForwarderSettings, ...] = ()
    retry: RetrySettings = RetrySettings()
    poll_interval_s: float = Field(1.0, gt=0)
