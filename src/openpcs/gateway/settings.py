"""The gateway's settings: defaults, then a settings file, then the environment, then flags.

Every setting has a default that starts a working gateway on this machine only (listeners bind
to 127.0.0.1). ``OPENPCS_<SECTION>__<NAME>`` environment variables override the file, e.g.
``OPENPCS_HTTP__PORT=8081`` or ``OPENPCS_DATABASE=postgresql+psycopg://…``; command-line flags
override both. The file is read by the command line (with line numbers in its errors) and
handed in as a mapping, so this module does no file parsing of its own.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    Field,
    SecretStr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from openpcs.gateway.listener_settings import (
    HttpSettings,
    HttpsSettings,
    SerialSettings,
    TcpSettings,
    UdpMeshSettings,
)
from openpcs.gateway.settings_section import SettingsSection as _Section


def broker_address(url: str) -> tuple[str, int, bool]:
    """Host, port and TLS from ``mqtt://host:port`` or ``mqtts://host:port``.

    Raises ``ValueError`` for another scheme or a URL without a host; the message never
    repeats the URL, which may hold a password.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise ValueError("not a URL with a valid port (mqtt://host:port)") from None
    if parts.scheme not in ("mqtt", "mqtts"):
        raise ValueError("an MQTT URL starts with mqtt:// or mqtts://")
    if not parts.hostname:
        raise ValueError("the MQTT URL names no host (mqtt://host:port)")
    tls = parts.scheme == "mqtts"
    return parts.hostname, port or (8883 if tls else 1883), tls


def _mqtt_url(url: str) -> str:
    broker_address(url)
    return url


__all__ = [
    "ENV_PREFIX",
    "ForwardersSettings",
    "GatewaySettings",
    "HttpSettings",
    "HttpsSettings",
    "LimitsSettings",
    "MqttForwarderSettings",
    "MqttIngestSettings",
    "PipelineSettings",
    "RedisStreamForwarderSettings",
    "RetrySettings",
    "SecuritySettings",
    "SerialSettings",
    "TcpSettings",
    "TokenSetting",
    "UdpMeshSettings",
    "WebSettings",
    "WebhookForwarderSettings",
    "environment_values",
    "merged",
    "resolve_settings",
]

ENV_PREFIX = "OPENPCS_"
#: Variables the configuration loader reads for ``!secret`` values, not settings.
_SECRET_PREFIX = "OPENPCS_SECRET_"
Scope = Literal["read", "ingest", "admin"]


class MqttIngestSettings(_Section):
    """Raw frames from an MQTT broker (payload: the frame's bytes, or its hex text).

    ``share_group`` subscribes with MQTT v5 shared subscriptions (``$share/<group>/<topic>``)
    so that several gateway instances split the messages between them. Messages are
    acknowledged to the broker only once the frame is durable. ``client_id`` defaults to one
    derived from the host and the data folder: stable across restarts, distinct per instance.
    """

    enabled: bool = False
    url: Annotated[str, AfterValidator(_mqtt_url)] = "mqtt://127.0.0.1:1883"
    topics: tuple[str, ...] = ("openpcs/frames/#",)
    share_group: str | None = None
    client_id: str | None = None
    qos: Literal[0, 1, 2] = 1
    username: str | None = None
    password: SecretStr | None = None

    @field_validator("share_group")
    @classmethod
    def _share_name(cls, value: str | None) -> str | None:
        if value is not None and (not value or any(c in value for c in "/+#")):
            raise ValueError("a share group is at least one character, without '/', '+' or '#'")
        return value


class LimitsSettings(_Section):
    """Size limits that keep a bad or hostile client from hurting the service."""

    max_body_bytes: int = Field(4 * 1024 * 1024, gt=0)
    max_frame_bytes: int = Field(2048, ge=16)
    max_batch_frames: int = Field(20_000, gt=0)
    max_pending_frames: int = Field(500_000, gt=0)
    max_line_bytes: int = Field(8192, ge=64)


