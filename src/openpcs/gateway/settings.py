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

from pydantic import (
    AfterValidator,
    Field,
    SecretStr,
    field_validator,
    model_validator,
)

from openpcs.gateway.forwarder_settings import (
    AmqpForwarderSettings,
    ForwardersSettings,
    MqttForwarderSettings,
    NatsForwarderSettings,
    RedisStreamForwarderSettings,
    RetrySettings,
    WebhookForwarderSettings,
)
from openpcs.gateway.listener_settings import (
    HttpSettings,
    HttpsSettings,
    SerialSettings,
    TcpSettings,
    UdpMeshSettings,
)
from openpcs.gateway.mqtt_address import broker_address, mqtt_url
from openpcs.gateway.sensor_table_settings import CustomSensorFile, SensorTablesSettings
from openpcs.gateway.settings_section import SettingsSection as _Section

__all__ = [
    "ENV_PREFIX",
    "AmqpForwarderSettings",
    "CustomSensorFile",
    "ForwardersSettings",
    "GatewaySettings",
    "HttpSettings",
    "HttpsSettings",
    "LimitsSettings",
    "MqttForwarderSettings",
    "MqttIngestSettings",
    "NatsForwarderSettings",
    "PipelineSettings",
    "RedisStreamForwarderSettings",
    "RetrySettings",
    "SecuritySettings",
    "SensorTablesSettings",
    "SerialSettings",
    "TcpSettings",
    "TokenSetting",
    "UdpMeshSettings",
    "WebSettings",
    "WebhookForwarderSettings",
    "broker_address",
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
    url: Annotated[str, AfterValidator(mqtt_url)] = "mqtt://127.0.0.1:1883"
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
    """Size limits that keep a bad or hostile client from hurting the service.

    ``max_pending_frames``: frames waiting to be archived; ``max_backlog_frames``: frames
    archived and answered but not processed yet. Past either, senders are told to try again
    (HTTP 503 with ``Retry-After``, TCP ``- unavailable``) rather than wait or pile up.
    """

    max_body_bytes: int = Field(4 * 1024 * 1024, gt=0)
    max_frame_bytes: int = Field(2048, ge=16)
    max_batch_frames: int = Field(20_000, gt=0)
    max_pending_frames: int = Field(500_000, gt=0)
    max_backlog_frames: int = Field(1_000_000, gt=0)
    max_line_bytes: int = Field(8192, ge=64)


class PipelineSettings(_Section):
    """Batching, acknowledging, deduplication and tiny-frame reassembly.

    ``acknowledge``: senders are answered once their frames are archived (``archived``, the
    default: the frames are durable, and processing follows) or once their results are stored
    (``processed``: the answer carries the frame's status). HTTP callers choose per request
    with ``?wait=``, TCP with ``tcp.acknowledge``. ``processing``: decoding and storing run in
    a processing process of their own (``process``, the default: the gateway's second core),
    in a thread of the gateway's process (``thread``), or, on a PostgreSQL store, in
    ``openpcs process`` instances on any machines (``elsewhere``: this gateway only archives).
    """

    acknowledge: Literal["archived", "processed"] = "archived"
    processing: Literal["process", "thread", "elsewhere"] = "process"
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
    sensor_tables: SensorTablesSettings = SensorTablesSettings()
    security: SecuritySettings = SecuritySettings()
    forwarders: ForwardersSettings = ForwardersSettings()
    web: WebSettings = WebSettings()

    @model_validator(mode="after")
    def _some_http(self) -> GatewaySettings:
        if not self.http.enabled and not self.https.enabled:
            raise ValueError("turn on http or https: the gateway serves its routes on one")
        if self.pipeline.processing == "elsewhere" and not self.database_url.startswith(
            "postgresql"
        ):
            raise ValueError(
                "pipeline.processing: 'elsewhere' needs a PostgreSQL store (database), which "
                "'openpcs process' instances share"
            )
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
