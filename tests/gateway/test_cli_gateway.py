"""``openpcs serve``, ``openpcs token`` and ``openpcs db`` from the command line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from openpcs.cli import app
from openpcs.gateway.runtime import Gateway
from openpcs.gateway.store.database import head_revision
from tests.gateway.conftest import POSTGRES_URL, make_settings

runner = CliRunner()


def test_tokens_are_created_listed_and_revoked(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    created = runner.invoke(
        app, ["token", "create", "grafana", "--scope", "read", "--data-dir", data]
    )
    assert created.exit_code == 0, created.output
    token = created.output.strip()
    assert token.startswith("opk_")
    listed = runner.invoke(app, ["token", "list", "--data-dir", data])
    assert "grafana" in listed.output
    assert "read" in listed.output
    assert token not in listed.output
    revoked = runner.invoke(app, ["token", "revoke", "grafana", "--data-dir", data])
    assert revoked.output.strip() == "revoked 1 token"
    again = runner.invoke(app, ["token", "revoke", "grafana", "--data-dir", data])
    assert again.exit_code == 1
    bad_scope = runner.invoke(app, ["token", "create", "x", "--scope", "root", "--data-dir", data])
    assert bad_scope.exit_code == 2


def test_db_status_and_upgrade(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    empty = runner.invoke(app, ["db", "status", "--data-dir", data])
    assert empty.output.strip() == f"store: empty; this openpcs: {head_revision()}"
    upgraded = runner.invoke(app, ["db", "upgrade", "--data-dir", data])
    assert upgraded.exit_code == 0
    assert upgraded.output.strip() == f"schema empty → {head_revision()}"
    current = runner.invoke(app, ["db", "status", "--data-dir", data])
    assert current.output.strip().startswith(f"store: {head_revision()};")


def test_a_database_without_driver_is_exit_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["db", "status", "--db", "oracle+nodriver://x/y"])
    assert result.exit_code == 2
    assert "error: store: no driver for oracle+nodriver" in result.output


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("http:\n  port: seventy\n", "settings.yaml line 2: http.port:"),
        ("tcp:\n  prot: 9000\n", "settings.yaml line 2: tcp.prot:"),
        ("forwarders:\n  mqtt:\n    - name: Bad Name\n", "line 3: forwarders.mqtt[0].name"),
        ("http: [1, 2\n", "settings.yaml"),
        (
            "forwarders:\n  webhooks:\n    - name: hook\n      url: https://u:p@h.example/\n"
            "      headers: {Authorization: Bearer abc}\n",
            "line 5: forwarders.webhooks[0].headers: Authorization is set here and by the",
        ),
    ],
)
def test_a_bad_settings_file_names_the_line_and_field(
    tmp_path: Path, text: str, message: str
) -> None:
    settings = tmp_path / "settings.yaml"
    settings.write_text(text)
    result = runner.invoke(app, ["serve", "--config", str(settings)])
    assert result.exit_code == 2
    assert message in result.output


def test_a_bad_environment_value_names_the_variable(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["serve", "--data-dir", str(tmp_path)],
        env={"OPENPCS_TCP__PORT": "not-a-port"},
    )
    assert result.exit_code == 2
    assert "error: settings: tcp.port:" in result.output


def test_a_bad_broker_url_is_exit_2_without_its_password(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["serve", "--data-dir", str(tmp_path), "--mqtt-url", "tcp://u:SECRETPW@127.0.0.1:1883"],
    )
    assert result.exit_code == 2
    assert "mqtt_ingest.url" in result.output
    assert "an MQTT URL starts with mqtt:// or mqtts://" in result.output
    assert "SECRETPW" not in result.output


def test_a_bad_secret_key_is_exit_2(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["serve", "--data-dir", str(tmp_path), "--port", "0", "--tcp-port", "0"],
        env={"OPENPCS_SECURITY__SECRET_KEY": "too-short"},
    )
    assert result.exit_code == 2
    assert "error: settings: security.secret_key: the secret key must be 32 bytes" in (
        result.output
    )


def test_a_second_instance_on_a_set_up_store_makes_its_own_data_folder(
    tmp_path: Path, postgres_url: str
) -> None:
    first = Gateway(make_settings(tmp_path / "one", database=postgres_url))
    first.open()
    second_dir = tmp_path / "two" / "data"
    second = Gateway(make_settings(tmp_path / "two", database=postgres_url))
    second.open()  # the first admin token exists: the second writes none
    try:
        assert second.settings.data_dir == second_dir
        assert second_dir.is_dir()
        assert (second_dir.stat().st_mode & 0o777) == 0o700
        assert not (second_dir / "admin-token").exists()
    finally:
        first.engine.dispose()
        second.engine.dispose()


def _store_cases(tmp_path: Path) -> list[tuple[list[str], str]]:
    """``serve`` arguments naming a store that cannot be opened, and what the error names."""
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder\n")
    a_folder = tmp_path / "a-folder"
    a_folder.mkdir()
    missing = make_url(POSTGRES_URL).set(password="SECRETPW", database="openpcs_no_such_db")
    refused = missing.set(host="127.0.0.1", port=1)
    return [
        (["--data-dir", str(a_file)], f"{a_file}: the data folder is a file, not a folder"),
        (["--data-dir", str(a_file / "sub")], f"{a_file / 'sub'}: the data folder cannot be"),
        (["--db", f"sqlite:///{a_folder}"], f"sqlite:///{a_folder}: unable to open database"),
        (["--db", missing.render_as_string(hide_password=False)], "openpcs_no_such_db: "),
        (["--db", refused.render_as_string(hide_password=False)], "@127.0.0.1:1/"),
    ]


def test_serve_with_a_store_it_cannot_open_says_so_in_one_line(tmp_path: Path) -> None:
    for arguments, named in _store_cases(tmp_path):
        data = ["--data-dir", str(tmp_path / "data")] if "--db" in arguments else []
        result = subprocess.run(
            [sys.executable, "-m", "openpcs", "serve", *data, *arguments, "--port", "0"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 2, (arguments, result.stderr)
        assert result.stderr.count("\n") == 1, result.stderr
        assert result.stderr.startswith("error: store: "), result.stderr
        assert named in result.stderr
        assert "SECRETPW" not in result.stderr