class PipelineSettings(_Section):
    """Batching, deduplication and tiny-frame reassembly."""

    batch_frames: int = Field(5000, gt=0)
    dedup_window_s: float = Field(600.0, ge=0)
    tiny_timeout_s: float = Field(60.0, gt=0)
    recovery_interval_s: float = Field(30.0, gt=0)


class TokenSetting(_Section):
    """An API token given in the settings (others are created with ``openpcs token``)."""

    name: str
    scope: Scope
    token: SecretStr = Field(min_length=16)


class SecuritySettings(_Section):
    """Who may do what.

    Queries always need a ``read`` (or ``admin``) token and admin calls an ``admin`` token.
    Node paths (Meshlium GET/POST, the Cloud Bridge's GET, TCP, MQTT, mesh) take frames
    without a token unless ``ingest_token_required``; webhooks from network servers need an
    ``ingest`` token unless ``webhook_token_required`` is off. A device with its own ingest
    token always needs it.
    """

    ingest_token_required: bool = False
    webhook_token_required: bool = True
    tokens: tuple[TokenSetting, ...] = ()
    secret_key: SecretStr | None = None


class RetrySettings(_Section):
    """Backoff between delivery attempts of a forwarder: doubling from ``initial_s``."""

    initial_s: float = Field(1.0, gt=0)
    max_s: float = Field(300.0, gt=0)
    max_attempts: int = Field(0, ge=0, description="0: never give up")


class MqttForwarderSettings(_Section):
    """Publish each stored frame as JSON to an MQTT broker.

    ``topic`` may use ``{serial}``, ``{node_name}``, ``{frame_type}``, ``{adapter}`` and
    ``{status}``.
    """

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$")
    url: Annotated[str, AfterValidator(_mqtt_url)] = "mqtt://127.0.0.1:1883"
    topic: str = "openpcs/{serial}/frames"
    qos: Literal[0, 1, 2] = 1
    retain: bool = False
    client_id: str | None = None
    username: str | None = None
    password: SecretStr | None = None


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


class ForwardersSettings(_Section):
    """Where stored frames go next; each forwarder has its own outbox rows and retries."""

    mqtt: tuple[MqttForwarderSettings, ...] = ()
    webhooks: tuple[WebhookForwarderSettings, ...] = ()
    redis_streams: tuple[RedisStreamForwarderSettings, ...] = ()
    retry: RetrySettings = RetrySettings()
    poll_interval_s: float = Field(1.0, gt=0)


class WebSettings(_Section):
    """The web application served beside the gateway (``openpcs.web``): the PCS form,
    registry, templates, batches and data views at ``/``.

    ``api_dir`` is the Waspmote API tree programs compile against (a folder an admin sets on
    the settings page wins over it; without either, ``$WASPMOTE_API_DIR``; without any, bundles
    hold the source only). ``secure_cookies``
    marks the session cookie HTTPS-only even when the page was served over HTTP (behind a TLS
    proxy); a sign-in over the gateway's own HTTPS always gets an HTTPS-only cookie.
    """

    enabled: bool = True
    api_dir: str | None = None
    session_hours: float = Field(12.0, gt=0, le=24 * 90)
    build_jobs: int = Field(2, ge=1, le=64)
    secure_cookies: bool = False


