"""Gateway settings: defaults, the file, the environment and flags, in that order."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from openpcs.gateway.settings import environment_values, merged, resolve_settings


def test_defaults_listen_on_this_machine_only() -> None:
    settings = resolve_settings(environ={})
    assert settings.http.host == settings.tcp.host == "127.0.0.1"
    assert (settings.http.port, settings.tcp.port) == (8080, 9100)
    assert settings.database_url == f"sqlite:///{Path('openpcs-data') / 'gateway.db'}"
    assert settings.sqlite_synchronous == "full"
    assert not settings.mqtt_ingest.enabled
    assert not settings.udp_mesh.enabled
    assert settings.security.tokens == ()


def test_environment_beats_the_file_and_flags_beat_both() -> None:
    file_values = {"http": {"port": 8001, "host": "0.0.0.0"}, "tcp": {"port": 9001}}
    environ = {"OPENPCS_HTTP__PORT": "8002", "OPENPCS_DATABASE": "postgresql+psycopg://db/x"}
    settings = resolve_settings(file_values, environ, {"http": {"port": 8003, "host": None}})
    assert settings.http.port == 8003
    assert settings.http.host == "0.0.0.0"  # a flag not given overrides nothing
    assert settings.tcp.port == 9001
    assert settings.database_url == "postgresql+psycopg://db/x"


def test_environment_lists_are_json_and_secrets_are_not_settings() -> None:
    values = environment_values(
        {
            "OPENPCS_MQTT_INGEST__TOPICS": '["a/#", "b/+"]',
            "OPENPCS_SECRET_WIFI_PASSWORD": "not a setting",
            "OPENPCS_TEST_POSTGRES": "another tool's",
            "HOME": "/root",
        }
    )
    assert values == {"mqtt_ingest": {"topics": ["a/#", "b/+"]}}
    with pytest.raises(ValueError, match="OPENPCS_MQTT_INGEST__TOPICS: not valid JSON"):
        environment_values({"OPENPCS_MQTT_INGEST__TOPICS": "[oops"})


def test_merge_is_deep_and_later_layers_win() -> None:
    assert merged({"a": {"b": 1, "c": 2}, "d": 1}, {"a": {"c": 3}}, {"d": 4}) == {
        "a": {"b": 1, "c": 3},
        "d": 4,
    }


@pytest.mark.parametrize(
    ("values", "where"),
    [
        ({"http": {"port": 70000}}, "http.port"),
        ({"htp": {"port": 1}}, "htp"),
        ({"mqtt_ingest": {"share_group": "a/b"}}, "mqtt_ingest.share_group"),
        ({"security": {"tokens": [{"name": "x", "scope": "root", "token": "0" * 20}]}}, "scope"),
        ({"security": {"tokens": [{"name": "x", "scope": "read", "token": "short"}]}}, "token"),
        ({"forwarders": {"mqtt": [{"name": "Bad Name"}]}}, "forwarders.mqtt.0.name"),
        ({"udp_mesh": {"link": {"key": "00"}}}, "udp_mesh.link.key"),
        ({"mqtt_ingest": {"url": "tcp://u:pw@host:1883"}}, "mqtt_ingest.url"),
        ({"forwarders": {"mqtt": [{"name": "b", "url": "mqtt://h:port"}]}}, "mqtt.0.url"),
        ({"forwarders": {"mqtt": [{"name": "b", "ca_certificate": "/no/ca.pem"}]}}, "ca_certif"),
        (
            {"forwarders": {"mqtt": [{"name": "b", "client_certificate": __file__}]}},
            "forwarders.mqtt.0",
        ),
        (
            {
                "forwarders": {
                    "mqtt": [{"name": "b", "url": "mqtt://h", "ca_certificate": __file__}]
                }
            },
            "forwarders.mqtt.0",
        ),
    ],
)
def test_bad_settings_name_the_field(values: dict[str, object], where: str) -> None:
    with pytest.raises(ValidationError) as caught:
        resolve_settings(values, environ={})
    locations = [".".join(str(p) for p in e["loc"]) for e in caught.value.errors()]
    assert any(where in location for location in locations), locations


def test_secret_values_are_hidden_when_printed() -> None:
    settings = resolve_settings(
        {"security": {"tokens": [{"name": "ops", "scope": "admin", "token": "s3cret-" * 4}]}},
        environ={},
    )
    assert "s3cret" not in repr(settings)
    assert "s3cret" not in settings.model_dump_json()


def test_the_example_settings_file_is_valid_and_matches_the_defaults() -> None:
    from openpcs.config.loader import load_document
    from openpcs.gateway.settings import GatewaySettings

    path = Path(__file__).parents[2] / "examples" / "gateway" / "gateway.yaml"
    loaded = load_document(path, GatewaySettings, what="gateway settings")
    assert loaded.issues == []
    assert resolve_settings(loaded.raw, environ={}) == resolve_settings(environ={})


def test_a_webhook_with_credentials_in_its_url_and_an_authorization_header_is_refused() -> None:
    hooks = [
        {"name": "in-url", "url": "https://user:pw@example.org/hook"},
        {"name": "header", "url": "https://example.org/h", "headers": {"Authorization": "t"}},
        {
            "name": "both",
            "url": "https://user:SECRETPW@example.org/hook",
            "headers": {"authorization": "Bearer SECRETTOKEN"},
        },
        {
            "name": "user-only",
            "url": "https://user@example.org/",
            "headers": {"AUTHORIZATION": "t"},
        },
    ]
    with pytest.raises(ValidationError) as caught:
        resolve_settings({"forwarders": {"webhooks": hooks}}, environ={})
    problems = [(".".join(map(str, e["loc"])), e["msg"]) for e in caught.value.errors()]
    message = (
        "Value error, Authorization is set here and by the credentials in url "
        "(user:password@host), which would replace it: keep one of them"
    )
    assert problems == [
        ("forwarders.webhooks.2.headers", message),
        ("forwarders.webhooks.3.headers", message),
    ]
    assert "SECRET" not in str(caught.value)