class GatewaySettings(_Section):
    """Everything ``openpcs serve`` needs; see the module docstring for where values come from.

    ``database`` is a SQLAlchemy URL; ``None`` means SQLite in ``data_dir/gateway.db``.
    ``sqlite_synchronous`` ``full`` makes every acknowledged frame survive a power loss;
    ``normal`` survives a crash of the process only, and writes faster. ``sqlite_cache_mb`` is
    the page cache of each SQLite connection; ``sqlite_busy_timeout_s`` how long a write waits
    for another writer's lock before it is refused (HTTP 503, TCP ``- unavailable``).
    """

    data_dir: Path = Path("openpcs-data")
    database: str | None = None
    sqlite_synchronous: Literal["full", "normal"] = "full"
    sqlite_cache_mb: int = Field(64, ge=1, le=65536)
    sqlite_busy_timeout_s: float = Field(30.0, gt=0, le=3600)
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    http: HttpSettings = HttpSettings()
    https: HttpsSettings = HttpsSettings()
    tcp: TcpSettings = TcpSettings()
    udp_mesh: UdpMeshSettings = UdpMeshSettings()
    serial: SerialSettings = SerialSettings()
    mqtt_ingest: MqttIngestSettings = MqttIngestSettings()
    limits: LimitsSettings = LimitsSettings()
    pipeline: PipelineSettings = PipelineSettings()
    security: SecuritySettings = SecuritySettings()
    forwarders: ForwardersSettings = ForwardersSettings()
    web: WebSettings = WebSettings()

    @model_validator(mode="after")
    def _some_http(self) -> GatewaySettings:
        if not self.http.enabled and not self.https.enabled:
            raise ValueError("turn on http or https: the gateway serves its routes on one")
        return self

    @property
    def database_url(self) -> str:
        """The SQLAlchemy URL of the store."""
        if self.database:
            return self.database
        return f"sqlite:///{self.data_dir / 'gateway.db'}"


def environment_values(environ: Mapping[str, str], prefix: str = ENV_PREFIX) -> dict[str, Any]:
    """The settings the environment gives: ``OPENPCS_HTTP__PORT=8081`` → ``{http: {port: …}}``.

    Names are lower-cased and split at ``__``; only names whose first part is a setting count
    (``OPENPCS_SECRET_*`` and other tools' ``OPENPCS_*`` variables are not settings). A value
    starting with ``[`` or ``{`` is read as JSON (lists of topics, token lists); other values
    stay text for validation to convert. Raises ``ValueError`` naming the variable when such
    JSON is malformed.
    """
    values: dict[str, Any] = {}
    for name, text in environ.items():
        if not name.startswith(prefix) or name.startswith(_SECRET_PREFIX):
            continue
        path = name[len(prefix) :].lower().split("__")
        if not all(path) or path[0] not in GatewaySettings.model_fields:
            continue
        value: Any = text
        if text.lstrip()[:1] in ("[", "{"):
            try:
                value = json.loads(text)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{name}: not valid JSON ({exc.msg})") from None
        target = values
        for part in path[:-1]:
            child = target.setdefault(part, {})
            if not isinstance(child, dict):
                raise ValueError(f"{name}: {part} is set both as a value and as a section")
            target = child
        target[path[-1]] = value
    return values


def merged(*layers: Mapping[str, Any]) -> dict[str, Any]:
    """Deep-merge mappings, later layers winning; sections merge, other values replace."""
    result: dict[str, Any] = {}
    for layer in layers:
        for key, value in layer.items():
            current = result.get(key)
            if isinstance(current, dict) and isinstance(value, Mapping):
                result[key] = merged(current, value)
            else:
                result[key] = dict(value) if isinstance(value, Mapping) else value
    return result


def resolve_settings(
    file_values: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    flags: Mapping[str, Any] | None = None,
) -> GatewaySettings:
    """Settings from defaults, a parsed settings file, the environment and flags, in that order.

    ``flags`` are nested like the file (``{"http": {"port": 8081}}``); ``None`` values were not
    given and are dropped. Raises pydantic's ``ValidationError`` for a bad value from any
    source, or ``ValueError`` for a malformed environment variable.
    """
    env = environment_values(os.environ if environ is None else environ)
    return GatewaySettings.model_validate(merged(file_values or {}, env, _given(flags or {})))


def _given(flags: Mapping[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in flags.items():
        if isinstance(value, Mapping):
            inner = _given(value)
            if inner:
                result[key] = inner
        elif value is not None:
            result[key] = value
    return result
